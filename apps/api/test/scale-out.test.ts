/**
 * The proof that ImageFlow works as many processes: two API processes and two worker processes, each a
 * real `node apps/api/src/main.ts` with its own environment and its own (unused) data folder, sharing
 * only a PostgreSQL database, a Redis key prefix and an S3 bucket on radosgw. Fifty jobs go in through
 * both APIs, each followed over Server-Sent Events from the API that took it; one worker is killed
 * with SIGKILL while it runs a job. Every job must end succeeded, stored once, with its bytes in the
 * bucket, nothing left over anywhere, and every client must have seen its job complete.
 *
 * Runs in the `api` project only: it makes its own PostgreSQL database whatever the project.
 */
import crypto from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Redis } from 'ioredis';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { makeDataDir, onPostgres } from './harness.ts';
import { createTestDatabase, dropTestDatabases, postgresProblem, testDatabaseUrl } from './support/postgres.ts';
import { ensureRadosgw, radosgwAnswering, radosgwInstalled, rgwClient, type Radosgw } from './support/radosgw.ts';
import { redisAvailable, redisTestPrefix, removeRedisKeys, TEST_REDIS_URL } from './support/redis.ts';
import { freePort, ImageflowProcess, stopAll } from './support/processes.ts';

const JOBS = 50;
/** Small images with enough steps (each a progress write and event) that a job takes a noticeable while. */
const SPEC = { width: 128, height: 128, steps: 24 } as const;
/** A worker is killed once this many jobs are done (so that both have run some), while it runs another. */
const KILL_AFTER = 15;
/** Short, so the killed worker's job is taken over within seconds (its heartbeat is a quarter of this). */
const INSTANCE_TTL_S = 4;
const S3_PREFIX = 'scale-out/';
const TEST_TIMEOUT = 180_000;
/** Once the database says every job is done, how long a client may still take to see `completed`. */
const STREAM_GRACE_MS = 10_000;

// --- what the test needs, and whether it is there ---------------------------------------------------------

async function missingServices(): Promise<string[]> {
  const missing: string[] = [];
  const pgDown = await postgresProblem();
  if (pgDown) missing.push(pgDown);
  try {
    if (!(await redisAvailable())) missing.push(`Redis is not reachable at ${TEST_REDIS_URL}.`);
  } catch (err) {
    missing.push((err as Error).message);
  }
  if (!radosgwInstalled() && !(await radosgwAnswering())) {
    missing.push('radosgw is not installed and none answers: `apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd`.');
  }
  return missing;
}

// The api-postgres project runs the database tests again on PostgreSQL; this one already runs on it.
const missing = onPostgres ? [] : await missingServices();
if (missing.length > 0) {
  console.warn(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      ...missing.map((m) => `!!  ${m}`),
      process.env.CI ? '!!  CI: the scale-out test FAILS.' : '!!  The scale-out test (API and worker processes on PostgreSQL, Redis and S3) is SKIPPED.',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  );
}

// --- what the test made, removed at the end whatever happened ----------------------------------------------

const made: {
  processes: ImageflowProcess[];
  database: string | null;
  pool: pg.Pool | null;
  bucket: { client: S3Client; name: string } | null;
  redisPrefix: string | null;
  redis: Redis | null;
  stopSampling: () => void;
} = { processes: [], database: null, pool: null, bucket: null, redisPrefix: null, redis: null, stopSampling: () => undefined };

afterAll(async () => {
  const problems: unknown[] = [];
  const attempt = async (step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (err) {
      problems.push(err);
    }
  };
  made.stopSampling();
  await attempt(() => stopAll(made.processes));
  await attempt(async () => made.redis?.disconnect());
  await attempt(async () => made.pool?.end());
  if (made.database) await attempt(() => dropTestDatabases([made.database!]));
  if (made.bucket) await attempt(() => destroyBucket(made.bucket!.client, made.bucket!.name));
  if (made.redisPrefix) await attempt(() => removeRedisKeys(made.redisPrefix!));
  if (problems.length > 0) throw new AggregateError(problems, 'scale-out test: cleaning up failed');
}, 60_000);

async function listKeys(client: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

async function destroyBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const keys = await listKeys(client, bucket);
    if (keys.length === 0) break;
    for (let i = 0; i < keys.length; i += 1000) {
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  client.destroy();
}

// --- small tools ------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first truthy value of `probe`, checking every `everyMs`; throws after `ms` or once `alive()` throws. */
async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, options: { ms?: number; everyMs?: number; alive?: () => void } = {}): Promise<T> {
  const deadline = Date.now() + (options.ms ?? 30_000);
  for (;;) {
    options.alive?.();
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(options.everyMs ?? 50);
  }
}

