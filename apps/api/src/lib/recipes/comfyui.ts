/**
 * ComfyUI: the `prompt` PNG text holds the executed graph in API format, `{"<node id>": {class_type,
 * inputs}}`, where an input is a literal or a link `["<node id>", <output index>]`. (The
 * `workflow` text is the editor's layout and is not read.)
 *
 * The reader finds the sampler (KSampler, KSamplerAdvanced, SamplerCustom, SamplerCustomAdvanced
 * with its noise / guider / sampler / sigmas nodes, or any node shaped like one) and walks back
 * from its inputs: conditioning to the text encoders (through FluxGuidance, ControlNet appliers,
 * ConditioningCombine...), model to the loader (through LoRA loaders and model patches), latent
 * to EmptyLatentImage / VAEEncode(LoadImage). With several samplers (base + refiner, hires
 * passes) it reads the first pass: the sampler whose latent does not come from another sampler.
 *
 * Graphs are hostile input: links may point nowhere, form cycles or fan out exponentially, so
 * every walk visits a node at most once, stops at a depth limit and has a step budget.
 */
import { samplerIdFromComfy } from './samplers.ts';
import {
  RANGES,
  emptyRecipe,
  isObject,
  nameText,
  own,
  parseJsonObject,
  promptText,
  pushLora,
  putExtra,
  setSeed,
  toInt,
  toNumberIn,
} from './types.ts';
import type { JsonObject, ReadRecipe, RecipeLora } from './types.ts';

interface GraphNode {
  id: string;
  cls: string;
  inputs: JsonObject;
}

interface Link {
  id: string;
  slot: number;
}

const MAX_NODES = 5000;
const MAX_DEPTH = 64;
/** Node visits allowed for one walk (each part of the recipe is one walk with its own budget). */
const STEP_BUDGET = 20_000;

const SAMPLER_CLASSES: ReadonlySet<string> = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced']);
/** Sigma nodes without a `scheduler` input, by the schedule they compute. */
const SCHEDULER_CLASSES: Readonly<Record<string, string>> = {
  KarrasScheduler: 'karras',
  ExponentialScheduler: 'exponential',
  PolyexponentialScheduler: 'polyexponential',
  BetaSamplingScheduler: 'beta',
};
/** Inputs through which a value (number or text) reaches a widget from a primitive-like node. */
const NUMBER_INPUTS = ['value', 'seed', 'noise_seed', 'int', 'float', 'number', 'Number', 'INT', 'FLOAT', 'Value'];
const STRING_INPUTS = ['value', 'text', 'string', 'String', 'Text', 'STRING', 'prompt'];
/** Inputs of a text encoder holding its prompt, in order of preference; secondary ones go to extra. */
const TEXT_INPUTS = ['text', 'text_g', 't5xxl', 'clip_l', 'prompt'];
const SECONDARY_TEXT_INPUTS = ['text_l', 'clip_l'];
const LATENT_INPUTS = ['samples', 'latent', 'latent_image', 'samples1', 'samples_to', 'source'];
const IMAGE_INPUTS = ['pixels', 'image', 'images', 'IMAGE'];
const MODEL_NAME_INPUTS = ['ckpt_name', 'unet_name', 'model_name', 'model_path'];

function asLink(value: unknown): Link | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [id, slot] = value as [unknown, unknown];
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0) return null;
  return { id: String(id), slot };
}

/** The API-format graph in `text`, or null when it is not one. */
export function parseComfyGraph(text: string): Map<string, GraphNode> | null {
  const root = parseJsonObject(text);
  if (!root) return null;
  const graph = new Map<string, GraphNode>();
  for (const id of Object.keys(root)) {
    if (graph.size >= MAX_NODES) break;
    const node = root[id];
    const cls = own(node, 'class_type');
    if (typeof cls !== 'string' || cls === '' || cls.length > 200) continue;
    const inputs = own(node, 'inputs');
    graph.set(id, { id, cls, inputs: isObject(inputs) ? inputs : {} });
  }
  return graph.size > 0 ? graph : null;
}

/** One walk of a graph, with its own step budget. */
class Walker {
  private steps = 0;

  constructor(readonly graph: ReadonlyMap<string, GraphNode>) {}

  /** The node a link points to; undefined when dangling, already visited, too deep, or out of budget. */
  follow(value: unknown, seen: Set<string>, depth: number): GraphNode | undefined {
    const link = asLink(value);
    if (!link || depth > MAX_DEPTH || seen.has(link.id) || ++this.steps > STEP_BUDGET) return undefined;
    const node = this.graph.get(link.id);
    if (node) seen.add(node.id);
    return node;
  }

