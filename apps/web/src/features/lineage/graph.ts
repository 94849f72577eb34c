import { Position, type Edge, type Node } from '@xyflow/react';
import type { ImageNode } from '@imageflow/shared';
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
  node: ImageNode;
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
export function nodeLabel(node: ImageNode): string {
  const state = imageState(node);
  return `Image #${node.id}, ${node.action_type}${node.starred ? ', starred' : ''}${state === 'deleted' ? ', deleted' : state === 'trashed' ? ', in the trash' : ''}`;
}

/** A node's colour in the overview (minimap): its action's, pale amber in the trash, grey once deleted. */
export function minimapColorOf(node: ImageNode): string {
  const state = imageState(node);
  return state === 'deleted' ? '#d4d4d8' : state === 'trashed' ? '#fde68a' : (ACTION_COLORS[node.action_type] ?? '#71717a');
}

/**
 * React Flow nodes and edges for the visible part of a tree: one pass over the positioned
 * nodes. Built only when the tree, the collapsed set or the direction change — never on
 * selection, which the view store handles.
 */
export function buildGraph(
  index: TreeIndex<ImageNode>,
  positions: ReadonlyMap<number, Point>,
  descendants: ReadonlyMap<number, number>,
  collapsed: ReadonlySet<number>,
  direction: Direction,
): { nodes: LineageFlowNode[]; edges: LineageFlowEdge[] } {
  const horizontal = direction === 'LR';
  const nodes: LineageFlowNode[] = [];
  const edges: LineageFlowEdge[] = [];
  for (const [id, position] of positions) {
    const node = index.byId.get(id);
    if (!node) continue;
    const childCount = index.children.get(id)?.length ?? 0;
    const isCollapsed = collapsed.has(id) && childCount > 0;
    nodes.push({
      id: String(id),
      type: 'lineage',
      position,
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      data: { node, childCount, hiddenCount: isCollapsed ? (descendants.get(id) ?? 0) : 0, collapsed: isCollapsed, direction },
      sourcePosition: horizontal ? Position.Right : Position.Bottom,
      targetPosition: horizontal ? Position.Left : Position.Top,
      draggable: false,
      connectable: false,
      selectable: false,
      deletable: false,
      ariaLabel: nodeLabel(node),
      domAttributes: { 'data-testid': `lineage-node-${id}` } as LineageFlowNode['domAttributes'],
    });
    const parent = node.parent_id;
    if (parent !== null && positions.has(parent)) {
      edges.push({
        id: `e${parent}-${id}`,
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
