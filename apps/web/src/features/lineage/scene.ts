/**
 * The lineage tree as flat arrays, drawn on a <canvas>: the overview of a big tree zoomed far out
 * (thousands of nodes in view, where one DOM element per node would make every pan frame slow),
 * and the minimap. No React here; the components in ./components draw and hit-test with it.
 */
import type { NodeSummary } from '@imageflow/shared';
import { imageState } from '@/features/trash/state';
import { ACTION_COLORS } from './components/action-badge';
import { LEVEL_GAP, NODE_HEIGHT, NODE_WIDTH, type Direction } from './graph';
import type { Point } from './layout';

export interface Scene {
  direction: Direction;
  ids: Int32Array;
  /** Top-left corner of each card, in flow coordinates. */
  xs: Float64Array;
  ys: Float64Array;
  /** Index of the parent in these arrays, or -1 (a root, or a parent not shown). */
  parents: Int32Array;
  /** The fill colour of each node (an index into `colors`), and whether it is in the trash or deleted. */
  color: Uint8Array;
  state: Uint8Array;
  colors: string[];
  indexOf: Map<number, number>;
  /** The bounds of every card. */
  bounds: { x: number; y: number; width: number; height: number };
}

export const STATE_LIVE = 0;
export const STATE_TRASHED = 1;
export const STATE_DELETED = 2;

/** Flat arrays of the visible (positioned) nodes of a tree. */
export function buildScene(positions: ReadonlyMap<number, Point>, byId: ReadonlyMap<number, NodeSummary>, direction: Direction): Scene {
  const n = positions.size;
  const ids = new Int32Array(n);
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const parents = new Int32Array(n).fill(-1);
  const color = new Uint8Array(n);
  const state = new Uint8Array(n);
  const colors: string[] = [];
  const colorIndex = new Map<string, number>();
  const indexOf = new Map<number, number>();
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let i = 0;
  for (const [id, p] of positions) {
    ids[i] = id;
    xs[i] = p.x;
    ys[i] = p.y;
    indexOf.set(id, i);
    const node = byId.get(id);
    const s = node ? imageState(node) : 'live';
    state[i] = s === 'deleted' ? STATE_DELETED : s === 'trashed' ? STATE_TRASHED : STATE_LIVE;
    const c = ACTION_COLORS[node?.action_type ?? ''] ?? '#71717a';
    let ci = colorIndex.get(c);
    if (ci === undefined) {
      ci = colors.length;
      colors.push(c);
      colorIndex.set(c, ci);
    }
    color[i] = ci;
    if (p.x < minX) minX = p.x;
    if (p.y < minY) minY = p.y;
    if (p.x > maxX) maxX = p.x;
    if (p.y > maxY) maxY = p.y;
    i++;
  }
  for (let k = 0; k < n; k++) {
    const parent = byId.get(ids[k]!)?.parent_id;
    if (parent !== null && parent !== undefined) parents[k] = indexOf.get(parent) ?? -1;
  }
  const bounds = n ? { x: minX, y: minY, width: maxX - minX + NODE_WIDTH, height: maxY - minY + NODE_HEIGHT } : { x: 0, y: 0, width: 0, height: 0 };
  return { direction, ids, xs, ys, parents, color, state, colors, indexOf, bounds };
}

/** The node under a point in flow coordinates; within `slack` flow units of a card when none is. */
export function hitTest(scene: Scene, x: number, y: number, slack = 0): number | null {
  let best: number | null = null;
  let bestDistance = Infinity;
  for (let i = 0; i < scene.ids.length; i++) {
    const dx = Math.max(scene.xs[i]! - x, 0, x - (scene.xs[i]! + NODE_WIDTH));
    const dy = Math.max(scene.ys[i]! - y, 0, y - (scene.ys[i]! + NODE_HEIGHT));
    const d = Math.max(dx, dy);
    if (d <= slack && d < bestDistance) {
      bestDistance = d;
      best = scene.ids[i]!;
      if (d === 0) break;
    }
  }
  return best;
}

export interface SceneView {
  /** The flow's transform: screen = flow × zoom + (x, y). */
  x: number;
  y: number;
  zoom: number;
  width: number;
  height: number;
}

