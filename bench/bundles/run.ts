/**
 * bench/bundles: a lineage tree of BENCH_NODES nodes (default 10,000) exported as a bundle by one API
 * process and imported by another, with the resident memory of each process sampled all along, to
 * see whether memory grows with the tree. Usage: `npm run bench:bundles` (see BENCHMARKS.md).
 *
 *   BENCH_NODES=10000        nodes of the tree under test
 *   BENCH_SMALL_NODES=1000   a smaller tree measured the same way first, to see how memory grows with
 *                            the tree (0: none)
 *   BENCH_REFILL=1           fill the source data folder again even if a fill of the same shape is there
 *   BENCH_RETAINED=0         skip the second export and import, on servers started with the inspector,
 *                            that read what each still holds after full collections
 *   BENCH_SERVER_NODE_OPTIONS=--max-old-space-size=96
 *                            NODE_OPTIONS for every server, e.g. to see how the peak behaves under a smaller heap
 *   MALLOC_ARENA_MAX=2       (inherited by the servers) fewer glibc malloc arenas
 *   BENCH_KEEP=1             keep the .zip files and the importing servers' data folders
 *   BENCH_DATA_DIR=dir       where the data folders and results go (default bench/bundles/.bench-data, gitignored)
 *
 * The source data folder is filled in this process through the app's own NodeWriter (no engine).
 * Each export and each import runs in a fresh `apps/api/src/main.ts` of its own, on SQLite; the
 * client streams the download to disk, and the upload from disk.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import SQLite from 'better-sqlite3';
import { Agent, fetch, request } from 'undici';
import yauzl from 'yauzl';
import type { BundleImport } from '@imageflow/shared';
import { freePort, ImageflowProcess } from '../../apps/api/test/support/processes.ts';
import { BRANCHING, ensureSource, type FilledTree } from './fill.ts';
import { Inspector, retainedBytes, type Retained } from './inspector.ts';
import { procMemory, restingMemory, RssSampler, type Sampled } from './memory.ts';
import { bareYazl, hasZipCommand, zipCommand, type TreeFile, type ZipTimed } from './reference.ts';

const log = (line: string) => console.log(line);

function envInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min}, got ${JSON.stringify(raw)}.`);
  return value;
}
const flag = (name: string) => process.env[name] === '1' || process.env[name] === 'true';

const NODES = envInt('BENCH_NODES', 10_000, 20);
const SMALL = envInt('BENCH_SMALL_NODES', 1_000, 0);
if (SMALL !== 0 && (SMALL < 20 || SMALL >= NODES)) throw new Error('BENCH_SMALL_NODES must be 0, or at least 20 and below BENCH_NODES.');
const refill = flag('BENCH_REFILL');
const keep = flag('BENCH_KEEP');
const RETAINED = process.env.BENCH_RETAINED !== '0';
const SERVER_NODE_OPTIONS = process.env.BENCH_SERVER_NODE_OPTIONS?.trim() ?? '';
const dataDir = path.resolve(process.env.BENCH_DATA_DIR ?? path.join(import.meta.dirname, '.bench-data'));
const sourceDir = path.join(dataDir, 'source');
const zipsDir = path.join(dataDir, 'zips');
/** A tree of 13 nodes whose export and import warm each server up before its measured request. */
const WARM_UP_NODES = 13;

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
const secs = (s: number) => `${s.toFixed(2)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** No timeouts: an import of 10,000 nodes answers only once every node is written. */
const agent = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

// --- processes and folders this run made ----------------------------------------------------------------

const running = new Set<ImageflowProcess>();
const madeDirs: string[] = [];

async function stopServer(server: ImageflowProcess): Promise<void> {
  await server.stop(10_000);
  running.delete(server);
}

async function cleanUp(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(5_000)));
  running.clear();
  if (!keep) for (const dir of madeDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  await agent.close().catch(() => undefined);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers...`);
    void cleanUp().finally(() => process.exit(130));
  });
}

interface Server {
  process: ImageflowProcess;
  base: string;
  startSeconds: number;
  /** VmRSS once it answered, before any request of ours. */
  startedRss: number;
}

