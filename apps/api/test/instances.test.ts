/**
 * Several instances on one database: an API that only submits, workers that run jobs, job events
 * shared between them, and jobs taken over only from an instance that is really gone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessJobEvents } from '../src/adapters/in-process-job-events.ts';
import { GatedProvider, listFiles, makeDataDir, SMALL, startTestApp, until, type TestApp } from './harness.ts';
import { listen } from './http-helpers.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
});

const FAST = { ttlMs: 400, heartbeatMs: 100 };

async function start(dataDir: string, role: 'api' | 'worker', options: Parameters<typeof startTestApp>[0] = {}) {
  const t = await startTestApp({ dataDir, env: { IMAGEFLOW_ROLE: role }, instance: FAST, ...options });
  apps.push(t);
  return t;
}

async function jobStatus(t: TestApp, id: string) {
  return (await t.app.inject({ url: `/api/generations/${id}` })).json();
}

describe('an API and workers in separate instances', () => {
  it('a job submitted to the API runs on a worker, and its events reach the API\'s event stream', async () => {
    const dataDir = await makeDataDir();
    const events = new InProcessJobEvents();
    const api = await start(dataDir, 'api', { events });
    await start(dataDir, 'worker', { events });
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'split roles', spec: SMALL } })).json();
    const seen: string[] = [];
    const unsubscribe = api.services.generations.subscribe(job.id, (event) => seen.push(event.type));
    const done = await api.services.generations.waitUntilFinished(job.id);
    unsubscribe();
    expect(done.status).toBe('succeeded');
    expect(done.images).toHaveLength(1);
    expect(seen).toContain('progress');
    expect(seen.at(-1)).toBe('completed');
  });

  it('without shared events, a waiting request still learns the outcome from the jobs table', async () => {
    const dataDir = await makeDataDir();
    const api = await start(dataDir, 'api');
    await start(dataDir, 'worker');
    const res = await api.app.inject({ method: 'POST', url: '/api/images/generate', payload: { prompt: 'polled', spec: SMALL } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().images[0].prompt).toBe('polled');
  });

  it('without shared events, an event stream still ends with the final state, read from the jobs table', async () => {
    const dataDir = await makeDataDir();
    const api = await start(dataDir, 'api');
    const port = await listen(api.app);
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'streamed', spec: SMALL } })).json();
    const res = await fetch(`http://127.0.0.1:${port}/api/generations/${job.id}/events`);
    // The worker's events never reach this API: only the row can tell the stream how the job ended.
    await start(dataDir, 'worker');
    const text = await res.text();
    expect(text).toMatch(/^event: progress\n/);
    expect(text).toMatch(/event: completed\ndata: .*"status":"succeeded"/);
  });

  it('an API that stops ends its event streams instead of waiting on them forever', async () => {
    const dataDir = await makeDataDir();
    const api = await start(dataDir, 'api');
    const port = await listen(api.app);
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'never runs', spec: SMALL } })).json();
    const res = await fetch(`http://127.0.0.1:${port}/api/generations/${job.id}/events`);
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toMatch(/event: progress/);
    await api.close();
    apps.splice(apps.indexOf(api), 1);
    // The stream has ended: the rest reads to its end.
    while (!(await reader.read()).done);
  });

  it('an API instance runs no jobs', async () => {
    const dataDir = await makeDataDir();
    const api = await start(dataDir, 'api');
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'waits', spec: SMALL } })).json();
    await new Promise((r) => setTimeout(r, 300));
    expect((await jobStatus(api, job.id)).status).toBe('queued');
  });

  it('a cancel sent to the API stops the job on the worker running it', async () => {
    const dataDir = await makeDataDir();
    const events = new InProcessJobEvents();
    const provider = new GatedProvider();
    const api = await start(dataDir, 'api', { events });
    const worker = await start(dataDir, 'worker', { events, provider });
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'stop me', spec: SMALL } })).json();
    await provider.waitForStart();
    const canceled = await api.app.inject({ method: 'DELETE', url: `/api/generations/${job.id}` });
    expect(canceled.json().status).toBe('canceled');
    await worker.services.queue.idle();
    expect((await jobStatus(api, job.id)).status).toBe('canceled');
    expect(await listFiles(dataDir)).toEqual([]);
  });
});

describe('taking over from an instance that is gone', () => {
  it('a worker that stops beating has its job run by another, once; its late result is thrown away', async () => {
    const dataDir = await makeDataDir();
    const stalled = new GatedProvider();
    const api = await start(dataDir, 'api');
    const a = await start(dataDir, 'worker', { provider: stalled, env: { IMAGEFLOW_ROLE: 'worker', IMAGEFLOW_JOB_CONCURRENCY: '1' } });
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'taken over', spec: SMALL } })).json();
    await stalled.waitForStart();
    // Worker A stalls: it still holds the job but no longer beats.
    a.services.instance.halt();
    const b = await start(dataDir, 'worker');
    await until(async () => (await jobStatus(api, job.id)).status === 'succeeded', 'worker B to finish the job');
    const done = await jobStatus(api, job.id);
    expect(done.attempts).toBe(2);
    expect(done.images).toHaveLength(1);

    // A wakes up and finishes its run: the job is no longer its own, so nothing of it is kept.
    stalled.letGo();
    await a.services.queue.idle();
    expect((await jobStatus(api, job.id)).images).toHaveLength(1);
    expect((await api.app.inject({ url: '/api/images' })).json().items).toHaveLength(1);
    expect(await listFiles(dataDir)).toHaveLength(2);
    await b.services.queue.idle();
  });

  it('a live instance keeps its jobs and its pending files, however often others sweep', async () => {
    const dataDir = await makeDataDir();
    const provider = new GatedProvider();
    const api = await start(dataDir, 'api');
    const worker = await start(dataDir, 'worker', { provider });
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'mine', spec: SMALL } })).json();
    await provider.waitForStart();
    await worker.db.insertInto('pending_files').values({ filename: 'sdxl_22222222-2222-4222-8222-222222222222.png', created_at: new Date().toISOString(), owner: worker.services.instance.id }).execute();
    for (let i = 0; i < 3; i++) await api.services.instance.sweep();
    await new Promise((r) => setTimeout(r, 3 * FAST.ttlMs));
    await api.services.instance.sweep();
    const running = await jobStatus(api, job.id);
    expect(running).toMatchObject({ status: 'running', attempts: 1 });
    expect(await worker.db.selectFrom('pending_files').select('filename').execute()).toHaveLength(1);
    provider.letGo();
    await until(async () => (await jobStatus(api, job.id)).status === 'succeeded', 'the job to finish');
  });

  it('a worker that stops gracefully hands its running job back, and another worker runs it', async () => {
    const dataDir = await makeDataDir();
    const provider = new GatedProvider();
    const api = await start(dataDir, 'api');
    const leaving = await start(dataDir, 'worker', { provider });
    const job = (await api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'handed back', spec: SMALL } })).json();
    await provider.waitForStart();
    await leaving.close();
    apps.splice(apps.indexOf(leaving), 1);
    expect((await jobStatus(api, job.id)).status).toBe('queued');
    await start(dataDir, 'worker');
    await until(async () => (await jobStatus(api, job.id)).status === 'succeeded', 'another worker to run the job');
  });
});
