import type { ReactNode } from 'react';
import { ChevronRight, FileInput, Hourglass, Link2 } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { MODEL_LABELS, SAMPLER_LABELS, isModelName } from '@imageflow/shared/constants';
import { ActionBadge } from '@/features/lineage/components/action-badge';
import { shortSha } from '../format';
import { formatStated, toolName, type ImportedFrom, type ImportedHires, type ImportedRecipe } from '../imported';

export function Row({ label, children, wide = false }: { label: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? 'col-span-2' : undefined}>
      <dt className="text-xs font-medium text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="mt-0.5 break-words text-sm text-zinc-900 tabular-nums dark:text-zinc-100">{children}</dd>
    </div>
  );
}

const muted = 'text-xs text-zinc-500 dark:text-zinc-400';
const notStated = <span className="text-zinc-400 dark:text-zinc-500">not stated</span>;

/** "Made with AUTOMATIC1111 v1.10.1", above an upload's recipe. */
export function MadeWith({ recipe }: { recipe: ImportedRecipe }) {
  return (
    <p className="flex items-start gap-2 rounded-lg bg-sky-50 px-3 py-2 text-sm text-sky-900 ring-1 ring-inset ring-sky-200 dark:bg-sky-950/50 dark:text-sky-100 dark:ring-sky-900" data-testid="made-with">
      <FileInput className="mt-0.5 h-4 w-4 shrink-0 text-sky-600 dark:text-sky-400" aria-hidden />
      <span>
        Made with <strong className="font-semibold">{toolName(recipe)}</strong>
        <span className="block text-xs text-sky-800/80 dark:text-sky-200/70">The recipe below is what the uploaded file states.</span>
      </span>
    </p>
  );
}

/** An image ImageFlow made elsewhere: where it came from, and whether it waits for its parent. */
export function ImportedFromNote({ from, pendingParent, action }: { from: ImportedFrom | null; pendingParent: string | null; action: string }) {
  return (
    <div className="space-y-1.5 rounded-lg bg-sky-50 px-3 py-2 text-sm text-sky-900 ring-1 ring-inset ring-sky-200 dark:bg-sky-950/50 dark:text-sky-100 dark:ring-sky-900" data-testid="imported-from">
      {from ? (
        <p className="flex items-start gap-2">
          <Link2 className="mt-0.5 h-4 w-4 shrink-0 text-sky-600 dark:text-sky-400" aria-hidden />
          <span>
            Made by <strong className="font-semibold">ImageFlow</strong>
            {from.nodeId !== null ? <>, node #{from.nodeId} elsewhere</> : ' elsewhere'}
            {from.recordedAction && from.recordedAction !== action ? (
              <>
                , as <ActionBadge action={from.recordedAction} className="align-[1px]" />
              </>
            ) : null}
          </span>
        </p>
      ) : null}
      {pendingParent ? (
        <p className="flex items-start gap-2" data-testid="waiting-for-parent">
          <Hourglass className="mt-0.5 h-4 w-4 shrink-0 text-amber-600 dark:text-amber-400" aria-hidden />
          <span>
            Waiting for its parent{' '}
            <span className="font-mono text-xs" title={pendingParent}>
              {shortSha(pendingParent)}
            </span>
            : upload the parent’s PNG and it will attach here.
          </span>
        </p>
      ) : null}
    </div>
  );
}

function samplerHint(recipe: ImportedRecipe): string | null {
  if (!recipe.sampler) return null;
  if (!recipe.sampler_id) return 'not offered here';
  const ours = SAMPLER_LABELS[recipe.sampler_id];
  return ours.toLowerCase() === recipe.sampler.toLowerCase() ? null : `${ours} here`;
}

function hiresText(h: ImportedHires): string {
  const parts = [
    h.upscale !== null ? `×${formatStated(h.upscale)}` : null,
    h.width !== null && h.height !== null ? `to ${h.width} × ${h.height}` : null,
    h.upscaler,
    h.steps !== null ? `${h.steps} steps` : null,
    h.sampler ? `${h.sampler}${h.scheduler ? ` ${h.scheduler}` : ''}` : null,
    h.cfg !== null ? `CFG ${formatStated(h.cfg)}` : null,
    h.denoising_strength !== null ? `denoise ${formatStated(h.denoising_strength)}` : null,
  ];
  return parts.filter(Boolean).join(' · ') || 'yes';
}

/** An upload's recipe, field by field, as the file states it. */
export function ImportedFields({ node, recipe }: { node: ImageNode; recipe: ImportedRecipe }) {
  const hint = samplerHint(recipe);
  const ourModel = typeof node.spec_json.model === 'string' && isModelName(node.spec_json.model) ? MODEL_LABELS[node.spec_json.model] : null;
  const statedSize = recipe.width !== null && recipe.height !== null;
  const sizeDiffers = statedSize && (recipe.width !== node.width || recipe.height !== node.height);
  const seed = recipe.seed !== null ? String(recipe.seed) : (recipe.extra.seed ?? null);
  // A1111 writes one "Denoising strength" for the hires pass; shown there, not twice.
  const denoise = recipe.denoising_strength !== null && recipe.hires?.denoising_strength !== recipe.denoising_strength ? recipe.denoising_strength : null;
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-3 rounded-xl bg-zinc-50 p-3.5 ring-1 ring-inset ring-zinc-200/70 dark:bg-zinc-900/60 dark:ring-zinc-800" aria-label="Recipe as the file states it">
      <Row label="Model" wide>
        {recipe.model ?? notStated}
        {recipe.model_hash ? (
          <span className="ml-2 font-mono text-xs text-zinc-500 dark:text-zinc-400" title={recipe.model_hash}>
            hash {recipe.model_hash.length > 24 ? `${recipe.model_hash.slice(0, 24)}…` : recipe.model_hash}
          </span>
        ) : null}
        {ourModel ? <span className={`block ${muted}`}>{ourModel} here</span> : null}
      </Row>
      <Row label="Sampler">
        {recipe.sampler ?? notStated}
        {recipe.scheduler ? <span className="text-zinc-500 dark:text-zinc-400"> · {recipe.scheduler}</span> : null}
        {hint ? <span className={`block ${muted}`}>{hint}</span> : null}
      </Row>
      <Row label="Steps">{recipe.steps ?? notStated}</Row>
      {recipe.cfg !== null || recipe.flux_guidance === null ? <Row label="CFG scale">{recipe.cfg !== null ? formatStated(recipe.cfg) : notStated}</Row> : null}
      {recipe.flux_guidance !== null ? <Row label="FLUX guidance">{formatStated(recipe.flux_guidance)}</Row> : null}
      <Row label="Seed">{seed ?? notStated}</Row>
      <Row label="Size" wide={sizeDiffers}>
        {statedSize ? (
          <>
            {recipe.width} × {recipe.height}
            {sizeDiffers ? (
              <span className={`ml-1.5 ${muted}`} data-testid="size-differs">
                as stated; the file is {node.width} × {node.height}
              </span>
            ) : null}
          </>
        ) : (
          <>
            {node.width} × {node.height} <span className={muted}>(the file; none stated)</span>
          </>
        )}
      </Row>
      {denoise !== null ? <Row label="Denoise">{formatStated(denoise)}</Row> : null}
      {recipe.clip_skip !== null ? <Row label="Clip skip">{recipe.clip_skip}</Row> : null}
      {recipe.hires ? (
        <Row label="Hires fix" wide>
          {hiresText(recipe.hires)}
        </Row>
      ) : null}
      {recipe.loras.length > 0 ? (
        <Row label={recipe.loras.length === 1 ? 'LoRA' : `LoRAs (${recipe.loras.length})`} wide>
          <ul className="mt-0.5 flex flex-wrap gap-1.5">
            {recipe.loras.map((lora, i) => (
              <li key={`${lora.name}-${i}`} className="inline-flex max-w-full items-center gap-1 rounded-md bg-white px-1.5 py-0.5 text-xs ring-1 ring-inset ring-zinc-200 dark:bg-zinc-800 dark:ring-zinc-700">
                <span className="truncate">{lora.name}</span>
                {lora.weight !== null ? <span className="text-zinc-500 tabular-nums dark:text-zinc-400">{formatStated(lora.weight)}</span> : null}
              </li>
            ))}
          </ul>
        </Row>
      ) : null}
      {recipe.source_image ? (
        <Row label="Source image" wide>
          {recipe.source_image}
        </Row>
      ) : null}
    </dl>
  );
}

