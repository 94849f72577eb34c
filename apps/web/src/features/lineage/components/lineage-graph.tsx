import {
  useCallback,
  useImperativeHandle,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent,
  type MouseEvent,
  type ReactNode,
  type Ref,
} from 'react';
import {
  Background,
  BackgroundVariant,
  ControlButton,
  Controls,
  getViewportForBounds,
  ReactFlow,
  useReactFlow,
  useStore,
  useStoreApi,
  type Node,
  type ReactFlowState,
} from '@xyflow/react';
import type { NodeSummary } from '@imageflow/shared';
import { useTheme } from '@/lib/theme';
import { buildGraph, LEVEL_GAP, NODE_HEIGHT, NODE_WIDTH, SIBLING_GAP, type Direction, type LineageGraphData } from '../graph';
import { layoutTree } from '../layout';
import { buildScene, hitTest } from '../scene';
import { foldedCounts, type TreeIndex } from '../tree';
import { createViewStore, ViewStoreContext } from '../view-store';
import { LineageCanvas } from './lineage-canvas';
import { LineageEdge } from './lineage-edge';
import { LineageMinimap } from './lineage-minimap';
import { LineageActionsContext, LineageNode } from './lineage-node';

// Module level, so React Flow never sees new types and remounts every node.
const nodeTypes = { lineage: LineageNode };
const edgeTypes = { lineage: LineageEdge };
const NONE: never[] = [];
const NO_MATCHES: ReadonlySet<number> = new Set();

/** Trees up to this many visible nodes start fitted to the screen. */
const FIT_ALL_UP_TO = 60;
/**
 * Below this zoom a graph of more than CANVAS_ABOVE shown nodes is drawn on a canvas instead of
 * as DOM nodes: zoomed out on a 10,000-node tree, thousands of cards are in view at once. At and
 * above it at most a few hundred are, which React Flow renders well (only those in view).
 */
const CANVAS_ZOOM = 0.4;
const CANVAS_ABOVE = 400;
const MIN_ZOOM = 0.02;
const MAX_ZOOM = 2;
/**
 * Room kept free when the whole tree is fitted into view: the find box over the top, the zoom
 * buttons at the bottom left (on a phone they would otherwise sit on the cards of that corner).
 */
const FIT_PADDING = { top: '72px', left: '56px', right: '16px', bottom: '16px' } as const;
const zoomedOut = (s: ReactFlowState) => s.transform[2] < CANVAS_ZOOM;

export interface LineageGraphHandle {
  /** Pans and zooms to a node: "Center on selection"; with `keepZoom`, only pans (a find's step). */
  centerOn: (id: number, options?: { keepZoom?: boolean }) => void;
  /** Puts the keyboard focus in the graph: on the selected card, or on the canvas when zoomed far out. */
  focusSelection: () => void;
}

export interface LineageGraphProps {
  index: TreeIndex<NodeSummary>;
  descendants: ReadonlyMap<number, number>;
  nodes: readonly NodeSummary[];
  collapsed: ReadonlySet<number>;
  direction: Direction;
  selected: number;
  path: readonly number[];
  picked: readonly number[];
  /** Nodes the find box matched, marked in yellow. Default: none. */
  matches?: ReadonlySet<number>;
  onToggleCollapsed: (id: number) => void;
  /** A click (or Enter) on a node; `pick` when it should toggle the compare pick instead. */
  onActivate: (id: number, pick: boolean) => void;
  onOpen: (id: number) => void;
  /** The overview in the corner (from sm up); off where the canvas is small. Default: on. */
  minimap?: boolean;
  /** Set when every page of the tree is loaded (read by tests and bench/web). Default: true. */
  complete?: boolean;
  handle?: Ref<LineageGraphHandle>;
  /** Panels drawn over the canvas. */
  children?: ReactNode;
}

