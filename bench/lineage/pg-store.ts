/**
 * The PostgreSQL store: a database of the benchmark's own, `imageflow_bench_lineage_<N>`, on the
 * server of BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; its database
 * is only used to create ours). No other database is dropped or changed: only names matching
 * OUR_DATABASES, which this file makes.
 *
 * The schema is the app's own `migrate()` on a connection opened as the app opens it
 * (`loadConfig` with DATABASE_URL, then `openDatabase`). The rows come from fill.ts's NodeRows, so
 * the database holds exactly the rows of the SQLite store of the same size. What the fill made
 * (StoreInfo) is kept as the database's comment, so it travels with the data.
 */
import pg from 'pg';
import { loadConfig } from '../../apps/api/src/config.ts';
import { migrate, openDatabase, type Db } from '../../apps/api/src/db/database.ts';
import { MIN_NODES, NODE_COLUMNS, NodeRows, ROWS_PER_BATCH, STORE_FORMAT, progressLog, type StoreInfo } from './fill.ts';

export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const OUR_DATABASES = /^imageflow_bench_lineage_(?:\d+|schema_\d+)$/;

export interface PostgresStoreInfo extends StoreInfo {
  /** VACUUM (ANALYZE) after the fill, not counted in fill.seconds. */
  vacuumAnalyzeSeconds: number;
}

export function serverUrl(): string {
  return process.env.BENCH_DATABASE_URL || DEFAULT_SERVER_URL;
}

export function databaseName(nodes: number): string {
  return `imageflow_bench_lineage_${nodes}`;
}

