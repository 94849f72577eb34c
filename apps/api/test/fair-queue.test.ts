/**
 * The order workers take queued jobs in: clients take turns, so one client's long batch does not hold
 * back another's single image, and a backend never runs more jobs at once than its limit, however
 * many workers there are. Runs on SQLite and on PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KyselyJobRepository } from '../src/adapters/kysely-job.repository.ts';
import { migrate, type Db } from '../src/db/database.ts';
import type { JobRecord } from '../src/ports/job.repository.port.ts';
import type { Provider, ProviderRequest, ProviderRunOptions } from '../src/ports/provider.port.ts';
import { BuiltinProvider } from '../src/providers/builtin/builtin.provider.ts';
import { ProviderRegistry } from '../src/services/provider-registry.ts';
import { makeDataDir, openTestDatabase, SMALL, startTestApp, until, type TestApp } from './harness.ts';
import { queuedJob } from './support/jobs.ts';

const apps: TestApp[] = [];
const dbs: Db[] = [];
afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
  await Promise.all(dbs.splice(0).map((db) => db.destroy()));
});

async function jobsTable() {
  const db = await openTestDatabase(await makeDataDir());
  dbs.push(db);
  await migrate(db);
  return { db, jobs: new KyselyJobRepository(db) };
}

let clock = Date.parse('2026-01-01T00:00:00.000Z');
/** A queued job of `client`, created after every job before it. */
function queued(client: string, provider = 'builtin'): JobRecord {
  return queuedJob({ createdAt: new Date(clock++).toISOString(), provider, client });
}

async function insert(jobs: KyselyJobRepository, records: JobRecord | JobRecord[]): Promise<void> {
  for (const record of [records].flat()) await jobs.insert(record);
}

function now(): string {
  return new Date(clock++).toISOString();
}

describe('the fair pick', () => {
  it('takes clients in turns, one job each, while one worker finishes each job before the next', async () => {
    const { db, jobs } = await jobsTable();
    const batch = [...Array.from({ length: 6 }, () => queued('ip:a')), ...Array.from({ length: 3 }, () => queued('ip:b')), queued('ip:c')];
    await insert(jobs, batch);
    const label = new Map(batch.map((j, i) => [j.id, `${j.client_key.slice(3)}${i < 6 ? i + 1 : i < 9 ? i - 5 : 1}`]));

    const order: string[] = [];
    for (let job = await jobs.claim('w', now(), {}); job; job = await jobs.claim('w', now(), {})) {
      order.push(label.get(job.id)!);
      await db.updateTable('jobs').set({ status: 'succeeded', finished_at: now() }).where('id', '=', job.id).execute();
    }
    expect(order).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3', 'b3', 'a4', 'a5', 'a6']);
  });

  it('a client that comes late with one image goes next, not after the batch', async () => {
    const { jobs } = await jobsTable();
    await insert(jobs, Array.from({ length: 50 }, () => queued('ip:batch')));
    const first = await jobs.claim('w', now(), {});
    expect(first?.client_key).toBe('ip:batch');
    const single = queued('ip:single');
    await insert(jobs, single);
    // Four workers' worth of running jobs: the batch holds the first, the single image the second.
    expect((await jobs.claim('w', now(), {}))?.id).toBe(single.id);
    expect((await jobs.claim('w', now(), {}))?.client_key).toBe('ip:batch');
  });

  it('passes over jobs whose backend runs its limit, without holding back the rest, and takes them when a slot frees', async () => {
    const { db, jobs } = await jobsTable();
    const gpu1 = queued('ip:a', 'gpu-box');
    const gpu2 = queued('ip:a', 'gpu-box');
    const cpu = queued('ip:a', 'builtin');
    await insert(jobs, [gpu1, gpu2, cpu]);
    const limits = { 'gpu-box': 1 };

    expect((await jobs.claim('w', now(), limits))?.id).toBe(gpu1.id);
    expect((await jobs.claim('w', now(), limits))?.id).toBe(cpu.id);
    expect(await jobs.claim('w', now(), limits)).toBeUndefined();
    await db.updateTable('jobs').set({ status: 'succeeded' }).where('id', '=', gpu1.id).execute();
    expect((await jobs.claim('w', now(), limits))?.id).toBe(gpu2.id);
  });

  it('a job handed back keeps its place ahead of its client\'s later jobs', async () => {
    const { jobs } = await jobsTable();
    const batch = Array.from({ length: 3 }, () => queued('ip:a'));
    await insert(jobs, batch);
    const taken = await jobs.claim('gone', now(), {});
    expect(taken?.id).toBe(batch[0]!.id);
    expect(await jobs.requeue(taken!.id, 'gone')).toBe(true);
    expect((await jobs.claim('w', now(), {}))?.id).toBe(batch[0]!.id);
  });
});