export function LineageGraph(props: LineageGraphProps) {
  const { index, descendants, nodes, collapsed, direction, selected, path, picked, matches = NO_MATCHES, onToggleCollapsed, onActivate, onOpen, minimap = true, complete = true } = props;
  const [theme] = useTheme();
  const flow = useReactFlow();
  const flowStore = useStoreApi();

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
  // The previous graph, so that what did not change keeps its objects (React Flow skips them).
  const previous = useRef<LineageGraphData | undefined>(undefined);
  const graph = useMemo(() => buildGraph(index, positions, descendants, collapsed, direction, previous.current), [index, positions, descendants, collapsed, direction]);
  previous.current = graph;
  const scene = useMemo(() => buildScene(positions, index.byId, direction), [positions, index, direction]);

  // When the layout changes (a branch folds or unfolds, "Expand all", the direction), the selected
  // card stays where it was on the screen, however far the tree around it moved.
  const laidOut = useRef(positions);
  useLayoutEffect(() => {
    const before = laidOut.current.get(selected);
    const now = positions.get(selected);
    laidOut.current = positions;
    if (!before || !now || (before.x === now.x && before.y === now.y)) return;
    const [x, y, zoom] = flowStore.getState().transform;
    void flow.setViewport({ x: x - (now.x - before.x) * zoom, y: y - (now.y - before.y) * zoom, zoom });
    // Only a new layout moves the view here, not a new selection.
  }, [positions]);

  const far = useStore(zoomedOut);
  const canvasMode = far && positions.size > CANVAS_ABOVE;

  // Selection lives in a store the nodes subscribe to: changing it never rebuilds the graph.
  const foldedMatches = useMemo(() => foldedCounts(index, collapsed, matches), [index, collapsed, matches]);
  const [store] = useState(() => createViewStore({ selected, path: new Set(path), picked, matches, foldedMatches }));
  useLayoutEffect(() => store.set({ selected, path: new Set(path) }), [store, selected, path]);
  useLayoutEffect(() => store.set({ picked }), [store, picked]);
  useLayoutEffect(() => store.set({ matches, foldedMatches }), [store, matches, foldedMatches]);


  // Fit and centre from the layout, not from React Flow's nodes: on the canvas there are none.
  const fitAll = useCallback(() => {
    const { width, height } = flowStore.getState();
    if (!scene.ids.length || !width || !height) return;
    void flow.setViewport(getViewportForBounds(scene.bounds, width, height, MIN_ZOOM, MAX_ZOOM, FIT_PADDING), { duration: 300 });
  }, [flow, flowStore, scene]);
  const centerOn = useCallback(
    (id: number, { keepZoom = false }: { keepZoom?: boolean } = {}) => {
      const at = positions.get(id);
      const { width, height, transform } = flowStore.getState();
      if (!at || !width || !height) return;
      if (keepZoom) return void flow.setCenter(at.x + NODE_WIDTH / 2, at.y + NODE_HEIGHT / 2, { zoom: transform[2], duration: 350 });
      void flow.setViewport(getViewportForBounds({ ...at, width: NODE_WIDTH, height: NODE_HEIGHT }, width, height, MIN_ZOOM, 1, 0.6), { duration: 350 });
    },
    [flow, flowStore, positions],
  );
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  const focusSelection = useCallback(() => {
    const root = flowStore.getState().domNode;
    const card = root?.querySelector<HTMLElement>(`.react-flow__node[data-id="${selectedRef.current}"]`);
    const target = card ?? root?.querySelector<HTMLElement>('[data-testid="lineage-canvas"]');
    // preventScroll: the view is already on the selection; the page itself should not jump.
    target?.focus({ preventScroll: true });
  }, [flowStore]);
  useImperativeHandle(props.handle, () => ({ centerOn, focusSelection }), [centerOn, focusSelection]);

  const actions = useMemo(() => ({ toggleCollapsed: onToggleCollapsed }), [onToggleCollapsed]);
  // The first view, from the layout (React Flow's own fitView would wait for nodes it measures,
  // and these come measured): small trees whole, big ones on the selection at a readable zoom.
  // Then the canvas is marked ready (read by tests and bench/web).
  const [ready, setReady] = useState(false);
  const firstView = useRef({ positions, scene, selected });
  firstView.current = { positions, scene, selected };
  const onInit = useCallback(() => {
    const place = async () => {
      const { width, height } = flowStore.getState();
      if (!width || !height) return void requestAnimationFrame(() => void place());
      const { positions: at, scene: all, selected: id } = firstView.current;
      const focus = at.get(id);
      if (at.size <= FIT_ALL_UP_TO || !focus) await flow.setViewport(getViewportForBounds(all.bounds, width, height, MIN_ZOOM, 1.1, FIT_PADDING));
      else await flow.setViewport({ x: width / 2 - (focus.x + NODE_WIDTH / 2) * 0.75, y: height / 2 - (focus.y + NODE_HEIGHT / 2) * 0.75, zoom: 0.75 });
      setReady(true);
    };
    void place();
  }, [flow, flowStore]);
  const onNodeClick = useCallback((event: MouseEvent, node: Node) => onActivate(Number(node.id), event.shiftKey), [onActivate]);
  const onNodeDoubleClick = useCallback((_: MouseEvent, node: Node) => onOpen(Number(node.id)), [onOpen]);

  // On the canvas, a click on the pane is a click on the card under it (or within a few pixels).
  const nodeAt = useCallback(
    (event: MouseEvent) => {
      const point = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      return hitTest(scene, point.x, point.y, 4 / flowStore.getState().transform[2]);
    },
    [flow, flowStore, scene],
  );
  const onPaneClick = useCallback(
    (event: MouseEvent) => {
      if (!canvasMode) return;
      const id = nodeAt(event);
      if (id !== null) onActivate(id, event.shiftKey);
    },
    [canvasMode, nodeAt, onActivate],
  );
  const onDoubleClick = useCallback(
    (event: MouseEvent) => {
      if (!canvasMode || !(event.target as HTMLElement).closest('.react-flow__pane')) return;
      const id = nodeAt(event);
      if (id !== null) onOpen(id);
    },
    [canvasMode, nodeAt, onOpen],
  );

  // The keyboard: Tab reaches the cards (or, zoomed far out, the canvas); Enter selects the focused
  // card, Shift+Enter picks it for comparing; the arrow keys move the selection along the tree.
  const step = useCallback(
    (key: string): number | null => {
      const id = selectedRef.current;
      const node = index.byId.get(id);
      if (!node) return null;
      const parent = node.parent_id !== null && index.byId.has(node.parent_id) ? node.parent_id : null;
      const siblings = parent === null ? index.roots : (index.children.get(parent) ?? []);
      const kids = collapsed.has(id) ? [] : (index.children.get(id) ?? []);
      const [up, down, back, forward] = direction === 'TB' ? ['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight'] : ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'];
      const at = siblings.indexOf(id);
      if (key === up) return parent;
      if (key === down) return kids[0] ?? null;
      if (key === back) return siblings[at - 1] ?? null;
      if (key === forward) return siblings[at + 1] ?? null;
      return null;
    },
    [index, collapsed, direction],
  );
  const onKeyDown = useCallback(
    (event: KeyboardEvent) => {
      const target = event.target as HTMLElement;
      const onCard = target.classList.contains('react-flow__node');
      if (event.key === 'Enter' && onCard) {
        const id = Number(target.dataset.id);
        if (Number.isInteger(id)) onActivate(id, event.shiftKey);
        return;
      }
      if (!event.key.startsWith('Arrow') || !(onCard || target.dataset.testid === 'lineage-canvas')) return;
      const next = step(event.key);
      event.preventDefault();
      if (next === null) return;
      onActivate(next, false);
      if (onCard) {
        // Focus follows on the cards (React Flow pans to a focused card), unless the keyboard went elsewhere
        // before the frame (Ctrl+F to the find box, a click into a field): it is not taken back from there.
        requestAnimationFrame(() => {
          if (document.activeElement !== target && document.activeElement !== document.body) return;
          (document.querySelector(`.lineage-flow .react-flow__node[data-id="${next}"]`) as HTMLElement | null)?.focus();
        });
      } else {
        // On the canvas, the view follows when the selection leaves it.
        const at = positions.get(next);
        const { transform, width, height } = flowStore.getState();
        if (!at) return;
        const [tx, ty, zoom] = transform;
        const sx = at.x * zoom + tx;
        const sy = at.y * zoom + ty;
        if (sx < 0 || sy < 0 || sx + NODE_WIDTH * zoom > width || sy + NODE_HEIGHT * zoom > height) {
          void flow.setCenter(at.x + NODE_WIDTH / 2, at.y + NODE_HEIGHT / 2, { zoom, duration: 200 });
        }
      }
    },
    [onActivate, step, positions, flow, flowStore],
  );

  const dark = theme === 'dark';
  return (
    <ViewStoreContext.Provider value={store}>
      <LineageActionsContext.Provider value={actions}>
        <ReactFlow
          className="lineage-flow"
          nodes={canvasMode ? NONE : graph.nodes}
          edges={canvasMode ? NONE : graph.edges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodeClick={onNodeClick}
          onNodeDoubleClick={onNodeDoubleClick}
          onPaneClick={onPaneClick}
          onDoubleClick={onDoubleClick}
          onKeyDown={onKeyDown}
          onlyRenderVisibleElements
          nodesDraggable={false}
          nodesConnectable={false}
          elementsSelectable={false}
          edgesFocusable={false}
          // Shift+click picks for comparing; no selection box.
          selectionKeyCode={null}
          zoomOnDoubleClick={false}
          minZoom={MIN_ZOOM}
          maxZoom={MAX_ZOOM}
          colorMode={theme}
          aria-label="Lineage graph"
          onInit={onInit}
          data-lineage-ready={ready ? '' : undefined}
          data-lineage-complete={complete ? '' : undefined}
          data-node-count={nodes.length}
          data-visible-count={positions.size}
          data-render-mode={canvasMode ? 'canvas' : 'dom'}
        >
          <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color={dark ? '#3f3f46' : '#d4d4d8'} />
          {canvasMode ? (
            <LineageCanvas
              scene={scene}
              dark={dark}
              label={`The whole lineage, zoomed out: ${positions.size.toLocaleString()} versions. Click one to select it; the arrow keys move the selection; zoom in to see the images.`}
            />
          ) : null}
          <Controls showInteractive={false} showFitView={false} position="bottom-left">
            <ControlButton className="react-flow__controls-fitview" onClick={fitAll} title="Fit view" aria-label="Fit view">
              <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 30" aria-hidden>
                <path d="M3.692 4.63c0-.53.4-.938.939-.938h5.215V0H4.708C2.13 0 0 2.054 0 4.63v5.216h3.692V4.631zM27.354 0h-5.2v3.692h5.17c.53 0 .984.4.984.939v5.215H32V4.631A4.624 4.624 0 0027.354 0zm.954 24.83c0 .532-.4.94-.939.94h-5.215v3.768h5.215c2.577 0 4.631-2.13 4.631-4.707v-5.139h-3.692v5.139zm-23.677.94c-.531 0-.939-.4-.939-.94v-5.138H0v5.139c0 2.577 2.13 4.707 4.708 4.707h5.138V25.77H4.631z" />
              </svg>
            </ControlButton>
          </Controls>
          {minimap ? <LineageMinimap scene={scene} dark={dark} /> : null}
          {props.children}
        </ReactFlow>
      </LineageActionsContext.Provider>
    </ViewStoreContext.Provider>
  );
}
