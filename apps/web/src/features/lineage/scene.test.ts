import { describe, expect, it } from 'vitest';
import { makeNode } from '@/test/image-node';
import { randomTree } from '@/test/trees';
import { buildGraph, NODE_HEIGHT, NODE_WIDTH } from './graph';
import { layoutTree } from './layout';
import { buildScene, hitTest, STATE_DELETED, STATE_TRASHED } from './scene';
import { descendantCounts, indexTree } from './tree';

const images = randomTree(2000, 3).map((n) => makeNode({ ...n, action_type: n.parent_id === null ? 'generate' : 'variation' }));
const index = indexTree(images);
const positions = layoutTree(images, { nodeWidth: NODE_WIDTH, nodeHeight: NODE_HEIGHT });

describe('buildScene', () => {
  it('holds every positioned node with its parent, and bounds around them all', () => {
    const scene = buildScene(positions, index.byId, 'TB');
    expect(scene.ids).toHaveLength(2000);
    for (const node of images.slice(0, 50)) {
      const i = scene.indexOf.get(node.id)!;
      expect([scene.xs[i], scene.ys[i]]).toEqual([positions.get(node.id)!.x, positions.get(node.id)!.y]);
      expect(node.parent_id === null ? -1 : scene.ids[scene.parents[i]!]).toBe(node.parent_id ?? -1);
    }
    const maxX = Math.max(...[...positions.values()].map((p) => p.x));
    expect(scene.bounds).toMatchObject({ x: 0, y: 0, width: maxX + NODE_WIDTH });
  });

  it('marks trashed and deleted nodes', () => {
    const three = [makeNode({ id: 1 }), makeNode({ id: 2, parent_id: 1, trashed_at: '2026-01-01T00:00:00.000Z' }), makeNode({ id: 3, parent_id: 1, deleted_at: '2026-01-02T00:00:00.000Z' })];
    const scene = buildScene(layoutTree(three), indexTree(three).byId, 'TB');
    expect([...scene.state]).toEqual([0, STATE_TRASHED, STATE_DELETED]);
  });
});

describe('hitTest', () => {
  const scene = buildScene(positions, index.byId, 'TB');
  it('finds the card under a point, and nothing between cards unless within the slack', () => {
    const p = positions.get(1234)!;
    expect(hitTest(scene, p.x + 10, p.y + NODE_HEIGHT - 1)).toBe(1234);
    expect(hitTest(scene, p.x - 5, p.y + 10)).toBeNull();
    expect(hitTest(scene, p.x - 5, p.y + 10, 6)).not.toBeNull();
  });
});

describe('buildGraph on a big tree', () => {
  it('gives every node its size and handles, so React Flow need not draw it to measure it', () => {
    const graph = buildGraph(index, positions, descendantCounts(index), new Set(), 'TB');
    expect(graph.nodes[0]).toMatchObject({ measured: { width: NODE_WIDTH, height: NODE_HEIGHT } });
    expect(graph.nodes[0]!.handles!.map((h) => h.type)).toEqual(['target', 'source']);
  });

  it('keeps the objects of what did not change when a branch folds', () => {
    const descendants = descendantCounts(index);
    const before = buildGraph(index, positions, descendants, new Set(), 'TB');
    const folded = new Set([index.children.get(1)!.findLast((id) => (index.children.get(id)?.length ?? 0) > 0)!]);
    const after = buildGraph(index, layoutTree(images, { collapsed: folded, nodeWidth: NODE_WIDTH, nodeHeight: NODE_HEIGHT }), descendants, folded, 'TB', before);
    const old = new Map(before.nodes.map((n) => [n.id, n]));
    const kept = after.nodes.filter((n) => old.get(n.id) === n).length;
    expect(kept).toBeGreaterThan(0);
    expect(after.nodes.find((n) => folded.has(Number(n.id)))).not.toBe(old.get(String([...folded][0])));
    expect(after.nodes.length).toBeLessThan(before.nodes.length);
  });
});
