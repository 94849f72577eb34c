import { Spec, type ModelName } from '@imageflow/shared';
import type { ReadRecipe } from './types.ts';

/**
 * The model family of ours an imported recipe was made with, when it says: FLUX (by name, or by its
 * distilled guidance) or SDXL (by name or InvokeAI's base). Null for anything else (SD 1.5, unknown).
 */
export function modelNameOf(recipe: ReadRecipe): ModelName | null {
  const names = [recipe.model, recipe.extra.model_base, recipe.extra.base_model, recipe.extra.Model].filter((n): n is string => typeof n === 'string').map((n) => n.toLowerCase());
  if (names.some((n) => n.includes('flux'))) return names.some((n) => n.includes('schnell')) ? 'flux-schnell' : 'flux-dev';
  if (recipe.flux_guidance !== null) return 'flux-dev';
  if (names.some((n) => /sdxl|sd_xl|(^|[^a-z])xl([^a-z]|$)/.test(n))) return 'sdxl';
  return null;
}

/**
 * An imported image's recipe as a spec of ours, for the versions made from it: the settings the file
 * states (steps, CFG or FLUX guidance, sampler, seed, size, denoise) wherever they are valid here,
 * the size of the pixels otherwise, and the whole recipe as read under `imported`.
 */
export function specFromRecipe(recipe: ReadRecipe, pixels: { width: number; height: number }): Record<string, unknown> & { width: number; height: number } {
  const valid = <K extends keyof typeof Spec.shape>(key: K, value: unknown): Record<string, unknown> =>
    value !== null && value !== undefined && Spec.shape[key].safeParse(value).success ? { [key]: value } : {};
  const statedSize = Spec.shape.width.safeParse(recipe.width).success && Spec.shape.height.safeParse(recipe.height).success;
  const model = modelNameOf(recipe);
  return {
    width: statedSize ? recipe.width! : pixels.width,
    height: statedSize ? recipe.height! : pixels.height,
    ...valid('steps', recipe.steps),
    ...valid('guidance', model?.startsWith('flux') ? (recipe.flux_guidance ?? recipe.cfg) : (recipe.cfg ?? recipe.flux_guidance)),
    ...valid('sampler', recipe.sampler_id),
    ...valid('seed', recipe.seed),
    ...valid('strength', recipe.denoising_strength),
    ...(model ? { model } : {}),
    imported: recipe,
  };
}
