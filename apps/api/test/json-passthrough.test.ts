/**
 * Gallery and lineage answers are assembled from each node's JSON as the database makes it and the
 * stored JSON of its recipe and request parameters, without parsing them (presenter.ts nodeText). These
 * tests hold that text to the object form: JSON.stringify(toImageNode(node)) byte for byte, on SQLite and
 * PostgreSQL, for nodes whose text and recipes hold what escaping gets wrong. And large answers go out compressed when the client
 * accepts it, and only then.
 */
import { randomUUID } from 'node:crypto';
import zlib from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeSummary, type GalleryPage, type ImageNode, type Lineage, type LineageSummary } from '@imageflow/shared';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import type { GalleryFilter, NewNode, NodeWithCounts } from '../src/ports/node.repository.port.ts';
import { encodeGalleryCursor } from '../src/services/image.service.ts';
import { encodeTreeCursor, LineageService } from '../src/services/lineage.service.ts';
import { LOCAL_ACTOR } from '../src/services/access.ts';
import { answerText, nodeText, toImageNode } from '../src/services/presenter.ts';
import { PublicUrls } from '../src/services/public-urls.ts';
import { newNode } from './support/nodes.ts';
import { INJECT_ORIGIN } from './support/origin.ts';
import { startTestApp, type TestApp } from './harness.ts';

let t: TestApp;
let repo: KyselyNodeRepository;
const URLS = new PublicUrls(null);
/** The URLs of an answer to an injected request. */
const INJECTED = new PublicUrls(null, () => INJECT_ORIGIN);

beforeEach(async () => {
  t = await startTestApp({ start: false });
  repo = new KyselyNodeRepository(t.db);
});
afterEach(async () => t.close());

/** Text that escaping gets wrong: quotes, backslashes, controls, U+2028/U+2029, emoji, other scripts, markup. */
const HARD_TEXT = 'a "quoted" \\back\\slash\\ \n line\ttab\r \u2028 and \u2029, 🦊🏳️‍🌈 狐 ثعلب </script><!-- \u00e9\u0301 \u{1F600}';

/** A recipe with what JSON.parse then JSON.stringify might reorder or rewrite. */
function hardSpec(i: number): Record<string, unknown> {
  const spec: Record<string, unknown> = {
    model: 'sdxl',
    seed: Number.MAX_SAFE_INTEGER - i,
    steps: 4,
    guidance: 0.1 + 0.2,
    tiny: 5e-7,
    huge: 1e21,
    negative_zero: -0,
    '10': 'an integer-like key, after a name',
    '2': 'another',
    text: HARD_TEXT,
    controls: '\u0000\u0001\u001f\u007f',
    lone_surrogates: '\ud800 x \udfff',
    nested: { list: [1, 'two', null, true, false, { deeper: ['\u2028', { emoji: '🦊' }] }], empty: {}, none: [] },
    imported: { tool: 'A1111 "webui"', parameters: `${HARD_TEXT}\nSteps: 20, Sampler: DPM++ 2M` },
  };
  // An own "__proto__" key, as JSON.parse makes one from an upload's recipe.
  Object.defineProperty(spec, '__proto__', { value: { polluted: 'no' }, enumerable: true, writable: true, configurable: true });
  return spec;
}

/** A node whose text and recipe hold what escaping gets wrong. */
function node(id: number, parent: NewNode | null, extra: Partial<NewNode> = {}): NewNode {
  return newNode(id, parent, (made) => ({
    prompt: `${HARD_TEXT} #${made}`,
    negative_prompt: made % 2 ? HARD_TEXT : '',
    spec: hardSpec(made),
    request_params: { prompt: HARD_TEXT, spec: { seed: made, nested: [[HARD_TEXT]] }, '7': null },
    image_path: `images/sdxl_${randomUUID()}.png`,
    model: made % 3 ? 'sdxl' : 'model "with" quotes 🦊',
    seed: made % 4 ? Number.MAX_SAFE_INTEGER - made : null,
    width: 1024,
    height: 768,
    bytes: 123_456 + made,
    job_id: made % 2 ? randomUUID() : null,
    ...extra,
  }));
}

/**
 * A tree of `size` nodes (4 children per inner node) under one root, with an upload and its
 * original, a tombstone with an original, a node in the trash, a starred one and one waiting for
 * its parent; returns the root and the deepest node.
 */
