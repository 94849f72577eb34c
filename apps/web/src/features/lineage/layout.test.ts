import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYOUT, layoutTree, type TreeNodeInput } from './layout';
import { chain, randomTree } from '@/test/trees';

const W = DEFAULT_LAYOUT.nodeWidth;
const H = DEFAULT_LAYOUT.nodeHeight;

/** No two laid-out boxes intersect (checked level by level, so it stays fast on big trees). */
function expectNoOverlap(positions: Map<number, { x: number; y: number }>, width = W, height = H) {
  const levels = new Map<number, number[]>();
  for (const p of positions.values()) {
    const list = levels.get(p.y) ?? [];
    list.push(p.x);
    levels.set(p.y, list);
  }
  for (const xs of levels.values()) {
    xs.sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(xs[i]! - xs[i - 1]!).toBeGreaterThanOrEqual(width);
  }
  // Levels themselves never overlap.
  const ys = [...levels.keys()].sort((a, b) => a - b);
  for (let i = 1; i < ys.length; i++) expect(ys[i]! - ys[i - 1]!).toBeGreaterThanOrEqual(height);
}

describe('layoutTree', () => {
  const small: TreeNodeInput[] = [
    { id: 1, parent_id: null },
    { id: 2, parent_id: 1 },
    { id: 3, parent_id: 1 },
    { id: 4, parent_id: 2 },
    { id: 5, parent_id: 2 },
    { id: 6, parent_id: 3 },
  ];

  it('places every parent above its children (top to bottom)', () => {
    const pos = layoutTree(small);
    expect(pos.size).toBe(6);
    for (const n of small) if (n.parent_id !== null) expect(pos.get(n.parent_id)!.y).toBeLessThan(pos.get(n.id)!.y);
  });

  it('centres a parent over its children and starts at 0', () => {
    const pos = layoutTree(small);
    expect(pos.get(2)!.x).toBeCloseTo((pos.get(4)!.x + pos.get(5)!.x) / 2);
    expect(Math.min(...[...pos.values()].map((p) => p.x))).toBe(0);
    expect(pos.get(1)!.y).toBe(0);
  });

  it('orders siblings by id, left to right', () => {
    const pos = layoutTree(small);
    expect(pos.get(2)!.x).toBeLessThan(pos.get(3)!.x);
    expect(pos.get(4)!.x).toBeLessThan(pos.get(5)!.x);
  });

  it('never overlaps nodes, even in a bushy 1,000-node tree', () => {
    expectNoOverlap(layoutTree(small));
    expectNoOverlap(layoutTree(randomTree(1000, 7)));
  });

  it('packs a small subtree under a deep neighbour without overlap', () => {
    // 2 has a deep, wide subtree; 3 is a leaf; 4 again goes deep.
    const nodes: TreeNodeInput[] = [{ id: 1, parent_id: null }, { id: 2, parent_id: 1 }, { id: 3, parent_id: 1 }, { id: 4, parent_id: 1 }];
    let next = 5;
    for (const parent of [2, 4]) {
      let p = parent;
      for (let d = 0; d < 4; d++) {
        nodes.push({ id: next, parent_id: p }, { id: next + 1, parent_id: p });
        p = next + 1;
        next += 2;
      }
    }
    expectNoOverlap(layoutTree(nodes));
  });

  it('is deterministic and independent of input order', () => {
    const nodes = randomTree(300, 3);
    const a = layoutTree(nodes);
    const b = layoutTree([...nodes].reverse());
    expect([...b.entries()].sort((p, q) => p[0] - q[0])).toEqual([...a.entries()].sort((p, q) => p[0] - q[0]));
  });

  it('excludes the descendants of collapsed nodes', () => {
    const pos = layoutTree(small, { collapsed: new Set([2]) });
    expect([...pos.keys()].sort()).toEqual([1, 2, 3, 6]);
    // 2 is now a leaf, so the tree narrows.
    expect(Math.max(...[...pos.values()].map((p) => p.x))).toBeLessThan(Math.max(...[...layoutTree(small).values()].map((p) => p.x)));
  });

  it('lays out left to right with parents to the left', () => {
    const pos = layoutTree(small, { direction: 'LR' });
    for (const n of small) if (n.parent_id !== null) expect(pos.get(n.parent_id)!.x).toBeLessThan(pos.get(n.id)!.x);
    expect(pos.get(4)!.y).toBeLessThan(pos.get(5)!.y);
  });

  it('treats nodes whose parent is missing as roots, side by side', () => {
    const pos = layoutTree([
      { id: 10, parent_id: 3 },
      { id: 11, parent_id: 10 },
      { id: 20, parent_id: null },
    ]);
    expect(pos.get(10)!.y).toBe(0);
    expect(pos.get(20)!.y).toBe(0);
    expectNoOverlap(pos);
  });

  it('handles empty input and a 5,000-deep chain without recursion limits', () => {
    expect(layoutTree([]).size).toBe(0);
    const pos = layoutTree(chain(5000));
    expect(pos.size).toBe(5000);
    expect(pos.get(5000)!.x).toBe(pos.get(1)!.x);
  });

  it('lays out 5,000 bushy nodes quickly', () => {
    const nodes = randomTree(5000, 11);
    const started = performance.now();
    const pos = layoutTree(nodes);
    expect(pos.size).toBe(5000);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
