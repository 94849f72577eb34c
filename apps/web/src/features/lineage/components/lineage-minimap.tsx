import { useEffect, useRef, type PointerEvent as ReactPointerEvent } from 'react';
import { Panel, useReactFlow, useStoreApi } from '@xyflow/react';
import { NODE_HEIGHT, NODE_WIDTH } from '../graph';
import { STATE_DELETED, STATE_TRASHED, type Scene } from '../scene';
import { useViewStoreApi } from '../view-store';

const WIDTH = 200;
const HEIGHT = 150;
/** The tree is drawn once at this many times the minimap's size, then scaled into it on each frame. */
const DETAIL = 2;

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How a flow rectangle sits in a box of w×h: flow = box × scale + (x, y), centred, with a margin. */
function fit(r: Rect, w: number, h: number) {
  const scale = Math.max(r.width / w, r.height / h, 1e-6) * 1.08;
  return { scale, x: r.x + r.width / 2 - (w / 2) * scale, y: r.y + r.height / 2 - (h / 2) * scale };
}

/**
 * The overview in the corner, on a canvas: the tree is drawn once per layout and selection into
 * an image (10,000 nodes take a few milliseconds), and each frame of a pan only scales that image
 * and draws the view's frame over it. React Flow's own minimap has an SVG element per node and
 * re-reads every node on each frame. As React Flow's, it takes in the view wherever it goes.
 * Click or drag to move the view there; the wheel zooms.
 */