async function plantTree(size: number): Promise<{ root: NewNode; deepest: NewNode; all: NewNode[] }> {
  const ids = await repo.reserveIds(size);
  const all: NewNode[] = [];
  for (const [i, id] of ids.entries()) {
    const parent = i === 0 ? null : all[Math.floor((i - 1) / 4)]!;
    const uuid = randomUUID();
    const extra: Partial<NewNode> =
      i === 1
        ? { action_type: 'upload', filename: `upload_${uuid}.png`, original: { filename: `upload_${uuid}.original.jpg`, sha256: 'ab'.repeat(32), bytes: 999 } }
        : i === 2
          ? { deleted_at: '2026-11-28T00:00:00.000Z', image_path: null, original: { filename: `upload_${uuid}.original.tif`, sha256: 'cd'.repeat(32), bytes: 7 } }
          : i === 3
            ? { pending_parent_sha256: 'ef'.repeat(32) }
            : {};
    all.push(node(id, parent, extra));
  }
  await repo.commitNodes(all, []);
  await repo.setTrashed(all[4]!.id, '2026-11-28T01:02:03.004Z');
  await repo.setStarred(all[5]!.id, true);
  return { root: all[0]!, deepest: all.at(-1)!, all };
}

const present = (rows: NodeWithCounts[], urls = INJECTED): ImageNode[] => rows.map((r) => toImageNode(r, urls));

async function getJson(url: string): Promise<{ body: string; parsed: unknown }> {
  const res = await t.app.inject({ url });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  return { body: res.body, parsed: res.json() };
}

/** The answer is byte for byte JSON.stringify of the object form, and parses deep-equal to it. */
async function expectAnswer(url: string, expected: unknown): Promise<string> {
  const { body, parsed } = await getJson(url);
  expect(parsed).toEqual(expected);
  expect(body).toBe(JSON.stringify(expected));
  return body;
}

