/**
 * bench/lineage: fills a store with BENCH_NODES nodes (default 1,000,000: long chains, bushy trees and
 * many small trees), then times lineage and gallery reads through the services beside the bare SQL on
 * the same database in the same run. Usage: `npm run bench:lineage` (see BENCHMARKS.md).
 *
 *   BENCH_DATABASE=postgres   run on PostgreSQL (database imageflow_bench_lineage_<N>) instead of SQLite
 *   BENCH_DATABASE_URL=url    the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_NODES=100000        a smaller store for a quick check (at least 60,000)
 *   BENCH_REFILL=1            refill even when a store of that size is already there
 *   BENCH_ONLY=tree,search    run only these cases (ancestors, tree, gallery, cursor, search, search-cursor, http)
 *   BENCH_DATA_DIR=dir        where the SQLite store and the results go (default bench/lineage/.bench-data, gitignored)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { migrate, openSqlite, type Db } from '../../apps/api/src/db/database.ts';
import type { Database } from '../../apps/api/src/db/schema.ts';
import { KyselyNodeRepository } from '../../apps/api/src/adapters/kysely-node.repository.ts';
import { LocalImageStore } from '../../apps/api/src/adapters/local-image-store.ts';
import { sharpImageOps } from '../../apps/api/src/adapters/sharp-image-ops.ts';
import { cryptoRandom, systemClock } from '../../apps/api/src/adapters/system.ts';
import type { ImageStore } from '../../apps/api/src/ports/image-store.port.ts';
import { ImageService } from '../../apps/api/src/services/image.service.ts';
import { LineageService } from '../../apps/api/src/services/lineage.service.ts';
import { NodeWriter } from '../../apps/api/src/services/node-writer.ts';
import { PublicUrls } from '../../apps/api/src/services/public-urls.ts';
import { postgresBare, sqliteBare, type BareDb, type Dialect, type PostgresBare } from './bare-db.ts';
import { BARE_SQL, NODE_COLUMNS_SQL, postgresBareSql, type BareSql } from './bare.ts';
import { CASES, previousLineage, TREE_PAGE, type BenchContext, type Services, type Statement } from './cases.ts';
import { httpTable, measureHttp, type HttpResult } from './http.ts';
import { MIN_NODES, type StoreInfo } from './fill.ts';
import { runCase, type CaseResult } from './measure.ts';
import { ensurePostgresStore, openAppDatabase, shownUrl } from './pg-store.ts';
import { AIM_RATIO, detailTable, ratio, resultsTable } from './report.ts';
import { ensureStore, storeFiles } from './store.ts';

const log = (line: string) => console.log(line);

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(raw)}.`);
  return value;
}

/** The services as the app wires them (see app.ts); only the repository is exercised by these reads. */
function wire(db: Db, store: ImageStore): Services {
  const repo = new KyselyNodeRepository(db);
  const writer = new NodeWriter(repo, store, sharpImageOps, systemClock, cryptoRandom, 'bench');
  return { repo, lineage: new LineageService(repo, new PublicUrls(null)), images: new ImageService(repo, store, sharpImageOps, writer, new PublicUrls(null), systemClock, 30) };
}

const nodes = envInt('BENCH_NODES', 1_000_000);
if (nodes < MIN_NODES) throw new Error(`BENCH_NODES must be at least ${MIN_NODES}.`);
const dialectName = process.env.BENCH_DATABASE || 'sqlite';
if (dialectName !== 'sqlite' && dialectName !== 'postgres') throw new Error(`BENCH_DATABASE must be sqlite or postgres, got ${JSON.stringify(dialectName)}.`);
const dialect: Dialect = dialectName;
const refill = process.env.BENCH_REFILL === '1' || process.env.BENCH_REFILL === 'true';
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const CASE_KEYS = [...CASES.map((c) => c.key), 'http'];
const unknown = only?.filter((key) => !CASE_KEYS.includes(key)) ?? [];
if (unknown.length > 0) throw new Error(`BENCH_ONLY: no case ${unknown.join(', ')}; the cases are ${CASE_KEYS.join(', ')}.`);
const dataDir = path.resolve(process.env.BENCH_DATA_DIR ?? path.join(import.meta.dirname, '.bench-data'));
fs.mkdirSync(dataDir, { recursive: true });

const captured: Statement[] = [];
const logQueries = (event: { level: string; query: { sql: string; parameters: readonly unknown[] } }) => {
  if (event.level === 'query') captured.push({ sql: event.query.sql, parameters: event.query.parameters });
};
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