  slotOf(value: unknown): number {
    return asLink(value)?.slot ?? 0;
  }

  /** A number literal, or one reached through primitive-like nodes. */
  number(value: unknown, seen = new Set<string>(), depth = 0): number | undefined {
    if (typeof value === 'number') return value;
    const node = this.follow(value, seen, depth);
    if (!node) return undefined;
    for (const key of NUMBER_INPUTS) {
      if (!Object.hasOwn(node.inputs, key)) continue;
      const n = this.number(node.inputs[key], seen, depth + 1);
      if (n !== undefined) return n;
    }
    return undefined;
  }

  /** A string literal, or one reached through primitive-like nodes. */
  string(value: unknown, seen = new Set<string>(), depth = 0): string | undefined {
    if (typeof value === 'string') return value;
    const node = this.follow(value, seen, depth);
    if (!node) return undefined;
    for (const key of STRING_INPUTS) {
      if (!Object.hasOwn(node.inputs, key)) continue;
      const s = this.string(node.inputs[key], seen, depth + 1);
      if (s !== undefined) return s;
    }
    return undefined;
  }
}

function input(node: GraphNode | undefined, key: string): unknown {
  return node && Object.hasOwn(node.inputs, key) ? node.inputs[key] : undefined;
}

function firstDefined(...values: unknown[]): unknown {
  return values.find((v) => v !== undefined);
}

function isSamplerNode(node: GraphNode): boolean {
  if (SAMPLER_CLASSES.has(node.cls)) return true;
  // Custom samplers ("KSampler (Efficient)", ...): a latent in, a seed or noise, conditioning or a guider.
  const has = (k: string): boolean => Object.hasOwn(node.inputs, k);
  return asLink(input(node, 'latent_image')) !== null && (has('seed') || has('noise_seed') || has('noise')) && (has('positive') || has('guider'));
}

// ---------------------------------------------------------------------------
// Latent origin
// ---------------------------------------------------------------------------

interface LatentOrigin {
  /** The class the latent starts from (EmptyLatentImage, VAEEncode...), or a sampler's. */
  cls: string;
  fromSampler: boolean;
  encoded: boolean;
  width?: number;
  height?: number;
  sourceImage?: string;
}

