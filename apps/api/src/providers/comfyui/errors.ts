/**
 * Pure: ComfyUI's error payloads turned into messages a person can act on.
 *
 * POST /prompt answers 400 with `{"error": {type, message, details, extra_info}, "node_errors":
 * {"<id>": {errors: [{type, message, details, extra_info: {input_name, received_value, ...}}],
 * dependent_outputs, class_type}}}` (execution.validate_prompt; very old servers sent `"error":
 * "no prompt"` as a bare string). A run that fails reports `execution_error {node_id, node_type,
 * exception_message, exception_type, traceback}` on the socket and in /history status.messages.
 */
import type { ModelName } from '@imageflow/shared';
import type { ApiGraph } from './graphs.ts';

export interface ComfyValidationError {
  type: string;
  message: string;
  details?: string;
  extra_info?: Record<string, unknown>;
}

export interface ComfyNodeErrors {
  errors: ComfyValidationError[];
  dependent_outputs?: string[];
  class_type?: string;
}

export interface ComfyPromptRejection {
  error?: ComfyValidationError | string;
  node_errors?: Record<string, ComfyNodeErrors> | unknown[];
}

export interface ComfyExecutionError {
  prompt_id?: string;
  node_id?: string;
  node_type?: string;
  exception_message?: string;
  exception_type?: string;
  traceback?: string[];
}

/** Inputs that name a model file, with the models folder they come from and our config key. */
export const MODEL_INPUTS: Record<string, { folder: string; configKey?: string }> = {
  ckpt_name: { folder: 'checkpoints', configKey: 'checkpoint' },
  unet_name: { folder: 'diffusion_models', configKey: 'unet' },
  clip_name: { folder: 'text_encoders' },
  clip_name1: { folder: 'text_encoders', configKey: 'clip' },
  clip_name2: { folder: 'text_encoders', configKey: 'clip' },
  vae_name: { folder: 'vae', configKey: 'vae' },
  lora_name: { folder: 'loras' },
  control_net_name: { folder: 'controlnet' },
  model_name: { folder: 'upscale_models' },
};

/**
 * Parses a Python `str(list)` of strings, as in value_not_in_list details
 * ("ckpt_name: 'x' not in ['a.safetensors', \"it's.safetensors\"]"). Undefined when it is not one.
 */
export function parsePythonStringList(text: string): string[] | undefined {
  const s = text.trim();
  if (!s.startsWith('[') || !s.endsWith(']')) return undefined;
  const out: string[] = [];
  let i = 1;
  const skipSpace = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  skipSpace();
  if (s[i] === ']') return i === s.length - 1 ? [] : undefined;
  for (;;) {
    skipSpace();
    const quote = s[i];
    if (quote !== "'" && quote !== '"') return undefined;
    i++;
    let value = '';
    for (;;) {
      if (i >= s.length) return undefined;
      const c = s[i]!;
      if (c === '\\') {
        const n = s[i + 1];
        if (n === undefined) return undefined;
        value += n === 'n' ? '\n' : n === 't' ? '\t' : n;
        i += 2;
        continue;
      }
      if (c === quote) {
        i++;
        break;
      }
      value += c;
      i++;
    }
    out.push(value);
    skipSpace();
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === ']' && i === s.length - 1) return out;
    return undefined;
  }
}

/** A combo's options from an object_info input spec: `[[...options], {...}]` or V3's `["COMBO", {options}]`. */
export function comboOptions(spec: unknown): string[] | undefined {
  if (!Array.isArray(spec)) return undefined;
  const [first, second] = spec as [unknown, unknown];
  if (Array.isArray(first)) return first.map(String);
  if (first === 'COMBO' && second && typeof second === 'object') {
    const options = (second as { options?: unknown }).options;
    if (Array.isArray(options)) return options.map(String);
  }
  return undefined;
}

