import { useId, useState } from 'react';
import type { ImageNode } from '@imageflow/shared';
import { Slider } from '@/components/ui/slider';
import { CompareImage, CompareStage, SideLabel } from './compare-image';

/** A laid over B at an opacity of one's choosing: 0% shows only B, 100% only A. */
export function OnionSkin({ a, b, initial = 50 }: { a: ImageNode; b: ImageNode; initial?: number }) {
  const [opacity, setOpacity] = useState(initial);
  const id = useId();
  return (
    <div className="space-y-3">
      <CompareStage width={b.width} height={b.height} data-testid="onion-skin">
        <CompareImage node={b} className="absolute inset-0" />
        <div className="absolute inset-0" style={{ opacity: opacity / 100 }} data-testid="onion-skin-a">
          <CompareImage node={a} className="absolute inset-0" />
        </div>
        <SideLabel side="A" id={a.id} className="left-2 top-2" />
        <SideLabel side="B" id={b.id} className="right-2 top-2" />
      </CompareStage>
      <div className="mx-auto flex max-w-xl items-center gap-3 px-1 text-sm">
        <label htmlFor={id} className="shrink-0 font-medium">
          Opacity of A
        </label>
        <span className="shrink-0 text-xs font-semibold text-zinc-500 dark:text-zinc-400" aria-hidden>
          B
        </span>
        <Slider id={id} min={0} max={100} value={opacity} onValueChange={setOpacity} aria-valuetext={`A at ${opacity}% over B`} className="min-w-0 flex-1" />
        <span className="shrink-0 text-xs font-semibold text-zinc-500 dark:text-zinc-400" aria-hidden>
          A
        </span>
        <output htmlFor={id} className="w-10 shrink-0 text-right tabular-nums text-zinc-600 dark:text-zinc-400">
          {opacity}%
        </output>
      </div>
    </div>
  );
}
