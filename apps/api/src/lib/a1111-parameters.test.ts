/**
 * The infotext we write, and that it reads back through the one reader of infotext (readA1111)
 * with every field as written.
 */
import { describe, expect, it } from 'vitest';
import { A1111_SAMPLER_NAMES, formatA1111Parameters } from './a1111-parameters.ts';
import type { A1111FormatInput } from './a1111-parameters.ts';
import { readA1111 } from './recipes/a1111.ts';
import { emptyRecipe } from './recipes/types.ts';

const FULL: A1111FormatInput = {
  prompt: 'a photo of a cat,\n  wearing a hat: (red:1.2), "quoted"',
  negativePrompt: 'blurry,\nlow quality',
  steps: 30,
  sampler: 'dpmpp_2m_karras',
  cfgScale: 7.5,
  seed: 4294967295,
  width: 1024,
  height: 768,
  model: 'sdxl_base_1.0',
  denoisingStrength: 0.6,
  extra: {
    'Model hash': '31e35c80fc',
    'Lora hashes': 'a: 1, b: 2',
    Tricky: 'say "hi", then: leave',
    'Clip skip': 2,
    Plain: 'no specials here',
  },
};

describe('formatA1111Parameters', () => {
  it('produces the A1111 layout with JSON-quoted values', () => {
    expect(formatA1111Parameters(FULL)).toBe(
      [
        'a photo of a cat,',
        '  wearing a hat: (red:1.2), "quoted"',
        'Negative prompt: blurry,',
        'low quality',
        'Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 4294967295, Size: 1024x768, Model: sdxl_base_1.0, ' +
          'Denoising strength: 0.6, Model hash: 31e35c80fc, Lora hashes: "a: 1, b: 2", Tricky: "say \\"hi\\", then: leave", ' +
          'Clip skip: 2, Plain: no specials here',
      ].join('\n'),
    );
  });

  it('always writes the Negative prompt line (ComfyUI\'s importer looks for it); omits Model and Denoising strength when absent', () => {
    const base = { prompt: 'duck', steps: 15, sampler: 'uni_pc', cfgScale: 5, seed: 1, width: 512, height: 400 };
    const expected = 'duck\nNegative prompt: \nSteps: 15, Sampler: UniPC, CFG scale: 5, Seed: 1, Size: 512x400';
    expect(formatA1111Parameters(base)).toBe(expected);
    expect(formatA1111Parameters({ ...base, negativePrompt: '' })).toBe(expected);
  });

  it('maps sampler ids and passes unknown ones through', () => {
    const expected: Record<string, string> = {
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
    expect(A1111_SAMPLER_NAMES).toEqual(expected);
    for (const [id, name] of Object.entries(expected)) {
      const read = readA1111(formatA1111Parameters({ ...FULL, sampler: id, extra: {} }))!;
      expect(read.sampler).toBe(name);
      expect(read.sampler_id).toBe(id);
    }
    const unknown = readA1111(formatA1111Parameters({ ...FULL, sampler: 'lcm' }))!;
    expect(unknown.sampler).toBe('lcm');
    expect(unknown.sampler_id).toBeNull();
  });

  it('rejects extra keys that collide with built-ins or would corrupt the line', () => {
    expect(() => formatA1111Parameters({ ...FULL, extra: { Seed: 1 } })).toThrow(/collides/);
    expect(() => formatA1111Parameters({ ...FULL, extra: { 'a,b': 1 } })).toThrow(/invalid A1111 parameter key/);
    expect(() => formatA1111Parameters({ ...FULL, extra: { 'a: b': 1 } })).toThrow(/invalid A1111 parameter key/);
    expect(() => formatA1111Parameters({ ...FULL, extra: { 'Negative prompt': 'x' } })).toThrow(/invalid/);
    expect(() => formatA1111Parameters({ ...FULL, cfgScale: Number.NaN })).toThrow(/finite/);
  });
});

describe('format -> readA1111', () => {
  it('reads back every field as written', () => {
    expect(readA1111(formatA1111Parameters(FULL))).toEqual({
      ...emptyRecipe('automatic1111', 'parameters'),
      prompt: FULL.prompt,
      negative_prompt: 'blurry,\nlow quality',
      steps: 30,
      sampler: 'DPM++ 2M Karras',
      sampler_id: 'dpmpp_2m_karras',
      cfg: 7.5,
      seed: 4294967295,
      width: 1024,
      height: 768,
      model: 'sdxl_base_1.0',
      model_hash: '31e35c80fc',
      denoising_strength: 0.6,
      clip_skip: 2,
      extra: {
        'Lora hashes': 'a: 1, b: 2',
        Tricky: 'say "hi", then: leave',
        Plain: 'no specials here',
      },
    });
  });

  it('reads back minimal input (no negative, model, denoise, extra): the empty Negative prompt line reads back as ""', () => {
    const text = formatA1111Parameters({ prompt: 'x', steps: 1, sampler: 'euler', cfgScale: 1, seed: 0, width: 64, height: 64 });
    expect(readA1111(text)).toEqual({
      ...emptyRecipe('automatic1111', 'parameters'),
      prompt: 'x',
      negative_prompt: '',
      steps: 1,
      sampler: 'Euler',
      sampler_id: 'euler',
      cfg: 1,
      seed: 0,
      width: 64,
      height: 64,
    });
  });

  it('reads back an empty prompt with a negative prompt', () => {
    const text = formatA1111Parameters({ ...FULL, prompt: '', extra: {} });
    expect(text.startsWith('Negative prompt: ')).toBe(true);
    const read = readA1111(text)!;
    expect(read.prompt).toBe('');
    expect(read.negative_prompt).toBe(FULL.negativePrompt);
    expect(read.steps).toBe(30);
  });
});
