/**
 * Accounts (IMAGEFLOW_AUTH=on): sign-in, sessions with CSRF protection, API tokens, and every node
 * and job seen only by its owner (and admins). Someone else's id answers 404, exactly like an id
 * that does not exist.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../src/config.ts';
import { SMALL, makeDataDir, onPostgres, startTestApp, type TestApp } from './harness.ts';
import { errorOf, listen } from './http-helpers.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
});

async function start(options: { dataDir?: string; auth?: 'on' | 'off' } = {}): Promise<TestApp> {
  const t = await startTestApp({ dataDir: options.dataDir, env: { IMAGEFLOW_AUTH: options.auth ?? 'on' } });
  apps.push(t);
  return t;
}

interface Session {
  cookies: Record<string, string>;
  csrf: string;
  user: { id: string; username: string; role: string };
}

function cookiesOf(res: { cookies: Array<{ name: string; value: string }> }): Record<string, string> {
  return Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
}

async function signIn(app: FastifyInstance, username: string, password: string): Promise<Session> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  expect(res.statusCode, res.body).toBe(200);
  return { cookies: cookiesOf(res), csrf: res.json().csrf_token, user: res.json().user };
}

async function addUser(t: TestApp, username: string, role: 'admin' | 'user' = 'user'): Promise<Session> {
  await t.services.accounts.createUser(username, `${username}-password`, role);
  return signIn(t.app, username, `${username}-password`);
}

/** A request as the browser of `session` makes it: the cookies, and the CSRF header on writes. */
function as(session: Session, method: string, url: string, payload?: object) {
  return { method: method as 'GET', url, payload, cookies: session.cookies, headers: method === 'GET' ? {} : { 'x-csrf-token': session.csrf } };
}

async function generateAs(t: TestApp, session: Session, body: Record<string, unknown> = {}) {
  const res = await t.app.inject(as(session, 'POST', '/api/images/generate', { prompt: 'a lighthouse', ...body, spec: SMALL }));
  expect(res.statusCode, res.body).toBe(201);
  return res.json().images[0] as { id: number; url: string; thumbnail_url: string; job_id: string };
}

