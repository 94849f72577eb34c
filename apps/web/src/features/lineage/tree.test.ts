import { describe, expect, it } from 'vitest';
import { collapseOffPath, descendantCounts, foldedCounts, foldNewBranches, hiddenByCollapse, indexTree, miniTreeRows, pathTo, treeGuides } from './tree';

const nodes = [
  { id: 1, parent_id: null },
  { id: 2, parent_id: 1 },
  { id: 3, parent_id: 1 },
  { id: 4, parent_id: 2 },
  { id: 5, parent_id: 4 },
  { id: 6, parent_id: 3 },
];

describe('tree helpers', () => {
  it('indexes children by id and finds roots', () => {
    const index = indexTree([...nodes].reverse());
    expect(index.roots).toEqual([1]);
    expect(index.children.get(1)).toEqual([2, 3]);
  });

  it('walks the path from the root', () => {
    const { byId } = indexTree(nodes);
    expect(pathTo(5, byId)).toEqual([1, 2, 4, 5]);
    expect(pathTo(1, byId)).toEqual([1]);
  });

  it('counts descendants', () => {
    const counts = descendantCounts(indexTree(nodes));
    expect(counts.get(1)).toBe(5);
    expect(counts.get(2)).toBe(2);
    expect(counts.get(5)).toBe(0);
  });

  it('hides everything under collapsed nodes', () => {
    expect([...hiddenByCollapse(indexTree(nodes), new Set([2]))].sort()).toEqual([4, 5]);
    expect(hiddenByCollapse(indexTree(nodes), new Set()).size).toBe(0);
  });

  it('counts the matches each folded node hides, on the highest fold above them only', () => {
    const index = indexTree(nodes);
    // 4 and 5 under folded 2 (5 is under folded 4 too, which is itself hidden); 6 under folded 3; 1 and 2 are in view.
    expect(foldedCounts(index, new Set([2, 3, 4]), [1, 2, 4, 5, 6])).toEqual(new Map([[2, 2], [3, 1]]));
    expect(foldedCounts(index, new Set([4]), [5, 6])).toEqual(new Map([[4, 1]]));
    expect(foldedCounts(index, new Set(), [5, 6]).size).toBe(0);
    expect(foldedCounts(index, new Set([2]), [99]).size).toBe(0);
  });
});

describe('miniTreeRows', () => {
  it('shows a small tree whole, depth first, marking the path and the current node', () => {
    const rows = miniTreeRows(nodes, [1, 2, 4], 4);
    expect(rows.map((r) => (r.kind === 'node' ? `${r.id}@${r.level}` : 'more'))).toEqual(['1@0', '2@1', '4@2', '5@3', '3@1', '6@2']);
    expect(rows.filter((r) => r.kind === 'node' && r.onPath).map((r) => r.kind === 'node' && r.id)).toEqual([1, 2, 4]);
    expect(rows.find((r) => r.kind === 'node' && r.current)).toMatchObject({ id: 4 });
  });

  it('prunes a big tree to the path, its siblings and the children, with "+N more"', () => {
    const big: Array<{ id: number; parent_id: number | null }> = [{ id: 1, parent_id: null }];
    for (let id = 2; id <= 40; id++) big.push({ id, parent_id: 1 });
    big.push({ id: 41, parent_id: 30 }, { id: 42, parent_id: 41 });
    const rows = miniTreeRows(big, [1, 30], 30, { childrenPerNode: 3 });
    const ids = rows.map((r) => (r.kind === 'node' ? r.id : `+${r.count}`));
    expect(ids).toEqual([1, 2, 3, 30, 41, '+36']);
    // 41 is a child of the current node; its own child 42 is left out.
    expect(ids).not.toContain(42);
  });

  it('still shows path nodes that were not loaded', () => {
    const rows = miniTreeRows([{ id: 9, parent_id: 7 }], [1, 7, 9], 9, { showAllUpTo: 0 });
    expect(rows.map((r) => r.kind === 'node' && r.id)).toEqual([1, 7, 9]);
  });
});

describe('treeGuides', () => {
  it('marks last children and the ancestor lines that pass by', () => {
    // 1
    // ├ 2
    // │ └ 4
    // └ 3
    const guides = treeGuides([0, 1, 2, 1]);
    expect(guides.map((g) => g.last)).toEqual([true, false, true, true]);
    expect(guides[2]!.through[1]).toBe(true);
    expect(guides[3]!.through).toEqual([]);
  });
});

describe('collapseOffPath', () => {
  it('folds every branch off the path', () => {
    const index = indexTree(nodes);
    expect([...collapseOffPath(index, [1, 2])].sort()).toEqual([3, 4]);
    expect(collapseOffPath(index, [1, 2, 4, 5]).has(4)).toBe(false);
  });
});

describe('foldNewBranches', () => {
  // The first page of a tree, then the next generation: 5 (under 4), 6 (under 3) and 7 (under 6).
  const first = indexTree(nodes.filter((n) => n.id <= 4));
  const whole = indexTree([...nodes, { id: 7, parent_id: 6 }]);

  it('folds the branches only the new nodes make, off the path, and leaves the viewer’s folds as they were', () => {
    // Nothing folds at first: in the first page only 1 and 2 have children, both on the path.
    const opened = collapseOffPath(first, [1, 2]);
    expect([...opened]).toEqual([]);
    // 3 and 6 became branches off the path; 4 is on it. The focus view is the one the whole tree would open with.
    expect([...foldNewBranches(opened, first, whole, [1, 2, 4])].sort()).toEqual([3, 6]);
    expect([...foldNewBranches(opened, first, whole, [1, 2, 4])].sort()).toEqual([...collapseOffPath(whole, [1, 2, 4])].sort());
    // A branch the viewer had unfolded (2, off a path through 3) stays open; one they folded stays folded.
    expect([...foldNewBranches(new Set([1]), first, whole, [1, 3])].sort()).toEqual([1, 4, 6]);
  });

  it('answers the same set when nothing new branches, so nothing re-renders', () => {
    const folds = new Set([3]);
    expect(foldNewBranches(folds, whole, whole, [1, 2])).toBe(folds);
  });
});