describe('nodes presented from JSON made by the database', () => {
  it('nodeText gives JSON.stringify of the toImageNode form byte for byte, relative and absolute URLs', async () => {
    const { root } = await plantTree(12);
    const parsed = (await repo.treePage(root.id, 100)).rows;
    const json = (await repo.json.treePage(root.id, 100)).rows;
    expect(json.map((s) => s.id)).toEqual(parsed.map((p) => p.id));
    expect(parsed.some((p) => p.original !== null && p.deleted_at !== null)).toBe(true);
    expect(parsed.some((p) => p.original !== null && p.deleted_at === null)).toBe(true);
    expect(parsed.some((p) => p.trashed_at !== null)).toBe(true);
    for (const urls of [URLS, INJECTED, new PublicUrls('https://cdn.example.com/a "b"/')]) {
      for (const [i, s] of json.entries()) expect(nodeText(s, urls)).toBe(JSON.stringify(toImageNode(parsed[i]!, urls)));
    }
    // The recipe came back as written, integer-like keys first, __proto__ key and all, polluting nothing.
    const first = JSON.parse(nodeText(json[0]!, URLS)) as ImageNode;
    expect(first.spec_json).toEqual(parsed[0]!.spec);
    expect(Object.keys(first.spec_json).slice(0, 2)).toEqual(['2', '10']);
    expect(Object.hasOwn(first.spec_json, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // The stored text itself, not a re-serialisation of it.
    expect(json[0]!.spec_json).toBe(JSON.stringify(parsed[0]!.spec));
  });

  it('the JSON a node is read with follows every change made to it: star, trash, delete, adoption into another tree', async () => {
    const { root, all } = await plantTree(6);
    // An upload waiting for its parent's hash: a root of its own tree, with a child.
    const [orphanId, childId] = await repo.reserveIds(2);
    const orphan = node(orphanId!, null, { pending_parent_sha256: all[1]!.sha256 });
    await repo.commitNodes([orphan, node(childId!, orphan)], []);

    await repo.updateMany([all[1]!.id, all[3]!.id], { starred: true }, undefined);
    await repo.updateMany([all[4]!.id], { trashedAt: null }, undefined);
    await repo.updateMany([all[3]!.id], { trashedAt: '2026-11-29T03:04:05.006Z' }, undefined);
    await repo.markDeleted(all[5]!.id, '2026-11-29T04:05:06.007Z');
    expect(await repo.adoptOrphans({ id: all[1]!.id, rootId: root.id, depth: 1 }, [all[1]!.sha256], null)).toHaveLength(1);

    const parsed = (await repo.treePage(root.id, 100)).rows;
    const json = (await repo.json.treePage(root.id, 100)).rows;
    expect(new Set(parsed.map((p) => p.id))).toEqual(new Set([...all.map((n) => n.id), orphanId, childId]));
    const adopted = parsed.find((p) => p.id === orphanId)!;
    expect([adopted.parent_id, adopted.root_id, adopted.depth, adopted.is_root, adopted.pending_parent_sha256]).toEqual([all[1]!.id, root.id, 2, false, null]);
    expect(parsed.find((p) => p.id === childId)!.depth).toBe(3);
    expect(parsed.find((p) => p.id === all[1]!.id)!.children_count).toBe(all.filter((n) => n.parent_id === all[1]!.id).length + 1);
    expect(parsed.filter((p) => p.starred).map((p) => p.id)).toEqual([all[1]!.id, all[3]!.id]);
    expect(parsed.find((p) => p.id === all[5]!.id)!.deleted_at).toBe('2026-11-29T04:05:06.007Z');
    for (const [i, s] of json.entries()) expect(nodeText(s, URLS)).toBe(JSON.stringify(toImageNode(parsed[i]!, URLS)));
  });

  it('answerText gives JSON.stringify of the answer with its list of nodes', () => {
    const items = [{ a: 1, b: '"x" 🦊 狐 \u2028' }, { c: [null, true] }];
    const cases: Array<[object, object]> = [[{}, {}], [{ h: 'spec_json' }, {}], [{}, { next_cursor: null }], [{ root_id: 1, path: [1, 2] }, { truncated: true, next_cursor: 'a"b' }]];
    for (const [head, tail] of cases) {
      for (const list of [items, items.slice(0, 1), []]) {
        const text = answerText(head, 'nodes', list.map((i) => JSON.stringify(i)), tail);
        expect(text.toString()).toBe(JSON.stringify({ ...head, nodes: list, ...tail }));
        expect(text.toBuffer()).toEqual(Buffer.from(JSON.stringify({ ...head, nodes: list, ...tail })));
      }
    }
  });
});

describe('GET /api/images/:id/lineage and /api/images answer what the object form did', () => {
  it('tree pages, ancestors and descendants', async () => {
    const { root, deepest, all } = await plantTree(30);
    const path = await repo.ancestorIds(deepest.id);
    expect(path.length).toBeGreaterThan(2);

    // The tree in pages of 7, following next_cursor to the end.
    let cursor: string | null = null;
    let after: { depth: number; id: number } | undefined;
    let seen = 0;
    do {
      const page = await repo.treePage(root.id, 7, after);
      const last = page.rows.at(-1)!;
      const expected: Lineage = {
        root_id: root.id,
        focus_id: deepest.id,
        path,
        nodes: present(page.rows),
        truncated: page.hasMore,
        next_cursor: page.hasMore ? encodeTreeCursor(last.depth, last.id) : null,
      };
      await expectAnswer(`/api/images/${deepest.id}/lineage?scope=tree&limit=7${cursor ? `&cursor=${cursor}` : ''}`, expected);
      seen += page.rows.length;
      cursor = expected.next_cursor;
      after = { depth: last.depth, id: last.id };
    } while (cursor !== null);
    expect(seen).toBe(all.length);

    // The whole tree in one page (the default limit).
    const whole = await repo.treePage(root.id, 1000);
    await expectAnswer(`/api/images/${all[3]!.id}/lineage`, {
      root_id: root.id,
      focus_id: all[3]!.id,
      path: await repo.ancestorIds(all[3]!.id),
      nodes: present(whole.rows),
      truncated: false,
      next_cursor: null,
    });

    // Ancestors: root first, paged by depth.
    const ancestors = await repo.ancestors(deepest.id);
    await expectAnswer(`/api/images/${deepest.id}/lineage?scope=ancestors`, {
      root_id: root.id,
      focus_id: deepest.id,
      path,
      nodes: present(ancestors),
      truncated: false,
      next_cursor: null,
    });
    const firstTwo = ancestors.slice(0, 2);
    const ancestorsCursor = encodeTreeCursor(firstTwo[1]!.depth, firstTwo[1]!.id);
    await expectAnswer(`/api/images/${deepest.id}/lineage?scope=ancestors&limit=2`, {
      root_id: root.id,
      focus_id: deepest.id,
      path,
      nodes: present(firstTwo),
      truncated: true,
      next_cursor: ancestorsCursor,
    });
    await expectAnswer(`/api/images/${deepest.id}/lineage?scope=ancestors&limit=2&cursor=${ancestorsCursor}`, {
      root_id: root.id,
      focus_id: deepest.id,
      path,
      nodes: present(ancestors.slice(2, 4)),
      truncated: ancestors.length > 4,
      next_cursor: ancestors.length > 4 ? encodeTreeCursor(ancestors[3]!.depth, ancestors[3]!.id) : null,
    });

    // Descendants of the root's first child.
    const below = await repo.descendantsPage(all[1]!.id, 1000);
    expect(below.rows.length).toBeGreaterThan(0);
    await expectAnswer(`/api/images/${all[1]!.id}/lineage?scope=descendants`, {
      root_id: root.id,
      focus_id: all[1]!.id,
      path: [root.id, all[1]!.id],
      nodes: present(below.rows),
      truncated: false,
      next_cursor: null,
    });
    // A leaf has none: an empty array, as before.
    await expectAnswer(`/api/images/${deepest.id}/lineage?scope=descendants`, { root_id: root.id, focus_id: deepest.id, path, nodes: [], truncated: false, next_cursor: null });
  });

  it('gallery pages: newest, with a cursor, searched, filtered, empty', async () => {
    await plantTree(20);
    const page = async (filter: Omit<GalleryFilter, 'limit'>, limit: number): Promise<GalleryPage> => {
      const rows = await repo.gallery({ ...filter, limit: limit + 1 });
      const items = present(rows.slice(0, limit));
      return { items, next_cursor: rows.length > limit && items.length > 0 ? encodeGalleryCursor(items.at(-1)!.id) : null };
    };
    const first = await page({}, 5);
    expect(first.items).toHaveLength(5);
    await expectAnswer('/api/images?limit=5', first);
    const beforeId = first.items.at(-1)!.id;
    await expectAnswer(`/api/images?limit=5&cursor=${first.next_cursor}`, await page({ pastId: beforeId }, 5));
    await expectAnswer('/api/images', await page({}, 50));
    const searched = await page({ q: 'quoted' }, 4);
    expect(searched.items.length).toBe(4);
    await expectAnswer('/api/images?limit=4&q=quoted', searched);
    await expectAnswer(`/api/images?q=${encodeURIComponent('狐')}`, await page({ q: '狐' }, 50));
    await expectAnswer('/api/images?starred=true', await page({ starred: true }, 50));
    await expectAnswer(`/api/images?model=${encodeURIComponent('model "with" quotes 🦊')}`, await page({ model: 'model "with" quotes 🦊' }, 50));
    await expectAnswer('/api/images?action_type=upload', await page({ actionType: 'upload' }, 50));
    expect(await expectAnswer('/api/images?q=nothingmatchesthis', { items: [], next_cursor: null })).toBe('{"items":[],"next_cursor":null}');
  });
});

describe('GET /api/images/:id/lineage?fields=summary', () => {
  const SUMMARY_KEYS = Object.keys(NodeSummary.shape).sort();
  const summaryOf = (node: ImageNode): NodeSummary => Object.fromEntries(SUMMARY_KEYS.map((k) => [k, node[k as keyof ImageNode]])) as NodeSummary;

  /** The summary answer is the full answer with each node cut down to NodeSummary's fields, no more and no fewer. */
  async function expectSummaryOf(url: string): Promise<LineageSummary> {
    const full = (await getJson(url)).parsed as Lineage;
    const { body, parsed } = await getJson(`${url}${url.includes('?') ? '&' : '?'}fields=summary`);
    const summary = parsed as LineageSummary;
    // Compact, as JSON.stringify writes it, on both databases.
    expect(body).toBe(JSON.stringify(summary));
    expect(summary).toEqual({ ...full, nodes: full.nodes.map(summaryOf) });
    for (const n of summary.nodes) {
      expect(Object.keys(n).sort()).toEqual(SUMMARY_KEYS);
      NodeSummary.strict().parse(n);
    }
    return summary;
  }

  it('holds exactly the summary fields of what the full answer holds, for every scope and page, hard text and all', async () => {
    const { deepest, all } = await plantTree(30);
    const whole = await expectSummaryOf(`/api/images/${deepest.id}/lineage?scope=tree`);
    expect(whole.nodes).toHaveLength(all.length);
    // Deleted: no thumbnail; in the trash and starred as stored; text with quotes, controls, U+2028 and emoji intact.
    expect(whole.nodes.find((n) => n.id === all[2]!.id)!.thumbnail_url).toBeNull();
    expect(whole.nodes.find((n) => n.id === all[4]!.id)!.trashed_at).toBe('2026-11-28T01:02:03.004Z');
    expect(whole.nodes.find((n) => n.id === all[5]!.id)!.starred).toBe(true);
    expect(whole.nodes.every((n) => n.prompt.startsWith(`${HARD_TEXT} #`))).toBe(true);
    expect(whole.nodes.some((n) => n.model === 'model "with" quotes 🦊')).toBe(true);
    expect(whole.nodes.some((n) => n.seed === null) && whole.nodes.some((n) => n.seed !== null && n.seed > Number.MAX_SAFE_INTEGER - 10_000)).toBe(true);

    // Paged: the same pages and cursors as the full answer, followed to the end.
    let cursor: string | null = null;
    let seen = 0;
    do {
      const page = await expectSummaryOf(`/api/images/${deepest.id}/lineage?scope=tree&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen += page.nodes.length;
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(seen).toBe(all.length);

    const ancestors = await expectSummaryOf(`/api/images/${deepest.id}/lineage?scope=ancestors`);
    expect(ancestors.nodes.map((n) => n.id)).toEqual(ancestors.path);
    const two = await expectSummaryOf(`/api/images/${deepest.id}/lineage?scope=ancestors&limit=2`);
    expect(two.truncated).toBe(true);
    await expectSummaryOf(`/api/images/${deepest.id}/lineage?scope=ancestors&limit=2&cursor=${two.next_cursor}`);
    expect((await expectSummaryOf(`/api/images/${all[1]!.id}/lineage?scope=descendants&limit=5`)).nodes).toHaveLength(5);
    expect((await expectSummaryOf(`/api/images/${deepest.id}/lineage?scope=descendants`)).nodes).toEqual([]);
  });

  it('puts thumbnail URLs under the public base URL as every answer does, escaped', async () => {
    const { root } = await plantTree(6);
    const urls = new PublicUrls('https://cdn.example.com/a "b"\\/');
    const service = new LineageService(repo, urls);
    const summary = JSON.parse(String(await service.lineage(root.id, 'tree', 100, LOCAL_ACTOR, undefined, 'summary'))) as LineageSummary;
    const full = JSON.parse(String(await service.lineage(root.id, 'tree', 100, LOCAL_ACTOR))) as Lineage;
    expect(summary.nodes.map((n) => n.thumbnail_url)).toEqual(full.nodes.map((n) => n.thumbnail_url));
    expect(summary.nodes[0]!.thumbnail_url).toMatch(/^https:\/\/cdn\.example\.com\/a "b"\\\/thumbs\/.+\.webp$/);
  });

  it('refuses fields it does not know, saying which it does', async () => {
    const { root } = await plantTree(6);
    const res = await t.app.inject({ url: `/api/images/${root.id}/lineage?fields=everything` });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/fields must be "full".*or "summary"/);
  });
});

describe('compression of large JSON answers', () => {
  it('a large tree page goes out gzip- or brotli-compressed when accepted, and plain otherwise', async () => {
    const { root } = await plantTree(60);
    const url = `/api/images/${root.id}/lineage?scope=tree`;
    const plain = await t.app.inject({ url });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.length).toBeGreaterThan(20_000);
    expect((plain.json() as Lineage).nodes).toHaveLength(60);
    const identity = await t.app.inject({ url, headers: { 'accept-encoding': 'identity' } });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body).toBe(plain.body);

    const decoders = { gzip: zlib.gunzipSync, br: zlib.brotliDecompressSync } as const;
    for (const [accept, encoding] of [['gzip', 'gzip'], ['br', 'br'], ['gzip, deflate, br', 'br'], ['gzip;q=1, br;q=0', 'gzip']] as const) {
      const res = await t.app.inject({ url, headers: { 'accept-encoding': accept } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-encoding'], accept).toBe(encoding);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(String(res.headers.vary)).toMatch(/accept-encoding/i);
      expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length / 4);
      expect(decoders[encoding](res.rawPayload).toString('utf8'), accept).toBe(plain.body);
    }
  });

  it('gallery pages are compressed too; a small answer is not', async () => {
    await plantTree(20);
    const plain = await t.app.inject({ url: '/api/images' });
    const gzipped = await t.app.inject({ url: '/api/images', headers: { 'accept-encoding': 'gzip' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gzipped.rawPayload).toString('utf8')).toBe(plain.body);
    // Under the 1 KB threshold: not worth compressing.
    const empty = await t.app.inject({ url: '/api/images?q=nothingmatchesthis', headers: { 'accept-encoding': 'gzip' } });
    expect(empty.headers['content-encoding']).toBeUndefined();
    expect(empty.body).toBe('{"items":[],"next_cursor":null}');
  });
});
