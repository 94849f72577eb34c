/**
 * Share links: an image, a branch or a path, opened signed out; every node and file reached
 * through a link is checked against what it shares; expiry, revocation, passwords (with attempts
 * rate limited), the download and recipe switches; only the owner (or an admin) manages a link.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { SMALL, makeDataDir, startTestApp, type TestApp } from './harness.ts';
import { errorOf, multipart } from './http-helpers.ts';
import { INJECT_ORIGIN, injected } from './support/origin.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
});

async function start(auth: 'on' | 'off' = 'on', env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({ env: { IMAGEFLOW_AUTH: auth, ...env } });
  apps.push(t);
  return t;
}

type Node = { id: number; filename: string; url: string; thumbnail_url: string; prompt: string };

async function userToken(t: TestApp, name: string): Promise<Record<string, string>> {
  const user = await t.services.accounts.createUser(name, `${name}-password`, 'user');
  return { authorization: `Bearer ${(await t.services.accounts.createToken(user, 'test')).token}` };
}

async function make(app: FastifyInstance, headers: Record<string, string>, body: Record<string, unknown>): Promise<Node> {
  const res = await app.inject({ method: 'POST', url: '/api/images/generate', headers, payload: { ...body, spec: SMALL } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().images[0];
}

async function share(app: FastifyInstance, headers: Record<string, string>, body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/api/shares', headers, payload: body });
  expect(res.statusCode, res.body).toBe(201);
  const created = res.json();
  return { ...created, key: String(created.url).replace(`${INJECT_ORIGIN}/s/`, '') } as { id: string; url: string; key: string; expires_at: string | null };
}

/** A signed-out visitor: no credentials at all, only what the link (and its unlock cookie) gives. */
function visit(app: FastifyInstance, url: string, options: Partial<InjectOptions> = {}) {
  return app.inject({ url, ...options } as InjectOptions);
}

/** A tree of Alice's: root → child → grandchild, and root → sibling; and a tree of her own elsewhere. */
async function tree(t: TestApp, alice: Record<string, string>) {
  const root = await make(t.app, alice, { prompt: 'root of the tree' });
  const child = await make(t.app, alice, { prompt: 'the child', parent_id: root.id, action_type: 'variation' });
  const grandchild = await make(t.app, alice, { prompt: 'the grandchild', parent_id: child.id, action_type: 'variation' });
  const sibling = await make(t.app, alice, { prompt: 'the sibling', parent_id: root.id, action_type: 'variation' });
  const elsewhere = await make(t.app, alice, { prompt: 'another tree' });
  return { root, child, grandchild, sibling, elsewhere };
}

