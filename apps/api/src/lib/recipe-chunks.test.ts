import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { embedRecipe, parametersText, readEmbeddedRecipe, type EmbeddedRecipe } from './recipe-chunks.ts';
import { readA1111 } from './recipes/a1111.ts';

const recipe: EmbeddedRecipe = {
  nodeId: 7,
  parentId: 3,
  parentSha256: 'ab'.repeat(32),
  actionType: 'variation',
  model: 'sdxl',
  provider: 'gpu-box',
  prompt: 'a lighthouse',
  negativePrompt: '',
  spec: { width: 1024, height: 768, steps: 30, guidance: 7, seed: 42, sampler: 'dpmpp_2m_karras', backend_model: 'sd_xl_base_1.0 [31e35c80fc]' },
};

describe('the parameters text', () => {
  it('names the checkpoint and its hash as A1111 does, and always has a Negative prompt line', () => {
    const text = parametersText(recipe)!;
    expect(text.split('\n')[1]).toBe('Negative prompt: ');
    const read = readA1111(text)!;
    expect(read).toMatchObject({
      tool: 'automatic1111',
      prompt: 'a lighthouse',
      negative_prompt: '',
      steps: 30,
      sampler: 'DPM++ 2M Karras',
      sampler_id: 'dpmpp_2m_karras',
      cfg: 7,
      seed: 42,
      width: 1024,
      height: 768,
      model: 'sd_xl_base_1.0',
      model_hash: '31e35c80fc',
      denoising_strength: null,
    });
    expect(read.extra).toEqual({ 'ImageFlow node': '7', 'ImageFlow action': 'variation', Provider: 'gpu-box' });
  });

  it('an upscale or edit says what was done; an upload has no parameters of its own', () => {
    const upscaled = readA1111(parametersText({ ...recipe, actionType: 'upscale', spec: { ...recipe.spec, upscale: { factor: 2 } } })!)!;
    expect(upscaled.extra).toMatchObject({ 'Postprocess upscale by': '2', 'ImageFlow action': 'upscale' });
    const edited = readA1111(parametersText({ ...recipe, actionType: 'edit', spec: { ...recipe.spec, edit: { rotate: 90 } } })!)!;
    expect(JSON.parse(edited.extra['ImageFlow edit']!)).toEqual({ rotate: 90 });
    expect(parametersText({ ...recipe, actionType: 'upload', prompt: '', spec: { width: 10, height: 10 } })).toBeNull();
  });

  it('the imageflow chunk reads back as it was written', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer();
    expect(readEmbeddedRecipe(Buffer.concat(embedRecipe(png, recipe)))).toEqual(recipe);
    expect(readEmbeddedRecipe(png)).toBeNull();
  });
});
