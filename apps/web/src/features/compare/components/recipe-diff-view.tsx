import { useMemo } from 'react';
import type { ImageNode } from '@imageflow/shared';
import { actionLabel } from '@imageflow/shared/constants';
import { modelLabel, samplerLabel } from '@/features/image/imported';
import { providerLabel } from '@/features/generate/components/model-picker';
import { cn } from '@/lib/cn';
import { diffParams, diffWords, spaceBefore, type DiffParamKey, type ParamValue } from '../recipe-diff';

const PARAM_LABELS: Record<DiffParamKey, string> = {
  model: 'Model',
  provider: 'Provider',
  seed: 'Seed',
  width: 'Width',
  height: 'Height',
  steps: 'Steps',
  guidance: 'Guidance',
  sampler: 'Sampler',
  strength: 'Strength',
  action_type: 'Action',
};

/** A setting as people name it: "SDXL", "DPM++ 2M Karras", "Image to image", "Builtin (not AI)", "ComfyUI". */
export function showParam(key: DiffParamKey, value: ParamValue): string {
  if (value === null) return '—';
  if (typeof value === 'number') return String(value);
  switch (key) {
    case 'model':
      return modelLabel(value);
    case 'sampler':
      return samplerLabel(value) ?? value;
    case 'action_type':
      return actionLabel(value);
    case 'provider':
      if (value === 'builtin') return 'Builtin (not AI)';
      // As the model of a file brought in says it: nothing made it here.
      if (value === 'upload') return 'None (uploaded file)';
      return providerLabel(value);
    default:
      return value;
  }
}

/** A cell of the settings table: the name people use, the code as a tooltip where they differ. */
function ParamCell({ name, value, className }: { name: DiffParamKey; value: ParamValue; className?: string }) {
  const shown = showParam(name, value);
  const code = value === null ? shown : String(value);
  return (
    // A number (a ten-digit seed) is never broken across lines; a name may wrap between words.
    <td className={cn('px-2 py-1.5 tabular-nums sm:px-3', typeof value === 'number' ? 'whitespace-nowrap' : 'break-words', className)} title={code !== shown ? code : undefined}>
      {shown}
    </td>
  );
}

/** A word diff of one prompt: removed words struck through in red, added words in green. */
export function PromptDiff({ label, a, b }: { label: string; a: string; b: string }) {
  const segments = useMemo(() => diffWords(a, b), [a, b]);
  const changed = segments.some((s) => s.type !== 'same');
  return (
    <div>
      <div className="mb-1.5 flex items-center gap-2">
        <h3 className="text-sm font-medium">{label}</h3>
        <span
          className={cn(
            'rounded-md px-1.5 py-px text-[11px] font-medium',
            changed ? 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200' : 'bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400',
          )}
        >
          {changed ? 'changed' : 'same'}
        </span>
      </div>
      <p className="break-words rounded-xl bg-zinc-50 p-3 text-sm leading-7 ring-1 ring-inset ring-zinc-200/70 dark:bg-zinc-900/60 dark:ring-zinc-800" data-testid={`diff-${label.toLowerCase().replace(/\s+/g, '-')}`}>
        {segments.length === 0 ? <span className="text-zinc-400">Empty on both</span> : null}
        {segments.map((segment, i) => {
          const space = i > 0 && spaceBefore(segment.text) ? ' ' : '';
          if (segment.type === 'same') return <span key={i}>{space + segment.text}</span>;
          if (segment.type === 'removed') {
            return (
              <span key={i}>
                {space}
                <del className="rounded bg-red-100 px-0.5 text-red-800 decoration-red-500/70 dark:bg-red-950/70 dark:text-red-300">
                  <span className="sr-only">removed: </span>
                  {segment.text}
                </del>
              </span>
            );
          }
          return (
            <span key={i}>
              {space}
              <ins className="rounded bg-emerald-100 px-0.5 text-emerald-900 no-underline dark:bg-emerald-950/70 dark:text-emerald-300">
                <span className="sr-only">added: </span>
                {segment.text}
              </ins>
            </span>
          );
        })}
      </p>
    </div>
  );
}

/** Every recipe setting of A and B, the changed ones emphasised. */
export function ParamsDiff({ a, b }: { a: ImageNode; b: ImageNode }) {
  const rows = useMemo(() => diffParams(a, b), [a, b]);
  const changed = rows.filter((r) => r.changed).length;
  return (
    <div>
      <h3 className="mb-1.5 text-sm font-medium">
        Settings <span className="font-normal text-zinc-500 dark:text-zinc-400">· {changed === 0 ? 'all the same' : `${changed} of ${rows.length} changed`}</span>
      </h3>
      <div className="overflow-x-auto rounded-xl ring-1 ring-inset ring-zinc-200 dark:ring-zinc-800">
        <table className="w-full table-fixed text-[13px] sm:text-sm">
          <caption className="sr-only">Recipe settings of A (#{a.id}) and B (#{b.id})</caption>
          <thead className="bg-zinc-50 text-left text-xs text-zinc-500 dark:bg-zinc-900/60 dark:text-zinc-400">
            <tr>
              <th scope="col" className="w-[30%] px-2 py-2 font-medium sm:px-3">
                Setting
              </th>
              <th scope="col" className="px-2 py-2 font-medium sm:px-3">
                A · #{a.id}
              </th>
              <th scope="col" className="px-2 py-2 font-medium sm:px-3">
                B · #{b.id}
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800/80">
            {rows.map((row) => (
              <tr key={row.key} data-changed={row.changed || undefined} className={row.changed ? 'bg-amber-50/70 dark:bg-amber-950/25' : undefined}>
                <th scope="row" className="px-2 py-1.5 text-left font-normal text-zinc-600 sm:px-3 dark:text-zinc-400">
                  <span className="inline-flex items-center gap-1.5">
                    <span className={cn('h-1.5 w-1.5 rounded-full', row.changed ? 'bg-amber-500' : 'bg-transparent')} aria-hidden />
                    {PARAM_LABELS[row.key]}
                    {row.changed ? <span className="sr-only"> (changed)</span> : null}
                  </span>
                </th>
                <ParamCell name={row.key} value={row.a} className={row.changed ? 'text-zinc-500 dark:text-zinc-400' : undefined} />
                <ParamCell name={row.key} value={row.b} className={row.changed ? 'font-semibold text-zinc-950 dark:text-white' : undefined} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export function RecipeDiffView({ a, b }: { a: ImageNode; b: ImageNode }) {
  return (
    <section aria-labelledby="diff-heading" className="space-y-4">
      <h2 id="diff-heading" className="text-base font-semibold">
        Recipe changes <span className="font-normal text-zinc-500 dark:text-zinc-400">from A to B</span>
      </h2>
      <div className="grid gap-5 lg:grid-cols-[minmax(0,1fr)_minmax(0,26rem)]">
        <div className="space-y-4">
          <PromptDiff label="Prompt" a={a.prompt} b={b.prompt} />
          <PromptDiff label="Negative prompt" a={a.negative_prompt} b={b.negative_prompt} />
        </div>
        <ParamsDiff a={a} b={b} />
      </div>
    </section>
  );
}
