import { describe, expect, it, vi } from 'vitest';
import type { Lineage } from '@imageflow/shared';
import { api } from '@/lib/api-client';
import { makeNode } from '@/test/image-node';
import { fetchWholeLineage } from './api';

vi.mock('@/lib/api-client', () => ({ api: { lineage: vi.fn() } }));

/** A server holding `total` nodes, answering pages of at most `limit`. */
function serveTree(total: number) {
  vi.mocked(api.lineage).mockImplementation(async (_id, params = {}) => {
    const from = params.cursor ? Number(params.cursor) : 0;
    const limit = params.limit ?? 1000;
    const ids = Array.from({ length: Math.min(limit, total - from) }, (_, i) => from + i + 1);
    const more = from + ids.length < total;
    return { root_id: 1, focus_id: 1, path: [1], nodes: ids.map((id) => makeNode({ id })), truncated: more, next_cursor: more ? String(from + ids.length) : null } as Lineage;
  });
}

describe('fetchWholeLineage', () => {
  it('follows next_cursor until the tree is complete', async () => {
    serveTree(2500);
    const lineage = await fetchWholeLineage(1, { pageSize: 1000 });
    expect(lineage.nodes).toHaveLength(2500);
    expect(lineage.truncated).toBe(false);
    expect(vi.mocked(api.lineage).mock.calls.map((c) => c[1])).toEqual([
      { scope: 'tree', limit: 1000 },
      { scope: 'tree', limit: 1000, cursor: '1000' },
      { scope: 'tree', limit: 1000, cursor: '2000' },
    ]);
  });

  it('stops at the cap and says the tree is truncated', async () => {
    vi.mocked(api.lineage).mockClear();
    serveTree(9000);
    const lineage = await fetchWholeLineage(1, { pageSize: 1000, cap: 2500 });
    expect(lineage.nodes).toHaveLength(2500);
    expect(lineage.truncated).toBe(true);
    expect(vi.mocked(api.lineage).mock.calls.at(-1)![1]).toMatchObject({ limit: 500 });
  });
});
