import { SAMPLERS, type Spec } from '@imageflow/shared';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  backendModelName,
  buildPayload,
  checkPng,
  checkpointAliases,
  checkpointName,
  decodeBase64,
  describeA1111Error,
  findCheckpoint,
  isLegacySamplerList,
  listForPeople,
  parseCheckpointList,
  parseInfo,
  progressFromState,
  samplerFields,
  sniffImage,
} from './a1111-wire.ts';
import { a1111NameFor } from '../../lib/recipes/samplers.ts';

const spec: Spec = { width: 832, height: 1216, steps: 30, guidance: 6.5, seed: 42, sampler: 'dpmpp_2m_karras', strength: 0.55, batch_size: 2 };

describe('samplers', () => {
  it('maps every sampler id to an A1111 ≥ 1.9 sampler and scheduler', () => {
    for (const id of SAMPLERS) expect(a1111NameFor(id).sampler).toBeTruthy();
    expect(samplerFields('dpmpp_2m_karras', false)).toEqual({ sampler_name: 'DPM++ 2M', scheduler: 'Karras' });
    // "Automatic" would be Karras for DPM++ 2M / SDE: the plain ones ask for the old uniform sigmas.
    expect(samplerFields('dpmpp_2m', false)).toEqual({ sampler_name: 'DPM++ 2M', scheduler: 'Uniform' });
    expect(samplerFields('dpmpp_sde', false)).toEqual({ sampler_name: 'DPM++ SDE', scheduler: 'Uniform' });
    expect(samplerFields('euler_a', false)).toEqual({ sampler_name: 'Euler a', scheduler: 'Automatic' });
  });

  it('uses the combined names and no scheduler for servers before 1.9', () => {
    expect(samplerFields('dpmpp_2m_karras', true)).toEqual({ sampler_name: 'DPM++ 2M Karras' });
    expect(samplerFields('uni_pc', true)).toEqual({ sampler_name: 'UniPC' });
    expect(isLegacySamplerList([{ name: 'Euler a', aliases: [] }, { name: 'DPM++ 2M Karras', aliases: [] }])).toBe(true);
    expect(isLegacySamplerList([{ name: 'DPM++ 2M', aliases: [] }])).toBe(false);
  });
});

describe('buildPayload', () => {
  it('makes an SDXL txt2img body with an explicit seed and the checkpoint override', () => {
    const body = buildPayload({
      prompt: 'p',
      negativePrompt: 'n',
      spec,
      sampler: { sampler_name: 'DPM++ 2M', scheduler: 'Karras' },
      flux: false,
      checkpoint: 'sd_xl_base_1.0.safetensors',
    });
    expect(body).toEqual({
      prompt: 'p',
      negative_prompt: 'n',
      seed: 42,
      steps: 30,
      cfg_scale: 6.5,
      width: 832,
      height: 1216,
      sampler_name: 'DPM++ 2M',
      scheduler: 'Karras',
      batch_size: 2,
      n_iter: 1,
      restore_faces: false,
      tiling: false,
      send_images: true,
      save_images: false,
      override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0.safetensors' },
      override_settings_restore_afterwards: true,
    });
  });

  it('puts FLUX guidance in distilled_cfg_scale with cfg_scale 1, and adds the init image for img2img', () => {
    const body = buildPayload({
      prompt: 'p',
      negativePrompt: '',
      spec,
      sampler: { sampler_name: 'Euler', scheduler: 'Simple' },
      flux: true,
      initBase64: 'iVBORw0KGgo=',
    });
    expect(body).toMatchObject({ cfg_scale: 1, distilled_cfg_scale: 6.5, init_images: ['iVBORw0KGgo='], denoising_strength: 0.55 });
    expect(body).not.toHaveProperty('override_settings');
  });
});

describe('parseInfo', () => {
  const info = {
    seed: 7,
    all_seeds: [7, 8],
    sd_model_name: 'sd_xl_base_1.0',
    sd_model_hash: '31e35c80fc',
    index_of_first_image: 1,
  };

  it('reads the JSON string A1111 sends, and tolerates an object', () => {
    const expected = { seeds: [7, 8], modelName: 'sd_xl_base_1.0', modelHash: '31e35c80fc', indexOfFirstImage: 1 };
    expect(parseInfo(JSON.stringify(info))).toEqual(expected);
    expect(parseInfo(info)).toEqual(expected);
  });

  it('gives null for text that is not JSON, and copes with missing fields', () => {
    expect(parseInfo('Steps: 20, Sampler: Euler')).toBeNull();
    expect(parseInfo(undefined)).toBeNull();
    expect(parseInfo(JSON.stringify({ seed: 3 }))).toEqual({ seeds: [3], modelName: null, modelHash: null, indexOfFirstImage: 0 });
  });

  it('names the backend model "name [hash]"', () => {
    expect(backendModelName(parseInfo(info), 'x')).toBe('sd_xl_base_1.0 [31e35c80fc]');
    expect(backendModelName(null, 'fallback.safetensors')).toBe('fallback.safetensors');
  });
});

