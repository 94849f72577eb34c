import { ArrowLeftRight } from 'lucide-react';
import { Field, Input } from '@/components/ui/field';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { ASPECT_RATIOS, BASE_SIZES, closestBase, closestRatio, matchPreset, sizeForRatio, type AspectRatioId } from '../sizes';

function RatioIcon({ w, h }: { w: number; h: number }) {
  const scale = 14 / Math.max(w, h);
  return (
    <span aria-hidden className="flex h-4 w-4 items-center justify-center">
      <span className="rounded-[3px] border-[1.5px] border-current" style={{ width: Math.round(w * scale), height: Math.round(h * scale) }} />
    </span>
  );
}

/** Aspect ratio and base size presets, plus the exact width and height (any multiple of 8). */
export function SizePicker({
  width,
  height,
  onWidth,
  onHeight,
  onSize,
  widthError,
  heightError,
}: {
  width: string;
  height: string;
  onWidth: (v: string) => void;
  onHeight: (v: string) => void;
  onSize: (width: number, height: number) => void;
  widthError?: string;
  heightError?: string;
}) {
  const w = Number(width);
  const h = Number(height);
  const valid = Number.isFinite(w) && Number.isFinite(h) && w > 0 && h > 0;
  const preset = valid ? matchPreset(w, h) : null;
  const ratio: AspectRatioId | null = preset?.ratio ?? (valid ? closestRatio(w, h) : null);
  const base = valid ? (preset?.base ?? closestBase(w, h)) : 1024;
  const megapixels = valid ? ((w * h) / 1_000_000).toFixed(2) : null;

  return (
    <div className="space-y-3">
      <div className="flex items-baseline justify-between">
        <span className="text-sm font-medium text-zinc-700 dark:text-zinc-300" id="size-heading">
          Size
        </span>
        <span className="text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
          {preset ? `${preset.ratio} · ${megapixels} MP` : valid ? `Custom · ${megapixels} MP` : 'Custom'}
        </span>
      </div>
      <SegmentedControl
        label="Aspect ratio"
        showLegend
        legendClassName="mb-1 text-xs font-normal text-zinc-500 dark:text-zinc-400"
        name="aspect-ratio"
        size="sm"
        value={ratio}
        onChange={(id) => {
          const s = sizeForRatio(id, base);
          onSize(s.width, s.height);
        }}
        options={ASPECT_RATIOS.map((r) => ({
          value: r.id,
          label: (
            <span className="flex flex-col items-center gap-0.5 py-1">
              <RatioIcon w={r.w} h={r.h} />
              <span className="text-[11px] leading-none tabular-nums">{r.id}</span>
            </span>
          ),
          ariaLabel: `Aspect ratio ${r.id}`,
        }))}
        className="[&_label]:h-auto"
      />
      <SegmentedControl
        label="Base size"
        showLegend
        legendClassName="mb-1 text-xs font-normal text-zinc-500 dark:text-zinc-400"
        name="base-size"
        size="sm"
        value={preset ? String(preset.base) : null}
        onChange={(b) => {
          const s = sizeForRatio(ratio ?? '1:1', Number(b));
          onSize(s.width, s.height);
        }}
        options={BASE_SIZES.map((b) => ({
          value: String(b),
          label: <span className="tabular-nums">{b}</span>,
          ariaLabel: `Base size ${b}`,
          title: b === 1024 ? 'Native size of SDXL and FLUX' : undefined,
        }))}
      />
      <div className="flex items-start gap-2">
        <Field label="Width" htmlFor="width" error={widthError} className="min-w-0 flex-1">
          <Input
            id="width"
            type="number"
            inputMode="numeric"
            min={64}
            max={2048}
            step={8}
            value={width}
            onChange={(e) => onWidth(e.target.value)}
            aria-invalid={widthError ? true : undefined}
            aria-describedby={widthError ? 'width-error' : undefined}
            className="tabular-nums"
          />
        </Field>
        <button
          type="button"
          onClick={() => valid && onSize(h, w)}
          aria-label="Swap portrait and landscape"
          title="Swap portrait and landscape"
          className="mt-7 inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-lg text-zinc-500 hover:bg-zinc-100 hover:text-zinc-800 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-zinc-800 dark:hover:text-zinc-200"
        >
          <ArrowLeftRight className="h-4 w-4" aria-hidden />
        </button>
        <Field label="Height" htmlFor="height" error={heightError} className="min-w-0 flex-1">
          <Input
            id="height"
            type="number"
            inputMode="numeric"
            min={64}
            max={2048}
            step={8}
            value={height}
            onChange={(e) => onHeight(e.target.value)}
            aria-invalid={heightError ? true : undefined}
            aria-describedby={heightError ? 'height-error' : undefined}
            className="tabular-nums"
          />
        </Field>
      </div>
    </div>
  );
}