/** The options a value_not_in_list error listed, or undefined when ComfyUI elided them (more than 20). */
export function listedOptions(error: ComfyValidationError): string[] | undefined {
  const fromConfig = comboOptions(error.extra_info?.input_config);
  if (fromConfig) return fromConfig;
  const details = error.details ?? '';
  const at = details.indexOf(' not in ');
  if (at < 0) return undefined;
  return parsePythonStringList(details.slice(at + ' not in '.length));
}

export function nodeErrorsOf(body: ComfyPromptRejection): Array<[string, ComfyNodeErrors]> {
  const ne = body.node_errors;
  if (!ne || Array.isArray(ne) || typeof ne !== 'object') return [];
  return Object.entries(ne).filter(([, v]) => v && Array.isArray(v.errors));
}

/** The value_not_in_list errors whose options ComfyUI did not list: look them up in /object_info/{class}. */
export function unlistedChoices(body: ComfyPromptRejection): Array<{ classType: string; inputName: string }> {
  const out: Array<{ classType: string; inputName: string }> = [];
  for (const [, node] of nodeErrorsOf(body)) {
    for (const e of node.errors) {
      const inputName = e.extra_info?.input_name;
      if (e.type === 'value_not_in_list' && node.class_type && typeof inputName === 'string' && !listedOptions(e)) {
        out.push({ classType: node.class_type, inputName });
      }
    }
  }
  return out;
}

export interface DescribeContext {
  /** The server's base URL, for messages. */
  url: string;
  /** The backend's name in configuration. */
  backend: string;
  /** Our model, to name the config key (models.sdxl.checkpoint). */
  model?: ModelName;
  /** The graph sent, to name nodes by title. */
  graph?: ApiGraph;
  /** The user workflow file the graph came from, if any. */
  workflow?: string;
  /** Options of a combo input looked up in /object_info when the error elided them. */
  choices?: (classType: string, inputName: string) => string[] | undefined;
}