/** The rest of what the file states, folded away: every key as the tool wrote it. */
export function StatedExtras({ recipe }: { recipe: ImportedRecipe }) {
  const entries = Object.entries(recipe.extra);
  if (entries.length === 0 && !recipe.found_in) return null;
  return (
    <details className="group rounded-xl ring-1 ring-inset ring-zinc-200 dark:ring-zinc-800">
      <summary className="flex cursor-pointer list-none items-center gap-1.5 rounded-xl px-3.5 py-2.5 text-sm font-medium text-zinc-700 select-none hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-300 dark:hover:bg-zinc-900 [&::-webkit-details-marker]:hidden">
        <ChevronRight className="h-4 w-4 text-zinc-400 transition-transform group-open:rotate-90" aria-hidden />
        Everything the file states
        <span className="ml-auto text-xs font-normal text-zinc-500 tabular-nums dark:text-zinc-400">
          {entries.length} more {entries.length === 1 ? 'field' : 'fields'}
        </span>
      </summary>
      <dl className="max-h-96 space-y-2 overflow-y-auto border-t border-zinc-200 px-3.5 py-3 dark:border-zinc-800">
        {recipe.found_in ? (
          <div>
            <dt className="text-xs font-medium text-zinc-500 dark:text-zinc-400">Read from</dt>
            <dd className="mt-0.5 font-mono text-xs break-all text-zinc-800 dark:text-zinc-200">{recipe.found_in}</dd>
          </div>
        ) : null}
        {entries.map(([key, value]) => (
          <div key={key}>
            <dt className="text-xs font-medium break-all text-zinc-500 dark:text-zinc-400">{key}</dt>
            <dd className="mt-0.5 font-mono text-xs break-all whitespace-pre-wrap text-zinc-800 dark:text-zinc-200">{value}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

