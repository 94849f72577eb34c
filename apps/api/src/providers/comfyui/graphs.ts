/**
 * Pure builders of ComfyUI API-format graphs ("Save (API format)": `{"<node id>": {class_type,
 * inputs, _meta}}`, a link being `["<node id>", <output index>]`) for SDXL and FLUX, text-to-image
 * and image-to-image, and the loader/applier of user workflow files with `{{placeholders}}`.
 * No I/O here: the provider reads files and talks to the server.
 */
import type { ModelName, Sampler, Spec } from '@imageflow/shared';
import { comfyFor } from '../../lib/recipes/samplers.ts';

export type ComfyLink = [string, number];

export interface ApiNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}

/** An API-format graph, as POST /prompt takes it. */
export type ApiGraph = Record<string, ApiNode>;

export type ModelFamily = 'sdxl' | 'flux';

export function familyOf(model: ModelName): ModelFamily {
  return model.startsWith('flux') ? 'flux' : 'sdxl';
}

/** Which files load the model: one checkpoint (SDXL, or an all-in-one fp8 FLUX) or FLUX's split files. */
export type ModelFiles =
  | { loader: 'checkpoint'; checkpoint: string }
  | {
      loader: 'split';
      unet: string;
      clip: [string, string];
      vae: string;
      /** UNETLoader weight_dtype: default | fp8_e4m3fn | fp8_e4m3fn_fast | fp8_e5m2. */
      weightDtype: string;
      /** DualCLIPLoader type: "flux" for FLUX, "sdxl" for an SDXL UNET. */
      clipType: string;
    };

/** The file name ComfyUI knows the model by (what ProviderImage.backendModel reports). */
export function backendModelOf(files: ModelFiles): string {
  return files.loader === 'checkpoint' ? files.checkpoint : files.unet;
}

// ---------------------------------------------------------------------------
// Samplers
// ---------------------------------------------------------------------------

export interface ComfySampler {
  /** KSampler sampler_name (comfy.samplers.KSampler.SAMPLERS). */
  sampler_name: string;
  /** KSampler scheduler (comfy.samplers.KSampler.SCHEDULERS). */
  scheduler: string;
}

/** Our sampler id as ComfyUI's sampler + scheduler pair (the one mapping, shared with the recipe readers). */
export function comfySampler(sampler: Sampler, family: ModelFamily): ComfySampler {
  return comfyFor(sampler, family);
}

// ---------------------------------------------------------------------------
// Built-in graphs
// ---------------------------------------------------------------------------

export interface GraphInput {
  family: ModelFamily;
  files: ModelFiles;
  prompt: string;
  negativePrompt: string;
  spec: Spec;
  /** Image-to-image: the init image's name on the server, as POST /upload/image returned it. */
  initImage?: string;
  /** SaveImage filename_prefix. */
  filenamePrefix?: string;
}

export interface BuiltGraph {
  graph: ApiGraph;
  /** SaveImage node ids, whose outputs are the result. */
  outputNodes: string[];
  /** The KSampler node (whose `progress` frames count steps). */
  samplerNode: string;
  /** The KSampler seed. ComfyUI draws the noise of the whole batch from this one seed. */
  seed: number;
  backendModel: string;
}

export const DEFAULT_FILENAME_PREFIX = 'ImageFlow';

class GraphBuilder {
  readonly graph: ApiGraph = {};
  private next = 1;

  add(class_type: string, inputs: Record<string, unknown>, title: string): string {
    const id = String(this.next++);
    this.graph[id] = { class_type, inputs, _meta: { title } };
    return id;
  }
}

const link = (id: string, output: number): ComfyLink => [id, output];

/**
 * SDXL: CheckpointLoaderSimple → 2× CLIPTextEncode → EmptyLatentImage → KSampler → VAEDecode →
 * SaveImage. FLUX: UNETLoader + DualCLIPLoader(type flux) + VAELoader (or one checkpoint), the
 * positive conditioning through FluxGuidance{guidance}, EmptySD3LatentImage, KSampler with cfg 1
 * (FLUX dev/schnell are guidance-distilled: the negative prompt has no effect at cfg 1, but
 * KSampler requires a negative input). Image-to-image: LoadImage → VAEEncode as the latent (then
 * RepeatLatentBatch for a batch) and denoise = strength.
 */
