import { sql, type Kysely } from 'kysely';
import { isSqlite } from '../dialect.ts';
import { valueSql, type Field } from './014-node-json.ts';

/**
 * NodeSummary's stored fields (@imageflow/shared; children_count and thumbnail_url are added when read), in
 * its order: they now open a node's JSON, so that a summary is the start of it.
 */
const SUMMARY: readonly Field[] = [
  ['id', 'id', 'number'], ['parent_id', 'parent_id', 'nullable number'], ['depth', 'depth', 'number'], ['prompt', 'prompt', 'string'],
  ['model', 'model', 'string'], ['provider', 'provider', 'string'], ['seed', 'seed', 'nullable number'], ['action_type', 'action_type', 'string'],
  ['width', 'width', 'number'], ['height', 'height', 'number'], ['starred', 'starred', 'boolean'], ['deleted_at', 'deleted_at', 'string'],
  ['trashed_at', 'trashed_at', 'string'], ['created_at', 'created_at', 'string'],
];

/** The rest of ImageNode's stored fields, after the summary's. */
const REST: readonly Field[] = [
  ['is_root', 'is_root', 'boolean'], ['root_id', 'root_id', 'number'], ['negative_prompt', 'negative_prompt', 'string'],
  ['image_path', 'image_path', 'string'], ['filename', 'filename', 'string'], ['bytes', 'bytes', 'number'], ['sha256', 'sha256', 'string'],
  ['pending_parent_sha256', 'pending_parent_sha256', 'string'],
];

const fieldsText = (fields: readonly Field[], first: boolean) =>
  fields.map((f, i) => `'${first && i === 0 ? '{' : ','}"${f[0]}":' || ${valueSql(f)}`).join(' || ');

/**
 * PostgreSQL: a tree view's page of summaries is read as the start of each node's stored JSON
 * (`left(node_json, summary_chars)`) instead of an object built from the columns on every read, which cost the
 * server a sixth of the page's time (bench/lineage). `node_json` is written again with the summary's fields
 * first (ImageNode's fields in that order on both databases, tested against the object form byte for byte), and
 * `summary_chars` is how many characters of it they take. Four bytes a node; the table is rewritten once, under
 * its lock, as for 014.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isSqlite(db)) return;
  const summary = fieldsText(SUMMARY, true);
  await sql
    .raw(
      `ALTER TABLE image_nodes
        DROP COLUMN node_json,
        ADD COLUMN node_json text GENERATED ALWAYS AS (${summary} || ${fieldsText(REST, false)} || '}') STORED,
        ADD COLUMN summary_chars integer GENERATED ALWAYS AS (length(${summary})) STORED`,
    )
    .execute(db);
}
