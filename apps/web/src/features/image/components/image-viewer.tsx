import { useCallback, useEffect, useLayoutEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
import { ChevronLeft, ChevronRight, Download, FileDown, Ghost, LoaderCircle, Maximize, Minimize, Minus, Plus, Shrink } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { cn } from '@/lib/cn';
import { formatBytes, formatDateTime } from '../format';
import { formatName, originalFilename } from '../imported';
import { CHECKER } from '../styles';
import { clampView, fitScale, fitView, panBy, scaleLimits, scaleText, wheelScale, ZOOM_STEP, zoomAround, type Insets, type Size, type View } from '../zoom';

export interface ImageViewerProps {
  node: ImageNode;
  className?: string;
  /** Download buttons in the viewer's bar: the PNG, and an upload's original file. */
  downloads?: boolean;
  /** The images before and after this one (in the gallery), for the arrow keys and side buttons. */
  previous?: ImageNode | null;
  next?: ImageNode | null;
  onGo?: (node: ImageNode) => void;
}

/** Keys typed into these are theirs, never the viewer's. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || !!target.closest('input, textarea, select, [role="dialog"], dialog, [role="slider"]');
}

/**
 * The image in a frame, as large as the frame allows and never cropped, to zoom (wheel, pinch,
 * double-click, the + and - buttons or keys, 1:1 and fit) and pan (drag) and to view fullscreen
 * (F; Esc leaves). The arrow keys go to the previous and next image. The thumbnail shows at once,
 * scaled to the image's size, until the full image is decoded, so even a 64-megapixel PNG never
 * leaves the frame blank. The frame must have a definite size.
 */
export function ImageViewer({ node, className, downloads = false, previous = null, next = null, onGo }: ImageViewerProps) {
  const frameRef = useRef<HTMLDivElement>(null);
  const [fullscreen, setFullscreen] = useState(false);
  const canFullscreen = typeof document !== 'undefined' && document.fullscreenEnabled === true;
  useEffect(() => {
    const onChange = () => setFullscreen(document.fullscreenElement === frameRef.current && frameRef.current !== null);
    document.addEventListener('fullscreenchange', onChange);
    return () => document.removeEventListener('fullscreenchange', onChange);
  }, []);
  const toggleFullscreen = useCallback(() => {
    if (document.fullscreenElement) void document.exitFullscreen();
    else void frameRef.current?.requestFullscreen().catch(() => undefined);
  }, []);

  // ← and → go to the neighbours, wherever focus is on the page (but in a field or a dialog). A press
  // made before the image gone to is shown is dropped: these neighbours are the previous image's.
  const going = useRef(false);
  useEffect(() => {
    going.current = false;
    if (!onGo) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey || isTyping(event.target)) return;
      const target = event.key === 'ArrowLeft' ? previous : event.key === 'ArrowRight' ? next : null;
      if (!target) return;
      event.preventDefault();
      if (going.current) return;
      going.current = true;
      onGo(target);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onGo, previous, next]);

  const gone = node.deleted_at || !node.url;
  return (
    <div
      ref={frameRef}
      role="group"
      aria-label={`Image #${node.id} viewer`}
      className={cn(
        CHECKER,
        'relative overflow-hidden rounded-2xl bg-zinc-100 ring-1 ring-inset ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800',
        '[&:fullscreen]:rounded-none [&:fullscreen]:bg-zinc-950 [&:fullscreen]:[background-image:none] [&:fullscreen]:ring-0',
        className,
      )}
    >
      {gone ? (
        <div className="flex h-full items-center justify-center p-3 sm:p-5">
          <Tombstone node={node} />
        </div>
      ) : (
        <ZoomableImage key={node.id} node={node} downloads={downloads} fullscreen={fullscreen} onToggleFullscreen={canFullscreen ? toggleFullscreen : undefined} />
      )}
      {onGo && previous ? <SideButton side="left" label={`Previous image (#${previous.id})`} onClick={() => onGo(previous)} /> : null}
      {onGo && next ? <SideButton side="right" label={`Next image (#${next.id})`} onClick={() => onGo(next)} /> : null}
    </div>
  );
}

function SideButton({ side, label, onClick }: { side: 'left' | 'right'; label: string; onClick: () => void }) {
  return (
    <button
      type="button"
      onClick={onClick}
      aria-label={label}
      title={`${label} (${side === 'left' ? '←' : '→'})`}
      className={cn(
        'absolute top-1/2 z-10 inline-flex h-10 w-10 -translate-y-1/2 items-center justify-center rounded-full bg-black/45 text-white shadow-md ring-1 ring-white/15 backdrop-blur transition hover:bg-black/65 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-400',
        side === 'left' ? 'left-2 sm:left-3' : 'right-2 sm:right-3',
      )}
    >
      {side === 'left' ? <ChevronLeft className="h-5 w-5" aria-hidden /> : <ChevronRight className="h-5 w-5" aria-hidden />}
    </button>
  );
}