function imageName(w: Walker, value: unknown, seen: Set<string>, depth: number): string | undefined {
  const node = w.follow(value, seen, depth);
  if (!node) return undefined;
  if (/LoadImage/i.test(node.cls)) {
    const name = input(node, 'image');
    return typeof name === 'string' ? name : w.string(name, seen, depth + 1);
  }
  for (const key of IMAGE_INPUTS) {
    const found = imageName(w, input(node, key), seen, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function latentOrigin(w: Walker, value: unknown, seen = new Set<string>(), depth = 0): LatentOrigin | undefined {
  const node = w.follow(value, seen, depth);
  if (!node) return undefined;
  if (isSamplerNode(node)) return { cls: node.cls, fromSampler: true, encoded: false };
  if (/VAEEncode/i.test(node.cls)) {
    const sourceImage = imageName(w, firstDefined(input(node, 'pixels'), input(node, 'image')), seen, depth + 1);
    return { cls: node.cls, fromSampler: false, encoded: true, sourceImage };
  }
  for (const key of LATENT_INPUTS) {
    if (asLink(input(node, key)) === null) continue;
    const found = latentOrigin(w, input(node, key), seen, depth + 1);
    if (found) return found;
  }
  const width = w.number(input(node, 'width'));
  const height = w.number(input(node, 'height'));
  return { cls: node.cls, fromSampler: false, encoded: false, width, height };
}

// ---------------------------------------------------------------------------
// Conditioning → texts
// ---------------------------------------------------------------------------

interface TextFound {
  nodes: string[];
  texts: string[];
  /** Other text inputs of the encoders that differ from the main one (CLIPTextEncodeSDXL text_l...). */
  secondary: Array<[string, string]>;
  fluxGuidance?: number;
  /** The first encoder's `clip` input, to find CLIP skip. */
  clip?: unknown;
}

function collectTexts(w: Walker, value: unknown, acc: TextFound, seen: Set<string>, depth: number): void {
  const node = w.follow(value, seen, depth);
  if (!node) return;
  if (node.cls === 'ConditioningZeroOut') return; // a zeroed conditioning states no text
  const textKey = TEXT_INPUTS.find((k) => Object.hasOwn(node.inputs, k));
  if (textKey !== undefined) {
    const text = w.string(node.inputs[textKey]);
    if (text !== undefined) {
      acc.nodes.push(node.id);
      acc.texts.push(text);
      acc.clip ??= input(node, 'clip');
      for (const key of SECONDARY_TEXT_INPUTS) {
        if (key === textKey) continue;
        const other = w.string(input(node, key));
        if (other !== undefined && other.trim() !== '' && other.trim() !== text.trim()) acc.secondary.push([key, other]);
      }
      const guidance = w.number(input(node, 'guidance'));
      if (guidance !== undefined) acc.fluxGuidance ??= guidance;
      return;
    }
  }
  if (node.cls === 'FluxGuidance') {
    const guidance = w.number(input(node, 'guidance'));
    if (guidance !== undefined) acc.fluxGuidance ??= guidance;
  }
  // Nodes passing both polarities (ControlNetApplyAdvanced, InpaintModelConditioning...): output 0
  // is the positive, output 1 the negative.
  if (asLink(input(node, 'positive')) && asLink(input(node, 'negative'))) {
    const key = w.slotOf(value) === 1 ? 'negative' : 'positive';
    collectTexts(w, input(node, key), acc, seen, depth + 1);
    return;
  }
  for (const key of Object.keys(node.inputs)) {
    if (!/^(conditioning|cond)/.test(key) || asLink(node.inputs[key]) === null) continue;
    collectTexts(w, node.inputs[key], acc, seen, depth + 1);
  }
}

function clipSkip(w: Walker, value: unknown, seen = new Set<string>(), depth = 0): number | undefined {
  const node = w.follow(value, seen, depth);
  if (!node) return undefined;
  if (node.cls === 'CLIPSetLastLayer') {
    const layer = w.number(input(node, 'stop_at_clip_layer'));
    return layer !== undefined && Number.isInteger(layer) && layer < 0 ? -layer : undefined;
  }
  return clipSkip(w, input(node, 'clip'), seen, depth + 1);
}

// ---------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------

function modelOf(w: Walker, value: unknown, loras: RecipeLora[], seen = new Set<string>(), depth = 0): string | undefined {
  const node = w.follow(value, seen, depth);
  if (!node) return undefined;
  for (const key of MODEL_NAME_INPUTS) {
    if (!Object.hasOwn(node.inputs, key)) continue;
    const name = w.string(node.inputs[key]);
    if (name !== undefined) return name;
  }
  if (/lora/i.test(node.cls)) {
    const name = w.string(input(node, 'lora_name'));
    if (name !== undefined) pushLora(loras, name, w.number(firstDefined(input(node, 'strength_model'), input(node, 'strength'))));
  }
  return modelOf(w, input(node, 'model'), loras, seen, depth + 1);
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/** The sampler a recipe is read from: the first pass, whose latent does not come from another sampler. */
function chooseSampler(w: Walker, samplers: readonly GraphNode[]): { chosen: GraphNode; origin: LatentOrigin | undefined } {
  let fallback: { chosen: GraphNode; origin: LatentOrigin | undefined } | undefined;
  for (const node of samplers) {
    const origin = latentOrigin(w, input(node, 'latent_image'), new Set([node.id]));
    if (!origin?.fromSampler) return { chosen: node, origin };
    fallback ??= { chosen: node, origin };
  }
  return fallback!;
}

/**
 * Reads a ComfyUI API-format graph into a recipe; null when the text is not such a graph or has
 * no sampler. `foundIn` names where the text was found.
 */
export function readComfyPrompt(text: string, foundIn = 'prompt'): ReadRecipe | null {
  const graph = parseComfyGraph(text);
  if (!graph) return null;
  const samplers = [...graph.values()].filter(isSamplerNode);
  if (samplers.length === 0) return null;
  const w = new Walker(graph);
  const { chosen, origin } = chooseSampler(w, samplers);
  const recipe = emptyRecipe('comfyui', foundIn);
  const { extra } = recipe;
  putExtra(extra, 'sampler_node', chosen.id);
  putExtra(extra, 'sampler_class', chosen.cls);
  const others = samplers.filter((s) => s !== chosen).map((s) => s.id);
  if (others.length > 0) putExtra(extra, 'other_sampler_nodes', others.join(','));

  // SamplerCustom(Advanced) take their parts from other nodes; KSampler states them itself.
  const seen = new Set([chosen.id]);
  const noise = w.follow(input(chosen, 'noise'), new Set(seen), 1);
  const guider = w.follow(input(chosen, 'guider'), new Set(seen), 1);
  const samplerSelect = w.follow(input(chosen, 'sampler'), new Set(seen), 1);
  const sigmas = w.follow(input(chosen, 'sigmas'), new Set(seen), 1);
  if (guider) putExtra(extra, 'guider_class', guider.cls);

  const seed = firstDefined(input(chosen, 'seed'), input(chosen, 'noise_seed'), input(noise, 'noise_seed'), input(noise, 'seed'));
  const seedValue = typeof seed === 'number' ? seed : w.number(seed);
  setSeed(recipe, seedValue, text);

  const steps = w.number(firstDefined(input(chosen, 'steps'), input(sigmas, 'steps')));
  recipe.steps = toInt(steps, ...RANGES.steps);
  const cfg = w.number(firstDefined(input(chosen, 'cfg'), input(guider, 'cfg')));
  recipe.cfg = toNumberIn(cfg, ...RANGES.cfg);

  const samplerName = w.string(firstDefined(input(chosen, 'sampler_name'), input(samplerSelect, 'sampler_name')));
  recipe.sampler = nameText(samplerName ?? samplerSelect?.cls);
  const scheduler = w.string(firstDefined(input(chosen, 'scheduler'), input(sigmas, 'scheduler')));
  recipe.scheduler = nameText(scheduler ?? (sigmas ? (SCHEDULER_CLASSES[sigmas.cls] ?? sigmas.cls) : undefined));
  if (recipe.sampler !== null) recipe.sampler_id = samplerIdFromComfy(recipe.sampler, recipe.scheduler);

  for (const key of ['start_at_step', 'end_at_step', 'add_noise']) {
    const v = input(chosen, key);
    putExtra(extra, key, typeof v === 'number' || typeof v === 'string' ? v : w.number(v));
  }

  // Prompts.
  const positive = firstDefined(input(chosen, 'positive'), input(guider, 'positive'), input(guider, 'conditioning'), input(guider, 'cond1'));
  const pos: TextFound = { nodes: [], texts: [], secondary: [] };
  collectTexts(new Walker(graph), positive, pos, new Set(seen), 1);
  if (pos.texts.length > 0) {
    recipe.prompt = promptText(pos.texts.join('\n'));
    putExtra(extra, 'positive_node', pos.nodes.join(','));
    for (const [key, value] of pos.secondary) putExtra(extra, `positive_${key}`, value);
  }
  if (pos.fluxGuidance !== undefined) recipe.flux_guidance = toNumberIn(pos.fluxGuidance, ...RANGES.cfg);
  const negative = firstDefined(input(chosen, 'negative'), input(guider, 'negative'));
  const neg: TextFound = { nodes: [], texts: [], secondary: [] };
  collectTexts(new Walker(graph), negative, neg, new Set(seen), 1);
  if (neg.texts.length > 0) {
    recipe.negative_prompt = promptText(neg.texts.join('\n'));
    putExtra(extra, 'negative_node', neg.nodes.join(','));
    for (const [key, value] of neg.secondary) putExtra(extra, `negative_${key}`, value);
  }
  const skip = clipSkip(new Walker(graph), pos.clip);
  if (skip !== undefined) recipe.clip_skip = toInt(skip, ...RANGES.clipSkip);

  // Model and LoRAs (met from the sampler back to the loader, so reversed into applied order).
  const loras: RecipeLora[] = [];
  const model = modelOf(new Walker(graph), firstDefined(input(chosen, 'model'), input(guider, 'model'), input(sigmas, 'model')), loras);
  recipe.model = nameText(model);
  recipe.loras = loras.reverse();

  // Latent: size for text-to-image, source image and denoise for image-to-image.
  const denoise = w.number(firstDefined(input(chosen, 'denoise'), input(sigmas, 'denoise')));
  if (origin) {
    putExtra(extra, 'latent_source', origin.cls);
    recipe.width = toInt(origin.width, ...RANGES.side);
    recipe.height = toInt(origin.height, ...RANGES.side);
    recipe.source_image = nameText(origin.sourceImage);
  }
  if (origin?.encoded && denoise !== undefined) recipe.denoising_strength = toNumberIn(denoise, ...RANGES.strength);
  else putExtra(extra, 'denoise', denoise);
  return recipe;
}
