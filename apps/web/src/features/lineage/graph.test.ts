import { describe, expect, it } from 'vitest';
import type { ImageNode } from '@imageflow/shared';
import { buildGraph, minimapColorOf, nodeLabel } from './graph';
import { makeNode } from '@/test/image-node';
import { layoutTree } from './layout';
import { descendantCounts, indexTree } from './tree';
import { randomTree } from '@/test/trees';

const asImages = (nodes: Array<{ id: number; parent_id: number | null }>) =>
  nodes.map((n) => ({ ...n, action_type: n.parent_id === null ? 'generate' : 'variation', starred: false, deleted_at: null, trashed_at: null }) as unknown as ImageNode);

describe('buildGraph', () => {
  it('makes one node per visible image and one labelled edge per visible parent link', () => {
    const images = asImages(randomTree(200, 5));
    const index = indexTree(images);
    const graph = buildGraph(index, layoutTree(images), descendantCounts(index), new Set(), 'TB');
    expect(graph.nodes).toHaveLength(200);
    expect(graph.edges).toHaveLength(199);
    expect(graph.edges[0]).toMatchObject({ type: 'lineage', data: { action: 'variation' } });
    expect(graph.nodes[0]!.domAttributes).toMatchObject({ 'data-testid': 'lineage-node-1' });
  });

  it('drops hidden descendants and counts them on the collapsed node', () => {
    const images = asImages([
      { id: 1, parent_id: null },
      { id: 2, parent_id: 1 },
      { id: 3, parent_id: 2 },
      { id: 4, parent_id: 3 },
    ]);
    const index = indexTree(images);
    const collapsed = new Set([2]);
    const graph = buildGraph(index, layoutTree(images, { collapsed }), descendantCounts(index), collapsed, 'TB');
    expect(graph.nodes.map((n) => n.id)).toEqual(['1', '2']);
    expect(graph.edges.map((e) => e.id)).toEqual(['e1-2']);
    expect(graph.nodes[1]!.data).toMatchObject({ collapsed: true, hiddenCount: 2, childCount: 1 });
  });
});

describe('trashed and deleted nodes', () => {
  const live = makeNode({ id: 2, action_type: 'variation' });
  const trashed = makeNode({ id: 2, action_type: 'variation', trashed_at: '2026-03-01T10:00:00.000Z' });
  const deleted = makeNode({ id: 2, action_type: 'variation', deleted_at: '2026-03-02T10:00:00.000Z' });
  const purgedFromTrash = { ...deleted, trashed_at: '2026-03-01T10:00:00.000Z' };

  it('are named apart, a purged one as deleted', () => {
    expect([live, trashed, deleted, purgedFromTrash].map(nodeLabel)).toEqual([
      'Image #2, variation',
      'Image #2, variation, in the trash',
      'Image #2, variation, deleted',
      'Image #2, variation, deleted',
    ]);
  });

  it('have colours of their own in the overview', () => {
    const colours = [live, trashed, deleted].map(minimapColorOf);
    expect(new Set(colours).size).toBe(3);
    expect(minimapColorOf(purgedFromTrash)).toBe(minimapColorOf(deleted));
  });
});
