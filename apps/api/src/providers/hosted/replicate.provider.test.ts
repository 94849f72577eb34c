import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderProgress, RemoteHandle } from '../../ports/provider.port.ts';
import { REPLICATE_SDXL_VERSION, ReplicateFake, hostedRequest, initPng, pngInfo, until } from '../../../test/fakes/hosted-servers.ts';
import type { HostedOptions } from './hosted-common.ts';
import { ReplicateProvider, closestRatio, REPLICATE_FLUX_RATIOS } from './replicate.provider.ts';
import { rejection } from '../../../test/provider-errors.ts';

let fake: ReplicateFake;
let provider: ReplicateProvider;
const options = (over: Partial<HostedOptions> = {}): HostedOptions => ({ name: 'replicate', apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 2, ...over });

beforeEach(async () => {
  fake = await ReplicateFake.start();
  provider = new ReplicateProvider(options());
});
afterEach(() => fake.close());

describe('ReplicateProvider', () => {
  it('describes itself and serves every model by default', async () => {
    expect(provider).toMatchObject({ name: 'replicate', kind: 'replicate', isAi: true });
    expect(await provider.models()).toEqual(['sdxl', 'flux-dev', 'flux-schnell']);
    expect(await new ReplicateProvider(options({ models: { sdxl: `stability-ai/sdxl:${REPLICATE_SDXL_VERSION}` } })).models()).toEqual(['sdxl']);
  });

  it('picks the closest aspect ratio Replicate FLUX accepts', () => {
    expect(closestRatio(1024, 1024, REPLICATE_FLUX_RATIOS)).toBe('1:1');
    expect(closestRatio(1280, 720, REPLICATE_FLUX_RATIOS)).toBe('16:9');
    expect(closestRatio(768, 1024, REPLICATE_FLUX_RATIOS)).toBe('3:4');
    expect(closestRatio(2048, 832, REPLICATE_FLUX_RATIOS)).toBe('21:9');
  });

  it('runs an official model by name (flux-dev) and returns the PNG at the size Replicate made', async () => {
    const [image] = await provider.generate(hostedRequest({ width: 1024, height: 576, steps: 28 }));
    expect(fake.requests.find((r) => r.method === 'POST')!.path).toBe('/v1/models/black-forest-labs/flux-dev/predictions');
    expect(fake.requests.find((r) => r.method === 'POST')!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(fake.requests.find((r) => r.method === 'POST')!.headers.prefer).toBeUndefined();
    expect(fake.submissions[0]!.body).toEqual({
      input: {
        prompt: 'a lighthouse on a cliff at dusk',
        aspect_ratio: '16:9',
        megapixels: '1',
        num_outputs: 1,
        num_inference_steps: 28,
        guidance: 3.5,
        output_format: 'png',
        seed: 1234,
      },
    });
    expect(image).toMatchObject({ width: 1344, height: 768, seed: 1234, backendModel: 'black-forest-labs/flux-dev' });
    expect(await pngInfo(image!.png)).toEqual({ format: 'png', width: 1344, height: 768 });
    expect(fake.fileFetches).toEqual([{ path: expect.stringMatching(/^\/delivery\//), withKey: false }]);
  });

  it('asks for a quarter megapixel for small recipes, and leaves guidance out for schnell', async () => {
    const [image] = await provider.generate(hostedRequest({ steps: 4 }, { model: 'flux-schnell' }));
    expect(fake.submissions[0]!.body).toMatchObject({ input: { megapixels: '0.25', aspect_ratio: '1:1', num_inference_steps: 4 } });
    expect((fake.submissions[0]!.body as { input: object }).input).not.toHaveProperty('guidance');
    expect(image).toMatchObject({ width: 512, height: 512, backendModel: 'black-forest-labs/flux-schnell' });
  });

  it('runs a versioned community model (SDXL) with POST /v1/predictions {version, input}', async () => {
    const [image] = await provider.generate(
      hostedRequest({ width: 640, height: 384, guidance: 7, sampler: 'dpmpp_2m_karras' }, { model: 'sdxl', negativePrompt: 'blurry' }),
    );
    expect(fake.requests.find((r) => r.method === 'POST')!.path).toBe('/v1/predictions');
    expect(fake.submissions[0]!.body).toEqual({
      version: REPLICATE_SDXL_VERSION,
      input: {
        prompt: 'a lighthouse on a cliff at dusk',
        negative_prompt: 'blurry',
        width: 640,
        height: 384,
        num_outputs: 1,
        num_inference_steps: 20,
        guidance_scale: 7,
        scheduler: 'KarrasDPM',
        seed: 1234,
      },
    });
    expect(image).toMatchObject({ width: 640, height: 384, backendModel: `stability-ai/sdxl:${REPLICATE_SDXL_VERSION}` });
  });

  it('a community model without a version is not found, and says which', async () => {
    const err = await rejection(new ReplicateProvider(options({ models: { sdxl: 'stability-ai/sdxl' } })).generate(hostedRequest({}, { model: 'sdxl' })));
    expect(err.code).toBe('provider_not_found');
    expect(err.message).toContain('stability-ai/sdxl');
  });

  it('img2img: `image` as a data URI resized to the recipe and prompt_strength = strength', async () => {
    const init = await initPng(400, 300);
    const [image] = await provider.generate(hostedRequest({ width: 384, height: 256, strength: 0.35 }, { init: { png: init } }));
    const input = (fake.submissions[0]!.body as { input: Record<string, unknown> }).input;
    expect(input).toMatchObject({ prompt_strength: 0.35, output_format: 'png' });
    expect(input).not.toHaveProperty('aspect_ratio');
    expect(String(input.image)).toMatch(/^data:image\/png;base64,/);
    expect([...fake.predictions.values()][0]!.inputImage).toEqual({ width: 384, height: 256, format: 'png' });
    expect(image).toMatchObject({ width: 384, height: 256 });

    await provider.generate(hostedRequest({ strength: 0.5 }, { model: 'sdxl', init: { png: init } }));
    expect((fake.submissions[1]!.body as { input: Record<string, unknown> }).input).toMatchObject({ prompt_strength: 0.5 });
  });

  it('flux-schnell on Replicate takes no image: says so without calling Replicate', async () => {
    const err = await rejection(provider.generate(hostedRequest({}, { model: 'flux-schnell', init: { png: await initPng() } })));
    expect(err.code).toBe('provider_unsupported');
    expect(fake.requests).toHaveLength(0);
  });

  it('a batch is one prediction per image, seeds seed, seed + 1, ...', async () => {
    const images = await provider.generate(hostedRequest({ batch_size: 3, seed: 10 }));
    expect(images.map((i) => i.seed)).toEqual([10, 11, 12]);
    expect(fake.submissions.map((s) => (s.body as { input: { seed: number; num_outputs: number } }).input)).toMatchObject([
      { seed: 10, num_outputs: 1 },
      { seed: 11, num_outputs: 1 },
      { seed: 12, num_outputs: 1 },
    ]);
  });

  it('reads the seed used from the logs ("Using seed: N")', async () => {
    fake.faults.forceSeed = 31337;
    const [image] = await provider.generate(hostedRequest());
    expect(image!.seed).toBe(31337);
  });

  it('reports progress from the tqdm bars in the logs', async () => {
    fake.faults = { runPolls: 3 };
    const seen: ProviderProgress[] = [];
    await provider.generate(hostedRequest({ steps: 28, batch_size: 2 }), { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({ step: 56, total: 56 });
    expect(seen.some((p) => p.step > 0 && p.step < 28)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.step).toBeGreaterThan(seen[i - 1]!.step);
  });

  it('resumes from the handle in a new instance after a restart', async () => {
    fake.faults.hang = true;
    let handle: RemoteHandle | undefined;
    let dead = false;
    const dying: typeof fetch = (input, init) => (dead ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init));
    const run = new ReplicateProvider(options({ fetch: dying })).generate(hostedRequest(), {
      onSubmitted: (h) => (handle = JSON.parse(JSON.stringify(h)) as RemoteHandle),
    });
    await until(() => handle !== undefined && fake.count('GET', /^\/v1\/predictions\//) >= 2);
    dead = true;
    await expect(run).rejects.toMatchObject({ code: 'provider_unreachable' });
    const id = [...fake.predictions.keys()][0]!;
    expect(handle).toEqual({
      service: 'replicate',
      model: 'black-forest-labs/flux-dev',
      jobs: [{ id, get: `${fake.url}/v1/predictions/${id}`, cancel: `${fake.url}/v1/predictions/${id}/cancel`, seed: 1234 }],
    });
    fake.faults.hang = false;
    const [image] = await new ReplicateProvider(options()).resume(handle!, hostedRequest());
    expect(image).toMatchObject({ seed: 1234, width: 512, height: 512 });
    expect(fake.cancels).toEqual([]);
  });

  it('cancels mid-run with POST urls.cancel and rejects with the signal reason', async () => {
    fake.faults.hang = true;
    const controller = new AbortController();
    const run = provider.generate(hostedRequest({ batch_size: 2 }), { signal: controller.signal });
    await until(() => fake.count('GET', /^\/v1\/predictions\//) >= 4);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(fake.cancels.sort()).toEqual([...fake.predictions.keys()].sort());
    expect([...fake.predictions.values()].map((p) => p.status)).toEqual(['canceled', 'canceled']);
    expect(fake.requests.filter((r) => r.path.endsWith('/cancel')).every((r) => r.method === 'POST')).toBe(true);
  });

  describe('faults', () => {
    it('a wrong token: names REPLICATE_API_TOKEN and quotes Replicate', async () => {
      const err = await rejection(new ReplicateProvider(options({ apiKey: 'nope' })).generate(hostedRequest()));
      expect(err.code).toBe('provider_auth');
      expect(err.message).toContain('REPLICATE_API_TOKEN');
      expect(err.message).toContain('You did not pass a valid authentication token');
    });

    it('input validation (422) is quoted', async () => {
      const err = await rejection(provider.generate(hostedRequest({ guidance: 12 })));
      expect(err.code).toBe('provider_rejected');
      expect(err.message).toContain('input.guidance: ensure this value is less than or equal to 10');
    });

    it('429 on create: rate limited, never re-submitted', async () => {
      fake.faults.submitError = { status: 429, message: 'Request was throttled. Expected available in 1 second.' };
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_rate_limited');
      expect(err.message).toContain('try again later');
      expect(fake.count('POST', /.*/)).toBe(1);
    });

    it('402 billing', async () => {
      fake.faults.submitError = { status: 402, message: 'You have insufficient credit to run this model.' };
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_payment');
      expect(err.message).toContain('insufficient credit');
    });

    it('5xx on create, and transient errors on polls are retried', async () => {
      fake.faults.submitError = { status: 500 };
      expect((await rejection(provider.generate(hostedRequest()))).code).toBe('provider_unavailable');
      fake.faults = { pollError: { status: 502, count: 3 } };
      await expect(provider.generate(hostedRequest())).resolves.toHaveLength(1);
    });

    it('a failed prediction quotes its error', async () => {
      fake.faults.failWith = 'RuntimeError: CUDA error: device-side assert triggered';
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_failed');
      expect(err.message).toContain('CUDA error: device-side assert triggered');
    });

    it('NSFW: moderation', async () => {
      fake.faults.moderate = true;
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_moderated');
      expect(err.message).toContain('NSFW content');
    });

    it('truncated and expired outputs', async () => {
      fake.faults.truncate = true;
      expect((await rejection(provider.generate(hostedRequest()))).code).toBe('provider_bad_output');
      fake.faults = { expire: 404 };
      expect((await rejection(provider.generate(hostedRequest()))).code).toBe('provider_output_expired');
    });

    it('a prediction canceled on Replicate (not by us)', async () => {
      fake.faults.hang = true;
      const run = provider.generate(hostedRequest());
      await until(() => fake.predictions.size === 1 && fake.count('GET', /^\/v1\/predictions\//) >= 2);
      [...fake.predictions.values()][0]!.status = 'canceled';
      await expect(run).rejects.toMatchObject({ code: 'provider_canceled' });
    });
  });

  it('health uses GET /v1/account and never throws', async () => {
    expect(await provider.health()).toEqual({ ok: true });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/account' });
    expect(await new ReplicateProvider(options({ apiKey: 'bad' })).health()).toMatchObject({ ok: false, message: expect.stringContaining('REPLICATE_API_TOKEN') });
    const url = fake.url;
    await fake.close();
    expect(await new ReplicateProvider(options({ baseUrl: url })).health()).toMatchObject({ ok: false, message: expect.stringContaining('Could not reach Replicate') });
    fake = await ReplicateFake.start();
  });
});