/** One backend seen from several workers: each worker has its own client for it, as separate processes would. */
class Backend {
  running = 0;
  most = 0;
  private releases: Array<() => void> = [];

  client(limit: number): Provider {
    const backend = this;
    const inner = new BuiltinProvider();
    return {
      name: 'gpu-box',
      kind: 'comfyui',
      isAi: true,
      concurrency: limit,
      async generate(request: ProviderRequest, options?: ProviderRunOptions) {
        backend.running++;
        backend.most = Math.max(backend.most, backend.running);
        try {
          await new Promise<void>((resolve) => backend.releases.push(resolve));
          return await inner.generate(request, options);
        } finally {
          backend.running--;
        }
      },
      health: () => inner.health(),
      models: () => inner.models(),
    };
  }

  /** Runs held by the test, not yet let go. */
  get held(): number {
    return this.releases.length;
  }

  finishOne(): void {
    this.releases.shift()?.();
  }
}

describe('through the API', () => {
  async function instance(dataDir: string, role: 'api' | 'worker', options: Parameters<typeof startTestApp>[0] = {}) {
    const t = await startTestApp({ dataDir, env: { IMAGEFLOW_ROLE: role, ...options.env }, instance: { ttlMs: 400, heartbeatMs: 100 }, ...options });
    apps.push(t);
    return t;
  }

  async function submit(api: TestApp, prompt: string, remoteAddress: string): Promise<string> {
    const res = await api.app.inject({ method: 'POST', url: '/api/generations', remoteAddress, payload: { prompt, spec: SMALL } });
    expect(res.statusCode).toBe(202);
    return res.json().id;
  }

  it('a batch of 8 from one address and one image from another: the worker takes the single image second', async () => {
    const dataDir = await makeDataDir();
    const api = await instance(dataDir, 'api');
    const batch: string[] = [];
    for (let i = 0; i < 8; i++) batch.push(await submit(api, `batch ${i}`, '10.0.0.1'));
    const single = await submit(api, 'just one', '10.0.0.2');
    await instance(dataDir, 'worker', { env: { IMAGEFLOW_JOB_CONCURRENCY: '1' } });
    await until(async () => (await api.db.selectFrom('jobs').select('id').where('status', '!=', 'succeeded').execute()).length === 0, 'every job to finish');

    const started = await api.db.selectFrom('jobs').select(['id', 'client_key']).orderBy('started_at').execute();
    expect(started.map((j) => j.id).indexOf(single)).toBe(1);
    expect(new Set(started.map((j) => j.client_key))).toEqual(new Set(['ip:10.0.0.1', 'ip:10.0.0.2']));
  });

  it('a client is its address; X-Forwarded-For counts only when it comes from a trusted proxy', async () => {
    const submitAs = async (t: TestApp, remoteAddress: string, forwardedFor: string) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/generations', remoteAddress, headers: { 'x-forwarded-for': forwardedFor }, payload: { prompt: 'who', spec: SMALL } });
      expect(res.statusCode).toBe(202);
      return (await t.db.selectFrom('jobs').select('client_key').where('id', '=', res.json().id).executeTakeFirstOrThrow()).client_key;
    };
    const direct = await instance(await makeDataDir(), 'api');
    // A client cannot pass for someone else by sending the header itself.
    expect(await submitAs(direct, '203.0.113.7', '198.51.100.1')).toBe('ip:203.0.113.7');
    const proxied = await instance(await makeDataDir(), 'api', { env: { IMAGEFLOW_TRUST_PROXY: '10.0.0.5' } });
    expect(await submitAs(proxied, '10.0.0.5', '198.51.100.1')).toBe('ip:198.51.100.1');
    expect(await submitAs(proxied, '203.0.113.7', '198.51.100.1')).toBe('ip:203.0.113.7');
  });

  it('two workers never run more jobs on a backend than its limit between them', async () => {
    const dataDir = await makeDataDir();
    const backend = new Backend();
    const providers = () => ProviderRegistry.single(backend.client(2));
    const api = await instance(dataDir, 'api', { providers: providers() });
    await instance(dataDir, 'worker', { providers: providers(), env: { IMAGEFLOW_JOB_CONCURRENCY: '4' } });
    await instance(dataDir, 'worker', { providers: providers(), env: { IMAGEFLOW_JOB_CONCURRENCY: '4' } });
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await submit(api, `limited ${i}`, '10.0.0.1'));

    await until(() => backend.held === 2, 'two jobs to run');
    // Time for a worker that ignored the limit to start a third.
    await new Promise((r) => setTimeout(r, 500));
    expect(backend.running).toBe(2);
    for (let done = 0; done < 6; done++) {
      await until(() => backend.held > 0, 'a job to run');
      backend.finishOne();
    }
    await until(async () => (await api.db.selectFrom('jobs').select('id').where('status', '=', 'succeeded').execute()).length === 6, 'every job to finish');
    expect(backend.most).toBe(2);
  });
});
