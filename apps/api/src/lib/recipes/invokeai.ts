/**
 * InvokeAI, in the forms its versions wrote:
 * - 3.x – 6.x: `invokeai_metadata`, a flat JSON object (positive_prompt, negative_prompt, seed,
 *   steps, cfg_scale, scheduler = the sampler, model {name | model_name, base | base_model, hash},
 *   loras, vae, strength / init_image for image-to-image, hrf_* for the high-resolution fix);
 *   `invokeai_graph` beside it holds the executed graph, read only when the metadata is missing
 *   (from its core_metadata node, whose fields may arrive over edges).
 * - 2.x: `sd-metadata` JSON ({model_weights, app_version, image: {prompt, steps, cfg_scale, ...}})
 *   with the negative prompt inside the prompt in [brackets], and `Dream`, the same as a command
 *   line (`"prompt [negative]" -s 50 -S 42 -W 512 -H 768 -C 7.5 -A k_lms`), read alone when it is
 *   the only one.
 */
import { samplerIdFromInvoke, samplerIdFromKDiffusion } from './samplers.ts';
import {
  RANGES,
  emptyHires,
  emptyRecipe,
  isObject,
  nameText,
  own,
  parseJsonObject,
  promptText,
  pushLora,
  putExtra,
  rawText,
  setSeed,
  toInt,
  toNumberIn,
} from './types.ts';
import type { JsonObject, ReadRecipe } from './types.ts';

const MAX_GRAPH_NODES = 2000;
const MAX_EDGES = 10_000;

/** Keys of invokeai_metadata mapped to recipe fields (everything else goes to extra). */
const MAPPED_KEYS: ReadonlySet<string> = new Set([
  'positive_prompt',
  'negative_prompt',
  'seed',
  'steps',
  'cfg_scale',
  'scheduler',
  'model',
  'width',
  'height',
  'strength',
  'init_image',
  'loras',
  'clip_skip',
  'app_version',
  'vae',
  'ipAdapters',
  'hrf_enabled',
  'hrf_method',
  'hrf_strength',
]);

/** A model reference in any version's shape: {name} (4+), {model_name} (3.x), or a bare string. */
function modelRef(value: unknown): { name: string | null; base: unknown; hash: unknown } {
  if (typeof value === 'string') return { name: nameText(value), base: undefined, hash: undefined };
  return {
    name: nameText(own(value, 'name') ?? own(value, 'model_name')),
    base: own(value, 'base') ?? own(value, 'base_model'),
    hash: own(value, 'hash'),
  };
}

/** Fills a recipe from an invokeai_metadata object (also the graph's core_metadata node). */
function fromMetadata(meta: JsonObject, text: string, foundIn: string): ReadRecipe {
  const recipe = emptyRecipe('invokeai', foundIn);
  const { extra } = recipe;
  recipe.tool_version = nameText(meta.app_version);
  recipe.prompt = promptText(meta.positive_prompt);
  recipe.negative_prompt = promptText(meta.negative_prompt);
  setSeed(recipe, meta.seed, text);
  recipe.steps = toInt(meta.steps, ...RANGES.steps);
  recipe.cfg = toNumberIn(meta.cfg_scale, ...RANGES.cfg);
  recipe.sampler = nameText(meta.scheduler);
  if (recipe.sampler !== null) recipe.sampler_id = samplerIdFromInvoke(recipe.sampler);
  recipe.width = toInt(meta.width, ...RANGES.side);
  recipe.height = toInt(meta.height, ...RANGES.side);
  recipe.denoising_strength = toNumberIn(meta.strength, ...RANGES.strength);
  recipe.clip_skip = toInt(meta.clip_skip, ...RANGES.clipSkip);
  const initImage = meta.init_image;
  recipe.source_image = nameText(typeof initImage === 'string' ? initImage : own(initImage, 'image_name'));

  const model = modelRef(meta.model);
  recipe.model = model.name;
  recipe.model_hash = nameText(model.hash);
  putExtra(extra, 'model_base', model.base);
  const vae = modelRef(meta.vae);
  putExtra(extra, 'vae', vae.name);

  if (Array.isArray(meta.loras)) {
    for (const lora of meta.loras) {
      // 4+: {model: {name}, weight}; 3.x: {lora: {model_name}, weight}
      const ref = modelRef(own(lora, 'model') ?? own(lora, 'lora'));
      pushLora(recipe.loras, ref.name, own(lora, 'weight'));
    }
  }
  if (Array.isArray(meta.ipAdapters) && meta.ipAdapters.length > 0) {
    putExtra(extra, 'ip_adapters', meta.ipAdapters.length);
    const names = meta.ipAdapters.map((a) => modelRef(own(a, 'ip_adapter_model')).name).filter((n) => n !== null);
    putExtra(extra, 'ip_adapter_models', names.join(', '));
  }
  if (meta.hrf_enabled === true) {
    const hires = emptyHires();
    hires.upscaler = nameText(meta.hrf_method);
    hires.denoising_strength = toNumberIn(meta.hrf_strength, ...RANGES.strength);
    recipe.hires = hires;
  }
  for (const key of Object.keys(meta)) {
    if (MAPPED_KEYS.has(key)) continue;
    const value = meta[key];
    // Nulls, empty texts and empty lists state nothing.
    if (Array.isArray(value) && value.length === 0) continue;
    putExtra(extra, key, value);
  }
  return recipe;
}

