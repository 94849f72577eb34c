/**
 * The retention rule (IMAGEFLOW_RETENTION_DAYS): old unstarred images go (their recipe stays in the
 * lineage as a tombstone); starred images, their ancestors and whatever a live share link shows stay;
 * a dry run says what a run would remove; one instance of a cluster runs it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { listFiles, makeDataDir, SMALL, startTestApp, type TestApp } from './harness.ts';
import { errorOf } from './http-helpers.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
});

async function start(env: Record<string, string> = {}, dataDir?: string): Promise<TestApp> {
  const t = await startTestApp({ dataDir, env: { IMAGEFLOW_RETENTION_DAYS: '30', ...env } });
  apps.push(t);
  return t;
}

async function make(app: FastifyInstance, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'POST', url: '/api/images/generate', headers, payload: { ...body, spec: SMALL } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().images[0] as { id: number; filename: string; bytes: number };
}

const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();

describe('retention', () => {
  it('removes old unstarred images, keeping starred ones, their ancestors, live shares and recent images; the dry run says exactly what', async () => {
    const t = await start();
    const old = await make(t.app, { prompt: 'old and unloved' });
    const starredRoot = await make(t.app, { prompt: 'old root of a starred image' });
    const starred = await make(t.app, { prompt: 'starred', parent_id: starredRoot.id, action_type: 'variation' });
    const sharedRoot = await make(t.app, { prompt: 'root above a shared branch' });
    const shared = await make(t.app, { prompt: 'shared branch', parent_id: sharedRoot.id, action_type: 'variation' });
    const sharedChild = await make(t.app, { prompt: 'inside the shared branch', parent_id: shared.id, action_type: 'variation' });
    const revokedShare = await make(t.app, { prompt: 'shared, but the link was revoked' });
    const recent = await make(t.app, { prompt: 'made last week' });

    await t.app.inject({ method: 'PATCH', url: `/api/images/${starred.id}`, payload: { starred: true } });
    await t.app.inject({ method: 'POST', url: '/api/shares', payload: { node_id: shared.id, scope: 'branch' } });
    const revoked = (await t.app.inject({ method: 'POST', url: '/api/shares', payload: { node_id: revokedShare.id } })).json();
    await t.app.inject({ method: 'DELETE', url: `/api/shares/${revoked.id}` });
    await t.db.updateTable('image_nodes').set({ created_at: daysAgo(90) }).where('id', '!=', recent.id).execute();
    await t.db.updateTable('image_nodes').set({ created_at: daysAgo(7) }).where('id', '=', recent.id).execute();

    const plan = (await t.app.inject({ url: '/api/admin/retention' })).json();
    expect(plan).toEqual({ days: 30, images: 2, bytes: old.bytes + revokedShare.bytes, sample: [old.id, revokedShare.id] });

    const ran = (await t.app.inject({ method: 'POST', url: '/api/admin/retention/run' })).json();
    expect(ran).toEqual({ images: 2, bytes: old.bytes + revokedShare.bytes });
    for (const gone of [old, revokedShare]) {
      // A tombstone with its recipe stays in the lineage; the files are gone.
      expect((await t.app.inject({ url: `/api/images/${gone.id}` })).json()).toMatchObject({ id: gone.id, url: null, deleted_at: expect.any(String) });
      expect(await listFiles(t.dataDir)).not.toContain(`images/${gone.filename}`);
    }
    for (const kept of [starredRoot, starred, sharedRoot, shared, sharedChild, recent]) {
      expect((await t.app.inject({ url: `/api/images/${kept.id}` })).json().deleted_at, `image ${kept.id}`).toBeNull();
    }
    expect((await t.app.inject({ url: '/api/admin/retention' })).json()).toMatchObject({ images: 0, bytes: 0 });
  });

  it('is off unless configured: the dry run says so and nothing goes', async () => {
    const t = await start({ IMAGEFLOW_RETENTION_DAYS: '' });
    await make(t.app, { prompt: 'kept forever' });
    await t.db.updateTable('image_nodes').set({ created_at: daysAgo(3650) }).execute();
    expect((await t.app.inject({ url: '/api/admin/retention' })).json()).toEqual({ days: null, images: 0, bytes: 0, sample: [] });
    expect((await t.app.inject({ method: 'POST', url: '/api/admin/retention/run' })).json()).toEqual({ images: 0, bytes: 0 });
  });

  it('runs once a day for the whole cluster, however many instances look', async () => {
    const dataDir = await makeDataDir();
    const one = await start({ IMAGEFLOW_ROLE: 'api' }, dataDir);
    const two = await start({ IMAGEFLOW_ROLE: 'worker' }, dataDir);
    // Both started and looked: one of them claimed today's run.
    expect(Date.parse((await one.db.selectFrom('maintenance').select('next_run_at').executeTakeFirstOrThrow()).next_run_at)).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
    expect([await one.services.retention.runIfDue(), await two.services.retention.runIfDue()]).toEqual([false, false]);
    await one.db.updateTable('maintenance').set({ next_run_at: daysAgo(1) }).execute();
    const results = await Promise.all([one.services.retention.runIfDue(), two.services.retention.runIfDue(), one.services.retention.runIfDue()]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('with accounts, only an admin sees or runs it', async () => {
    const t = await start({ IMAGEFLOW_AUTH: 'on' });
    const user = await t.services.accounts.createUser('ada', 'ada-password', 'user');
    const headers = { authorization: `Bearer ${(await t.services.accounts.createToken(user, 'x')).token}` };
    for (const [method, url] of [['GET', '/api/admin/retention'], ['POST', '/api/admin/retention/run']] as const) {
      const res = await t.app.inject({ method, url, headers });
      expect(res.statusCode).toBe(403);
      expect(errorOf(res).code).toBe('forbidden');
    }
  });
});
