import { describe, expect, it, vi } from 'vitest';
import { makeNode } from '@/test/image-node';
import { randomTree } from '@/test/trees';
import { buildGraph, NODE_HEIGHT, NODE_WIDTH } from './graph';
import { layoutTree } from './layout';
import { buildScene, cardFill, drawScene, hitTest, PALETTE, STATE_DELETED, STATE_TRASHED } from './scene';
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

describe('drawScene and a find', () => {
  // Path2D and the 2D context, recorded: which cards went into which fill and stroke.
  class RecordedPath {
    corners: Array<[number, number]> = [];
    roundRect(x: number, y: number) {
      this.corners.push([x, y]);
    }
    rect(x: number, y: number) {
      this.corners.push([x, y]);
    }
    moveTo() {}
    lineTo() {}
  }
  // 1 → 2 → 3 and 1 → 4 → 5.
  const five = [makeNode({ id: 1 }), makeNode({ id: 2, parent_id: 1 }), makeNode({ id: 3, parent_id: 2 }), makeNode({ id: 4, parent_id: 1 }), makeNode({ id: 5, parent_id: 4 })];
  const scene = buildScene(layoutTree(five, { nodeWidth: NODE_WIDTH, nodeHeight: NODE_HEIGHT }), indexTree(five).byId, 'TB');
  /** The card whose corner is at (x, y), `inset` units inside. */
  const cardAt = ([x, y]: [number, number], inset = 0) => scene.ids.find((_, i) => scene.xs[i] === x - inset && scene.ys[i] === y - inset);

  function draw(look: Parameters<typeof drawScene>[3]) {
    vi.stubGlobal('Path2D', RecordedPath);
    const fills: Array<{ style: string; path: RecordedPath }> = [];
    const strokes: Array<{ style: string; path: RecordedPath }> = [];
    const ctx = {
      fillStyle: '',
      strokeStyle: '',
      setTransform() {},
      clearRect() {},
      fill(path: RecordedPath) {
        fills.push({ style: ctx.fillStyle, path });
      },
      stroke(path?: RecordedPath) {
        if (path) strokes.push({ style: ctx.strokeStyle, path });
      },
      beginPath() {},
      roundRect() {},
      fillText() {},
    };
    try {
      // Everything in view.
      drawScene(ctx as unknown as CanvasRenderingContext2D, scene, { x: 0, y: 0, zoom: 0.3, width: 4000, height: 4000 }, look);
    } finally {
      vi.unstubAllGlobals();
    }
    const filled = (style: string, inset = 0) =>
      fills
        .filter((f) => f.style === style)
        .flatMap((f) => f.path.corners.map((c) => cardAt(c, inset)))
        .sort();
    const stroked = (style: string, inset = 0) =>
      strokes
        .filter((f) => f.style === style)
        .flatMap((f) => f.path.corners.map((c) => cardAt(c, inset)))
        .sort();
    return { filled, stroked, strokes };
  }

  it('fills the current match (the selection), the path to it and the other matches apart, in light and dark', () => {
    for (const dark of [false, true]) {
      const palette = dark ? PALETTE.dark : PALETTE.light;
      const { filled } = draw({ selected: 3, path: new Set([1, 2, 3]), picked: [], matches: new Set([3, 5]), dark });
      expect(filled(palette.selected)).toEqual([3]);
      expect(filled(palette.path)).toEqual([1, 2]);
      expect(filled(palette.match)).toEqual([5]);
      // #4 keeps its own (action) colour.
      expect([...filled(palette.selected), ...filled(palette.path), ...filled(palette.match)]).not.toContain(4);
    }
  });

  it('strokes the path’s edges on their own, and outlines the matches on the path', () => {
    const { stroked, strokes } = draw({ selected: 3, path: new Set([1, 2, 3]), picked: [], matches: new Set([2, 3, 5]), dark: false });
    expect(strokes.filter((s) => s.style === PALETTE.light.pathEdge)).toHaveLength(1);
    // Inset by 4 units: #2 (#3 is the selection, #5 is filled instead).
    expect(stroked(PALETTE.light.matchOnPath, 4)).toEqual([2]);
  });

  it('without a find, draws no match', () => {
    const { filled, stroked } = draw({ selected: 3, path: new Set([1, 2, 3]), picked: [], dark: false });
    expect(filled(PALETTE.light.match)).toEqual([]);
    expect(stroked(PALETTE.light.matchOnPath, 4)).toEqual([]);
    expect(filled(PALETTE.light.path)).toEqual([1, 2]);
  });
});

describe('cardFill', () => {
  it('puts the selection over the path over a match', () => {
    const look = { selected: 3, path: new Set([1, 3]), matches: new Set([1, 3, 7]) };
    expect([3, 1, 7, 8].map((id) => cardFill(look, id))).toEqual(['selected', 'path', 'match', 'own']);
  });
});
