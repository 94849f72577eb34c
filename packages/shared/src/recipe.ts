import { z } from 'zod';
import {
  ACTION_TYPES,
  GUIDANCE_RANGE,
  MAX_BATCH,
  MAX_SEED,
  MAX_SIDE,
  MIN_SIDE,
  MODEL_DEFAULTS,
  MODEL_NAMES,
  SAMPLERS,
  STEPS_RANGE,
  type ActionType as ActionTypeName,
  type ModelName as ModelNameValue,
  type Sampler as SamplerName,
} from './constants.ts';

export {
  ACTION_TYPES,
  GUIDANCE_RANGE,
  MAX_BATCH,
  MAX_PROMPT_LENGTH,
  MAX_SEED,
  MAX_SIDE,
  MAX_UPSCALED_SIDE,
  MIN_SIDE,
  MODEL_DEFAULTS,
  MODEL_LABELS,
  MODEL_NAMES,
  ROOT_ACTIONS,
  SAMPLER_LABELS,
  SAMPLERS,
  STEPS_RANGE,
  isModelName,
  isSampler,
  modelFamily,
  type ModelDefaults,
} from './constants.ts';

export const ModelName = z.enum(MODEL_NAMES).describe('Which model to generate with.');
export type ModelName = ModelNameValue;

export const ActionType = z.enum(ACTION_TYPES).describe('How a node relates to its parent.');
export type ActionType = ActionTypeName;

export const Sampler = z.enum(SAMPLERS);
export type Sampler = SamplerName;

/** A side in pixels; every failure says the whole rule, with the nearest sizes that follow it. */
const side = (name: string) => {
  const rule = `${name} must be a multiple of 8 between ${MIN_SIDE} and ${MAX_SIDE}`;
  const error = (issue: { input: unknown }) => {
    const got = issue.input;
    if (typeof got !== 'number' || !Number.isFinite(got)) return undefined;
    const near = Math.min(MAX_SIDE, Math.max(MIN_SIDE, Math.round(got / 8) * 8));
    return `${rule}, like ${near} (got ${got})`;
  };
  return z.number().int({ error }).min(MIN_SIDE, { error, abort: true }).max(MAX_SIDE, { error, abort: true }).multipleOf(8, { error });
};

/** The normalised recipe, every field present. Stored as `spec_json`. */
export const Spec = z.object({
  width: side('width'),
  height: side('height'),
  steps: z.number().int().min(STEPS_RANGE.min).max(STEPS_RANGE.max),
  guidance: z.number().min(GUIDANCE_RANGE.min).max(GUIDANCE_RANGE.max),
  seed: z.number().int().min(0).max(MAX_SEED),
  sampler: Sampler,
  strength: z.number().min(0).max(1),
  batch_size: z.number().int().min(1).max(MAX_BATCH),
});
export type Spec = z.infer<typeof Spec>;

/** What a client may send: any subset of the recipe; the server fills the rest. */
export const SpecInput = Spec.partial().strict();
export type SpecInput = z.infer<typeof SpecInput>;

export const EditOps = z
  .object({
    crop: z
      .object({
        left: z.number().int().min(0),
        top: z.number().int().min(0),
        width: z.number().int().min(1),
        height: z.number().int().min(1),
      })
      .strict()
      .optional(),
    rotate: z
      .union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)])
      .optional()
      .describe('Clockwise rotation in degrees.'),
    flip: z.boolean().optional().describe('Mirror top to bottom.'),
    flop: z.boolean().optional().describe('Mirror left to right.'),
    brightness: z.number().min(0).max(4).optional().describe('1 keeps the image as it is.'),
    contrast: z.number().min(0).max(4).optional().describe('1 keeps the image as it is.'),
  })
  .strict()
  .refine((e) => Object.values(e).some((v) => v !== undefined), {
    message: 'edit needs at least one of crop, rotate, flip, flop, brightness, contrast',
  });
export type EditOps = z.infer<typeof EditOps>;

export const UpscaleFactor = z.union([z.literal(2), z.literal(4)]);

// The zod-free defaults must be valid recipes.
MODEL_DEFAULTS satisfies Record<ModelName, Omit<Spec, 'seed'>>;
