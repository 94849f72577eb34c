import { z } from 'zod';

export const MODEL_NAMES = ['sdxl', 'flux-dev', 'flux-schnell'] as const;
export const ModelName = z.enum(MODEL_NAMES).describe('Which model to generate with.');
export type ModelName = z.infer<typeof ModelName>;

export const ACTION_TYPES = [
  'generate',
  'upload',
  'img2img',
  'variation',
  'remix',
  'upscale',
  'edit',
] as const;
export const ActionType = z.enum(ACTION_TYPES).describe('How a node relates to its parent.');
export type ActionType = z.infer<typeof ActionType>;

/** Actions that start a new tree; every other action needs a parent. */
export const ROOT_ACTIONS: readonly ActionType[] = ['generate', 'upload'];

export const SAMPLERS = [
  'euler',
  'euler_a',
  'heun',
  'dpm_2',
  'dpmpp_2m',
  'dpmpp_2m_karras',
  'dpmpp_sde',
  'ddim',
  'uni_pc',
] as const;
export const Sampler = z.enum(SAMPLERS);
export type Sampler = z.infer<typeof Sampler>;

export const MIN_SIDE = 64;
export const MAX_SIDE = 2048;
export const MAX_SEED = 4_294_967_295;
export const MAX_BATCH = 8;
/** The largest side an upscale may produce. */
export const MAX_UPSCALED_SIDE = 8192;

const side = (name: string) =>
  z
    .number()
    .int(`${name} must be a whole number of pixels`)
    .min(MIN_SIDE, `${name} must be at least ${MIN_SIDE}`)
    .max(MAX_SIDE, `${name} must be at most ${MAX_SIDE}`)
    .refine((v) => v % 8 === 0, `${name} must be a multiple of 8 (for example 1024 or 768)`);

/** The normalised recipe, every field present. Stored as `spec_json`. */
export const Spec = z.object({
  width: side('width'),
  height: side('height'),
  steps: z.number().int().min(1).max(150),
  guidance: z.number().min(0).max(30),
  seed: z.number().int().min(0).max(MAX_SEED),
  sampler: Sampler,
  strength: z.number().min(0).max(1),
  batch_size: z.number().int().min(1).max(MAX_BATCH),
});
export type Spec = z.infer<typeof Spec>;

/** What a client may send: any subset of the recipe; the server fills the rest. */
export const SpecInput = Spec.partial().strict();
export type SpecInput = z.infer<typeof SpecInput>;

export const MODEL_DEFAULTS: Record<ModelName, Omit<Spec, 'seed'>> = {
  sdxl: {
    width: 1024,
    height: 1024,
    steps: 30,
    guidance: 7,
    sampler: 'dpmpp_2m_karras',
    strength: 0.6,
    batch_size: 1,
  },
  'flux-dev': {
    width: 1024,
    height: 1024,
    steps: 28,
    guidance: 3.5,
    sampler: 'euler',
    strength: 0.7,
    batch_size: 1,
  },
  'flux-schnell': {
    width: 1024,
    height: 1024,
    steps: 4,
    guidance: 0,
    sampler: 'euler',
    strength: 0.7,
    batch_size: 1,
  },
};

export const MODEL_LABELS: Record<ModelName, string> = {
  sdxl: 'SDXL',
  'flux-dev': 'FLUX.1 [dev]',
  'flux-schnell': 'FLUX.1 [schnell]',
};

/** Short prefix used in stored file names: `sdxl_{uuid}.png`, `flux_img2img_{uuid}.png`. */
export function modelFamily(model: string): string {
  if (model.startsWith('flux')) return 'flux';
  if (model.startsWith('sdxl')) return 'sdxl';
  return model.replace(/[^a-z0-9]/g, '') || 'image';
}

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
