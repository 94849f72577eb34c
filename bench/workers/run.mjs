#!/usr/bin/env node
// bench/workers: how throughput grows with worker processes. For N = 1, 2 and 4 workers (in one run), starts one
// API process and N worker processes (real `apps/api/src/main.ts`, IMAGEFLOW_ROLE=api / worker) on a fresh
// PostgreSQL database, a Redis key prefix of its own (BullMQ and pub/sub) and a shared image store (a local
// folder by default, or a bucket on the test radosgw with BENCH_STORE=s3), submits a burst of fast builtin jobs
// (200 of 64×64, 1 step) to the API, and reports jobs/s, p50/p99 submit-to-complete latency and the speed-up over
// N = 1 in the same run. The same renders done bare in this process (no HTTP, queue, database or store) are the
// reference for what the image work alone costs. Run alone: `npm run bench:workers`
// (node --import tsx bench/workers/run.mjs). Removes every database, key, folder and bucket it made.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { freePort, ImageflowProcess, stopAll } from '../../apps/api/test/support/processes.ts';
import { BuiltinProvider } from '../../apps/api/src/providers/builtin/builtin.provider.ts';
import { sharpImageOps } from '../../apps/api/src/adapters/sharp-image-ops.ts';
import { sha256Hex } from '../../apps/api/src/lib/hash.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 200);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);
const STORE = process.env.BENCH_STORE ?? 'local';
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SPEC = { width: 64, height: 64, steps: 1 };
/** Requests in flight while a batch is submitted. */
const SUBMITTERS = 16;
const BENCH_DB = /^imageflow_bench_[a-f0-9]+$/;

if (!['local', 's3'].includes(STORE)) throw new Error(`BENCH_STORE must be local or s3, not ${STORE}`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const q = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)];
const median = (xs) => q([...xs].sort((a, b) => a - b), 0.5);

// --- what the run made, removed at the end ----------------------------------------------------------------

const made = { processes: [], databases: [], prefixes: [], dirs: [], bucket: null };

