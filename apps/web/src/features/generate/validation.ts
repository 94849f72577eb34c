import type { GenerationRequest, ModelInfo, SpecInput } from '@imageflow/shared';
import {
  GUIDANCE_RANGE,
  MAX_BATCH,
  MAX_PROMPT_LENGTH,
  MAX_SEED,
  MAX_SIDE,
  MIN_SIDE,
  MODEL_LABELS,
  STEPS_RANGE,
  isModelName,
  isSampler,
} from '@imageflow/shared/constants';
import { neighbouringMultiplesOf8 } from './sizes';

/** Where the new image comes from: a remix of a node's recipe, or img2img from a stored image. */
export type FormParent = { id: number; mode: 'remix' | 'img2img' };

/** The create form as typed: numbers stay strings until validated, so half-typed values are kept. */
export interface CreateFormValues {
  prompt: string;
  negativePrompt: string;
  model: string;
  width: string;
  height: string;
  steps: string;
  guidance: string;
  sampler: string;
  seed: string;
  batchSize: string;
  strength: string;
  parent: FormParent | null;
}

export type CreateFormField = Exclude<keyof CreateFormValues, 'parent'>;
export type CreateFormErrors = Partial<Record<CreateFormField, string>>;

export type CreateFormResult = { ok: true; request: GenerationRequest } | { ok: false; errors: CreateFormErrors };

export interface ValidateOptions {
  /** From GET /api/models: a model that is listed as unreachable can't be chosen. */
  models?: readonly ModelInfo[];
}

/** Field order on screen, so the first error can take focus. */
export const FIELD_ORDER: readonly CreateFormField[] = [
  'prompt',
  'negativePrompt',
  'model',
  'strength',
  'width',
  'height',
  'steps',
  'guidance',
  'sampler',
  'seed',
  'batchSize',
];

type Parsed = { value: number } | { error: string };

function parseNumber(raw: string, label: string, opts: { integer?: boolean; min: number; max: number }): Parsed {
  const text = raw.trim();
  if (text === '') return { error: `Enter ${label.toLowerCase()}.` };
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: `${label} must be a number.` };
  if (opts.integer && !Number.isInteger(value)) return { error: `${label} must be a whole number.` };
  if (value < opts.min || value > opts.max) return { error: `${label} must be between ${opts.min} and ${opts.max}.` };
  return { value };
}

function parseSide(raw: string, label: string): Parsed {
  const text = raw.trim();
  if (text === '') return { error: `Enter ${label.toLowerCase()} in pixels.` };
  const value = Number(text);
  if (!Number.isFinite(value)) return { error: `${label} must be a number of pixels.` };
  if (!Number.isInteger(value)) return { error: `${label} must be a whole number of pixels.` };
  if (value < MIN_SIDE || value > MAX_SIDE) return { error: `${label} must be between ${MIN_SIDE} and ${MAX_SIDE} pixels.` };
  if (value % 8 !== 0) {
    const [lower, upper] = neighbouringMultiplesOf8(value);
    return { error: `${label} must be a multiple of 8 — try ${lower} or ${upper}.` };
  }
  return { value };
}

/**
 * Checks the create form and builds the request for POST /api/generations.
 * Pure: the seed to use (locked or freshly drawn) is already in `values.seed`.
 */
export function validateCreateForm(values: CreateFormValues, options: ValidateOptions = {}): CreateFormResult {
  const errors: CreateFormErrors = {};
  const take = (field: CreateFormField, parsed: Parsed): number | undefined => {
    if ('error' in parsed) {
      errors[field] = parsed.error;
      return undefined;
    }
    return parsed.value;
  };

  const prompt = values.prompt.trim();
  if (!prompt) errors.prompt = 'Describe the image you want: the prompt must not be empty.';
  else if (prompt.length > MAX_PROMPT_LENGTH) errors.prompt = `The prompt is limited to ${MAX_PROMPT_LENGTH} characters (it has ${prompt.length}).`;

  if (values.negativePrompt.length > MAX_PROMPT_LENGTH) {
    errors.negativePrompt = `The negative prompt is limited to ${MAX_PROMPT_LENGTH} characters (it has ${values.negativePrompt.length}).`;
  }

  const model = values.model;
  if (!isModelName(model)) {
    errors.model = 'Choose a model.';
  } else {
    const info = options.models?.find((m) => m.name === model);
    if (info && !info.reachable) {
      errors.model = `${info.label ?? MODEL_LABELS[model]} is unreachable${info.message ? `: ${info.message}` : ''}. Choose another model.`;
    }
  }

  const width = take('width', parseSide(values.width, 'Width'));
  const height = take('height', parseSide(values.height, 'Height'));
  const steps = take('steps', parseNumber(values.steps, 'Steps', { integer: true, ...STEPS_RANGE }));
  const guidance = take('guidance', parseNumber(values.guidance, 'Guidance', GUIDANCE_RANGE));
  if (!isSampler(values.sampler)) errors.sampler = 'Choose a sampler.';
  const seed =
    values.seed.trim() === ''
      ? (errors.seed = 'Enter a seed, or unlock it to draw a random one for each run.', undefined)
      : take('seed', parseNumber(values.seed, 'Seed', { integer: true, min: 0, max: MAX_SEED }));
  const batchSize = take('batchSize', parseNumber(values.batchSize, 'Batch size', { integer: true, min: 1, max: MAX_BATCH }));
  const img2img = values.parent?.mode === 'img2img';
  const strength = img2img ? take('strength', parseNumber(values.strength, 'Strength', { min: 0, max: 1 })) : undefined;

  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const spec: SpecInput = {
    width: width!,
    height: height!,
    steps: steps!,
    guidance: guidance!,
    sampler: values.sampler as SpecInput['sampler'],
    seed: seed!,
    batch_size: batchSize!,
    ...(img2img ? { strength: strength! } : {}),
  };
  const request: GenerationRequest = {
    prompt,
    negative_prompt: values.negativePrompt.trim(),
    model: model as GenerationRequest['model'],
    spec,
    ...(values.parent ? { parent_id: values.parent.id, action_type: values.parent.mode } : {}),
  };
  return { ok: true, request };
}

/** The first field with an error, in on-screen order. */
export function firstInvalidField(errors: CreateFormErrors): CreateFormField | undefined {
  return FIELD_ORDER.find((f) => errors[f]);
}

/** A random seed in 0…MAX_SEED (the whole 32-bit range). */
export function randomSeed(random: () => number = Math.random): number {
  if (random === Math.random && typeof crypto !== 'undefined' && 'getRandomValues' in crypto) {
    return crypto.getRandomValues(new Uint32Array(1))[0]!;
  }
  return Math.floor(random() * (MAX_SEED + 1));
}
