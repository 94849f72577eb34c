import { useCallback, useLayoutEffect, useMemo, useState, type KeyboardEvent, type MouseEvent, type ReactNode } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type FitViewOptions,
  type Node,
} from '@xyflow/react';
import type { ImageNode } from '@imageflow/shared';
import { useTheme } from '@/lib/theme';
import { buildGraph, minimapColorOf, LEVEL_GAP, NODE_HEIGHT, NODE_WIDTH, SIBLING_GAP, type Direction, type LineageFlowNode } from '../graph';
import { layoutTree } from '../layout';
import type { TreeIndex } from '../tree';
import { createViewStore, ViewStoreContext } from '../view-store';
import { LineageEdge } from './lineage-edge';
import { LineageActionsContext, LineageNode } from './lineage-node';

// Module level, so React Flow never sees new types and remounts every node.
const nodeTypes = { lineage: LineageNode };
const edgeTypes = { lineage: LineageEdge };

const minimapColor = (n: Node) => minimapColorOf((n as LineageFlowNode).data.node);

/** Trees up to this many visible nodes start fitted to the screen. */
const FIT_ALL_UP_TO = 60;

export interface LineageGraphProps {
  index: TreeIndex<ImageNode>;
  descendants: ReadonlyMap<number, number>;
  nodes: readonly ImageNode[];
  collapsed: ReadonlySet<number>;
  direction: Direction;
  selected: number;
  path: readonly number[];
  picked: readonly number[];
  onToggleCollapsed: (id: number) => void;
  /** A click (or Enter) on a node; `pick` when it should toggle the compare pick instead. */
  onActivate: (id: number, pick: boolean) => void;
  onOpen: (id: number) => void;
  /** The overview in the corner (from sm up); off where the canvas is small. Default: on. */
  minimap?: boolean;
  /** Panels drawn over the canvas. */
  children?: ReactNode;
}

export function LineageGraph(props: LineageGraphProps) {
  const { index, descendants, nodes, collapsed, direction, selected, path, picked, onToggleCollapsed, onActivate, onOpen, minimap = true } = props;
  const [theme] = useTheme();

  const positions = useMemo(
    () =>
      layoutTree(nodes, {
        collapsed,
        direction,
        nodeWidth: NODE_WIDTH,
        nodeHeight: NODE_HEIGHT,
        siblingGap: direction === 'TB' ? SIBLING_GAP : SIBLING_GAP + 8,
        levelGap: LEVEL_GAP[direction],
      }),
    [nodes, collapsed, direction],
  );
  const graph = useMemo(() => buildGraph(index, positions, descendants, collapsed, direction), [index, positions, descendants, collapsed, direction]);

  // Selection lives in a store the nodes subscribe to: changing it never rebuilds the graph.
  const [store] = useState(() => createViewStore({ selected, path: new Set(path), picked }));
  useLayoutEffect(() => store.set({ selected, path: new Set(path) }), [store, selected, path]);
  useLayoutEffect(() => store.set({ picked }), [store, picked]);

  // Big trees are far wider than a screen: start on the selection at a readable zoom instead.
  const [initialFit] = useState<FitViewOptions>(() =>
    positions.size <= FIT_ALL_UP_TO ? { padding: 0.15, maxZoom: 1.1 } : { nodes: [{ id: String(selected) }], minZoom: 0.75, maxZoom: 0.75 },
  );

  const actions = useMemo(() => ({ toggleCollapsed: onToggleCollapsed }), [onToggleCollapsed]);
  // Marks the canvas once React Flow has measured and fitted it (read by tests and bench/web).
  const [ready, setReady] = useState(false);
  const onInit = useCallback(() => setReady(true), []);
  const onNodeClick = useCallback((event: MouseEvent, node: Node) => onActivate(Number(node.id), event.shiftKey), [onActivate]);
  const onNodeDoubleClick = useCallback((_: MouseEvent, node: Node) => onOpen(Number(node.id)), [onOpen]);
  // Nodes are focusable (Tab); Enter selects the focused one, Shift+Enter picks it for comparing.
  const onKeyDown = useCallback(
    (event: KeyboardEvent) => {
      if (event.key !== 'Enter') return;
      const target = event.target as HTMLElement;
      if (!target.classList.contains('react-flow__node')) return;
      const id = Number(target.dataset.id);
      if (Number.isInteger(id)) onActivate(id, event.shiftKey);
    },
    [onActivate],
  );

  return (
    <ViewStoreContext.Provider value={store}>
      <LineageActionsContext.Provider value={actions}>
        <ReactFlow
          className="lineage-flow"
          nodes={graph.nodes}
          edges={graph.edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodeClick={onNodeClick}
          onNodeDoubleClick={onNodeDoubleClick}
          onKeyDown={onKeyDown}
          onlyRenderVisibleElements
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          edgesFocusable={false}
          zoomOnDoubleClick={false}
          fitView
          fitViewOptions={initialFit}
          minZoom={0.02}
          maxZoom={2}
          colorMode={theme}
          aria-label="Lineage graph"
          onInit={onInit}
          data-lineage-ready={ready ? '' : undefined}
          data-node-count={nodes.length}
          data-visible-count={positions.size}
        >
          <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color={theme === 'dark' ? '#3f3f46' : '#d4d4d8'} />
          <Controls showInteractive={false} position="bottom-left" fitViewOptions={{ padding: 0.1, duration: 300 }} />
          {minimap ? (
            <MiniMap
              className="!hidden sm:!block"
              pannable
              zoomable
              nodeColor={minimapColor}
              nodeStrokeWidth={0}
              nodeBorderRadius={12}
              maskColor={theme === 'dark' ? 'rgb(9 9 11 / 0.65)' : 'rgb(244 244 245 / 0.7)'}
              ariaLabel="Overview of the lineage"
            />
          ) : null}
          {props.children}
        </ReactFlow>
      </LineageActionsContext.Provider>
    </ViewStoreContext.Provider>
  );
}

/** Pans and zooms to a node: for "Center on selection". */
export function useCenterOn() {
  const flow = useReactFlow();
  return useCallback((id: number) => void flow.fitView({ nodes: [{ id: String(id) }], maxZoom: 1, padding: 0.6, duration: 350 }), [flow]);
}
