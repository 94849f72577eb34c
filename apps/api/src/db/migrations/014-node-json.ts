import { sql, type Kysely } from 'kysely';
import { isSqlite } from '../dialect.ts';

/**
 * A text column's value as JSON text: a JSON string, or 'null'. Declared immutable, as a stored
 * generated column asks: PostgreSQL marks to_json stable for every type, as some types' output depends
 * on settings (dates, money); the JSON of text depends on none.
 */
const JSON_STRING_FUNCTION = `CREATE FUNCTION imageflow_json_string(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT COALESCE(to_json(value)::text, 'null') $$`;

/** A field of the stored JSON: its key, its column, and how the column becomes JSON. */
export type Field = readonly [key: string, column: string, kind: 'number' | 'nullable number' | 'boolean' | 'string'];

/**
 * The fields, in ImageNode's order up to the recipe but for children_count (counted when read):
 * as kysely-node.repository.ts's NODE_JSON makes them on SQLite, byte for byte
 * (apps/api/test/json-passthrough.test.ts holds both to JSON.stringify of the object form).
 */
const FIELDS: readonly Field[] = [
  ['id', 'id', 'number'], ['is_root', 'is_root', 'boolean'], ['parent_id', 'parent_id', 'nullable number'], ['root_id', 'root_id', 'number'],
  ['depth', 'depth', 'number'], ['prompt', 'prompt', 'string'], ['negative_prompt', 'negative_prompt', 'string'], ['model', 'model', 'string'],
  ['provider', 'provider', 'string'], ['seed', 'seed', 'nullable number'], ['action_type', 'action_type', 'string'],
  ['image_path', 'image_path', 'string'], ['filename', 'filename', 'string'], ['width', 'width', 'number'], ['height', 'height', 'number'],
  ['bytes', 'bytes', 'number'], ['sha256', 'sha256', 'string'], ['starred', 'starred', 'boolean'], ['deleted_at', 'deleted_at', 'string'],
  ['trashed_at', 'trashed_at', 'string'], ['created_at', 'created_at', 'string'], ['pending_parent_sha256', 'pending_parent_sha256', 'string'],
];

export function valueSql([, column, kind]: Field): string {
  switch (kind) {
    case 'number':
      return `${column}::text`;
    case 'nullable number':
      return `COALESCE(${column}::text, 'null')`;
    case 'boolean':
      return `CASE WHEN ${column} = 1 THEN 'true' ELSE 'false' END`;
    case 'string':
      return `imageflow_json_string(${column})`;
  }
}

/**
 * PostgreSQL: each node keeps its JSON (`node_json`), written by the database whenever the row is
 * written, so that a page of nodes reads one text column per node instead of building an object of
 * 22 columns per row on every read (bench/lineage: building it cost the server more than the bare
 * query's whole read). About 650 bytes a node, against the image file's megabytes. The table is
 * rewritten once, under its lock. SQLite builds the same text when it reads (json_object): cheap
 * there, in the reading process.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isSqlite(db)) return;
  await sql.raw(JSON_STRING_FUNCTION).execute(db);
  const text = FIELDS.map((f, i) => `'${i === 0 ? '{' : ','}"${f[0]}":' || ${valueSql(f)}`).join(' || ');
  await sql.raw(`ALTER TABLE image_nodes ADD COLUMN node_json text GENERATED ALWAYS AS (${text} || '}') STORED`).execute(db);
}