interface Opened {
  info: StoreInfo;
  /** PostgreSQL: the benchmark database's URL (the app's configuration names it); null on SQLite. */
  url: string | null;
  /** The app's connection, the bare side's, and a logging copy of the app's that captures the SQL it issues. */
  db: Db;
  bare: BareDb;
  /** The bare queries for this database. */
  sql: BareSql;
  loggingDb: Db;
  /** One line about the store, and the database engine's version. */
  describe(): Promise<{ line: string; engine: string; store: Record<string, unknown> }>;
}

async function openSqliteStore(): Promise<Opened> {
  const files = storeFiles(dataDir, nodes);
  const info = await ensureStore(files, nodes, refill, log);
  // The service side: the app's openSqlite + migrate (a no-op here).
  const db = openSqlite(files.db);
  await migrate(db);
  // The bare side: better-sqlite3 on the same file, a connection of its own with the same settings.
  const bare = sqliteBare(files.db);
  // The logging copy runs on a third connection (without the app's statement cache: only the SQL text matters).
  const loggingDb = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqliteBare(files.db).sqlite }), log: logQueries });
  return {
    info,
    url: null,
    db,
    bare,
    sql: BARE_SQL,
    loggingDb,
    async describe() {
      const sqliteVersion = (bare.sqlite.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
      const pageSize = bare.sqlite.pragma('page_size', { simple: true }) as number;
      const pageCount = bare.sqlite.pragma('page_count', { simple: true }) as number;
      const bytes = fs.statSync(files.db).size;
      return {
        line: `${mib(bytes)} (${pageCount.toLocaleString('en')} pages of ${pageSize} B)`,
        engine: `SQLite ${sqliteVersion}`,
        store: { file: files.db, bytes, pageSize, pageCount },
      };
    },
  };
}

async function openPostgresStore(): Promise<Opened> {
  const { url, info } = await ensurePostgresStore(nodes, refill, log);
  // The service side: the app's loadConfig + openDatabase (a pool) + migrate (a no-op here).
  const db = await openAppDatabase(url);
  await migrate(db);
  // The bare side: pg on a connection of its own to the same database.
  const bare = await postgresBare(url);
  const columns = (await bare.client.query<{ column_name: string }>(NODE_COLUMNS_SQL)).rows.map((r) => r.column_name);
  const loggingPool = new pg.Pool({ connectionString: url, max: 1, application_name: 'imageflow-bench-logging' });
  const loggingDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: loggingPool }), log: logQueries });
  return {
    info,
    url,
    db,
    bare,
    sql: postgresBareSql(columns),
    loggingDb,
    async describe() {
      const { rows } = await bare.client.query<Record<string, string>>(`SELECT
        current_setting('server_version') AS version,
        current_setting('shared_buffers') AS shared_buffers,
        current_setting('work_mem') AS work_mem,
        current_setting('jit') AS jit,
        pg_database_size(current_database()) AS database_bytes,
        pg_relation_size('image_nodes') AS heap_bytes,
        pg_indexes_size('image_nodes') AS index_bytes,
        pg_total_relation_size('image_nodes') AS table_bytes`);
      const r = rows[0]!;
      const bytes = Number(r.database_bytes);
      return {
        line: `${shownUrl(url)}, ${mib(bytes)} (image_nodes: heap ${mib(Number(r.heap_bytes))}, indexes ${mib(Number(r.index_bytes))}); shared_buffers ${r.shared_buffers}, work_mem ${r.work_mem}, jit ${r.jit}`,
        engine: `PostgreSQL ${r.version}`,
        store: { database: shownUrl(url), bytes, heapBytes: Number(r.heap_bytes), indexBytes: Number(r.index_bytes), sharedBuffers: r.shared_buffers, jit: r.jit },
      };
    },
  };
}

const opened = dialect === 'sqlite' ? await openSqliteStore() : await openPostgresStore();
const { info, db, bare, loggingDb } = opened;
const store = await LocalImageStore.open(path.join(dataDir, 'store'));
const services = wire(db, store);
const logging = wire(loggingDb, store);

const ctx: BenchContext = {
  ...services,
  db,
  info,
  nodes,
  bare,
  sql: opened.sql,
  async statementsOf(call) {
    captured.length = 0;
    await call(logging);
    return captured.splice(0);
  },
};

