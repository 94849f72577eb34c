import { sql, type Kysely } from 'kysely';
import { isSqlite } from '../dialect.ts';

/**
 * A version per lineage tree, counted up by the database itself whenever a node of the tree is
 * inserted, changed or deleted (a node moved to another tree counts for both). An answer about a tree
 * made at one version is still right at that version: API processes keep such answers and check the
 * version, one indexed read, before they send one again (services/answer-cache.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tree_versions')
    .addColumn('root_id', 'bigint', (c) => c.primaryKey())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .execute();

  if (isSqlite(db)) {
    const bump = (root: string, when = '') =>
      `INSERT INTO tree_versions (root_id, version) SELECT ${root}, 1 WHERE ${when || 'true'} ON CONFLICT (root_id) DO UPDATE SET version = version + 1;`;
    await sql.raw(`CREATE TRIGGER image_nodes_tree_version_insert AFTER INSERT ON image_nodes BEGIN ${bump('new.root_id')} END`).execute(db);
    await sql.raw(`CREATE TRIGGER image_nodes_tree_version_update AFTER UPDATE ON image_nodes BEGIN ${bump('old.root_id')} ${bump('new.root_id', 'new.root_id <> old.root_id')} END`).execute(db);
    await sql.raw(`CREATE TRIGGER image_nodes_tree_version_delete AFTER DELETE ON image_nodes BEGIN ${bump('old.root_id')} END`).execute(db);
    return;
  }
  // Once per statement, over the rows it changed, in root order (two statements that touch the same
  // trees lock their versions in the same order).
  const bump = (rows: string) =>
    `INSERT INTO tree_versions (root_id, version) SELECT root_id, 1 FROM (${rows}) AS changed GROUP BY root_id ORDER BY root_id
     ON CONFLICT (root_id) DO UPDATE SET version = tree_versions.version + 1;`;
  await sql
    .raw(
      `CREATE FUNCTION image_nodes_bump_tree_versions() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN ${bump('SELECT root_id FROM new_rows')}
        ELSIF TG_OP = 'UPDATE' THEN ${bump('SELECT root_id FROM old_rows UNION ALL SELECT root_id FROM new_rows')}
        ELSE ${bump('SELECT root_id FROM old_rows')}
        END IF;
        RETURN NULL;
      END $$`,
    )
    .execute(db);
  const trigger = (event: string, tables: string) =>
    sql.raw(`CREATE TRIGGER image_nodes_tree_version_${event.toLowerCase()} AFTER ${event} ON image_nodes REFERENCING ${tables} FOR EACH STATEMENT EXECUTE FUNCTION image_nodes_bump_tree_versions()`).execute(db);
  await trigger('INSERT', 'NEW TABLE AS new_rows');
  await trigger('UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows');
  await trigger('DELETE', 'OLD TABLE AS old_rows');
}
