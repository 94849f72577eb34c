/**
 * The 1,000-node tree page through HTTP: what the server's CPU pays per request, and how many bytes
 * go on the wire, plain and compressed.
 *
 * The app is wired by `buildApp`, as main.ts wires it, on the benchmark's own database connection,
 * and listens on a loopback port. A client in a child process asks for the page again and again, one
 * request at a time on a keep-alive connection, with one Accept-Encoding each round. The server's CPU
 * per request is this process's CPU time over the client's timed requests (`process.cpuUsage()`: user
 * and system time of every thread, so zlib on the thread pool counts) divided by their number: the
 * HTTP parsing, routing, validation, hooks, the service, compression and the socket writes. On SQLite
 * that includes the query itself, which runs in this process; on PostgreSQL the database server's
 * CPU is not in it. The bare query, the service call and the previous way of answering are timed the
 * same way, in this process, for comparison. The variants alternate round by round.
 */
import { spawn } from 'node:child_process';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Lineage } from '@imageflow/shared';
import { buildApp } from '../../apps/api/src/app.ts';
import { loadConfig } from '../../apps/api/src/config.ts';
import { sharpImageOps } from '../../apps/api/src/adapters/sharp-image-ops.ts';
import { cryptoRandom, systemClock } from '../../apps/api/src/adapters/system.ts';
import type { Db } from '../../apps/api/src/db/database.ts';
import type { ImageStore } from '../../apps/api/src/ports/image-store.port.ts';
import { BuiltinProvider } from '../../apps/api/src/providers/builtin/builtin.provider.ts';
import { LOCAL_ACTOR } from '../../apps/api/src/services/access.ts';
import { ProviderRegistry } from '../../apps/api/src/services/provider-registry.ts';
import type { BenchContext } from './cases.ts';
import { TREE_PAGE } from './cases.ts';

const ROUNDS = 7;
const PER_ROUND = 15;
const WARMUP = 3;

/**
 * The client: WARMUP requests, then "start", PER_ROUND timed requests, then "end" with the bytes of the last answer.
 * With an entity tag, each request carries it in If-None-Match, as a browser that kept the answer asks, and expects a 304.
 */
const CLIENT = `
const http = require('node:http');
const [port, path, encoding, warmup, count, tag] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const headers = encoding === 'none' ? {} : { 'accept-encoding': encoding };
if (tag) headers['if-none-match'] = tag;
function get() {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: Number(port), path, agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (chunk) => { bytes += chunk.length; });
      res.on('end', () => res.statusCode === (tag ? 304 : 200) ? resolve({ bytes, encoding: res.headers['content-encoding'] ?? 'none' }) : reject(new Error('HTTP ' + res.statusCode)));
    }).on('error', reject);
  });
}
(async () => {
  for (let i = 0; i < Number(warmup); i++) await get();
  process.stdout.write('start\\n');
  await new Promise((r) => process.stdin.once('data', r));
  let last;
  for (let i = 0; i < Number(count); i++) last = await get();
  process.stdout.write('end ' + JSON.stringify(last) + '\\n');
  agent.destroy();
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** CPU milliseconds of this process (every thread) since `from`. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(from);
  return (used.user + used.system) / 1000;
}

/** Runs the client once; returns this process's CPU per timed request and what the last answer was. */
function clientRound(port: number, path: string, encoding: string, tag = ''): Promise<{ cpuPerRequest: number; wallPerRequest: number; bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CLIENT, String(port), path, encoding, String(WARMUP), String(PER_ROUND), tag], { stdio: ['pipe', 'pipe', 'inherit'] });
    let from: NodeJS.CpuUsage | null = null;
    let started = 0;
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (from === null && out.includes('start\n')) {
        from = process.cpuUsage();
        started = performance.now();
        // Ended, not only written: a client whose stdin stayed open never exited, and kept the benchmark alive.
        child.stdin.end('go\n');
      }
      const end = /end (.*)\n/.exec(out);
      if (end && from !== null) {
        const cpu = cpuMs(from);
        const wall = performance.now() - started;
        const last = JSON.parse(end[1]!) as { bytes: number; encoding: string };
        resolve({ cpuPerRequest: cpu / PER_ROUND, wallPerRequest: wall / PER_ROUND, ...last });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the HTTP client exited with ${code}`));
    });
  });
}

