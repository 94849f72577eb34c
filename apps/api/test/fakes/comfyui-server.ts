/**
 * A local fake of a ComfyUI server for tests: real HTTP (node:http) and WebSocket (ws) on
 * 127.0.0.1:0, speaking ComfyUI's wire protocol and STRICT like it: POST /prompt runs a port of
 * execution.validate_prompt over the node classes ImageFlow uses (class_type known, links to
 * existing nodes with the right output type, required inputs present and convertible, min/max,
 * combo values in the server's lists, LoadImage's file uploaded, at least one output node) and
 * answers with ComfyUI's exact 400 shapes. Accepted prompts "run" one at a time with the real
 * frame sequence on /ws and real PNGs (sharp) saved as `<prefix>_00001_.png`. Every route is
 * served bare and under /api/, optionally behind a path prefix. Fault knobs live in `faults`.
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import sharp from 'sharp';
import { WebSocket, WebSocketServer } from 'ws';
import { writePngTextChunks } from '../../src/lib/png-text.ts';

// ---------------------------------------------------------------------------
// Options and records
// ---------------------------------------------------------------------------

export interface FakeComfyFaults {
  /** Delay every HTTP answer (ms). */
  responseDelayMs?: number;
  /** Delay the answer to POST /prompt (ms); the prompt is queued at once, as on a busy server. */
  promptDelayMs?: number;
  /** Answer POST /prompt with this status and an aiohttp error page instead of queueing. */
  promptStatus?: number;
  /** Answer this many GETs (other than /ws) with 503 before answering properly. */
  transientGetFailures?: number;
  /** What /view answers: a non-PNG body, a PNG cut short, or 404. */
  view?: 'malformed' | 'truncated' | 'missing';
  /** Drop (terminate) the client's socket after this many progress frames, then refuse new sockets. */
  dropSocketAfterProgress?: number;
  /** Refuse WebSocket upgrades (as a proxy without WebSocket support does). */
  noSocket?: boolean;
  /** The run raises in the first node of this class (default KSampler). */
  executionError?: { classType?: string; exceptionType?: string; message: string };
  /** Runs finish but never appear in /history. */
  historyStaysEmpty?: boolean;
  /** Runs stop at this sampling step until interrupt() or release(). */
  holdAtStep?: number;
  /** Ignore a prompt_id supplied with POST /prompt (servers before mid-2025). */
  ignorePromptId?: boolean;
  /** GET /system_stats answers with this status. */
  statsStatus?: number;
}

export interface FakeComfyOptions {
  checkpoints?: string[];
  /** models/diffusion_models (UNETLoader). */
  unets?: string[];
  /** models/text_encoders (DualCLIPLoader). */
  textEncoders?: string[];
  vaes?: string[];
  /** Files already in ComfyUI's input folder. */
  inputs?: Record<string, Buffer>;
  /** Serve under a path prefix, as behind a reverse proxy ("/comfy"). */
  basePath?: string;
  /** Time per sampling step (ms); default 1. */
  stepDelayMs?: number;
  /** A binary preview frame every this many steps; default 2. */
  previewEvery?: number;
  /** Combo lists in /object_info as `[[...], {}]` (V1 nodes, default) or `["COMBO", {options}]` (V3 nodes). */
  comboStyle?: 'list' | 'COMBO';
  faults?: FakeComfyFaults;
}

export interface RecordedRequest {
  method: string;
  /** The route without the base path and /api prefix, e.g. "/prompt". */
  route: string;
  api: boolean;
  query: Record<string, string>;
  body?: unknown;
}

export interface PromptRecord {
  prompt_id: string;
  number: number;
  client_id?: string;
  prompt: Record<string, { class_type: string; inputs: Record<string, unknown>; _meta?: unknown }>;
}

type HistoryImage = { filename: string; subfolder: string; type: string };
type HistoryEntry = {
  prompt: [number, string, unknown, Record<string, unknown>, string[]];
  outputs: Record<string, { images: HistoryImage[] }>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: Array<[string, Record<string, unknown>]> };
  meta: Record<string, { node_id: string; display_node: string; parent_node: null; real_node_id: string }>;
};

// ---------------------------------------------------------------------------
// Node classes (as nodes.py / comfy_extras define them)
// ---------------------------------------------------------------------------

export const SAMPLERS = [
  'euler', 'euler_cfg_pp', 'euler_ancestral', 'euler_ancestral_cfg_pp', 'heun', 'heunpp2', 'dpm_2', 'dpm_2_ancestral',
  'lms', 'dpm_fast', 'dpm_adaptive', 'dpmpp_2s_ancestral', 'dpmpp_2s_ancestral_cfg_pp', 'dpmpp_sde', 'dpmpp_sde_gpu',
  'dpmpp_2m', 'dpmpp_2m_cfg_pp', 'dpmpp_2m_sde', 'dpmpp_2m_sde_gpu', 'dpmpp_3m_sde', 'dpmpp_3m_sde_gpu', 'ddpm', 'lcm',
  'ipndm', 'ipndm_v', 'deis', 'res_multistep', 'res_multistep_cfg_pp', 'res_multistep_ancestral',
  'res_multistep_ancestral_cfg_pp', 'gradient_estimation', 'er_sde', 'seeds_2', 'seeds_3', 'ddim', 'uni_pc', 'uni_pc_bh2',
];
export const SCHEDULERS = ['simple', 'sgm_uniform', 'karras', 'exponential', 'ddim_uniform', 'beta', 'normal', 'linear_quadratic', 'kl_optimal'];
const WEIGHT_DTYPES = ['default', 'fp8_e4m3fn', 'fp8_e4m3fn_fast', 'fp8_e5m2'];
const CLIP_TYPES = ['sdxl', 'sd3', 'flux', 'hunyuan_video', 'hidream', 'hunyuan_image', 'hunyuan_video_15', 'kandinsky5', 'kandinsky5_image', 'ltxv', 'newbie', 'ace'];
const MAX_RESOLUTION = 16384;

type InputSpec = [unknown, Record<string, unknown>?];
interface NodeDef {
  required: Record<string, InputSpec>;
  optional?: Record<string, InputSpec>;
  hidden?: Record<string, string>;
  output: string[];
  outputName?: string[];
  outputNode?: boolean;
  category: string;
  displayName?: string;
  /** VALIDATE_INPUTS: the inputs it takes, and the check (true or a reason). */
  validate?: { inputs: string[]; check: (inputs: Record<string, unknown>) => true | string };
}