export function buildGraph(input: GraphInput): BuiltGraph {
  const { family, files, spec } = input;
  const b = new GraphBuilder();

  let model: ComfyLink;
  let clip: ComfyLink;
  let vae: ComfyLink;
  if (files.loader === 'checkpoint') {
    const ckpt = b.add('CheckpointLoaderSimple', { ckpt_name: files.checkpoint }, 'Load Checkpoint');
    model = link(ckpt, 0);
    clip = link(ckpt, 1);
    vae = link(ckpt, 2);
  } else {
    const unet = b.add('UNETLoader', { unet_name: files.unet, weight_dtype: files.weightDtype }, 'Load Diffusion Model');
    const clips = b.add(
      'DualCLIPLoader',
      { clip_name1: files.clip[0], clip_name2: files.clip[1], type: files.clipType },
      'DualCLIPLoader',
    );
    const vaeLoader = b.add('VAELoader', { vae_name: files.vae }, 'Load VAE');
    model = link(unet, 0);
    clip = link(clips, 0);
    vae = link(vaeLoader, 0);
  }

  const positiveText = b.add('CLIPTextEncode', { text: input.prompt, clip }, 'Positive Prompt');
  const negative = b.add('CLIPTextEncode', { text: input.negativePrompt, clip }, 'Negative Prompt');
  let positive = link(positiveText, 0);
  if (family === 'flux') {
    positive = link(b.add('FluxGuidance', { conditioning: positive, guidance: spec.guidance }, 'FluxGuidance'), 0);
  }

  let latent: ComfyLink;
  let denoise = 1;
  if (input.initImage !== undefined) {
    const load = b.add('LoadImage', { image: input.initImage }, 'Load Init Image');
    latent = link(b.add('VAEEncode', { pixels: link(load, 0), vae }, 'VAE Encode'), 0);
    if (spec.batch_size > 1) {
      latent = link(b.add('RepeatLatentBatch', { samples: latent, amount: spec.batch_size }, 'Repeat Latent Batch'), 0);
    }
    denoise = spec.strength;
  } else {
    const size = { width: spec.width, height: spec.height, batch_size: spec.batch_size };
    latent = link(
      family === 'flux'
        ? b.add('EmptySD3LatentImage', size, 'EmptySD3LatentImage')
        : b.add('EmptyLatentImage', size, 'Empty Latent Image'),
      0,
    );
  }

  const { sampler_name, scheduler } = comfySampler(spec.sampler, family);
  const sampler = b.add(
    'KSampler',
    {
      seed: spec.seed,
      steps: spec.steps,
      cfg: family === 'flux' ? 1 : spec.guidance,
      sampler_name,
      scheduler,
      denoise,
      model,
      positive,
      negative: link(negative, 0),
      latent_image: latent,
    },
    'KSampler',
  );
  const decoded = b.add('VAEDecode', { samples: link(sampler, 0), vae }, 'VAE Decode');
  const save = b.add(
    'SaveImage',
    { filename_prefix: input.filenamePrefix ?? DEFAULT_FILENAME_PREFIX, images: link(decoded, 0) },
    'Save Image',
  );
  return { graph: b.graph, outputNodes: [save], samplerNode: sampler, seed: spec.seed, backendModel: backendModelOf(files) };
}

// ---------------------------------------------------------------------------
// User workflows
// ---------------------------------------------------------------------------

export const PLACEHOLDERS = [
  'prompt',
  'negative_prompt',
  'seed',
  'width',
  'height',
  'steps',
  'guidance',
  'sampler',
  'scheduler',
  'strength',
  'batch_size',
  'init_image',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

const NUMERIC_PLACEHOLDERS: ReadonlySet<Placeholder> = new Set(['seed', 'width', 'height', 'steps', 'guidance', 'strength', 'batch_size']);
const PLACEHOLDER_RE = /\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}/g;
const EXACT_PLACEHOLDER_RE = /^\{\{\s*([A-Za-z0-9_.-]*)\s*\}\}$/;

