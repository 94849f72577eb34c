import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { migrate, openSqlite } from '../../apps/api/src/db/database.ts';
import { STORE_FORMAT, fillStore, type StoreInfo } from './fill.ts';

const SCHEMA_SQL = `SELECT type, name, COALESCE(sql, '') AS sql FROM sqlite_master WHERE name NOT LIKE 'kysely_%' ORDER BY type, name`;
type SchemaRow = { type: string; name: string; sql: string };
const schemaText = (rows: SchemaRow[]) => rows.map((r) => `${r.type} ${r.name}: ${r.sql}`).join('\n');

/** The schema the app's migrations make today, so a file made by older migrations is not reused. */
async function currentSchema(): Promise<string> {
  const memory = openSqlite(':memory:');
  await migrate(memory);
  const { rows } = await sql.raw<SchemaRow>(SCHEMA_SQL).execute(memory);
  await memory.destroy();
  return schemaText(rows);
}

export interface StoreFiles {
  db: string;
  info: string;
}

export function storeFiles(dataDir: string, nodes: number): StoreFiles {
  return { db: path.join(dataDir, `lineage-${nodes}.sqlite`), info: path.join(dataDir, `lineage-${nodes}.json`) };
}

/** Why a stored file cannot be reused, or undefined when it can. */
async function reuseProblem(files: StoreFiles, nodes: number): Promise<string | undefined> {
  if (!fs.existsSync(files.db) || !fs.existsSync(files.info)) return 'no stored file';
  const info = JSON.parse(fs.readFileSync(files.info, 'utf8')) as StoreInfo;
  if (info.format !== STORE_FORMAT || info.nodes !== nodes) return 'the stored file has another shape';
  const sqlite = new SQLite(files.db, { readonly: true });
  try {
    const count = (sqlite.prepare('SELECT COUNT(*) AS n FROM image_nodes').get() as { n: number }).n;
    if (count !== nodes) return `the stored file has ${count} nodes`;
    const schema = schemaText(sqlite.prepare(SCHEMA_SQL).all() as SchemaRow[]);
    if (schema !== (await currentSchema())) return 'the stored file was made by other migrations than the current ones';
  } finally {
    sqlite.close();
  }
  return undefined;
}

/** Reuses a filled store of this size made by the current migrations, else fills a new one. */
export async function ensureStore(files: StoreFiles, nodes: number, refill: boolean, log: (line: string) => void): Promise<StoreInfo> {
  fs.mkdirSync(path.dirname(files.db), { recursive: true });
  const problem = refill ? 'BENCH_REFILL is set' : await reuseProblem(files, nodes);
  const shown = path.relative(process.cwd(), files.db);
  if (problem === undefined) {
    const info = JSON.parse(fs.readFileSync(files.info, 'utf8')) as StoreInfo;
    log(`Reusing ${shown} (filled in ${info.fill.seconds} s on ${info.fill.finishedAt}); BENCH_REFILL=1 refills.`);
    return info;
  }
  fs.rmSync(files.info, { force: true });
  log(`Filling ${shown} with ${nodes.toLocaleString('en')} nodes, indexes and FTS triggers in place (${problem})...`);
  const info = await fillStore(files.db, nodes, log);
  fs.writeFileSync(files.info, `${JSON.stringify(info, null, 2)}\n`);
  log(`Filled in ${info.fill.seconds} s.`);
  return info;
}
