/** Tree shapes for tests: deterministic, with `{id, parent_id}` nodes. */

export interface TestTreeNode {
  id: number;
  parent_id: number | null;
}

/** A bushy tree: each new node picks a pseudo-random existing parent (seeded, so stable). */
export function randomTree(size: number, seed = 1): TestTreeNode[] {
  let state = seed;
  const next = () => (state = (state * 16807) % 2147483647) / 2147483647;
  const nodes: TestTreeNode[] = [{ id: 1, parent_id: null }];
  for (let id = 2; id <= size; id++) nodes.push({ id, parent_id: Math.ceil(next() * (id - 1)) });
  return nodes;
}

/** A single chain 1 → 2 → ... → size. */
export function chain(size: number): TestTreeNode[] {
  return Array.from({ length: size }, (_, i) => ({ id: i + 1, parent_id: i === 0 ? null : i }));
}
