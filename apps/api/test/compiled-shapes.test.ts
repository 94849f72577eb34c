/**
 * Gallery queries, tree and descendants pages, and a lineage answer's focus and path are built and compiled once
 * per shape and then run with each call's values (db/compiled-shapes.ts). These tests hold every answer, over a
 * run of calls that reuse shapes with other values, to the answer worked out in JavaScript from the nodes
 * themselves, on SQLite and PostgreSQL.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import { CompiledShapes } from '../src/db/compiled-shapes.ts';
import type { GalleryFilter, NewNode } from '../src/ports/node.repository.port.ts';
import { newNode, plantInterleavedTrees } from './support/nodes.ts';
import { onPostgres, startClosedAfterEach } from './harness.ts';

const start = startClosedAfterEach();

const MODELS = ['sdxl', 'flux-schnell', 'model "with" quotes'];
const WORDS = ['lighthouse', 'fox', 'harbour'];

/** The gallery `filter` asks for, worked out from the nodes: live, matching, in order, past the cursor, one page. */
function expected(nodes: readonly NewNode[], starred: ReadonlySet<number>, trashed: ReadonlySet<number>, filter: GalleryFilter): number[] {
  const word = filter.q?.toLowerCase();
  const matching = nodes.filter(
    (n) =>
      n.deleted_at === null &&
      !trashed.has(n.id) &&
      (word === undefined || n.prompt.toLowerCase().split(/\W+/u).some((w) => w.startsWith(word))) &&
      (filter.model === undefined || n.model === filter.model) &&
      (filter.actionType === undefined || n.action_type === filter.actionType) &&
      (filter.starred === undefined || starred.has(n.id) === filter.starred) &&
      (filter.ownerId === undefined || n.owner_id === filter.ownerId),
  );
  const asc = filter.order === 'asc';
  return matching
    .map((n) => n.id)
    .sort((a, b) => (asc ? a - b : b - a))
    .filter((id) => filter.pastId === undefined || (asc ? id > filter.pastId : id < filter.pastId))
    .slice(0, filter.limit);
}

