/**
 * Scale-out on a real Redis: the queue on BullMQ and job events over pub/sub, between an API
 * instance and worker instances that share nothing else but the database.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GatedProvider, listFiles, makeDataDir, SMALL, startTestApp, until, type TestApp } from './harness.ts';
import { redisAvailable, redisTestPrefix, removeRedisKeys, TEST_REDIS_URL } from './support/redis.ts';

const prefix = redisTestPrefix();
const available = await redisAvailable();
const apps: TestApp[] = [];

afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
});
afterAll(async () => {
  if (available) await removeRedisKeys(prefix);
});

async function start(dataDir: string, role: 'api' | 'worker', options: Parameters<typeof startTestApp>[0] = {}) {
  const t = await startTestApp({ dataDir, env: { IMAGEFLOW_ROLE: role }, redis: { url: TEST_REDIS_URL, prefix }, instance: { ttlMs: 500, heartbeatMs: 100 }, ...options });
  apps.push(t);
  return t;
}

describe.skipIf(!available)('BullMQ queue and Redis job events', () => {
  it('a job submitted to one API runs on a worker at once, and its events reach the API that serves the client', async () => {
    const dataDir = await makeDataDir();
    const api = await start(dataDir, 'api');
    await start(dataDir, 'worker');
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'over redis', spec: SMALL } })).json();
    const seen: string[] = [];
    const unsubscribe = api.services.generations.subscribe(job.id, (event) => seen.push(event.type));
    const done = await api.services.generations.waitUntilFinished(job.id);
    unsubscribe();
    expect(done.status).toBe('succeeded');
    expect(done.images).toHaveLength(1);
    expect(seen).toContain('progress');
    expect(seen.at(-1)).toBe('completed');
  });

  it('a cancel sent to the API reaches the worker that runs the job', async () => {
    const dataDir = await makeDataDir();
    const provider = new GatedProvider();
    const api = await start(dataDir, 'api');
    const worker = await start(dataDir, 'worker', { provider });
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'cancel over redis', spec: SMALL } })).json();
    await provider.waitForStart();
    expect((await api.app.inject({ method: 'DELETE', url: `/api/generations/${job.id}` })).json().status).toBe('canceled');
    await worker.services.queue.idle();
    expect((await api.app.inject({ url: `/api/generations/${job.id}` })).json().status).toBe('canceled');
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('a worker that dies mid-job has it run by another worker, exactly once', async () => {
    const dataDir = await makeDataDir();
    const stalled = new GatedProvider();
    const api = await start(dataDir, 'api');
    const dying = await start(dataDir, 'worker', { provider: stalled });
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'survives a worker', spec: SMALL } })).json();
    await stalled.waitForStart();
    await dying.crash();
    apps.splice(apps.indexOf(dying), 1);
    await start(dataDir, 'worker');
    await until(async () => (await api.app.inject({ url: `/api/generations/${job.id}` })).json().status === 'succeeded', 'another worker to take the job over');
    const done = (await api.app.inject({ url: `/api/generations/${job.id}` })).json();
    expect(done.attempts).toBe(2);
    expect(done.images).toHaveLength(1);
    expect(await listFiles(dataDir)).toHaveLength(2);
  });
});
