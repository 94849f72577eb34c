import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { generate, startTestApp, TEST_DATABASE, type TestApp } from './harness.ts';
import { multipart } from './http-helpers.ts';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => t.close());

describe('GET /api/images/:id, PATCH, DELETE', () => {
  it('stars, unstars, and deletes leaving a tombstone in the lineage', async () => {
    const [root] = await generate(t.app, { prompt: 'city skyline' });
    const [child] = await generate(t.app, { parent_id: root!.id, action_type: 'variation' });

    const starred = await t.app.inject({ method: 'PATCH', url: `/api/images/${root!.id}`, payload: { starred: true } });
    expect(starred.json().starred).toBe(true);
    expect((await t.app.inject({ url: '/api/images?starred=true' })).json().items.map((i: any) => i.id)).toEqual([root!.id]);
    await t.app.inject({ method: 'PATCH', url: `/api/images/${root!.id}`, payload: { starred: false } });
    expect((await t.app.inject({ url: '/api/images?starred=true' })).json().items).toEqual([]);

    const del = await t.app.inject({ method: 'DELETE', url: `/api/images/${root!.id}?forever=true` });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toMatchObject({ id: root!.id, url: null, thumbnail_url: null, image_path: null });
    expect(del.json().deleted_at).toEqual(expect.any(String));
    expect((await t.app.inject({ url: root!.url })).statusCode).toBe(404);
    expect((await t.app.inject({ url: root!.thumbnail_url })).statusCode).toBe(404);

    const lineage = (await t.app.inject({ url: `/api/images/${child!.id}/lineage` })).json();
    expect(lineage.path).toEqual([root!.id, child!.id]);
    expect(lineage.nodes.map((n: any) => [n.id, n.deleted_at !== null])).toEqual([[root!.id, true], [child!.id, false]]);
    expect((await t.app.inject({ url: '/api/images' })).json().items.map((i: any) => i.id)).toEqual([child!.id]);

    // The recipe survives: a variation of the deleted image still works; img2img needs its pixels.
    const v = await t.app.inject({ method: 'POST', url: '/api/generations', payload: { parent_id: root!.id, action_type: 'variation' } });
    expect(v.statusCode).toBe(202);
    const i2i = await t.app.inject({ method: 'POST', url: '/api/generations', payload: { parent_id: root!.id, action_type: 'img2img' } });
    expect(i2i.statusCode).toBe(400);
    expect(i2i.json().error.message).toMatch(/was deleted/);
  });

  it('answers 404 and 400 with JSON errors', async () => {
    expect((await t.app.inject({ url: '/api/images/12345' })).json()).toEqual({ error: { code: 'not_found', message: 'No image with id 12345.' } });
    const bad = await t.app.inject({ url: '/api/images/abc' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/params id: id must be a whole number written in plain digits/);
    const patch = await t.app.inject({ method: 'PATCH', url: '/api/images/1', payload: { starred: 'yes' } });
    expect(patch.statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/nothing-here' })).json().error.code).toBe('not_found');
  });

  it('includes base64 of the PNG when asked', async () => {
    const [node] = await generate(t.app, { prompt: 'x' });
    const res = (await t.app.inject({ url: `/api/images/${node!.id}?include_base64=true` })).json();
    const file = (await t.app.inject({ url: node!.url })).rawPayload;
    expect(Buffer.from(res.base64, 'base64').equals(file)).toBe(true);
    const generated = await t.app.inject({ method: 'POST', url: '/api/images/generate?include_base64=true', payload: { prompt: 'y', spec: { width: 64, height: 64, steps: 1 } } });
    expect(Buffer.from(generated.json().images[0].base64, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('GET /api/images (gallery)', () => {
  it('pages newest first with a cursor, searches prompts, filters by model and action', async () => {
    const made: number[] = [];
    for (const prompt of ['red fox in snow', 'blue whale', 'red panda', 'green forest', 'fox and hound']) {
      made.push((await generate(t.app, { prompt, model: prompt.includes('whale') ? 'flux-schnell' : 'sdxl' }))[0]!.id);
    }
    const page1 = (await t.app.inject({ url: '/api/images?limit=2' })).json();
    expect(page1.items.map((i: any) => i.id)).toEqual([made[4], made[3]]);
    const page2 = (await t.app.inject({ url: `/api/images?limit=2&cursor=${page1.next_cursor}` })).json();
    expect(page2.items.map((i: any) => i.id)).toEqual([made[2], made[1]]);
    const page3 = (await t.app.inject({ url: `/api/images?limit=2&cursor=${page2.next_cursor}` })).json();
    expect(page3.items.map((i: any) => i.id)).toEqual([made[0]]);
    expect(page3.next_cursor).toBeNull();

    const ids = async (qs: string) => (await t.app.inject({ url: `/api/images?${qs}` })).json().items.map((i: any) => i.id);
    expect(await ids('q=fox')).toEqual([made[4], made[0]]);
    expect(await ids('q=FOX%20snow')).toEqual([made[0]]);
    expect(await ids('q=pan')).toEqual([made[2]]);
    expect(await ids('q=%22%29%28*')).toEqual([]);
    expect(await ids('model=flux-schnell')).toEqual([made[1]]);
    expect(await ids('action_type=generate&limit=1')).toEqual([made[4]]);
    expect(await ids('action_type=upload')).toEqual([]);

    const badCursor = await t.app.inject({ url: '/api/images?cursor=bogus' });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().error.message).toMatch(/cursor is not valid/);
    expect((await t.app.inject({ url: '/api/images?limit=0' })).statusCode).toBe(400);
  });
});

describe('GET /api/images/:id/lineage', () => {
  it('returns the tree, the path from the root, ancestors and descendants, paged', async () => {
    const [root] = await generate(t.app, { prompt: 'mountains' });
    const [a] = await generate(t.app, { parent_id: root!.id, action_type: 'variation' });
    const [b] = await generate(t.app, { parent_id: root!.id, action_type: 'variation' });
    const [a1] = await generate(t.app, { parent_id: a!.id, action_type: 'remix', prompt: 'mountains at night' });
    const [other] = await generate(t.app, { prompt: 'unrelated' });

    const tree = (await t.app.inject({ url: `/api/images/${a1!.id}/lineage` })).json();
    expect(tree).toMatchObject({ root_id: root!.id, focus_id: a1!.id, path: [root!.id, a!.id, a1!.id], truncated: false, next_cursor: null });
    expect(tree.nodes.map((n: any) => n.id)).toEqual([root!.id, a!.id, b!.id, a1!.id]);
    expect(tree.nodes.map((n: any) => n.id)).not.toContain(other!.id);
    expect(tree.nodes[0].children_count).toBe(2);

    const anc = (await t.app.inject({ url: `/api/images/${a1!.id}/lineage?scope=ancestors` })).json();
    expect(anc.nodes.map((n: any) => n.id)).toEqual([root!.id, a!.id, a1!.id]);
    const des = (await t.app.inject({ url: `/api/images/${a!.id}/lineage?scope=descendants` })).json();
    expect(des.nodes.map((n: any) => n.id)).toEqual([a1!.id]);

    const p1 = (await t.app.inject({ url: `/api/images/${root!.id}/lineage?limit=2` })).json();
    expect(p1.nodes.map((n: any) => n.id)).toEqual([root!.id, a!.id]);
    expect(p1.truncated).toBe(true);
    const p2 = (await t.app.inject({ url: `/api/images/${root!.id}/lineage?limit=2&cursor=${p1.next_cursor}` })).json();
    expect(p2.nodes.map((n: any) => n.id)).toEqual([b!.id, a1!.id]);
    expect(p2.truncated).toBe(false);
    const ancPage = (await t.app.inject({ url: `/api/images/${a1!.id}/lineage?scope=ancestors&limit=1` })).json();
    const ancPage2 = (await t.app.inject({ url: `/api/images/${a1!.id}/lineage?scope=ancestors&limit=5&cursor=${ancPage.next_cursor}` })).json();
    expect([...ancPage.nodes, ...ancPage2.nodes].map((n: any) => n.id)).toEqual([root!.id, a!.id, a1!.id]);

    expect((await t.app.inject({ url: `/api/images/${root!.id}/lineage?scope=sideways` })).statusCode).toBe(400);
    expect((await t.app.inject({ url: '/api/images/9999/lineage' })).statusCode).toBe(404);
  });
});

describe('POST /api/images/upload', () => {
  it('imports an image as an upload root and keeps an A1111 prompt it carries', async () => {
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#3366aa' } }).jpeg().toBuffer();
    const res = await t.app.inject({ method: 'POST', url: '/api/images/upload', ...multipart('photo.jpg', jpeg, 'file', 'image/jpeg') });
    expect(res.statusCode, res.body).toBe(201);
    const node = res.json();
    expect(node).toMatchObject({ action_type: 'upload', is_root: true, provider: 'upload', width: 300, height: 200 });
    expect(node.filename).toMatch(/^upload_[0-9a-f-]{36}\.png$/);
    expect(node.request_params).toMatchObject({ original_filename: 'photo.jpg' });
    const stored = await t.app.inject({ url: node.url });
    expect(stored.headers['content-type']).toBe('image/png');

    // img2img from the upload, with a prompt of its own.
    const child = await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { parent_id: node.id, prompt: 'a painting', spec: { steps: 2 } } });
    expect(child.statusCode, child.body).toBe(201);
    expect(child.json().images[0]).toMatchObject({ parent_id: node.id, width: 296, height: 200 });
  });

  it('refuses non-images, empty requests and files over the limit, storing nothing', async () => {
    const text = await t.app.inject({ method: 'POST', url: '/api/images/upload', ...multipart('notes.txt', Buffer.from('hello')) });
    expect(text.statusCode).toBe(415);
    expect(text.json().error.message).toMatch(/not an image ImageFlow can read/);
    const json = await t.app.inject({ method: 'POST', url: '/api/images/upload', payload: { file: 'x' } });
    expect(json.statusCode).toBe(400);
    expect(json.json().error.message).toMatch(/multipart\/form-data/);
    await t.close();
    t = await startTestApp({ env: { IMAGEFLOW_MAX_UPLOAD_MB: '1' } });
    const big = await sharp({ create: { width: 1200, height: 1200, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    const res = await t.app.inject({ method: 'POST', url: '/api/images/upload', ...multipart('big.png', big) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.message).toMatch(/larger than the 1 MB upload limit/);
    expect((await t.app.inject({ url: '/api/images' })).json().items).toEqual([]);
  });
});

describe('service documents', () => {
  it('health, OpenAPI and the docs page', async () => {
    const health = (await t.app.inject({ url: '/api/health' })).json();
    expect(health).toMatchObject({ status: 'ok', database: TEST_DATABASE, providers: { builtin: { ok: true, ai: false } } });
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/api/generations', '/api/images/generate', '/api/images/{id}/lineage', '/api/sdxl/txt2img', '/api/images/upload']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(doc.paths['/api/generations'].post.requestBody.content['application/json'].schema.properties.prompt).toBeDefined();
    const docs = await t.app.inject({ url: '/api/docs' });
    expect([200, 302]).toContain(docs.statusCode);
    const page = await t.app.inject({ url: '/api/docs/' });
    expect(page.body).toMatch(/swagger/i);
  });
});