/** Reads `invokeai_metadata` (InvokeAI 3.x – 6.x); null when it is not a JSON object. */
export function readInvokeMetadata(text: string, foundIn = 'invokeai_metadata'): ReadRecipe | null {
  const meta = parseJsonObject(text);
  return meta ? fromMetadata(meta, text, foundIn) : null;
}

/**
 * Reads `invokeai_graph` alone: the core_metadata node's fields, each filled from the edge that
 * feeds it when the node holds null. Null when there is no such node.
 */
export function readInvokeGraph(text: string, foundIn = 'invokeai_graph'): ReadRecipe | null {
  const graph = parseJsonObject(text);
  const nodes = own(graph, 'nodes');
  if (!isObject(nodes)) return null;
  const ids = Object.keys(nodes).slice(0, MAX_GRAPH_NODES);
  const coreId = ids.find((id) => own(nodes[id], 'type') === 'core_metadata');
  if (coreId === undefined) return null;
  const core = nodes[coreId];
  if (!isObject(core)) return null;
  const meta: JsonObject = {};
  for (const key of Object.keys(core)) {
    if (key !== 'id' && key !== 'type' && key !== 'is_intermediate' && key !== 'use_cache') {
      Object.defineProperty(meta, key, { value: core[key], enumerable: true, writable: true, configurable: true });
    }
  }
  const edges = own(graph, 'edges');
  if (Array.isArray(edges)) {
    for (const edge of edges.slice(0, MAX_EDGES)) {
      const dest = own(edge, 'destination');
      const field = own(dest, 'field');
      if (own(dest, 'node_id') !== coreId || typeof field !== 'string') continue;
      if (meta[field] !== null && meta[field] !== undefined && Object.hasOwn(meta, field)) continue;
      const source = own(edge, 'source');
      const sourceId = own(source, 'node_id');
      const sourceField = own(source, 'field');
      if (typeof sourceId !== 'string' || typeof sourceField !== 'string' || !Object.hasOwn(nodes, sourceId)) continue;
      const value = own(nodes[sourceId], sourceField);
      if (value !== undefined) Object.defineProperty(meta, field, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return fromMetadata(meta, text, foundIn);
}

// ---------------------------------------------------------------------------
// InvokeAI 2.x
// ---------------------------------------------------------------------------

/**
 * Splits InvokeAI 2.x prompt syntax: every `[...]` group is negative (InvokeAI joins them with a
 * space and removes them from the prompt).
 */
export function splitBracketNegative(text: string): { prompt: string; negative: string | null } {
  const negatives: string[] = [];
  const prompt = text.replace(/\[([^\]]*)\]/g, (_m, inner: string) => {
    negatives.push(inner);
    return '';
  });
  return { prompt, negative: negatives.length > 0 ? negatives.join(' ') : null };
}

/** The prompt text of sd-metadata's image.prompt: a string, or [{prompt, weight}] (joined when several). */
function sdMetadataPrompt(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!Array.isArray(value)) return null;
  const parts = value.map((p) => own(p, 'prompt')).filter((p): p is string => typeof p === 'string');
  return parts.length > 0 ? parts.join(' ') : null;
}

/** Reads InvokeAI 2.x `sd-metadata`, with the `Dream` line kept in extra. Null when not JSON with an image. */
export function readInvokeSdMetadata(text: string, dream?: string, foundIn = 'sd-metadata'): ReadRecipe | null {
  const meta = parseJsonObject(text);
  const image = own(meta, 'image');
  if (!meta || !isObject(image)) return null;
  const recipe = emptyRecipe('invokeai', foundIn);
  const { extra } = recipe;
  recipe.tool_version = nameText(meta.app_version);
  recipe.model = nameText(meta.model_weights);
  recipe.model_hash = nameText(meta.model_hash);
  putExtra(extra, 'model', meta.model);
  putExtra(extra, 'app_id', meta.app_id);

  const raw = sdMetadataPrompt(image.prompt);
  if (raw !== null) {
    const { prompt, negative } = splitBracketNegative(raw);
    recipe.prompt = promptText(prompt);
    recipe.negative_prompt = promptText(negative);
    putExtra(extra, 'raw_prompt', raw);
  }
  setSeed(recipe, image.seed, text);
  recipe.steps = toInt(image.steps, ...RANGES.steps);
  recipe.cfg = toNumberIn(image.cfg_scale, ...RANGES.cfg);
  recipe.sampler = nameText(image.sampler);
  if (recipe.sampler !== null) recipe.sampler_id = samplerIdFromKDiffusion(recipe.sampler);
  recipe.width = toInt(image.width, ...RANGES.side);
  recipe.height = toInt(image.height, ...RANGES.side);
  recipe.denoising_strength = toNumberIn(image.strength, ...RANGES.strength);
  recipe.source_image = nameText(image.init_image_path);
  const mapped = new Set(['prompt', 'seed', 'steps', 'cfg_scale', 'sampler', 'width', 'height', 'strength', 'init_image_path']);
  for (const key of Object.keys(image)) {
    if (mapped.has(key)) continue;
    const value = image[key];
    if (Array.isArray(value) && value.length === 0) continue;
    putExtra(extra, key, value);
  }
  if (dream !== undefined) {
    const line = rawText(dream);
    putExtra(extra, 'dream', line, line.length);
  }
  return recipe;
}

/** Splits a command line into words, honouring double quotes (with \" escapes). */
function commandWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m && words.length < 200; m = re.exec(line)) {
    words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  }
  return words;
}

