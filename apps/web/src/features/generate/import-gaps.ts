import type { ImageNode } from '@imageflow/shared';
import { GUIDANCE_RANGE, MAX_SEED, MAX_SIDE, MIN_SIDE, MODEL_LABELS, STEPS_RANGE, isModelName } from '@imageflow/shared/constants';
import { formatStated, importedRecipeOf, toolName, type ImportedRecipe } from '@/features/image/imported';
import { fitSize } from './sizes';

/** What the form can't take over from an uploaded file's recipe, and the tool it names. */
export interface ImportGaps {
  tool: string;
  notes: string[];
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

function hiresSummary(recipe: ImportedRecipe): string {
  const h = recipe.hires!;
  return [h.upscale !== null ? `×${formatStated(h.upscale)}` : null, h.upscaler].filter(Boolean).join(', ');
}

/**
 * The settings of an upload's recipe that have no equivalent here, each as a sentence for the
 * person about to remix it: a sampler or model we don't have, a seed, steps or guidance out of our
 * range, a size we can't make, and the passes we don't run (hires fix, LoRAs, clip skip). Null for
 * an image whose recipe is ours.
 */
export function importGaps(node: Pick<ImageNode, 'spec_json' | 'width' | 'height'>): ImportGaps | null {
  const recipe = importedRecipeOf(node);
  if (!recipe) return null;
  const spec = node.spec_json as Record<string, unknown>;
  const notes: string[] = [];

  const ourModel = typeof spec.model === 'string' && isModelName(spec.model) ? spec.model : null;
  if (recipe.model && !ourModel) notes.push(`Model “${recipe.model}” is not one of ours: the model chosen below stands in for it.`);
  else if (recipe.model && ourModel) notes.push(`Model “${recipe.model}”: ${MODEL_LABELS[ourModel]} stands in for it.`);

  if (recipe.sampler && !recipe.sampler_id) notes.push(`Sampler “${recipe.sampler}” is not offered here: choose one below.`);
  const scheduler = recipe.scheduler?.trim().toLowerCase();
  const scheduleInSampler = recipe.sampler_id === 'dpmpp_2m_karras' && (scheduler === 'karras' || scheduler === 'automatic');
  if (recipe.scheduler && scheduler !== 'automatic' && !scheduleInSampler) notes.push(`Scheduler “${recipe.scheduler}” has no setting here.`);

  const seed = recipe.seed !== null ? String(recipe.seed) : recipe.extra.seed;
  if (seed !== undefined && num(spec.seed) === undefined) {
    notes.push(`Seed ${seed} is beyond the seeds ImageFlow takes (0 to ${MAX_SEED.toLocaleString()}): a new one is drawn for each run.`);
  }
  if (recipe.steps !== null && num(spec.steps) === undefined) {
    notes.push(`${recipe.steps} steps is outside ${STEPS_RANGE.min}–${STEPS_RANGE.max}: the model’s default is used.`);
  }

  const guidance = num(spec.guidance);
  if (guidance === undefined && (recipe.cfg !== null || recipe.flux_guidance !== null)) {
    const stated = recipe.flux_guidance ?? recipe.cfg!;
    notes.push(`Guidance ${formatStated(stated)} is outside ${GUIDANCE_RANGE.min}–${GUIDANCE_RANGE.max}: the model’s default is used.`);
  } else if (guidance !== undefined && recipe.cfg !== null && recipe.flux_guidance !== null) {
    // One guidance here: the FLUX one for a FLUX model, CFG otherwise; the other is left out.
    const [used, left] = guidance === recipe.flux_guidance && guidance !== recipe.cfg ? ['FLUX guidance', `CFG scale ${formatStated(recipe.cfg)}`] : ['CFG scale', `FLUX guidance ${formatStated(recipe.flux_guidance)}`];
    notes.push(`${left} has no field of its own here: Guidance takes the ${used}, ${formatStated(guidance)}.`);
  }

  if (recipe.width !== null && recipe.height !== null) {
    const start = { width: num(spec.width) ?? node.width, height: num(spec.height) ?? node.height };
    const size = fitSize(start.width, start.height);
    if (size.width !== recipe.width || size.height !== recipe.height) {
      notes.push(`Size ${recipe.width} × ${recipe.height} can’t be made here (sides are multiples of 8, ${MIN_SIDE} to ${MAX_SIDE}): ${size.width} × ${size.height} is used.`);
    }
  }

  if (recipe.hires) notes.push(`The hires fix${recipe.hires.upscale !== null || recipe.hires.upscaler ? ` (${hiresSummary(recipe)})` : ''} is not run here: upscale the result afterwards.`);
  if (recipe.loras.length > 0) {
    const names = recipe.loras.map((l) => (l.weight !== null ? `${l.name} ${formatStated(l.weight)}` : l.name)).join(', ');
    notes.push(`${recipe.loras.length === 1 ? 'The LoRA' : `${recipe.loras.length} LoRAs`} (${names}) can’t be applied here.`);
  }
  if (recipe.clip_skip !== null && recipe.clip_skip > 1) notes.push(`Clip skip ${recipe.clip_skip} has no setting here.`);
  const denoise = recipe.denoising_strength;
  if (denoise !== null && !recipe.hires) notes.push(`Denoise ${formatStated(denoise)} is for image to image: choose an init image to use a strength.`);

  return { tool: toolName(recipe), notes };
}
