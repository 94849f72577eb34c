/**
 * Rate limits (on with accounts): a budget per user (per address when signed out) for the API, a
 * tighter one for generations and for sign-in attempts, 429 with Retry-After in the usual shape,
 * and, with Redis, one budget across every API process.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { loadConfig } from '../src/config.ts';
import { SMALL, makeDataDir, startTestApp, type TestApp } from './harness.ts';
import { errorOf } from './http-helpers.ts';
import { redisAvailable, redisTestPrefix, removeRedisKeys, TEST_REDIS_URL } from './support/redis.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
});

async function start(env: Record<string, string>, options: Parameters<typeof startTestApp>[0] = {}): Promise<TestApp> {
  const t = await startTestApp({ ...options, env: { IMAGEFLOW_AUTH: 'on', ...env } });
  apps.push(t);
  return t;
}

async function tokenFor(t: TestApp, username: string): Promise<Record<string, string>> {
  const user = await t.services.accounts.createUser(username, `${username}-password`, 'user');
  const { token } = await t.services.accounts.createToken(user, 'test');
  return { authorization: `Bearer ${token}` };
}

async function statuses(app: FastifyInstance, count: number, request: InjectOptions): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await app.inject(request)).statusCode);
  return out;
}

describe('rate limits', () => {
  it('are on with accounts and off on a laptop, unless set', () => {
    expect(loadConfig({}).rateLimits).toBeNull();
    expect(loadConfig({ IMAGEFLOW_AUTH: 'on' }).rateLimits).toEqual({ perMinute: 600, generationsPerMinute: 60, signInAttempts: 10 });
    expect(loadConfig({ IMAGEFLOW_AUTH: 'on', IMAGEFLOW_RATE_LIMIT: 'off' }).rateLimits).toBeNull();
    expect(loadConfig({ IMAGEFLOW_RATE_LIMIT: '100', IMAGEFLOW_GENERATION_RATE_LIMIT: '5', IMAGEFLOW_SIGN_IN_ATTEMPTS: '3' }).rateLimits).toEqual({ perMinute: 100, generationsPerMinute: 5, signInAttempts: 3 });
    expect(() => loadConfig({ IMAGEFLOW_RATE_LIMIT: 'lots' })).toThrow(/^Invalid IMAGEFLOW_RATE_LIMIT="lots": must be off or the number/);
  });

  it('each user has a budget of their own; past it, 429 with Retry-After in the usual shape; image files are not counted', async () => {
    const t = await start({ IMAGEFLOW_RATE_LIMIT: '5' });
    const ada = await tokenFor(t, 'ada');
    const bob = await tokenFor(t, 'bob');
    expect(await statuses(t.app, 5, { url: '/api/images', headers: ada })).toEqual([200, 200, 200, 200, 200]);
    const refused = await t.app.inject({ url: '/api/images', headers: ada });
    expect(refused.statusCode).toBe(429);
    expect(errorOf(refused)).toMatchObject({ code: 'rate_limited', message: expect.stringMatching(/try again in/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await t.app.inject({ url: '/api/images', headers: bob })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/health' })).statusCode).toBe(200);
  });

  it('generations have a tighter budget of their own', async () => {
    const t = await start({ IMAGEFLOW_GENERATION_RATE_LIMIT: '2' });
    const ada = await tokenFor(t, 'ada');
    const submit = { method: 'POST' as const, url: '/api/generations', headers: ada, payload: { prompt: 'limited', spec: SMALL } };
    expect(await statuses(t.app, 3, submit)).toEqual([202, 202, 429]);
    expect(await t.db.selectFrom('jobs').select('id').execute()).toHaveLength(2);
    // Reading is another budget.
    expect((await t.app.inject({ url: '/api/images', headers: ada })).statusCode).toBe(200);
  });

  it('one user may have only so many generations queued or running; another user is not held back', async () => {
    const t = await start({ IMAGEFLOW_MAX_QUEUED_PER_USER: '2', IMAGEFLOW_ROLE: 'api' });
    const ada = await tokenFor(t, 'ada');
    const bob = await tokenFor(t, 'bob');
    const submit = (headers: Record<string, string>) => ({ method: 'POST' as const, url: '/api/generations', headers, payload: { prompt: 'waits', spec: SMALL } });
    expect(await statuses(t.app, 2, submit(ada))).toEqual([202, 202]);
    const full = await t.app.inject(submit(ada));
    expect(full.statusCode).toBe(429);
    expect(errorOf(full)).toMatchObject({ code: 'queue_full', message: expect.stringMatching(/cancel some/) });
    expect((await t.app.inject(submit(bob))).statusCode).toBe(202);
    // A canceled job frees its place.
    const [first] = await t.db.selectFrom('jobs').select('id').where('client_key', 'like', 'user:%').orderBy('created_at').execute();
    expect((await t.app.inject({ method: 'DELETE', url: `/api/generations/${first!.id}`, headers: ada })).statusCode).toBe(200);
    expect((await t.app.inject(submit(ada))).statusCode).toBe(202);
  });

  it('password guessing meets 429 after 10 attempts, even with the right password', async () => {
    const t = await start({});
    await t.services.accounts.createUser('ada', 'the-real-password', 'user');
    const guess = (password: string) => ({ method: 'POST' as const, url: '/api/auth/login', remoteAddress: '198.51.100.9', payload: { username: 'ada', password } });
    expect(await statuses(t.app, 10, guess('wrong-guess'))).toEqual(Array(10).fill(401));
    const res = await t.app.inject(guess('the-real-password'));
    expect(res.statusCode).toBe(429);
    expect(errorOf(res).code).toBe('rate_limited');
    // Another address is not held back.
    expect((await t.app.inject({ ...guess('the-real-password'), remoteAddress: '198.51.100.10' })).statusCode).toBe(200);
  });
});

const prefix = redisTestPrefix();
const redisUp = await redisAvailable();
afterAll(async () => {
  if (redisUp) await removeRedisKeys(prefix);
});

describe.skipIf(!redisUp)('rate limits across API processes', () => {
  it('with Redis, two API processes share one budget per user', async () => {
    const dataDir = await makeDataDir();
    const redis = { url: TEST_REDIS_URL, prefix };
    const one = await start({ IMAGEFLOW_RATE_LIMIT: '4', IMAGEFLOW_ROLE: 'api' }, { dataDir, redis });
    const two = await start({ IMAGEFLOW_RATE_LIMIT: '4', IMAGEFLOW_ROLE: 'api' }, { dataDir, redis });
    const ada = await tokenFor(one, 'ada');
    expect(await statuses(one.app, 2, { url: '/api/images', headers: ada })).toEqual([200, 200]);
    expect(await statuses(two.app, 2, { url: '/api/images', headers: ada })).toEqual([200, 200]);
    expect((await one.app.inject({ url: '/api/images', headers: ada })).statusCode).toBe(429);
    expect((await two.app.inject({ url: '/api/images', headers: ada })).statusCode).toBe(429);
  });
});
