/**
 * Positions for a lineage tree: one pure function, no React, no DOM.
 *
 * A lineage is always a tree (one parent per node), so instead of a general graph layout
 * this is a tidy-tree layout: each subtree is packed against its left siblings using its
 * contour (the leftmost and rightmost node at every level), and every parent sits centred
 * over its children. It runs in roughly linear time — 5,000 nodes lay out in a few
 * milliseconds, where dagre takes seconds on the same bushy tree — and it never overlaps
 * two nodes of the same level.
 */

export interface TreeNodeInput {
  id: number;
  parent_id: number | null;
}

export interface Point {
  x: number;
  y: number;
}

export interface LayoutOptions {
  /** TB: roots on top, children below. LR: roots on the left, children to the right. */
  direction?: 'TB' | 'LR';
  nodeWidth?: number;
  nodeHeight?: number;
  /** Space between two neighbouring nodes of the same level. */
  siblingGap?: number;
  /** Space between a parent's level and its children's level. */
  levelGap?: number;
  /** Nodes whose descendants are hidden: the nodes stay, their descendants get no position. */
  collapsed?: ReadonlySet<number>;
}

export const DEFAULT_LAYOUT = {
  direction: 'TB',
  nodeWidth: 128,
  nodeHeight: 132,
  siblingGap: 20,
  levelGap: 56,
} as const;

/** Leftmost and rightmost centre per level, stored deepest level first so a parent can push its own. */
interface Contour {
  left: number[];
  right: number[];
  /** Added to every stored value to get a position in the owner's frame. */
  shift: number;
  maxDepth: number;
}

const at = (values: number[], contour: Contour, depth: number) => values[contour.maxDepth - depth]! + contour.shift;

/**
 * Lays out a forest of `{id, parent_id}` nodes and returns the top-left corner of every
 * visible node. A node whose parent is not in the list is a root. Children are ordered by
 * id, so the result depends only on the set of nodes, not on their order. Descendants of
 * `collapsed` nodes are left out of the result.
 */
export function layoutTree(nodes: readonly TreeNodeInput[], options: LayoutOptions = {}): Map<number, Point> {
  const { direction, nodeWidth, nodeHeight, siblingGap, levelGap } = { ...DEFAULT_LAYOUT, ...options };
  const collapsed = options.collapsed ?? new Set<number>();
  const breadth = direction === 'TB' ? nodeWidth : nodeHeight;
  const length = direction === 'TB' ? nodeHeight : nodeWidth;
  const spacing = breadth + siblingGap;

  const present = new Set<number>();
  for (const n of nodes) present.add(n.id);
  const children = new Map<number, number[]>();
  const parentOf = new Map<number, number>();
  const roots: number[] = [];
  for (const n of nodes) {
    if (n.parent_id === null || !present.has(n.parent_id) || n.parent_id === n.id) {
      roots.push(n.id);
      continue;
    }
    parentOf.set(n.id, n.parent_id);
    const list = children.get(n.parent_id);
    if (list) list.push(n.id);
    else children.set(n.parent_id, [n.id]);
  }
  const byId = (a: number, b: number) => a - b;
  roots.sort(byId);
  for (const list of children.values()) list.sort(byId);
  const visibleChildren = (id: number) => (collapsed.has(id) ? undefined : children.get(id));

  // Depth-first pre-order over what is visible, without recursion (a chain can be thousands deep).
  const order: number[] = [];
  const depth = new Map<number, number>();
  const stack: number[] = [];
  for (let r = roots.length - 1; r >= 0; r--) {
    depth.set(roots[r]!, 0);
    stack.push(roots[r]!);
  }
  while (stack.length) {
    const id = stack.pop()!;
    order.push(id);
    const kids = visibleChildren(id);
    if (!kids) continue;
    const d = depth.get(id)! + 1;
    for (let k = kids.length - 1; k >= 0; k--) {
      if (depth.has(kids[k]!)) continue; // defensive: never walk a node twice
      depth.set(kids[k]!, d);
      stack.push(kids[k]!);
    }
  }

  // Bottom-up: each child's offset from its parent's centre, and each subtree's contour.
  const offset = new Map<number, number>();
  const contours = new Map<number, Contour>();
  const packSiblings = (ids: readonly number[], gap: number): { offsets: number[]; contour: Contour } => {
    const offsets = [0];
    let acc = contours.get(ids[0]!)!;
    for (let i = 1; i < ids.length; i++) {
      const next = contours.get(ids[i]!)!;
      const top = Math.max(acc.maxDepth - acc.left.length + 1, next.maxDepth - next.left.length + 1);
      const bottom = Math.min(acc.maxDepth, next.maxDepth);
      let needed = -Infinity;
      for (let d = top; d <= bottom; d++) needed = Math.max(needed, at(acc.right, acc, d) - at(next.left, next, d));
      const place = needed + gap;
      offsets.push(place);
      if (next.maxDepth > acc.maxDepth) {
        // The new subtree is deeper: keep its contour, carry the group's left edge into it.
        next.shift += place;
        for (let d = top; d <= bottom; d++) next.left[next.maxDepth - d] = at(acc.left, acc, d) - next.shift;
        acc = next;
      } else {
        for (let d = top; d <= bottom; d++) acc.right[acc.maxDepth - d] = at(next.right, next, d) + place - acc.shift;
      }
      contours.delete(ids[i]!);
    }
    contours.delete(ids[0]!);
    return { offsets, contour: acc };
  };

  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i]!;
    const d = depth.get(id)!;
    const kids = visibleChildren(id)?.filter((k) => depth.get(k) === d + 1);
    if (!kids || kids.length === 0) {
      contours.set(id, { left: [0], right: [0], shift: 0, maxDepth: d });
      continue;
    }
    const { offsets, contour } = packSiblings(kids, spacing);
    const mid = (offsets[0]! + offsets.at(-1)!) / 2;
    kids.forEach((k, j) => offset.set(k, offsets[j]! - mid));
    contour.shift -= mid;
    contour.left.push(-contour.shift);
    contour.right.push(-contour.shift);
    contours.set(id, contour);
  }

  // Separate trees sit side by side with a wider gap.
  const rootOffsets = roots.length ? packSiblings(roots, spacing + breadth / 2).offsets : [];
  roots.forEach((r, j) => offset.set(r, rootOffsets[j]!));

  // Top-down: absolute centres, then shift so the leftmost node starts at 0.
  const centre = new Map<number, number>();
  let min = Infinity;
  for (const id of order) {
    const parent = depth.get(id) === 0 ? undefined : parentOf.get(id);
    const c = (parent === undefined ? 0 : centre.get(parent)!) + offset.get(id)!;
    centre.set(id, c);
    if (c < min) min = c;
  }

  const positions = new Map<number, Point>();
  for (const id of order) {
    const across = centre.get(id)! - min;
    const along = depth.get(id)! * (length + levelGap);
    positions.set(id, direction === 'TB' ? { x: across, y: along } : { x: along, y: across });
  }
  return positions;
}
