/**
 * Lineage answers are kept by each API process and sent again while their tree's version, counted up
 * by the database on every write to a node of the tree (migration 013), is unchanged. These tests hold
 * a process's answers to what a process without the cache answers, after every kind of change made by
 * another process on the same database.
 */
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import { TreeAnswerCache } from '../src/services/answer-cache.ts';
import { LOCAL_ACTOR } from '../src/services/access.ts';
import { LineageService } from '../src/services/lineage.service.ts';
import { PublicUrls } from '../src/services/public-urls.ts';
import { CountingRepository } from './support/counting-repository.ts';
import { plant } from './support/nodes.ts';
import { INJECT_ORIGIN } from './support/origin.ts';
import { startClosedAfterEach } from './harness.ts';

const start = startClosedAfterEach();

describe('TreeAnswerCache', () => {
  it('gives an answer back only at the version it was made at', () => {
    const cache = new TreeAnswerCache(1000);
    cache.set('a', 3, Buffer.from('three'));
    expect(cache.get('a', 3)?.bytes.toString()).toBe('three');
    expect(cache.get('b', 3)).toBeUndefined();
    // Another version: not given, and no longer kept.
    expect(cache.get('a', 4)).toBeUndefined();
    expect(cache.get('a', 3)).toBeUndefined();
    expect(cache.bytes).toBe(0);
    cache.set('a', 4, Buffer.from('four'));
    cache.set('a', 5, Buffer.from('five!'));
    expect(cache.get('a', 5)?.bytes.toString()).toBe('five!');
    expect(cache.bytes).toBe(5);
  });

  it('lets the least recently used go past its size, and keeps no answer of more than a quarter of it', () => {
    const cache = new TreeAnswerCache(100);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, 1, Buffer.alloc(25));
    expect(cache.get('a', 1)).toBeDefined(); // a is now the most recently used
    cache.set('e', 1, Buffer.alloc(25));
    expect(cache.get('b', 1)).toBeUndefined();
    for (const key of ['a', 'c', 'd', 'e']) expect(cache.get(key, 1)).toBeDefined();
    expect(cache.bytes).toBe(100);
    cache.set('big', 1, Buffer.alloc(26));
    expect(cache.get('big', 1)).toBeUndefined();
    expect(cache.bytes).toBe(100);
  });
});