/** The element's size, following resizes (jsdom, without layout, gets a laptop-sized frame). */
function useSize(ref: React.RefObject<HTMLElement | null>): Size {
  const [size, setSize] = useState<Size>({ width: 800, height: 600 });
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const read = () => {
      if (el.clientWidth > 0 && el.clientHeight > 0) setSize((s) => (s.width === el.clientWidth && s.height === el.clientHeight ? s : { width: el.clientWidth, height: el.clientHeight }));
    };
    read();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(read);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/**
 * Whether the full image is decoded and ready to be shown: decode() off the main thread where the
 * browser has it, else the load event. Failed: the file could not be loaded.
 */
function useDecoded(img: React.RefObject<HTMLImageElement | null>, src: string): { ready: boolean; failed: boolean; onError: () => void } {
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const el = img.current;
    if (!el) return;
    let live = true;
    const done = () => {
      if (live) setReady(true);
    };
    if (typeof el.decode === 'function') {
      el.decode().then(done, () => {
        if (live && el.complete && el.naturalWidth > 0) done();
      });
    } else if (el.complete && el.naturalWidth > 0) done();
    else el.addEventListener('load', done, { once: true });
    return () => {
      live = false;
      el.removeEventListener('load', done);
    };
  }, [img, src]);
  return { ready, failed, onError: useCallback(() => setFailed(true), []) };
}

/** Space kept around the image at fit, and below it room for the bar, so that nothing covers it. */
const marginFor = (frame: Size): Insets => {
  const side = frame.width < 640 ? 12 : 20;
  return { top: side, right: side, bottom: BAR_ROOM, left: side };
};
/** The bar's height and the space under it. */
const BAR_ROOM = 60;