describe('accounts', () => {
  it('turns on by itself for a server reachable beyond this machine, and can be set either way', () => {
    expect(loadConfig({}).auth).toBe(false);
    expect(loadConfig({ HOST: '0.0.0.0' }).auth).toBe(true);
    expect(loadConfig({ HOST: '192.168.1.20' }).auth).toBe(true);
    expect(loadConfig({ HOST: '0.0.0.0', IMAGEFLOW_AUTH: 'off' }).auth).toBe(false);
    expect(loadConfig({ IMAGEFLOW_AUTH: 'on' }).auth).toBe(true);
    expect(() => loadConfig({ IMAGEFLOW_AUTH: 'yes' })).toThrow(/^Invalid IMAGEFLOW_AUTH="yes": must be on/);
  });

  it('signed out, private routes answer 401 in the documented shape; health, sign-in and image files do not', async () => {
    const t = await start();
    const admin = await addUser(t, 'ada', 'admin');
    const node = await generateAs(t, admin);
    for (const [method, url] of [
      ['GET', '/api/images'],
      ['GET', `/api/images/${node.id}`],
      ['DELETE', `/api/images/${node.id}`],
      ['POST', '/api/generations'],
      ['GET', '/api/tokens'],
      ['GET', '/api/models'],
    ] as const) {
      const res = await t.app.inject({ method, url, payload: method === 'POST' ? { prompt: 'x' } : undefined });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(errorOf(res).code).toBe('unauthenticated');
    }
    // No other spelling of a private path gets past sign-in.
    for (const [method, url] of [
      ['GET', '/%61pi/images'],
      ['POST', '/%61pi/generations'],
      ['GET', '/api/%69mages'],
      ['GET', '/api//images'],
      ['GET', '/./api/images'],
      ['POST', '/api/s/../generations'],
    ] as const) {
      const res = await t.app.inject({ method, url, payload: method === 'POST' ? { prompt: 'sneaky', spec: SMALL } : undefined });
      expect([401, 404], `${method} ${url}: ${res.statusCode}`).toContain(res.statusCode);
    }
    expect(await t.db.selectFrom('jobs').select('id').where('client_key', 'not like', 'user:%').execute()).toEqual([]);
    expect((await t.app.inject({ url: '/api/health' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/auth/me' })).json()).toEqual({ auth: 'on', user: null, csrf_token: null, setup_needed: false });
    // Image URLs are capabilities: whoever has the link sees the image.
    expect((await t.app.inject({ url: node.url })).statusCode).toBe(200);
    expect((await t.app.inject({ url: node.thumbnail_url })).statusCode).toBe(200);
  });

  it('first run: set-up makes the first admin once, and what was made before accounts becomes theirs', async () => {
    const dataDir = await makeDataDir();
    const laptop = await start({ dataDir, auth: 'off' });
    const before = (await laptop.app.inject({ method: 'POST', url: '/api/images/generate', payload: { prompt: 'made before accounts', spec: SMALL } })).json().images[0];
    await laptop.close();
    apps.splice(apps.indexOf(laptop), 1);

    const t = await start({ dataDir });
    expect((await t.app.inject({ url: '/api/auth/me' })).json()).toMatchObject({ auth: 'on', setup_needed: true });
    const [first, second] = await Promise.all([
      t.app.inject({ method: 'POST', url: '/api/auth/setup', payload: { username: 'Root', password: 'first-admin-pw' } }),
      t.app.inject({ method: 'POST', url: '/api/auth/setup', payload: { username: 'other', password: 'second-admin-pw' } }),
    ]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([201, 409]);
    const winner = first.statusCode === 201 ? first : second;
    expect(winner.json().user.role).toBe('admin');
    const session = { cookies: cookiesOf(winner), csrf: winner.json().csrf_token, user: winner.json().user };
    const gallery = (await t.app.inject(as(session, 'GET', '/api/images'))).json();
    expect(gallery.items.map((n: { id: number }) => n.id)).toEqual([before.id]);
    // A user made later sees none of it.
    const later = await addUser(t, 'later');
    expect((await t.app.inject(as(later, 'GET', '/api/images'))).json().items).toEqual([]);
  });

  it('signs in and out; a wrong password and an unknown name get the same 401', async () => {
    const t = await start();
    await addUser(t, 'ada', 'admin');
    const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ada', password: 'not-her-password' } });
    const unknown = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'nobody', password: 'not-her-password' } });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(errorOf(wrong)).toEqual(errorOf(unknown));
    expect(errorOf(wrong).code).toBe('invalid_credentials');
    // Names no account can have, and text a database refuses, get the same answer.
    for (const username of ['ada\u0000', '../ada', 'x'.repeat(64) + 'y']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'ada-password' } });
      expect([res.statusCode, errorOf(res).code], username).toEqual(res.statusCode === 400 ? [400, 'validation_error'] : [401, 'invalid_credentials']);
    }

    const session = await signIn(t.app, ' ADA ', 'ada-password');
    const cookie = (await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'ada', password: 'ada-password' } })).cookies.find((c) => c.name === 'imageflow_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    const me = (await t.app.inject(as(session, 'GET', '/api/auth/me'))).json();
    expect(me).toMatchObject({ auth: 'on', user: { username: 'ada', role: 'admin' }, setup_needed: false });
    expect(me.csrf_token).toEqual(expect.any(String));

    expect((await t.app.inject(as(session, 'POST', '/api/auth/logout'))).statusCode).toBe(204);
    expect((await t.app.inject(as(session, 'GET', '/api/images'))).statusCode).toBe(401);
  });

  it('a write with the session cookie but without its CSRF token is refused with 403, and nothing is made', async () => {
    const t = await start();
    const ada = await addUser(t, 'ada');
    const forged = await t.app.inject({ method: 'POST', url: '/api/generations', cookies: ada.cookies, payload: { prompt: 'from another site', spec: SMALL } });
    expect(forged.statusCode).toBe(403);
    expect(errorOf(forged)).toMatchObject({ code: 'csrf_failed', message: expect.stringMatching(/x-csrf-token/) });
    const wrongToken = await t.app.inject({ method: 'POST', url: '/api/generations', cookies: ada.cookies, headers: { 'x-csrf-token': 'guess' }, payload: { prompt: 'x', spec: SMALL } });
    expect(wrongToken.statusCode).toBe(403);
    expect(await t.db.selectFrom('jobs').select('id').execute()).toEqual([]);
    expect((await t.app.inject(as(ada, 'POST', '/api/generations', { prompt: 'from the app', spec: SMALL }))).statusCode).toBe(202);
  });

  it("another user's node, job, lineage and parent all answer 404, exactly like ids that do not exist; an admin sees them", async () => {
    const t = await start();
    const a = await addUser(t, 'alice');
    const b = await addUser(t, 'bob');
    const admin = await addUser(t, 'root', 'admin');
    const node = await generateAs(t, a, { prompt: "alice's lighthouse" });
    const job = (await t.app.inject(as(a, 'POST', '/api/generations', { prompt: 'queued by alice', spec: SMALL }))).json();

    const port = await listen(t.app);
    const MISSING_NODE = 999_999;
    const MISSING_JOB = '00000000-0000-4000-8000-000000000000';
    const tries: Array<[string, string, object?]> = [
      ['GET', `/api/images/${node.id}`],
      ['PATCH', `/api/images/${node.id}`, { starred: true }],
      ['DELETE', `/api/images/${node.id}`],
      ['GET', `/api/images/${node.id}/lineage`],
      ['GET', `/api/images/${node.id}/lineage?scope=ancestors`],
      ['POST', '/api/generations', { prompt: 'branch', parent_id: node.id, action_type: 'variation', spec: SMALL }],
      ['POST', '/api/images/generate', { prompt: 'branch', parent_id: node.id, action_type: 'remix', spec: SMALL }],
      ['GET', `/api/generations/${job.id}`],
      ['DELETE', `/api/generations/${job.id}`],
    ];
    for (const [method, url, payload] of tries) {
      const theirs = await t.app.inject(as(b, method, url, payload));
      const missingPayload = payload && JSON.parse(JSON.stringify(payload).replace(`"parent_id":${node.id}`, `"parent_id":${MISSING_NODE}`));
      const missing = await t.app.inject(as(b, method, url.replace(job.id, MISSING_JOB).replace(new RegExp(`/${node.id}(?=/|\\?|$)`), `/${MISSING_NODE}`), missingPayload));
      expect(theirs.statusCode, `${method} ${url}`).toBe(404);
      expect(errorOf(theirs).code).toBe('not_found');
      // Nothing tells "someone else's" from "no such": the same answer, but for the id itself.
      const unnamed = (message: string, ids: string[]) => ids.reduce((m, id) => m.replaceAll(id, 'ID'), message);
      expect(unnamed(errorOf(theirs).message, [job.id, String(node.id)])).toBe(unnamed(errorOf(missing).message, [MISSING_JOB, String(MISSING_NODE)]));
    }
    const events = await fetch(`http://127.0.0.1:${port}/api/generations/${job.id}/events`, { headers: { cookie: `imageflow_session=${b.cookies.imageflow_session}` } });
    expect(events.status).toBe(404);
    await events.body?.cancel();
    expect((await t.app.inject(as(b, 'GET', '/api/images'))).json().items).toEqual([]);
    expect((await t.app.inject(as(b, 'GET', '/api/images?q=lighthouse'))).json().items).toEqual([]);

    // Nothing of Alice's changed, and she and an admin still see it all.
    const mine = (await t.app.inject(as(a, 'GET', `/api/images/${node.id}`))).json();
    expect(mine).toMatchObject({ id: node.id, starred: false, deleted_at: null });
    expect((await t.app.inject(as(a, 'GET', `/api/generations/${job.id}`))).statusCode).toBe(200);
    expect((await t.app.inject(as(admin, 'GET', `/api/images/${node.id}`))).statusCode).toBe(200);
    expect((await t.app.inject(as(admin, 'GET', '/api/images'))).json().items.map((n: { id: number }) => n.id)).toContain(node.id);
    // Her branch is hers too.
    const child = await generateAs(t, a, { parent_id: node.id, action_type: 'variation' });
    expect((await t.app.inject(as(b, 'GET', `/api/images/${child.id}`))).statusCode).toBe(404);
  });

  it('API tokens: shown once, work without a cookie or CSRF token, record their use, and stop working when revoked', async () => {
    const t = await start();
    const a = await addUser(t, 'alice');
    const b = await addUser(t, 'bob');
    const created = await t.app.inject(as(a, 'POST', '/api/tokens', { name: 'render script' }));
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json();
    expect(token).toMatch(/^ifk_[\w-]{43}$/);
    // Stored as a hash only.
    const stored = await t.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(token);

    const bearer = { authorization: `Bearer ${token}` };
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', headers: bearer, payload: { prompt: 'by script', spec: SMALL } });
    expect(res.statusCode, res.body).toBe(201);
    const listed = (await t.app.inject(as(a, 'GET', '/api/tokens'))).json().items;
    expect(listed).toEqual([{ id, name: 'render script', created_at: expect.any(String), last_used_at: expect.any(String) }]);
    expect(JSON.stringify(listed)).not.toContain(token);

    // Bob cannot see or revoke it.
    expect((await t.app.inject(as(b, 'GET', '/api/tokens'))).json().items).toEqual([]);
    expect((await t.app.inject(as(b, 'DELETE', `/api/tokens/${id}`))).statusCode).toBe(404);
    expect((await t.app.inject(as(a, 'DELETE', `/api/tokens/${id}`))).statusCode).toBe(204);
    const revoked = await t.app.inject({ url: '/api/images', headers: bearer });
    expect(revoked.statusCode).toBe(401);
    expect(errorOf(revoked).message).toMatch(/revoked/);
    expect((await t.app.inject({ url: '/api/images', headers: { authorization: 'Bearer ifk_made-up' } })).statusCode).toBe(401);
  });

  it('IMAGEFLOW_PUBLIC_IMAGES=false: image URLs open only for their owner (or an admin), never signed out', async () => {
    const t = await startTestApp({ env: { IMAGEFLOW_AUTH: 'on', IMAGEFLOW_PUBLIC_IMAGES: 'false' } });
    apps.push(t);
    const a = await addUser(t, 'alice');
    const b = await addUser(t, 'bob');
    const admin = await addUser(t, 'root', 'admin');
    const node = await generateAs(t, a);
    for (const url of [node.url, node.thumbnail_url]) {
      const own = await t.app.inject(as(a, 'GET', url));
      expect(own.statusCode, url).toBe(200);
      expect(own.headers['cache-control']).toMatch(/^private/);
      expect((await t.app.inject(as(admin, 'GET', url))).statusCode).toBe(200);
      expect((await t.app.inject(as(b, 'GET', url))).statusCode).toBe(404);
      expect((await t.app.inject({ url })).statusCode).toBe(401);
    }
    // A share link still opens it for whoever has the link.
    const link = (await t.app.inject(as(a, 'POST', '/api/shares', { node_id: node.id }))).json();
    const shared = (await t.app.inject({ url: `/api/s/${new URL(link.url).pathname.slice(3)}` })).json().nodes[0];
    expect((await t.app.inject({ url: shared.url })).statusCode).toBe(200);
  });

  it('storage used: each user sees their own; an admin sees every user\'s; deleted images do not count', async () => {
    const t = await start();
    const a = await addUser(t, 'alice');
    const b = await addUser(t, 'bob');
    const admin = await addUser(t, 'root', 'admin');
    const [a1, a2] = [await generateAs(t, a), await generateAs(t, a)];
    const b1 = await generateAs(t, b);
    await t.app.inject(as(a, 'DELETE', `/api/images/${a2.id}?forever=true`));
    const bytesOf = async (id: number) => (await t.app.inject(as(admin, 'GET', `/api/images/${id}`))).json().bytes as number;
    expect((await t.app.inject(as(a, 'GET', '/api/usage'))).json()).toEqual({ images: 1, bytes: await bytesOf(a1.id) });
    expect((await t.app.inject(as(b, 'GET', '/api/usage'))).json()).toEqual({ images: 1, bytes: await bytesOf(b1.id) });
    const all = (await t.app.inject(as(admin, 'GET', '/api/usage'))).json();
    expect(all).toMatchObject({ images: 0, bytes: 0 });
    expect(all.users).toEqual(
      expect.arrayContaining([
        { user_id: a.user.id, username: 'alice', images: 1, bytes: await bytesOf(a1.id) },
        { user_id: b.user.id, username: 'bob', images: 1, bytes: await bytesOf(b1.id) },
      ]),
    );
  });

  it('changing my password keeps this sign-in, ends my others, and needs the current password', async () => {
    const t = await start();
    await addUser(t, 'alice');
    const here = await signIn(t.app, 'alice', 'alice-password');
    const elsewhere = await signIn(t.app, 'alice', 'alice-password');
    const wrong = await t.app.inject(as(here, 'POST', '/api/auth/password', { current_password: 'guess-guess', new_password: 'a-new-password' }));
    expect(wrong.statusCode).toBe(400);
    expect(errorOf(wrong).message).toBe('The current password is wrong.');
    const short = await t.app.inject(as(here, 'POST', '/api/auth/password', { current_password: 'alice-password', new_password: 'short' }));
    expect(short.statusCode).toBe(400);
    expect(errorOf(short).message).toMatch(/password must be \d+ to \d+ characters/);
    // Without the CSRF token a cookie cannot change it.
    expect((await t.app.inject({ ...as(here, 'POST', '/api/auth/password', { current_password: 'alice-password', new_password: 'a-new-password' }), headers: {} })).statusCode).toBe(403);

    expect((await t.app.inject(as(here, 'POST', '/api/auth/password', { current_password: 'alice-password', new_password: 'a-new-password' }))).statusCode).toBe(204);
    expect((await t.app.inject(as(here, 'GET', '/api/images'))).statusCode).toBe(200);
    expect((await t.app.inject(as(elsewhere, 'GET', '/api/images'))).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'alice', password: 'alice-password' } })).statusCode).toBe(401);
    await signIn(t.app, 'alice', 'a-new-password');
  });

  it('sign out everywhere ends every session of mine, but not my API tokens or anyone else\'s sessions', async () => {
    const t = await start();
    const a1 = await addUser(t, 'alice');
    const a2 = await signIn(t.app, 'alice', 'alice-password');
    const b = await addUser(t, 'bob');
    const { token } = (await t.app.inject(as(a1, 'POST', '/api/tokens', { name: 'script' }))).json();
    const res = await t.app.inject(as(a1, 'POST', '/api/auth/logout-everywhere'));
    expect(res.statusCode).toBe(204);
    expect(res.cookies.find((c) => c.name === 'imageflow_session')?.value).toBe('');
    for (const s of [a1, a2]) expect((await t.app.inject(as(s, 'GET', '/api/images'))).statusCode).toBe(401);
    expect((await t.app.inject(as(b, 'GET', '/api/images'))).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/images', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });

  it('admins list accounts with their storage, make accounts, reset a password, and disable an account (its sessions and tokens stop at once)', async () => {
    const t = await start();
    const admin = await addUser(t, 'root', 'admin');
    const a = await addUser(t, 'alice');
    const image = await generateAs(t, a);
    const { token } = (await t.app.inject(as(a, 'POST', '/api/tokens', { name: 'script' }))).json();

    const list = (await t.app.inject(as(admin, 'GET', '/api/admin/users'))).json().items;
    const bytes = (await t.app.inject(as(a, 'GET', `/api/images/${image.id}`))).json().bytes;
    expect(list).toEqual([
      { id: admin.user.id, username: 'root', role: 'admin', created_at: expect.any(String), disabled_at: null, images: 0, bytes: 0 },
      { id: a.user.id, username: 'alice', role: 'user', created_at: expect.any(String), disabled_at: null, images: 1, bytes },
    ]);

    const made = await t.app.inject(as(admin, 'POST', '/api/admin/users', { username: 'Carol', password: 'carol-password' }));
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ username: 'carol', role: 'user', disabled_at: null, images: 0 });
    expect((await t.app.inject(as(admin, 'POST', '/api/admin/users', { username: 'carol', password: 'other-password' }))).statusCode).toBe(409);
    await signIn(t.app, 'carol', 'carol-password');

    // A user may do none of it.
    for (const [method, url, payload] of [
      ['GET', '/api/admin/users', undefined],
      ['POST', '/api/admin/users', { username: 'mallory', password: 'mallory-password', role: 'admin' }],
      ['PATCH', `/api/admin/users/${a.user.id}`, { role: 'admin' }],
    ] as const) {
      const res = await t.app.inject(as(a, method, url, payload));
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(errorOf(res).message).toBe('Only an admin may manage accounts.');
    }

    const disabled = await t.app.inject(as(admin, 'PATCH', `/api/admin/users/${a.user.id}`, { disabled: true }));
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json()).toMatchObject({ username: 'alice', disabled_at: expect.any(String), images: 1 });
    expect((await t.app.inject(as(a, 'GET', '/api/images'))).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/images', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    const refused = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'alice', password: 'alice-password' } });
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused)).toEqual({ code: 'account_disabled', message: expect.stringMatching(/disabled/) });
    // A wrong password on a disabled account says no more than on any other.
    expect(errorOf(await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'alice', password: 'wrong-password' } })).code).toBe('invalid_credentials');
    // Her images stay, for the admin to see.
    expect((await t.app.inject(as(admin, 'GET', `/api/images/${image.id}`))).statusCode).toBe(200);

    const enabled = await t.app.inject(as(admin, 'PATCH', `/api/admin/users/${a.user.id}`, { disabled: false, password: 'reset-password' }));
    expect(enabled.json().disabled_at).toBeNull();
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'alice', password: 'alice-password' } })).statusCode).toBe(401);
    await signIn(t.app, 'alice', 'reset-password');
    // The token came back with the account: it was never revoked.
    expect((await t.app.inject({ url: '/api/images', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
  });

  it('an admin cannot disable or demote themselves, so someone can always sign in as admin; unknown ids are 404', async () => {
    const t = await start();
    const admin = await addUser(t, 'root', 'admin');
    for (const change of [{ disabled: true }, { role: 'user' }]) {
      const res = await t.app.inject(as(admin, 'PATCH', `/api/admin/users/${admin.user.id}`, change));
      expect(res.statusCode).toBe(409);
      expect(errorOf(res).message).toMatch(/cannot disable your own account/);
    }
    expect((await t.app.inject(as(admin, 'PATCH', '/api/admin/users/00000000-0000-4000-8000-000000000000', { disabled: true }))).statusCode).toBe(404);
    expect((await t.app.inject(as(admin, 'PATCH', '/api/admin/users/not-an-id', { disabled: true }))).statusCode).toBe(404);
    expect((await t.app.inject(as(admin, 'PATCH', `/api/admin/users/${admin.user.id}`, { owner: 'x' }))).statusCode).toBe(400);
    const b = await addUser(t, 'bob');
    const promoted = await t.app.inject(as(admin, 'PATCH', `/api/admin/users/${b.user.id}`, { role: 'admin' }));
    expect(promoted.json().role).toBe('admin');
    // Bob, now an admin, may demote root.
    expect((await t.app.inject(as(b, 'PATCH', `/api/admin/users/${admin.user.id}`, { role: 'user' }))).json().role).toBe('user');
  });

  it('with accounts off, the laptop needs no sign-in and says so', async () => {
    const t = await start({ auth: 'off' });
    expect((await t.app.inject({ url: '/api/auth/me' })).json()).toEqual({ auth: 'off', user: null, csrf_token: null, setup_needed: false });
    expect((await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { prompt: 'no sign-in', spec: SMALL } })).statusCode).toBe(201);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'x', password: 'yyyyyyyy' } });
    expect(login.statusCode).toBe(409);
    expect(errorOf(login).message).toMatch(/IMAGEFLOW_AUTH=on/);
  });

  it('npm run user -- create makes an account from a password on stdin', async ({ skip }) => {
    skip(onPostgres, 'the command opens the data folder\'s SQLite file; the account code it runs is tested on PostgreSQL above');
    const dataDir = await makeDataDir();
    const cli = fileURLToPath(new URL('../src/cli/user.ts', import.meta.url));
    const run = (args: string[], input: string) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { env: { ...process.env, IMAGEFLOW_DATA_DIR: dataDir, IMAGEFLOW_AUTH: 'on' }, stdio: ['pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.stdin.end(input);
        child.on('exit', (code) => resolve({ code, out }));
      });
    expect(await run(['create', 'Grace', '--admin'], 'a long enough password\n')).toMatchObject({ code: 0, out: expect.stringMatching(/Created admin "grace"/) });
    expect(await run(['create', 'grace'], 'another password\n')).toMatchObject({ code: 1, out: expect.stringMatching(/taken/) });
    expect(await run(['create', 'shorty'], 'short\n')).toMatchObject({ code: 1, out: expect.stringMatching(/8 to 256 characters/) });
    expect((await run(['remove', 'grace'], '')).code).toBe(2);

    const t = await start({ dataDir });
    expect((await signIn(t.app, 'grace', 'a long enough password')).user.role).toBe('admin');
  }, 30_000);
});