/** A workflow file that cannot be used; the message names the file and what to change. */
export class WorkflowError extends Error {
  override name = 'WorkflowError';
}

export interface Workflow {
  /** Where it came from (file path), for messages. */
  source: string;
  graph: ApiGraph;
  /** The placeholders it uses. */
  placeholders: ReadonlySet<Placeholder>;
  /** It uses {{init_image}}: an image-to-image workflow. */
  img2img: boolean;
  /** Its SaveImage nodes (empty: every image the run reports is the result). */
  outputNodes: string[];
}

const isPlaceholder = (name: string): name is Placeholder => (PLACEHOLDERS as readonly string[]).includes(name);

function visitStrings(value: unknown, visit: (s: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) value.forEach((v) => visitStrings(v, visit));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => visitStrings(v, visit));
}

function nodeLabel(id: string, node: ApiNode): string {
  const title = node._meta?.title;
  return title && title !== node.class_type ? `node ${id} (${node.class_type} "${title}")` : `node ${id} (${node.class_type})`;
}

/**
 * Parses and checks an API-format workflow: valid JSON, every node a `{class_type, inputs}`,
 * `{{prompt}}` present, no unknown placeholder. Throws WorkflowError with a message a person can
 * act on (including "this is the UI format, export the API format").
 */
export function parseWorkflow(text: string, source: string): Workflow {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new WorkflowError(`The ComfyUI workflow file ${source} is not valid JSON: ${(err as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new WorkflowError(`The ComfyUI workflow file ${source} must hold a JSON object of nodes (API format).`);
  }
  const obj = data as Record<string, unknown>;
  if (Array.isArray(obj.nodes) || Array.isArray(obj.links)) {
    throw new WorkflowError(
      `The ComfyUI workflow file ${source} is in ComfyUI's UI format, not the API format. In ComfyUI, open the workflow and use Workflow → Export (API) (older versions: enable dev mode and use "Save (API Format)"), then point the config at that file.`,
    );
  }
  const ids = Object.keys(obj);
  if (ids.length === 0) throw new WorkflowError(`The ComfyUI workflow file ${source} has no nodes.`);
  const graph: ApiGraph = {};
  const used = new Set<Placeholder>();
  const unknown: string[] = [];
  for (const id of ids) {
    const node = obj[id] as Partial<ApiNode> | null;
    if (!node || typeof node !== 'object' || typeof node.class_type !== 'string' || !node.class_type) {
      throw new WorkflowError(`The ComfyUI workflow file ${source}: node ${id} has no class_type; is this an API-format export?`);
    }
    if (!node.inputs || typeof node.inputs !== 'object' || Array.isArray(node.inputs)) {
      throw new WorkflowError(`The ComfyUI workflow file ${source}: ${nodeLabel(id, node as ApiNode)} has no "inputs" object.`);
    }
    graph[id] = node as ApiNode;
    for (const [input, value] of Object.entries(node.inputs)) {
      visitStrings(value, (s) => {
        for (const m of s.matchAll(PLACEHOLDER_RE)) {
          const name = m[1]!;
          if (isPlaceholder(name)) used.add(name);
          else unknown.push(`{{${name}}} in ${nodeLabel(id, node as ApiNode)} input "${input}"`);
        }
      });
    }
  }
  if (unknown.length > 0) {
    throw new WorkflowError(
      `The ComfyUI workflow file ${source} uses unknown placeholder${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}. Known placeholders: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}.`,
    );
  }
  if (!used.has('prompt')) {
    throw new WorkflowError(
      `The ComfyUI workflow file ${source} has no {{prompt}} placeholder, so the prompt would be ignored. Put "{{prompt}}" as the text of the positive CLIPTextEncode node.`,
    );
  }
  const outputNodes = ids.filter((id) => graph[id]!.class_type === 'SaveImage');
  return { source, graph, placeholders: used, img2img: used.has('init_image'), outputNodes };
}

