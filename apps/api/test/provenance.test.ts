/**
 * Provenance of uploads: the original file kept byte for byte, and ImageFlow's own PNGs known again
 * when they come back — the same file is the same node, a child finds its parent (whichever arrives
 * first), and nothing crosses from one user's images to another's.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SEED } from '@imageflow/shared';
import sharp from 'sharp';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import { sha256Hex } from '../src/lib/hash.ts';
import { pngWithTextChunks } from '../src/lib/png-text.ts';
import { generate, listFiles, makeDataDir, startTestApp, type TestApp } from './harness.ts';
import { errorOf, multipart } from './http-helpers.ts';
import { FOREIGN_PNG_DIR } from './fixtures/foreign-png.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
});

async function start(env: Record<string, string> = {}, dataDir?: string): Promise<TestApp> {
  const t = await startTestApp({ env, dataDir });
  apps.push(t);
  return t;
}

async function upload(t: TestApp, name: string, data: Buffer, headers: Record<string, string> = {}) {
  const form = multipart(name, data);
  const res = await t.app.inject({ method: 'POST', url: '/api/images/upload', payload: form.payload, headers: { ...form.headers, ...headers } });
  expect([200, 201], res.body).toContain(res.statusCode);
  return { status: res.statusCode, node: res.json() };
}

async function download(t: TestApp, url: string, headers: Record<string, string> = {}): Promise<Buffer> {
  const res = await t.app.inject({ url, headers });
  expect(res.statusCode, url).toBe(200);
  return res.rawPayload;
}

/** A family of three made in one ImageFlow: root → variation → remix, and their PNGs as downloaded. */
async function family(t: TestApp) {
  const [root] = await generate(t.app, { prompt: 'a lighthouse at dusk', spec: { width: 96, height: 64, steps: 4, seed: 11 } });
  const [child] = await generate(t.app, { parent_id: root!.id, action_type: 'variation' });
  const [grandchild] = await generate(t.app, { parent_id: child!.id, action_type: 'remix', prompt: 'a lighthouse in snow' });
  return {
    nodes: [root!, child!, grandchild!],
    files: await Promise.all([root!, child!, grandchild!].map((n) => download(t, n.url))),
  };
}

describe('uploads keep their original', () => {
  it('a JPEG is kept byte for byte, with its own hash, beside the PNG shown; deleting removes both', async () => {
    const dataDir = await makeDataDir();
    const t = await start({}, dataDir);
    const jpeg = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#468' } }).jpeg({ quality: 83 }).withMetadata({ exif: { IFD0: { Artist: 'someone' } } }).toBuffer();
    const { status, node } = await upload(t, 'holiday.jpg', jpeg);
    expect(status).toBe(201);
    expect(node.original).toEqual({ url: expect.stringMatching(/^http:\/\/localhost:80\/originals\/upload_[0-9a-f-]{36}\.original\.jpg$/), sha256: sha256Hex(jpeg), bytes: jpeg.length, content_type: 'image/jpeg' });
    const res = await t.app.inject({ url: node.original.url });
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers.etag).toBeDefined();
    expect(res.rawPayload.equals(jpeg)).toBe(true);
    expect((await download(t, node.url)).subarray(1, 4).toString()).toBe('PNG');

    // The same file again is the same node.
    const again = await upload(t, 'copy.jpg', jpeg);
    expect(again).toMatchObject({ status: 200, node: { id: node.id } });
    expect((await t.app.inject({ url: '/api/images?action_type=upload' })).json().items).toHaveLength(1);

    // Storage used counts both files.
    expect((await t.app.inject({ url: '/api/usage' })).json()).toEqual({ images: 1, bytes: node.bytes + jpeg.length });

    await t.app.inject({ method: 'DELETE', url: `/api/images/${node.id}?forever=true` });
    expect((await t.app.inject({ url: node.original.url })).statusCode).toBe(404);
    expect(await listFiles(dataDir)).toEqual([]);
    // Deleted, the file is welcome again as a new node.
    expect((await upload(t, 'holiday.jpg', jpeg)).status).toBe(201);
  });

  it('a name that is not a stored original is refused; no path leaves the folder', async () => {
    const t = await start();
    for (const name of ['..%2Fimageflow.db', 'upload_x.original.jpg', 'upload_11111111-1111-4111-8111-111111111111.original.exe']) {
      const res = await t.app.inject({ url: `/originals/${name}` });
      expect(res.statusCode, name).toBe(400);
      expect(errorOf(res).message).toMatch(/is not the name of a stored original upload/);
    }
    expect((await t.app.inject({ url: '/originals/upload_11111111-1111-4111-8111-111111111111.original.png' })).statusCode).toBe(404);
  });
});

