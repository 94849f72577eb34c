import { randomUUID } from 'node:crypto';
import type { NewNode } from '../../src/ports/node.repository.port.ts';

let made = 0;

/**
 * A node for a repository to commit, under `parent` (a new root when null): its place in the tree
 * from the parent, a fresh file name, a hash and a time of its own, and `fields` over plain defaults.
 * `n` counts the nodes made, for fields that should differ from node to node.
 */
export function newNode(id: number, parent: NewNode | null, fields: (n: number) => Partial<NewNode> = () => ({})): NewNode {
  made++;
  return {
    id,
    is_root: parent === null,
    parent_id: parent?.id ?? null,
    root_id: parent?.root_id ?? id,
    depth: parent ? parent.depth + 1 : 0,
    prompt: `a lighthouse #${made}`,
    negative_prompt: '',
    spec: { model: 'sdxl', seed: made },
    request_params: { prompt: `a lighthouse #${made}` },
    image_path: null,
    filename: `sdxl_${randomUUID()}.png`,
    action_type: parent ? 'variation' : 'generate',
    model: 'sdxl',
    provider: 'builtin',
    seed: made,
    width: 64,
    height: 64,
    bytes: 100,
    sha256: made.toString(16).padStart(64, '0'),
    deleted_at: null,
    created_at: new Date(Date.UTC(2026, 10, 28, 0, 0, made)).toISOString(),
    job_id: null,
    owner_id: null,
    original: null,
    pending_parent_sha256: null,
    ...fields(made),
  };
}

/** What commits nodes as a worker of any process commits them (a KyselyNodeRepository). */
type NodeCommitter = { reserveIds(count: number): Promise<number[]>; commitNodes(nodes: NewNode[], jobs: []): Promise<unknown> };

/**
 * `count` nodes committed by `repo` in one go: the first under `parent` and the rest under it too, or, for a
 * new tree (`parent` null), the first its root and the rest its children. `extra` on every node.
 */
export async function plant(repo: NodeCommitter, parent: NewNode | null, count: number, extra: Partial<NewNode> = {}): Promise<NewNode[]> {
  const ids = await repo.reserveIds(count);
  const nodes: NewNode[] = [];
  for (const id of ids) nodes.push(newNode(id, nodes.length === 0 ? parent : (parent ?? nodes[0]!), () => extra));
  await repo.commitNodes(nodes, []);
  return nodes;
}

/**
 * `trees` binary trees of `size` nodes each, their nodes interleaved (node i is the (i / trees)th of tree i % trees,
 * so each tree's ids are spread among the others'), committed by `repo`; `fields` as for newNode, given the tree.
 * With `byId`, and `pathOf`: the ids from a node's root down to it, worked out from the nodes themselves.
 */
export async function plantInterleavedTrees(
  repo: NodeCommitter,
  trees: number,
  size: number,
  fields: (tree: number) => Partial<NewNode> = () => ({}),
): Promise<{ nodes: NewNode[]; byId: Map<number, NewNode>; pathOf: (n: NewNode) => number[] }> {
  const nodes: NewNode[] = [];
  for (const [i, id] of (await repo.reserveIds(trees * size)).entries()) {
    const inTree = Math.floor(i / trees);
    const parent = inTree === 0 ? null : nodes[Math.floor((inTree - 1) / 2) * trees + (i % trees)]!;
    nodes.push(newNode(id, parent, () => fields(i % trees)));
  }
  await repo.commitNodes(nodes, []);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const pathOf = (n: NewNode): number[] => (n.parent_id === null ? [n.id] : [...pathOf(byId.get(n.parent_id)!), n.id]);
  return { nodes, byId, pathOf };
}
