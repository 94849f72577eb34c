/**
 * The trash: delete moves an image there (out of the gallery and search, files kept), from where it
 * can be restored until it is purged; "forever" removes the files at once. The lineage keeps the
 * place of both.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generate, listFiles, startTestApp, type TestApp } from './harness.ts';
import { errorOf } from './http-helpers.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
});

async function start(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({ env });
  apps.push(t);
  return t;
}

const daysAgo = (days: number) => new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();

describe('the trash', () => {
  it('delete moves an image to the trash: gone from gallery and search, kept in the lineage, its file kept, restorable', async () => {
    const t = await start();
    const [root] = await generate(t.app, { prompt: 'a lighthouse' });
    const [child] = await generate(t.app, { prompt: 'a lighthouse at night', parent_id: root!.id, action_type: 'variation' });

    const trashed = await t.app.inject({ method: 'DELETE', url: `/api/images/${child!.id}` });
    expect(trashed.statusCode).toBe(200);
    expect(trashed.json()).toMatchObject({ id: child!.id, trashed_at: expect.any(String), deleted_at: null, url: child!.url });
    expect((await t.app.inject({ url: '/api/images' })).json().items.map((n: { id: number }) => n.id)).toEqual([root!.id]);
    expect((await t.app.inject({ url: '/api/images?q=night' })).json().items).toEqual([]);
    const lineage = (await t.app.inject({ url: `/api/images/${root!.id}/lineage` })).json();
    expect(lineage.nodes.map((n: { id: number; trashed_at: string | null }) => [n.id, n.trashed_at !== null])).toEqual([[root!.id, false], [child!.id, true]]);
    expect((await t.app.inject({ url: child!.url })).statusCode).toBe(200);

    const trash = (await t.app.inject({ url: '/api/trash' })).json();
    expect(trash).toMatchObject({ purge_after_days: 30, next_cursor: null });
    expect(trash.items.map((n: { id: number }) => n.id)).toEqual([child!.id]);

    // While in the trash, nothing new grows from it and it cannot be starred or shared.
    for (const [method, url, payload] of [
      ['POST', '/api/generations', { parent_id: child!.id, action_type: 'variation' }],
      ['PATCH', `/api/images/${child!.id}`, { starred: true }],
      ['POST', '/api/shares', { node_id: child!.id }],
    ] as const) {
      const res = await t.app.inject({ method, url, payload });
      expect(res.statusCode, url).toBe(400);
      expect(errorOf(res).message).toMatch(/trash/);
    }

    const restored = await t.app.inject({ method: 'POST', url: `/api/images/${child!.id}/restore` });
    expect(restored.json()).toMatchObject({ id: child!.id, trashed_at: null });
    expect((await t.app.inject({ url: '/api/images' })).json().items.map((n: { id: number }) => n.id)).toEqual([child!.id, root!.id]);
    expect((await t.app.inject({ method: 'POST', url: `/api/images/${child!.id}/restore` })).statusCode).toBe(409);
    expect((await t.app.inject({ url: '/api/trash' })).json().items).toEqual([]);
  });

  it('delete forever removes the files at once, from the trash or not; that cannot be restored', async () => {
    const t = await start();
    const [a] = await generate(t.app, { prompt: 'first' });
    const [b] = await generate(t.app, { prompt: 'second' });
    await t.app.inject({ method: 'DELETE', url: `/api/images/${a!.id}` });
    for (const node of [a!, b!]) {
      const gone = (await t.app.inject({ method: 'DELETE', url: `/api/images/${node.id}?forever=true` })).json();
      expect(gone).toMatchObject({ id: node.id, url: null, trashed_at: null, deleted_at: expect.any(String) });
      expect(await listFiles(t.dataDir)).not.toContain(`images/${node.filename}`);
      expect((await t.app.inject({ method: 'POST', url: `/api/images/${node.id}/restore` })).statusCode).toBe(409);
    }
    expect((await t.app.inject({ url: '/api/trash' })).json().items).toEqual([]);
  });

  it('images trashed longer ago than IMAGEFLOW_TRASH_DAYS are purged by the daily run, leaving their recipe in the lineage', async () => {
    const t = await start({ IMAGEFLOW_TRASH_DAYS: '7' });
    const [old] = await generate(t.app, { prompt: 'trashed long ago' });
    const [fresh] = await generate(t.app, { prompt: 'trashed today' });
    await t.app.inject({ method: 'DELETE', url: `/api/images/${old!.id}` });
    await t.app.inject({ method: 'DELETE', url: `/api/images/${fresh!.id}` });
    await t.db.updateTable('image_nodes').set({ trashed_at: daysAgo(8) }).where('id', '=', old!.id).execute();

    expect(await t.services.retention.purgeTrash()).toEqual({ images: 1 });
    expect((await t.app.inject({ url: `/api/images/${old!.id}` })).json()).toMatchObject({ prompt: 'trashed long ago', url: null, deleted_at: expect.any(String), trashed_at: null });
    expect(await listFiles(t.dataDir)).not.toContain(`images/${old!.filename}`);
    expect((await t.app.inject({ url: '/api/trash' })).json().items.map((n: { id: number }) => n.id)).toEqual([fresh!.id]);
  });

  it('pages the trash newest first with a cursor, and refuses a made-up cursor', async () => {
    const t = await start();
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [node] = await generate(t.app, { prompt: `n${i}` });
      await t.app.inject({ method: 'DELETE', url: `/api/images/${node!.id}` });
      ids.push(node!.id);
    }
    const first = (await t.app.inject({ url: '/api/trash?limit=2' })).json();
    expect(first.items.map((n: { id: number }) => n.id)).toEqual([ids[2], ids[1]]);
    const second = (await t.app.inject({ url: `/api/trash?limit=2&cursor=${first.next_cursor}` })).json();
    expect(second).toMatchObject({ next_cursor: null });
    expect(second.items.map((n: { id: number }) => n.id)).toEqual([ids[0]]);
    expect((await t.app.inject({ url: '/api/trash?cursor=bm9wZQ' })).statusCode).toBe(400);
  });

  it("with accounts, a user's trash is their own", async () => {
    const t = await start({ IMAGEFLOW_AUTH: 'on' });
    const token = async (name: string) => ({ authorization: `Bearer ${(await t.services.accounts.createToken(await t.services.accounts.createUser(name, `${name}-password`, 'user'), 'x')).token}` });
    const alice = await token('alice');
    const bob = await token('bob');
    const node = (await t.app.inject({ method: 'POST', url: '/api/images/generate', headers: alice, payload: { prompt: 'mine', spec: { width: 128, height: 96, steps: 4 } } })).json().images[0];
    await t.app.inject({ method: 'DELETE', url: `/api/images/${node.id}`, headers: alice });
    expect((await t.app.inject({ url: '/api/trash', headers: bob })).json().items).toEqual([]);
    expect((await t.app.inject({ method: 'POST', url: `/api/images/${node.id}/restore`, headers: bob })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/trash', headers: alice })).json().items.map((n: { id: number }) => n.id)).toEqual([node.id]);
    // An admin's trash is theirs too: emptying it never touches another user's images.
    const admin = { authorization: `Bearer ${(await t.services.accounts.createToken(await t.services.accounts.createUser('root', 'root-password', 'admin'), 'x')).token}` };
    expect((await t.app.inject({ url: '/api/trash', headers: admin })).json().items).toEqual([]);
  });
});
