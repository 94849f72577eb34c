/**
 * Redis going down while ImageFlow runs, on a redis-server of the test's own (the machine's Redis is
 * shared and must not be stopped): a submit still answers, the job waits in the database, and it
 * runs once, when Redis is back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDataDir, SMALL, startTestApp, until, type TestApp } from './harness.ts';
import { freePort } from './support/processes.ts';

const apps: TestApp[] = [];
let server: ChildProcess | null = null;
afterEach(async () => {
  // An app whose Redis is gone may not close in time; the test's own server goes either way.
  for (const t of apps.splice(0).reverse()) await Promise.race([t.close().catch(() => undefined), new Promise((r) => setTimeout(r, 5000))]);
  server?.kill('SIGKILL');
  server = null;
});

const redisInstalled = await new Promise<boolean>((resolve) => {
  const probe = spawn('redis-server', ['--version'], { stdio: 'ignore' });
  probe.once('error', () => resolve(false));
  probe.once('exit', (code) => resolve(code === 0));
});
if (!redisInstalled && process.env.CI) throw new Error('redis-server is not installed; .ci/run expects it on the machine.');

/** A throw-away redis-server on `port`, nothing saved; resolves once it answers. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await until(async () => {
      try {
        if (client.status !== 'ready') await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      }
    }, `redis-server on ${port} to answer`);
  } finally {
    client.disconnect();
  }
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe.skipIf(!redisInstalled)('Redis down while running', () => {
  it('a job submitted while Redis is down is accepted, waits, and runs once when Redis is back', async () => {
    const port = await freePort();
    server = await startRedis(port);
    const redis = { url: `redis://127.0.0.1:${port}`, prefix: 'imageflow-outage' };
    const dataDir = await makeDataDir();
    const start = async (role: 'api' | 'worker') => {
      const t = await startTestApp({ dataDir, env: { IMAGEFLOW_ROLE: role }, redis, instance: { ttlMs: 1000, heartbeatMs: 200 } });
      apps.push(t);
      return t;
    };
    const api = await start('api');
    await start('worker');
    const submit = (prompt: string) => api.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt, spec: SMALL } });
    const status = async (id: string) => (await api.app.inject({ url: `/api/generations/${id}` })).json();

    const before = (await submit('before the outage')).json();
    await until(async () => (await status(before.id)).status === 'succeeded', 'the first job to run');

    await stopRedis(server);
    const began = Date.now();
    const res = await submit('during the outage');
    expect(res.statusCode, res.body).toBe(202);
    expect(Date.now() - began).toBeLessThan(5_000);
    const during = res.json();
    // (A worker may already hold a turn it fetched before Redis went, and take the job with it: the jobs table is the truth.)

    server = await startRedis(port);
    for (let i = 0; i < 2; i++) await until(async () => (await status(during.id)).status === 'succeeded', 'the job to run once Redis is back');
    const job = await status(during.id);
    expect(job.attempts).toBe(1);
    expect(job.images).toHaveLength(1);
    const nodes = await api.db.selectFrom('image_nodes').select('id').where('job_id', '=', during.id).execute();
    expect(nodes).toHaveLength(1);
  });
});