/** `apps/api/src/main.ts` on `dir` (SQLite in the folder, images beside it), answering on loopback. */
async function startServer(name: string, dir: string, env: Record<string, string> = {}): Promise<Server> {
  const port = await freePort();
  const started = performance.now();
  const nodeOptions = [SERVER_NODE_OPTIONS, env.NODE_OPTIONS ?? ''].filter(Boolean).join(' ');
  const server = ImageflowProcess.start(name, {
    PORT: String(port),
    HOST: '127.0.0.1',
    IMAGEFLOW_DATA_DIR: dir,
    IMAGEFLOW_LOG_LEVEL: 'warn',
    ...env,
    ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
  });
  running.add(server);
  const base = `http://127.0.0.1:${port}`;
  await server.waitForHttp(`${base}/api/health`, 120_000);
  const startSeconds = (performance.now() - started) / 1000;
  await sleep(500);
  return { process: server, base, startSeconds, startedRss: procMemory(server.pid)?.rss ?? NaN };
}

// --- HTTP, streamed both ways ---------------------------------------------------------------------------

/** GET the bundle of `rootId`'s tree into `out`, chunk by chunk as it arrives. */
async function download(base: string, rootId: number, out: string): Promise<void> {
  const res = await fetch(`${base}/api/images/${rootId}/bundle?scope=tree`, { dispatcher: agent });
  if (res.status !== 200 || !res.body) throw new Error(`GET /api/images/${rootId}/bundle answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  const type = res.headers.get('content-type');
  if (type !== 'application/zip') throw new Error(`the bundle came as ${type}, not application/zip`);
  await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>), fs.createWriteStream(out));
}

/**
 * POST `zip` as the multipart field "file", read from disk as the socket takes it. The body is
 * framed here around a file stream: fetch with a FormData holding a Blob from fs.openAsBlob held
 * the whole file in this process on Node 20 (108 MiB held after collections for a 107 MiB bundle).
 */
async function upload(base: string, zip: string): Promise<BundleImport> {
  const boundary = `imageflow-bench-${randomUUID()}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(zip)}"\r\nContent-Type: application/zip\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = fs.statSync(zip).size;
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    yield* fs.createReadStream(zip) as AsyncIterable<Buffer>;
    yield tail;
  }
  const res = await request(`${base}/api/bundles`, {
    method: 'POST',
    body: Readable.from(body(), { objectMode: false }),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + size + tail.length) },
    dispatcher: agent,
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`POST /api/bundles answered ${res.statusCode}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as BundleImport;
}

interface Measured<T> {
  value: T;
  seconds: number;
  idle: { rss: number; anon: number };
  sampled: Sampled;
}

/** Runs `call` against the server while its memory is sampled, with a progress line every 15 s. */
async function measured<T>(what: string, server: Server, call: () => Promise<T>): Promise<Measured<T>> {
  const idle = await restingMemory(server.process.pid);
  const sampler = RssSampler.start(server.process.pid);
  const started = performance.now();
  const progress = setInterval(() => log(`    ${what}: ${((performance.now() - started) / 1000).toFixed(0)} s, server RSS ${mib(sampler.latest)}`), 15_000);
  try {
    const value = await call();
    const seconds = (performance.now() - started) / 1000;
    return { value, seconds, idle, sampled: sampler.stop() };
  } finally {
    clearInterval(progress);
    sampler.stop();
  }
}

// --- what the source and target databases hold ----------------------------------------------------------

function readDb<T>(dir: string, read: (db: SQLite.Database) => T): T {
  const db = new SQLite(path.join(dir, 'imageflow.db'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

/** The live image files of a tree, breadth first. */
function treeFiles(dir: string, rootId: number): TreeFile[] {
  return readDb(dir, (db) =>
    db.prepare('SELECT filename, sha256, bytes FROM image_nodes WHERE root_id = ? AND deleted_at IS NULL ORDER BY depth, id').all(rootId) as TreeFile[],
  );
}

/** Nodes, image bytes and a digest of the sorted sha256s of a tree: equal for a tree and its import. */
function treeSummary(dir: string, rootId: number): { nodes: number; bytes: number; digest: string } {
  return readDb(dir, (db) => {
    const rows = db.prepare('SELECT sha256, bytes FROM image_nodes WHERE root_id = ? ORDER BY sha256').all(rootId) as Array<{ sha256: string; bytes: number }>;
    const digest = rows.map((r) => r.sha256).join('\n');
    return { nodes: rows.length, bytes: rows.reduce((sum, r) => sum + r.bytes, 0), digest };
  });
}

/** The entries of a .zip from its directory: how many, and the bytes of the image files. */
async function zipContents(file: string): Promise<{ entries: number; images: number; imageBytes: number; first: string }> {
  const zip = await yauzl.openPromise(file, { autoClose: false, lazyEntries: true });
  let entries = 0;
  let images = 0;
  let imageBytes = 0;
  let first = '';
  try {
    for await (const entry of zip.eachEntry()) {
      if (entries === 0) first = entry.fileName;
      entries++;
      if (entry.fileName.startsWith('files/')) {
        images++;
        imageBytes += entry.uncompressedSize;
      }
    }
  } finally {
    zip.close();
  }
  return { entries, images, imageBytes, first };
}

// --- one tree: reference, export, import, import again ----------------------------------------------------

interface TreeResult {
  tree: FilledTree;
  files: number;
  fileBytes: number;
  bareYazl: ZipTimed;
  zipCommand: ZipTimed | null;
  exportZipBytes: number;
  exportServer: { startSeconds: number; startedRss: number };
  export: Measured<void>;
  importServer: { startSeconds: number; startedRss: number };
  import: Measured<BundleImport>;
  reimport: Measured<BundleImport>;
  retained: RetainedResult | null;
}

const failures: string[] = [];
function check(ok: boolean, message: string): void {
  if (!ok) {
    failures.push(message);
    log(`  FAILED: ${message}`);
  }
}

async function runTree(tree: FilledTree, warmUp: FilledTree, warmZip: string): Promise<TreeResult> {
  log('');
  log(`Tree of ${tree.nodes.toLocaleString('en')} nodes (root ${tree.rootId}, depth ${tree.depth}):`);
  const files = treeFiles(sourceDir, tree.rootId);
  const fileBytes = files.reduce((sum, f) => sum + f.bytes, 0);
  const onDisk = files.reduce((sum, f) => sum + fs.statSync(path.join(sourceDir, 'images', f.filename)).size, 0);
  check(onDisk === fileBytes, `the tree's image files take ${onDisk} bytes on disk, the database records ${fileBytes}`);
  log(`  ${files.length.toLocaleString('en')} image files, ${mib(fileBytes)}`);

  // The reference: the same files zipped bare, from the same (warm) page cache.
  const bare = await bareYazl(path.join(sourceDir, 'images'), files, path.join(zipsDir, `bare-yazl-${tree.nodes}.zip`));
  log(`  bare yazl: ${secs(bare.seconds)}, ${mib(bare.bytes)}`);
  const cli = hasZipCommand() ? await zipCommand(path.join(sourceDir, 'images'), files, path.join(zipsDir, `zip-0-${tree.nodes}.zip`)) : null;
  if (cli) log(`  zip -0: ${secs(cli.seconds)}, ${mib(cli.bytes)}`);

  // The export, by a server of its own on the source folder.
  const exportZip = path.join(zipsDir, `bundle-${tree.nodes}.zip`);
  const exporter = await startServer('exporting server', sourceDir);
  log(`  exporting server up in ${secs(exporter.startSeconds)}, RSS ${mib(exporter.startedRss)}`);
  if (!fs.existsSync(warmZip)) await download(exporter.base, warmUp.rootId, warmZip);
  else await download(exporter.base, warmUp.rootId, path.join(zipsDir, 'warm-up-again.zip'));
  const exported = await measured('export', exporter, () => download(exporter.base, tree.rootId, exportZip));
  await stopServer(exporter.process);
  const exportZipBytes = fs.statSync(exportZip).size;
  log(`  export: ${secs(exported.seconds)}, ${mib(exportZipBytes)}; server RSS idle ${mib(exported.idle.rss)}, peak ${mib(peakOf(exported))}`);
  const contents = await zipContents(exportZip);
  check(contents.first === 'imageflow-bundle.jsonl', `the bundle's first entry is ${contents.first}, not the manifest`);
  check(contents.images === files.length && contents.entries === files.length + 1, `the bundle holds ${contents.entries} entries (${contents.images} images) for ${files.length} files`);
  check(contents.imageBytes === fileBytes, `the bundle's images hold ${contents.imageBytes} bytes, the tree's files ${fileBytes}`);

  // The import, into an empty data folder of its own.
  const targetDir = path.join(dataDir, `target-${tree.nodes}`);
  fs.rmSync(targetDir, { recursive: true, force: true });
  fs.mkdirSync(targetDir, { recursive: true });
  madeDirs.push(targetDir);
  const importer = await startServer('importing server', targetDir);
  log(`  importing server up in ${secs(importer.startSeconds)}, RSS ${mib(importer.startedRss)}`);
  const warm = await upload(importer.base, warmZip);
  check(warm.added === WARM_UP_NODES, `the warm-up import added ${warm.added} nodes, not ${WARM_UP_NODES}`);
  const imported = await measured('import', importer, () => upload(importer.base, exportZip));
  const answer = imported.value;
  log(`  import: ${secs(imported.seconds)}, ${JSON.stringify(answer)}; server RSS idle ${mib(imported.idle.rss)}, peak ${mib(peakOf(imported))}`);
  check(answer.nodes === tree.nodes && answer.added === tree.nodes && answer.existing === 0, `the import answered nodes ${answer.nodes}, added ${answer.added}, existing ${answer.existing}; expected ${tree.nodes}, ${tree.nodes}, 0`);
  const again = await measured('import again', importer, () => upload(importer.base, exportZip));
  log(`  import again: ${secs(again.seconds)}, ${JSON.stringify(again.value)}; server RSS idle ${mib(again.idle.rss)}, peak ${mib(peakOf(again))}`);
  check(again.value.nodes === tree.nodes && again.value.added === 0 && again.value.existing === tree.nodes, `the second import answered added ${again.value.added}, existing ${again.value.existing}; expected 0 and ${tree.nodes}`);
  check(again.value.root_id === answer.root_id, `the second import names root ${again.value.root_id}, the first ${answer.root_id}`);
  await stopServer(importer.process);

  // What landed: the same nodes with the same hashes and bytes, and every file on disk.
  if (answer.root_id !== null) {
    const source = treeSummary(sourceDir, tree.rootId);
    const target = treeSummary(targetDir, answer.root_id);
    check(target.nodes === source.nodes && target.bytes === source.bytes && target.digest === source.digest, `the imported tree has ${target.nodes} nodes and ${target.bytes} bytes; the source ${source.nodes} and ${source.bytes}, or their hashes differ`);
    const landed = treeFiles(targetDir, answer.root_id).reduce((sum, f) => sum + fs.statSync(path.join(targetDir, 'images', f.filename)).size, 0);
    check(landed === fileBytes, `the imported image files take ${landed} bytes on disk, the source's ${fileBytes}`);
  }

  const retained = RETAINED ? await retainedPass(tree, warmUp, warmZip, exportZip, fileBytes) : null;

  return {
    tree,
    retained,
    files: files.length,
    fileBytes,
    bareYazl: bare,
    zipCommand: cli,
    exportZipBytes,
    exportServer: { startSeconds: exporter.startSeconds, startedRss: exporter.startedRss },
    export: exported,
    importServer: { startSeconds: importer.startSeconds, startedRss: importer.startedRss },
    import: imported,
    reimport: again,
  };
}

