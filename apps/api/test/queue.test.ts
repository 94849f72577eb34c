/**
 * The queue as a person uses it: every job of mine listed newest first (queued ones with their place
 * in line), a failed or canceled job run again with the same recipe, and a queued job moved to the
 * front, which then starts before the jobs queued ahead of it: in process and over BullMQ. Runs on
 * SQLite and on PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { KyselyJobRepository } from '../src/adapters/kysely-job.repository.ts';
import { ProviderError } from '../src/errors.ts';
import type { Provider } from '../src/ports/provider.port.ts';
import { BuiltinProvider } from '../src/providers/builtin/builtin.provider.ts';
import { migrate } from '../src/db/database.ts';
import { GatedProvider, makeDataDir, openTestDatabase, SMALL, startClosedAfterEach, until } from './harness.ts';
import { queuedJob } from './support/jobs.ts';
import { errorOf } from './http-helpers.ts';
import { redisAvailable, redisTestPrefix, removeRedisKeys, TEST_REDIS_URL } from './support/redis.ts';

/** Each app a test starts is closed after it. */
const start = startClosedAfterEach();

type Headers = Record<string, string>;

async function submit(app: FastifyInstance, prompt: string, headers: Headers = {}, spec: object = SMALL) {
  const res = await app.inject({ method: 'POST', url: '/api/generations', headers, payload: { prompt, spec } });
  expect(res.statusCode, res.body).toBe(202);
  return res.json() as { id: string; status: string; request: Record<string, any> };
}