async function admin(use) {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(name) {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function removeKeys(redis, prefix) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

async function cleanUp() {
  const problems = [];
  const attempt = async (what, step) => {
    try {
      await step();
    } catch (err) {
      problems.push(`${what}: ${err.message}`);
    }
  };
  await attempt('stopping processes', () => stopAll(made.processes.splice(0)));
  for (const name of made.databases.splice(0)) {
    if (!BENCH_DB.test(name)) continue;
    await attempt(`dropping ${name}`, () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)));
  }
  if (made.prefixes.length > 0) {
    const redis = new Redis(REDIS_URL);
    for (const prefix of made.prefixes.splice(0)) await attempt(`removing Redis keys ${prefix}*`, () => removeKeys(redis, prefix));
    await redis.quit();
  }
  for (const dir of made.dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  if (made.bucket) {
    const { client, name, destroy } = made.bucket;
    made.bucket = null;
    await attempt(`deleting bucket ${name}`, () => destroy(client, name));
  }
  if (problems.length > 0) console.error(`cleaning up: ${problems.join('; ')}`);
}

let cleaning = null;
const cleanUpOnce = () => (cleaning ??= cleanUp());
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: cleaning up...`);
    void cleanUpOnce().finally(() => process.exit(130));
  });
}

// --- the image store --------------------------------------------------------------------------------------

/** Environment for the store every process shares. */
async function storeEnv(dataDir) {
  if (STORE === 'local') return { IMAGEFLOW_DATA_DIR: dataDir };
  if (!made.bucket) {
    const { ensureRadosgw, rgwClient } = await import('../../apps/api/test/support/radosgw.ts');
    const { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
    const rgw = await ensureRadosgw();
    if (!rgw) throw new Error('BENCH_STORE=s3 needs radosgw: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd');
    const client = rgwClient(rgw);
    const name = `imageflow-bench-${crypto.randomBytes(6).toString('hex')}`;
    await client.send(new CreateBucketCommand({ Bucket: name }));
    const destroy = async (c, bucket) => {
      for (;;) {
        const listed = await c.send(new ListObjectsV2Command({ Bucket: bucket }));
        const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key }));
        if (keys.length === 0) break;
        await c.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      }
      await c.send(new DeleteBucketCommand({ Bucket: bucket }));
      c.destroy();
    };
    made.bucket = { client, name, destroy, rgw };
  }
  const { rgw, name } = made.bucket;
  return {
    IMAGEFLOW_DATA_DIR: dataDir,
    IMAGEFLOW_S3_BUCKET: name,
    IMAGEFLOW_S3_ENDPOINT: rgw.endpoint,
    IMAGEFLOW_S3_REGION: 'us-east-1',
    IMAGEFLOW_S3_FORCE_PATH_STYLE: 'true',
    // One prefix per worker count: each starts from an empty store.
    IMAGEFLOW_S3_PREFIX: `${path.basename(dataDir)}/`,
    AWS_ACCESS_KEY_ID: rgw.accessKeyId,
    AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
  };
}

// --- CPU accounting from /proc ----------------------------------------------------------------------------

const TICK = 100; // USER_HZ on Linux

/** CPU seconds a process has used (user + system). */
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

/** The PostgreSQL backends serving `database` (they run on this machine), by pid. */
async function backendPids(db, database) {
  const { rows } = await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
  return rows.map((r) => r.pid);
}

/** The Redis server's pid, when it runs on this machine. */
async function redisPid() {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    return fs.existsSync(`/proc/${pid}/stat`) ? pid : null;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** The S3 server's processes on this machine (radosgw and the Ceph daemons under it), for BENCH_STORE=s3. */
function s3ServerPids() {
  if (STORE !== 's3') return [];
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      return ['radosgw', 'ceph-osd', 'ceph-mon'].includes(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
    } catch {
      return false;
    }
  });
}

/** Busy and total jiffies of the whole machine (every process, ours or not). */
function machine() {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpu[3] + cpu[4];
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

// --- the reference: the same renders, bare ----------------------------------------------------------------

async function bare() {
  const provider = new BuiltinProvider();
  const render = (i) =>
    provider.generate({
      model: 'sdxl',
      prompt: `bench job ${i}: a lighthouse on a cliff over the sea`,
      negativePrompt: '',
      spec: { ...SPEC, guidance: 7, seed: 1000 + i, sampler: 'dpmpp_2m_karras', strength: 0.6, batch_size: 1 },
    });
  const renderOnly = async () => {
    const t0 = performance.now();
    for (let i = 0; i < JOBS; i++) await render(i);
    return (performance.now() - t0) / JOBS;
  };
  const withImageWork = async () => {
    const t0 = performance.now();
    for (let i = 0; i < JOBS; i++) {
      const [image] = await render(i);
      sha256Hex(image.png);
      await sharpImageOps.thumbnail(image.png, 256);
    }
    return (performance.now() - t0) / JOBS;
  };
  await withImageWork();
  // Alternated, the median of five each: the machine is shared, and its load drifts.
  const renders = [];
  const images = [];
  for (let r = 0; r < 5; r++) {
    renders.push(await renderOnly());
    images.push(await withImageWork());
  }
  const renderMs = median(renders);
  const imageMs = median(images);
  return { renderMs, imageMs };
}

// --- one worker count -------------------------------------------------------------------------------------

async function submitBatch(base, count, tag) {
  const jobs = [];
  let next = 0;
  const submitter = async () => {
    while (next < count) {
      const i = next++;
      const sentAt = Date.now();
      const res = await fetch(`${base}/api/generations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `bench ${tag} job ${i}: a lighthouse on a cliff over the sea`, spec: { ...SPEC, seed: 1000 + i } }),
      });
      const body = await res.text();
      if (res.status !== 202) throw new Error(`submit: ${res.status} ${body}`);
      jobs.push({ id: JSON.parse(body).id, sentAt });
    }
  };
  await Promise.all(Array.from({ length: SUBMITTERS }, submitter));
  return jobs;
}

