#!/usr/bin/env node
// bench/start: how long ImageFlow takes from spawn to its first 200 from /api/health, and how much
// memory it holds once idle, started the old ways (tsx, and the former `npm start`: a web build,
// then npm and tsx) and the new ways (the built bundle under plain node, and `npm start` with nothing
// to rebuild). Each on an empty data folder ("fresh") and on one that already has a database and an
// image ("restart"), alternating the commands in every round. A bare Fastify hello-world under node
// is the reference for what Node and Fastify alone cost on this machine.
//
// Run alone: `npm run bench:start` (BENCH_ROUNDS, default 5; BENCH_ONLY=name,name to run some).
// Memory is VmRSS from /proc, summed over the command's whole process tree (npm, sh, tsx's
// launcher and the server), and the server's own alone; CPU is the tree's user + system time until
// ready, which a busy machine disturbs less than the wall time.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support.mjs';
import { build } from '../../scripts/build.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 2000);
const ONLY = process.env.BENCH_ONLY?.split(',');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bench-start-'));
/** Where the former `npm start` put its web build; the shared apps/web/dist is left alone. */
const oldWebDir = path.join(tmp, 'web-dist');

const HELLO = `
const { default: Fastify } = await import('fastify');
const app = Fastify();
app.get('/api/health', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

/** The commands, each as run from the repository's root. `server` picks the process that serves. */
const COMMANDS = [
  { name: 'hello', label: 'reference: bare Fastify hello-world (`node -e`)', cmd: 'node', args: ['--input-type=module', '-e', HELLO], cwd: 'apps/api', reference: true },
  { name: 'tsx', label: 'old: `npx tsx apps/api/src/main.ts`', cmd: 'npx', args: ['tsx', 'apps/api/src/main.ts'] },
  {
    name: 'old-npm-start',
    label: 'old: former `npm start` (web build, then npm → tsx)',
    // What `npm start` ran before: `npm run build -w @imageflow/web && npm run start -w @imageflow/api`
    // with the API's start being `tsx src/main.ts`; the web build goes to a folder of this run's own.
    cmd: 'sh',
    args: ['-c', `npm run build -w @imageflow/web -- --outDir '${oldWebDir}' --emptyOutDir >/dev/null 2>&1 && npm exec -w @imageflow/api -- tsx src/main.ts`],
    env: { IMAGEFLOW_WEB_DIR: oldWebDir },
  },
  { name: 'node', label: 'new: `node --enable-source-maps apps/api/dist/main.js` (`npm run serve`)', cmd: 'node', args: ['--enable-source-maps', 'apps/api/dist/main.js'] },
  { name: 'node-nomaps', label: 'new, without source maps: `node apps/api/dist/main.js`', cmd: 'node', args: ['apps/api/dist/main.js'] },
  { name: 'npm-start', label: 'new: `npm start` (nothing to rebuild)', cmd: 'npm', args: ['start'] },
].filter((c) => !ONLY || ONLY.includes(c.name));

/** The environment of a person who configured nothing: SQLite and images in the data folder, builtin engine. */
function baseEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(IMAGEFLOW_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|COMFYUI_|A1111_|AWS_|npm_)/.test(k)) delete env[k];
  }
  delete env.INIT_CWD;
  return env;
}

/** The pids of `root` and every process below it. */
function tree(root) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {}
  }
  const out = [];
  const visit = (pid) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) visit(c);
  };
  visit(root);
  return out;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time a process used, with that of the children it has waited for (a build that finished before the server started). */
function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14 to 17 of stat, 12 to 15 after the command name.
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) * TICK_MS;
  } catch {
    return 0;
  }
}

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function waitHealthy(url, child, ms = 120_000) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before answering`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {}
    await sleep(5);
  }
  throw new Error(`${url} did not answer in ${ms} ms`);
}

/** The process of the tree that holds the most memory: the server (npm, sh and launchers are smaller). */
function serverPid(pids) {
  return pids.reduce((best, pid) => (rssKb(pid) > rssKb(best) ? pid : best), pids[0]);
}

async function stop(child) {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {}
  const done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!done) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
    await exited;
  }
}