async function list(app: FastifyInstance, query = '', headers: Headers = {}) {
  const res = await app.inject({ url: `/api/generations${query}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    items: Array<{ id: string; status: string; position: number | null; request: Record<string, any>; images: unknown[] }>;
    next_cursor: string | null;
    counts: { queued: number; running: number };
  };
}

async function jobOf(app: FastifyInstance, id: string) {
  return (await app.inject({ url: `/api/generations/${id}` })).json() as { status: string; started_at: string | null; images: Array<{ seed: number }> };
}

/** Lets a gated provider's runs go one at a time, each once it has started, until `count` have run. */
/** An app running one job at a time, with a job held running and another queued behind it. */
async function oneRunningOneQueued() {
  const provider = new GatedProvider();
  const t = await start({ provider, env: { IMAGEFLOW_JOB_CONCURRENCY: '1' } });
  const running = await submit(t.app, 'running');
  await provider.waitForStart();
  const queued = await submit(t.app, 'queued');
  return { provider, t, running, queued };
}

async function letRun(provider: GatedProvider, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await until(() => provider.started >= i, `run ${i} to start`);
    provider.letGo();
  }
}

/** A gated provider that remembers the prompts of its runs in the order they started. */
class RecordingGate extends GatedProvider {
  readonly order: string[] = [];
  override async generate(...args: Parameters<Provider['generate']>) {
    this.order.push(args[0].prompt);
    return super.generate(...args);
  }
}

/** Fails every run while `failing` is set, with the reason a down backend gives. */
class FlakyProvider implements Provider {
  readonly name = 'builtin';
  readonly kind = 'builtin';
  readonly isAi = false;
  failing = true;
  private readonly inner = new BuiltinProvider();
  async generate(...args: Parameters<Provider['generate']>) {
    if (this.failing) throw new ProviderError('The backend did not answer; check that it is running, then retry.');
    return this.inner.generate(...args);
  }
  health() {
    return this.inner.health();
  }
  models() {
    return this.inner.models();
  }
}

describe('GET /api/generations', () => {
  it('lists jobs newest first with their images, filters by status, pages with a cursor, and counts the active ones', async () => {
    const provider = new GatedProvider();
    const t = await start({ provider, env: { IMAGEFLOW_JOB_CONCURRENCY: '1' } });
    const first = await submit(t.app, 'first');
    await provider.waitForStart();
    provider.letGo();
    await until(async () => (await jobOf(t.app, first.id)).status === 'succeeded', 'the first job to finish');
    const running = await submit(t.app, 'running');
    await until(() => provider.started === 2, 'the second job to start');
    const queuedA = await submit(t.app, 'queued a');
    const queuedB = await submit(t.app, 'queued b');

    const all = await list(t.app);
    expect(all.items.map((j) => j.request.prompt)).toEqual(['queued b', 'queued a', 'running', 'first']);
    expect(all.items.map((j) => j.status)).toEqual(['queued', 'queued', 'running', 'succeeded']);
    expect(all.items.map((j) => j.position)).toEqual([2, 1, null, null]);
    expect(all.items[3]!.images).toHaveLength(1);
    expect(all.counts).toEqual({ queued: 2, running: 1 });
    expect(all.next_cursor).toBeNull();

    const active = await list(t.app, '?status=queued,running');
    expect(active.items.map((j) => j.id)).toEqual([queuedB.id, queuedA.id, running.id]);
    expect((await list(t.app, '?status=succeeded')).items.map((j) => j.id)).toEqual([first.id]);
    // Counts are of what is active now, whatever the filter.
    expect((await list(t.app, '?status=succeeded')).counts).toEqual({ queued: 2, running: 1 });

    const page1 = await list(t.app, '?limit=3');
    expect(page1.items).toHaveLength(3);
    const page2 = await list(t.app, `?limit=3&cursor=${page1.next_cursor}`);
    expect(page2.items.map((j) => j.id)).toEqual([first.id]);
    expect(page2.next_cursor).toBeNull();

    await letRun(provider, 4);
    await t.services.queue.idle();
  });

  it('gives each job of a page exactly the images it made, as the job itself answers', async () => {
    const t = await start();
    const made = [await submit(t.app, 'two at once', {}, { ...SMALL, batch_size: 2 }), await submit(t.app, 'one'), await submit(t.app, 'three', {}, { ...SMALL, batch_size: 3 })];
    for (const job of made) await until(async () => (await jobOf(t.app, job.id)).status === 'succeeded', `job ${job.id} to finish`);
    await t.services.queue.idle();

    const page = await list(t.app);
    const listed = new Map(page.items.map((j) => [j.id, j.images]));
    for (const job of made) {
      const own = (await t.app.inject({ url: `/api/generations/${job.id}` })).json() as { images: unknown[] };
      expect(listed.get(job.id), job.id).toEqual(own.images);
    }
    expect(made.map((j) => listed.get(j.id)!.length)).toEqual([2, 1, 3]);
  });

  it('refuses a status or cursor it does not know, saying what it takes', async () => {
    const t = await start();
    const bad = await t.app.inject({ url: '/api/generations?status=queued,done' });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).message).toBe(
      'query status: "done" is not a job status; name one or more of queued, running, succeeded, failed, canceled, separated by commas (e.g. queued,running)',
    );
    expect((await t.app.inject({ url: '/api/generations?status=,' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/generations?status=queued&status=running' })).statusCode).toBe(400);
    const cursor = await t.app.inject({ url: '/api/generations?cursor=abc' });
    expect(cursor.statusCode).toBe(400);
    expect(errorOf(cursor).message).toMatch(/cursor is not valid/);
    expect((await t.app.inject({ url: '/api/generations?limit=0' })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/generations?limit=201' })).statusCode).toBe(400);
  });

  it('with accounts, each person sees only their own jobs, an admin too; another person\'s job answers 404 to retry and front', async () => {
    const provider = new GatedProvider();
    const t = await start({ provider, env: { IMAGEFLOW_AUTH: 'on', IMAGEFLOW_JOB_CONCURRENCY: '1' } });
    const bearer = async (name: string, role: 'admin' | 'user') => {
      const user = await t.services.accounts.createUser(name, `${name}-password`, role);
      return { authorization: `Bearer ${(await t.services.accounts.createToken(user, 'test')).token}` };
    };
    const ann = await bearer('ann', 'user');
    const bob = await bearer('bob', 'user');
    const admin = await bearer('root', 'admin');
    await submit(t.app, 'ann running', ann);
    await provider.waitForStart();
    const annQueued = await submit(t.app, 'ann queued', ann);
    const bobQueued = await submit(t.app, 'bob queued', bob);

    const anns = await list(t.app, '', ann);
    expect(anns.items.map((j) => j.request.prompt)).toEqual(['ann queued', 'ann running']);
    expect(anns.items[0]!.position).toBe(1);
    expect(anns.counts).toEqual({ queued: 1, running: 1 });
    const bobs = await list(t.app, '', bob);
    expect(bobs.items.map((j) => j.request.prompt)).toEqual(['bob queued']);
    // Bob's only queued job is first in his line, whoever else waits.
    expect(bobs.items[0]!.position).toBe(1);
    expect(bobs.counts).toEqual({ queued: 1, running: 0 });
    expect((await list(t.app, '', admin)).items).toEqual([]);

    for (const action of ['front', 'retry']) {
      const res = await t.app.inject({ method: 'POST', url: `/api/generations/${annQueued.id}/${action}`, headers: bob });
      expect(res.statusCode).toBe(404);
      expect(errorOf(res).message).toBe(`No generation job with id "${annQueued.id}".`);
    }
    expect((await t.app.inject({ method: 'POST', url: `/api/generations/${bobQueued.id}/front`, headers: bob })).statusCode).toBe(200);
    const signedOut = await t.app.inject({ url: '/api/generations' });
    expect(signedOut.statusCode).toBe(401);

    await letRun(provider, 3);
    await t.services.queue.idle();
  });
});

describe('POST /api/generations/:id/front', () => {
  it('moves a queued job to the front: it starts next, and the latest move goes first', async () => {
    const provider = new RecordingGate();
    const t = await start({ provider, env: { IMAGEFLOW_JOB_CONCURRENCY: '1' } });
    await submit(t.app, 'a');
    await provider.waitForStart();
    await submit(t.app, 'b');
    const c = await submit(t.app, 'c');
    const d = await submit(t.app, 'd');

    const moved = await t.app.inject({ method: 'POST', url: `/api/generations/${d.id}/front` });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ id: d.id, status: 'queued', position: 1 });
    expect((await t.app.inject({ method: 'POST', url: `/api/generations/${c.id}/front` })).json().position).toBe(1);
    const positions = Object.fromEntries((await list(t.app, '?status=queued')).items.map((j) => [j.request.prompt, j.position]));
    expect(positions).toEqual({ c: 1, d: 2, b: 3 });

    await letRun(provider, 4);
    await t.services.queue.idle();
    expect(provider.order).toEqual(['a', 'c', 'd', 'b']);
    expect((await list(t.app)).items.map((j) => j.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });

  it('moves it ahead of its own client\'s jobs only: clients still take turns', async () => {
    const db = await openTestDatabase(await makeDataDir());
    await migrate(db);
    const jobs = new KyselyJobRepository(db);
    let clock = Date.parse('2026-01-01T00:00:00.000Z');
    const now = () => new Date(clock++).toISOString();
    const made = [queuedJob({ createdAt: now(), client: 'ip:a' }), queuedJob({ createdAt: now(), client: 'ip:a' }), queuedJob({ createdAt: now(), client: 'ip:a' }), queuedJob({ createdAt: now(), client: 'ip:b' })];
    for (const job of made) await jobs.insert(job);
    const name = new Map(made.map((j, i) => [j.id, ['a1', 'a2', 'a3', 'b1'][i]!]));
    expect(await jobs.moveToFront(made[2]!.id, now())).toBe(true);
    expect((await jobs.queuedOrder(undefined)).map((id) => name.get(id))).toEqual(['a3', 'a1', 'a2', 'b1']);
    const order: string[] = [];
    for (let job = await jobs.claim('w', now(), {}); job; job = await jobs.claim('w', now(), {})) {
      order.push(name.get(job.id)!);
      await db.updateTable('jobs').set({ status: 'succeeded', finished_at: now() }).where('id', '=', job.id).execute();
    }
    expect(order).toEqual(['a3', 'b1', 'a1', 'a2']);
    expect(await jobs.moveToFront(made[0]!.id, now())).toBe(false);
    await db.destroy();
  });

  it('cancels with queued_only=true only a job that still waits: one that has started answers 409 and runs on', async () => {
    const { provider, t, running, queued } = await oneRunningOneQueued();

    const left = await t.app.inject({ method: 'DELETE', url: `/api/generations/${running.id}?queued_only=true` });
    expect(left.statusCode).toBe(409);
    expect(errorOf(left).message).toBe(`Job ${running.id} has started, so it was left running (queued_only); cancel it without queued_only to stop it.`);
    expect((await jobOf(t.app, running.id)).status).toBe('running');
    const canceled = await t.app.inject({ method: 'DELETE', url: `/api/generations/${queued.id}?queued_only=true` });
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json().status).toBe('canceled');
    const bad = await t.app.inject({ method: 'DELETE', url: `/api/generations/${running.id}?queued_only=yes` });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad).message).toMatch(/queued_only must be "true" or "false"/);

    // The running one was never told to stop: it finishes with its image.
    provider.letGo();
    await until(async () => (await jobOf(t.app, running.id)).status === 'succeeded', 'the running job to finish');
    expect((await jobOf(t.app, running.id)).images).toHaveLength(1);
    await t.services.queue.idle();
  });

  it('cancelQueued changes a job only while it is queued, so a job claimed in between is never canceled', async () => {
    const db = await openTestDatabase(await makeDataDir());
    await migrate(db);
    const jobs = new KyselyJobRepository(db);
    const now = () => new Date().toISOString();
    const job = queuedJob({ createdAt: now(), client: 'ip:a' });
    await jobs.insert(job);
    const claimed = await jobs.claim('w', now(), {});
    expect(claimed?.id).toBe(job.id);
    expect(await jobs.cancelQueued(job.id, now(), { code: 'canceled', message: 'x' })).toBe(false);
    expect((await jobs.findById(job.id))?.status).toBe('running');
    const waiting = queuedJob({ createdAt: now(), client: 'ip:a' });
    await jobs.insert(waiting);
    expect(await jobs.cancelQueued(waiting.id, now(), { code: 'canceled', message: 'x' })).toBe(true);
    expect((await jobs.findById(waiting.id))?.status).toBe('canceled');
    await db.destroy();
  });

  it('answers 409 for a job that has started or ended, and 404 for one that does not exist', async () => {
    const { provider, t, running, queued } = await oneRunningOneQueued();
    const started = await t.app.inject({ method: 'POST', url: `/api/generations/${running.id}/front` });
    expect(started.statusCode).toBe(409);
    expect(errorOf(started).message).toBe(`Job ${running.id} has already started; only a queued job can be moved to the front.`);
    await t.app.inject({ method: 'DELETE', url: `/api/generations/${queued.id}` });
    const ended = await t.app.inject({ method: 'POST', url: `/api/generations/${queued.id}/front` });
    expect(ended.statusCode).toBe(409);
    expect(errorOf(ended).message).toBe(`Job ${queued.id} has ended (canceled); only a queued job can be moved to the front.`);
    const missing = await t.app.inject({ method: 'POST', url: '/api/generations/no-such-job/front' });
    expect(missing.statusCode).toBe(404);
    provider.letGo();
    await t.services.queue.idle();
  });
});

describe('POST /api/generations/:id/retry', () => {
  it('runs a failed job again as a new job with the same request and the seed it was given', async () => {
    const provider = new FlakyProvider();
    const t = await start({ provider });
    const failed = await submit(t.app, 'a harbour at dawn', {}, { ...SMALL, batch_size: 2 });
    await t.services.queue.idle();
    expect((await jobOf(t.app, failed.id)).status).toBe('failed');
    const seed = (await new KyselyJobRepository(t.db).findById(failed.id))!.plan.spec.seed;

    provider.failing = false;
    const res = await t.app.inject({ method: 'POST', url: `/api/generations/${failed.id}/retry` });
    expect(res.statusCode, res.body).toBe(202);
    const retried = res.json();
    expect(retried.id).not.toBe(failed.id);
    expect(retried).toMatchObject({ status: 'queued', request: { prompt: 'a harbour at dawn', spec: { ...SMALL, batch_size: 2, seed } } });
    await t.services.queue.idle();
    const done = await jobOf(t.app, retried.id);
    expect(done.status).toBe('succeeded');
    expect(done.images.map((i) => i.seed)).toEqual([seed, seed + 1]);
    // The failed job stays as it was.
    expect((await jobOf(t.app, failed.id)).status).toBe('failed');
  });

  it('runs a canceled job again; refuses a job that succeeded or has not ended', async () => {
    const { provider, t, running, queued } = await oneRunningOneQueued();
    const early = await t.app.inject({ method: 'POST', url: `/api/generations/${queued.id}/retry` });
    expect(early.statusCode).toBe(409);
    expect(errorOf(early).message).toBe(`Job ${queued.id} is still queued; only a failed or canceled job is retried. Cancel it first (DELETE /api/generations/${queued.id}) to run it again.`);
    await t.app.inject({ method: 'DELETE', url: `/api/generations/${queued.id}` });
    const again = await t.app.inject({ method: 'POST', url: `/api/generations/${queued.id}/retry` });
    expect(again.statusCode).toBe(202);
    expect(again.json().request.prompt).toBe('queued');
    await letRun(provider, 2);
    await t.services.queue.idle();
    expect((await jobOf(t.app, again.json().id)).status).toBe('succeeded');
    const succeeded = await t.app.inject({ method: 'POST', url: `/api/generations/${running.id}/retry` });
    expect(succeeded.statusCode).toBe(409);
    expect(errorOf(succeeded).message).toMatch(/succeeded; only a failed or canceled job is retried/);
  });

  it('checks the retry like a new submit: a parent moved to the trash since is refused', async () => {
    const provider = new GatedProvider();
    const t = await start({ provider, env: { IMAGEFLOW_JOB_CONCURRENCY: '1' } });
    const made = await submit(t.app, 'parent');
    await letRun(provider, 1);
    await until(async () => (await jobOf(t.app, made.id)).status === 'succeeded', 'the parent to be made');
    const parent = (await t.app.inject({ url: `/api/generations/${made.id}` })).json().images[0];
    await submit(t.app, 'blocker');
    await until(() => provider.started === 2, 'the blocker to start');
    const child = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { parent_id: parent.id, action_type: 'variation' } })).json();
    await t.app.inject({ method: 'DELETE', url: `/api/generations/${child.id}` });
    await t.app.inject({ method: 'DELETE', url: `/api/images/${parent.id}` });
    const res = await t.app.inject({ method: 'POST', url: `/api/generations/${child.id}/retry` });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).message).toMatch(/in the trash; restore it/);
    provider.letGo();
    await t.services.queue.idle();
  });
});

const redisUp = await redisAvailable();
const prefix = redisTestPrefix();
afterAll(async () => {
  if (redisUp) await removeRedisKeys(prefix);
});

describe.skipIf(!redisUp)('the queue over BullMQ', () => {
  it('a job moved to the front on the API starts next on the worker', async () => {
    const dataDir = await makeDataDir();
    const provider = new RecordingGate();
    const redis = { url: TEST_REDIS_URL, prefix };
    const api = await start({ dataDir, env: { IMAGEFLOW_ROLE: 'api' }, redis, instance: { ttlMs: 2000, heartbeatMs: 100 } });
    const worker = await start({ dataDir, provider, env: { IMAGEFLOW_ROLE: 'worker', IMAGEFLOW_JOB_CONCURRENCY: '1' }, redis, instance: { ttlMs: 2000, heartbeatMs: 100 } });
    await submit(api.app, 'a');
    await provider.waitForStart();
    const b = await submit(api.app, 'b');
    const c = await submit(api.app, 'c');
    expect((await api.app.inject({ method: 'POST', url: `/api/generations/${c.id}/front` })).json().position).toBe(1);
    await letRun(provider, 3);
    await until(async () => (await jobOf(api.app, b.id)).status === 'succeeded', 'the last job to finish');
    await worker.services.queue.idle();
    expect(provider.order).toEqual(['a', 'c', 'b']);
  });
});
