/**
 * Gallery queries are built and compiled once per shape and then run with each call's values
 * (db/compiled-shapes.ts). These tests hold every page, over a run of calls that reuse shapes with other
 * values, to the answer worked out in JavaScript from the nodes themselves, on SQLite and PostgreSQL.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import { CompiledShapes } from '../src/db/compiled-shapes.ts';
import type { GalleryFilter, NewNode } from '../src/ports/node.repository.port.ts';
import { newNode } from './support/nodes.ts';
import { startClosedAfterEach } from './harness.ts';

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
