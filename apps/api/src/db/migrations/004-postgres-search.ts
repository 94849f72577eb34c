import { sql, type Kysely } from 'kysely';
import { isSqlite } from '../dialect.ts';

/**
 * PostgreSQL: prompt search reads a stored tsvector through a GIN index instead of computing
 * to_tsvector for every row it looks at (1.7 s for a word with no match at 200k rows); the
 * expression index of 001 is then unused and goes. SQLite keeps its FTS5 table: nothing to do.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isSqlite(db)) return;
  await sql`ALTER TABLE image_nodes ADD COLUMN prompt_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', prompt)) STORED`.execute(db);
  await sql`CREATE INDEX image_nodes_prompt_tsv_idx ON image_nodes USING gin (prompt_tsv)`.execute(db);
  await sql`DROP INDEX IF EXISTS image_nodes_prompt_fts_idx`.execute(db);
}