describe('progressFromState', () => {
  it('counts steps over the jobs and ignores idle or starting states', () => {
    expect(progressFromState({ state: { job_count: 1, job_no: 0, sampling_step: 5, sampling_steps: 20 } })).toEqual({ step: 5, total: 20 });
    expect(progressFromState({ state: { job_count: 2, job_no: 1, sampling_step: 3, sampling_steps: 10 } })).toEqual({ step: 13, total: 20 });
    expect(progressFromState({ state: { job_count: 0, job_no: 0, sampling_step: 0, sampling_steps: 20 } })).toBeNull();
    expect(progressFromState({ state: { job_count: -1, job_no: 0, sampling_step: 0, sampling_steps: 20 } })).toBeNull();
    expect(progressFromState({ state: { job_count: 1, job_no: 5, sampling_step: 99, sampling_steps: 10 } })).toEqual({ step: 10, total: 10 });
    expect(progressFromState('nope')).toBeNull();
  });
});

describe('describeA1111Error', () => {
  it("reads A1111's handler body and FastAPI's validation body", () => {
    expect(describeA1111Error({ error: 'HTTPException', detail: 'Sampler not found', body: '', errors: '' })).toBe('Sampler not found');
    expect(describeA1111Error({ error: 'OutOfMemoryError', detail: '', body: '', errors: 'CUDA out of memory.' })).toBe(
      'OutOfMemoryError: CUDA out of memory.',
    );
    expect(
      describeA1111Error({
        detail: [
          { loc: ['body', 'steps'], msg: 'value is not a valid integer', type: 'type_error.integer' },
          { loc: ['body', 'styles', 0], msg: 'str type expected', type: 'type_error.str' },
        ],
      }),
    ).toBe('steps: value is not a valid integer; styles.0: str type expected');
    expect(describeA1111Error({ detail: 'Not Found' })).toBe('Not Found');
    expect(describeA1111Error('text')).toBeNull();
  });
});

describe('checkpoints', () => {
  const list = parseCheckpointList([
    { title: 'XL/juggernautXL_v9.safetensors [c9e3e68f89]', model_name: 'XL_juggernautXL_v9', hash: 'c9e3e68f89', sha256: 'abc', filename: '/m/XL/juggernautXL_v9.safetensors', config: null },
    { title: 'plain.ckpt', model_name: 'plain', hash: null, sha256: null, filename: 'C:\\m\\plain.ckpt', config: null },
  ])!;

  it("matches the names A1111 accepts for sd_model_checkpoint", () => {
    expect(checkpointName(list[0]!)).toBe('XL/juggernautXL_v9.safetensors');
    expect(checkpointAliases(list[0]!)).toEqual([
      'XL/juggernautXL_v9.safetensors [c9e3e68f89]',
      'XL/juggernautXL_v9.safetensors',
      'XL_juggernautXL_v9',
      'juggernautXL_v9',
      'c9e3e68f89',
      'abc',
    ]);
    expect(findCheckpoint(list, 'juggernautXL_v9')).toBe(list[0]);
    expect(findCheckpoint(list, 'plain')).toBe(list[1]);
    expect(findCheckpoint(list, 'juggernautXL_v9.safetensors')).toBeUndefined();
    expect(parseCheckpointList({})).toBeNull();
  });

  it('lists names for people', () => {
    expect(listForPeople([])).toBe('none');
    expect(listForPeople(['a', 'b', 'c'], 2)).toBe('a, b and 1 more');
  });
});

describe('images', () => {
  it('accepts a whole PNG and says what is wrong with a damaged one', async () => {
    const png = await sharp({ create: { width: 9, height: 5, channels: 3, background: '#123456' } }).png().toBuffer();
    expect(checkPng(png)).toEqual({ ok: true, width: 9, height: 5 });
    expect(checkPng(png.subarray(0, png.length - 6))).toMatchObject({ ok: false, reason: expect.stringMatching(/^cut off/) });
    expect(checkPng(png.subarray(0, 30))).toMatchObject({ ok: false });
    const flipped = Buffer.from(png);
    flipped[40] = flipped[40]! ^ 0xff;
    expect(checkPng(flipped)).toMatchObject({ ok: false, reason: expect.stringMatching(/bad checksum/) });
    expect(checkPng(Buffer.from('hello'))).toEqual({ ok: false, reason: 'not a PNG' });
  });

  it('recognises PNG, JPEG and WebP and decodes base64', async () => {
    const img = sharp({ create: { width: 4, height: 4, channels: 3, background: '#ff0000' } });
    expect(sniffImage(await img.clone().png().toBuffer())).toBe('png');
    expect(sniffImage(await img.clone().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffImage(await img.clone().webp().toBuffer())).toBe('webp');
    expect(sniffImage(Buffer.from('GIF89a'))).toBeNull();
    expect(decodeBase64('aGVsbG8=')?.toString()).toBe('hello');
    expect(decodeBase64('data:image/png;base64,aGVsbG8=')?.toString()).toBe('hello');
    expect(decodeBase64('not base64!')).toBeNull();
    expect(decodeBase64(42)).toBeNull();
  });
});