/** This process's CPU per call of `run`, over PER_ROUND calls one after the other. */
async function inProcessRound(run: () => unknown): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await run();
  const from = process.cpuUsage();
  for (let i = 0; i < PER_ROUND; i++) await run();
  return cpuMs(from) / PER_ROUND;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export interface HttpRow {
  label: string;
  /** This process's CPU ms per request (or call): the median of the rounds, and their range. */
  cpuMedian: number;
  cpuMin: number;
  cpuMax: number;
  /** Wall ms per request, through HTTP only. */
  wallMedian?: number;
  /** Bytes of the answer on the wire, through HTTP only. */
  bytes?: number;
}

interface Sizes {
  identity: number;
  gzip: number;
  br: number;
}

export interface HttpResult {
  path: string;
  rows: HttpRow[];
  /** The three bodies' sizes: plain, gzip, br. */
  bytes: Sizes;
  /** The same with fields=summary. */
  summaryBytes: Sizes;
}

export interface HttpSetup {
  db: Db;
  store: ImageStore;
  dataDir: string;
  databaseUrl: string | null;
  /** The bare tree page query, bound to its parameters. */
  bareTreePage: () => unknown;
  /** The tree page the way the route made it until 2026-11-28, serialised. */
  previousTreePage: () => Promise<unknown>;
}

