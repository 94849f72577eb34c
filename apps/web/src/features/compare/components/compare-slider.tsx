import { useCallback, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { ChevronsLeftRight } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { CompareImage, CompareStage, SideLabel } from './compare-image';

const clamp = (v: number) => Math.min(100, Math.max(0, v));

/** The new position for a key press on the divider, or null when the key does nothing. */
export function sliderKeyStep(key: string, shift: boolean, value: number): number | null {
  const step = shift ? 10 : 1;
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      return clamp(value - step);
    case 'ArrowRight':
    case 'ArrowUp':
      return clamp(value + step);
    case 'PageDown':
      return clamp(value - 10);
    case 'PageUp':
      return clamp(value + 10);
    case 'Home':
      return 0;
    case 'End':
      return 100;
    default:
      return null;
  }
}

/**
 * A over B in one frame: a vertical divider reveals A on its left and B on its right.
 * Drag anywhere on the image, or focus the divider and use the arrow keys (Shift for 10%).
 */
export function CompareSlider({ a, b, initial = 50 }: { a: ImageNode; b: ImageNode; initial?: number }) {
  const [position, setPosition] = useState(initial);
  const frame = useRef<HTMLDivElement>(null);
  const dragging = useRef(false);

  const moveTo = useCallback((clientX: number) => {
    const rect = frame.current?.getBoundingClientRect();
    if (!rect || rect.width === 0) return;
    setPosition(clamp(Math.round(((clientX - rect.left) / rect.width) * 1000) / 10));
  }, []);

  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    if (e.button !== 0) return;
    dragging.current = true;
    e.currentTarget.setPointerCapture?.(e.pointerId);
    moveTo(e.clientX);
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (dragging.current) moveTo(e.clientX);
  };
  const stop = () => {
    dragging.current = false;
  };
  const onKeyDown = (e: KeyboardEvent) => {
    const next = sliderKeyStep(e.key, e.shiftKey, position);
    if (next === null) return;
    e.preventDefault();
    setPosition(next);
  };

  return (
    <CompareStage
      ref={frame}
      width={b.width}
      height={b.height}
      className="cursor-ew-resize touch-none select-none"
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={stop}
      onPointerCancel={stop}
      data-testid="compare-slider"
    >
      <CompareImage node={b} className="absolute inset-0" />
      <div className="absolute inset-0" style={{ clipPath: `inset(0 ${100 - position}% 0 0)` }} data-testid="compare-slider-a">
        <CompareImage node={a} className="absolute inset-0" />
      </div>
      <SideLabel side="A" id={a.id} className="left-2 top-2" />
      <SideLabel side="B" id={b.id} className="right-2 top-2" />

      <div className="pointer-events-none absolute inset-y-0 w-0.5 -translate-x-1/2 bg-white shadow-[0_0_0_1px_rgb(0_0_0/0.25)]" style={{ left: `${position}%` }} aria-hidden />
      <div
        role="slider"
        tabIndex={0}
        aria-label="Divider between A and B"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={position}
        aria-valuetext={`${Math.round(position)}% of A shown`}
        aria-orientation="horizontal"
        onKeyDown={onKeyDown}
        className="absolute top-1/2 flex h-10 w-10 -translate-x-1/2 -translate-y-1/2 items-center justify-center rounded-full bg-white text-zinc-700 shadow-lg ring-1 ring-black/10 focus-visible:outline-3 focus-visible:outline-offset-2 focus-visible:outline-indigo-500"
        style={{ left: `${position}%` }}
      >
        <ChevronsLeftRight className="h-5 w-5" aria-hidden />
      </div>
    </CompareStage>
  );
}
