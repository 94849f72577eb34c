/**
 * SwarmUI writes a JSON object in the `parameters` PNG text (a JPEG gets it in the EXIF
 * UserComment), as its docs/Image Metadata Format.md describes:
 *
 *   { "sui_image_params": { "prompt", "negativeprompt", "model", "seed", "steps", "cfgscale",
 *       "width", "height", "sampler", "scheduler", "swarm_version", ... },
 *     "sui_extra_data": { "date", "generation_time", "original_prompt", ... },   (optional)
 *     "sui_models": [ { "name", "param", "hash" } ] }                             (optional)
 *
 * Parameter ids are the parameter names lower-cased without spaces or digits; values may be
 * written as strings ("1.0"); lists are JSON lists or comma-separated strings; models are named
 * without their ".safetensors". Sampler and scheduler are ComfyUI's names (its backend).
 * Other ids read here: loras + loraweights, clipstopatlayer (-2 = CLIP skip 2),
 * fluxguidancescale, initimage + initimagecreativity (image-to-image), refinerupscale,
 * refinerupscalemethod, refinercontrolpercentage, refinersteps, refinercfgscale (the refiner /
 * upscale pass). No file from SwarmUI is among the test fixtures; the tests use a constructed one.
 */
import { samplerIdFromComfy } from './samplers.ts';
import {
  RANGES,
  emptyHires,
  emptyRecipe,
  isObject,
  nameText,
  own,
  promptText,
  pushLora,
  putExtra,
  setSeed,
  toInt,
  toNumberIn,
} from './types.ts';
import type { JsonObject, ReadRecipe } from './types.ts';

export function isSwarmJson(obj: JsonObject): boolean {
  return isObject(own(obj, 'sui_image_params'));
}

const MAPPED: ReadonlySet<string> = new Set([
  'prompt',
  'negativeprompt',
  'model',
  'seed',
  'steps',
  'cfgscale',
  'width',
  'height',
  'sampler',
  'scheduler',
  'swarm_version',
  'loras',
  'loraweights',
  'clipstopatlayer',
  'fluxguidancescale',
  'initimage',
  'initimagecreativity',
  'refinerupscale',
  'refinerupscalemethod',
  'refinercontrolpercentage',
  'refinersteps',
  'refinercfgscale',
]);

/** A SwarmUI list value: a JSON list, or a comma-separated string. */
function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.slice(0, 256);
  if (typeof value === 'string' && value.trim() !== '') return value.split(',').slice(0, 256).map((s) => s.trim());
  return [];
}

/** Reads a SwarmUI `parameters` JSON object (already parsed from `text`). */
export function readSwarm(obj: JsonObject, text: string, foundIn = 'parameters'): ReadRecipe {
  const recipe = emptyRecipe('swarmui', foundIn);
  const { extra } = recipe;
  const params = own(obj, 'sui_image_params');
  const get = (key: string): unknown => own(params, key);
  recipe.tool_version = nameText(typeof get('swarm_version') === 'number' ? String(get('swarm_version')) : get('swarm_version'));
  recipe.prompt = promptText(get('prompt'));
  recipe.negative_prompt = promptText(get('negativeprompt'));
  recipe.model = nameText(get('model'));
  setSeed(recipe, get('seed'), text);
  recipe.steps = toInt(get('steps'), ...RANGES.steps);
  recipe.cfg = toNumberIn(get('cfgscale'), ...RANGES.cfg);
  recipe.flux_guidance = toNumberIn(get('fluxguidancescale'), ...RANGES.cfg);
  recipe.width = toInt(get('width'), ...RANGES.side);
  recipe.height = toInt(get('height'), ...RANGES.side);
  recipe.sampler = nameText(get('sampler'));
  recipe.scheduler = nameText(get('scheduler'));
  if (recipe.sampler !== null) recipe.sampler_id = samplerIdFromComfy(recipe.sampler, recipe.scheduler);
  const stop = toInt(get('clipstopatlayer'), -64, -1);
  if (stop !== null) recipe.clip_skip = -stop;
  else putExtra(extra, 'clipstopatlayer', get('clipstopatlayer'));

  const initImage = get('initimage');
  if (initImage !== undefined) {
    // The init image is usually inlined (a data URL); only a short name is a name.
    const name = typeof initImage === 'string' && initImage.length <= 512 && !initImage.startsWith('data:') ? initImage : null;
    recipe.source_image = nameText(name);
    recipe.denoising_strength = toNumberIn(get('initimagecreativity'), ...RANGES.strength);
  }

  const weights = list(get('loraweights'));
  list(get('loras')).forEach((name, i) => pushLora(recipe.loras, name, weights[i]));

  if (get('refinerupscale') !== undefined || get('refinercontrolpercentage') !== undefined) {
    const hires = emptyHires();
    hires.upscale = toNumberIn(get('refinerupscale'), ...RANGES.upscale);
    hires.upscaler = nameText(get('refinerupscalemethod'));
    hires.denoising_strength = toNumberIn(get('refinercontrolpercentage'), ...RANGES.strength);
    hires.steps = toInt(get('refinersteps'), ...RANGES.steps);
    hires.cfg = toNumberIn(get('refinercfgscale'), ...RANGES.cfg);
    recipe.hires = hires;
  }

  if (isObject(params)) {
    for (const key of Object.keys(params)) if (!MAPPED.has(key)) putExtra(extra, key, params[key]);
  }
  const extraData = own(obj, 'sui_extra_data');
  if (isObject(extraData)) {
    for (const key of Object.keys(extraData)) if (!Object.hasOwn(extra, key)) putExtra(extra, key, extraData[key]);
  }
  const models = own(obj, 'sui_models');
  if (Array.isArray(models)) {
    for (const m of models.slice(0, 64)) {
      if (own(m, 'param') === 'model' && recipe.model_hash === null) recipe.model_hash = nameText(own(m, 'hash'));
    }
    putExtra(extra, 'sui_models', models);
  }
  return recipe;
}