/** One start: ms from spawn to the first 200, idle RSS of the tree and of the server. */
async function measure(command, dataDir) {
  const port = await freePort();
  const env = { ...baseEnv(), PORT: String(port), HOST: '127.0.0.1', IMAGEFLOW_DATA_DIR: dataDir, ...command.env };
  let stderr = '';
  const t0 = performance.now();
  const child = spawn(command.cmd, command.args, { cwd: path.join(repo, command.cwd ?? '.'), env, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  try {
    await waitHealthy(`http://127.0.0.1:${port}/api/health`, child);
  } catch (err) {
    await stop(child);
    throw new Error(`${command.name}: ${err.message}\n${stderr}`);
  }
  const readyMs = performance.now() - t0;
  const readyCpuMs = tree(child.pid).reduce((a, p) => a + cpuMs(p), 0);
  await sleep(IDLE_MS);
  const pids = tree(child.pid);
  const treeKb = pids.reduce((a, p) => a + rssKb(p), 0);
  const serverKb = rssKb(serverPid(pids));
  await stop(child);
  return { readyMs, readyCpuMs, treeMb: treeKb / 1024, serverMb: serverKb / 1024, processes: pids.length };
}

/** A data folder as a person's second start finds it: the database made and one image in it. */
async function seededDataDir() {
  const dir = fs.mkdtempSync(path.join(tmp, 'restart-'));
  const port = await freePort();
  const env = { ...baseEnv(), PORT: String(port), HOST: '127.0.0.1', IMAGEFLOW_DATA_DIR: dir };
  const child = spawn('node', ['apps/api/dist/main.js'], { cwd: repo, env, detached: true, stdio: 'ignore' });
  await waitHealthy(`http://127.0.0.1:${port}/api/health`, child);
  const res = await fetch(`http://127.0.0.1:${port}/api/images/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a lighthouse on a cliff', spec: { seed: 1, width: 256, height: 256 } }),
  });
  if (res.status !== 201) throw new Error(`seeding the data folder: ${res.status} ${await res.text()}`);
  await stop(child);
  return dir;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: `${cpus.length} × ${cpus[0]?.model ?? 'unknown'}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    load: os.loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

const fmt = (xs, digits = 0) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

async function main() {
  const before = machine();
  console.log(`bench/start: ${ROUNDS} rounds on ${before.cpu}, ${before.memory}, Node ${before.node}; load ${before.load}`);
  // The build the new commands run; timed once here, then `npm start` finds nothing to rebuild.
  let t = performance.now();
  await build(['api']);
  const apiBuildMs = performance.now() - t;
  await build(['web', 'api'], { ifChanged: true });
  t = performance.now();
  await build(['web', 'api'], { ifChanged: true });
  const checkMs = performance.now() - t;
  console.log(`API build ${apiBuildMs.toFixed(0)} ms; up-to-date check ${checkMs.toFixed(0)} ms`);

  const restartDir = await seededDataDir();
  const results = Object.fromEntries(COMMANDS.map((c) => [c.name, { fresh: [], restart: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    // A different command goes first in each round.
    const order = COMMANDS.map((_, i) => COMMANDS[(i + round) % COMMANDS.length]);
    for (const command of order) {
      for (const state of ['fresh', 'restart']) {
        // Another build of the web app in this tree (by a person or a test run) would make `npm start` rebuild: not what is measured here.
        if (command.name === 'npm-start') await build(['web', 'api'], { ifChanged: true });
        const dataDir = state === 'fresh' ? fs.mkdtempSync(path.join(tmp, 'fresh-')) : restartDir;
        const r = await measure(command, dataDir);
        results[command.name][state].push(r);
        console.log(`round ${round + 1} ${command.name.padEnd(14)} ${state.padEnd(7)} ready ${r.readyMs.toFixed(0).padStart(6)} ms  cpu ${r.readyCpuMs.toFixed(0).padStart(6)} ms  rss tree ${r.treeMb.toFixed(0).padStart(4)} MB  server ${r.serverMb.toFixed(0).padStart(4)} MB  (${r.processes} processes)`);
        if (state === 'fresh') fs.rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }
  const after = machine();

  const lines = [];
  lines.push(`Machine: ${before.cpu}, ${before.memory}, ${before.os}, Node ${before.node}; load average ${before.load} at the start, ${after.load} at the end.`);
  lines.push(`API build (esbuild bundle): ${apiBuildMs.toFixed(0)} ms; \`npm start\`'s up-to-date check: ${checkMs.toFixed(0)} ms. ${ROUNDS} rounds, idle ${IDLE_MS} ms before reading memory.`);
  lines.push('');
  lines.push('Median (min–max) over the rounds. Ready: wall time from spawn to the first 200 of /api/health. CPU to ready: user + system time of the whole process tree by then (on a busy machine the steadier figure). Memory: VmRSS summed over the process tree, and the server process alone.');
  lines.push('');
  lines.push('| command | data folder | ready, ms | CPU to ready, ms | idle RSS, tree MB | idle RSS, server MB | processes |');
  lines.push('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const c of COMMANDS) {
    for (const state of ['fresh', 'restart']) {
      const rs = results[c.name][state];
      lines.push(`| ${c.label} | ${state} | ${fmt(rs.map((r) => r.readyMs))} | ${fmt(rs.map((r) => r.readyCpuMs))} | ${fmt(rs.map((r) => r.treeMb))} | ${fmt(rs.map((r) => r.serverMb))} | ${median(rs.map((r) => r.processes))} |`);
    }
  }
  if (results.hello) {
    const hello = median(results.hello.restart.map((r) => r.readyMs));
    const helloCpu = median(results.hello.restart.map((r) => r.readyCpuMs));
    lines.push('');
    lines.push('On a restart, against the hello-world:');
    lines.push('');
    for (const c of COMMANDS.filter((c) => !c.reference)) {
      const m = median(results[c.name].restart.map((r) => r.readyMs));
      const cpu = median(results[c.name].restart.map((r) => r.readyCpuMs));
      lines.push(`- ${c.label}: ${m.toFixed(0)} ms = ${(m / hello).toFixed(1)}× in time, ${cpu.toFixed(0)} ms = ${(cpu / helloCpu).toFixed(1)}× in CPU.`);
    }
  }
  console.log(`\n${lines.join('\n')}`);
}

try {
  await main();
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