const described = await opened.describe();
const migrations = (await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(db)).rows.map((r) => r.name);
/** Which code ran: the commit, and whether the app's sources differed from it (others may be editing them). */
function codeState(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--', '../../apps/api/src', '../../packages/shared/src').split('\n').filter(Boolean).length;
    return `commit ${git('rev-parse', '--short', 'HEAD')}${changed > 0 ? `, with ${changed} uncommitted file(s) in apps/api/src or packages/shared/src` : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}
const code = codeState();
log('');
log(`Store: ${nodes.toLocaleString('en')} nodes, ${described.line}; ${described.engine}; Node ${process.version}`);
log(`Chain: deepest node ${info.chain.deepestId} at depth ${info.chain.deepestDepth}.`);
log(`Tree under test: root ${info.tree.rootId} (${info.tree.size} nodes, ${info.tree.branching} children per inner node), focus ${info.tree.focusId} at depth ${info.tree.focusDepth}.`);
log('');

const loadAtStart = os.loadavg()[0]!;
const results: CaseResult[] = [];
const plans: string[] = [];
for (const definition of CASES) {
  if (only && !only.includes(definition.key)) continue;
  // Each case is prepared just before it runs (and dropped after), so no case's rows stay on the heap during another.
  const { bench, plans: statements } = await definition.prepare(ctx);
  log(`Timing: ${bench.name} (${bench.warmup} warm-up + ${bench.iterations} rounds of ${bench.variants.length} variants)`);
  results.push(await runCase(bench));
  for (const q of statements) plans.push(`-- ${q.title}\n${q.sql}\n${await bare.plan(q.sql, q.parameters)}`);
}
let http: HttpResult | null = null;
if (!only || only.includes('http')) {
  const { rootId, focusId } = info.tree;
  const bareTree = bare.statement(opened.sql.treePage);
  http = await measureHttp(
    ctx,
    {
      db,
      store,
      dataDir,
      databaseUrl: opened.url,
      bareTreePage: () => bareTree([rootId, TREE_PAGE + 1]),
      previousTreePage: () => previousLineage(ctx, focusId, 'tree', TREE_PAGE, true),
    },
    log,
  );
}
if (bare.dialect === 'postgres') {
  // Whether the named statements (a detail) ran with PostgreSQL's generic plan or a custom one.
  const prepared = await (bare as PostgresBare).preparedPlans();
  plans.push(
    `-- the bare side's named prepared statements: how often each ran with a generic / a custom plan\n${prepared
      .map((p) => `  generic ${p.generic}, custom ${p.custom}: ${p.statement.replace(/\s+/g, ' ').slice(0, 160)}`)
      .join('\n')}`,
  );
}

const machine = {
  cpus: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
  ramGiB: Math.round(os.totalmem() / 1024 ** 3),
  node: process.version,
  database: described.engine,
};
const fillLine =
  'vacuumAnalyzeSeconds' in info ? `filled in ${info.fill.seconds} s, then VACUUM (ANALYZE) in ${String(info.vacuumAnalyzeSeconds)} s` : `filled in ${info.fill.seconds} s`;
const summary = [
  `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.ramGiB} GiB RAM, Node ${machine.node}, ${machine.database}`,
  `Store: ${nodes.toLocaleString('en')} nodes, ${described.line}, ${fillLine}`,
  `Schema: the app's migrations ${migrations.join(', ')}; code: ${code}`,
  `Run finished ${new Date().toISOString()}; 1-minute load average ${loadAtStart.toFixed(1)} before the timing, ${os.loadavg()[0]!.toFixed(1)} after`,
  '',
  resultsTable(results),
  '',
  detailTable(results),
  ...(http ? ['', httpTable(http)] : []),
].join('\n');
log('');
log(summary);
log('');
log(plans.join('\n\n'));

const prefix = dialect === 'sqlite' ? 'results' : 'results-postgres';
const stem = only ? `${prefix}-${nodes}-${only.join('-')}` : `${prefix}-${nodes}`;
fs.writeFileSync(path.join(dataDir, `${stem}.md`), `${summary}\n\n${bare.planKind} of every statement:\n\n\`\`\`text\n${plans.join('\n\n')}\n\`\`\`\n`);
fs.writeFileSync(
  path.join(dataDir, `${stem}.json`),
  `${JSON.stringify({ finishedAt: new Date().toISOString(), machine, code, migrations, store: { ...info, ...described.store }, results, http }, null, 2)}\n`,
);

const missed = results.filter((r) => ratio(r) > AIM_RATIO).map((r) => r.name);
log('');
log(missed.length === 0 ? `Every service call is within ${AIM_RATIO}x of its bare query.` : `Above ${AIM_RATIO}x of the bare query: ${missed.join('; ')}.`);
log(`Results written to ${path.relative(process.cwd(), path.join(dataDir, `${stem}.md`))} (and .json).`);

await loggingDb.destroy();
await db.destroy();
await bare.close();
