/**
 * Lineage bundles through the API: export a tree, a branch or a path as a .zip, import it into an
 * empty ImageFlow and get the same tree with the same bytes; import twice and nothing is added; a
 * damaged bundle is refused whole and leaves nothing.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { sha256Hex } from '../src/lib/hash.ts';
import { generate, listFiles, makeDataDir, startTestApp, type TestApp } from './harness.ts';
import { errorOf, multipart } from './http-helpers.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
});

async function start(env: Record<string, string> = {}, dataDir?: string): Promise<TestApp> {
  const t = await startTestApp({ env, dataDir });
  apps.push(t);
  return t;
}

async function exportBundle(t: TestApp, id: number, scope: string, headers: Record<string, string> = {}): Promise<Buffer> {
  const res = await t.app.inject({ url: `/api/images/${id}/bundle?scope=${scope}`, headers });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  expect(res.headers['content-type']).toBe('application/zip');
  expect(res.headers['content-disposition']).toBe(`attachment; filename="imageflow-${id}-${scope}.zip"`);
  return res.rawPayload;
}

async function importBundle(t: TestApp, zip: Buffer, headers: Record<string, string> = {}) {
  const form = multipart('tree.zip', zip, 'file', 'application/zip');
  return t.app.inject({ method: 'POST', url: '/api/bundles', payload: form.payload, headers: { ...form.headers, ...headers } });
}

function entryNames(zip: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err) return reject(err);
      const names: string[] = [];
      file.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        file.readEntry();
      });
      file.on('end', () => resolve(names));
      file.on('error', reject);
      file.readEntry();
    });
  });
}

interface Node {
  id: number;
  parent_id: number | null;
  depth: number;
  sha256: string;
  url: string | null;
  prompt: string;
  action_type: string;
  seed: number | null;
  starred: boolean;
  deleted_at: string | null;
  created_at: string;
  spec_json: Record<string, unknown>;
  original: { sha256: string; url: string } | null;
}

async function treeOf(t: TestApp, id: number): Promise<Node[]> {
  return (await t.app.inject({ url: `/api/images/${id}/lineage?scope=tree&limit=1000` })).json().nodes;
}

/** A tree in the source: an upload with a JPEG original, two generations under it, one starred, one deleted, one more below. */
async function sourceTree(t: TestApp) {
  const sharp = (await import('sharp')).default;
  const jpeg = await sharp({ create: { width: 96, height: 64, channels: 3, background: '#357' } }).jpeg().toBuffer();
  const form = multipart('start.jpg', jpeg);
  const root = (await t.app.inject({ method: 'POST', url: '/api/images/upload', payload: form.payload, headers: form.headers })).json() as Node;
  const [a] = await generate(t.app, { parent_id: root.id, action_type: 'img2img', prompt: 'a harbour at dawn' });
  const [b] = await generate(t.app, { parent_id: root.id, action_type: 'img2img', prompt: 'a harbour at night' });
  const [c] = await generate(t.app, { parent_id: a!.id, action_type: 'variation' });
  await t.app.inject({ method: 'PATCH', url: `/api/images/${a!.id}`, payload: { starred: true } });
  await t.app.inject({ method: 'DELETE', url: `/api/images/${b!.id}?forever=true` });
  return { root, a: a as Node, b: b as Node, c: c as Node, jpeg };
}

/** A node as it must come out of a round trip: everything but ids and its own links. */
function shape(n: Node, byId: Map<number, Node>) {
  return {
    parent_sha256: n.parent_id === null ? null : byId.get(n.parent_id)!.sha256,
    depth: n.depth,
    sha256: n.sha256,
    prompt: n.prompt,
    action_type: n.action_type,
    seed: n.seed,
    starred: n.starred,
    deleted: n.deleted_at !== null,
    created_at: n.created_at,
    original: n.original?.sha256 ?? null,
  };
}

