import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderProgress, RemoteHandle } from '../../ports/provider.port.ts';
import { FalFake, hostedRequest, initPng, pngInfo, until } from '../../../test/fakes/hosted-servers.ts';
import { FalProvider } from './fal.provider.ts';
import type { HostedOptions } from './hosted-common.ts';
import { rejection } from '../../../test/provider-errors.ts';

let fake: FalFake;
let provider: FalProvider;
const options = (over: Partial<HostedOptions> = {}): HostedOptions => ({ name: 'fal', apiKey: fake.apiKey, baseUrl: fake.url, pollIntervalMs: 2, ...over });

beforeEach(async () => {
  fake = await FalFake.start();
  provider = new FalProvider(options());
});
afterEach(() => fake.close());

describe('FalProvider', () => {
  it('describes itself and serves every model by default, or only those configured', async () => {
    expect(provider).toMatchObject({ name: 'fal', kind: 'fal', isAi: true });
    expect(await provider.models()).toEqual(['sdxl', 'flux-dev', 'flux-schnell']);
    expect(await new FalProvider(options({ models: { 'flux-dev': 'fal-ai/flux/dev' } })).models()).toEqual(['flux-dev']);
  });

  it('runs FLUX.1 [dev] text-to-image through the queue and returns the PNG at the asked size', async () => {
    const [image, ...rest] = await provider.generate(hostedRequest({ width: 320, height: 192 }));
    expect(rest).toEqual([]);
    expect(image).toMatchObject({ width: 320, height: 192, seed: 1234, backendModel: 'fal-ai/flux/dev' });
    expect(await pngInfo(image!.png)).toEqual({ format: 'png', width: 320, height: 192 });

    expect(fake.submissions).toEqual([
      {
        path: 'fal-ai/flux/dev',
        body: {
          prompt: 'a lighthouse on a cliff at dusk',
          num_inference_steps: 20,
          num_images: 1,
          output_format: 'png',
          guidance_scale: 3.5,
          image_size: { width: 320, height: 192 },
          seed: 1234,
        },
      },
    ]);
    const submit = fake.requests.find((r) => r.method === 'POST')!;
    expect(submit.headers.authorization).toBe(`Key ${fake.apiKey}`);
    // A job sent to fal-ai/flux/dev is polled under the app, fal-ai/flux, with its logs.
    const polls = fake.requests.filter((r) => r.path.endsWith('/status'));
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.every((r) => r.path.startsWith('/fal-ai/flux/requests/') && r.query.logs === '1')).toBe(true);
    // The output was fetched from the CDN without the key.
    expect(fake.fileFetches).toEqual([{ path: expect.stringMatching(/^\/files\//), withKey: false }]);
  });

  it('maps SDXL with its negative prompt and `format`, and schnell without guidance', async () => {
    await provider.generate(hostedRequest({ guidance: 7 }, { model: 'sdxl', negativePrompt: 'blurry' }));
    await provider.generate(hostedRequest({ steps: 4 }, { model: 'flux-schnell', negativePrompt: 'ignored by FLUX' }));
    expect(fake.submissions.map((s) => s.path)).toEqual(['fal-ai/fast-sdxl', 'fal-ai/flux/schnell']);
    expect(fake.submissions[0]!.body).toMatchObject({ negative_prompt: 'blurry', format: 'png', guidance_scale: 7, num_images: 1 });
    expect(fake.submissions[1]!.body).not.toHaveProperty('guidance_scale');
    expect(fake.submissions[1]!.body).not.toHaveProperty('negative_prompt');
  });

  it('sends img2img to the image-to-image endpoint as a data URI resized to the recipe, with strength', async () => {
    const init = await initPng(300, 200);
    const [image] = await provider.generate(hostedRequest({ width: 256, height: 192, strength: 0.45 }, { init: { png: init } }));
    expect(fake.submissions[0]!.path).toBe('fal-ai/flux/dev/image-to-image');
    const body = fake.submissions[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ strength: 0.45, output_format: 'png', num_images: 1 });
    expect(body).not.toHaveProperty('image_size');
    expect(String(body.image_url)).toMatch(/^data:image\/png;base64,/);
    expect([...fake.jobs.values()][0]!.inputImage).toEqual({ width: 256, height: 192, format: 'png' });
    expect(image).toMatchObject({ width: 256, height: 192, backendModel: 'fal-ai/flux/dev/image-to-image' });

    await provider.generate(hostedRequest({}, { model: 'sdxl', init: { png: init } }));
    expect(fake.submissions[1]!.path).toBe('fal-ai/fast-sdxl/image-to-image');
  });

  it('says clearly that flux-schnell has no image-to-image on fal, without calling fal', async () => {
    const err = await rejection(provider.generate(hostedRequest({}, { model: 'flux-schnell', init: { png: await initPng() } })));
    expect(err.code).toBe('provider_unsupported');
    expect(err.message).toMatch(/no image-to-image endpoint.*flux-schnell/);
    expect(fake.requests).toHaveLength(0);
  });

  it('makes a batch as one request per image with seeds seed, seed + 1, ...', async () => {
    const images = await provider.generate(hostedRequest({ batch_size: 3, seed: 4_294_967_294 }));
    expect(images.map((i) => i.seed)).toEqual([4_294_967_294, 4_294_967_295, 0]);
    expect(fake.submissions.map((s) => (s.body as { seed: number }).seed)).toEqual([4_294_967_294, 4_294_967_295, 0]);
    expect(fake.submissions.every((s) => (s.body as { num_images: number }).num_images === 1)).toBe(true);
    expect(new Set(images.map((i) => i.png.toString('base64'))).size).toBe(3);
  });

  it('reads the seed fal actually used from its result', async () => {
    fake.faults.forceSeed = 987654;
    const [image] = await provider.generate(hostedRequest());
    expect(image!.seed).toBe(987654);
  });

  it('reports progress from step counters in the logs, and only what fal reported', async () => {
    fake.faults = { stepLogs: true, runPolls: 3 };
    const seen: ProviderProgress[] = [];
    await provider.generate(hostedRequest({ steps: 20 }), { onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.at(-1)).toEqual({ step: 20, total: 20 });
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.step).toBeGreaterThan(seen[i - 1]!.step);

    // Logs without step counters: nothing is made up, only the finished image counts.
    fake.faults = {};
    const plain: ProviderProgress[] = [];
    await provider.generate(hostedRequest({ steps: 20, batch_size: 2 }), { onProgress: (p) => plain.push(p) });
    expect(plain).toEqual([
      { step: 20, total: 40 },
      { step: 40, total: 40 },
    ]);
  });

  it('converts a JPEG or WebP output to PNG', async () => {
    fake.faults.serveFormat = 'jpeg';
    const [jpeg] = await provider.generate(hostedRequest());
    expect(await pngInfo(jpeg!.png)).toEqual({ format: 'png', width: 256, height: 256 });
    fake.faults.serveFormat = 'webp';
    const [webp] = await provider.generate(hostedRequest());
    expect(await pngInfo(webp!.png)).toEqual({ format: 'png', width: 256, height: 256 });
  });

  it('hands onSubmitted a plain handle that another instance can resume after a restart', async () => {
    fake.faults.hang = true;
    let handle: RemoteHandle | undefined;
    let dead = false;
    // The first process: its connection dies once the jobs are submitted.
    const dying: typeof fetch = (input, init) => (dead ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init));
    const first = new FalProvider(options({ fetch: dying }));
    const run = first.generate(hostedRequest({ batch_size: 2 }), {
      onSubmitted: (h) => {
        handle = JSON.parse(JSON.stringify(h)) as RemoteHandle;
      },
    });
    await until(() => handle !== undefined && fake.count('GET', /\/status$/) >= 2);
    dead = true;
    await expect(run).rejects.toMatchObject({ code: 'provider_unreachable' });
    expect(handle).toMatchObject({ service: 'fal', endpoint: 'fal-ai/flux/dev', jobs: [{ seed: 1234 }, { seed: 1235 }] });

    fake.faults.hang = false;
    const images = await new FalProvider(options()).resume(handle!, hostedRequest({ batch_size: 2 }));
    expect(images.map((i) => i.seed)).toEqual([1234, 1235]);
    expect(fake.cancels).toEqual([]);
    expect(fake.submissions).toHaveLength(2);
  });

  it('refuses to resume from a handle that is not a fal handle', async () => {
    const err = await rejection(provider.resume({ prompt_id: 'x' }, hostedRequest()));
    expect(err.code).toBe('provider_bad_handle');
  });

  it('cancels mid-run with PUT cancel_url and rejects with the signal reason', async () => {
    fake.faults.hang = true;
    const controller = new AbortController();
    const run = provider.generate(hostedRequest({ batch_size: 2 }), { signal: controller.signal });
    await until(() => fake.count('GET', /\/status$/) >= 4);
    const reason = new Error('user canceled');
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(fake.cancels.sort()).toEqual([...fake.jobs.keys()].sort());
    const cancels = fake.requests.filter((r) => r.path.endsWith('/cancel'));
    expect(cancels.map((r) => r.method)).toEqual(['PUT', 'PUT']);
    expect(cancels.every((r) => r.headers.authorization === `Key ${fake.apiKey}`)).toBe(true);
  });

  it('rejects with the reason at once when aborted before it starts, sending nothing', async () => {
    const controller = new AbortController();
    const reason = new Error('too late');
    controller.abort(reason);
    await expect(provider.generate(hostedRequest(), { signal: controller.signal })).rejects.toBe(reason);
    expect(fake.submissions).toHaveLength(0);
  });

  describe('faults', () => {
    it('a wrong key: names FAL_KEY and quotes fal', async () => {
      const err = await rejection(new FalProvider(options({ apiKey: 'wrong' })).generate(hostedRequest()));
      expect(err.code).toBe('provider_auth');
      expect(err.message).toContain('fal rejected the API key (FAL_KEY)');
      expect(err.message).toContain('No user found for Key ID and Secret');
    });

    it("an input fal's app refuses (422): its validation message is quoted", async () => {
      const err = await rejection(provider.generate(hostedRequest({ steps: 60 })));
      expect(err.code).toBe('provider_rejected');
      expect(err.message).toContain('num_inference_steps: ensure this value is less than or equal to 50');
    });

    it('an unknown model id: 404 names the model', async () => {
      const err = await rejection(new FalProvider(options({ models: { 'flux-dev': 'fal-ai/flux/nope' } })).generate(hostedRequest()));
      expect(err.code).toBe('provider_not_found');
      expect(err.message).toContain('fal-ai/flux/nope');
    });

    it('429 on submit: rate limited, and never re-submitted', async () => {
      fake.faults.submitError = { status: 429, message: 'Too many concurrent requests' };
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_rate_limited');
      expect(err.message).toMatch(/rate limited.*try again later/);
      expect(fake.count('POST', /.*/)).toBe(1);
    });

    it('5xx on submit', async () => {
      fake.faults.submitError = { status: 503, message: 'Service Unavailable' };
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_unavailable');
      expect(err.message).toContain('server error (503)');
    });

    it('transient 429 and 5xx on status polls are retried with backoff', async () => {
      fake.faults.pollError = { status: 503, count: 2 };
      await expect(provider.generate(hostedRequest())).resolves.toHaveLength(1);
      fake.faults = { pollError: { status: 429, count: 2 } };
      await expect(provider.generate(hostedRequest())).resolves.toHaveLength(1);
    });

    it("the safety checker's NSFW flag", async () => {
      fake.faults.moderate = true;
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_moderated');
      expect(err.message).toContain('NSFW');
    });

    it('a failed request: its error is quoted', async () => {
      fake.faults.failWith = 'CUDA out of memory';
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.message).toContain('CUDA out of memory');
    });

    it('a truncated output image', async () => {
      fake.faults.truncate = true;
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_bad_output');
      expect(err.message).toMatch(/broken or truncated PNG/);
    });

    it('an expired output URL', async () => {
      fake.faults.expire = true;
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_output_expired');
    });

    it('a failure in one image of a batch cancels the others', async () => {
      fake.faults.hang = true;
      const controller = new AbortController();
      const run = provider.generate(hostedRequest({ batch_size: 2 }), { signal: controller.signal });
      await until(() => fake.jobs.size === 2 && fake.count('GET', /\/status$/) >= 2);
      fake.faults.pollError = { status: 401, count: 1 };
      await expect(run).rejects.toMatchObject({ code: 'provider_auth' });
      expect(fake.cancels).toHaveLength(2);
    });

    it('fal cannot be reached', async () => {
      const url = fake.url;
      await fake.close();
      const err = await rejection(new FalProvider(options({ baseUrl: url })).generate(hostedRequest()));
      expect(err.code).toBe('provider_unreachable');
      expect(err.message).toContain(`Could not reach fal at ${url}`);
      fake = await FalFake.start();
    });
  });

  it('health: ok with a good key, not ok with a bad one or no fal, never throwing', async () => {
    expect(await provider.health()).toEqual({ ok: true });
    expect(await new FalProvider(options({ apiKey: 'wrong' })).health()).toMatchObject({ ok: false, message: expect.stringContaining('FAL_KEY') });
    expect(await new FalProvider(options({ apiKey: '' })).health()).toMatchObject({ ok: false });
    const url = fake.url;
    await fake.close();
    expect(await new FalProvider(options({ baseUrl: url })).health()).toMatchObject({ ok: false, message: expect.stringContaining('Could not reach fal') });
    fake = await FalFake.start();
  });
});