describe('gallery statements compiled once per shape', () => {
  it('answer every filter, cursor, order and page size as the nodes say, whatever ran before in the same shape', async () => {
    const t = await start({ start: false });
    const repo = new KyselyNodeRepository(t.db);
    const ids = await repo.reserveIds(60);
    const nodes: NewNode[] = [];
    for (const [i, id] of ids.entries()) {
      const parent = i % 4 === 0 ? null : nodes[i - 1]!;
      nodes.push(
        newNode(id, parent, () => ({
          prompt: `a ${WORDS[i % 3]} at dusk, take ${i}`,
          model: MODELS[i % MODELS.length]!,
          action_type: i % 5 === 0 ? 'upload' : parent ? 'variation' : 'generate',
          owner_id: i % 2 ? 'owner-a' : 'owner-b',
          deleted_at: i % 11 === 10 ? '2026-11-29T00:00:00.000Z' : null,
        })),
      );
    }
    await repo.commitNodes(nodes, []);
    const starred = new Set(nodes.filter((_, i) => i % 3 === 1).map((n) => n.id));
    const trashed = new Set([nodes[7]!.id, nodes[20]!.id]);
    for (const id of starred) await repo.setStarred(id, true);
    for (const id of trashed) await repo.setTrashed(id, '2026-11-29T01:00:00.000Z');

    const mid = nodes[30]!.id;
    const filters: GalleryFilter[] = [];
    for (const limit of [5, 13])
      for (const order of [undefined, 'asc', 'desc'] as const)
        for (const pastId of [undefined, mid, nodes[45]!.id])
          for (const extra of [{}, { q: 'fox' }, { q: 'harb' }, { model: MODELS[2] }, { model: 'sdxl', starred: true }, { actionType: 'upload' as const }, { ownerId: 'owner-a', starred: false }, { q: 'lighthouse', ownerId: 'owner-b', model: 'flux-schnell' }])
            filters.push({ limit, order, pastId, ...extra });
    // Twice over, the second time in the opposite order: each shape first runs with other values than before.
    for (const filter of [...filters, ...filters.slice().reverse()]) {
      const want = expected(nodes, starred, trashed, filter);
      expect((await repo.gallery(filter)).map((n) => n.id), JSON.stringify(filter)).toEqual(want);
      expect((await repo.json.gallery(filter)).map((n) => n.id), JSON.stringify(filter)).toEqual(want);
    }
    // The filters above reach every kind of result, empty pages included.
    expect(filters.some((f) => expected(nodes, starred, trashed, f).length === 0)).toBe(true);
    expect(filters.some((f) => expected(nodes, starred, trashed, f).length === f.limit)).toBe(true);
    // A search with no word in it matches nothing, and runs nothing.
    expect(await repo.gallery({ limit: 10, q: '!!!' })).toEqual([]);
  });

  it('read tree and descendants pages, a focus and its path as the nodes say, whatever ran before in the same shape', async () => {
    const t = await start({ start: false });
    const repo = new KyselyNodeRepository(t.db);
    // Three binary trees of 15, their nodes interleaved, each of its own owner.
    const { nodes, byId, pathOf } = await plantInterleavedTrees(repo, 3, 15, (tree) => ({ owner_id: `owner-${tree}` }));
    const ids = nodes.map((n) => n.id);
    const breadthFirst = (list: NewNode[]) => list.sort((a, b) => a.depth - b.depth || a.id - b.id).map((n) => n.id);
    const isBelow = (n: NewNode, id: number): boolean => n.parent_id !== null && (n.parent_id === id || isBelow(byId.get(n.parent_id)!, id));

    type Read = (node: number, limit: number, after?: { depth: number; id: number }) => Promise<{ rows: Array<{ id: number; depth: number }>; hasMore: boolean }>;
    const walk = async (read: Read, node: number, limit: number) => {
      const seen: number[] = [];
      let after: { depth: number; id: number } | undefined;
      // A cursor that does not move on would page forever: no walk takes more pages than there are nodes.
      for (let pages = 0; pages <= nodes.length; pages++) {
        const page = await read(node, limit, after);
        expect(page.rows.length).toBeLessThanOrEqual(limit);
        seen.push(...page.rows.map((r) => Number(r.id)));
        const last = page.rows.at(-1);
        if (!page.hasMore || !last) return seen;
        after = { depth: last.depth, id: Number(last.id) };
      }
      throw new Error(`the pages of ${node} at ${limit} a page did not end`);
    };
    const treeReads: Read[] = [(n, l, a) => repo.treePage(n, l, a), (n, l, a) => repo.json.treePage(n, l, a), (n, l, a) => repo.summaries.treePage(n, l, a)];
    const belowReads: Read[] = [(n, l, a) => repo.descendantsPage(n, l, a), (n, l, a) => repo.json.descendantsPage(n, l, a), (n, l, a) => repo.summaries.descendantsPage(n, l, a)];
    // Every node's tree and descendants, at three page sizes, the trees interleaved: each shape runs with other values in turn.
    for (const limit of [1, 4, 100]) {
      for (const n of nodes) {
        const tree = breadthFirst(nodes.filter((m) => m.root_id === n.root_id));
        const below = breadthFirst(nodes.filter((m) => isBelow(m, n.id)));
        for (const read of treeReads) expect(await walk(read, n.root_id, limit), `tree of ${n.id}, limit ${limit}`).toEqual(tree);
        for (const read of belowReads) expect(await walk(read, n.id, limit), `below ${n.id}, limit ${limit}`).toEqual(below);
      }
    }
    for (const n of [...nodes].reverse()) {
      expect(await repo.findFocus(n.id)).toEqual({ root_id: n.root_id, owner_id: n.owner_id, tree_version: expect.any(Number) });
      expect(await repo.ancestorIds(n.id)).toEqual(pathOf(n));
    }
    expect(await repo.findFocus(ids.at(-1)! + 1000)).toBeUndefined();
    expect(await repo.ancestorIds(ids.at(-1)! + 1000)).toEqual([]);
    // The trees branch (pages end between siblings and between generations) and are more than two deep.
    expect(nodes.filter((n) => n.parent_id === nodes[0]!.id)).toHaveLength(2);
    expect(Math.max(...nodes.map((n) => n.depth))).toBe(3);
  });

  it.runIf(onPostgres)('keeps the lineage statements prepared on each PostgreSQL connection, and no gallery search', async () => {
    const t = await start({ start: false });
    const prepared = await t.db.connection().execute(async (conn) => {
      const repo = new KyselyNodeRepository(conn);
      const [root] = await repo.reserveIds(1);
      await repo.commitNodes([newNode(root!, null)], []);
      for (let i = 0; i < 3; i++) {
        await repo.findFocus(root!);
        await repo.ancestorIds(root!);
        await repo.json.treePage(root!, 10);
        await repo.json.gallery({ limit: 5, q: 'lighthouse' });
      }
      return (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(conn)).rows;
    });
    const ours = prepared.filter((p) => p.name.startsWith('imageflow_'));
    // The focus, the path and the tree page, each prepared once however often it ran.
    expect(ours).toHaveLength(3);
    for (const part of [/tree_versions/, /with recursive "anc"/, /"n"\."root_id" = \$1/]) expect(ours.filter((p) => part.test(p.statement)), String(part)).toHaveLength(1);
    // Each under the name its mark gives it.
    for (const p of ours) expect(p.statement.startsWith(`/* prepared:${p.name} */ `), p.statement).toBe(true);
    expect(ours.every((p) => /^imageflow_[0-9a-f]{24}$/.test(p.name))).toBe(true);
    expect(prepared.some((p) => /to_tsquery/.test(p.statement))).toBe(false);
  });

  it('refuses a statement that puts a value anywhere but in a parameter of its own', async () => {
    const t = await start({ start: false });
    const shapes = new CompiledShapes<{ limit: number }>(t.db);
    // The limit's own stand-in, and a number written into the query: the second would be run with the first call's value.
    const build = ({ limit }: { limit: number }) => t.db.selectFrom('image_nodes').select('id').where('depth', '>', 3).limit(limit);
    await expect(shapes.rows('with a constant', { limit: 2 }, build)).rejects.toThrow(/not one of its values/);
    const fine = (v: { limit: number }) => t.db.selectFrom('image_nodes').select(sql<number>`count(*)`.as('n')).limit(v.limit);
    expect(await shapes.rows<{ n: number }>('count', { limit: 1 }, fine)).toHaveLength(1);
  });
});