export type PlaceholderValues = {
  [K in Exclude<Placeholder, 'init_image'>]: K extends 'prompt' | 'negative_prompt' | 'sampler' | 'scheduler' ? string : number;
} & { init_image?: string };

/**
 * The values of every placeholder for one run. {{strength}} is the denoise: the recipe's
 * strength for image-to-image, 1 for text-to-image (a text-to-image run denoises fully).
 */
export function placeholderValues(
  family: ModelFamily,
  prompt: string,
  negativePrompt: string,
  spec: Spec,
  initImage: string | undefined,
): PlaceholderValues {
  const { sampler_name, scheduler } = comfySampler(spec.sampler, family);
  return {
    prompt,
    negative_prompt: negativePrompt,
    seed: spec.seed,
    width: spec.width,
    height: spec.height,
    steps: spec.steps,
    guidance: spec.guidance,
    sampler: sampler_name,
    scheduler,
    strength: initImage !== undefined ? spec.strength : 1,
    batch_size: spec.batch_size,
    init_image: initImage,
  };
}

/** Throws unless the workflow fits the run: {{init_image}} only for image-to-image, and needed there. */
export function checkWorkflowMode(workflow: Workflow, img2img: boolean): void {
  if (workflow.img2img && !img2img) {
    throw new WorkflowError(
      `The ComfyUI workflow file ${workflow.source} uses {{init_image}}, so it can only do image-to-image, but this job is text-to-image. Configure a text-to-image workflow (without {{init_image}}) for this model.`,
    );
  }
  if (!workflow.img2img && img2img) {
    throw new WorkflowError(
      `The ComfyUI workflow file ${workflow.source} has no {{init_image}} placeholder, so it cannot use the init image of this image-to-image job. Add a LoadImage node with image "{{init_image}}" feeding a VAEEncode into the sampler's latent_image, and set the sampler's denoise to "{{strength}}".`,
    );
  }
}

function substitute(value: unknown, values: PlaceholderValues): unknown {
  if (typeof value === 'string') {
    const exact = EXACT_PLACEHOLDER_RE.exec(value);
    if (exact && isPlaceholder(exact[1]!)) {
      const v = values[exact[1] as Placeholder];
      // A value that is exactly a numeric placeholder becomes a JSON number; text stays text.
      return NUMERIC_PLACEHOLDERS.has(exact[1] as Placeholder) ? Number(v) : String(v ?? '');
    }
    return value.replace(PLACEHOLDER_RE, (_, name: string) => String(values[name as Placeholder] ?? ''));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, values));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, values)]));
  }
  return value;
}

/** A copy of the workflow's graph with every placeholder replaced. Throws WorkflowError on a mode mismatch. */
export function applyWorkflow(workflow: Workflow, values: PlaceholderValues): ApiGraph {
  checkWorkflowMode(workflow, values.init_image !== undefined);
  const out: ApiGraph = {};
  for (const [id, node] of Object.entries(workflow.graph)) {
    out[id] = { ...node, inputs: substitute(node.inputs, values) as Record<string, unknown> };
  }
  return out;
}

/** The model file a graph loads (first checkpoint or UNET loader), for ProviderImage.backendModel. */
export function graphModelName(graph: ApiGraph): string | undefined {
  for (const node of Object.values(graph)) {
    const name =
      node.class_type === 'CheckpointLoaderSimple'
        ? node.inputs.ckpt_name
        : node.class_type === 'UNETLoader'
          ? node.inputs.unet_name
          : undefined;
    if (typeof name === 'string' && name) return name;
  }
  return undefined;
}

/** The seed the graph's sampler uses (KSampler seed, KSamplerAdvanced/RandomNoise noise_seed), if it is a number. */
export function graphSeed(graph: ApiGraph): number | undefined {
  for (const node of Object.values(graph)) {
    const v =
      node.class_type === 'KSampler'
        ? node.inputs.seed
        : node.class_type === 'KSamplerAdvanced' || node.class_type === 'RandomNoise'
          ? node.inputs.noise_seed
          : undefined;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}