describe('lineage bundles', () => {
  it('a tree exported and imported into an empty data folder is the same tree, with identical bytes', async () => {
    const source = await start();
    const { root, a, jpeg } = await sourceTree(source);
    const zip = await exportBundle(source, a.id, 'tree');
    const names = await entryNames(zip);
    expect(names[0]).toBe('imageflow-bundle.jsonl');
    expect(names).toContain(`originals/${sha256Hex(jpeg)}.jpg`);
    // The deleted node travels as a tombstone: no file of its own.
    expect(names.filter((n) => n.startsWith('files/'))).toHaveLength(3);

    const dataDir = await makeDataDir();
    const target = await start({}, dataDir);
    const res = await importBundle(target, zip);
    expect(res.statusCode, res.body).toBe(201);
    const result = res.json();
    expect(result).toMatchObject({ nodes: 4, added: 4, existing: 0 });

    const before = await treeOf(source, root.id);
    const after = await treeOf(target, result.root_id);
    const shapes = (nodes: Node[]) => {
      const byId = new Map(nodes.map((n) => [n.id, n]));
      return nodes.map((n) => shape(n, byId)).sort((x, y) => x.created_at.localeCompare(y.created_at) || String(x.sha256).localeCompare(String(y.sha256)));
    };
    expect(shapes(after)).toEqual(shapes(before));
    // The bytes of every live image and of the original are the bundle's, byte for byte.
    for (const node of after.filter((n) => n.url)) {
      const bytes = (await target.app.inject({ url: node.url! })).rawPayload;
      expect(sha256Hex(bytes)).toBe(node.sha256);
    }
    const importedRoot = after.find((n) => n.depth === 0)!;
    expect((await target.app.inject({ url: importedRoot.original!.url })).rawPayload.equals(jpeg)).toBe(true);
    expect((await listFiles(dataDir)).filter((f) => f.startsWith('thumbs/'))).toHaveLength(3);

    // Importing it again adds nothing.
    const again = (await importBundle(target, zip)).json();
    expect(again).toMatchObject({ nodes: 4, added: 0, existing: 4, root_id: result.root_id });
    expect(await treeOf(target, result.root_id)).toHaveLength(4);
  });

  it('a branch lands as a root that waits for its parent, and hangs under it when the parent comes', async () => {
    const source = await start();
    const { root, a, c } = await sourceTree(source);
    const branch = await exportBundle(source, a.id, 'branch');
    const path = await exportBundle(source, c.id, 'path');
    const target = await start();
    const landed = (await importBundle(target, branch)).json();
    expect(landed).toMatchObject({ nodes: 2, added: 2 });
    const top = (await target.app.inject({ url: `/api/images/${landed.focus_id}` })).json();
    expect(top).toMatchObject({ is_root: true, action_type: 'upload', pending_parent_sha256: root.sha256 });

    // The path from the root brings the parent: the branch attaches under it, with its recorded action.
    const joined = (await importBundle(target, path)).json();
    expect(joined).toMatchObject({ nodes: 3, added: 1, existing: 2 });
    const tree = await treeOf(target, joined.root_id);
    expect(tree).toHaveLength(3);
    const moved = tree.find((n) => n.id === landed.focus_id)!;
    expect(moved).toMatchObject({ depth: 1, action_type: 'img2img' });
    expect(tree.find((n) => n.sha256 === c.sha256)).toMatchObject({ depth: 2 });
  });

  it('a bundle with one changed byte, or cut short, is refused whole and leaves nothing', async () => {
    const source = await start();
    const { a } = await sourceTree(source);
    const zip = await exportBundle(source, a.id, 'tree');
    const dataDir = await makeDataDir();
    const target = await start({}, dataDir);

    // A byte inside the last stored file (files are stored, not deflated: their bytes are in the zip as they are).
    const flipped = Buffer.from(zip);
    const at = zip.lastIndexOf(Buffer.from('IDAT')) + 8;
    flipped[at] = flipped[at]! ^ 0xff;
    const damaged = await importBundle(target, flipped);
    expect(damaged.statusCode).toBe(422);
    expect(errorOf(damaged)).toMatchObject({ code: expect.stringMatching(/^bundle_(hash_mismatch|invalid)$/), message: expect.stringMatching(/changed or damaged|does not match/) });

    for (const cut of [zip.length - 10, Math.floor(zip.length / 2), 100]) {
      const res = await importBundle(target, zip.subarray(0, cut));
      expect(res.statusCode, `cut at ${cut}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `cut at ${cut}`).toBeLessThan(500);
      expect(errorOf(res).code).toMatch(/^bundle_/);
    }
    const notZip = await importBundle(target, Buffer.from('not a zip at all'));
    expect(notZip.statusCode).toBe(422);
    expect((await target.app.inject({ url: '/api/images' })).json().items).toEqual([]);
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('a bundle past IMAGEFLOW_MAX_BUNDLE_MB is refused with 413, and nothing of it stays in the temporary folder', async () => {
    const t = await start({ IMAGEFLOW_MAX_BUNDLE_MB: '1' });
    const spooled = async () => (await fs.readdir(os.tmpdir())).filter((f) => f.startsWith('upload-'));
    const before = await spooled();
    const res = await importBundle(t, Buffer.alloc(2 * 1024 * 1024, 7));
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).message).toBe('The file is larger than the 1 MB upload limit for a bundle (IMAGEFLOW_MAX_BUNDLE_MB).');
    const refused = await importBundle(t, Buffer.from('PK not really'));
    expect(refused.statusCode).toBe(422);
    expect(await spooled()).toEqual(before);
  });

  it("with accounts, nobody exports another user's tree, and an import belongs to who imported it", async () => {
    const t = await start({ IMAGEFLOW_AUTH: 'on' });
    const token = async (name: string) => {
      const user = await t.services.accounts.createUser(name, `${name}-password`, 'user');
      return { authorization: `Bearer ${(await t.services.accounts.createToken(user, 'test')).token}` };
    };
    const alice = await token('alice');
    const bob = await token('bob');
    const made = (await t.app.inject({ method: 'POST', url: '/api/images/generate', headers: alice, payload: { prompt: 'alice only', spec: { width: 64, height: 64, steps: 4 } } })).json().images[0];
    expect((await t.app.inject({ url: `/api/images/${made.id}/bundle?scope=tree`, headers: bob })).statusCode).toBe(404);
    expect((await t.app.inject({ url: `/api/images/${made.id}/bundle?scope=tree` })).statusCode).toBe(401);
    const zip = await exportBundle(t, made.id, 'tree', alice);
    // Bob imports Alice's bundle: his own copy, not Alice's node.
    const res = (await importBundle(t, zip, bob)).json();
    expect(res).toMatchObject({ added: 1, existing: 0 });
    expect(res.focus_id).not.toBe(made.id);
    expect((await t.app.inject({ url: `/api/images/${res.focus_id}`, headers: alice })).statusCode).toBe(404);
  });
});