function ZoomableImage({
  node,
  downloads,
  fullscreen,
  onToggleFullscreen,
}: {
  node: ImageNode;
  downloads: boolean;
  fullscreen: boolean;
  onToggleFullscreen?: () => void;
}) {
  const stageRef = useRef<HTMLDivElement>(null);
  const fullRef = useRef<HTMLImageElement>(null);
  const frame = useSize(stageRef);
  const image: Size = { width: node.width, height: node.height };
  const margin = marginFor(frame);
  const limits = scaleLimits(image, frame, margin);
  const fit = fitScale(image, frame, margin);
  // null: fitted, following the frame as it resizes (fullscreen, rotating a phone).
  const [zoomed, setZoomed] = useState<View | null>(null);
  const view = zoomed ? clampView(zoomed, image, frame) : fitView(image, frame, margin);
  const { ready, failed, onError } = useDecoded(fullRef, node.url!);

  // The latest values, for the listeners that live across renders (wheel, pointers).
  const latest = useRef({ view, frame, limits, fit, image });
  latest.current = { view, frame, limits, fit, image };

  const settle = useCallback((next: View) => {
    // Back at fit: fitted again, so that it follows the frame.
    setZoomed(Math.abs(next.scale - latest.current.fit) < 1e-6 ? null : next);
  }, []);
  const zoomTo = useCallback(
    (scale: number, at?: { x: number; y: number }) => {
      const { view: v, frame: f, limits: l, image: i } = latest.current;
      // From the bar or the keys: around the middle of the room the image fits in.
      const m = marginFor(f);
      const middle = { x: m.left + (f.width - m.left - m.right) / 2, y: m.top + (f.height - m.top - m.bottom) / 2 };
      settle(zoomAround(v, scale, at ?? middle, i, f, l));
    },
    [settle],
  );
  const zoomIn = useCallback(() => zoomTo(latest.current.view.scale * ZOOM_STEP), [zoomTo]);
  const zoomOut = useCallback(() => zoomTo(latest.current.view.scale / ZOOM_STEP), [zoomTo]);
  const toFit = useCallback(() => setZoomed(null), []);
  const toActual = useCallback(() => zoomTo(1), [zoomTo]);

  // The wheel zooms around the pointer (a trackpad pinch comes as ctrl+wheel); not passive, to keep the page still.
  useEffect(() => {
    const stage = stageRef.current;
    if (!stage) return;
    const onWheel = (event: WheelEvent) => {
      event.preventDefault();
      const rect = stage.getBoundingClientRect();
      zoomTo(wheelScale(latest.current.view.scale, event.deltaY, event.deltaMode, event.ctrlKey), { x: event.clientX - rect.left, y: event.clientY - rect.top });
    };
    stage.addEventListener('wheel', onWheel, { passive: false });
    return () => stage.removeEventListener('wheel', onWheel);
  }, [zoomTo]);

  // Keys: + and - zoom, 0 fits, 1 shows 1:1, F goes fullscreen.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || isTyping(event.target)) return;
      const action = { '+': zoomIn, '=': zoomIn, '-': zoomOut, _: zoomOut, '0': toFit, '1': toActual, f: onToggleFullscreen, F: onToggleFullscreen }[event.key];
      if (!action) return;
      event.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [zoomIn, zoomOut, toFit, toActual, onToggleFullscreen]);

  // Drag pans; two fingers pinch (and pan with their midpoint).
  const pointers = useRef(new Map<number, { x: number; y: number }>());
  const [dragging, setDragging] = useState(false);
  const pointOf = (event: ReactPointerEvent) => {
    const rect = stageRef.current!.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  };
  const onPointerDown = (event: ReactPointerEvent<HTMLDivElement>) => {
    if (event.button !== 0) return;
    pointers.current.set(event.pointerId, pointOf(event));
    event.currentTarget.setPointerCapture?.(event.pointerId);
    setDragging(true);
  };
  const onPointerMove = (event: ReactPointerEvent<HTMLDivElement>) => {
    const before = pointers.current.get(event.pointerId);
    if (!before) return;
    const now = pointOf(event);
    const others = [...pointers.current.entries()].filter(([id]) => id !== event.pointerId).map(([, p]) => p);
    pointers.current.set(event.pointerId, now);
    const { view: v, frame: f, image: i, limits: l } = latest.current;
    if (others.length === 1) {
      const other = others[0]!;
      const was = Math.hypot(before.x - other.x, before.y - other.y);
      const is = Math.hypot(now.x - other.x, now.y - other.y);
      if (was < 1) return;
      const midBefore = { x: (before.x + other.x) / 2, y: (before.y + other.y) / 2 };
      const midNow = { x: (now.x + other.x) / 2, y: (now.y + other.y) / 2 };
      const pinched = zoomAround(v, (v.scale * is) / was, midBefore, i, f, l);
      settle(panBy(pinched, midNow.x - midBefore.x, midNow.y - midBefore.y, i, f));
    } else if (others.length === 0 && zoomed) {
      settle(panBy(v, now.x - before.x, now.y - before.y, i, f));
    }
  };
  const onPointerEnd = (event: ReactPointerEvent<HTMLDivElement>) => {
    pointers.current.delete(event.pointerId);
    if (pointers.current.size === 0) setDragging(false);
  };
  const onDoubleClick = (event: React.MouseEvent<HTMLDivElement>) => {
    const rect = stageRef.current!.getBoundingClientRect();
    const at = { x: event.clientX - rect.left, y: event.clientY - rect.top };
    if (zoomed) setZoomed(null);
    else zoomTo(fit < 1 ? 1 : fit * 2, at);
  };

  const pannable = zoomed !== null && (image.width * view.scale > frame.width + 0.5 || image.height * view.scale > frame.height + 0.5);
  const original = downloads && node.original?.url ? node.original : null;
  return (
    <>
      <div
        ref={stageRef}
        data-testid="viewer-stage"
        className={cn('absolute inset-0 select-none', pannable ? (dragging ? 'cursor-grabbing' : 'cursor-grab') : 'cursor-zoom-in')}
        // Fitted, a finger scrolls the page (a phone shows the image above its details); zoomed, it pans.
        style={{ touchAction: zoomed ? 'none' : 'pan-y' }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerEnd}
        onPointerCancel={onPointerEnd}
        onDoubleClick={onDoubleClick}
      >
        <div
          data-testid="viewer-image"
          data-scale={view.scale}
          className={cn('absolute top-0 left-0 overflow-hidden', zoomed ? '' : 'rounded-md shadow-[0_1px_3px_rgb(0_0_0/0.12),0_12px_32px_-12px_rgb(0_0_0/0.35)]')}
          style={{ width: image.width * view.scale, height: image.height * view.scale, transform: `translate(${view.x}px, ${view.y}px)` }}
        >
          {node.thumbnail_url && !ready ? (
            <img src={node.thumbnail_url} alt="" aria-hidden data-testid="viewer-thumbnail" draggable={false} className="absolute inset-0 h-full w-full object-fill" />
          ) : null}
          <img
            ref={fullRef}
            src={node.url!}
            alt={node.prompt ? `Image #${node.id}: ${node.prompt}` : `Image #${node.id}`}
            width={node.width}
            height={node.height}
            decoding="async"
            draggable={false}
            onError={onError}
            className={cn('absolute inset-0 h-full w-full object-fill', ready ? 'opacity-100' : 'opacity-0', view.scale >= 3 && '[image-rendering:pixelated]')}
          />
        </div>
      </div>
      {!ready && !failed ? (
        <p role="status" className="pointer-events-none absolute top-2.5 left-2.5 inline-flex items-center gap-1.5 rounded-full bg-black/55 px-2.5 py-1 text-xs font-medium text-white backdrop-blur">
          <LoaderCircle className="h-3.5 w-3.5 animate-spin" aria-hidden />
          Loading the full image…
        </p>
      ) : null}
      {failed ? (
        <div role="alert" className="absolute inset-x-3 top-3 rounded-lg bg-zinc-900/80 p-3 text-center text-sm text-white">
          The image file could not be loaded.
        </div>
      ) : null}
      <div
        role="toolbar"
        aria-label="Zoom and view"
        className={cn(
          'absolute bottom-2.5 left-1/2 z-10 flex max-w-[calc(100%-1rem)] -translate-x-1/2 items-center gap-0.5 rounded-xl bg-black/55 p-1 text-white shadow-lg ring-1 ring-white/10 backdrop-blur',
          fullscreen && 'bottom-4',
        )}
      >
        <BarButton label="Zoom out" keys="−" onClick={zoomOut} disabled={view.scale <= limits.min + 1e-6}>
          <Minus className="h-4 w-4" aria-hidden />
        </BarButton>
        <output aria-label="Zoom" className="w-12 text-center text-xs font-medium tabular-nums">
          {scaleText(view.scale)}
        </output>
        <BarButton label="Zoom in" keys="+" onClick={zoomIn} disabled={view.scale >= limits.max - 1e-6}>
          <Plus className="h-4 w-4" aria-hidden />
        </BarButton>
        <Divider />
        <BarButton label="Fit to the frame" keys="0" onClick={toFit} pressed={!zoomed}>
          <Shrink className="h-4 w-4" aria-hidden />
        </BarButton>
        <BarButton label="Actual size (1:1)" keys="1" onClick={toActual} pressed={Math.abs(view.scale - 1) < 1e-6}>
          <span className="px-0.5 text-xs font-semibold">1:1</span>
        </BarButton>
        {onToggleFullscreen ? (
          <BarButton label={fullscreen ? 'Leave fullscreen' : 'Fullscreen'} keys={fullscreen ? 'Esc' : 'F'} onClick={onToggleFullscreen}>
            {fullscreen ? <Minimize className="h-4 w-4" aria-hidden /> : <Maximize className="h-4 w-4" aria-hidden />}
          </BarButton>
        ) : null}
        {downloads ? (
          <>
            <Divider />
            <a
              href={node.url!}
              download={node.filename}
              aria-label="Download the PNG"
              title="Download the PNG, with its recipe embedded"
              className={barButtonClass}
            >
              <Download className="h-4 w-4" aria-hidden />
            </a>
            {original ? (
              <a
                href={original.url!}
                download={originalFilename(node) ?? true}
                aria-label={`Download the original (${formatName(original.content_type)})`}
                title={`The file as it was uploaded: ${formatName(original.content_type)}, ${formatBytes(original.bytes)}`}
                className={barButtonClass}
              >
                <FileDown className="h-4 w-4" aria-hidden />
              </a>
            ) : null}
          </>
        ) : null}
      </div>
    </>
  );
}