describe('ImageFlow knows its own images again', () => {
  it('our PNG uploaded back is the very node it came from, not a new root', async () => {
    const t = await start();
    const { nodes, files } = await family(t);
    for (const [i, file] of files.entries()) {
      const { status, node } = await upload(t, `mine-${i}.png`, file);
      expect(status).toBe(200);
      expect(node.id).toBe(nodes[i]!.id);
    }
    expect((await t.app.inject({ url: '/api/images?action_type=upload' })).json().items).toEqual([]);
  });

  it('in a fresh store, a child uploaded after its parent is attached under it with its recorded recipe', async () => {
    const source = await start();
    const { nodes, files } = await family(source);
    const t = await start();
    const root = (await upload(t, 'root.png', files[0]!)).node;
    expect(root).toMatchObject({ is_root: true, action_type: 'generate', prompt: 'a lighthouse at dusk', seed: 11, model: nodes[0]!.model, provider: 'builtin' });
    const child = (await upload(t, 'child.png', files[1]!)).node;
    expect(child).toMatchObject({ is_root: false, parent_id: root.id, root_id: root.id, depth: 1, action_type: 'variation', seed: nodes[1]!.seed });
    const grandchild = (await upload(t, 'grandchild.png', files[2]!)).node;
    expect(grandchild).toMatchObject({ parent_id: child.id, root_id: root.id, depth: 2, action_type: 'remix', prompt: 'a lighthouse in snow' });
    // The original is the file uploaded, byte for byte; the recipe is the one it was made with.
    expect(grandchild.original.sha256).toBe(sha256Hex(files[2]!));
    expect(grandchild.spec_json).toMatchObject({ steps: nodes[2]!.spec_json.steps, sampler: nodes[2]!.spec_json.sampler });

    // A variation of the re-linked image runs with its recipe, as if it had been made here.
    const [variation] = await generate(t.app, { parent_id: grandchild.id, action_type: 'variation' });
    expect(variation).toMatchObject({ parent_id: grandchild.id, prompt: 'a lighthouse in snow', model: nodes[2]!.model });
  });

  it('children that arrive first wait as roots, and hang under their parent when it comes, with their whole branch', async () => {
    const source = await start();
    const { files } = await family(source);
    const t = await start();
    const grandchild = (await upload(t, 'grandchild.png', files[2]!)).node;
    expect(grandchild).toMatchObject({ is_root: true, action_type: 'upload', depth: 0 });
    const child = (await upload(t, 'child.png', files[1]!)).node;
    expect(child).toMatchObject({ is_root: true, action_type: 'upload' });
    // The grandchild found its parent in the child at once.
    const waiting = (await t.app.inject({ url: `/api/images/${grandchild.id}` })).json();
    expect(waiting).toMatchObject({ parent_id: child.id, root_id: child.id, depth: 1, action_type: 'remix' });

    const root = (await upload(t, 'root.png', files[0]!)).node;
    const tree = (await t.app.inject({ url: `/api/images/${root.id}/lineage?scope=tree` })).json();
    const byId = new Map(tree.nodes.map((n: { id: number }) => [n.id, n]));
    expect(byId.get(root.id)).toMatchObject({ is_root: true, depth: 0, children_count: 1 });
    expect(byId.get(child.id)).toMatchObject({ is_root: false, parent_id: root.id, root_id: root.id, depth: 1, action_type: 'variation' });
    expect(byId.get(grandchild.id)).toMatchObject({ parent_id: child.id, root_id: root.id, depth: 2, action_type: 'remix' });
    expect(tree.nodes).toHaveLength(3);
  });

  it("with accounts, another user's copy of my image is their own node, and never attaches under mine", async () => {
    const t = await start({ IMAGEFLOW_AUTH: 'on' });
    await t.services.accounts.createUser('alice', 'alice-password', 'user');
    await t.services.accounts.createUser('bob', 'bob-password', 'user');
    const bearer = async (name: string) => ({ authorization: `Bearer ${(await t.services.accounts.createToken((await t.services.accounts.listUsers()).find((u) => u.username === name)!, 'test')).token}` });
    const alice = await bearer('alice');
    const bob = await bearer('bob');
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', headers: alice, payload: { prompt: 'alice', spec: { width: 64, height: 64, steps: 4 } } });
    const root = res.json().images[0];
    const child = (await t.app.inject({ method: 'POST', url: '/api/images/generate', headers: alice, payload: { parent_id: root.id, action_type: 'variation' } })).json().images[0];
    const rootFile = await download(t, root.url);
    const childFile = await download(t, child.url);

    const bobs = await upload(t, 'r.png', rootFile, bob);
    expect(bobs.status).toBe(201);
    expect(bobs.node.id).not.toBe(root.id);
    // Bob's copy of the child attaches under Bob's copy of the root, not under Alice's.
    const bobsChild = await upload(t, 'c.png', childFile, bob);
    expect(bobsChild.node).toMatchObject({ parent_id: bobs.node.id, root_id: bobs.node.id });
    expect((await upload(t, 'c.png', childFile, alice)).node.id).toBe(child.id);
  });

  it('a forged imageflow chunk cannot make overlong names, claim an engine or cause a 5xx; adoption never closes a loop', async () => {
    const t = await start();
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#123' } }).png().toBuffer();
    const forged = (chunk: unknown) => Buffer.concat(pngWithTextChunks(png, [{ keyword: 'imageflow', text: JSON.stringify(chunk) }]));
    const a = forged({ version: 1, node_id: 1, parent_id: null, parent_sha256: null, action_type: 'generate', model: 'x'.repeat(200), provider: '<b>evil</b>', prompt: 'p', negative_prompt: '', spec: { width: 32, height: 32 } });
    const first = (await upload(t, 'a.png', a)).node;
    expect(first).toMatchObject({ is_root: true, provider: 'upload' });
    // A child of it attaches; a node waiting for a parent is never adopted by a node of its own tree.
    const b = forged({ version: 1, node_id: 2, parent_id: 1, parent_sha256: sha256Hex(a), action_type: 'variation', model: 'sdxl', provider: 'builtin', prompt: 'p', negative_prompt: '', spec: { width: 32, height: 32 } });
    const bNode = (await upload(t, 'b.png', b)).node;
    expect(bNode).toMatchObject({ parent_id: first.id, action_type: 'variation' });
    const waiting = 'ab'.repeat(32);
    await t.db.updateTable('image_nodes').set({ pending_parent_sha256: waiting }).where('id', '=', first.id).execute();
    const nodes = new KyselyNodeRepository(t.db);
    expect(await nodes.adoptOrphans({ id: bNode.id, rootId: bNode.root_id, depth: bNode.depth }, [waiting], null)).toEqual([]);
    expect((await t.app.inject({ url: `/api/images/${first.id}` })).json()).toMatchObject({ is_root: true, parent_id: null });
    // Junk in the chunk: treated as a plain upload.
    for (const junk of [{ version: 99 }, { version: 1, node_id: -1 }, '{"__proto__":{"polluted":1}}']) {
      const file = typeof junk === 'string' ? Buffer.concat(pngWithTextChunks(png, [{ keyword: 'imageflow', text: junk }])) : forged(junk);
      const res = await upload(t, 'junk.png', Buffer.concat([file]));
      expect(res.node).toMatchObject({ is_root: true, action_type: 'upload', provider: 'upload' });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('images from other tools', () => {
  const manifest = JSON.parse(readFileSync(path.join(FOREIGN_PNG_DIR, 'MANIFEST.json'), 'utf8')) as Array<{
    file: string;
    tool: string;
    expected: { prompt: string | null; negative_prompt: string | null; seed: number | null; steps: number | null; width: number | null; height: number | null };
  }>;

  it('each of the real files uploads with its tool and stated recipe, and a variation of it runs with the stated settings', async () => {
    const t = await start();
    for (const entry of manifest) {
      const data = readFileSync(path.join(FOREIGN_PNG_DIR, entry.file));
      const { status, node } = await upload(t, entry.file, data);
      expect(status, entry.file).toBe(201);
      const imported = node.spec_json.imported;
      // SD.Next and Forge state themselves; ComfyUI's SaveImageWithMetaData keeps A1111 text beside the graph.
      expect(imported.tool, entry.file).toBe(entry.tool);
      expect(node.original.sha256, entry.file).toBe(sha256Hex(data));
      if (entry.expected.prompt !== null) expect(node.prompt, entry.file).toBe(entry.expected.prompt.trim());
      if (entry.expected.negative_prompt) expect(node.negative_prompt, entry.file).toBe(entry.expected.negative_prompt.trim());
      if (entry.expected.seed !== null && entry.expected.seed <= MAX_SEED) expect(node.seed, entry.file).toBe(entry.expected.seed);
      if (entry.expected.steps !== null && entry.expected.steps <= 150) expect(node.spec_json.steps, entry.file).toBe(entry.expected.steps);
      if (entry.expected.width !== null) expect([node.spec_json.width, node.spec_json.height], entry.file).toEqual([entry.expected.width, entry.expected.height]);
    }
    // A 1×1 crop whose recipe says 512×400: its variation is made at the stated size and steps.
    const cropped = (await t.app.inject({ url: '/api/images?limit=100' })).json().items.find((n: { request_params: { original_filename: string } }) => n.request_params.original_filename === 'a1111_txt2img_negative_1x1.png');
    expect([cropped.width, cropped.height]).toEqual([1, 1]);
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { parent_id: cropped.id, action_type: 'variation' } });
    expect(res.statusCode, res.body).toBe(201);
    const variation = res.json().images[0];
    expect(variation).toMatchObject({ width: 512, height: 400, prompt: 'photo of a duck', negative_prompt: 'monochrome' });
    expect(variation.spec_json).toMatchObject({ steps: 15, guidance: 5, sampler: 'uni_pc' });
  });
});