export interface SceneLook {
  selected: number | null;
  path: ReadonlySet<number>;
  picked: readonly number[];
  /** Nodes matched by the find box: yellow, quieter than the path. */
  matches?: ReadonlySet<number>;
  dark: boolean;
}

export const PALETTE = {
  light: {
    edge: '#a1a1aa',
    pathEdge: '#4f46e5',
    selected: '#4f46e5',
    path: '#a5b4fc',
    deleted: '#e4e4e7',
    text: '#27272a',
    pathText: '#1e1b4b',
    selectedText: '#ffffff',
    pick: '#f59e0b',
    match: '#facc15',
    matchText: '#422006',
    matchOnPath: '#ca8a04',
  },
  dark: {
    edge: '#52525b',
    pathEdge: '#818cf8',
    selected: '#4f46e5',
    path: '#a5b4fc',
    deleted: '#27272a',
    text: '#f4f4f5',
    pathText: '#1e1b4b',
    selectedText: '#ffffff',
    pick: '#f59e0b',
    match: '#fde047',
    matchText: '#422006',
    matchOnPath: '#facc15',
  },
};

/** The fill of one card on the canvas: the selection, the path, a find's match, then the card's own. */
export function cardFill(look: Pick<SceneLook, 'selected' | 'path' | 'matches'>, id: number): 'selected' | 'path' | 'match' | 'own' {
  if (id === look.selected) return 'selected';
  if (look.path.has(id)) return 'path';
  if (look.matches?.has(id)) return 'match';
  return 'own';
}

/**
 * Draws the part of the tree in view: edges as elbows (as the DOM view draws them), cards as
 * tiles in their action's colour (the zoomed-out look of the DOM view), the selected path in
 * indigo, a find's other matches in yellow (those on the path outlined in it), compare picks
 * outlined in amber, and the ids once they are big enough to read.
 */
