/**
 * Fooocus and RuinedFooocus write their recipe as a JSON object in the `parameters` PNG text (the
 * key A1111 uses for infotext; a JPEG gets it in the EXIF UserComment):
 * - Fooocus (scheme "fooocus", with a `fooocus_scheme` text beside it): prompt, negative_prompt,
 *   seed (a string, often beyond 2^53), steps, guidance_scale, sampler + scheduler (ComfyUI
 *   names), base_model, base_model_hash, resolution "(width, height)", loras [[name, weight(,
 *   hash)]], styles, performance, version "Fooocus v2.4.3", ... (Its "a1111" scheme is infotext,
 *   read by a1111.ts.)
 * - RuinedFooocus: Prompt, Negative, steps, cfg, width, height, seed, sampler_name, scheduler,
 *   base_model_name, base_model_hash, loras, denoise, clip_skip, software "RuinedFooocus".
 */
import { samplerIdFromComfy } from './samplers.ts';
import { RANGES, emptyRecipe, nameText, own, promptText, pushLora, putExtra, setSeed, toInt, toNumberIn } from './types.ts';
import type { JsonObject, ReadRecipe } from './types.ts';

/** Whether a `parameters` JSON object is Fooocus's (`scheme` is the `fooocus_scheme` text, when present). */
export function isFooocusJson(obj: JsonObject, scheme?: string): boolean {
  if (scheme !== undefined && scheme.trim().toLowerCase() === 'fooocus') return true;
  const version = own(obj, 'version');
  return own(obj, 'metadata_scheme') === 'fooocus' || (typeof version === 'string' && /^fooocus\b/i.test(version));
}

export function isRuinedFooocusJson(obj: JsonObject): boolean {
  const software = own(obj, 'software');
  if (typeof software === 'string') return /^ruinedfooocus\b/i.test(software.trim());
  return Object.hasOwn(obj, 'Prompt') && Object.hasOwn(obj, 'Negative') && Object.hasOwn(obj, 'base_model_name');
}

/** LoRAs as lists [[name, weight, ...]] or objects [{name, weight}]. */
function readLoras(recipe: ReadRecipe, value: unknown): void {
  if (!Array.isArray(value)) return;
  for (const item of value) {
    if (Array.isArray(item)) pushLora(recipe.loras, item[0], item[1]);
    else pushLora(recipe.loras, own(item, 'name'), own(item, 'weight'));
  }
}

/** Stores every key not in `mapped` in extra (empty lists state nothing). */
function keepOthers(recipe: ReadRecipe, obj: JsonObject, mapped: ReadonlySet<string>): void {
  for (const key of Object.keys(obj)) {
    if (mapped.has(key)) continue;
    const value = obj[key];
    if (Array.isArray(value) && value.length === 0) continue;
    putExtra(recipe.extra, key, value);
  }
}

const FOOOCUS_MAPPED: ReadonlySet<string> = new Set([
  'prompt',
  'negative_prompt',
  'seed',
  'steps',
  'guidance_scale',
  'sampler',
  'scheduler',
  'base_model',
  'base_model_hash',
  'resolution',
  'clip_skip',
  'version',
  'loras',
  'denoising_strength',
]);

/** Reads a Fooocus `parameters` JSON object (already parsed from `text`). */
export function readFooocus(obj: JsonObject, text: string, foundIn = 'parameters'): ReadRecipe {
  const recipe = emptyRecipe('fooocus', foundIn);
  const get = (key: string): unknown => own(obj, key);
  recipe.tool_version = nameText(get('version'));
  recipe.prompt = promptText(get('prompt'));
  recipe.negative_prompt = promptText(get('negative_prompt'));
  setSeed(recipe, get('seed'), text);
  recipe.steps = toInt(get('steps'), ...RANGES.steps);
  recipe.cfg = toNumberIn(get('guidance_scale'), ...RANGES.cfg);
  recipe.sampler = nameText(get('sampler'));
  recipe.scheduler = nameText(get('scheduler'));
  if (recipe.sampler !== null) recipe.sampler_id = samplerIdFromComfy(recipe.sampler, recipe.scheduler);
  recipe.model = nameText(get('base_model'));
  recipe.model_hash = nameText(get('base_model_hash'));
  recipe.clip_skip = toInt(get('clip_skip'), ...RANGES.clipSkip);
  recipe.denoising_strength = toNumberIn(get('denoising_strength'), ...RANGES.strength);
  const resolution = get('resolution');
  // "(768, 1280)" = (width, height); also accepted as a [w, h] list.
  const m = typeof resolution === 'string' ? /^\s*\(?\s*(\d{1,6})\s*,\s*(\d{1,6})\s*\)?\s*$/.exec(resolution) : null;
  const size = m ? [m[1], m[2]] : Array.isArray(resolution) ? resolution : [];
  recipe.width = toInt(size[0], ...RANGES.side);
  recipe.height = toInt(size[1], ...RANGES.side);
  if (recipe.width === null || recipe.height === null) putExtra(recipe.extra, 'resolution', resolution);
  readLoras(recipe, get('loras'));
  keepOthers(recipe, obj, FOOOCUS_MAPPED);
  return recipe;
}

const RUINED_MAPPED: ReadonlySet<string> = new Set([
  'Prompt',
  'Negative',
  'seed',
  'steps',
  'cfg',
  'width',
  'height',
  'sampler_name',
  'scheduler',
  'base_model_name',
  'base_model_hash',
  'clip_skip',
  'denoise',
  'loras',
]);

/** Reads a RuinedFooocus `parameters` JSON object (already parsed from `text`). */
export function readRuinedFooocus(obj: JsonObject, text: string, foundIn = 'parameters'): ReadRecipe {
  const recipe = emptyRecipe('ruinedfooocus', foundIn);
  const get = (key: string): unknown => own(obj, key);
  recipe.prompt = promptText(get('Prompt'));
  recipe.negative_prompt = promptText(get('Negative'));
  setSeed(recipe, get('seed'), text);
  recipe.steps = toInt(get('steps'), ...RANGES.steps);
  recipe.cfg = toNumberIn(get('cfg'), ...RANGES.cfg);
  recipe.width = toInt(get('width'), ...RANGES.side);
  recipe.height = toInt(get('height'), ...RANGES.side);
  recipe.sampler = nameText(get('sampler_name'));
  recipe.scheduler = nameText(get('scheduler'));
  if (recipe.sampler !== null) recipe.sampler_id = samplerIdFromComfy(recipe.sampler, recipe.scheduler);
  recipe.model = nameText(get('base_model_name'));
  recipe.model_hash = nameText(get('base_model_hash'));
  recipe.clip_skip = toInt(get('clip_skip'), ...RANGES.clipSkip);
  recipe.denoising_strength = toNumberIn(get('denoise'), ...RANGES.strength);
  readLoras(recipe, get('loras'));
  keepOthers(recipe, obj, RUINED_MAPPED);
  return recipe;
}
