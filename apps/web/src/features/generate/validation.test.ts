import { describe, expect, it } from 'vitest';
import { GenerationRequest, type ModelInfo } from '@imageflow/shared';
import { firstInvalidField, randomSeed, validateCreateForm, type CreateFormValues } from './validation';

const valid: CreateFormValues = {
  prompt: '  a lighthouse on a cliff at sunset over the ocean ',
  negativePrompt: 'blurry',
  model: 'sdxl',
  width: '1024',
  height: '768',
  steps: '30',
  guidance: '7',
  sampler: 'dpmpp_2m_karras',
  seed: '42',
  batchSize: '2',
  strength: '0.6',
  parent: null,
};

function errorsOf(values: Partial<CreateFormValues>, models?: ModelInfo[]) {
  const result = validateCreateForm({ ...valid, ...values }, { models });
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

describe('validateCreateForm', () => {
  it('builds a new generation request that the API schema accepts', () => {
    const result = validateCreateForm(valid);
    expect(result).toEqual({
      ok: true,
      request: {
        prompt: 'a lighthouse on a cliff at sunset over the ocean',
        negative_prompt: 'blurry',
        model: 'sdxl',
        spec: { width: 1024, height: 768, steps: 30, guidance: 7, sampler: 'dpmpp_2m_karras', seed: 42, batch_size: 2 },
      },
    });
    if (result.ok) expect(GenerationRequest.safeParse(result.request).success).toBe(true);
  });

  it('builds a remix of a parent, without strength', () => {
    const result = validateCreateForm({ ...valid, parent: { id: 7, mode: 'remix' } });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.request).toMatchObject({ parent_id: 7, action_type: 'remix', prompt: valid.prompt.trim() });
    expect(result.request.spec).not.toHaveProperty('strength');
    expect(GenerationRequest.safeParse(result.request).success).toBe(true);
  });

  it('builds image-to-image with the strength', () => {
    const result = validateCreateForm({ ...valid, strength: '0.35', parent: { id: 3, mode: 'img2img' } });
    expect(result.ok && result.request).toMatchObject({ parent_id: 3, action_type: 'img2img', spec: { strength: 0.35 } });
    if (result.ok) expect(GenerationRequest.safeParse(result.request).success).toBe(true);
  });

  it('requires a prompt', () => {
    expect(errorsOf({ prompt: '   ' }).prompt).toMatch(/must not be empty/);
  });

  it('limits prompt lengths', () => {
    expect(errorsOf({ prompt: 'x'.repeat(4001) }).prompt).toMatch(/4000 characters/);
    expect(errorsOf({ negativePrompt: 'x'.repeat(4001) }).negativePrompt).toMatch(/4000 characters/);
  });

  it('rejects sizes that are not multiples of 8, naming the nearest ones', () => {
    expect(errorsOf({ width: '1020' }).width).toBe('Width must be a multiple of 8 — try 1016 or 1024.');
    expect(errorsOf({ height: '1001' }).height).toBe('Height must be a multiple of 8 — try 1000 or 1008.');
  });

  it('rejects sizes out of range, empty or not whole', () => {
    expect(errorsOf({ width: '32' }).width).toBe('Width must be between 64 and 2048 pixels.');
    expect(errorsOf({ height: '4096' }).height).toBe('Height must be between 64 and 2048 pixels.');
    expect(errorsOf({ width: '' }).width).toBe('Enter width in pixels.');
    expect(errorsOf({ width: '512.5' }).width).toBe('Width must be a whole number of pixels.');
    expect(errorsOf({ width: 'abc' }).width).toBe('Width must be a number of pixels.');
  });

  it('checks steps, guidance, batch size, seed and sampler ranges', () => {
    expect(errorsOf({ steps: '0' }).steps).toBe('Steps must be between 1 and 150.');
    expect(errorsOf({ steps: '151' }).steps).toBe('Steps must be between 1 and 150.');
    expect(errorsOf({ steps: '2.5' }).steps).toBe('Steps must be a whole number.');
    expect(errorsOf({ guidance: '31' }).guidance).toBe('Guidance must be between 0 and 30.');
    expect(errorsOf({ batchSize: '9' }).batchSize).toBe('Batch size must be between 1 and 8.');
    expect(errorsOf({ seed: '-1' }).seed).toBe('Seed must be between 0 and 4294967295.');
    expect(errorsOf({ seed: '4294967296' }).seed).toBe('Seed must be between 0 and 4294967295.');
    expect(errorsOf({ seed: '' }).seed).toMatch(/Enter a seed/);
    expect(errorsOf({ sampler: 'nope' }).sampler).toBe('Choose a sampler.');
  });

  it('accepts the edges of every range', () => {
    const result = validateCreateForm({ ...valid, width: '64', height: '2048', steps: '150', guidance: '0', seed: '4294967295', batchSize: '8' });
    expect(result.ok).toBe(true);
    if (result.ok) expect(GenerationRequest.safeParse(result.request).success).toBe(true);
  });

  it('checks strength only for image-to-image', () => {
    expect(validateCreateForm({ ...valid, strength: '7' }).ok).toBe(true);
    expect(errorsOf({ strength: '1.5', parent: { id: 1, mode: 'img2img' } }).strength).toBe('Strength must be between 0 and 1.');
  });

  it('rejects unknown and unreachable models', () => {
    expect(errorsOf({ model: 'dall-e' }).model).toBe('Choose a model.');
    const models = [
      { name: 'flux-dev', label: 'FLUX.1 [dev]', reachable: false, message: 'ComfyUI did not answer at http://gpu:8188' },
    ] as ModelInfo[];
    expect(errorsOf({ model: 'flux-dev' }, models).model).toBe(
      'FLUX.1 [dev] is unreachable: ComfyUI did not answer at http://gpu:8188. Choose another model.',
    );
  });

  it('reports every error at once, and the first in screen order', () => {
    const errors = errorsOf({ prompt: '', width: '1', seed: 'x' });
    expect(Object.keys(errors).sort()).toEqual(['prompt', 'seed', 'width']);
    expect(firstInvalidField(errors)).toBe('prompt');
    expect(firstInvalidField({ seed: 'x', width: 'y' })).toBe('width');
  });
});

describe('randomSeed', () => {
  it('spans the whole seed range', () => {
    expect(randomSeed(() => 0)).toBe(0);
    expect(randomSeed(() => 0.999999999999)).toBe(4294967295);
    const s = randomSeed();
    expect(Number.isInteger(s) && s >= 0 && s <= 4294967295).toBe(true);
  });
});
