import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, startTestApp, type TestApp } from './harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

async function refusal(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
  const res = await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });
  expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`).toBe(400);
  const body = res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error)).toEqual(['code', 'message']);
  return body.error as { code: string; message: string };
}

describe('request validation messages name the field, what it accepts and what was sent', () => {
  it('numbers out of range, not whole or not a multiple, in a JSON body', async () => {
    const cases: Array<[object, string]> = [
      [{ steps: 500 }, 'spec.steps must be a whole number between 1 and 150 (got 500)'],
      [{ steps: 0 }, 'spec.steps must be a whole number between 1 and 150 (got 0)'],
      [{ steps: 2.5 }, 'spec.steps must be a whole number between 1 and 150 (got 2.5)'],
      [{ guidance: 31 }, 'spec.guidance must be a number between 0 and 30 (got 31)'],
      [{ strength: -0.1 }, 'spec.strength must be a number between 0 and 1 (got -0.1)'],
      [{ seed: -1 }, 'spec.seed must be a whole number between 0 and 4294967295 (got -1)'],
      [{ batch_size: 9 }, 'spec.batch_size must be a whole number between 1 and 8 (got 9)'],
      [{ width: 13 }, 'spec.width must be a multiple of 8 between 64 and 2048, like 64 (got 13)'],
      [{ height: 1001 }, 'spec.height must be a multiple of 8 between 64 and 2048, like 1000 (got 1001)'],
    ];
    for (const [spec, message] of cases) {
      const error = await refusal('POST', '/api/generations', { prompt: 'a lighthouse', spec });
      expect(error).toEqual({ code: 'validation_error', message });
    }
  });

  it('wrong types, unknown enum values and unknown fields', async () => {
    const cases: Array<[object, string]> = [
      [{ prompt: 'x', spec: { steps: '20' } }, 'spec.steps must be a whole number between 1 and 150 (got "20")'],
      [{ prompt: 42 }, 'prompt must be text (got 42)'],
      [{ prompt: 'x', spec: 'big' }, 'spec must be a JSON object (got "big")'],
      [{ prompt: 'x', model: 'dalle' }, 'model must be one of "sdxl", "flux-dev" or "flux-schnell" (got "dalle")'],
      [{ prompt: 'x', spec: { sampler: 'dpm++' } }, 'spec.sampler must be one of "euler", "euler_a", "heun", "dpm_2", "dpmpp_2m", "dpmpp_2m_karras", "dpmpp_sde", "ddim" or "uni_pc" (got "dpm++")'],
      [{ prompt: 'x', parent_id: 1, action_type: 'upscale', upscale: { factor: 3 } }, 'upscale.factor must be 2 or 4 (got 3)'],
      [{ prompt: 'x', parent_id: 1, action_type: 'edit', edit: { rotate: 45 } }, 'edit.rotate must be one of 0, 90, 180 or 270 (got 45)'],
      [{ prompt: 'x', parent_id: 0 }, 'parent_id must be a whole number greater than 0 (got 0)'],
      [{ prompt: 'x', spec: { cfg: 7 } }, 'spec: unknown field "cfg" (spec takes width, height, steps, guidance, seed, sampler, strength, batch_size)'],
    ];
    for (const [payload, message] of cases) {
      expect(await refusal('POST', '/api/generations', payload)).toEqual({ code: 'validation_error', message });
    }
    // Several problems are each named, once.
    const both = await refusal('POST', '/api/generations', { prompt: 'x', spec: { steps: 999, width: 13 } });
    expect(both.message).toBe('spec.width must be a multiple of 8 between 64 and 2048, like 64 (got 13); spec.steps must be a whole number between 1 and 150 (got 999)');
  });

  it('missing fields say what to send', async () => {
    const [image] = await generate(t.app, { prompt: 'a lighthouse' });
    expect(await refusal('PATCH', `/api/images/${image!.id}`, {})).toEqual({ code: 'validation_error', message: 'starred is required: send true or false' });
    expect(await refusal('PATCH', `/api/images/${image!.id}`, { starred: 'yes' })).toEqual({ code: 'validation_error', message: 'starred must be true or false (got "yes")' });
  });

  it('query strings and paths name where the value was', async () => {
    expect((await refusal('GET', '/api/images?limit=500')).message).toBe('query limit: limit must be between 1 and 200 (got 500)');
    expect((await refusal('GET', '/api/images?starred=yes')).message).toBe('query starred: starred must be "true" or "false" (got "yes")');
    expect((await refusal('GET', '/api/images/1/lineage?scope=all')).message).toBe('query scope: scope must be one of "tree", "ancestors" or "descendants" (got "all")');
    expect((await refusal('GET', '/api/images/0x1')).message).toBe('params id: id must be a whole number written in plain digits, like 1');
  });

  it('the diffusers-style routes name their own fields', async () => {
    expect((await refusal('POST', '/api/sdxl/txt2img', { prompt: 'x', num_inference_steps: 151 })).message).toBe(
      'num_inference_steps must be a whole number between 1 and 150 (got 151)',
    );
    expect((await refusal('POST', '/api/sdxl/txt2img', { prompt: 'x', guidance_scale: 40 })).message).toBe('guidance_scale must be a number between 0 and 30 (got 40)');
    expect((await refusal('POST', '/api/sdxl/txt2img', { prompt: 'x', num_images: 'two' })).message).toBe('num_images must be a whole number (got "two")');
  });

  it('a body that is not JSON, or not an object, says so', async () => {
    const broken = await t.app.inject({ method: 'POST', url: '/api/generations', headers: { 'content-type': 'application/json' }, payload: '{"prompt": "a",' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error).toMatchObject({ code: 'invalid_json', message: expect.stringMatching(/not valid JSON/) });
    const list = await t.app.inject({ method: 'POST', url: '/api/generations', headers: { 'content-type': 'application/json' }, payload: '[1, 2]' });
    expect(list.statusCode).toBe(400);
    expect(list.json().error).toEqual({ code: 'validation_error', message: 'the body must be a JSON object (got a list)' });
  });
});
