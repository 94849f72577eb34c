/** Pure helpers over a loaded lineage: lookups, paths, counts, and the rows of the compact tree. */

export interface TreeNodeLike {
  id: number;
  parent_id: number | null;
}

export interface TreeIndex<T extends TreeNodeLike> {
  byId: Map<number, T>;
  /** Children of each node, by id ascending. */
  children: Map<number, number[]>;
  /** Nodes whose parent is not loaded (normally just the root). */
  roots: number[];
}

export function indexTree<T extends TreeNodeLike>(nodes: readonly T[]): TreeIndex<T> {
  const byId = new Map<number, T>();
  for (const n of nodes) byId.set(n.id, n);
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  for (const n of nodes) {
    if (n.parent_id === null || !byId.has(n.parent_id)) {
      roots.push(n.id);
      continue;
    }
    const list = children.get(n.parent_id);
    if (list) list.push(n.id);
    else children.set(n.parent_id, [n.id]);
  }
  const asc = (a: number, b: number) => a - b;
  roots.sort(asc);
  for (const list of children.values()) list.sort(asc);
  return { byId, children, roots };
}

/** Ids from the topmost loaded ancestor down to `id` (just `[id]` when it is a root). */
export function pathTo(id: number, byId: ReadonlyMap<number, TreeNodeLike>): number[] {
  const path: number[] = [];
  const seen = new Set<number>();
  let current: number | null = id;
  while (current !== null && !seen.has(current)) {
    seen.add(current);
    path.push(current);
    const node = byId.get(current);
    current = node && node.parent_id !== null && byId.has(node.parent_id) ? node.parent_id : null;
  }
  return path.reverse();
}

/** How many descendants each node has (children, grandchildren, ...), in one bottom-up pass. */
export function descendantCounts(index: TreeIndex<TreeNodeLike>): Map<number, number> {
  const order: number[] = [];
  const stack = [...index.roots];
  while (stack.length) {
    const id = stack.pop()!;
    order.push(id);
    for (const child of index.children.get(id) ?? []) stack.push(child);
  }
  const counts = new Map<number, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i]!;
    let total = 0;
    for (const child of index.children.get(id) ?? []) total += 1 + (counts.get(child) ?? 0);
    counts.set(id, total);
  }
  return counts;
}

/** Every node below a collapsed one, which a collapsed view does not draw. */
export function hiddenByCollapse(index: TreeIndex<TreeNodeLike>, collapsed: ReadonlySet<number>): Set<number> {
  const hidden = new Set<number>();
  const stack: number[] = [];
  for (const id of collapsed) if (index.byId.has(id)) stack.push(...(index.children.get(id) ?? []));
  while (stack.length) {
    const id = stack.pop()!;
    if (hidden.has(id)) continue;
    hidden.add(id);
    stack.push(...(index.children.get(id) ?? []));
  }
  return hidden;
}

/**
 * For each folded node in view, how many of `ids` (a find's matches) are hidden under it: each hidden
 * one counts for the highest collapsed node above it, which is the one on screen.
 */
export function foldedCounts(index: TreeIndex<TreeNodeLike>, collapsed: ReadonlySet<number>, ids: Iterable<number>): Map<number, number> {
  const counts = new Map<number, number>();
  if (collapsed.size === 0) return counts;
  for (const id of ids) {
    let folded: number | null = null;
    const seen = new Set<number>([id]);
    for (let at = index.byId.get(id)?.parent_id ?? null; at !== null && !seen.has(at); at = index.byId.get(at)?.parent_id ?? null) {
      seen.add(at);
      if (collapsed.has(at)) folded = at;
    }
    if (folded !== null) counts.set(folded, (counts.get(folded) ?? 0) + 1);
  }
  return counts;
}

export type MiniTreeRow =
  | { kind: 'node'; id: number; level: number; onPath: boolean; current: boolean }
  | { kind: 'more'; parentId: number; level: number; count: number };

export interface MiniTreeOptions {
  /** Trees up to this size are shown whole. */
  showAllUpTo?: number;
  /** In bigger trees, at most this many children of each node on the path. */
  childrenPerNode?: number;
}

/**
 * The rows of the compact tree on the image page, in depth-first order. Small trees are
 * shown whole; bigger ones show the path from the root to the current node, the other
 * children of every node on that path, and the current node's children, with "+N more"
 * rows for what is left out. Path ids that are not loaded still get a row.
 */
