/**
 * The production build, run as production runs it: `node scripts/build.mjs api` (what `npm run build`
 * does for the API), then `node --enable-source-maps apps/api/dist/main.js` on a free port with an empty
 * data folder (SQLite, images in the folder, builtin engine), from a folder of its own with an environment
 * of its own. It must answer /api/health, generate an image and serve it, and stop cleanly on SIGTERM.
 *
 * The chunks loaded only when configured (S3, Redis, the providers but builtin) are not loaded by that
 * server: every relative import of every file in dist/ must name a file there, and each chunk is imported
 * in a process of its own, so that a missing chunk, or a package it cannot find from dist/, fails here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, REPO_ROOT } from './support/processes.ts';

const DIST = path.join(REPO_ROOT, 'apps/api/dist');
const ENTRY_POINTS = ['main.js', 'user.js'];
const TIMEOUT_MS = 120_000;

/** The JavaScript files of the build, as paths relative to dist/ (chunks in a folder of dist/ too). */
const builtFiles = () => (fs.readdirSync(DIST, { recursive: true }) as string[]).filter((f) => f.endsWith('.js')).sort();

/** A clean environment: none of the caller's ImageFlow configuration, nor the test runner's NODE_OPTIONS. */
function env(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? os.tmpdir(), TMPDIR: os.tmpdir(), ...extra };
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs `node args` to its end; `input` goes to its stdin. */
function run(args: string[], options: { cwd: string; env: Record<string, string>; input?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, output }));
    child.stdin.end(options.input ?? '');
  });
}

