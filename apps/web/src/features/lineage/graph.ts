import { Position, type Edge, type Node, type NodeHandle } from '@xyflow/react';
import type { NodeSummary } from '@imageflow/shared';
import { imageState } from '@/features/trash/state';
import type { Point } from './layout';
import type { TreeIndex } from './tree';
import { ACTION_COLORS } from './components/action-badge';

export type Direction = 'TB' | 'LR';

/** Size of a node card; the layout and the card must agree. */
export const NODE_WIDTH = 128;
export const NODE_HEIGHT = 132;
export const SIBLING_GAP = 20;
/** Between levels: room for the edge label on the last segment of each edge. */
export const LEVEL_GAP: Record<Direction, number> = { TB: 60, LR: 110 };

export interface LineageNodeData extends Record<string, unknown> {
  node: NodeSummary;
  /** Direct children in the loaded tree. */
  childCount: number;
  /** Descendants hidden because this node is collapsed (0 when expanded). */
  hiddenCount: number;
  collapsed: boolean;
  direction: Direction;
}
export type LineageFlowNode = Node<LineageNodeData, 'lineage'>;

export interface LineageEdgeData extends Record<string, unknown> {
  /** The child's id: the edge lies on the highlighted path when its child does. */
  child: number;
  action: string;
  direction: Direction;
}
export type LineageFlowEdge = Edge<LineageEdgeData, 'lineage'>;

/** Accessible name of a node, read by screen readers and used by tests. */
export function nodeLabel(node: NodeSummary): string {
  const state = imageState(node);
  return `Image #${node.id}, ${node.action_type}${node.starred ? ', starred' : ''}${state === 'deleted' ? ', deleted' : state === 'trashed' ? ', in the trash' : ''}`;
}

/** A node's colour in the overview (minimap): its action's, pale amber in the trash, grey once deleted. */
export function minimapColorOf(node: NodeSummary): string {
  const state = imageState(node);
  return state === 'deleted' ? '#d4d4d8' : state === 'trashed' ? '#fde68a' : (ACTION_COLORS[node.action_type] ?? '#71717a');
}

/**
 * Where a card's two handles are, as React Flow would measure them (1×1 px, centred on the
 * card's edge; see lineage.css). Given up front, with the card's size, a node counts as measured
 * before it is ever drawn: React Flow then renders only the nodes in view, instead of every new
 * node once to measure it (10,000 at once on "Expand all").
 */
const HANDLES: Record<Direction, NodeHandle[]> = {
  TB: [
    { type: 'target', position: Position.Top, x: NODE_WIDTH / 2 - 0.5, y: -0.5, width: 1, height: 1 },
    { type: 'source', position: Position.Bottom, x: NODE_WIDTH / 2 - 0.5, y: NODE_HEIGHT - 0.5, width: 1, height: 1 },
  ],
  LR: [
    { type: 'target', position: Position.Left, x: -0.5, y: NODE_HEIGHT / 2 - 0.5, width: 1, height: 1 },
    { type: 'source', position: Position.Right, x: NODE_WIDTH - 0.5, y: NODE_HEIGHT / 2 - 0.5, width: 1, height: 1 },
  ],
};
const MEASURED = { width: NODE_WIDTH, height: NODE_HEIGHT };

export interface LineageGraphData {
  nodes: LineageFlowNode[];
  edges: LineageFlowEdge[];
}

/**
 * React Flow nodes and edges for the visible part of a tree: one pass over the positioned
 * nodes. Built only when the tree, the collapsed set or the direction change — never on
 * selection, which the view store handles. Given the previous graph, every node and edge that
 * did not change is the same object as before, so React Flow skips it (a toggled branch in a
 * 10,000-node tree touches only what moved).
 */
export function buildGraph(
  index: TreeIndex<NodeSummary>,
  positions: ReadonlyMap<number, Point>,
  descendants: ReadonlyMap<number, number>,
  collapsed: ReadonlySet<number>,
  direction: Direction,
  previous?: LineageGraphData,
): LineageGraphData {
  const horizontal = direction === 'LR';
  const nodes: LineageFlowNode[] = [];
  const edges: LineageFlowEdge[] = [];
  const before = new Map<string, LineageFlowNode>();
  const edgesBefore = new Map<string, LineageFlowEdge>();
  for (const n of previous?.nodes ?? []) before.set(n.id, n);
  for (const e of previous?.edges ?? []) edgesBefore.set(e.id, e);
  for (const [id, position] of positions) {
    const node = index.byId.get(id);
    if (!node) continue;
    const childCount = index.children.get(id)?.length ?? 0;
    const isCollapsed = collapsed.has(id) && childCount > 0;
    const hiddenCount = isCollapsed ? (descendants.get(id) ?? 0) : 0;
    const old = before.get(String(id));
    if (
      old &&
      old.position.x === position.x &&
      old.position.y === position.y &&
      old.data.node === node &&
      old.data.childCount === childCount &&
      old.data.hiddenCount === hiddenCount &&
      old.data.collapsed === isCollapsed &&
      old.data.direction === direction
    ) {
      nodes.push(old);
    } else {
      nodes.push({
        id: String(id),
        type: 'lineage',
        position,
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        measured: MEASURED,
        handles: HANDLES[direction],
        data: { node, childCount, hiddenCount, collapsed: isCollapsed, direction },
        sourcePosition: horizontal ? Position.Right : Position.Bottom,
        targetPosition: horizontal ? Position.Left : Position.Top,
        draggable: false,
        connectable: false,
        selectable: false,
        deletable: false,
        ariaLabel: nodeLabel(node),
        domAttributes: { 'data-testid': `lineage-node-${id}` } as LineageFlowNode['domAttributes'],
      });
    }
    const parent = node.parent_id;
    if (parent !== null && positions.has(parent)) {
      const edgeId = `e${parent}-${id}`;
      const oldEdge = edgesBefore.get(edgeId);
      if (oldEdge && oldEdge.data!.direction === direction && oldEdge.data!.action === node.action_type) {
        edges.push(oldEdge);
        continue;
      }
      edges.push({
        id: edgeId,
        source: String(parent),
        target: String(id),
        type: 'lineage',
        data: { child: id, action: node.action_type, direction },
        selectable: false,
        focusable: false,
        deletable: false,
        ariaLabel: `#${parent} to #${id}: ${node.action_type}`,
        domAttributes: { 'data-testid': `lineage-edge-${parent}-${id}` } as LineageFlowEdge['domAttributes'],
      });
    }
  }
  return { nodes, edges };
}