export function miniTreeRows(
  nodes: readonly TreeNodeLike[],
  path: readonly number[],
  currentId: number,
  options: MiniTreeOptions = {},
): MiniTreeRow[] {
  const { showAllUpTo = 24, childrenPerNode = 4 } = options;
  const merged = new Map<number, TreeNodeLike>();
  for (const n of nodes) merged.set(n.id, n);
  // Path nodes missing from a truncated page still belong in the tree.
  path.forEach((id, i) => {
    if (!merged.has(id)) merged.set(id, { id, parent_id: i === 0 ? null : path[i - 1]! });
  });
  const index = indexTree([...merged.values()]);
  const onPath = new Set(path.length ? path : [currentId]);
  const showAll = merged.size <= showAllUpTo;

  const rows: MiniTreeRow[] = [];
  const stack: Array<{ id: number; level: number } | Extract<MiniTreeRow, { kind: 'more' }>> = [];
  for (let r = index.roots.length - 1; r >= 0; r--) {
    const id = index.roots[r]!;
    if (showAll || onPath.has(id)) stack.push({ id, level: 0 });
  }
  while (stack.length) {
    const item = stack.pop()!;
    if ('kind' in item) {
      rows.push(item);
      continue;
    }
    const { id, level } = item;
    rows.push({ kind: 'node', id, level, onPath: onPath.has(id), current: id === currentId });
    const kids = index.children.get(id) ?? [];
    let shown = kids;
    if (!showAll) {
      if (!onPath.has(id)) shown = [];
      else {
        const pathChild = kids.find((k) => onPath.has(k));
        const others = kids.filter((k) => k !== pathChild).slice(0, pathChild === undefined ? childrenPerNode : childrenPerNode - 1);
        shown = kids.filter((k) => k === pathChild || others.includes(k));
      }
    }
    const hiddenCount = showAll ? 0 : kids.length - shown.length;
    if (hiddenCount > 0 && onPath.has(id)) stack.push({ kind: 'more', parentId: id, level: level + 1, count: hiddenCount });
    for (let k = shown.length - 1; k >= 0; k--) stack.push({ id: shown[k]!, level: level + 1 });
  }
  return rows;
}

export interface RowGuides {
  /** No later sibling: the elbow ends here. */
  last: boolean;
  /** For each ancestor level 1..level-1 (index = level), whether its line continues past this row. */
  through: boolean[];
}

/**
 * The guide lines of an indented tree, from the rows' levels alone (rows in depth-first
 * order): whether each row is its parent's last child, and which ancestor columns pass by.
 */
export function treeGuides(levels: readonly number[]): RowGuides[] {
  const guides: RowGuides[] = new Array(levels.length);
  const laterAtLevel: boolean[] = [];
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    const through: boolean[] = [];
    for (let k = 1; k < level; k++) through[k] = laterAtLevel[k] ?? false;
    guides[i] = { last: !laterAtLevel[level], through };
    laterAtLevel[level] = true;
    laterAtLevel.length = level + 1; // deeper levels belong to other subtrees
  }
  return guides;
}

/**
 * The collapsed set of a focus view: every node with children is folded except those on
 * `path`, so what shows is the path and the children of each node on it.
 */
export function collapseOffPath(index: TreeIndex<TreeNodeLike>, path: readonly number[]): Set<number> {
  const keep = new Set(path);
  const collapsed = new Set<number>();
  for (const id of index.children.keys()) if (!keep.has(id)) collapsed.add(id);
  return collapsed;
}

/**
 * The folds of a focus view after more of its tree arrived: every branch that only the new nodes
 * make (a node that had no children before) folds too, unless it is on the path. What the viewer
 * unfolded or folded by hand stays as it was.
 */
export function foldNewBranches(
  collapsed: ReadonlySet<number>,
  before: TreeIndex<TreeNodeLike>,
  after: TreeIndex<TreeNodeLike>,
  path: readonly number[],
): ReadonlySet<number> {
  const keep = new Set(path);
  let next: Set<number> | null = null;
  for (const id of after.children.keys()) {
    if (before.children.has(id) || keep.has(id) || collapsed.has(id)) continue;
    next ??= new Set(collapsed);
    next.add(id);
  }
  return next ?? collapsed;
}