let tmp: string;
let server: ChildProcess | undefined;
let serverOutput = '';
let serverExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bundle-smoke-'));
  const build = await run([path.join(REPO_ROOT, 'scripts/build.mjs'), 'api'], { cwd: REPO_ROOT, env: env({}) });
  expect(build.code, `the API build failed:\n${build.output}`).toBe(0);
}, TIMEOUT_MS);

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    server.kill('SIGKILL');
    await serverExit;
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the built API (apps/api/dist)', () => {
  it('every relative import in dist/ names a file that is there, and every path taken from import.meta.url a folder that is', () => {
    const files = builtFiles();
    expect(files).toEqual(expect.arrayContaining(ENTRY_POINTS));
    const missing: string[] = [];
    for (const file of files) {
      const code = fs.readFileSync(path.join(DIST, file), 'utf8');
      for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
        if (!fs.existsSync(path.resolve(DIST, path.dirname(file), m[1]!))) missing.push(`${file} imports ${m[1]}`);
      }
      // Such as the web app's folder (../../web/dist from apps/api/dist): it may not be built yet, but the folder it goes in must be there.
      for (const m of code.matchAll(/new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g)) {
        const target = path.resolve(DIST, path.dirname(file), m[1]!);
        if (!fs.existsSync(target) && !fs.existsSync(path.dirname(target))) missing.push(`${file} takes ${m[1]} from import.meta.url: ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('names its build by the fingerprint of its sources\' contents, the same in every process started from it and on every machine (BUILD in src/version.ts)', () => {
    const { build } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'node_modules/.cache/imageflow/build-api.json'), 'utf8')) as { build: string };
    expect(build).toMatch(/^[0-9a-f]{16}$/);
    const code = builtFiles().map((file) => fs.readFileSync(path.join(DIST, file), 'utf8'));
    expect(code.filter((c) => c.includes('IMAGEFLOW_BUILD'))).toEqual([]);
    expect(code.filter((c) => c.includes(JSON.stringify(build)))).toHaveLength(1);
  });

  it('every chunk loads, with the packages it imports found from dist/', async () => {
    const chunks = builtFiles().filter((f) => !ENTRY_POINTS.includes(f));
    // The lazily imported adapters and providers, at least: a build that inlined them would not split.
    for (const lazy of ['s3-image-store', 'bullmq-job-queue', 'redis-job-events', 'openai.provider', 'comfyui.provider']) {
      expect(chunks.some((c) => path.basename(c).startsWith(`${lazy}-`)), `no ${lazy} chunk in ${chunks.join(', ')}`).toBe(true);
    }
    const script = `for (const url of ${JSON.stringify(chunks.map((c) => pathToFileURL(path.join(DIST, c)).href))}) await import(url);`;
    const res = await run(['--input-type=module', '-e', script], { cwd: tmp, env: env({}) });
    expect(res.code, res.output).toBe(0);
  }, TIMEOUT_MS);

  it('the account command (dist/user.js) creates an account', async () => {
    const res = await run([path.join(DIST, 'user.js'), 'create', 'smoke', '--admin'], {
      cwd: tmp,
      env: env({ IMAGEFLOW_DATA_DIR: path.join(tmp, 'accounts') }),
      input: 'a long enough smoke test password\n',
    });
    expect(res.code, res.output).toBe(0);
    expect(res.output).toContain('Created admin "smoke"');
  }, TIMEOUT_MS);

  it('starts, answers /api/health, generates an image with the builtin engine, serves it and stops cleanly', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    // As production runs it (`npm run serve`), from another folder: nothing may depend on the working directory.
    server = spawn(process.execPath, ['--enable-source-maps', path.join(DIST, 'main.js')], {
      cwd: tmp,
      env: env({ PORT: String(port), HOST: '127.0.0.1', IMAGEFLOW_DATA_DIR: path.join(tmp, 'data') }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (d) => (serverOutput += d));
    server.stderr!.on('data', (d) => (serverOutput += d));
    const child = server;
    serverExit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited (${child.exitCode ?? child.signalCode}):\n${serverOutput}`);
      if (Date.now() > deadline) throw new Error(`${base}/api/health did not answer in 60 s:\n${serverOutput}`);
      const ok = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2_000) }).then(
        async (r) => (await r.arrayBuffer(), r.ok),
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    const res = await fetch(`${base}/api/images/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a lighthouse on a cliff', spec: { seed: 7, width: 256, height: 256 } }),
    });
    const body = await res.text();
    expect(res.status, `${body}\n${serverOutput}`).toBe(201);
    const node = JSON.parse(body).images[0];
    expect(node).toMatchObject({ provider: 'builtin', width: 256, height: 256 });
    expect(node.url).toMatch(/\/images\//);

    for (const url of [node.url, node.thumbnail_url]) {
      const file = await fetch(new URL(url, base));
      const bytes = Buffer.from(await file.arrayBuffer());
      expect(file.status, `${url}\n${serverOutput}`).toBe(200);
      expect(file.headers.get('content-type')).toMatch(/^image\//);
      expect(bytes.length).toBeGreaterThan(100);
    }
    const png = Buffer.from(await (await fetch(new URL(node.url, base))).arrayBuffer());
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');

    // The web app's folder is found from dist/ when it has been built (npm run build; the e2e tests build it).
    if (fs.existsSync(path.join(REPO_ROOT, 'apps/web/dist/index.html'))) {
      const page = await fetch(`${base}/`);
      await page.arrayBuffer();
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    }

    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const exit = await serverExit;
    clearTimeout(timer);
    expect(exit, serverOutput).toEqual({ code: 0, signal: null });
    expect(serverOutput).toMatch(/SIGTERM: shutting down/);
    expect(serverOutput).not.toMatch(/ERR_MODULE_NOT_FOUND|ENOENT|Cannot find/);
  }, TIMEOUT_MS);

  // glibc reads it only as a process starts; on Linux it stops a big answer's buffer from costing fresh pages each time (BENCHMARKS.md).
  it('npm run serve starts node with glibc\'s allocator tuned as package.json says, unless the environment says otherwise', async () => {
    const configured = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { config: { glibc_tunables: string } }).config.glibc_tunables;
    expect(configured).toMatch(/^glibc\.malloc\.mmap_threshold=\d+:glibc\.malloc\.trim_threshold=\d+$/);
    // Loaded by every node (npm's own too): in the server, before it starts, writes down what it was given and stops it.
    const report = path.join(tmp, 'report-tunables.cjs');
    fs.writeFileSync(
      report,
      "if (process.argv[1]?.endsWith('main.js')) { require('node:fs').writeFileSync(process.env.REPORT_TO, process.env.GLIBC_TUNABLES ?? '(unset)'); process.exit(0); }\n",
    );
    for (const [given, expected] of [[undefined, configured], ['glibc.malloc.arena_max=2', 'glibc.malloc.arena_max=2'], ['', '']] as const) {
      const reportTo = path.join(tmp, `tunables-${String(given)}.txt`);
      const npm = spawn('npm', ['run', '-s', 'serve'], {
        cwd: REPO_ROOT,
        env: env({ NODE_OPTIONS: `--require ${report}`, REPORT_TO: reportTo, ...(given === undefined ? {} : { GLIBC_TUNABLES: given }) }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      npm.stdout.on('data', (d) => (output += d));
      npm.stderr.on('data', (d) => (output += d));
      const code = await new Promise((resolve) => npm.once('exit', resolve));
      expect(code, output).toBe(0);
      expect(fs.readFileSync(reportTo, 'utf8'), `given ${String(given)}`).toBe(expected);
    }
  }, TIMEOUT_MS);
});