function listNames(names: string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

function nodeName(id: string, classType: string | undefined, ctx: DescribeContext): string {
  const title = ctx.graph?.[id]?._meta?.title;
  const cls = classType ?? ctx.graph?.[id]?.class_type ?? 'unknown';
  return title && title !== cls ? `node ${id} (${cls} "${title}")` : `node ${id} (${cls})`;
}

function describeValidationError(id: string, node: ComfyNodeErrors, e: ComfyValidationError, ctx: DescribeContext): string {
  const where = nodeName(id, node.class_type, ctx);
  const inputName = typeof e.extra_info?.input_name === 'string' ? e.extra_info.input_name : undefined;
  const received = e.extra_info?.received_value;
  if (e.type === 'value_not_in_list' && inputName) {
    const options = listedOptions(e) ?? (node.class_type ? ctx.choices?.(node.class_type, inputName) : undefined);
    const has = options ? `; it has: ${listNames(options)}` : '';
    const model = MODEL_INPUTS[inputName];
    if (model) {
      const fix = ctx.workflow
        ? `Edit ${where} in the workflow file ${ctx.workflow} to use one of them`
        : model.configKey && ctx.model
          ? `Set models.${ctx.model}.${model.configKey} for backend '${ctx.backend}' in imageflow.config.json to one of them`
          : 'Choose one of them';
      return `model '${String(received)}' is not installed on the ComfyUI server at ${ctx.url} (${where}, input ${inputName})${has}. ${fix}, or copy the file into ComfyUI's models/${model.folder} folder and restart ComfyUI.`;
    }
    const what = inputName === 'sampler_name' ? 'sampler' : inputName === 'scheduler' ? 'scheduler' : `value for ${inputName}`;
    return `${what} '${String(received)}' is not available on the ComfyUI server at ${ctx.url} (${where})${options ? `; it offers: ${listNames(options)}` : ''}. Updating ComfyUI may add it.`;
  }
  if (node.class_type === 'LoadImage' && e.type === 'custom_validation_failed') {
    return `the init image is missing on the ComfyUI server at ${ctx.url} (${where}): ${e.details ?? e.message}. It was uploaded just before; check that ComfyUI's input folder is writable and not cleaned while jobs run.`;
  }
  if (e.type === 'required_input_missing') {
    return `${where} is missing its required input "${e.details ?? inputName}"${ctx.workflow ? ` (edit ${ctx.workflow})` : ''}`;
  }
  if (e.type === 'return_type_mismatch') {
    return `${where} has a wrongly wired input: ${e.details ?? e.message}${ctx.workflow ? ` (edit ${ctx.workflow})` : ''}`;
  }
  const detail = e.details ? `${e.message}: ${e.details}` : e.message;
  return `${where}${inputName ? ` input ${inputName}` : ''}: ${detail}`;
}

/** One message for a POST /prompt rejection (400). */
export function describePromptRejection(body: unknown, ctx: DescribeContext): string {
  const b = (body && typeof body === 'object' ? body : {}) as ComfyPromptRejection;
  const items: string[] = [];
  for (const [id, node] of nodeErrorsOf(b)) {
    for (const e of node.errors) items.push(describeValidationError(id, node, e, ctx));
  }
  if (items.length > 0) return `ComfyUI at ${ctx.url} rejected the job: ${items.join('; ')}`;

  const error = b.error;
  if (typeof error === 'string') return `ComfyUI at ${ctx.url} rejected the job: ${error}`;
  if (!error || typeof error !== 'object') return `ComfyUI at ${ctx.url} rejected the job without saying why.`;
  switch (error.type) {
    case 'missing_node_type': {
      const cls = typeof error.extra_info?.class_type === 'string' ? error.extra_info.class_type : undefined;
      const what = cls ? `the node type '${cls}'` : 'a node type the job needs';
      return `ComfyUI at ${ctx.url} does not have ${what} (${error.details ?? error.message}). ${
        ctx.workflow
          ? `Install the custom node the workflow ${ctx.workflow} needs (ComfyUI Manager → Install Missing Custom Nodes) or remove it from the workflow.`
          : 'Update ComfyUI to a current version.'
      }`;
    }
    case 'prompt_no_outputs':
      return `ComfyUI at ${ctx.url} rejected the job: the workflow has no output node${ctx.workflow ? `; add a SaveImage node to ${ctx.workflow}` : ''}.`;
    case 'invalid_prompt_id':
    case 'no_prompt':
    default: {
      const detail = error.details && error.details !== error.message ? `${error.message}: ${error.details}` : error.message;
      return `ComfyUI at ${ctx.url} rejected the job: ${detail}`;
    }
  }
}

/** One message for a failed run (execution_error). */
export function describeExecutionError(data: ComfyExecutionError, ctx: DescribeContext): string {
  const where = data.node_id ? nodeName(data.node_id, data.node_type, ctx) : data.node_type ? `a ${data.node_type} node` : 'a node';
  const exception = [data.exception_type, data.exception_message?.trim()].filter(Boolean).join(': ') || 'no details given';
  const text = `${data.exception_type ?? ''} ${data.exception_message ?? ''}`.toLowerCase();
  let hint = '';
  if (text.includes('out of memory') || text.includes('outofmemory')) {
    hint = ' The GPU ran out of memory: try a smaller size or batch, or start ComfyUI with --lowvram.';
  } else if (data.node_type && /Loader/.test(data.node_type)) {
    hint = ' The model file may be damaged or not the kind this loader expects.';
  }
  return `ComfyUI at ${ctx.url} failed while running ${where}: ${exception}.${hint}`;
}

/** The run was interrupted on the server, not by ImageFlow. */
export function describeInterrupted(ctx: DescribeContext): string {
  return `The job was interrupted on the ComfyUI server at ${ctx.url} (someone pressed Cancel in ComfyUI, or it was restarted). Submit it again to retry.`;
}