function nodeDefs(fake: FakeComfyUi): Record<string, NodeDef> {
  const combo = (list: string[], extra: Record<string, unknown> = {}): InputSpec =>
    fake.options.comboStyle === 'COMBO' ? ['COMBO', { options: list, ...extra }] : [list, extra];
  const inputImages = [...fake.files.keys()]
    .filter((k) => k.startsWith('input//'))
    .map((k) => k.slice('input//'.length))
    .sort();
  return {
    CheckpointLoaderSimple: {
      required: { ckpt_name: combo(fake.checkpoints, { tooltip: 'The name of the checkpoint (model) to load.' }) },
      output: ['MODEL', 'CLIP', 'VAE'],
      category: 'loaders',
      displayName: 'Load Checkpoint',
    },
    CLIPTextEncode: {
      required: { text: ['STRING', { multiline: true, dynamicPrompts: true }], clip: ['CLIP', {}] },
      output: ['CONDITIONING'],
      category: 'conditioning',
      displayName: 'CLIP Text Encode (Prompt)',
    },
    EmptyLatentImage: {
      required: {
        width: ['INT', { default: 512, min: 16, max: MAX_RESOLUTION, step: 8 }],
        height: ['INT', { default: 512, min: 16, max: MAX_RESOLUTION, step: 8 }],
        batch_size: ['INT', { default: 1, min: 1, max: 4096 }],
      },
      output: ['LATENT'],
      category: 'latent',
      displayName: 'Empty Latent Image',
    },
    EmptySD3LatentImage: {
      required: {
        width: ['INT', { default: 1024, min: 16, max: MAX_RESOLUTION, step: 16 }],
        height: ['INT', { default: 1024, min: 16, max: MAX_RESOLUTION, step: 16 }],
        batch_size: ['INT', { default: 1, min: 1, max: 4096 }],
      },
      output: ['LATENT'],
      category: 'latent/sd3',
    },
    KSampler: {
      required: {
        model: ['MODEL', {}],
        seed: ['INT', { default: 0, min: 0, max: 0xffffffffffffffff, control_after_generate: true }],
        steps: ['INT', { default: 20, min: 1, max: 10000 }],
        cfg: ['FLOAT', { default: 8.0, min: 0.0, max: 100.0, step: 0.1, round: 0.01 }],
        sampler_name: combo(SAMPLERS),
        scheduler: combo(SCHEDULERS),
        positive: ['CONDITIONING', {}],
        negative: ['CONDITIONING', {}],
        latent_image: ['LATENT', {}],
        denoise: ['FLOAT', { default: 1.0, min: 0.0, max: 1.0, step: 0.01 }],
      },
      output: ['LATENT'],
      category: 'sampling',
    },
    VAEDecode: { required: { samples: ['LATENT', {}], vae: ['VAE', {}] }, output: ['IMAGE'], category: 'latent', displayName: 'VAE Decode' },
    VAEEncode: { required: { pixels: ['IMAGE', {}], vae: ['VAE', {}] }, output: ['LATENT'], category: 'latent', displayName: 'VAE Encode' },
    RepeatLatentBatch: {
      required: { samples: ['LATENT', {}], amount: ['INT', { default: 1, min: 1, max: 64 }] },
      output: ['LATENT'],
      category: 'latent/batch',
      displayName: 'Repeat Latent Batch',
    },
    SaveImage: {
      required: {
        images: ['IMAGE', { tooltip: 'The images to save.' }],
        filename_prefix: ['STRING', { default: 'ComfyUI', tooltip: 'The prefix for the file to save.' }],
      },
      hidden: { prompt: 'PROMPT', extra_pnginfo: 'EXTRA_PNGINFO' },
      output: [],
      outputNode: true,
      category: 'image',
      displayName: 'Save Image',
    },
    LoadImage: {
      required: { image: combo(inputImages, { image_upload: true }) },
      output: ['IMAGE', 'MASK'],
      category: 'image',
      displayName: 'Load Image',
      validate: {
        inputs: ['image'],
        check: (inputs) => (fake.files.has(`input//${String(inputs.image)}`) ? true : `Invalid image file: ${String(inputs.image)}`),
      },
    },
    UNETLoader: {
      required: { unet_name: combo(fake.unets), weight_dtype: combo(WEIGHT_DTYPES) },
      output: ['MODEL'],
      category: 'advanced/loaders',
      displayName: 'Load Diffusion Model',
    },
    DualCLIPLoader: {
      required: { clip_name1: combo(fake.textEncoders), clip_name2: combo(fake.textEncoders), type: combo(CLIP_TYPES) },
      optional: { device: combo(['default', 'cpu'], { advanced: true }) },
      output: ['CLIP'],
      category: 'advanced/loaders',
    },
    VAELoader: { required: { vae_name: combo(fake.vaes) }, output: ['VAE'], category: 'loaders', displayName: 'Load VAE' },
    FluxGuidance: {
      required: { conditioning: ['CONDITIONING', {}], guidance: ['FLOAT', { default: 3.5, min: 0.0, max: 100.0, step: 0.1 }] },
      output: ['CONDITIONING'],
      category: 'advanced/conditioning/flux',
    },
  };
}

function nodeInfo(name: string, def: NodeDef) {
  const input: Record<string, unknown> = { required: def.required };
  if (def.optional) input.optional = def.optional;
  if (def.hidden) input.hidden = def.hidden;
  return {
    input,
    input_order: Object.fromEntries(Object.entries(input).map(([k, v]) => [k, Object.keys(v as object)])),
    output: def.output,
    output_is_list: def.output.map(() => false),
    output_name: def.outputName ?? def.output,
    name,
    display_name: def.displayName ?? name,
    description: '',
    python_module: 'nodes',
    category: def.category,
    output_node: def.outputNode === true,
  };
}

// ---------------------------------------------------------------------------
// A port of execution.validate_prompt / validate_inputs
// ---------------------------------------------------------------------------

type Reason = { type: string; message: string; details: string; extra_info: Record<string, unknown> };
type Validated = Map<string, [boolean, Reason[], string]>;

