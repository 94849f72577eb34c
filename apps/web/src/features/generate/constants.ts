import type { ModelName, Sampler, Spec } from '@imageflow/shared';

// Mirrors of small constants from @imageflow/shared. Importing them at runtime would pull all of
// zod into the main bundle (~28 kB gzipped), because the shared package builds its schemas at
// module load; constants.test.ts checks that every value here still equals the shared one.

export const MIN_SIDE = 64;
export const MAX_SIDE = 2048;
export const MAX_SEED = 4_294_967_295;
export const MAX_BATCH = 8;
export const MAX_PROMPT_LENGTH = 4000;
export const STEPS_RANGE = { min: 1, max: 150 } as const;
export const GUIDANCE_RANGE = { min: 0, max: 30 } as const;

export const MODEL_NAMES: readonly ModelName[] = ['sdxl', 'flux-dev', 'flux-schnell'];

export const SAMPLERS: readonly Sampler[] = [
  'euler',
  'euler_a',
  'heun',
  'dpm_2',
  'dpmpp_2m',
  'dpmpp_2m_karras',
  'dpmpp_sde',
  'ddim',
  'uni_pc',
];

export const SAMPLER_LABELS: Record<Sampler, string> = {
  euler: 'Euler',
  euler_a: 'Euler a',
  heun: 'Heun',
  dpm_2: 'DPM2',
  dpmpp_2m: 'DPM++ 2M',
  dpmpp_2m_karras: 'DPM++ 2M Karras',
  dpmpp_sde: 'DPM++ SDE',
  ddim: 'DDIM',
  uni_pc: 'UniPC',
};

export type ModelDefaults = Omit<Spec, 'seed'>;

export const MODEL_DEFAULTS: Record<ModelName, ModelDefaults> = {
  sdxl: { width: 1024, height: 1024, steps: 30, guidance: 7, sampler: 'dpmpp_2m_karras', strength: 0.6, batch_size: 1 },
  'flux-dev': { width: 1024, height: 1024, steps: 28, guidance: 3.5, sampler: 'euler', strength: 0.7, batch_size: 1 },
  'flux-schnell': { width: 1024, height: 1024, steps: 4, guidance: 0, sampler: 'euler', strength: 0.7, batch_size: 1 },
};

export const MODEL_LABELS: Record<ModelName, string> = {
  sdxl: 'SDXL',
  'flux-dev': 'FLUX.1 [dev]',
  'flux-schnell': 'FLUX.1 [schnell]',
};

export function isModelName(value: string): value is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(value);
}

export function isSampler(value: string): value is Sampler {
  return (SAMPLERS as readonly string[]).includes(value);
}