describe('share links', () => {
  it('an image link opens signed out, shows that image only, counts views, and is stored as a hash', async () => {
    const t = await start();
    const alice = await userToken(t, 'alice');
    const node = await make(t.app, alice, { prompt: 'a lighthouse at dusk' });
    const link = await share(t.app, alice, { node_id: node.id });
    expect(link.key).toMatch(/^[\w-]{43}$/);
    expect(link.url).toBe(injected(`/s/${link.key}`));
    expect(Date.parse(link.expires_at!) - Date.now()).toBeGreaterThan(29.9 * 24 * 3600 * 1000);
    expect(JSON.stringify(await t.db.selectFrom('shares').selectAll().execute())).not.toContain(link.key);

    const view = await visit(t.app, `/api/s/${link.key}`);
    expect(view.statusCode, view.body).toBe(200);
    const body = view.json();
    expect(body).toMatchObject({ share: { scope: 'image', allow_download: true, show_recipe: true }, focus_id: node.id, root_id: node.id, truncated: false });
    expect(body.nodes).toHaveLength(1);
    expect(body.nodes[0]).toMatchObject({ id: node.id, prompt: 'a lighthouse at dusk', url: injected(`/s/${link.key}/images/${node.filename}`), image_path: null });
    const image = await visit(t.app, body.nodes[0].url);
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['cache-control']).toBe('private, no-cache');
    expect((await visit(t.app, body.nodes[0].thumbnail_url)).statusCode).toBe(200);

    await visit(t.app, `/api/s/${link.key}`);
    // The owner looking at their own link is no view.
    await t.app.inject({ url: `/api/s/${link.key}`, headers: alice });
    const listed = (await t.app.inject({ url: '/api/shares', headers: alice })).json().items;
    expect(listed).toEqual([expect.objectContaining({ id: link.id, node_id: node.id, scope: 'image', view_count: 2, state: 'live', has_password: false })]);
    expect(JSON.stringify(listed)).not.toContain(link.key);
  });

  it('a branch link shows the node and what grew from it, and nothing above or beside it is reachable through it', async () => {
    const t = await start();
    const alice = await userToken(t, 'alice');
    const bob = await userToken(t, 'bob');
    const { root, child, grandchild, sibling, elsewhere } = await tree(t, alice);
    const bobs = await make(t.app, bob, { prompt: "bob's" });
    const link = await share(t.app, alice, { node_id: child.id, scope: 'branch' });

    const body = (await visit(t.app, `/api/s/${link.key}`)).json();
    expect(body.nodes.map((n: Node) => n.id)).toEqual([child.id, grandchild.id]);
    // The shared set has its own root: ids above it are not told.
    expect(body).toMatchObject({ root_id: child.id, focus_id: child.id });
    expect(body.nodes[0]).toMatchObject({ is_root: true, parent_id: null, root_id: child.id, depth: 0, children_count: 1 });
    expect(body.nodes[1]).toMatchObject({ parent_id: child.id, root_id: child.id, depth: 1, children_count: 0 });
    for (const n of [child, grandchild]) {
      expect((await visit(t.app, `/s/${link.key}/images/${n.filename}`)).statusCode).toBe(200);
      expect((await visit(t.app, `/s/${link.key}/thumbs/${n.filename.replace(/\.png$/, '.webp')}`)).statusCode).toBe(200);
    }
    for (const n of [root, sibling, elsewhere, bobs]) {
      for (const url of [`/s/${link.key}/images/${n.filename}`, `/s/${link.key}/thumbs/${n.filename.replace(/\.png$/, '.webp')}`]) {
        const res = await visit(t.app, url);
        expect(res.statusCode, url).toBe(404);
        expect(errorOf(res).code).toBe('not_found');
      }
    }
  });

  it('a path link shows the ancestors down to the node, not its descendants or siblings', async () => {
    const t = await start();
    const alice = await userToken(t, 'alice');
    const { root, child, grandchild, sibling } = await tree(t, alice);
    const link = await share(t.app, alice, { node_id: child.id, scope: 'path' });
    await t.app.inject({ method: 'PATCH', url: `/api/images/${root.id}`, headers: alice, payload: { starred: true } });
    const body = (await visit(t.app, `/api/s/${link.key}`)).json();
    expect(body.nodes.map((n: Node) => n.id)).toEqual([root.id, child.id]);
    expect(body.path).toEqual([root.id, child.id]);
    // Children and stars outside what is shared are not told.
    expect(body.nodes[0]).toMatchObject({ children_count: 1, starred: false });
    expect((await visit(t.app, `/s/${link.key}/images/${root.filename}`)).statusCode).toBe(200);
    for (const n of [grandchild, sibling]) expect((await visit(t.app, `/s/${link.key}/images/${n.filename}`)).statusCode).toBe(404);
  });

  it('a password link asks for it, refuses a wrong one, meets 429 when guessed at, and opens for the browser that gave it', async () => {
    const t = await start();
    const alice = await userToken(t, 'alice');
    const node = await make(t.app, alice, { prompt: 'protected' });
    const link = await share(t.app, alice, { node_id: node.id, password: 'open sesame' });

    const asked = await visit(t.app, `/api/s/${link.key}`);
    expect(asked.statusCode).toBe(401);
    expect(errorOf(asked).code).toBe('share_password_required');
    expect((await visit(t.app, `/s/${link.key}/images/${node.filename}`)).statusCode).toBe(401);

    const unlock = (password: string, remoteAddress = '203.0.113.5') => t.app.inject({ method: 'POST', url: `/api/s/${link.key}/unlock`, remoteAddress, payload: { password } });
    const wrong = await unlock('guess');
    expect(wrong.statusCode).toBe(401);
    expect(errorOf(wrong).code).toBe('share_password_wrong');
    for (let i = 0; i < 9; i++) await unlock(`guess ${i}`);
    const limited = await unlock('open sesame');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();

    // Guessing at a link's password spends a budget of its own: signing in from that address still works.
    await t.services.accounts.createUser('carol', 'carol-password', 'user');
    const signIn = await t.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '203.0.113.5', payload: { username: 'carol', password: 'carol-password' } });
    expect(signIn.statusCode).toBe(200);
    // A signed-in visitor's browser unlocks without a CSRF token: the link's routes never act as them.
    const session = Object.fromEntries(signIn.cookies.map((c) => [c.name, c.value]));
    expect((await t.app.inject({ method: 'POST', url: `/api/s/${link.key}/unlock`, remoteAddress: '203.0.113.7', cookies: session, payload: { password: 'open sesame' } })).statusCode).toBe(204);

    const opened = await unlock('open sesame', '203.0.113.6');
    expect(opened.statusCode).toBe(204);
    const cookies = Object.fromEntries(opened.cookies.map((c) => [c.name, c.value]));
    expect(opened.cookies[0]).toMatchObject({ httpOnly: true, path: '/' });
    expect((await visit(t.app, `/api/s/${link.key}`, { cookies })).statusCode).toBe(200);
    expect((await visit(t.app, `/s/${link.key}/images/${node.filename}`, { cookies })).statusCode).toBe(200);
    // The unlock is for this link only.
    const other = await share(t.app, alice, { node_id: node.id, password: 'open sesame' });
    expect((await visit(t.app, `/api/s/${other.key}`, { cookies })).statusCode).toBe(401);
  });

  it('an expired or revoked link is dead for its page and its files, with a 410 that says which', async () => {
    const t = await start();
    const alice = await userToken(t, 'alice');
    const node = await make(t.app, alice, { prompt: 'short-lived' });
    const expiring = await share(t.app, alice, { node_id: node.id, expires_in_days: 1 });
    const revoked = await share(t.app, alice, { node_id: node.id, expires_in_days: null });
    expect(revoked.expires_at).toBeNull();

    await t.db.updateTable('shares').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', expiring.id).execute();
    const revoke = await t.app.inject({ method: 'DELETE', url: `/api/shares/${revoked.id}`, headers: alice });
    expect(revoke.json()).toMatchObject({ id: revoked.id, state: 'revoked' });
    for (const [link, code] of [[expiring, 'share_expired'], [revoked, 'share_revoked']] as const) {
      for (const url of [`/api/s/${link.key}`, `/s/${link.key}/images/${node.filename}`]) {
        const res = await visit(t.app, url);
        expect(res.statusCode, url).toBe(410);
        expect(errorOf(res).code).toBe(code);
      }
    }
    expect((await t.app.inject({ url: '/api/shares', headers: alice })).json().items.map((s: { state: string }) => s.state).sort()).toEqual(['expired', 'revoked']);
  });

  it('the recipe and download switches hold on the page and on the file', async () => {
    const t = await start();
    const alice = await userToken(t, 'alice');
    const node = await make(t.app, alice, { prompt: 'a secret recipe' });
    const closed = await share(t.app, alice, { node_id: node.id, show_recipe: false, allow_download: false });
    const shown = (await visit(t.app, `/api/s/${closed.key}`)).json().nodes[0];
    expect(shown).toMatchObject({ prompt: '', negative_prompt: '', seed: null, model: '', spec_json: {}, request_params: {} });
    expect(JSON.stringify(shown)).not.toContain('secret recipe');
    const refused = await visit(t.app, `/s/${closed.key}/images/${node.filename}?download=1`);
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused).code).toBe('share_download_off');
    expect((await visit(t.app, `/s/${closed.key}/images/${node.filename}`)).statusCode).toBe(200);

    const open = await share(t.app, alice, { node_id: node.id });
    const download = await visit(t.app, `/s/${open.key}/images/${node.filename}?download=1`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-disposition']).toBe(`attachment; filename="${node.filename}"`);
  });

  it("only the owner (or an admin) shares, lists and revokes; someone else's ids answer 404; signed out gets 401", async () => {
    const t = await start();
    const alice = await userToken(t, 'alice');
    const bob = await userToken(t, 'bob');
    const node = await make(t.app, alice, { prompt: "alice's" });
    const link = await share(t.app, alice, { node_id: node.id });

    const stolen = await t.app.inject({ method: 'POST', url: '/api/shares', headers: bob, payload: { node_id: node.id } });
    expect(stolen.statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/shares/${link.id}`, headers: bob })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/shares', headers: bob })).json().items).toEqual([]);
    expect((await t.app.inject({ method: 'POST', url: '/api/shares', payload: { node_id: node.id } })).statusCode).toBe(401);
    expect((await visit(t.app, `/api/s/${link.key}`)).statusCode).toBe(200);

    const admin = await t.services.accounts.createUser('root', 'root-password', 'admin');
    const adminHeaders = { authorization: `Bearer ${(await t.services.accounts.createToken(admin, 'x')).token}` };
    expect((await t.app.inject({ url: '/api/shares', headers: adminHeaders })).json().items.map((s: { id: string }) => s.id)).toEqual([link.id]);
  });

  it('a shared upload shows its PNG, never the original file as it came (its EXIF, its location)', async () => {
    const t = await start();
    const alice = await userToken(t, 'alice');
    const jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#963' } }).jpeg().withMetadata({ exif: { IFD0: { Artist: 'alice at home' } } }).toBuffer();
    const form = multipart('holiday.jpg', jpeg);
    const uploaded = await t.app.inject({ method: 'POST', url: '/api/images/upload', payload: form.payload, headers: { ...form.headers, ...alice } });
    expect(uploaded.json().original.url).toMatch(/^http:\/\/localhost:80\/originals\//);
    const link = await share(t.app, alice, { node_id: uploaded.json().id });
    const body = (await visit(t.app, `/api/s/${link.key}`)).json();
    expect(body.nodes[0]).toMatchObject({ original: null, pending_parent_sha256: null });
    expect(JSON.stringify(body)).not.toContain('/originals/');
  });

  it('keys that are not keys get a 404 in the documented shape, never a 5xx', async () => {
    const t = await start('off');
    const node = await make(t.app, {}, { prompt: 'x' });
    const link = await share(t.app, {}, { node_id: node.id });
    for (const key of ['x', '%00', 'a'.repeat(43), link.key.slice(0, -1) + (link.key.endsWith('A') ? 'B' : 'A'), `${link.key}%00`, '..%2F..%2Fimageflow.db']) {
      for (const url of [`/api/s/${key}`, `/s/${key}/images/${node.filename}`]) {
        const res = await visit(t.app, url);
        expect(res.statusCode, url).toBe(404);
        expect(errorOf(res).code).toBe('not_found');
      }
    }
    expect((await visit(t.app, `/s/${link.key}/images/..%2F..%2Fimageflow.db`)).statusCode).toBe(400);
  });

  it('the page of a link carries a preview for chat apps, but not for a link with a password or a dead one', async () => {
    const webDir = await makeDataDir();
    await fs.writeFile(path.join(webDir, 'index.html'), '<!doctype html><html><head><title>ImageFlow</title></head><body></body></html>');
    const t = await start('off', { IMAGEFLOW_WEB_DIR: webDir });
    const node = await make(t.app, {}, { prompt: 'a lighthouse <b>"at dusk"</b>' });
    const open = await share(t.app, {}, { node_id: node.id });
    const page = await visit(t.app, `/s/${open.key}`, { headers: { host: 'studio.example:8000' } });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<meta property="og:title" content="a lighthouse &#60;b&#62;&#34;at dusk&#34;&#60;/b&#62;">');
    expect(page.body).toContain(`<meta property="og:image" content="http://studio.example:8000/s/${open.key}/thumbs/${node.filename.replace(/\.png$/, '.webp')}">`);
    expect(page.body).toMatch(/og:description" content="[^"]*not an AI model/);
    // The preview is no view.
    expect((await t.app.inject({ url: '/api/shares' })).json().items[0].view_count).toBe(0);

    const hidden = await share(t.app, {}, { node_id: node.id, show_recipe: false });
    expect((await visit(t.app, `/s/${hidden.key}`)).body).not.toContain('lighthouse');
    const protectedLink = await share(t.app, {}, { node_id: node.id, password: 'secret!' });
    const revoked = await share(t.app, {}, { node_id: node.id });
    await t.app.inject({ method: 'DELETE', url: `/api/shares/${revoked.id}` });
    for (const link of [protectedLink, revoked]) {
      const res = await visit(t.app, `/s/${link.key}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('og:');
    }
  });

  it('a browser opening a dead file link gets a small page that says so; a script gets JSON', async () => {
    const t = await start('off');
    const node = await make(t.app, {}, { prompt: 'soon gone' });
    const link = await share(t.app, {}, { node_id: node.id });
    await t.app.inject({ method: 'DELETE', url: `/api/shares/${link.id}` });
    await t.app.inject({ method: 'DELETE', url: `/api/images/${node.id}?forever=true` });
    const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    for (const [url, status, says] of [
      [node.url, 404, /deleted/],
      [`/s/${link.key}/images/${node.filename}`, 410, /revoked/],
    ] as const) {
      const page = await visit(t.app, url, { headers: browser });
      expect(page.statusCode, url).toBe(status);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toMatch(says);
      expect(page.body).toContain('This link is not available');
      const script = await visit(t.app, url);
      expect(script.statusCode).toBe(status);
      expect(errorOf(script).message).toMatch(says);
    }
  });
});