/** The server's URL with our database in place of its own. */
export function databaseUrl(server: string, name: string): string {
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A PostgreSQL URL without its password, for messages. */
export function shownUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'imageflow-bench-lineage', connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function ours(name: string): string {
  if (!OUR_DATABASES.test(name)) throw new Error(`refusing to touch database ${JSON.stringify(name)}: not one of the benchmark's`);
  return `"${name}"`;
}

async function createDatabase(server: string, name: string): Promise<void> {
  await withClient(server, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${ours(name)}`);
    await c.query(`CREATE DATABASE ${ours(name)}`);
  });
}

async function dropDatabase(server: string, name: string): Promise<void> {
  await withClient(server, (c) => c.query(`DROP DATABASE IF EXISTS ${ours(name)}`));
}

/** The app's connection: the config it loads from DATABASE_URL, opened by its openDatabase. */
export async function openAppDatabase(url: string): Promise<Db> {
  return openDatabase(loadConfig({ DATABASE_URL: url }));
}

/**
 * What the migrations made: columns (with types, defaults, generated expressions), indexes,
 * constraints, and the names of the applied migrations. Kysely's own bookkeeping tables are left out
 * of the first three.
 */
const SCHEMA_QUERIES = [
  `SELECT 'column ' || table_name || '.' || column_name || ': ' || concat_ws(' ', data_type, 'null=' || is_nullable,
     'default=' || COALESCE(column_default, '-'), 'generated=' || is_generated, COALESCE(generation_expression, '')) AS line
   FROM information_schema.columns
   WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely%'
   ORDER BY table_name, ordinal_position`,
  `SELECT 'index ' || indexname || ': ' || indexdef AS line FROM pg_indexes
   WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely%' ORDER BY tablename, indexname`,
  `SELECT 'constraint ' || conrelid::regclass::text || '.' || conname || ': ' || pg_get_constraintdef(oid) AS line
   FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE 'kysely%'
   ORDER BY 1`,
  `SELECT 'migration ' || name AS line FROM kysely_migration ORDER BY name`,
];

async function schemaOf(client: pg.Client): Promise<string> {
  const lines: string[] = [];
  for (const q of SCHEMA_QUERIES) lines.push(...(await client.query<{ line: string }>(q)).rows.map((r) => r.line));
  return lines.join('\n');
}

/** The schema the app's migrations make today, in a scratch database created and dropped here. */
async function currentSchema(server: string): Promise<string> {
  const scratch = `imageflow_bench_lineage_schema_${process.pid}`;
  await createDatabase(server, scratch);
  try {
    const db = await openAppDatabase(databaseUrl(server, scratch));
    try {
      await migrate(db);
    } finally {
      await db.destroy();
    }
    return await withClient(databaseUrl(server, scratch), schemaOf);
  } finally {
    await dropDatabase(server, scratch);
  }
}

async function storedInfo(server: string, name: string): Promise<{ exists: boolean; info?: PostgresStoreInfo }> {
  return withClient(server, async (c) => {
    const { rows } = await c.query<{ comment: string | null }>(
      `SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`,
      [name],
    );
    if (rows.length === 0) return { exists: false };
    try {
      return { exists: true, info: JSON.parse(rows[0]!.comment ?? '') as PostgresStoreInfo };
    } catch {
      return { exists: true };
    }
  });
}

/** Why the database cannot be reused, or undefined when it can. */
async function reuseProblem(server: string, name: string, nodes: number): Promise<string | undefined> {
  const { exists, info } = await storedInfo(server, name);
  if (!exists) return 'no such database yet';
  if (!info) return 'the database has no record of a finished fill';
  if (info.format !== STORE_FORMAT || info.nodes !== nodes) return 'the database has another shape';
  const { count, schema } = await withClient(databaseUrl(server, name), async (c) => ({
    count: Number((await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM image_nodes')).rows[0]!.n),
    schema: await schemaOf(c),
  }));
  if (count !== nodes) return `the database has ${count} nodes`;
  if (schema !== (await currentSchema(server))) return 'the database was made by other migrations than the current ones';
  return undefined;
}

/** Element types of the unnest() arrays, by column (the fill fails if one no longer fits the table). */
const ARRAY_TYPES: Record<(typeof NODE_COLUMNS)[number], string> = {
  id: 'int4', is_root: 'int4', parent_id: 'int4', root_id: 'int4', depth: 'int4', prompt: 'text', negative_prompt: 'text',
  spec_json: 'text', request_params: 'text', image_path: 'text', filename: 'text', action_type: 'text', model: 'text',
  provider: 'text', seed: 'int8', width: 'int4', height: 'int4', bytes: 'int8', sha256: 'text', starred: 'int4',
  deleted_at: 'text', created_at: 'text', job_id: 'text',
};

const INSERT_SQL = `INSERT INTO image_nodes (${NODE_COLUMNS.join(', ')})
SELECT * FROM unnest(${NODE_COLUMNS.map((c, i) => `$${i + 1}::${ARRAY_TYPES[c]}[]`).join(', ')})`;

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Creates the database and the app's schema, then inserts the rows ROWS_PER_BATCH at a time, one
 * multi-row INSERT ... SELECT FROM unnest(arrays) each, with every index, the generated tsvector
 * and its GIN index and the foreign key in place. The next batch is generated while the server
 * inserts the previous one.
 */
async function fill(server: string, name: string, nodes: number, log: (line: string) => void): Promise<PostgresStoreInfo> {
  if (nodes < MIN_NODES) throw new Error(`BENCH_NODES must be at least ${MIN_NODES}.`);
  await createDatabase(server, name);
  const url = databaseUrl(server, name);
  const app = await openAppDatabase(url);
  try {
    await migrate(app);
  } finally {
    await app.destroy();
  }

  return withClient(url, async (client) => {
    // Per connection; the database's own settings are left as they are.
    await client.query('SET synchronous_commit = off');
    const started = performance.now();
    const rows = new NodeRows(nodes);
    const progress = progressLog(nodes, started, log);
    let pending: Promise<unknown> | undefined;
    let pendingTo = 0;
    for (let from = 1; from <= nodes; from += ROWS_PER_BATCH) {
      const to = Math.min(from + ROWS_PER_BATCH - 1, nodes);
      const columns = NODE_COLUMNS.map(() => [] as unknown[]);
      for (let id = from; id <= to; id++) {
        const values = rows.next();
        for (let c = 0; c < values.length; c++) columns[c]!.push(values[c]);
        // Let the socket drain, so the server works on the previous batch while this one is made.
        if (id % 1_000 === 0) await nextTick();
      }
      if (pending) {
        await pending;
        progress(pendingTo);
      }
      const sent = client.query(INSERT_SQL, columns);
      sent.catch(() => undefined); // awaited below; this only keeps it from counting as unhandled meanwhile
      pending = sent;
      pendingTo = to;
    }
    await pending;
    progress(pendingTo);
    // A synchronous commit flushes the WAL of every asynchronous one before it. VACUUM below can only
    // mark a page all-visible once the commits of its rows are flushed: without this, the pages of
    // the last batches stayed not all-visible and index-only scans went to the heap for them.
    await client.query('SET synchronous_commit = on');
    await client.query(`UPDATE id_sequences SET next_value = $1 WHERE name = 'image_nodes'`, [nodes + 1]);
    const seconds = (performance.now() - started) / 1000;

    // Statistics for the planner, and the visibility map and GIN pending list that autovacuum would
    // see to soon after a bulk insert anyway: done now, so the first run sees what later runs see.
    log('  VACUUM (ANALYZE)...');
    const vacuumStarted = performance.now();
    await client.query('VACUUM (ANALYZE)');
    const vacuumAnalyzeSeconds = Math.round((performance.now() - vacuumStarted) / 100) / 10;

    const count = Number((await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM image_nodes')).rows[0]!.n);
    if (count !== nodes) throw new Error(`the fill wrote ${count} nodes, not ${nodes}`);
    const info: PostgresStoreInfo = { ...rows.info(seconds), vacuumAnalyzeSeconds };
    // Written last: a database without it is an unfinished fill and is never reused.
    await client.query(`COMMENT ON DATABASE ${ours(name)} IS ${client.escapeLiteral(JSON.stringify(info))}`);
    return info;
  });
}

/** Reuses a filled database of this size made by the current migrations, else fills a new one. */
export async function ensurePostgresStore(nodes: number, refill: boolean, log: (line: string) => void): Promise<{ url: string; info: PostgresStoreInfo }> {
  const server = serverUrl();
  const name = databaseName(nodes);
  const url = databaseUrl(server, name);
  const problem = refill ? 'BENCH_REFILL is set' : await reuseProblem(server, name, nodes);
  if (problem === undefined) {
    const { info } = await storedInfo(server, name);
    log(`Reusing ${shownUrl(url)} (filled in ${info!.fill.seconds} s on ${info!.fill.finishedAt}); BENCH_REFILL=1 refills.`);
    return { url, info: info! };
  }
  log(`Filling ${shownUrl(url)} with ${nodes.toLocaleString('en')} nodes, indexes, tsvector and foreign key in place (${problem})...`);
  const info = await fill(server, name, nodes, log);
  log(`Filled in ${info.fill.seconds} s, then VACUUM (ANALYZE) in ${info.vacuumAnalyzeSeconds} s.`);
  return { url, info };
}