/** Reads a `Dream` command line alone (InvokeAI 1.x / 2.x without sd-metadata). Null when it has no prompt. */
export function readInvokeDream(line: string, foundIn = 'Dream'): ReadRecipe | null {
  const text = rawText(line);
  const words = commandWords(text);
  const raw = words[0];
  if (raw === undefined || raw.startsWith('-')) return null;
  const recipe = emptyRecipe('invokeai', foundIn);
  const { prompt, negative } = splitBracketNegative(raw);
  recipe.prompt = promptText(prompt);
  recipe.negative_prompt = promptText(negative);
  putExtra(recipe.extra, 'dream', text, text.length);
  for (let i = 1; i < words.length - 1; i++) {
    const value = words[i + 1];
    switch (words[i]) {
      case '-s':
        recipe.steps = toInt(value, ...RANGES.steps);
        break;
      case '-S':
        setSeed(recipe, value);
        break;
      case '-W':
        recipe.width = toInt(value, ...RANGES.side);
        break;
      case '-H':
        recipe.height = toInt(value, ...RANGES.side);
        break;
      case '-C':
        recipe.cfg = toNumberIn(value, ...RANGES.cfg);
        break;
      case '-A':
        recipe.sampler = nameText(value);
        break;
      case '-f':
        recipe.denoising_strength = toNumberIn(value, ...RANGES.strength);
        break;
      case '-I':
        recipe.source_image = nameText(value);
        break;
      default:
        continue;
    }
    i++;
  }
  if (recipe.sampler !== null) recipe.sampler_id = samplerIdFromKDiffusion(recipe.sampler);
  return recipe;
}