/** Waits until every job of the batch is finished; returns their rows. */
async function waitForBatch(db, ids, processes) {
  for (;;) {
    for (const p of processes) if (p.exitStatus) throw new Error(p.describe());
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1) AND status IN ('succeeded', 'failed', 'canceled')`, [ids]);
    if (rows[0].n === ids.length) break;
    await sleep(50);
  }
  const { rows } = await db.query(`SELECT id, status, error_message, created_at, started_at, finished_at FROM jobs WHERE id = ANY($1)`, [ids]);
  const failed = rows.filter((r) => r.status !== 'succeeded');
  if (failed.length > 0) throw new Error(`${failed.length} jobs did not succeed, e.g. ${failed[0].status}: ${failed[0].error_message}`);
  return rows;
}

async function runWorkers(n) {
  const name = `imageflow_bench_${crypto.randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  made.databases.push(name);
  const prefix = `imageflow-bench-${crypto.randomUUID()}`;
  made.prefixes.push(prefix);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bench-workers-'));
  made.dirs.push(dataDir);
  const db = new pg.Pool({ connectionString: databaseUrl(name), max: 2 });
  db.on('error', () => undefined);
  try {
    const port = await freePort();
    const env = {
      DATABASE_URL: databaseUrl(name),
      REDIS_URL,
      IMAGEFLOW_REDIS_PREFIX: prefix,
      IMAGEFLOW_LOG_LEVEL: 'warn',
      IMAGEFLOW_JOB_CONCURRENCY: String(CONCURRENCY),
      ...(await storeEnv(dataDir)),
    };
    const api = ImageflowProcess.start('api', { ...env, IMAGEFLOW_ROLE: 'api', PORT: String(port), HOST: '127.0.0.1' });
    made.processes.push(api);
    const workers = Array.from({ length: n }, (_, i) => ImageflowProcess.start(`worker ${i + 1}`, { ...env, IMAGEFLOW_ROLE: 'worker' }));
    made.processes.push(...workers);
    const all = [api, ...workers];
    const started = Date.now();
    await api.waitForHttp(`http://127.0.0.1:${port}/api/health`, 120_000);
    for (;;) {
      for (const p of all) if (p.exitStatus) throw new Error(p.describe());
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM instances WHERE role = 'worker'`).catch(() => ({ rows: [{ n: 0 }] }));
      if (rows[0].n === n) break;
      if (Date.now() - started > 120_000) throw new Error(`only ${rows[0].n} of ${n} workers registered within 120 s`);
      await sleep(100);
    }
    const base = `http://127.0.0.1:${port}`;
    const redisServer = await redisPid();
    const s3Server = s3ServerPids();
    // Warm-up, one unmeasured batch: connections made and the hot code compiled in every process (with a
    // shorter one the first measured round is still clearly slower than the next).
    const warm = await submitBatch(base, JOBS, 'warm-up');
    await waitForBatch(db, warm.map((j) => j.id), all);

    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) {
      const cpuBefore = all.map((p) => cpuSeconds(p.pid));
      const backendsBefore = new Map((await backendPids(db, name)).map((pid) => [pid, cpuSeconds(pid)]));
      const redisBefore = redisServer ? cpuSeconds(redisServer) : 0;
      const s3Before = s3Server.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
      const clientBefore = process.cpuUsage();
      const machineBefore = machine();
      const loadBefore = os.loadavg()[0];
      const t0 = Date.now();
      const jobs = await submitBatch(base, JOBS, `round ${r}`);
      const rows = await waitForBatch(db, jobs.map((j) => j.id), all);
      const machineAfter = machine();
      const cpuAfter = all.map((p) => cpuSeconds(p.pid));
      // A backend that ended during the batch is not counted (the pools keep theirs for 30 s idle).
      const backendCpu = (await backendPids(db, name)).reduce((sum, pid) => sum + cpuSeconds(pid) - (backendsBefore.get(pid) ?? 0), 0);
      const redisCpu = redisServer ? cpuSeconds(redisServer) - redisBefore : 0;
      const s3Cpu = s3Server.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - s3Before;
      const client = process.cpuUsage(clientBefore);
      const sentAt = new Map(jobs.map((j) => [j.id, j.sentAt]));
      const finished = rows.map((row) => Date.parse(row.finished_at));
      const end = Math.max(...finished);
      const latencies = rows.map((row) => Date.parse(row.finished_at) - sentAt.get(row.id)).sort((a, b) => a - b);
      const cpu = cpuAfter.map((c, i) => c - cpuBefore[i]);
      rounds.push({
        seconds: (end - t0) / 1000,
        jobsPerSecond: JOBS / ((end - t0) / 1000),
        submitSeconds: (Math.max(...jobs.map((j) => j.sentAt)) - t0) / 1000,
        latencies,
        apiCpuPerJob: (cpu[0] * 1000) / JOBS,
        workerCpuPerJob: (cpu.slice(1).reduce((a, b) => a + b, 0) * 1000) / JOBS,
        postgresCpuPerJob: (backendCpu * 1000) / JOBS,
        redisCpuPerJob: (redisCpu * 1000) / JOBS,
        s3CpuPerJob: (s3Cpu * 1000) / JOBS,
        clientCpuPerJob: (client.user + client.system) / 1000 / JOBS,
        machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
        load: (loadBefore + os.loadavg()[0]) / 2,
      });
      console.log(
        `  N=${n} round ${r + 1}: ${rounds.at(-1).jobsPerSecond.toFixed(1)} jobs/s (${rounds.at(-1).seconds.toFixed(2)} s), p50 ${q(latencies, 0.5)} ms, p99 ${q(latencies, 0.99)} ms`,
      );
    }
    const { rows: check } = await db.query(`SELECT (SELECT count(*)::int FROM image_nodes) AS nodes, (SELECT count(*)::int FROM jobs WHERE status = 'succeeded') AS jobs`);
    if (check[0].nodes !== check[0].jobs) throw new Error(`${check[0].jobs} jobs succeeded but ${check[0].nodes} nodes exist`);
    return rounds;
  } finally {
    await db.end();
    await stopAll(made.processes.splice(0));
  }
}

// --- the run ----------------------------------------------------------------------------------------------

async function main() {
  const cpus = os.cpus();
  console.log(`bench/workers: ${JOBS} jobs of ${SPEC.width}×${SPEC.height}, ${SPEC.steps} step (builtin), ${ROUNDS} rounds per worker count, ${STORE === 's3' ? 'S3 (radosgw)' : 'local folder'} store, ${cpus.length} cores (${cpus[0]?.model.trim()}), Node ${process.version}`);
  console.log('bare renders in this process...');
  const reference = await bare();
  const results = new Map();
  for (const n of WORKERS) {
    console.log(`1 API + ${n} worker${n === 1 ? '' : 's'}...`);
    results.set(n, await runWorkers(n));
  }

  const base = results.has(1) ? median(results.get(1).map((r) => r.jobsPerSecond)) : null;
  console.log(`\n| workers | jobs/s (median of ${ROUNDS}) | speed-up over 1 | p50 latency | p99 latency |`);
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const [n, rounds] of results) {
    const jps = median(rounds.map((r) => r.jobsPerSecond));
    const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
    console.log(
      `| ${n} | ${jps.toFixed(1)} (${rounds.map((r) => r.jobsPerSecond.toFixed(1)).join(', ')}) | ${base ? `${(jps / base).toFixed(2)}×` : '–'} | ${q(latencies, 0.5)} ms | ${q(latencies, 0.99)} ms |`,
    );
  }
  console.log(`| bare renders in one process, no queue (reference) | ${(1000 / reference.imageMs).toFixed(0)} | | | |`);
  console.log(`\nCPU per job (median of the rounds), and how busy the whole machine was (other people's work included):\n`);
  const s3 = STORE === 's3';
  console.log(`| workers | workers | API | PostgreSQL backends | Redis server |${s3 ? ' radosgw + Ceph |' : ''} bench client | total | machine busy | load average |`);
  console.log(`| ---: | ---: | ---: | ---: | ---: |${s3 ? ' ---: |' : ''} ---: | ---: | ---: | ---: |`);
  for (const [n, rounds] of results) {
    const m = (key) => median(rounds.map((r) => r[key]));
    const parts = ['workerCpuPerJob', 'apiCpuPerJob', 'postgresCpuPerJob', 'redisCpuPerJob', ...(s3 ? ['s3CpuPerJob'] : []), 'clientCpuPerJob'];
    const total = parts.reduce((sum, key) => sum + m(key), 0);
    console.log(`| ${n} | ${parts.map((key) => `${m(key).toFixed(1)} ms`).join(' | ')} | ${total.toFixed(1)} ms | ${(m('machineBusy') * 100).toFixed(0)} % | ${m('load').toFixed(1)} |`);
  }
  console.log(`\nBare, in this process: render ${reference.renderMs.toFixed(1)} ms per job; render + sha256 + WebP thumbnail ${reference.imageMs.toFixed(1)} ms per job.`);
  console.log(`\nSubmitting each batch (${SUBMITTERS} requests in flight) took ${median([...results.values()].flat().map((r) => r.submitSeconds)).toFixed(2)} s (median); latency is from sending the POST to the job's finished_at.`);
}

try {
  await main();
} catch (err) {
  // Interrupted: the processes were stopped under the run's feet; the signal handler exits once clean.
  if (!interrupted) {
    process.exitCode = 1;
    console.error(err);
  }
} finally {
  await cleanUpOnce();
}
