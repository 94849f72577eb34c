/**
 * A lineage answer's path (the ids from the root down to its focus): read off a tree's first page when the focus
 * is on it, walked up to the root by a statement of its own otherwise. Held to the path worked out from the nodes
 * themselves for every node of two interleaved trees, every scope, at page sizes that end the first page before,
 * at and after each generation, on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import type { Lineage } from '@imageflow/shared';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import type { NewNode } from '../src/ports/node.repository.port.ts';
import { LOCAL_ACTOR } from '../src/services/access.ts';
import { LineageService, pathWithin } from '../src/services/lineage.service.ts';
import { PublicUrls } from '../src/services/public-urls.ts';
import { plantInterleavedTrees } from './support/nodes.ts';
import { INJECT_ORIGIN } from './support/origin.ts';
import { startClosedAfterEach } from './harness.ts';

const start = startClosedAfterEach();

describe('pathWithin', () => {
  const rows = [
    { id: 1, parent_id: null, depth: 0 },
    { id: 2, parent_id: 1, depth: 1 },
    { id: 3, parent_id: 1, depth: 1 },
    { id: 4, parent_id: 3, depth: 2 },
  ];

  it('reads the path from the root when the node and all above it are among the rows', () => {
    expect(pathWithin(rows, 4)).toEqual([1, 3, 4]);
    expect(pathWithin(rows, 1)).toEqual([1]);
  });

  it('gives null when the node is not among the rows, or its chain leaves them', () => {
    expect(pathWithin(rows, 5)).toBeNull();
    expect(pathWithin(rows.slice(1), 4)).toBeNull();
    expect(pathWithin([], 1)).toBeNull();
  });

  it('gives null rather than looping on rows whose parents go round', () => {
    expect(pathWithin([{ id: 1, parent_id: 2, depth: 0 }, { id: 2, parent_id: 1, depth: 0 }], 1)).toBeNull();
  });
});

describe("a lineage answer's path", () => {
  it('is the path from the root for every focus, scope and page, walked by a statement only when the page does not hold it', async () => {
    const t = await start({ start: false });
    const repo = new KyselyNodeRepository(t.db);
    // Two binary trees of 31 (four generations below the root), their nodes interleaved.
    const { nodes, pathOf } = await plantInterleavedTrees(repo, 2, 31);
    const firstPage = (n: NewNode, limit: number) =>
      nodes
        .filter((m) => m.root_id === n.root_id)
        .sort((a, b) => a.depth - b.depth || a.id - b.id)
        .slice(0, limit)
        .map((m) => m.id);

    let walks = 0;
    const ancestorIds = repo.ancestorIds.bind(repo);
    repo.ancestorIds = (id) => {
      walks++;
      return ancestorIds(id);
    };
    const lineage = new LineageService(repo, new PublicUrls(null, () => INJECT_ORIGIN));
    const answer = async (id: number, scope: 'tree' | 'ancestors' | 'descendants', limit: number, fields: 'full' | 'summary', cursor?: string) => {
      walks = 0;
      const text = await lineage.lineage(id, scope, limit, LOCAL_ACTOR, cursor, fields);
      return { ...(JSON.parse(text.toString()) as Lineage), walks };
    };

    // Page sizes that end the first page inside the first, second, third and last generation, and past the tree.
    for (const limit of [1, 2, 5, 12, 30, 31, 100]) {
      for (const n of nodes) {
        const onFirstPage = firstPage(n, limit).includes(n.id);
        for (const fields of ['full', 'summary'] as const) {
          const first = await answer(n.id, 'tree', limit, fields);
          expect(first.path, `tree of ${n.id}, ${limit} a page, ${fields}`).toEqual(pathOf(n));
          expect(first.walks, `tree of ${n.id}, ${limit} a page: walked up only when the focus is not on the page`).toBe(onFirstPage ? 0 : 1);
          if (first.next_cursor) {
            const next = await answer(n.id, 'tree', limit, fields, first.next_cursor);
            expect(next.path, `next page of the tree of ${n.id}`).toEqual(pathOf(n));
            expect(next.walks).toBe(1);
          }
        }
      }
    }
    for (const n of nodes) {
      for (const scope of ['ancestors', 'descendants'] as const) expect((await answer(n.id, scope, 5, 'summary')).path, `${scope} of ${n.id}`).toEqual(pathOf(n));
    }
    // The deepest node is four below its root, and the first page of 12 holds only part of its tree's third generation.
    expect(Math.max(...nodes.map((n) => n.depth))).toBe(4);
  });
});
