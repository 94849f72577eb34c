/**
 * Plain values shared by the API and the web app, with no zod: the web app imports them from
 * '@imageflow/shared/constants' so its first bundle does not carry the schema library.
 */

export const MODEL_NAMES = ['sdxl', 'flux-dev', 'flux-schnell'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const ACTION_TYPES = ['generate', 'upload', 'img2img', 'variation', 'remix', 'upscale', 'edit'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** How a person reads each action. */
export const ACTION_LABELS: Record<ActionType, string> = {
  generate: 'Generated',
  upload: 'Uploaded',
  img2img: 'Image to image',
  variation: 'Variation',
  remix: 'Remix',
  upscale: 'Upscale',
  edit: 'Edit',
};

/** The label of an action, or the text itself for one this version does not know (e.g. from an imported file). */
export function actionLabel(action: string): string {
  return Object.hasOwn(ACTION_LABELS, action) ? ACTION_LABELS[action as ActionType] : action;
}

/** Actions that start a new tree; every other action needs a parent. */
export const ROOT_ACTIONS: readonly ActionType[] = ['generate', 'upload'];

export const SAMPLERS = ['euler', 'euler_a', 'heun', 'dpm_2', 'dpmpp_2m', 'dpmpp_2m_karras', 'dpmpp_sde', 'ddim', 'uni_pc'] as const;
export type Sampler = (typeof SAMPLERS)[number];

/** How AUTOMATIC1111 (and people) name each sampler. */
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

export const MIN_SIDE = 64;
export const MAX_SIDE = 2048;
export const MAX_SEED = 4_294_967_295;
export const MAX_BATCH = 8;
export const MAX_PROMPT_LENGTH = 4000;
export const STEPS_RANGE = { min: 1, max: 150 } as const;
export const GUIDANCE_RANGE = { min: 0, max: 30 } as const;
/** The largest side an upscale may produce. */
export const MAX_UPSCALED_SIDE = 8192;

/** The gallery's orders: newest first, oldest first. */
export const GALLERY_ORDERS = ['desc', 'asc'] as const;
export type GalleryOrder = (typeof GALLERY_ORDERS)[number];
/** The most images one .zip download (POST /api/images/download) may hold. */
export const MAX_DOWNLOAD_IMAGES = 500;
/** The most images one bulk action (POST /api/images/bulk: star, unstar, trash, restore) may name. */
export const MAX_BULK_IMAGES = 500;
/** What POST /api/images/bulk does to every image it names. */
export const BULK_ACTIONS = ['star', 'unstar', 'trash', 'restore'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export interface ModelDefaults {
  width: number;
  height: number;
  steps: number;
  guidance: number;
  sampler: Sampler;
  strength: number;
  batch_size: number;
}

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

/** Short prefix used in stored file names: `sdxl_{uuid}.png`, `flux_img2img_{uuid}.png`. */
export function modelFamily(model: string): string {
  if (model.startsWith('flux')) return 'flux';
  if (model.startsWith('sdxl')) return 'sdxl';
  return model.replace(/[^a-z0-9]/g, '') || 'image';
}

export function isModelName(value: string): value is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(value);
}

export function isSampler(value: string): value is Sampler {
  return (SAMPLERS as readonly string[]).includes(value);
}