export function drawScene(ctx: CanvasRenderingContext2D, scene: Scene, view: SceneView, look: SceneLook, pixelRatio = 1): void {
  const { zoom } = view;
  const palette = look.dark ? PALETTE.dark : PALETTE.light;
  ctx.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
  ctx.clearRect(0, 0, view.width, view.height);
  ctx.setTransform(pixelRatio * zoom, 0, 0, pixelRatio * zoom, pixelRatio * view.x, pixelRatio * view.y);

  // What is in view, in flow coordinates, with a card's margin.
  const x0 = -view.x / zoom - NODE_WIDTH;
  const y0 = -view.y / zoom - NODE_HEIGHT;
  const x1 = (view.width - view.x) / zoom;
  const y1 = (view.height - view.y) / zoom;
  const { xs, ys, parents, ids } = scene;
  const n = ids.length;
  const inView = (i: number) => xs[i]! >= x0 && xs[i]! <= x1 && ys[i]! >= y0 && ys[i]! <= y1;
  const horizontal = scene.direction === 'LR';
  const gap = LEVEL_GAP[scene.direction];

  // Edges: one path for all, another for the selected path on top.
  const elbow = (path: Path2D, c: number, p: number) => {
    if (horizontal) {
      const sx = xs[p]! + NODE_WIDTH;
      const sy = ys[p]! + NODE_HEIGHT / 2;
      const tx = xs[c]!;
      const ty = ys[c]! + NODE_HEIGHT / 2;
      const mx = sx + gap / 2;
      path.moveTo(sx, sy);
      path.lineTo(mx, sy);
      path.lineTo(mx, ty);
      path.lineTo(tx, ty);
    } else {
      const sx = xs[p]! + NODE_WIDTH / 2;
      const sy = ys[p]! + NODE_HEIGHT;
      const tx = xs[c]! + NODE_WIDTH / 2;
      const ty = ys[c]!;
      const my = sy + gap / 2;
      path.moveTo(sx, sy);
      path.lineTo(sx, my);
      path.lineTo(tx, my);
      path.lineTo(tx, ty);
    }
  };
  const edges = new Path2D();
  const pathEdges = new Path2D();
  for (let c = 0; c < n; c++) {
    const p = parents[c]!;
    if (p < 0) continue;
    // An edge is in view when either end is, or it spans the view (a long sibling run).
    const minX = Math.min(xs[c]!, xs[p]!);
    const maxX = Math.max(xs[c]!, xs[p]!);
    const minY = Math.min(ys[c]!, ys[p]!);
    const maxY = Math.max(ys[c]!, ys[p]!);
    if (maxX < x0 || minX > x1 || maxY < y0 || minY > y1) continue;
    elbow(look.path.has(ids[c]!) ? pathEdges : edges, c, p);
  }
  ctx.lineJoin = 'round';
  ctx.strokeStyle = palette.edge;
  ctx.lineWidth = Math.max(1.5, 1 / zoom);
  ctx.stroke(edges);
  ctx.strokeStyle = palette.pathEdge;
  ctx.lineWidth = Math.max(2.75, 2.5 / zoom);
  ctx.stroke(pathEdges);

  // Cards: batched by fill, rounded only where the corners can be seen.
  const rounded = zoom * 12 >= 1.5;
  const fills = new Map<string, Path2D>();
  const add = (fill: string, i: number) => {
    let path = fills.get(fill);
    if (!path) fills.set(fill, (path = new Path2D()));
    if (rounded) path.roundRect(xs[i]!, ys[i]!, NODE_WIDTH, NODE_HEIGHT, 12);
    else path.rect(xs[i]!, ys[i]!, NODE_WIDTH, NODE_HEIGHT);
  };
  const shown: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!inView(i)) continue;
    shown.push(i);
    const id = ids[i]!;
    const s = scene.state[i]!;
    const fill = cardFill(look, id);
    if (fill === 'selected') add(palette.selected, i);
    else if (fill === 'path') add(palette.path, i);
    else if (fill === 'match') add(palette.match, i);
    else if (s === STATE_DELETED) add(palette.deleted, i);
    // The action's colour at 25 % (40 hex), fainter in the trash, as the DOM tiles are.
    else add(`${scene.colors[scene.color[i]!]!}${s === STATE_TRASHED ? '1a' : '40'}`, i);
  }
  for (const [fill, path] of fills) {
    ctx.fillStyle = fill;
    ctx.fill(path);
  }

  // Matches on the path (the selection's ancestors) keep the path's fill, outlined in yellow.
  if (look.matches?.size) {
    const outline = new Path2D();
    for (const i of shown) {
      const id = ids[i]!;
      if (id !== look.selected && look.path.has(id) && look.matches.has(id)) outline.roundRect(xs[i]! + 4, ys[i]! + 4, NODE_WIDTH - 8, NODE_HEIGHT - 8, 10);
    }
    ctx.strokeStyle = palette.matchOnPath;
    ctx.lineWidth = Math.max(8, 1.5 / zoom);
    ctx.stroke(outline);
  }

  // Compare picks: an amber outline, as on the DOM tiles.
  if (look.picked.length) {
    ctx.strokeStyle = palette.pick;
    ctx.lineWidth = Math.max(6, 2 / zoom);
    for (const id of look.picked) {
      const i = scene.indexOf.get(id);
      if (i === undefined || !inView(i)) continue;
      ctx.beginPath();
      ctx.roundRect(xs[i]! - 10, ys[i]! - 10, NODE_WIDTH + 20, NODE_HEIGHT + 20, 16);
      ctx.stroke();
    }
  }

  // Ids, once a 30-unit label is at least 7 px tall and there are not too many to draw.
  if (zoom >= 0.22 && shown.length <= 3000) {
    ctx.font = '600 30px ui-sans-serif, system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const i of shown) {
      const id = ids[i]!;
      const fill = cardFill(look, id);
      ctx.fillStyle = fill === 'selected' ? palette.selectedText : fill === 'path' ? palette.pathText : fill === 'match' ? palette.matchText : palette.text;
      ctx.globalAlpha = scene.state[i] === STATE_TRASHED && id !== look.selected ? 0.45 : 1;
      ctx.fillText(`#${id}`, xs[i]! + NODE_WIDTH / 2, ys[i]! + NODE_HEIGHT / 2);
    }
    ctx.globalAlpha = 1;
  }
}