export function LineageMinimap({ scene, dark }: { scene: Scene; dark: boolean }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const flow = useStoreApi();
  const view = useViewStoreApi();
  const { setViewport, getViewport } = useReactFlow();
  const dragging = useRef(false);
  /** The mapping of the last frame drawn, for the pointer. */
  const mapping = useRef(fit(scene.bounds, WIDTH, HEIGHT));

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    const ratio = window.devicePixelRatio || 1;

    // The tree, with a find's matches in yellow and the selection in indigo, into an image of its own.
    const image = document.createElement('canvas');
    image.width = WIDTH * DETAIL * ratio;
    image.height = HEIGHT * DETAIL * ratio;
    const own = fit(scene.bounds, image.width, image.height);
    const drawTree = () => {
      const c = image.getContext('2d');
      if (!c) return;
      c.setTransform(1, 0, 0, 1, 0, 0);
      c.clearRect(0, 0, image.width, image.height);
      c.setTransform(1 / own.scale, 0, 0, 1 / own.scale, -own.x / own.scale, -own.y / own.scale);
      // A card is at least a pixel or two, however big the tree.
      const w = Math.max(NODE_WIDTH, 1.5 * own.scale);
      const h = Math.max(NODE_HEIGHT, 1.5 * own.scale);
      const byFill = new Map<string, Path2D>();
      for (let i = 0; i < scene.ids.length; i++) {
        const s = scene.state[i];
        const fill = s === STATE_DELETED ? '#d4d4d8' : s === STATE_TRASHED ? '#fde68a' : scene.colors[scene.color[i]!]!;
        let path = byFill.get(fill);
        if (!path) byFill.set(fill, (path = new Path2D()));
        path.rect(scene.xs[i]!, scene.ys[i]!, w, h);
      }
      for (const [fill, path] of byFill) {
        c.fillStyle = fill;
        c.fill(path);
      }
      const { selected, matches } = view.get();
      // A find's matches: yellow, a little bigger than a card where cards are specks.
      if (matches.size) {
        const marks = new Path2D();
        const mw = Math.max(NODE_WIDTH, 4 * own.scale);
        const mh = Math.max(NODE_HEIGHT, 4 * own.scale);
        for (const id of matches) {
          const at = scene.indexOf.get(id);
          if (at !== undefined) marks.rect(scene.xs[at]! + (NODE_WIDTH - mw) / 2, scene.ys[at]! + (NODE_HEIGHT - mh) / 2, mw, mh);
        }
        c.fillStyle = dark ? '#fde047' : '#eab308';
        c.fill(marks);
      }
      const i = selected === null ? undefined : scene.indexOf.get(selected);
      if (i !== undefined) {
        c.fillStyle = '#4f46e5';
        const r = 5 * own.scale;
        c.fillRect(scene.xs[i]! + NODE_WIDTH / 2 - r, scene.ys[i]! + NODE_HEIGHT / 2 - r, 2 * r, 2 * r);
      }
    };

    // Each frame: the tree and the view both in the box, the tree outside the view masked.
    let raf = 0;
    const paint = () => {
      raf = 0;
      const { transform, width, height } = flow.getState();
      const [tx, ty, zoom] = transform;
      const seen = { x: -tx / zoom, y: -ty / zoom, width: width / zoom, height: height / zoom };
      const b = scene.bounds;
      const x0 = Math.min(b.x, seen.x);
      const y0 = Math.min(b.y, seen.y);
      const all = { x: x0, y: y0, width: Math.max(b.x + b.width, seen.x + seen.width) - x0, height: Math.max(b.y + b.height, seen.y + seen.height) - y0 };
      const m = fit(all, WIDTH, HEIGHT);
      mapping.current = m;
      const box = (r: Rect) => [(r.x - m.x) / m.scale, (r.y - m.y) / m.scale, r.width / m.scale, r.height / m.scale] as const;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, WIDTH, HEIGHT);
      ctx.drawImage(image, ...box({ x: own.x, y: own.y, width: image.width * own.scale, height: image.height * own.scale }));
      const [fx, fy, fw, fh] = box(seen);
      ctx.fillStyle = dark ? 'rgb(9 9 11 / 0.6)' : 'rgb(244 244 245 / 0.65)';
      ctx.beginPath();
      ctx.rect(0, 0, WIDTH, HEIGHT);
      ctx.rect(fx, fy, fw, fh);
      ctx.fill('evenodd');
      ctx.strokeStyle = dark ? '#71717a' : '#a1a1aa';
      ctx.lineWidth = 1;
      ctx.strokeRect(fx, fy, fw, fh);
    };
    const schedule = () => {
      if (!raf) raf = requestAnimationFrame(paint);
    };
    drawTree();
    paint();
    let seen = flow.getState();
    const offFlow = flow.subscribe((s) => {
      if (s.transform === seen.transform && s.width === seen.width && s.height === seen.height) return;
      seen = s;
      schedule();
    });
    let { selected, matches } = view.get();
    const offView = view.subscribe(() => {
      const now = view.get();
      if (now.selected === selected && now.matches === matches) return;
      ({ selected, matches } = now);
      drawTree();
      schedule();
    });
    return () => {
      offFlow();
      offView();
      cancelAnimationFrame(raf);
    };
  }, [scene, dark, flow, view]);

  // The wheel zooms around the view's centre (a listener of our own: React's is passive).
  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const { width, height, minZoom, maxZoom } = flow.getState();
      const { x, y, zoom } = getViewport();
      const next = Math.min(maxZoom, Math.max(minZoom, zoom * Math.pow(2, -event.deltaY * 0.002)));
      const cx = (width / 2 - x) / zoom;
      const cy = (height / 2 - y) / zoom;
      void setViewport({ x: width / 2 - cx * next, y: height / 2 - cy * next, zoom: next });
    };
    element.addEventListener('wheel', onWheel, { passive: false });
    return () => element.removeEventListener('wheel', onWheel);
  }, [flow, getViewport, setViewport]);

  const moveTo = (event: ReactPointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    const m = mapping.current;
    const fx = (event.clientX - rect.left) * m.scale + m.x;
    const fy = (event.clientY - rect.top) * m.scale + m.y;
    const { width, height } = flow.getState();
    const { zoom } = getViewport();
    void setViewport({ x: width / 2 - fx * zoom, y: height / 2 - fy * zoom, zoom });
  };

  const ratio = globalThis.devicePixelRatio || 1;
  return (
    <Panel position="bottom-right" className="react-flow__minimap lineage-minimap !hidden sm:!block">
      <canvas
        ref={canvas}
        width={WIDTH * ratio}
        height={HEIGHT * ratio}
        style={{ width: WIDTH, height: HEIGHT }}
        className="block cursor-pointer touch-none"
        role="img"
        aria-label="Overview of the lineage"
        onPointerDown={(event) => {
          dragging.current = true;
          event.currentTarget.setPointerCapture(event.pointerId);
          moveTo(event);
        }}
        onPointerMove={(event) => {
          if (dragging.current) moveTo(event);
        }}
        onPointerUp={() => {
          dragging.current = false;
        }}
        onPointerCancel={() => {
          dragging.current = false;
        }}
      />
    </Panel>
  );
}
