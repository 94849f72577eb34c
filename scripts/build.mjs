#!/usr/bin/env node
// `npm run build`: the web app (Vite, to apps/web/dist) and the API (one ES module bundle with
// source maps, to apps/api/dist), which `npm start` and production run with plain `node`.
//
//   node scripts/build.mjs [web] [api] [--if-changed]
//
// With no target, both. --if-changed skips a target whose sources and output are as its last build
// here left them (what `npm start` uses, so that a restart does not rebuild).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = (...parts) => path.join(repo, ...parts);
const STAMPS = at('node_modules/.cache/imageflow');

/** What each build reads and writes. Everything its output depends on is among the inputs. */
const TARGETS = {
  web: {
    inputs: ['apps/web', 'packages/shared', 'package-lock.json', 'tsconfig.base.json', 'scripts/build.mjs'],
    // Vite puts VITE_* variables into the bundle, and NODE_ENV decides what React it bundles.
    env: (env) => Object.keys(env).filter((k) => k.startsWith('VITE_') || k === 'NODE_ENV').sort().map((k) => `${k}=${env[k]}`),
    output: 'apps/web/dist',
    build: buildWeb,
  },
  api: {
    inputs: ['apps/api/src', 'apps/api/package.json', 'packages/shared', 'package-lock.json', 'tsconfig.base.json', 'scripts/build.mjs'],
    env: () => [],
    output: 'apps/api/dist',
    build: buildApi,
  },
};