export async function measureHttp(ctx: BenchContext, setup: HttpSetup, log: (line: string) => void): Promise<HttpResult> {
  const { focusId } = ctx.info.tree;
  const path = `/api/images/${focusId}/lineage?scope=tree&limit=${TREE_PAGE}`;
  const config: Record<string, string> = {
    IMAGEFLOW_DATA_DIR: setup.dataDir,
    IMAGEFLOW_LOG_LEVEL: 'silent',
    ...(setup.databaseUrl ? { DATABASE_URL: setup.databaseUrl } : {}),
  };
  // Not started: no instance row, no job workers; the routes answer all the same. Two apps: one as
  // configured by default, which keeps answers and sends them again while the tree is unchanged (each
  // request after the first of a round is such a repeat), and one that keeps none (every request makes
  // its answer: what the first view of a tree, or the first after a change, costs).
  const start = async (env: Record<string, string>) => {
    const { app } = await buildApp({
      config: loadConfig({ ...config, ...env }),
      db: setup.db,
      store: setup.store,
      ops: sharpImageOps,
      providers: ProviderRegistry.single(new BuiltinProvider()),
      clock: systemClock,
      random: cryptoRandom,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return app;
  };
  const app = await start({ IMAGEFLOW_TREE_CACHE_MB: '0' });
  const cachedApp = await start({});
  try {
    const port = (app.server.address() as AddressInfo).port;
    const cachedPort = (cachedApp.server.address() as AddressInfo).port;

    // The answer is the service's text, with its URLs under the request's origin (inject's Host is
    // localhost:80; the service here answers for no request, so its URLs are relative), and the
    // compressed ones decompress to it.
    const plain = await app.inject({ url: path });
    const expected = String(await ctx.lineage.lineage(focusId, 'tree', TREE_PAGE, LOCAL_ACTOR));
    if (plain.statusCode !== 200 || plain.body.replaceAll('"http://localhost:80/', '"/') !== expected) throw new Error(`HTTP ${plain.statusCode}: the tree page through HTTP is not the service's answer`);
    if ((JSON.parse(plain.body) as Lineage).nodes.length !== TREE_PAGE) throw new Error('the tree page through HTTP is not full');
    const gzip = await app.inject({ url: path, headers: { 'accept-encoding': 'gzip' } });
    const br = await app.inject({ url: path, headers: { 'accept-encoding': 'br' } });
    if (gzip.headers['content-encoding'] !== 'gzip' || zlib.gunzipSync(gzip.rawPayload).toString() !== plain.body) throw new Error('the gzip answer is not the plain one');
    if (br.headers['content-encoding'] !== 'br' || zlib.brotliDecompressSync(br.rawPayload).toString() !== plain.body) throw new Error('the br answer is not the plain one');

    // The summary form (what the web app's lineage screen asks for) is the service's summary text too.
    const summaryPath = `${path}&fields=summary`;
    const summary = await app.inject({ url: summaryPath });
    const expectedSummary = String(await ctx.lineage.lineage(focusId, 'tree', TREE_PAGE, LOCAL_ACTOR, undefined, 'summary'));
    if (summary.statusCode !== 200 || summary.body.replaceAll('"http://localhost:80/', '"/') !== expectedSummary) throw new Error(`HTTP ${summary.statusCode}: the summary through HTTP is not the service's answer`);
    if ((JSON.parse(summary.body) as Lineage).nodes.length !== TREE_PAGE) throw new Error('the summary tree page through HTTP is not full');
    const summaryGzip = await app.inject({ url: summaryPath, headers: { 'accept-encoding': 'gzip' } });
    const summaryBr = await app.inject({ url: summaryPath, headers: { 'accept-encoding': 'br' } });

    // The tags a browser holds after its first request to each app (the URLs in the answer, and so its tag, follow the Host asked).
    const tagOf = async (on: number, url: string) => {
      const res = await fetch(`http://127.0.0.1:${on}${url}`);
      await res.arrayBuffer();
      const tag = res.headers.get('etag');
      if (res.status !== 200 || !tag) throw new Error(`HTTP ${res.status}: the tree page came without an ETag`);
      return tag;
    };
    const held = {
      [`${port} ${summaryPath}`]: await tagOf(port, summaryPath),
      [`${cachedPort} ${summaryPath}`]: await tagOf(cachedPort, summaryPath),
      [`${port} ${path}`]: await tagOf(port, path),
    };

    type Variant = { label: string; http?: string; path?: string; cached?: true; holding?: true; run?: () => unknown };
    const variants: Variant[] = [
      { label: 'GET tree page, no Accept-Encoding (plain JSON)', http: 'none' },
      { label: 'GET tree page, Accept-Encoding: gzip', http: 'gzip' },
      { label: 'GET tree page, Accept-Encoding: br (brotli quality 4)', http: 'br' },
      { label: 'GET tree page, Accept-Encoding: gzip, deflate, br, zstd (a browser)', http: 'gzip, deflate, br, zstd' },
      { label: 'GET tree page, fields=summary, no Accept-Encoding', http: 'none', path: summaryPath },
      { label: 'GET tree page, fields=summary, Accept-Encoding: gzip', http: 'gzip', path: summaryPath },
      { label: 'GET tree page, fields=summary, Accept-Encoding: gzip, deflate, br, zstd (a browser)', http: 'gzip, deflate, br, zstd', path: summaryPath },
      { label: 'GET tree page again, unchanged (answer kept): no Accept-Encoding', http: 'none', cached: true },
      { label: 'GET tree page again, unchanged (answer kept): a browser', http: 'gzip, deflate, br, zstd', cached: true },
      { label: 'GET tree page again, unchanged (answer kept): fields=summary, no Accept-Encoding', http: 'none', path: summaryPath, cached: true },
      { label: 'GET tree page again, unchanged (answer kept): fields=summary, a browser', http: 'gzip, deflate, br, zstd', path: summaryPath, cached: true },
      { label: 'GET tree page again, a browser holding it (If-None-Match): 304, answer not kept (made anew otherwise)', http: 'gzip, deflate, br, zstd', holding: true },
      { label: 'GET tree page again, a browser holding it (If-None-Match): 304, fields=summary, answer not kept', http: 'gzip, deflate, br, zstd', path: summaryPath, holding: true },
      { label: 'GET tree page again, a browser holding it (If-None-Match): 304, fields=summary, answer kept', http: 'gzip, deflate, br, zstd', path: summaryPath, cached: true, holding: true },
      { label: "in process: LineageService.lineage(...), the bytes the route sends", run: async () => (await ctx.lineage.lineage(focusId, 'tree', TREE_PAGE, LOCAL_ACTOR)).toBuffer() },
      { label: "in process: LineageService.lineage(..., 'summary'), the bytes the route sends", run: async () => (await ctx.lineage.lineage(focusId, 'tree', TREE_PAGE, LOCAL_ACTOR, undefined, 'summary')).toBuffer() },
      { label: 'in process: until 2026-11-28, parsed rows, toImageNode, JSON.stringify', run: setup.previousTreePage },
      { label: 'in process: the bare tree page query', run: setup.bareTreePage },
    ];
    const samples = variants.map(() => ({ cpu: [] as number[], wall: [] as number[], bytes: 0 }));
    log(`Timing: the tree page through HTTP (${ROUNDS} rounds of ${variants.length} variants, ${PER_ROUND} requests each after ${WARMUP} warm-up)`);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < variants.length; k++) {
        const index = (round + k) % variants.length;
        const v = variants[index]!;
        if (v.http !== undefined) {
          const on = v.cached ? cachedPort : port;
          const tag = v.holding ? held[`${on} ${v.path ?? path}`] : '';
          if (tag === undefined) throw new Error(`no tag held for ${v.label}`);
          const r = await clientRound(on, v.path ?? path, v.http, tag);
          samples[index]!.cpu.push(r.cpuPerRequest);
          samples[index]!.wall.push(r.wallPerRequest);
          samples[index]!.bytes = r.bytes;
        } else {
          samples[index]!.cpu.push(await inProcessRound(v.run!));
        }
      }
    }
    return {
      path,
      bytes: { identity: plain.rawPayload.length, gzip: gzip.rawPayload.length, br: br.rawPayload.length },
      summaryBytes: { identity: summary.rawPayload.length, gzip: summaryGzip.rawPayload.length, br: summaryBr.rawPayload.length },
      rows: variants.map((v, i) => ({
        label: v.label,
        cpuMedian: median(samples[i]!.cpu),
        cpuMin: Math.min(...samples[i]!.cpu),
        cpuMax: Math.max(...samples[i]!.cpu),
        ...(v.http !== undefined ? { wallMedian: median(samples[i]!.wall), bytes: samples[i]!.bytes } : {}),
      })),
    };
  } finally {
    await app.close();
    await cachedApp.close();
  }
}

const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

export function httpTable(result: HttpResult): string {
  const sizes = (b: Sizes) =>
    `${b.identity.toLocaleString('en')} bytes plain, ${b.gzip.toLocaleString('en')} gzip (${((100 * b.gzip) / b.identity).toFixed(1)} %), ${b.br.toLocaleString('en')} br (${((100 * b.br) / b.identity).toFixed(1)} %)`;
  const lines = [
    `The tree page through HTTP: GET ${result.path}; ${sizes(result.bytes)}. With fields=summary: ${sizes(result.summaryBytes)}.`,
    '',
    '| What | Server CPU ms per request, median of rounds | Range over rounds | Wall ms per request | Bytes on the wire |',
    '| --- | --- | --- | --- | --- |',
    ...result.rows.map(
      (r) => `| ${r.label} | ${ms(r.cpuMedian)} | ${ms(r.cpuMin)}–${ms(r.cpuMax)} | ${r.wallMedian === undefined ? '' : ms(r.wallMedian)} | ${r.bytes === undefined ? '' : r.bytes.toLocaleString('en')} |`,
    ),
  ];
  return lines.join('\n');
}