interface SseEvent {
  event: string;
  data: string;
}

/**
 * Follows a Server-Sent Events stream to its end, parsed as the spec says: events are separated by a
 * blank line, `event:` names one (default `message`), `data:` lines are joined with newlines, lines
 * starting with `:` are comments; a block without data dispatches nothing.
 */
async function followEvents(url: string, signal: AbortSignal, onEvent: (e: SseEvent) => void): Promise<void> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  const line = (text: string) => {
    if (text === '') {
      if (data.length > 0) onEvent({ event: event || 'message', data: data.join('\n') });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  };
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (;;) {
      const end = /\r\n|\r|\n/.exec(buffer);
      // A lone "\r" at the end may be the first half of "\r\n": wait for more.
      if (!end || (end[0] === '\r' && end.index === buffer.length - 1)) break;
      line(buffer.slice(0, end.index));
      buffer = buffer.slice(end.index + end[0].length);
    }
  }
  buffer += decoder.decode();
  if (buffer !== '') line(buffer);
  // The stream ended: an event without its closing blank line is not dispatched.
}

interface Client {
  index: number;
  api: number;
  jobId: string | null;
  events: SseEvent[];
  completed: { status: string; images: Array<{ id: number }> } | null;
  error: unknown;
}

// --- the test -------------------------------------------------------------------------------------------