/** Python's repr() of a str, as str(list) prints it. */
function pyRepr(s: string): string {
  const esc = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  if (s.includes("'") && !s.includes('"')) return `"${esc}"`;
  return `'${esc.replace(/'/g, "\\'")}'`;
}
const pyList = (list: string[]) => `[${list.map(pyRepr).join(', ')}]`;
/** str(value) the way Python would print a JSON-decoded value. */
function pyStr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  return JSON.stringify(v);
}
const pyTypeName = (v: unknown) =>
  v === null ? 'NoneType' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'dict' : typeof v === 'boolean' ? 'bool' : typeof v === 'number' ? (Number.isInteger(v) ? 'int' : 'float') : 'str';

class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
}

function pyInt(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Math.trunc(v);
  if (typeof v === 'string') {
    if (/^\s*[+-]?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
    throw new PyError('ValueError', `invalid literal for int() with base 10: ${pyRepr(v)}`);
  }
  throw new PyError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`);
}
function pyFloat(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    if (v.trim() !== '' && Number.isFinite(n)) return n;
    throw new PyError('ValueError', `could not convert string to float: ${pyRepr(v)}`);
  }
  throw new PyError('TypeError', `float() argument must be a string or a real number, not '${pyTypeName(v)}'`);
}

function typesMatch(received: string, input: unknown): boolean {
  if (typeof input !== 'string') return false;
  if (received === input || received === '*' || input === '*') return true;
  const r = new Set(received.split(','));
  return input.split(',').some((t) => r.has(t));
}

type Graph = Record<string, { class_type?: unknown; inputs?: unknown; _meta?: { title?: unknown } }>;

function getNode(prompt: Graph, id: unknown) {
  if (typeof id !== 'string' || !Object.hasOwn(prompt, id)) throw new PyError('KeyError', typeof id === 'string' ? pyRepr(id) : pyStr(id));
  return prompt[id]!;
}

function validateInputs(defs: Record<string, NodeDef>, prompt: Graph, id: string, validated: Validated, warnings: string[]): [boolean, Reason[], string] {
  const known = validated.get(id);
  if (known) return known;
  const node = getNode(prompt, id);
  if (!node.inputs || typeof node.inputs !== 'object') throw new PyError('KeyError', "'inputs'");
  const inputs = node.inputs as Record<string, unknown>;
  const classType = node.class_type as string;
  const def = defs[classType]!;
  const errors: Reason[] = [];
  let valid = true;
  const validateInputsOf = def.validate?.inputs ?? [];
  const declared: Array<[string, InputSpec, 'required' | 'optional']> = [
    ...Object.entries(def.required).map(([k, v]) => [k, v, 'required'] as [string, InputSpec, 'required']),
    ...Object.entries(def.optional ?? {}).map(([k, v]) => [k, v, 'optional'] as [string, InputSpec, 'optional']),
  ];
  for (const name of Object.keys(inputs)) {
    if (!declared.some(([k]) => k === name)) warnings.push(`node ${id} (${classType}): unknown input "${name}" ignored`);
  }
  for (const [x, spec, category] of declared) {
    let typeInput = spec[0];
    const extra = spec[1] ?? {};
    if (typeInput === 'COMBO' && Array.isArray((extra as { options?: unknown }).options)) typeInput = (extra as { options: unknown[] }).options;
    const info = [spec[0], extra];
    if (!(x in inputs)) {
      if (category === 'required') {
        errors.push({ type: 'required_input_missing', message: 'Required input is missing', details: x, extra_info: { input_name: x } });
      }
      continue;
    }
    let val = inputs[x];
    if (Array.isArray(val)) {
      if (val.length !== 2) {
        errors.push({
          type: 'bad_linked_input',
          message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
          details: x,
          extra_info: { input_name: x, input_config: info, received_value: val },
        });
        continue;
      }
      const oId = val[0];
      const other = getNode(prompt, oId);
      const returns = defs[other.class_type as string]!.output;
      const index = val[1];
      if (typeof index !== 'number' || !Number.isInteger(index)) {
        throw new PyError('TypeError', `tuple indices must be integers or slices, not ${pyTypeName(index)}`);
      }
      const receivedType = returns[index < 0 ? returns.length + index : index];
      if (receivedType === undefined) throw new PyError('IndexError', 'tuple index out of range');
      if (!typesMatch(receivedType, typeInput)) {
        errors.push({
          type: 'return_type_mismatch',
          message: 'Return type mismatch between linked nodes',
          details: `${x}, received_type(${receivedType}) mismatch input_type(${pyStr(typeInput)})`,
          extra_info: { input_name: x, input_config: info, received_type: receivedType, linked_node: val },
        });
        continue;
      }
      try {
        const r = validateInputs(defs, prompt, oId as string, validated, warnings);
        if (!r[0]) {
          valid = false;
          continue;
        }
      } catch (ex) {
        valid = false;
        const e = ex as PyError;
        validated.set(oId as string, [
          false,
          [
            {
              type: 'exception_during_inner_validation',
              message: 'Exception when validating inner node',
              details: e.message,
              extra_info: { input_name: x, input_config: info, exception_message: e.message, exception_type: e.pyType ?? 'Exception', traceback: [], linked_node: val },
            },
          ],
          oId as string,
        ]);
        continue;
      }
    } else {
      try {
        if (typeInput === 'INT') val = pyInt(val);
        if (typeInput === 'FLOAT') val = pyFloat(val);
        if (typeInput === 'STRING') val = pyStr(val);
        if (typeInput === 'BOOLEAN') val = Boolean(val);
        inputs[x] = val;
      } catch (ex) {
        const e = ex as PyError;
        errors.push({
          type: 'invalid_input_type',
          message: `Failed to convert an input value to a ${pyStr(typeInput)} value`,
          details: `${x}, ${pyStr(val)}, ${e.message}`,
          extra_info: { input_name: x, input_config: info, received_value: val, exception_message: e.message },
        });
        continue;
      }
      if (!validateInputsOf.includes(x)) {
        const { min, max } = extra as { min?: number; max?: number };
        if (typeof min === 'number' && typeof val === 'number' && val < min) {
          errors.push({
            type: 'value_smaller_than_min',
            message: `Value ${pyStr(val)} smaller than min of ${min}`,
            details: x,
            extra_info: { input_name: x, input_config: info, received_value: val },
          });
          continue;
        }
        if (typeof max === 'number' && typeof val === 'number' && val > max) {
          errors.push({
            type: 'value_bigger_than_max',
            message: `Value ${pyStr(val)} bigger than max of ${max}`,
            details: x,
            extra_info: { input_name: x, input_config: info, received_value: val },
          });
          continue;
        }
        if (Array.isArray(typeInput)) {
          const list = typeInput.map(String);
          if (typeof val !== 'string' || !list.includes(val)) {
            const long = list.length > 20;
            errors.push({
              type: 'value_not_in_list',
              message: 'Value not in list',
              details: `${x}: '${pyStr(val)}' not in ${long ? `(list of length ${list.length})` : pyList(list)}`,
              extra_info: { input_name: x, input_config: long ? null : info, received_value: val },
            });
            continue;
          }
        }
      }
    }
  }
  if (def.validate) {
    const r = def.validate.check(inputs);
    if (r !== true) {
      for (const x of def.validate.inputs) {
        errors.push({ type: 'custom_validation_failed', message: 'Custom validation failed for node', details: `${x} - ${r}`, extra_info: { input_name: x } });
      }
    }
  }
  const ret: [boolean, Reason[], string] = errors.length > 0 || !valid ? [false, errors, id] : [true, [], id];
  validated.set(id, ret);
  return ret;
}

type Validation =
  | { ok: true; outputs: string[]; nodeErrors: Record<string, unknown> }
  | { ok: false; error: Reason; nodeErrors: Record<string, unknown> };

function validatePrompt(defs: Record<string, NodeDef>, prompt: Graph, warnings: string[]): Validation {
  const outputs: string[] = [];
  for (const [x, node] of Object.entries(prompt)) {
    const title = typeof node?._meta?.title === 'string' ? node._meta.title : undefined;
    if (!node || typeof node !== 'object' || typeof node.class_type !== 'string') {
      return {
        ok: false,
        error: {
          type: 'missing_node_type',
          message: `Node '${title ?? `ID #${x}`}' has no class_type. The workflow may be corrupted or a custom node is missing.`,
          details: `Node ID '#${x}'`,
          extra_info: { node_id: x, class_type: null, node_title: title ?? null },
        },
        nodeErrors: {},
      };
    }
    const def = defs[node.class_type];
    if (!def) {
      return {
        ok: false,
        error: {
          type: 'missing_node_type',
          message: `Node '${title ?? node.class_type}' not found. The custom node may not be installed.`,
          details: `Node ID '#${x}'`,
          extra_info: { node_id: x, class_type: node.class_type, node_title: title ?? node.class_type },
        },
        nodeErrors: {},
      };
    }
    if (def.outputNode) outputs.push(x);
  }
  if (outputs.length === 0) {
    return { ok: false, error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }, nodeErrors: {} };
  }
  const good: string[] = [];
  const errors: Array<[string, Reason[]]> = [];
  const nodeErrors: Record<string, { errors: Reason[]; dependent_outputs: string[]; class_type: string }> = {};
  const validated: Validated = new Map();
  for (const o of outputs) {
    let valid = false;
    let reasons: Reason[] = [];
    try {
      const m = validateInputs(defs, prompt, o, validated, warnings);
      valid = m[0];
      reasons = m[1];
    } catch (ex) {
      const e = ex as PyError;
      reasons = [{ type: 'exception_during_validation', message: 'Exception when validating node', details: e.message, extra_info: { exception_type: e.pyType ?? 'Exception', traceback: [] } }];
      validated.set(o, [false, reasons, o]);
    }
    if (valid) {
      good.push(o);
    } else {
      errors.push([o, reasons]);
      for (const [nodeId, [ok, rs]] of validated) {
        if (!ok && rs.length > 0) {
          nodeErrors[nodeId] ??= { errors: rs, dependent_outputs: [], class_type: prompt[nodeId]!.class_type as string };
          nodeErrors[nodeId].dependent_outputs.push(o);
        }
      }
    }
  }
  if (good.length === 0) {
    const lines = errors.flatMap(([, rs]) => rs.map((r) => `${r.message}: ${r.details}`));
    return {
      ok: false,
      error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details: lines.join('\n'), extra_info: {} },
      nodeErrors,
    };
  }
  return { ok: true, outputs: good, nodeErrors };
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

class Interrupted extends Error {}
class NodeFailure extends Error {
  constructor(
    readonly exceptionType: string,
    message: string,
  ) {
    super(message);
  }
}

interface QueueItem {
  number: number;
  prompt_id: string;
  prompt: Graph;
  extra_data: Record<string, unknown>;
  outputs: string[];
}

type Latent = { width: number; height: number; batch: number; seed?: number; init?: Buffer };
type Value = Latent | { image: Buffer; width: number; height: number } | null;

const now = () => Date.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function colourOf(seed: number, index: number): { r: number; g: number; b: number } {
  const h = createHash('sha256').update(`${seed}:${index}`).digest();
  return { r: h[0]!, g: h[1]!, b: h[2]! };
}

export class FakeComfyUi {
  url = '';
  readonly options: FakeComfyOptions;
  faults: FakeComfyFaults;
  checkpoints: string[];
  unets: string[];
  textEncoders: string[];
  vaes: string[];
  /** Files by `<type>/<subfolder>/<name>` (type input | output | temp). */
  readonly files = new Map<string, Buffer>();
  readonly requests: RecordedRequest[] = [];
  /** Prompts accepted by POST /prompt. */
  readonly prompts: PromptRecord[] = [];
  /** 400 answers of POST /prompt. */
  readonly rejections: Array<{ body: unknown; answer: unknown }> = [];
  readonly interrupts: Array<{ prompt_id?: string; interrupted: boolean }> = [];
  readonly queueDeletes: string[] = [];
  readonly uploads: Array<{ filename: string; name: string; type: string; subfolder: string; overwrite?: string }> = [];
  /** Things a real server would silently ignore (unknown inputs): a strict test expects none. */
  readonly warnings: string[] = [];
  readonly history = new Map<string, HistoryEntry>();
  /** Sockets by client id (a new socket with the same id replaces the old one, as in ComfyUI). */
  readonly sockets = new Map<string, WebSocket>();
  socketConnects = 0;

  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly pending: QueueItem[] = [];
  private running: QueueItem | null = null;
  private interruptFlag = false;
  private lastNodeId: string | null = null;
  private number = 0;
  private refuseSockets = false;
  private progressSent = new Map<string, number>();
  private holds: Array<() => void> = [];
  private working = false;
  private closed = false;
  private previewCache = new Map<string, Buffer>();

  constructor(options: FakeComfyOptions = {}) {
    this.options = options;
    this.faults = { ...options.faults };
    this.checkpoints = options.checkpoints ?? ['sd_xl_base_1.0.safetensors', 'v1-5-pruned-emaonly.safetensors'];
    this.unets = options.unets ?? ['flux1-dev.safetensors', 'flux1-schnell.safetensors'];
    this.textEncoders = options.textEncoders ?? ['clip_l.safetensors', 't5xxl_fp16.safetensors'];
    this.vaes = options.vaes ?? ['ae.safetensors', 'sdxl_vae.safetensors'];
    for (const [name, data] of Object.entries(options.inputs ?? {})) this.files.set(`input//${name}`, data);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`500 Internal Server Error\n\nServer got itself in trouble: ${(err as Error).message}`);
      });
    });
    this.server.on('upgrade', (req, socket: Socket, head) => this.upgrade(req, socket, head));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${this.options.basePath ?? ''}`;
    return this;
  }

  /** Stops listening: later requests get ECONNREFUSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.interruptFlag = true;
    this.release();
    for (const ws of this.wss.clients) ws.terminate();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    this.wss.close();
  }

  /** Lets runs held at `faults.holdAtStep` go on. */
  release(): void {
    const holds = this.holds.splice(0);
    for (const h of holds) h();
  }

  /** The route requests made, e.g. `calls('POST', '/prompt')`. */
  calls(method: string, route: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.route === route);
  }

  get queueRunning(): string[] {
    return this.running ? [this.running.prompt_id] : [];
  }

  get queuePending(): string[] {
    return this.pending.map((p) => p.prompt_id);
  }

  // ---- HTTP ----------------------------------------------------------------

  private route(rawUrl: string): { route: string; api: boolean; query: Record<string, string> } | null {
    const u = new URL(rawUrl, 'http://x');
    let path = u.pathname;
    const base = this.options.basePath ?? '';
    if (base) {
      if (!path.startsWith(`${base}/`)) return null;
      path = path.slice(base.length);
    }
    const api = path.startsWith('/api/');
    if (api) path = path.slice(4);
    return { route: path, api, query: Object.fromEntries(u.searchParams) };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const r = this.route(req.url ?? '/');
    const method = req.method ?? 'GET';
    if (this.faults.responseDelayMs) await sleep(this.faults.responseDelayMs);
    if (!r) return this.text(res, 404, '404: Not Found');
    const record: RecordedRequest = { method, route: r.route, api: r.api, query: r.query };
    const type = req.headers['content-type'] ?? '';
    if (raw.length > 0 && !type.startsWith('multipart/')) {
      try {
        record.body = JSON.parse(raw.toString('utf8'));
      } catch {
        record.body = raw.toString('utf8');
      }
    }
    this.requests.push(record);

    if (method === 'GET' && (this.faults.transientGetFailures ?? 0) > 0) {
      this.faults.transientGetFailures! -= 1;
      return this.text(res, 503, '503: Service Unavailable');
    }

    const { route, query } = r;
    const seg = route.split('/').filter(Boolean);
    const is = (m: string, p: string) => method === m && route === p;

    if (is('GET', '/system_stats')) {
      if (this.faults.statsStatus) return this.text(res, this.faults.statsStatus, `${this.faults.statsStatus}: error`);
      return this.json(res, 200, {
        system: {
          os: 'posix',
          ram_total: 67_000_000_000,
          ram_free: 50_000_000_000,
          comfyui_version: '0.3.66',
          python_version: '3.12.3 (main) [GCC 13.2.0]',
          pytorch_version: '2.8.0+cu128',
          embedded_python: false,
          argv: ['main.py', '--listen', '0.0.0.0'],
        },
        devices: [
          {
            name: 'cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync',
            type: 'cuda',
            index: 0,
            vram_total: 25_393_692_672,
            vram_free: 23_000_000_000,
            torch_vram_total: 0,
            torch_vram_free: 0,
          },
        ],
      });
    }
    if (method === 'GET' && seg[0] === 'object_info') {
      const defs = nodeDefs(this);
      if (seg.length === 1) return this.json(res, 200, Object.fromEntries(Object.entries(defs).map(([k, d]) => [k, nodeInfo(k, d)])));
      const cls = decodeURIComponent(seg.slice(1).join('/'));
      return this.json(res, 200, defs[cls] ? { [cls]: nodeInfo(cls, defs[cls]) } : {});
    }
    if (method === 'GET' && seg[0] === 'models') {
      const folders: Record<string, string[]> = {
        checkpoints: this.checkpoints,
        diffusion_models: this.unets,
        text_encoders: this.textEncoders,
        vae: this.vaes,
        loras: [],
        configs: [],
        upscale_models: [],
        embeddings: [],
      };
      if (seg.length === 1) return this.json(res, 200, Object.keys(folders));
      const list = folders[seg[1]!];
      return list ? this.json(res, 200, list) : this.text(res, 404, '404: Not Found');
    }
    if (is('GET', '/embeddings')) return this.json(res, 200, []);
    if (is('GET', '/prompt')) return this.json(res, 200, { exec_info: { queue_remaining: this.remaining() } });
    if (is('POST', '/prompt')) return this.postPrompt(res, record.body);
    if (is('GET', '/queue')) {
      const row = (q: QueueItem) => [q.number, q.prompt_id, q.prompt, q.extra_data, q.outputs];
      return this.json(res, 200, { queue_running: this.running ? [row(this.running)] : [], queue_pending: this.pending.map(row) });
    }
    if (is('POST', '/queue')) {
      const body = (record.body ?? {}) as { clear?: boolean; delete?: string[] };
      if (body.clear) this.pending.splice(0);
      for (const id of body.delete ?? []) {
        this.queueDeletes.push(id);
        const i = this.pending.findIndex((p) => p.prompt_id === id);
        if (i >= 0) this.pending.splice(i, 1);
      }
      this.broadcastStatus();
      return this.text(res, 200, '');
    }
    if (is('POST', '/interrupt')) {
      const body = record.body && typeof record.body === 'object' ? (record.body as { prompt_id?: string }) : {};
      let interrupted = false;
      if (body.prompt_id) {
        if (this.running?.prompt_id === body.prompt_id) interrupted = true;
      } else if (this.running) {
        interrupted = true;
      }
      if (interrupted) {
        this.interruptFlag = true;
        this.release();
      }
      this.interrupts.push({ prompt_id: body.prompt_id, interrupted });
      return this.text(res, 200, '');
    }
    if (is('GET', '/history')) {
      return this.json(res, 200, this.faults.historyStaysEmpty ? {} : Object.fromEntries(this.history));
    }
    if (method === 'GET' && seg[0] === 'history' && seg.length === 2) {
      const id = decodeURIComponent(seg[1]!);
      const entry = this.faults.historyStaysEmpty ? undefined : this.history.get(id);
      return this.json(res, 200, entry ? { [id]: entry } : {});
    }
    if (is('POST', '/history')) {
      const body = (record.body ?? {}) as { clear?: boolean; delete?: string[] };
      if (body.clear) this.history.clear();
      for (const id of body.delete ?? []) this.history.delete(id);
      return this.text(res, 200, '');
    }
    if (is('POST', '/upload/image')) return this.upload(req, res, raw);
    if (is('GET', '/view')) return this.view(res, query);
    if (['/system_stats', '/prompt', '/queue', '/interrupt', '/history', '/upload/image', '/view'].includes(route)) {
      return this.text(res, 405, '405: Method Not Allowed');
    }
    return this.text(res, 404, '404: Not Found');
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    const data = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': data.length });
    res.end(data);
  }

  private text(res: http.ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  }

  private remaining(): number {
    return this.pending.length + (this.running ? 1 : 0);
  }

  private async postPrompt(res: http.ServerResponse, body: unknown): Promise<void> {
    if (this.faults.promptStatus) {
      return this.text(res, this.faults.promptStatus, `${this.faults.promptStatus} Internal Server Error\n\nServer got itself in trouble`);
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      // aiohttp's request.json() raising: an unhandled exception is a 500 page.
      return this.text(res, 500, '500 Internal Server Error\n\nServer got itself in trouble');
    }
    const json = body as { prompt?: unknown; client_id?: unknown; prompt_id?: unknown; extra_data?: unknown; front?: unknown; number?: unknown };
    let number: number;
    if (typeof json.number === 'number') number = json.number;
    else {
      number = json.front ? -this.number : this.number;
      this.number += 1;
    }
    if (!('prompt' in json)) {
      const answer = { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} };
      this.rejections.push({ body, answer });
      return this.json(res, 400, answer);
    }
    const prompt = JSON.parse(JSON.stringify(json.prompt ?? {})) as Graph;
    if (!prompt || typeof prompt !== 'object' || Array.isArray(prompt)) {
      return this.text(res, 500, '500 Internal Server Error\n\nServer got itself in trouble');
    }
    const promptId = !this.faults.ignorePromptId && json.prompt_id != null ? String(json.prompt_id) : randomUUID();
    const result = validatePrompt(nodeDefs(this), prompt, this.warnings);
    if (!result.ok) {
      const answer = { error: result.error, node_errors: result.nodeErrors };
      this.rejections.push({ body, answer });
      return this.json(res, 400, answer);
    }
    const extra_data: Record<string, unknown> = { ...((json.extra_data as object) ?? {}) };
    if (typeof json.client_id === 'string') extra_data.client_id = json.client_id;
    const item: QueueItem = { number, prompt_id: promptId, prompt, extra_data, outputs: result.outputs };
    this.prompts.push({ prompt_id: promptId, number, client_id: extra_data.client_id as string | undefined, prompt: prompt as PromptRecord['prompt'] });
    this.pending.push(item);
    this.broadcastStatus();
    void this.work();
    if (this.faults.promptDelayMs) await sleep(this.faults.promptDelayMs);
    return this.json(res, 200, { prompt_id: promptId, number, node_errors: result.nodeErrors });
  }

  private async upload(req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer): Promise<void> {
    let form: FormData;
    try {
      form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: raw }).formData();
    } catch {
      return this.text(res, 400, '400: Bad Request');
    }
    const image = form.get('image');
    if (!image || typeof image === 'string') return this.text(res, 400, '400: Bad Request');
    let filename = (image as File).name;
    if (!filename) return this.text(res, 400, '400: Bad Request');
    const type = String(form.get('type') ?? 'input') || 'input';
    if (!['input', 'temp', 'output'].includes(type)) return this.text(res, 400, '400: Bad Request');
    const subfolder = String(form.get('subfolder') ?? '');
    const overwrite = form.get('overwrite');
    if (filename.includes('/') || filename.includes('..') || subfolder.includes('..') || subfolder.startsWith('/')) {
      return this.text(res, 400, '400: Bad Request');
    }
    const data = Buffer.from(await (image as File).arrayBuffer());
    const key = (name: string) => `${type}/${subfolder}/${name}`;
    if (!(overwrite === 'true' || overwrite === '1')) {
      const dot = filename.lastIndexOf('.');
      const [stem, ext] = dot > 0 ? [filename.slice(0, dot), filename.slice(dot)] : [filename, ''];
      let i = 1;
      while (this.files.has(key(filename))) {
        if (this.files.get(key(filename))!.equals(data)) break; // same content: ComfyUI reuses the file
        filename = `${stem} (${i})${ext}`;
        i++;
      }
    }
    this.files.set(key(filename), data);
    this.uploads.push({ filename: (image as File).name, name: filename, type, subfolder, overwrite: overwrite === null ? undefined : String(overwrite) });
    return this.json(res, 200, { name: filename, subfolder, type });
  }

  private view(res: http.ServerResponse, query: Record<string, string>): void {
    const filename = query.filename;
    if (filename === undefined) return this.text(res, 404, '404: Not Found');
    if (filename.startsWith('/') || filename.includes('..')) return this.text(res, 400, '400: Bad Request');
    const type = query.type ?? 'output';
    if (!['input', 'temp', 'output'].includes(type)) return this.text(res, 400, '400: Bad Request');
    const subfolder = query.subfolder ?? '';
    if (subfolder.includes('..') || subfolder.startsWith('/')) return this.text(res, 403, '403: Forbidden');
    const data = this.files.get(`${type}/${subfolder}/${filename}`);
    if (!data || this.faults.view === 'missing') return this.text(res, 404, '404: Not Found');
    let body = data;
    if (this.faults.view === 'malformed') body = Buffer.from('<html><body>Internal error while reading the image</body></html>');
    if (this.faults.view === 'truncated') body = data.subarray(0, Math.floor(data.length / 2));
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': body.length, 'content-disposition': `filename="${filename}"` });
    res.end(body);
  }

  // ---- WebSocket -------------------------------------------------------------

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const r = this.route(req.url ?? '/');
    if (!r || r.route !== '/ws' || this.faults.noSocket || this.refuseSockets || this.closed) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.socketConnects++;
      const sid = r.query.clientId || randomUUID().replace(/-/g, '');
      this.sockets.set(sid, ws); // replaces (but does not close) an earlier socket with the same id
      ws.on('close', () => {
        if (this.sockets.get(sid) === ws) this.sockets.delete(sid);
      });
      this.sendJson(ws, 'status', { status: { exec_info: { queue_remaining: this.remaining() } }, sid });
      if (this.running?.extra_data.client_id === sid && this.lastNodeId !== null) {
        this.sendJson(ws, 'executing', { node: this.lastNodeId });
      }
    });
  }

  private sendJson(ws: WebSocket | undefined, type: string, data: unknown): void {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type, data }));
  }

  /** To the prompt's client only; nothing when the prompt has no client_id (or its socket is gone). */
  private toClient(item: QueueItem, type: string, data: unknown): void {
    const cid = item.extra_data.client_id;
    if (typeof cid === 'string') this.sendJson(this.sockets.get(cid), type, data);
  }

  private broadcastStatus(): void {
    for (const ws of this.sockets.values()) this.sendJson(ws, 'status', { status: { exec_info: { queue_remaining: this.remaining() } } });
  }

  // ---- Execution -------------------------------------------------------------

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (!this.closed && this.pending.length > 0) {
        this.pending.sort((a, b) => a.number - b.number);
        const item = this.pending.shift()!;
        this.running = item;
        this.interruptFlag = false;
        this.broadcastStatus();
        await this.execute(item);
        this.running = null;
        this.lastNodeId = null;
        this.broadcastStatus();
      }
    } finally {
      this.working = false;
    }
  }

  private order(prompt: Graph, outputs: string[]): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    const visit = (id: string) => {
      if (seen.has(id)) return;
      seen.add(id);
      for (const v of Object.values((prompt[id]!.inputs ?? {}) as Record<string, unknown>)) {
        if (Array.isArray(v) && typeof v[0] === 'string' && prompt[v[0]]) visit(v[0]);
      }
      out.push(id);
    };
    outputs.forEach(visit);
    return out;
  }

  private async execute(item: QueueItem): Promise<void> {
    const { prompt_id, prompt } = item;
    const messages: Array<[string, Record<string, unknown>]> = [];
    const message = (type: string, data: Record<string, unknown>) => {
      messages.push([type, data]);
      this.toClient(item, type, data);
    };
    message('execution_start', { prompt_id, timestamp: now() });
    message('execution_cached', { nodes: [], prompt_id, timestamp: now() });
    const values = new Map<string, Value[]>();
    const outputs: HistoryEntry['outputs'] = {};
    const executed: string[] = [];
    let current = '';
    let status: 'success' | 'error' = 'success';
    try {
      for (const id of this.order(prompt, item.outputs)) {
        current = id;
        if (this.interruptFlag) throw new Interrupted();
        this.lastNodeId = id;
        this.toClient(item, 'executing', { node: id, display_node: id, prompt_id });
        const node = prompt[id]!;
        const result = await this.run(item, id, node.class_type as string, node.inputs as Record<string, unknown>, values);
        values.set(id, result.values);
        if (result.ui) {
          outputs[id] = result.ui;
          this.toClient(item, 'executed', { node: id, display_node: id, output: result.ui, prompt_id });
        }
        executed.push(id);
      }
      message('execution_success', { prompt_id, timestamp: now() });
    } catch (err) {
      status = 'error';
      const classType = (prompt[current]?.class_type as string) ?? '';
      if (err instanceof Interrupted) {
        message('execution_interrupted', { prompt_id, node_id: current, node_type: classType, executed, timestamp: now() });
      } else {
        const e = err as NodeFailure;
        message('execution_error', {
          prompt_id,
          node_id: current,
          node_type: classType,
          executed,
          exception_message: e.message,
          exception_type: e.exceptionType ?? 'Exception',
          traceback: ['  File "/ComfyUI/execution.py", line 496, in execute\n', '    output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(...)\n'],
          current_inputs: {},
          current_outputs: {},
          timestamp: now(),
        });
      }
    }
    // As in main.py prompt_worker: history is written after execution_success, then `executing null`.
    await sleep(2);
    if (!this.faults.historyStaysEmpty) {
      this.history.set(prompt_id, {
        prompt: [item.number, prompt_id, prompt, item.extra_data, item.outputs],
        outputs,
        status: { status_str: status, completed: status === 'success', messages },
        meta: Object.fromEntries(Object.keys(outputs).map((id) => [id, { node_id: id, display_node: id, parent_node: null, real_node_id: id }])),
      });
    }
    this.toClient(item, 'executing', { node: null, prompt_id });
  }

  private fail(classType: string): void {
    const f = this.faults.executionError;
    if (f && (f.classType ?? 'KSampler') === classType) throw new NodeFailure(f.exceptionType ?? 'RuntimeError', f.message);
  }

  private async run(
    item: QueueItem,
    id: string,
    classType: string,
    inputs: Record<string, unknown>,
    values: Map<string, Value[]>,
  ): Promise<{ values: Value[]; ui?: { images: HistoryImage[] } }> {
    const input = (name: string): Value => {
      const v = inputs[name];
      return Array.isArray(v) ? (values.get(v[0] as string)?.[v[1] as number] ?? null) : null;
    };
    if (classType !== 'KSampler') this.fail(classType);
    switch (classType) {
      case 'EmptyLatentImage':
      case 'EmptySD3LatentImage':
        return { values: [{ width: Number(inputs.width), height: Number(inputs.height), batch: Number(inputs.batch_size) }] };
      case 'LoadImage': {
        const data = this.files.get(`input//${String(inputs.image)}`)!;
        const meta = await sharp(data).metadata();
        return { values: [{ image: data, width: meta.width ?? 64, height: meta.height ?? 64 }, null] };
      }
      case 'VAEEncode': {
        const px = input('pixels') as { image: Buffer; width: number; height: number };
        // vae_encode_crop_pixels: the image is cropped to a multiple of 8.
        return { values: [{ width: Math.floor(px.width / 8) * 8, height: Math.floor(px.height / 8) * 8, batch: 1, init: px.image }] };
      }
      case 'RepeatLatentBatch': {
        const l = input('samples') as Latent;
        return { values: [{ ...l, batch: l.batch * Number(inputs.amount) }] };
      }
      case 'KSampler': {
        const l = input('latent_image') as Latent;
        const steps = Number(inputs.steps);
        const every = this.options.previewEvery ?? 2;
        for (let step = 1; step <= steps; step++) {
          if (this.interruptFlag) throw new Interrupted();
          if (this.faults.holdAtStep === step) {
            await new Promise<void>((resolve) => this.holds.push(resolve));
            if (this.interruptFlag) throw new Interrupted();
          }
          await sleep(this.options.stepDelayMs ?? 1);
          if (this.interruptFlag) throw new Interrupted();
          if (step === 1) this.fail('KSampler');
          this.progress(item, id, step, steps);
          if (step % every === 0 && step < steps) await this.preview(item, Number(inputs.seed), l);
        }
        return { values: [{ ...l, seed: Number(inputs.seed) }] };
      }
      case 'VAEDecode': {
        const l = input('samples') as Latent;
        return { values: [l] };
      }
      case 'SaveImage': {
        const l = input('images') as Latent;
        const images = await this.save(item, String(inputs.filename_prefix), l);
        return { values: [], ui: { images } };
      }
      default:
        return { values: [null, null, null] };
    }
  }

  private progress(item: QueueItem, node: string, value: number, max: number): void {
    const data = { value, max, prompt_id: item.prompt_id, node };
    const cid = item.extra_data.client_id;
    if (typeof cid === 'string') this.sendJson(this.sockets.get(cid), 'progress', data);
    else for (const ws of this.sockets.values()) this.sendJson(ws, 'progress', data); // sid None: broadcast
    if (typeof cid === 'string') {
      this.toClient(item, 'progress_state', { prompt_id: item.prompt_id, nodes: { [node]: { value, max, state: 'running', node_id: node, prompt_id: item.prompt_id } } });
    }
    const n = (this.progressSent.get(item.prompt_id) ?? 0) + 1;
    this.progressSent.set(item.prompt_id, n);
    const drop = this.faults.dropSocketAfterProgress;
    if (drop !== undefined && n >= drop && typeof cid === 'string') {
      this.refuseSockets = true;
      this.sockets.get(cid)?.terminate();
    }
  }

  /** Binary frame: [u32 BE event 1 PREVIEW_IMAGE][u32 BE format 1 = JPEG][JPEG bytes]. */
  private async preview(item: QueueItem, seed: number, l: Latent): Promise<void> {
    const w = Math.max(8, Math.round(l.width / 8));
    const h = Math.max(8, Math.round(l.height / 8));
    const key = `${seed}:${w}x${h}`;
    let jpeg = this.previewCache.get(key);
    if (!jpeg) {
      jpeg = await sharp({ create: { width: w, height: h, channels: 3, background: colourOf(seed, 0) } }).jpeg({ quality: 95 }).toBuffer();
      this.previewCache.set(key, jpeg);
    }
    const header = Buffer.alloc(8);
    header.writeUInt32BE(1, 0);
    header.writeUInt32BE(1, 4);
    const frame = Buffer.concat([header, jpeg]);
    const cid = item.extra_data.client_id;
    const targets = typeof cid === 'string' ? [this.sockets.get(cid)] : [...this.sockets.values()];
    for (const ws of targets) if (ws && ws.readyState === WebSocket.OPEN) ws.send(frame);
  }

  /** folder_paths.get_save_image_path + SaveImage.save_images: `<prefix>_<counter:05>_.png`, one counter per image. */
  private async save(item: QueueItem, prefix: string, l: Latent): Promise<HistoryImage[]> {
    const slash = prefix.lastIndexOf('/');
    const subfolder = slash >= 0 ? prefix.slice(0, slash) : '';
    const base = slash >= 0 ? prefix.slice(slash + 1) : prefix;
    const re = new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}_(\\d+)_\\.png$`);
    let counter = 1;
    for (const key of this.files.keys()) {
      const [type, sub, name] = key.split('/');
      const m = type === 'output' && sub === subfolder ? re.exec(name ?? '') : null;
      if (m) counter = Math.max(counter, Number(m[1]) + 1);
    }
    const images: HistoryImage[] = [];
    for (let i = 0; i < l.batch; i++) {
      const background = colourOf(l.seed ?? 0, i);
      let png: Buffer;
      if (l.init) {
        png = await sharp(l.init)
          .resize(l.width, l.height, { fit: 'cover' })
          .removeAlpha()
          .composite([{ input: { create: { width: l.width, height: l.height, channels: 4, background: { ...background, alpha: 0.5 } } } }])
          .png()
          .toBuffer();
      } else {
        png = await sharp({ create: { width: l.width, height: l.height, channels: 3, background } }).png().toBuffer();
      }
      png = writePngTextChunks(png, [{ keyword: 'prompt', text: JSON.stringify(item.prompt) }]);
      const filename = `${base}_${String(counter).padStart(5, '0')}_.png`;
      counter++;
      this.files.set(`output/${subfolder}/${filename}`, png);
      images.push({ filename, subfolder, type: 'output' });
    }
    return images;
  }
}

export async function startFakeComfyUi(options: FakeComfyOptions = {}): Promise<FakeComfyUi> {
  return new FakeComfyUi(options).start();
}
