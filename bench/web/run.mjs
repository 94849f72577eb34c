#!/usr/bin/env node
// bench/web: the JavaScript a first visit downloads (gzip) beside a bare React page built the
// same way, and the time to render a 1,000-node lineage tree in headless Chromium beside a plain
// page showing the same 1,000 thumbnails. Run alone: `npm run bench:web`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../support.mjs';
import { chromium } from 'playwright-core';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const webDir = path.join(repo, 'apps/web');
const TREE_NODES = Number(process.env.BENCH_TREE_NODES ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

function gz(file) {
  return gzipSync(fs.readFileSync(file), { level: 9 }).length;
}

/** JS a first visit loads: the entry script and every modulepreload named in index.html. */
function initialJs(distDir) {
  const html = fs.readFileSync(path.join(distDir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const sizes = files.map((f) => ({ file: f, raw: fs.statSync(path.join(distDir, f)).size, gzip: gz(path.join(distDir, f)) }));
  return { files: sizes, gzip: sizes.reduce((a, s) => a + s.gzip, 0), raw: sizes.reduce((a, s) => a + s.raw, 0) };
}

function lazyChunks(distDir, initial) {
  const names = new Set(initial.files.map((f) => path.basename(f.file)));
  return fs
    .readdirSync(path.join(distDir, 'assets'))
    .filter((f) => f.endsWith('.js') && !names.has(f))
    .map((f) => ({ file: f, gzip: gz(path.join(distDir, 'assets', f)) }))
    .sort((a, b) => b.gzip - a.gzip);
}

/** The floor: a page that renders one React element, built with the same Vite and plugin. */
function buildBareReact() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bare-react-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/main.jsx"></script>');
  fs.writeFileSync(
    path.join(dir, 'main.jsx'),
    "import { createRoot } from 'react-dom/client';\ncreateRoot(document.getElementById('root')).render(<h1>Hello</h1>);\n",
  );
  fs.writeFileSync(
    path.join(dir, 'vite.config.mjs'),
    `import react from ${JSON.stringify(path.join(repo, 'node_modules/@vitejs/plugin-react/dist/index.js'))};\nexport default { plugins: [react()], resolve: { alias: { 'react-dom/client': ${JSON.stringify(path.join(repo, 'node_modules/react-dom/client.js'))}, 'react/jsx-runtime': ${JSON.stringify(path.join(repo, 'node_modules/react/jsx-runtime.js'))} } }, logLevel: 'error' };\n`,
  );
  const vite = path.join(repo, 'node_modules/.bin/vite');
  const result = spawnSync(vite, ['build', '--config', path.join(dir, 'vite.config.mjs'), dir], { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bare React build failed: ${result.stderr}`);
  const out = initialJs(path.join(dir, 'dist'));
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}



async function post(base, body) {
  const res = await fetch(`${base}/api/images/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`generate: ${res.status} ${await res.text()}`);
  return (await res.json()).images[0];
}

/** A bushy tree: each new node picks a random earlier node of the tree as its parent. */
async function seedTree(base) {
  const spec = { width: 64, height: 64, steps: 1 };
  const root = await post(base, { prompt: 'a lighthouse on a cliff at sunset over the ocean', spec: { ...spec, seed: 1 } });
  const ids = [root.id];
  let rand = 42;
  const next = () => ((rand = (rand * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const actions = ['variation', 'variation', 'remix', 'img2img'];
  while (ids.length < TREE_NODES) {
    const batch = Array.from({ length: Math.min(4, TREE_NODES - ids.length) }, () => {
      const parent = ids[Math.floor(next() * ids.length)];
      const action = actions[Math.floor(next() * actions.length)];
      return post(base, { parent_id: parent, action_type: action, ...(action === 'remix' ? { prompt: 'a lighthouse at night, stars' } : {}), spec: { steps: 1 } });
    });
    for (const node of await Promise.all(batch)) ids.push(node.id);
  }
  return { rootId: root.id, ids };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}; apt-get install -y chromium`);
  const build = spawnSync('npm', ['run', 'build', '-w', '@imageflow/web'], { cwd: repo, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(build.stderr);
  const dist = path.join(webDir, 'dist');
  const app = initialJs(dist);
  const lazy = lazyChunks(dist, app);
  const bare = buildBareReact();

  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bench-web-'));
  const server = spawn(path.join(repo, 'node_modules/.bin/tsx'), ['apps/api/src/main.ts'], {
    cwd: repo,
    env: { ...process.env, PORT: String(port), IMAGEFLOW_DATA_DIR: dataDir, IMAGEFLOW_LOG_LEVEL: 'warn', IMAGEFLOW_JOB_CONCURRENCY: '2' },
    stdio: 'inherit',
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${base}/api/health`);
    const t0 = performance.now();
    const { rootId } = await seedTree(base);
    const seedSeconds = (performance.now() - t0) / 1000;
    const lineage = await (await fetch(`${base}/api/images/${rootId}/lineage?limit=${TREE_NODES}`)).json();
    const thumbs = lineage.nodes.map((n) => n.thumbnail_url);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const openTimes = [];
    const expandTimes = [];
    const plainTimes = [];
    for (let round = 0; round < ROUNDS + 1; round++) {
      // Lineage view: from navigation start until React Flow has laid out and fitted the tree
      // (big trees open folded to the selected path), then until "Expand all" shows all nodes.
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${base}/lineage/${rootId}`);
      const ready = `[data-lineage-ready][data-node-count="${TREE_NODES}"]`;
      await page.waitForSelector(ready, { timeout: 60_000 });
      const openMs = await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now()))));
      const expandMs = await page.evaluate(async (n) => {
        const start = performance.now();
        [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Expand all')?.click();
        await new Promise((resolve) => {
          const check = () => (document.querySelector(`[data-visible-count="${n}"]`) ? resolve() : requestAnimationFrame(check));
          check();
        });
        return new Promise((r) => requestAnimationFrame(() => r(performance.now() - start)));
      }, TREE_NODES);
      if (round > 0) {
        openTimes.push(openMs);
        expandTimes.push(expandMs);
      }
      await context.close();

      // Reference: a plain page that shows the same 1,000 thumbnails as <img> tags.
      const plainContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const plain = await plainContext.newPage();
      await plain.goto(`${base}/api/health`);
      const plainMs = await plain.evaluate(async (urls) => {
        const start = performance.now();
        document.body.innerHTML = urls.map((u) => `<img src="${u}" width="64" height="64" alt="">`).join('');
        await Promise.all([...document.images].map((img) => img.decode().catch(() => undefined)));
        return new Promise((r) => requestAnimationFrame(() => r(performance.now() - start)));
      }, thumbs);
      if (round > 0) plainTimes.push(plainMs);
      await plainContext.close();
    }
    await browser.close();

    const result = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      chromium: spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout.trim(),
      initialJsGzip: app.gzip,
      initialJsRaw: app.raw,
      initialFiles: app.files,
      bareReactGzip: bare.gzip,
      lazyChunks: lazy,
      treeNodes: lineage.nodes.length,
      seedSeconds,
      openMedianMs: median(openTimes),
      openTimes,
      expandMedianMs: median(expandTimes),
      expandTimes,
      plainMedianMs: median(plainTimes),
      plainTimes,
    };
    const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
    console.log(`\nInitial JavaScript (gzip): ${kb(result.initialJsGzip)} in ${app.files.length} files (bare React page: ${kb(bare.gzip)})`);
    console.log('Lazy chunks (gzip):', lazy.map((c) => `${c.file} ${kb(c.gzip)}`).join(', '));
    const runs = (xs) => xs.map((t) => t.toFixed(0)).join(', ');
    console.log(`Lineage of ${result.treeNodes} nodes, open: median ${result.openMedianMs.toFixed(0)} ms from navigation start to laid out and painted (runs: ${runs(openTimes)})`);
    console.log(`Lineage of ${result.treeNodes} nodes, expand all: median ${result.expandMedianMs.toFixed(0)} ms from click to all nodes laid out and painted (runs: ${runs(expandTimes)})`);
    console.log(`Plain page with the same ${thumbs.length} thumbnails: median ${result.plainMedianMs.toFixed(0)} ms (runs: ${runs(plainTimes)})`);
    const out = path.join(repo, 'bench/web/.bench-data');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(result, null, 2));
  } finally {
    server.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