describe.skipIf(onPostgres)('scale out: API and worker processes on PostgreSQL, Redis and S3', () => {
  if (missing.length > 0) {
    it.skipIf(!process.env.CI)('needs PostgreSQL, Redis and radosgw', () => {
      throw new Error(`The scale-out test cannot run:\n${missing.join('\n')}`);
    });
    return;
  }

  it(
    `${JOBS} jobs through two APIs and two workers, one worker killed mid-job: every job once, every client told, nothing left over`,
    async () => {
      const began = Date.now();
      const lap = (what: string) => console.info(`[scale-out] ${what} at ${((Date.now() - began) / 1000).toFixed(1)} s`);

      // The shared services, each of the test's own.
      const rgw: Radosgw | null = await ensureRadosgw();
      if (!rgw) throw new Error('radosgw is installed but ensureRadosgw() found none');
      const s3 = rgwClient(rgw);
      const bucket = `imageflow-test-${crypto.randomBytes(6).toString('hex')}`;
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      made.bucket = { client: s3, name: bucket };
      made.database = await createTestDatabase();
      const pool = new pg.Pool({ connectionString: testDatabaseUrl(made.database), max: 3 });
      pool.on('error', () => undefined);
      made.pool = pool;
      const query = async <R,>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as R[];
      const prefix = redisTestPrefix();
      made.redisPrefix = prefix;

      // Every Redis key that appears while the processes run, other than those there before and those of other test runs.
      const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      redis.on('error', () => undefined);
      made.redis = redis;
      const scanAll = async () => {
        const keys: string[] = [];
        let cursor = '0';
        do {
          const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
          cursor = next;
          keys.push(...batch);
        } while (cursor !== '0');
        return keys;
      };
      const before = new Set(await scanAll());
      const ours = new Set<string>();
      const foreign = new Set<string>();
      const otherRuns = /^imageflow[-_](test|bench)[-_]/;
      const sampleKeys = async () => {
        for (const key of await scanAll()) {
          if (key.startsWith(prefix)) ours.add(key);
          else if (!before.has(key) && !otherRuns.test(key)) foreign.add(key);
        }
      };
      let sampling = true;
      made.stopSampling = () => {
        sampling = false;
      };
      const sampler = (async () => {
        while (sampling) {
          await sampleKeys().catch((err) => {
            if (sampling) throw err;
          });
          await sleep(200);
        }
      })();
      // Its failure is reported where it is awaited, at the end.
      sampler.catch(() => undefined);

      // The processes. Each has a data folder of its own: whatever they share goes through the services.
      const common = {
        DATABASE_URL: testDatabaseUrl(made.database),
        REDIS_URL: TEST_REDIS_URL,
        IMAGEFLOW_REDIS_PREFIX: prefix,
        IMAGEFLOW_S3_BUCKET: bucket,
        IMAGEFLOW_S3_ENDPOINT: rgw.endpoint,
        IMAGEFLOW_S3_REGION: 'us-east-1',
        IMAGEFLOW_S3_FORCE_PATH_STYLE: 'true',
        IMAGEFLOW_S3_PREFIX: S3_PREFIX,
        AWS_ACCESS_KEY_ID: rgw.accessKeyId,
        AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
        IMAGEFLOW_INSTANCE_TTL_S: String(INSTANCE_TTL_S),
        IMAGEFLOW_LOG_LEVEL: 'warn',
      };
      const start = async (name: string, role: 'api' | 'worker', extra: Record<string, string> = {}) => {
        const p = ImageflowProcess.start(name, { ...common, IMAGEFLOW_ROLE: role, IMAGEFLOW_DATA_DIR: await makeDataDir(), ...extra });
        made.processes.push(p);
        return p;
      };
      let killed: ImageflowProcess | null = null;
      const allAlive = () => {
        for (const p of made.processes) if (p.exitStatus && p !== killed) throw new Error(p.describe());
      };
      const workerIds = async () => {
        try {
          return (await query<{ id: string }>(`SELECT id FROM instances WHERE role = 'worker' ORDER BY id`)).map((r) => r.id);
        } catch (err) {
          // No process has made the tables yet.
          if ((err as { code?: string }).code === '42P01') return [];
          throw err;
        }
      };

      // All four at once: loading the code takes seconds of CPU, and there are 2 cores. Which instance id is
      // the doomed worker's is learnt from the kill (below), not from the order of start.
      const ports = [await freePort(), await freePort()];
      const apis = await Promise.all(ports.map((port, i) => start(`api ${i + 1}`, 'api', { PORT: String(port), HOST: '127.0.0.1' })));
      const doomed = await start('worker 1 (to be killed)', 'worker');
      const survivor = await start('worker 2', 'worker');
      const workers = await waitFor('both workers to register', async () => {
        const ids = await workerIds();
        return ids.length === 2 && ids;
      }, { ms: 90_000, alive: allAlive });
      await Promise.all(apis.map((api, i) => api.waitForHttp(`http://127.0.0.1:${ports[i]}/api/health`)));
      lap('four processes up');

      // The clients: each submits one job to an API (alternately) and follows its events from that API.
      const abortStreams = new AbortController();
      const clients: Client[] = Array.from({ length: JOBS }, (_, index) => ({ index, api: index % 2, jobId: null, events: [], completed: null, error: null }));
      const runClient = async (c: Client) => {
        const base = `http://127.0.0.1:${ports[c.api]}`;
        try {
          const res = await fetch(`${base}/api/generations`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ prompt: `scale out job ${c.index}: a lighthouse on a cliff over the sea`, spec: { ...SPEC, seed: 1000 + c.index } }),
          });
          const body = await res.text();
          if (res.status !== 202) throw new Error(`submit to api ${c.api + 1}: ${res.status} ${body}`);
          c.jobId = (JSON.parse(body) as { id: string }).id;
          await followEvents(`${base}/api/generations/${c.jobId}/events`, abortStreams.signal, (e) => {
            c.events.push(e);
            if (e.event === 'completed') c.completed = JSON.parse(e.data);
          });
        } catch (err) {
          c.error = err;
        }
      };

      // The killer. Once a few jobs are done, it freezes the doomed worker (SIGSTOP: nothing of its own state can
      // move any more, and a statement it sent just before finishes meanwhile), and looks at the running jobs.
      // Each worker runs one job at a time, so running jobs of two different instances mean that one of them is
      // the frozen worker's: then it is killed (SIGKILL). Otherwise it is let go on (SIGCONT) and tried again.
      let killedWhileRunning: Array<{ id: string; worker_id: string }> = [];
      const killer = (async () => {
        for (;;) {
          allAlive();
          const [done] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status = 'succeeded'`);
          if (done!.n >= KILL_AFTER) {
            doomed.signal('SIGSTOP');
            await sleep(100);
            const running = await query<{ id: string; worker_id: string }>(`SELECT id, worker_id FROM jobs WHERE status = 'running'`);
            if (new Set(running.map((r) => r.worker_id)).size === 2) {
              killed = doomed;
              const exit = await doomed.kill();
              expect(exit.signal).toBe('SIGKILL');
              killedWhileRunning = running;
              lap('worker 1 killed while running a job');
              return;
            }
            doomed.signal('SIGCONT');
          }
          const [left] = await query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status IN ('queued', 'running')`);
          if (clients.every((c) => c.jobId) && left!.n === 0) throw new Error('every job finished before the doomed worker could be caught running one');
          await sleep(10);
        }
      })();

      const clientsDone = Promise.all(clients.map(runClient));
      await killer;
      // Every job done in the database, then a little while for the last events to reach their clients.
      const allDone = waitFor(
        'every job to finish',
        async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status NOT IN ('succeeded', 'failed', 'canceled')`))[0]!.n === 0 && clients.every((c) => c.jobId),
        { ms: 90_000, everyMs: 100, alive: allAlive },
      );
      await Promise.race([clientsDone, allDone.then(() => sleep(STREAM_GRACE_MS))]);
      abortStreams.abort();
      await clientsDone;
      await allDone;
      lap('every job finished');

      // pending_files is cleared by the sweep that took the job over; it may finish just after the job did.
      await waitFor('pending_files to be empty', async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM pending_files`))[0]!.n === 0, { ms: 15_000, everyMs: 100 }).catch(
        () => undefined,
      );
      sampling = false;
      await sampler;
      await sampleKeys();
      allAlive();

      // Every client saw its job complete, on the stream of the API that took it.
      const unfinished = clients.filter((c) => c.error || !c.completed);
      expect(
        unfinished.map((c) => `client ${c.index} (api ${c.api + 1}, job ${c.jobId}): ${c.error ? String(c.error) : `saw ${c.events.map((e) => e.event).join(', ') || 'nothing'}`}`),
      ).toEqual([]);
      for (const c of clients) {
        expect(c.completed!.status).toBe('succeeded');
        expect(c.completed!.images).toHaveLength(1);
        expect(c.events.at(-1)!.event).toBe('completed');
      }

      // Every job succeeded, exactly once.
      const jobs = await query<{ id: string; status: string; attempts: number; worker_id: string | null }>(`SELECT id, status, attempts, worker_id FROM jobs ORDER BY created_at`);
      expect(jobs).toHaveLength(JOBS);
      expect(new Set(jobs.map((j) => j.id))).toEqual(new Set(clients.map((c) => c.jobId)));
      expect(jobs.filter((j) => j.status !== 'succeeded')).toEqual([]);
      // The killed worker's instance is the one that expired; the survivor's is still there.
      const [survivorId, ...others] = await workerIds();
      expect(others).toEqual([]);
      expect(workers).toContain(survivorId);
      const killedId = workers.find((id) => id !== survivorId);
      const victim = killedWhileRunning.find((r) => r.worker_id === killedId);
      expect(victim, 'the job the killed worker was running').toBeDefined();
      expect(jobs.find((j) => j.id === victim!.id), 'the job the killed worker was running').toMatchObject({ status: 'succeeded', attempts: 2, worker_id: survivorId });
      expect(jobs.filter((j) => j.attempts === 2).length).toBeGreaterThanOrEqual(1);
      // Both workers ran jobs before the kill.
      expect(jobs.filter((j) => j.worker_id === killedId).length, 'jobs done by the killed worker').toBeGreaterThan(0);
      const perJob = await query<{ job_id: string; n: number }>(`SELECT job_id, count(*)::int AS n FROM image_nodes GROUP BY job_id HAVING count(*) <> 1`);
      expect(perJob, 'jobs with other than one node').toEqual([]);
      const nodes = await query<{ id: number; job_id: string; filename: string; sha256: string; deleted_at: string | null }>(
        `SELECT id, job_id, filename, sha256, deleted_at FROM image_nodes ORDER BY id`,
      );
      expect(nodes).toHaveLength(JOBS);
      expect(nodes.filter((n) => n.deleted_at !== null)).toEqual([]);
      const byJob = new Map(nodes.map((n) => [n.job_id, n]));
      for (const c of clients) expect(c.completed!.images[0]!.id).toBe(byJob.get(c.jobId!)!.id);
      expect(await query(`SELECT filename, owner FROM pending_files`), 'pending_files').toEqual([]);

      // Every node's image is in the bucket with the bytes it records, with its thumbnail; nothing else is.
      const keys = await listKeys(s3, bucket);
      const expected = new Set(nodes.flatMap((n) => [`${S3_PREFIX}images/${n.filename}`, `${S3_PREFIX}thumbs/${n.filename.replace(/\.png$/, '.webp')}`]));
      expect(keys.filter((k) => !expected.has(k)), 'objects without a live node').toEqual([]);
      expect([...expected].filter((k) => !keys.includes(k)), 'nodes without their objects').toEqual([]);
      const hashes = await Promise.all(
        nodes.map(async (n) => {
          const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${S3_PREFIX}images/${n.filename}` }));
          return { filename: n.filename, sha256: crypto.createHash('sha256').update(await object.Body!.transformToByteArray()).digest('hex') };
        }),
      );
      expect(hashes).toEqual(nodes.map((n) => ({ filename: n.filename, sha256: n.sha256 })));

      // Redis: the queue used the test's prefix, and nothing else was made.
      expect(ours.size, `keys under ${prefix}`).toBeGreaterThan(0);
      expect([...foreign], 'Redis keys made outside the test prefix').toEqual([]);

      expect(survivor.exitStatus).toBeNull();
    },
    TEST_TIMEOUT,
  );
});
