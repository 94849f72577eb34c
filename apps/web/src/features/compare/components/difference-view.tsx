import { useEffect, useRef, useState } from 'react';
import { Sun } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { Toggle } from '@/components/ui/toggle';
import { canvasSize, describeDifference, differenceStats, fitContain, type DifferenceStats } from '../difference';
import { CompareImage, CompareStage, SideLabel } from './compare-image';

type Drawing = { state: 'drawing' } | { state: 'drawn'; stats: DifferenceStats | null } | { state: 'failed'; message: string };

function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.decoding = 'async';
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`${url} could not be loaded`));
    img.src = url;
  });
}

/**
 * |A − B| per pixel, drawn by the canvas ("difference" compositing): black where the two are the
 * same, brighter the more they differ. Both are fitted whole into B's size, as in the slider.
 */
export function DifferenceView({ a, b }: { a: ImageNode; b: ImageNode }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const [drawing, setDrawing] = useState<Drawing>({ state: 'drawing' });
  const [boost, setBoost] = useState(false);
  const { width, height } = canvasSize(b.width, b.height);

  useEffect(() => {
    if (!a.url || !b.url) return;
    let live = true;
    setDrawing({ state: 'drawing' });
    Promise.all([loadImage(a.url), loadImage(b.url)]).then(
      ([imageA, imageB]) => {
        if (!live) return;
        const el = canvas.current;
        const ctx = el?.getContext('2d', { willReadFrequently: true });
        if (!el || !ctx) {
          setDrawing({ state: 'failed', message: 'This browser cannot draw the difference; use the slider or onion skin instead.' });
          return;
        }
        el.width = width;
        el.height = height;
        ctx.globalCompositeOperation = 'source-over';
        ctx.fillStyle = '#000';
        ctx.fillRect(0, 0, width, height);
        ctx.imageSmoothingQuality = 'high';
        const draw = (image: HTMLImageElement) => {
          const at = fitContain(image.naturalWidth, image.naturalHeight, width, height);
          ctx.drawImage(image, at.x, at.y, at.width, at.height);
        };
        draw(imageB);
        ctx.globalCompositeOperation = 'difference';
        draw(imageA);
        ctx.globalCompositeOperation = 'source-over';
        let stats: DifferenceStats | null = null;
        try {
          stats = differenceStats(ctx.getImageData(0, 0, width, height).data);
        } catch {
          // Images from another origin draw, but their pixels cannot be read back.
        }
        setDrawing({ state: 'drawn', stats });
      },
      () => live && setDrawing({ state: 'failed', message: 'An image could not be loaded; reload the page to try again.' }),
    );
    return () => {
      live = false;
    };
  }, [a.url, b.url, width, height]);

  const gone = [a, b].find((node) => !node.url);
  return (
    <div className="space-y-3">
      <CompareStage width={b.width} height={b.height} className="bg-black" data-testid="difference-view">
        {gone ? (
          <CompareImage node={gone} className="absolute inset-0" />
        ) : (
          <canvas
            ref={canvas}
            role="img"
            aria-label={`Difference between A (#${a.id}) and B (#${b.id}): black where they are the same`}
            className="absolute inset-0 h-full w-full"
            style={boost ? { filter: 'brightness(4)' } : undefined}
            data-testid="difference-canvas"
            data-state={drawing.state}
          />
        )}
        {drawing.state === 'drawing' && !gone ? (
          <span className="absolute inset-0 flex items-center justify-center text-sm text-zinc-300">Working out the difference…</span>
        ) : null}
        <SideLabel side="A" id={a.id} className="left-2 top-2" />
        <SideLabel side="B" id={b.id} className="right-2 top-2" />
      </CompareStage>
      <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 px-1 text-sm">
        <p className="min-w-0 text-zinc-600 dark:text-zinc-400" aria-live="polite">
          {gone
            ? `#${gone.id} was deleted, so there are no pixels to compare.`
            : drawing.state === 'failed'
              ? drawing.message
              : drawing.state === 'drawn' && drawing.stats
                ? describeDifference(drawing.stats)
                : 'Black where A and B are the same; the brighter, the more they differ.'}
        </p>
        <Toggle size="sm" pressed={boost} onPressedChange={setBoost} disabled={Boolean(gone)} title="Show small differences four times brighter">
          <Sun className="h-4 w-4" aria-hidden />
          Amplify ×4
        </Toggle>
      </div>
    </div>
  );
}