describe('lineage answers kept between requests', () => {
  it('one API process sends again what it made while the tree is unchanged, and sees every change another process makes', async () => {
    let counting: CountingRepository | undefined;
    const a = await start({ start: false, nodes: (db) => (counting = new CountingRepository(db)) });
    const b = await start({ start: false, dataDir: a.dataDir });
    const repo = new KyselyNodeRepository(b.db);
    const uncached = new LineageService(repo, new PublicUrls(null, () => INJECT_ORIGIN));

    const [root] = await plant(repo, null, 1);
    const children = await plant(repo, root!, 4);
    const [other] = await plant(repo, null, 3);
    const focus = children[1]!;
    const urls = [
      `/api/images/${focus.id}/lineage?fields=summary`,
      `/api/images/${focus.id}/lineage`,
      `/api/images/${focus.id}/lineage?scope=ancestors`,
      `/api/images/${root!.id}/lineage?scope=descendants&limit=2`,
    ];
    /** Every answer of process a is what a process without the cache answers now. */
    const expectFresh = async (): Promise<string[]> => {
      const bodies: string[] = [];
      for (const url of urls) {
        const res = await a.app.inject({ url });
        expect(res.statusCode, res.body).toBe(200);
        const query = new URL(url, INJECT_ORIGIN).searchParams;
        const id = Number(/images\/(\d+)/.exec(url)![1]);
        const scope = (query.get('scope') ?? 'tree') as 'tree' | 'ancestors' | 'descendants';
        const fresh = await uncached.lineage(id, scope, Number(query.get('limit') ?? 1000), LOCAL_ACTOR, undefined, (query.get('fields') ?? 'full') as 'full');
        expect(res.body).toBe(String(fresh));
        bodies.push(res.body);
      }
      return bodies;
    };

    const first = await expectFresh();
    expect(counting!.pages).toBe(1);
    // Unchanged: sent again without reading the tree's nodes.
    expect(await expectFresh()).toEqual(first);
    expect(counting!.pages).toBe(1);
    // Another tree's change changes nothing here.
    await plant(repo, other!, 2);
    await b.app.inject({ method: 'PATCH', url: `/api/images/${other!.id}`, payload: { starred: true } });
    expect(await expectFresh()).toEqual(first);
    expect(counting!.pages).toBe(1);

    // Each change by process b (or by its workers, through the repository) shows at once in a's answers.
    const changes: Array<[string, () => Promise<unknown>]> = [
      ['a child committed', () => plant(repo, children[0]!, 1)],
      ['a star', () => b.app.inject({ method: 'PATCH', url: `/api/images/${children[2]!.id}`, payload: { starred: true } })],
      ['moved to the trash', () => b.app.inject({ method: 'DELETE', url: `/api/images/${children[3]!.id}` })],
      ['restored', () => b.app.inject({ method: 'POST', url: `/api/images/${children[3]!.id}/restore` })],
      ['deleted for good', () => b.app.inject({ method: 'DELETE', url: `/api/images/${children[3]!.id}?forever=true` })],
      ['starred in bulk', () => b.app.inject({ method: 'POST', url: '/api/images/bulk', payload: { ids: [root!.id, children[0]!.id], action: 'star' } })],
    ];
    let previous = first;
    for (const [what, change] of changes) {
      const pages = counting!.pages;
      const res = (await change()) as { statusCode?: number; body?: string } | undefined;
      if (res && typeof res.statusCode === 'number') expect(res.statusCode, `${what}: ${res.body}`).toBeLessThan(300);
      const now = await expectFresh();
      expect(now, what).not.toEqual(previous);
      expect(counting!.pages, what).toBe(pages + 1);
      previous = now;
    }
  });

  it('the database counts a version per tree on every insert, change and delete, whichever process makes it', async () => {
    const t = await start({ start: false });
    const repo = new KyselyNodeRepository(t.db);
    const [root, child] = await plant(repo, null, 2);
    const [other] = await plant(repo, null, 1);
    const version = async (id: number) => (await repo.findFocus(id))!.tree_version;
    const seen = [await version(child!.id)];
    expect(await version(root!.id)).toBe(seen[0]);
    const otherBefore = await version(other!.id);
    for (const write of [
      () => plant(repo, child!, 1),
      () => repo.setStarred(child!.id, true),
      () => t.db.updateTable('image_nodes').set({ owner_id: null }).where('root_id', '=', root!.id).execute(),
      () => t.db.deleteFrom('image_nodes').where('parent_id', '=', child!.id).execute(),
    ]) {
      await write();
      seen.push(await version(child!.id));
    }
    // Every write counted, the unchanged tree's version as it was, a node never seen: none.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]!);
    expect(await version(other!.id)).toBe(otherBefore);
    expect(await repo.findFocus(987_654)).toBeUndefined();
  });

  it('IMAGEFLOW_TREE_CACHE_MB=0 keeps none: every answer reads the tree', async () => {
    let counting: CountingRepository | undefined;
    const t = await start({ start: false, env: { IMAGEFLOW_TREE_CACHE_MB: '0' }, nodes: (db) => (counting = new CountingRepository(db)) });
    const [root] = await plant(counting!, null, 2);
    for (let i = 0; i < 2; i++) expect((await t.app.inject({ url: `/api/images/${root!.id}/lineage?fields=summary` })).statusCode).toBe(200);
    expect(counting!.pages).toBe(2);
  });

  it('compresses a kept answer once per encoding the client accepts, as @fastify/compress would', async () => {
    const t = await start({ start: false });
    const repo = new KyselyNodeRepository(t.db);
    const [root] = await plant(repo, null, 30);
    const url = `/api/images/${root!.id}/lineage`;
    const plain = await t.app.inject({ url });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(1024);
    const cases: Array<[string, string | undefined, (b: Buffer) => Buffer]> = [
      ['gzip', 'gzip', zlib.gunzipSync],
      ['br', 'br', zlib.brotliDecompressSync],
      ['gzip, deflate, br, zstd', 'br', zlib.brotliDecompressSync],
      ['gzip;q=1, br;q=0.5', 'gzip', zlib.gunzipSync],
      ['*', 'gzip', zlib.gunzipSync],
      ['identity', undefined, (b) => b],
      ['zstd', undefined, (b) => b],
    ];
    for (const [accept, encoding, decode] of cases) {
      const first = await t.app.inject({ url, headers: { 'accept-encoding': accept } });
      const again = await t.app.inject({ url, headers: { 'accept-encoding': accept } });
      expect(first.headers['content-encoding'], accept).toBe(encoding);
      expect(decode(first.rawPayload).toString(), accept).toBe(plain.body);
      expect(again.rawPayload.equals(first.rawPayload), accept).toBe(true);
      if (encoding) {
        expect(first.headers.vary).toMatch(/accept-encoding/i);
        expect(Number(first.headers['content-length'])).toBe(first.rawPayload.length);
      }
    }
    // Hostile or odd headers: the same choice as the plugin makes for an answer not kept (an app keeping
    // none, on the same database), a 200 every time.
    const plugin = await start({ start: false, dataDir: t.dataDir, env: { IMAGEFLOW_TREE_CACHE_MB: '0' } });
    for (const accept of ['gzip;q=abc', ',,,', ';;;=', 'br;q=0', 'br;q=0, gzip;q=0', 'br;q=0.000001,gzip', 'identity;q=0, *;q=0', 'X-GZIP', 'gzip'.padEnd(8000, ' ')]) {
      const kept = await t.app.inject({ url, headers: { 'accept-encoding': accept } });
      const made = await plugin.app.inject({ url, headers: { 'accept-encoding': accept } });
      expect([kept.statusCode, made.statusCode], accept).toEqual([200, 200]);
      expect(kept.headers['content-encoding'], accept).toBe(made.headers['content-encoding']);
    }
    const refused = await t.app.inject({ url, headers: { 'accept-encoding': 'gzip', 'x-no-compression': '1' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body).toBe(plain.body);
    // A small answer goes out as it is.
    const [single] = await plant(repo, null, 1);
    const small = await t.app.inject({ url: `/api/images/${single!.id}/lineage?fields=summary`, headers: { 'accept-encoding': 'gzip' } });
    expect(small.rawPayload.length).toBeLessThan(1024);
    expect(small.headers['content-encoding']).toBeUndefined();
  });

  it('a tree adopted under another node changes the answers of both trees', async () => {
    const a = await start({ start: false });
    const repo = new KyselyNodeRepository(a.db);
    const [parent] = await plant(repo, null, 1);
    const [orphan] = await plant(repo, null, 2, {});
    await a.db.updateTable('image_nodes').set({ pending_parent_sha256: parent!.sha256 }).where('id', '=', orphan!.id).execute();
    const tree = async (id: number) => (await a.app.inject({ url: `/api/images/${id}/lineage?fields=summary` })).json<{ root_id: number; nodes: unknown[] }>();
    expect((await tree(parent!.id)).nodes).toHaveLength(1);
    expect((await tree(orphan!.id)).root_id).toBe(orphan!.id);
    await repo.adoptOrphans({ id: parent!.id, rootId: parent!.id, depth: 0 }, [parent!.sha256], null);
    expect((await tree(parent!.id)).nodes).toHaveLength(3);
    expect((await tree(orphan!.id)).root_id).toBe(parent!.id);
  });

  it('keeps the answers of each origin apart: no URL made for one request goes to another', async () => {
    const t = await start({ start: false });
    const repo = new KyselyNodeRepository(t.db);
    const [root] = await plant(repo, null, 2);
    const cache = new TreeAnswerCache(1 << 20);
    const forOrigin = (origin: string) => new LineageService(repo, new PublicUrls(null, () => origin), cache);
    const one = String(await forOrigin('https://one.example').lineage(root!.id, 'tree', 10, LOCAL_ACTOR, undefined, 'summary'));
    const two = String(await forOrigin('https://two.example').lineage(root!.id, 'tree', 10, LOCAL_ACTOR, undefined, 'summary'));
    expect(one).toContain('"https://one.example/thumbs/');
    expect(one).not.toContain('two.example');
    expect(two).toContain('"https://two.example/thumbs/');
    expect(two).not.toContain('one.example');
  });
});