// --- the same requests again, with what each server still holds read after full collections ------------------

interface RetainedRun {
  seconds: number;
  /** After the warm-up, collected. */
  before: Retained;
  /** The most it held (heapUsed + external) at any of the readings, and that reading. */
  peak: Retained;
  after: Retained;
  readings: number;
  /** VmRSS growth over the request, with the collections forced every second. */
  rssGrowth: number;
  /** The client (this process): what it held after collections, at most, above its start. */
  clientGrowth: number;
  trace: Array<[number, number]>;
}

interface RetainedResult {
  nodes: number;
  fileBytes: number;
  export: RetainedRun;
  import: RetainedRun;
}

v8.setFlagsFromString('--expose-gc');
const collect = vm.runInNewContext('gc') as () => void;
function clientRetained(): number {
  collect();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Runs `call` while the server's retained memory is read every second (two full collections each time). */
async function retainedDuring<T>(server: Server, inspector: Inspector, call: () => Promise<T>): Promise<RetainedRun & { value: T }> {
  const before = await inspector.retained();
  const clientBefore = clientRetained();
  const sampler = RssSampler.start(server.process.pid);
  const started = performance.now();
  let peak = before;
  let clientPeak = clientBefore;
  let readings = 0;
  const trace: Array<[number, number]> = [];
  let done = false;
  const reading = (async () => {
    while (!done) {
      const r = await inspector.retained();
      readings++;
      trace.push([Math.round(performance.now() - started), retainedBytes(r)]);
      if (retainedBytes(r) > retainedBytes(peak)) peak = r;
      clientPeak = Math.max(clientPeak, clientRetained());
      await sleep(1000);
    }
  })();
  try {
    const value = await call();
    const seconds = (performance.now() - started) / 1000;
    done = true;
    await reading;
    const rss = sampler.stop();
    const after = await inspector.retained();
    return { value, seconds, before, peak, after, readings, rssGrowth: Math.max(rss.peakRss, rss.hwm ?? 0) - before.rss, clientGrowth: clientPeak - clientBefore, trace };
  } finally {
    done = true;
    sampler.stop();
  }
}

/** The export and the import of `tree` again, on servers started with the inspector. */
async function retainedPass(tree: FilledTree, warmUp: FilledTree, warmZip: string, exportZip: string, fileBytes: number): Promise<RetainedResult> {
  log(`  retained memory, ${tree.nodes.toLocaleString('en')} nodes (full collections every second through the inspector):`);
  const inspectPort = await freePort();
  const exporter = await startServer('exporting server (inspector)', sourceDir, { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` });
  const exportInspector = await Inspector.connect(inspectPort);
  await download(exporter.base, warmUp.rootId, path.join(zipsDir, 'warm-up-again.zip'));
  const againZip = path.join(zipsDir, `bundle-${tree.nodes}-again.zip`);
  const exported = await retainedDuring(exporter, exportInspector, () => download(exporter.base, tree.rootId, againZip));
  exportInspector.close();
  await stopServer(exporter.process);
  // The same entries; the manifest (deflated, with the time of export in its header) may differ by a few bytes.
  const first = await zipContents(exportZip);
  const second = await zipContents(againZip);
  check(second.entries === first.entries && second.imageBytes === first.imageBytes, `the second export holds ${second.entries} entries and ${second.imageBytes} image bytes, the first ${first.entries} and ${first.imageBytes}`);
  fs.rmSync(againZip, { force: true });
  log(`    export: ${secs(exported.seconds)}, held ${mib(retainedBytes(exported.before))} before, at most ${mib(retainedBytes(exported.peak) - retainedBytes(exported.before))} more (${exported.readings} readings)`);

  const targetDir = path.join(dataDir, `target-${tree.nodes}-retained`);
  fs.rmSync(targetDir, { recursive: true, force: true });
  fs.mkdirSync(targetDir, { recursive: true });
  madeDirs.push(targetDir);
  const importPort = await freePort();
  const importer = await startServer('importing server (inspector)', targetDir, { NODE_OPTIONS: `--inspect=127.0.0.1:${importPort}` });
  const importInspector = await Inspector.connect(importPort);
  await upload(importer.base, warmZip);
  const imported = await retainedDuring(importer, importInspector, () => upload(importer.base, exportZip));
  importInspector.close();
  await stopServer(importer.process);
  check(imported.value.added === tree.nodes, `the import on the server with the inspector added ${imported.value.added} nodes, not ${tree.nodes}`);
  log(`    import: ${secs(imported.seconds)}, held ${mib(retainedBytes(imported.before))} before, at most ${mib(retainedBytes(imported.peak) - retainedBytes(imported.before))} more (${imported.readings} readings)`);
  const { value: _e, ...exportRun } = exported;
  const { value: _i, ...importRun } = imported;
  return { nodes: tree.nodes, fileBytes, export: exportRun, import: importRun };
}

/** The peak resident memory of a measured request: VmHWM when it could be reset, else the highest sample. */
function peakOf(m: Measured<unknown>): number {
  return Math.max(m.sampled.peakRss, m.sampled.hwm ?? 0);
}

// --- the run ----------------------------------------------------------------------------------------------

/** Which code ran: the commit, and how many of the app's sources differed from it (others may be editing them). */
function codeState(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', ['--no-optional-locks', ...args], { cwd: import.meta.dirname, encoding: 'utf8' }).trim();
    const changed = git('status', '--porcelain', '--', '../../apps/api/src', '../../packages/shared/src').split('\n').filter(Boolean).length;
    return `commit ${git('rev-parse', '--short', 'HEAD')}${changed > 0 ? `, with ${changed} uncommitted file(s) in apps/api/src or packages/shared/src` : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}

async function main(): Promise<number> {
  fs.mkdirSync(zipsDir, { recursive: true });
  madeDirs.push(zipsDir);
  const loadAtStart = os.loadavg()[0]!;
  const wanted = [{ name: 'warm-up', nodes: WARM_UP_NODES }, ...(SMALL > 0 ? [{ name: 'small', nodes: SMALL }] : []), { name: 'tree', nodes: NODES }];
  const fill = await ensureSource(sourceDir, wanted, refill, log);
  const [warmUp, ...measuredTrees] = fill.trees as [FilledTree, ...FilledTree[]];
  const warmZip = path.join(zipsDir, 'warm-up.zip');
  fs.rmSync(warmZip, { force: true });

  const results: TreeResult[] = [];
  for (const tree of measuredTrees) results.push(await runTree(tree, warmUp, warmZip));

  const sqliteVersion = readDb(sourceDir, (db) => (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v);
  const cpus = os.cpus();
  const machine = `${os.availableParallelism()} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), ${Math.round(os.totalmem() / 1024 ** 3)} GiB RAM, Node ${process.version}, SQLite ${sqliteVersion}, ${os.platform()} ${os.release()}`;
  const row = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

  const times = [
    row(['nodes', 'image files', 'image bytes', 'bundle .zip', 'bare yazl .zip', 'zip -0 .zip', 'export', 'bare yazl', 'zip -0', 'export ÷ bare yazl', 'import', 'import again (adds 0)']),
    row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...results.map((r) =>
      row([
        r.tree.nodes.toLocaleString('en'),
        r.files.toLocaleString('en'),
        mib(r.fileBytes),
        mib(r.exportZipBytes),
        mib(r.bareYazl.bytes),
        r.zipCommand ? mib(r.zipCommand.bytes) : '–',
        secs(r.export.seconds),
        secs(r.bareYazl.seconds),
        r.zipCommand ? secs(r.zipCommand.seconds) : '–',
        ratio(r.export.seconds, r.bareYazl.seconds),
        `${secs(r.import.seconds)} (${((r.import.seconds * 1000) / r.tree.nodes).toFixed(1)} ms a node)`,
        secs(r.reimport.seconds),
      ]),
    ),
  ];
  const memoryRow = (r: TreeResult, what: string, m: Measured<unknown>) => {
    const peak = peakOf(m);
    const growth = peak - m.idle.rss;
    return row([
      r.tree.nodes.toLocaleString('en'),
      what,
      mib(m.idle.rss),
      mib(peak),
      mib(growth),
      `${((growth / r.fileBytes) * 100).toFixed(1)} %`,
      `${((growth / r.tree.nodes) / 1024).toFixed(1)} KiB`,
      mib(m.sampled.peakAnon - m.idle.anon),
      String(m.sampled.samples),
      mib(m.sampled.clientPeakRss - m.sampled.clientStartRss),
    ]);
  };
  const memory = [
    row(['nodes', 'request', 'server RSS before', 'server peak RSS', 'growth', 'growth ÷ image bytes', 'growth per node', 'RssAnon growth at the sampled peak', 'samples', 'client RSS growth']),
    row(['---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...results.flatMap((r) => [memoryRow(r, 'export', r.export), memoryRow(r, 'import', r.import), memoryRow(r, 'import again', r.reimport)]),
  ];
  const retainedRow = (r: TreeResult, what: 'export' | 'import') => {
    const run = r.retained![what];
    const growth = retainedBytes(run.peak) - retainedBytes(run.before);
    return row([
      r.tree.nodes.toLocaleString('en'),
      what,
      secs(run.seconds),
      mib(retainedBytes(run.before)),
      mib(growth),
      `${((growth / r.fileBytes) * 100).toFixed(1)} %`,
      `${((growth / r.tree.nodes) / 1024).toFixed(2)} KiB`,
      `${mib(run.peak.heapUsed - run.before.heapUsed)} / ${mib(run.peak.external - run.before.external)}`,
      mib(retainedBytes(run.after) - retainedBytes(run.before)),
      mib(run.rssGrowth),
      String(run.readings),
      mib(run.clientGrowth),
    ]);
  };
  const retainedTable = results.some((r) => r.retained)
    ? [
        row(['nodes', 'request', 'time (collections every second)', 'held before', 'peak held growth', 'growth ÷ image bytes', 'growth per node', 'of which heap / Buffers', 'held after, above before', 'RSS growth', 'readings', 'client held growth']),
        row(['---:', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
        ...results.filter((r) => r.retained).flatMap((r) => [retainedRow(r, 'export'), retainedRow(r, 'import')]),
      ]
    : [];
  const servers = results.flatMap((r) => [
    `${r.tree.nodes.toLocaleString('en')} nodes: exporting server up in ${secs(r.exportServer.startSeconds)} at ${mib(r.exportServer.startedRss)}; importing server up in ${secs(r.importServer.startSeconds)} at ${mib(r.importServer.startedRss)}`,
  ]);
  const filled = fill.trees.map((t) => `${t.name} ${t.nodes.toLocaleString('en')} nodes (${mib(t.bytes)}, files ${(t.smallest / 1024).toFixed(1)}–${(t.largest / 1024).toFixed(0)} KiB, depth ${t.depth}) in ${t.seconds} s`).join('; ');
  const summary = [
    `Machine: ${machine}`,
    `Source: ${fill.trees.length} trees, ${BRANCHING} children per inner node, written through NodeWriter: ${filled}`,
    `Code: ${codeState()}`,
    ...(SERVER_NODE_OPTIONS ? [`Servers ran with NODE_OPTIONS=${SERVER_NODE_OPTIONS}`] : []),
    ...(process.env.MALLOC_ARENA_MAX ? [`Every process ran with MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX}`] : []),
    `Run finished ${new Date().toISOString()}; 1-minute load average ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end`,
    ...servers,
    '',
    times.join('\n'),
    '',
    memory.join('\n'),
    ...(retainedTable.length > 0 ? ['', 'Held after full collections (heapUsed + external of process.memoryUsage(), read through the inspector every second):', '', retainedTable.join('\n')] : []),
  ].join('\n');
  log('');
  log(summary);

  const variant = [SERVER_NODE_OPTIONS, process.env.MALLOC_ARENA_MAX ? `malloc-arena-max-${process.env.MALLOC_ARENA_MAX}` : ''].join(' ');
  const stem = `results-${NODES}${variant.trim() ? `-${variant.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}` : ''}`;
  fs.writeFileSync(path.join(dataDir, `${stem}.md`), `${summary}\n`);
  fs.writeFileSync(
    path.join(dataDir, `${stem}.json`),
    `${JSON.stringify({ finishedAt: new Date().toISOString(), machine, fill, failures, results }, null, 2)}\n`,
  );
  log('');
  log(`Results written to ${path.relative(process.cwd(), path.join(dataDir, `${stem}.md`))} (and .json, with the RSS traces).`);
  if (failures.length > 0) {
    log(`${failures.length} check(s) failed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
    return 1;
  }
  log('Every check passed: each import answered all nodes added, each second import added none, and the imported trees hold the same hashes and bytes.');
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(err);
  for (const p of running) console.error(p.describe());
} finally {
  await cleanUp();
}
process.exit(code);