const barButtonClass =
  'inline-flex h-8 min-w-8 items-center justify-center rounded-lg px-1 text-white/90 transition-colors hover:bg-white/15 hover:text-white focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-indigo-400 disabled:cursor-not-allowed disabled:opacity-40 aria-pressed:bg-white/20 aria-pressed:text-white';

function BarButton({ label, keys, onClick, disabled, pressed, children }: { label: string; keys: string; onClick: () => void; disabled?: boolean; pressed?: boolean; children: ReactNode }) {
  return (
    <button type="button" onClick={onClick} disabled={disabled} aria-pressed={pressed} aria-label={label} title={`${label} (${keys})`} className={barButtonClass}>
      {children}
    </button>
  );
}

function Divider() {
  return <span aria-hidden className="mx-0.5 h-5 w-px shrink-0 bg-white/20" />;
}

function Tombstone({ node }: { node: ImageNode }) {
  return (
    <div
      className="flex max-w-sm flex-col items-center gap-3 rounded-2xl border-2 border-dashed border-zinc-300 bg-white/80 px-8 py-10 text-center backdrop-blur dark:border-zinc-700 dark:bg-zinc-950/70"
      data-testid="tombstone"
    >
      <Ghost className="h-10 w-10 text-zinc-400" aria-hidden />
      <p className="text-base font-semibold">This image was deleted</p>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">Its recipe and place in the lineage remain.</p>
      {node.deleted_at ? <p className="text-xs text-zinc-500">Deleted {formatDateTime(node.deleted_at)}</p> : null}
    </div>
  );
}
