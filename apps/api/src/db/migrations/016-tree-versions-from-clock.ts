import { sql, type Kysely } from 'kysely';
import { isSqlite } from '../dialect.ts';

/**
 * A tree's version (013) becomes the time of its last write in microseconds since 1970, or one more than the
 * version before when the clock says less. Still counted up on every write, but no longer from 1: a version
 * now names one state of a tree beyond this database's lifetime too, so that it can stand in a validator
 * sent to clients (the ETag of a lineage answer). With counters from 1, a database made anew (a data
 * folder cleared) or restored from a backup would give the versions it had given before to other trees
 * or other states, and a browser holding such a tag would be told its old answer was still right. Every
 * tree gets its version from the clock now, those that had none (written only before 013) included.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isSqlite(db)) {
    const now = `CAST(unixepoch('subsec') * 1000000 AS INTEGER)`;
    const upsert = (select: string) => `INSERT INTO tree_versions (root_id, version) ${select} ON CONFLICT (root_id) DO UPDATE SET version = max(version + 1, excluded.version);`;
    const bump = (root: string, when = 'true') => upsert(`SELECT ${root}, ${now} WHERE ${when}`);
    for (const event of ['insert', 'update', 'delete']) await sql.raw(`DROP TRIGGER image_nodes_tree_version_${event}`).execute(db);
    await sql.raw(`CREATE TRIGGER image_nodes_tree_version_insert AFTER INSERT ON image_nodes BEGIN ${bump('new.root_id')} END`).execute(db);
    await sql.raw(`CREATE TRIGGER image_nodes_tree_version_update AFTER UPDATE ON image_nodes BEGIN ${bump('old.root_id')} ${bump('new.root_id', 'new.root_id <> old.root_id')} END`).execute(db);
    await sql.raw(`CREATE TRIGGER image_nodes_tree_version_delete AFTER DELETE ON image_nodes BEGIN ${bump('old.root_id')} END`).execute(db);
    // (WHERE true: SQLite reads an ON CONFLICT after a bare SELECT … FROM as part of a join.)
    await sql.raw(upsert(`SELECT DISTINCT root_id, ${now} FROM image_nodes WHERE true`)).execute(db);
    return;
  }
  const now = `(extract(epoch FROM clock_timestamp()) * 1000000)::bigint`;
  // As 013's, once per statement over the rows it changed, in root order.
  const bump = (rows: string) =>
    `INSERT INTO tree_versions (root_id, version) SELECT root_id, ${now} FROM (${rows}) AS changed GROUP BY root_id ORDER BY root_id
     ON CONFLICT (root_id) DO UPDATE SET version = GREATEST(tree_versions.version + 1, excluded.version);`;
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION image_nodes_bump_tree_versions() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN ${bump('SELECT root_id FROM new_rows')}
        ELSIF TG_OP = 'UPDATE' THEN ${bump('SELECT root_id FROM old_rows UNION ALL SELECT root_id FROM new_rows')}
        ELSE ${bump('SELECT root_id FROM old_rows')}
        END IF;
        RETURN NULL;
      END $$`,
    )
    .execute(db);
  await sql.raw(bump('SELECT DISTINCT root_id FROM image_nodes')).execute(db);
}
