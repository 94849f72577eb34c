import { describe, expect, it } from 'vitest';
import type { ImageNode } from '@imageflow/shared';
import { buildGraph } from './graph';
import { layoutTree } from './layout';
import { descendantCounts, indexTree } from './tree';
import { randomTree } from '@/test/trees';

const asImages = (nodes: Array<{ id: number; parent_id: number | null }>) =>
  nodes.map((n) => ({ ...n, action_type: n.parent_id === null ? 'generate' : 'variation', starred: false, deleted_at: null }) as unknown as ImageNode);

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
