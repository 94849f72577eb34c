import type { ImageNode } from '@imageflow/shared';
import { makeNode } from './image-node';

/** What the server reads from the real AUTOMATIC1111 file a1111_txt2img_negative_1x1.png (stated 512 × 400, 1 × 1 pixels). */
export const A1111_RECIPE = {
  tool: 'automatic1111',
  tool_version: null,
  found_in: 'parameters',
  prompt: 'photo of a duck',
  negative_prompt: 'monochrome',
  seed: 235284042,
  steps: 15,
  cfg: 5,
  flux_guidance: null,
  sampler: 'UniPC',
  sampler_id: 'uni_pc',
  scheduler: null,
  model: 'realistic_realisticVisionV20_v20',
  model_hash: 'c0d1994c73',
  width: 512,
  height: 400,
  denoising_strength: null,
  hires: null,
  loras: [],
  clip_skip: null,
  source_image: null,
  extra: {},
};

/** The real ComfyUI FLUX file comfyui_flux_dev_checkpoint_ksampler.png: a seed beyond ours, CFG 1 beside FLUX guidance 3.5. */
export const COMFYUI_RECIPE = {
  ...A1111_RECIPE,
  tool: 'comfyui',
  found_in: 'prompt',
  prompt: 'cute anime girl with massive fluffy fennec ears',
  negative_prompt: '',
  seed: 972054013131368,
  steps: 20,
  cfg: 1,
  flux_guidance: 3.5,
  sampler: 'euler',
  sampler_id: 'euler',
  scheduler: 'simple',
  model: 'flux1-dev-fp8.safetensors',
  model_hash: null,
  width: 1024,
  height: 1024,
  extra: { sampler_node: '31', sampler_class: 'KSampler', latent_source: 'EmptySD3LatentImage', denoise: '1' },
};

/** An upload whose file states `recipe`, as the API answers it. */
export function importedNode(recipe: Record<string, unknown>, overrides: Partial<ImageNode> = {}): ImageNode {
  const id = overrides.id ?? 10;
  return makeNode({
    id,
    root_id: id,
    action_type: 'upload',
    model: 'upload',
    provider: 'upload',
    prompt: (recipe.prompt as string) ?? '',
    negative_prompt: (recipe.negative_prompt as string) ?? '',
    seed: null,
    width: 1,
    height: 1,
    request_params: { original_filename: 'duck.png', bytes: 272 },
    spec_json: { width: 512, height: 400, steps: 15, guidance: 5, sampler: 'uni_pc', seed: 235284042, imported: recipe },
    original: { url: `/originals/orig_${id}.png`, sha256: 'cd'.repeat(32), bytes: 272, content_type: 'image/png' },
    filename: `upload_${id}.png`,
    url: `/images/upload_${id}.png`,
    thumbnail_url: `/thumbs/upload_${id}.webp`,
    ...overrides,
  });
}

export const a1111Node = (overrides: Partial<ImageNode> = {}) => importedNode(A1111_RECIPE, overrides);

export const comfyNode = (overrides: Partial<ImageNode> = {}) =>
  importedNode(COMFYUI_RECIPE, {
    id: 11,
    width: 1024,
    height: 1024,
    request_params: { original_filename: 'ComfyUI_00001_.png', bytes: 1206198 },
    spec_json: { width: 1024, height: 1024, steps: 20, guidance: 3.5, sampler: 'euler', model: 'flux-dev', imported: COMFYUI_RECIPE },
    ...overrides,
  });
