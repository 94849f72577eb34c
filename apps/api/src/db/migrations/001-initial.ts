import { sql, type Kysely } from 'kysely';
import { isSqlite } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('image_nodes')
    // INTEGER PRIMARY KEY makes the id SQLite's rowid: lookups by id need no second index.
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('is_root', 'integer', (c) => c.notNull())
    .addColumn('parent_id', 'integer', (c) => c.references('image_nodes.id'))
    .addColumn('root_id', 'integer', (c) => c.notNull())
    .addColumn('depth', 'integer', (c) => c.notNull())
    .addColumn('prompt', 'text', (c) => c.notNull())
    .addColumn('negative_prompt', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('spec_json', 'text', (c) => c.notNull())
    .addColumn('request_params', 'text', (c) => c.notNull())
    .addColumn('image_path', 'text')
    .addColumn('filename', 'text', (c) => c.notNull().unique())
    .addColumn('action_type', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('seed', 'bigint')
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('starred', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('deleted_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text')
    .execute();

  // Lineage: children of a node, and whole trees paged breadth-first.
  await db.schema.createIndex('image_nodes_parent_idx').on('image_nodes').columns(['parent_id', 'id']).execute();
  await db.schema.createIndex('image_nodes_tree_idx').on('image_nodes').columns(['root_id', 'depth', 'id']).execute();
  // Gallery filters, each keyset-paged by id.
  await db.schema.createIndex('image_nodes_model_idx').on('image_nodes').columns(['model', 'id']).execute();
  await db.schema.createIndex('image_nodes_action_idx').on('image_nodes').columns(['action_type', 'id']).execute();
  await db.schema
    .createIndex('image_nodes_starred_idx')
    .on('image_nodes')
    .column('id')
    .where(sql.ref('starred'), '=', 1)
    .execute();
  await db.schema.createIndex('image_nodes_job_idx').on('image_nodes').columns(['job_id', 'id']).execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('step', 'integer')
    .addColumn('total_steps', 'integer')
    .addColumn('action_type', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'integer')
    .addColumn('request_json', 'text', (c) => c.notNull())
    .addColumn('plan_json', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text')
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('jobs_status_idx').on('jobs').columns(['status', 'created_at']).execute();

  await db.schema
    .createTable('pending_files')
    .addColumn('filename', 'text', (c) => c.primaryKey())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('id_sequences')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('next_value', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('id_sequences').values({ name: 'image_nodes', next_value: 1 }).execute();

  if (isSqlite(db)) {
    // Full-text search over prompts (an external-content FTS5 index kept in step by triggers).
    await sql`CREATE VIRTUAL TABLE image_nodes_fts USING fts5(prompt, content='image_nodes', content_rowid='id', tokenize='unicode61 remove_diacritics 2')`.execute(db);
    await sql`CREATE TRIGGER image_nodes_fts_insert AFTER INSERT ON image_nodes BEGIN
      INSERT INTO image_nodes_fts(rowid, prompt) VALUES (new.id, new.prompt);
    END`.execute(db);
    await sql`CREATE TRIGGER image_nodes_fts_delete AFTER DELETE ON image_nodes BEGIN
      INSERT INTO image_nodes_fts(image_nodes_fts, rowid, prompt) VALUES ('delete', old.id, old.prompt);
    END`.execute(db);
    await sql`CREATE TRIGGER image_nodes_fts_update AFTER UPDATE OF prompt ON image_nodes BEGIN
      INSERT INTO image_nodes_fts(image_nodes_fts, rowid, prompt) VALUES ('delete', old.id, old.prompt);
      INSERT INTO image_nodes_fts(rowid, prompt) VALUES (new.id, new.prompt);
    END`.execute(db);
  } else {
    await sql`CREATE INDEX image_nodes_prompt_fts_idx ON image_nodes USING gin (to_tsvector('simple', prompt))`.execute(db);
  }
}
