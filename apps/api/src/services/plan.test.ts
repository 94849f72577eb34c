import { describe, expect, it } from 'vitest';
import { MODEL_DEFAULTS } from '@imageflow/shared';
import { fitSize, resolvePlan, type ParentRecipe } from './plan.ts';

const seed = () => 777;
const parent: ParentRecipe = {
  id: 5,
  model: 'flux-dev',
  prompt: 'a fox',
  negativePrompt: 'blurry',
  spec: { ...MODEL_DEFAULTS['flux-dev'], width: 768, height: 512, seed: 100, steps: 20 },
  seed: 100,
  actionType: 'generate',
  deleted: false,
  width: 768,
  height: 512,
};

describe('resolvePlan', () => {
  it('fills a new image from the model defaults with a fresh seed', () => {
    const plan = resolvePlan({ prompt: 'hi', model: 'flux-schnell' }, null, seed);
    expect(plan).toMatchObject({ action: 'generate', model: 'flux-schnell', parentId: null, spec: { ...MODEL_DEFAULTS['flux-schnell'], seed: 777 } });
  });

  it('derives from the parent recipe by action', () => {
    expect(resolvePlan({ parent_id: 5 }, parent, seed)).toMatchObject({ action: 'img2img', model: 'flux-dev', prompt: 'a fox', negativePrompt: 'blurry', spec: { width: 768, steps: 20, seed: 777 } });
    expect(resolvePlan({ parent_id: 5, action_type: 'variation' }, parent, () => 100).spec.seed).toBe(101);
    expect(resolvePlan({ parent_id: 5, action_type: 'remix', prompt: 'a wolf', spec: { steps: 8 } }, parent, seed)).toMatchObject({ prompt: 'a wolf', spec: { seed: 100, steps: 8, width: 768 } });
    expect(resolvePlan({ parent_id: 5, action_type: 'upscale' }, parent, seed)).toMatchObject({ upscale: { factor: 2 }, spec: { seed: 100 } });
    expect(resolvePlan({ parent_id: 5, action_type: 'remix', model: 'sdxl' }, parent, seed).model).toBe('sdxl');
  });

  it('an imported image lends its recorded settings and model family, not its pixel size', () => {
    const imported: ParentRecipe = {
      ...parent,
      model: 'upload',
      actionType: 'upload',
      // A 1×1 crop of a 512×400 generation: the recipe says the size.
      width: 1,
      height: 1,
      spec: { width: 512, height: 400, steps: 15, guidance: 5, sampler: 'uni_pc', seed: 235284042, model: 'flux-dev', imported: { tool: 'automatic1111' } },
    };
    expect(resolvePlan({ parent_id: 5, action_type: 'variation' }, imported, seed)).toMatchObject({
      model: 'flux-dev',
      spec: { width: 512, height: 400, steps: 15, guidance: 5, sampler: 'uni_pc', seed: 777 },
    });
    expect(resolvePlan({ parent_id: 5, action_type: 'remix', prompt: 'x' }, { ...imported, spec: { ...imported.spec, model: 'not-ours' } }, seed).model).toBe('sdxl');
  });

  it('refuses what cannot work, saying why', () => {
    expect(() => resolvePlan({ prompt: 'x', parent_id: 5, action_type: 'generate' }, parent, seed)).toThrow(/takes no parent_id/);
    expect(() => resolvePlan({ parent_id: 5, action_type: 'edit' }, parent, seed)).toThrow(/needs edit/);
    expect(() => resolvePlan({ parent_id: 5, action_type: 'img2img' }, { ...parent, deleted: true }, seed)).toThrow(/was deleted/);
    expect(() => resolvePlan({ parent_id: 5, action_type: 'variation' }, { ...parent, prompt: '' }, seed)).toThrow(/has no prompt to reuse/);
    expect(() => resolvePlan({ parent_id: 5, action_type: 'upscale', spec: { batch_size: 2 } }, parent, seed)).toThrow(/exactly one image/);
    expect(() => resolvePlan({ prompt: 'x', upscale: { factor: 2 } }, null, seed)).toThrow(/only used with action_type "upscale"/);
    expect(() => resolvePlan({ parent_id: 5, action_type: 'upscale', upscale: { factor: 4 } }, { ...parent, width: 2100 }, seed)).toThrow(
      'upscaling image 5 (2100x512) by 4 would give 8400x2048; the largest side allowed is 8192',
    );
    expect(resolvePlan({ parent_id: 5, action_type: 'upscale', upscale: { factor: 4 } }, { ...parent, width: 2048 }, seed).upscale).toEqual({ factor: 4 });
    expect(() => resolvePlan({ parent_id: 5, action_type: 'edit', edit: { crop: { left: 700, top: 0, width: 100, height: 10 } } }, parent, seed)).toThrow(
      'crop 100x10 at (700, 0) falls outside the 768x512 image 5.',
    );
  });
});

describe('fitSize', () => {
  it('snaps to multiples of 8 within 64..2048, keeping the aspect', () => {
    expect(fitSize(300, 200)).toEqual({ width: 296, height: 200 });
    expect(fitSize(4000, 3000)).toEqual({ width: 2048, height: 1536 });
    expect(fitSize(10, 10)).toEqual({ width: 64, height: 64 });
  });
});