function buildWeb() {
  const res = spawnSync('npm', ['run', 'build', '-w', '@imageflow/web'], { cwd: repo, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`the web app's build failed (${res.status ?? res.signal})`);
}

/**
 * The API and its account CLI as ES modules: the workspace's TypeScript (and @imageflow/shared's)
 * bundled in, every other package imported from node_modules at run time as before (native ones
 * like better-sqlite3 and sharp among them). dist/ sits beside src/, so paths the code takes from
 * import.meta.url (the web app's folder) point where they did.
 *
 * Code split: what the entry points share, and each module main.ts imports with `await import()` only
 * when configured (the S3 store, Redis and BullMQ, the providers but builtin), are chunks of their own,
 * loaded when imported. Chunks sit in dist/ itself, beside main.js, so that import.meta.url means the
 * same folder in every file.
 */
const ENTRY_POINTS = { main: 'src/main.ts', user: 'src/cli/user.ts' };

async function buildApi() {
  // What names this build (BUILD in src/version.ts): the fingerprint of its sources' contents, the same for
  // one commit on every machine. Kept in the build's stamp.
  const build = fingerprint(TARGETS.api.inputs, [], { contents: true }).slice(0, 16);
  const esbuild = createRequire(at('apps/api/package.json'))('esbuild');
  const started = Date.now();
  let result;
  try {
    result = await esbuild.build({
      absWorkingDir: at('apps/api'),
      entryPoints: ENTRY_POINTS,
      outdir: 'dist',
      splitting: true,
      chunkNames: '[name]-[hash]',
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20.19',
      tsconfig: 'tsconfig.json',
      sourcemap: 'linked',
      // The sources are beside the build; stack traces need only the mappings.
      sourcesContent: false,
      // Names as in the source (error classes, log lines), even where two modules use the same one.
      keepNames: true,
      metafile: true,
      write: false,
      logLevel: 'warning',
      define: { IMAGEFLOW_BUILD: JSON.stringify(build) },
      plugins: [
        {
          name: 'packages-from-node-modules',
          setup(b) {
            // Bare specifiers are packages, left to Node, except the workspace's own.
            b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@imageflow/') ? undefined : { path: args.path, external: true }));
          },
        },
      ],
    });
  } finally {
    // esbuild's helper process would otherwise live as long as this one (under npm start, the API).
    esbuild.stop();
  }
  // Each file replaced in one step, the chunks (named by their contents) before the entry points that
  // import them: a process starting meanwhile reads the old build or the new one.
  const outDir = at('apps/api/dist');
  const entries = new Set(Object.keys(ENTRY_POINTS).map((name) => path.join(outDir, `${name}.js`)));
  const isEntry = (file) => entries.has(file.path.replace(/\.map$/, ''));
  for (const file of [...result.outputFiles.filter((f) => !isEntry(f)), ...result.outputFiles.filter(isEntry)]) {
    fs.mkdirSync(path.dirname(file.path), { recursive: true });
    const tmp = `${file.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, file.contents);
    fs.renameSync(tmp, file.path);
  }
  // Chunks of earlier builds go: dist/ holds this build alone (and a missing chunk fails the smoke test, not a stale one passing it).
  const written = new Set(result.outputFiles.map((f) => f.path));
  for (const name of fs.readdirSync(outDir)) {
    const file = path.join(outDir, name);
    if (!written.has(file) && /\.js(\.map)?$/.test(name)) fs.rmSync(file, { force: true });
  }
  const js = result.outputFiles.filter((f) => f.path.endsWith('.js'));
  const bytes = js.reduce((a, f) => a + f.contents.length, 0);
  const modules = Object.keys(result.metafile.inputs).length;
  console.log(`api: ${modules} modules → apps/api/dist (main.js, user.js and ${js.length - entries.size} chunks; ${(bytes / 1024).toFixed(0)} KB) in ${Date.now() - started} ms`);
  return { build };
}

/**
 * Path, size and modification time of every file under `entries`, skipping node_modules and build output;
 * with `contents`, path and contents instead (the same on every machine for the same sources, and slower).
 */
function fingerprint(entries, extra = [], { contents = false } = {}) {
  const hash = createHash('sha256');
  const visit = (rel) => {
    let stat;
    try {
      stat = fs.statSync(at(rel));
    } catch {
      hash.update(`${rel}\0missing\n`);
      return;
    }
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(at(rel)).sort()) {
        if (name === 'node_modules' || name === 'dist') continue;
        visit(path.posix.join(rel, name));
      }
    } else if (contents) {
      hash.update(`${rel}\0${stat.size}\0`).update(fs.readFileSync(at(rel))).update('\n');
    } else {
      hash.update(`${rel}\0${stat.size}\0${stat.mtimeMs}\n`);
    }
  };
  for (const entry of entries) visit(entry);
  for (const line of extra) hash.update(`${line}\n`);
  return hash.digest('hex');
}

/** Every file of a build's output and its contents: the same after a rebuild of the same sources. */
function outputPrint(dir) {
  if (!fs.existsSync(at(dir))) return 'missing';
  const hash = createHash('sha256');
  const visit = (rel) => {
    for (const entry of fs.readdirSync(at(rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) visit(child);
      else hash.update(`${child}\0`).update(fs.readFileSync(at(child))).update('\n');
    }
  };
  visit(dir);
  return hash.digest('hex');
}

const stampFile = (name) => path.join(STAMPS, `build-${name}.json`);

function readStamp(name) {
  try {
    return JSON.parse(fs.readFileSync(stampFile(name), 'utf8'));
  } catch {
    return null;
  }
}

function writeStamp(name, stamp) {
  fs.mkdirSync(STAMPS, { recursive: true });
  const tmp = `${stampFile(name)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(stamp));
  fs.renameSync(tmp, stampFile(name));
}

/** Builds `names` (all when empty); with ifChanged, only those whose sources or output changed since. */
export async function build(names = [], { ifChanged = false, env = process.env } = {}) {
  for (const name of names.length ? names : Object.keys(TARGETS)) {
    const target = TARGETS[name];
    if (!target) throw new Error(`no build target ${name} (web, api)`);
    const inputs = fingerprint(target.inputs, target.env(env));
    if (ifChanged) {
      const last = readStamp(name);
      if (last && last.inputs === inputs && last.output === outputPrint(target.output)) continue;
    }
    // What the build tells of itself (the API: its name) goes into its stamp.
    const made = await target.build();
    writeStamp(name, { inputs, ...made, output: outputPrint(target.output) });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  try {
    await build(args.filter((a) => !a.startsWith('--')), { ifChanged: args.includes('--if-changed') });
  } catch (err) {
    console.error(`build: ${err.message}`);
    process.exit(1);
  }
}
