/**
 * bench/lineage: fills a store with BENCH_NODES nodes (default 1,000,000: long chains, bushy trees and
 * many small trees), then times lineage and gallery reads through the services beside the bare SQL on
 * the same database in the same run. Usage: `npm run bench:lineage` (see BENCHMARKS.md).
 *
 *   BENCH_NODES=100000        a smaller store for a quick check (at least 60,000)
 *   BENCH_REFILL=1            refill even when a store of that size is already there
 *   BENCH_ONLY=tree,search    run only these cases (ancestors, tree, gallery, cursor, search, search-cursor)
 *   BENCH_DATA_DIR=dir        where the store and results go (default bench/lineage/.bench-data, gitignored)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { configureSqlite, migrate, openSqlite, type Db } from '../../apps/api/src/db/database.ts';
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
import { CASES, type BenchContext, type Services, type Statement } from './cases.ts';
import { MIN_NODES } from './fill.ts';
import { runCase, type CaseResult } from './measure.ts';
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

/** Opens better-sqlite3 on the file with the settings `openSqlite` gives the app. */
function openBare(file: string): SQLite.Database {
  return configureSqlite(new SQLite(file));
}

/** The services as the app wires them (see app.ts); only the repository is exercised by these reads. */
function wire(db: Db, store: ImageStore): Services {
  const repo = new KyselyNodeRepository(db);
  const writer = new NodeWriter(repo, store, sharpImageOps, systemClock, cryptoRandom, 'bench');
  return { repo, lineage: new LineageService(repo, new PublicUrls(null)), images: new ImageService(repo, store, sharpImageOps, writer, new PublicUrls(null)) };
}

const nodes = envInt('BENCH_NODES', 1_000_000);
if (nodes < MIN_NODES) throw new Error(`BENCH_NODES must be at least ${MIN_NODES}.`);
const refill = process.env.BENCH_REFILL === '1' || process.env.BENCH_REFILL === 'true';
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((key) => !CASES.some((c) => c.key === key)) ?? [];
if (unknown.length > 0) throw new Error(`BENCH_ONLY: no case ${unknown.join(', ')}; the cases are ${CASES.map((c) => c.key).join(', ')}.`);
const dataDir = path.resolve(process.env.BENCH_DATA_DIR ?? path.join(import.meta.dirname, '.bench-data'));
const files = storeFiles(dataDir, nodes);

const info = await ensureStore(files, nodes, refill, log);

// The service side: the app's openSqlite + migrate (a no-op here), the Kysely repository, the real services.
const db = openSqlite(files.db);
await migrate(db);
const store = await LocalImageStore.open(path.join(dataDir, 'store'));
const services = wire(db, store);

// The bare side: better-sqlite3 on the same file, a connection of its own with the same settings.
const bare = openBare(files.db);

// A logging copy of the services on a third connection, to capture the exact SQL the service issues.
const captured: Statement[] = [];
const loggingDb = new Kysely<Database>({
  dialect: new SqliteDialect({ database: openBare(files.db) }),
  log: (event) => {
    if (event.level === 'query') captured.push({ sql: event.query.sql, parameters: event.query.parameters });
  },
});
const logging = wire(loggingDb, store);

const ctx: BenchContext = {
  ...services,
  info,
  nodes,
  bare,
  async statementsOf(call) {
    captured.length = 0;
    await call(logging);
    return captured.splice(0);
  },
};

const sqliteVersion = (bare.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
const pageSize = bare.pragma('page_size', { simple: true }) as number;
const pageCount = bare.pragma('page_count', { simple: true }) as number;
const dbBytes = fs.statSync(files.db).size;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
log('');
log(`Store: ${nodes.toLocaleString('en')} nodes, ${mib(dbBytes)} (${pageCount.toLocaleString('en')} pages of ${pageSize} B); SQLite ${sqliteVersion}; Node ${process.version}`);
log(`Chain: deepest node ${info.chain.deepestId} at depth ${info.chain.deepestDepth}.`);
log(`Tree under test: root ${info.tree.rootId} (${info.tree.size} nodes, ${info.tree.branching} children per inner node), focus ${info.tree.focusId} at depth ${info.tree.focusDepth}.`);
log('');

const results: CaseResult[] = [];
const plans: string[] = [];
const planOf = (q: Statement) =>
  (bare.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...q.parameters) as Array<{ detail: string }>).map((r) => `  ${r.detail}`).join('\n');
for (const definition of CASES) {
  if (only && !only.includes(definition.key)) continue;
  // Each case is prepared just before it runs (and dropped after), so no case's rows stay on the heap during another.
  const { bench, plans: statements } = await definition.prepare(ctx);
  log(`Timing: ${bench.name} (${bench.warmup} warm-up + ${bench.iterations} rounds of ${bench.variants.length} variants)`);
  results.push(await runCase(bench));
  for (const q of statements) plans.push(`-- ${q.title}\n${q.sql}\n${planOf(q)}`);
}

const machine = {
  cpus: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
  ramGiB: Math.round(os.totalmem() / 1024 ** 3),
  node: process.version,
  sqlite: sqliteVersion,
};
const summary = [
  `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.ramGiB} GiB RAM, Node ${machine.node}, SQLite ${machine.sqlite}`,
  `Store: ${nodes.toLocaleString('en')} nodes, ${mib(dbBytes)}, filled in ${info.fill.seconds} s`,
  '',
  resultsTable(results),
  '',
  detailTable(results),
].join('\n');
log('');
log(summary);
log('');
log(plans.join('\n\n'));

const stem = only ? `results-${nodes}-${only.join('-')}` : `results-${nodes}`;
fs.writeFileSync(path.join(dataDir, `${stem}.md`), `${summary}\n\n\`\`\`text\n${plans.join('\n\n')}\n\`\`\`\n`);
fs.writeFileSync(
  path.join(dataDir, `${stem}.json`),
  `${JSON.stringify({ finishedAt: new Date().toISOString(), machine, store: { ...info, bytes: dbBytes, pageSize, pageCount }, results }, null, 2)}\n`,
);

const missed = results.filter((r) => ratio(r) > AIM_RATIO).map((r) => r.name);
log('');
log(missed.length === 0 ? `Every service call is within ${AIM_RATIO}x of its bare query.` : `Above ${AIM_RATIO}x of the bare query: ${missed.join('; ')}.`);
log(`Results written to ${path.relative(process.cwd(), path.join(dataDir, `${stem}.md`))} (and .json).`);

await loggingDb.destroy();
await db.destroy();
bare.close();
