import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readBackendsConfig, resolveBackends } from './backends-config.ts';

const EXAMPLE = fileURLToPath(new URL('../../../../imageflow.config.example.json', import.meta.url));

describe('resolveBackends', () => {
  it('routes everything to builtin when nothing is configured', () => {
    expect(resolveBackends(undefined, {})).toEqual({
      backends: { builtin: { type: 'builtin' } },
      routes: { sdxl: 'builtin', 'flux-dev': 'builtin', 'flux-schnell': 'builtin' },
    });
  });

  it('makes backends from environment variables, first one serving a model wins', () => {
    const r = resolveBackends(undefined, { A1111_URL: 'http://127.0.0.1:7860', BFL_API_KEY: 'k1', OPENAI_API_KEY: 'k2' });
    expect(r.backends.a1111).toMatchObject({ type: 'a1111', url: 'http://127.0.0.1:7860', concurrency: 1, timeout_s: 600 });
    expect(r.backends.bfl).toMatchObject({ type: 'bfl', api_key: 'k1' });
    // A1111 serves SDXL, BFL serves FLUX dev, nobody serves schnell by default, OpenAI only when routed to.
    expect(r.routes).toEqual({ sdxl: 'a1111', 'flux-dev': 'bfl', 'flux-schnell': 'builtin' });
  });

  it('reads the file: named backends, models, secrets from env:, explicit routes', () => {
    const file = {
      backends: {
        'gpu-box': { type: 'comfyui', url: 'http://10.0.0.5:8188', concurrency: 2, models: { sdxl: { checkpoint: 'sd_xl_base_1.0.safetensors' } } },
        fal: { type: 'fal', api_key: 'env:MY_FAL', timeout_s: 120 },
      },
      routes: { 'flux-dev': 'fal' },
    };
    const r = resolveBackends(file, { MY_FAL: 'secret' });
    expect(r.backends['gpu-box']).toMatchObject({ concurrency: 2, timeout_s: 600 });
    expect(r.backends.fal).toMatchObject({ api_key: 'secret', timeout_s: 120 });
    expect(r.routes).toEqual({ sdxl: 'gpu-box', 'flux-dev': 'fal', 'flux-schnell': 'fal' });
    expect(resolveBackends(file, { MY_FAL: 'secret', IMAGEFLOW_ROUTES: 'flux-dev=gpu-box, sdxl=builtin' }).routes).toEqual({
      sdxl: 'builtin',
      'flux-dev': 'gpu-box',
      'flux-schnell': 'fal',
    });
  });

  it('the example config in the README is valid', () => {
    const r = readBackendsConfig(EXAMPLE, { FAL_KEY: 'k', FORGE_PASSWORD: 'p' });
    expect(r.dir).toBe(path.dirname(EXAMPLE));
    expect(r.routes).toEqual({ sdxl: 'gpu-box', 'flux-dev': 'gpu-box', 'flux-schnell': 'fal' });
    expect(r.backends.forge).toMatchObject({ type: 'a1111', password: 'p' });
    expect(() => readBackendsConfig(EXAMPLE, { FAL_KEY: 'k' })).toThrow('backends.forge.password refers to the environment variable FORGE_PASSWORD, which is not set.');
    expect(() => readBackendsConfig('/nonexistent/imageflow.config.json', {})).toThrow('Cannot read /nonexistent/imageflow.config.json: the file does not exist.');
  });

  it('says exactly what is wrong', () => {
    expect(() => resolveBackends({ backends: { x: { type: 'comfyui', url: 'nope' } } }, {})).toThrow(
      /^imageflow\.config\.json: backends\.x\.url: /,
    );
    expect(() => resolveBackends({ backends: { x: { type: 'midjourney' } } }, {})).toThrow(/backends\.x\.type: /);
    expect(() => resolveBackends({ backends: { x: { type: 'fal', api_key: 'env:NOPE' } } }, {})).toThrow(
      'backends.x.api_key refers to the environment variable NOPE, which is not set.',
    );
    expect(() => resolveBackends({ routes: { sdxl: 'gpu' } }, {})).toThrow('The route for sdxl names backend "gpu", which is not defined; defined: builtin.');
    expect(() => resolveBackends(undefined, { IMAGEFLOW_ROUTES: 'dalle=fal' })).toThrow(/Invalid IMAGEFLOW_ROUTES entry "dalle=fal"/);
    expect(() => resolveBackends({ backends: { 'Bad Name': { type: 'builtin' } } }, {})).toThrow(/backend names are 1-32/);
    expect(() => resolveBackends({ backends: { a: { type: 'comfyui', url: 'http://x', extra: 1 } } }, {})).toThrow(/Unrecognized key/);
  });
});
