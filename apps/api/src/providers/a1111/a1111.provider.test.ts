import type { Sampler, Spec } from '@imageflow/shared';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeA1111Server, fakeSeedColor, type FakeA1111Options } from '../../../test/fakes/a1111-server.ts';
import { ProviderError } from '../../errors.ts';
import { readPngTextChunks } from '../../lib/png-text.ts';
import type { ProviderProgress, ProviderRequest } from '../../ports/provider.port.ts';
import { A1111Provider, type A1111Options } from './a1111.provider.ts';

const SDXL_TITLE = 'sd_xl_base_1.0.safetensors [31e35c80fc]';
const FLUX_TITLE = 'flux1-dev-bnb-nf4-v2.safetensors [f0770152fb]';

const spec = (over: Partial<Spec> = {}): Spec => ({
  width: 64,
  height: 48,
  steps: 4,
  guidance: 7,
  seed: 1234,
  sampler: 'dpmpp_2m_karras',
  strength: 0.6,
  batch_size: 1,
  ...over,
});

const request = (over: Partial<Spec> = {}, extra: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model: 'sdxl',
  prompt: 'a lighthouse at dusk, "oil painting"',
  negativePrompt: 'blurry',
  spec: spec(over),
  ...extra,
});

const fakes: FakeA1111Server[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.stop()));
});

async function startFake(options: FakeA1111Options = {}): Promise<FakeA1111Server> {
  const fake = await FakeA1111Server.start(options);
  fakes.push(fake);
  return fake;
}

function providerFor(fake: FakeA1111Server | string, over: Partial<A1111Options> = {}): A1111Provider {
  return new A1111Provider({
    name: 'gpu-box',
    url: typeof fake === 'string' ? fake : fake.url,
    models: {
      sdxl: { checkpoint: 'sd_xl_base_1.0.safetensors' },
      'flux-dev': { checkpoint: 'flux1-dev-bnb-nf4-v2', flux: true },
    },
    progressIntervalMs: 2,
    ...over,
  });
}

async function topLeft(png: Buffer): Promise<number[]> {
  const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return [data[0]!, data[1]!, data[2]!];
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('A1111Provider', () => {
  it('describes itself and serves the configured models', async () => {
    const provider = providerFor('http://127.0.0.1:9');
    expect(provider).toMatchObject({ name: 'gpu-box', kind: 'a1111', isAi: true });
    expect('resume' in provider).toBe(false);
    expect(await provider.models()).toEqual(['sdxl', 'flux-dev']);
    expect(await providerFor('http://127.0.0.1:9', { models: {} }).models()).toEqual(['sdxl']);
  });

  it('makes an SDXL image with txt2img: the request the server validated, a whole PNG, the seed and model from info', async () => {
    const fake = await startFake();
    const [image, ...rest] = await providerFor(fake).generate(request());
    expect(rest).toEqual([]);

    expect(fake.calls('/sdapi/v1/txt2img', 'POST')).toHaveLength(1);
    const gen = fake.generations[0]!;
    expect(gen.ignoredFields).toEqual([]);
    expect(gen.body).toMatchObject({
      prompt: 'a lighthouse at dusk, "oil painting"',
      negative_prompt: 'blurry',
      seed: 1234,
      steps: 4,
      cfg_scale: 7,
      width: 64,
      height: 48,
      sampler_name: 'DPM++ 2M',
      scheduler: 'Karras',
      batch_size: 1,
      n_iter: 1,
      send_images: true,
      save_images: false,
      override_settings: { sd_model_checkpoint: 'sd_xl_base_1.0.safetensors' },
      override_settings_restore_afterwards: true,
    });
    expect(gen.body).not.toHaveProperty('distilled_cfg_scale');
    expect(gen).toMatchObject({ kind: 'txt2img', checkpoint: SDXL_TITLE, sampler: 'DPM++ 2M', scheduler: 'Karras', seeds: [1234] });

    expect(image).toMatchObject({ seed: 1234, width: 64, height: 48, backendModel: 'sd_xl_base_1.0 [31e35c80fc]' });
    expect(await sharp(image!.png).metadata()).toMatchObject({ format: 'png', width: 64, height: 48 });
    expect(await topLeft(image!.png)).toEqual(fakeSeedColor(1234));
    const parameters = readPngTextChunks(image!.png).find((c) => c.keyword === 'parameters')?.text;
    expect(parameters).toMatch(/Seed: 1234, Size: 64x48/);
  });

  it('sends each sampler as A1111 ≥ 1.9 names it, and the combined names to older servers', async () => {
    const fake = await startFake();
    const provider = providerFor(fake);
    const cases: Array<[Sampler, string, string]> = [
      ['euler', 'Euler', 'Automatic'],
      ['euler_a', 'Euler a', 'Automatic'],
      ['dpmpp_2m', 'DPM++ 2M', 'Uniform'],
      ['dpmpp_sde', 'DPM++ SDE', 'Uniform'],
      ['uni_pc', 'UniPC', 'Automatic'],
    ];
    for (const [sampler, name, scheduler] of cases) {
      await provider.generate(request({ sampler, steps: 1 }));
      expect(fake.generations.at(-1)).toMatchObject({ sampler: name, scheduler, ignoredFields: [] });
    }

    const legacy = await startFake({ legacy: true });
    await providerFor(legacy).generate(request({ sampler: 'dpmpp_2m_karras', steps: 1 }));
    const gen = legacy.generations[0]!;
    expect(gen.body.sampler_name).toBe('DPM++ 2M Karras');
    expect(gen.body).not.toHaveProperty('scheduler');
    expect(gen).toMatchObject({ sampler: 'DPM++ 2M Karras', ignoredFields: [] });
  });

  it('makes FLUX on Forge with cfg_scale 1, distilled_cfg_scale = guidance, Euler + Simple', async () => {
    const fake = await startFake({ forge: true });
    const [image] = await providerFor(fake).generate(request({ guidance: 3.5, sampler: 'dpmpp_2m_karras' }, { model: 'flux-dev' }));
    const gen = fake.generations[0]!;
    expect(gen.ignoredFields).toEqual([]);
    expect(gen.params).toMatchObject({ cfg_scale: 1, distilled_cfg_scale: 3.5, sampler_name: 'Euler', scheduler: 'Simple' });
    expect(gen).toMatchObject({ checkpoint: FLUX_TITLE, sampler: 'Euler', scheduler: 'Simple' });
    expect(image!.backendModel).toBe('flux1-dev-bnb-nf4-v2 [f0770152fb]');
    // The fake is Forge-strict: plain A1111 has no distilled_cfg_scale and silently drops it.
    const plain = await startFake();
    await providerFor(plain).generate(request({ guidance: 3.5, steps: 1 }, { model: 'flux-dev' }));
    expect(plain.generations[0]!.ignoredFields).toEqual(['distilled_cfg_scale']);
  });

  it('does img2img: the init image resized, raw base64, denoising_strength = strength', async () => {
    const fake = await startFake();
    const init = await sharp({ create: { width: 200, height: 100, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 1 } } })
      .png()
      .toBuffer();
    const progress: ProviderProgress[] = [];
    const [image] = await providerFor(fake).generate(request({ strength: 0.25, steps: 8 }, { init: { png: init } }), {
      onProgress: (p) => progress.push(p),
    });
    expect(fake.calls('/sdapi/v1/img2img', 'POST')).toHaveLength(1);
    expect(fake.calls('/sdapi/v1/txt2img')).toHaveLength(0);
    const gen = fake.generations[0]!;
    expect(gen.kind).toBe('img2img');
    expect(gen.ignoredFields).toEqual([]);
    expect(gen.body.denoising_strength).toBe(0.25);
    const sent = gen.body.init_images as string[];
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toMatch(/^data:/);
    expect(await sharp(Buffer.from(sent[0]!, 'base64')).metadata()).toMatchObject({ format: 'png', width: 64, height: 48 });
    // The fake blends the init in by 1 - strength: the result is mostly red.
    const [r, g, b] = await topLeft(image!.png);
    expect(r).toBeGreaterThan(180);
    expect(g! + b!).toBeLessThan(200);
    // img2img samples int(strength * steps) + 1 steps, and progress says so.
    for (const p of progress) expect(p.total).toBe(3);
  });

  it('returns a batch with the seeds from info, dropping the grid before it and the extras after it', async () => {
    const fake = await startFake({ returnGrid: true, extraImages: 1 });
    fake.faults.infoSeeds = [11, 22, 33];
    const images = await providerFor(fake).generate(request({ batch_size: 3, steps: 1 }));
    expect(images.map((i) => i.seed)).toEqual([11, 22, 33]);
    for (const image of images) {
      expect(image).toMatchObject({ width: 64, height: 48 });
      expect(await topLeft(image.png)).toEqual(fakeSeedColor(image.seed));
    }

    const plain = await startFake();
    const batch = await providerFor(plain).generate(request({ batch_size: 2, steps: 1 }));
    expect(batch.map((i) => i.seed)).toEqual([1234, 1235]);
    expect(plain.generations[0]!.body).toMatchObject({ batch_size: 2, n_iter: 1 });
  });

  it('reports progress and live previews while the request runs, then stops polling', async () => {
    const fake = await startFake({ lockstep: true, previewEvery: 1 });
    const progress: ProviderProgress[] = [];
    const previews: Array<{ mime: string; data: Buffer }> = [];
    await providerFor(fake).generate(request({ steps: 6 }), {
      onProgress: (p) => progress.push(p),
      onPreview: (p) => previews.push(p),
    });
    expect(progress.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.step).toBeGreaterThan(progress[i - 1]!.step);
    for (const p of progress) expect(p.total).toBe(6);
    expect(previews.length).toBeGreaterThanOrEqual(3);
    for (const p of previews) {
      expect(p.mime).toBe('image/png');
      expect((await sharp(p.data).metadata()).format).toBe('png');
    }
    expect(fake.calls('/sdapi/v1/progress').every((r) => r.query === '?skip_current_image=false')).toBe(true);

    const polls = fake.progressPolls;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake.progressPolls).toBe(polls);
  });

  it('asks for no preview image when nobody wants previews, and does not poll when nobody listens', async () => {
    const fake = await startFake({ lockstep: true });
    await providerFor(fake).generate(request(), { onProgress: () => undefined });
    expect(fake.calls('/sdapi/v1/progress').every((r) => r.query === '?skip_current_image=true')).toBe(true);

    const quiet = await startFake({ stepMs: 5 });
    await providerFor(quiet).generate(request());
    expect(quiet.progressPolls).toBe(0);
  });

  it('cancels mid-run: posts /sdapi/v1/interrupt and rejects with the signal reason', async () => {
    const fake = await startFake({ lockstep: true });
    const controller = new AbortController();
    const reason = new Error('canceled by the user');
    const run = providerFor(fake).generate(request({ steps: 50 }), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step >= 2) controller.abort(reason);
      },
    });
    await expect(run).rejects.toBe(reason);
    expect(fake.interrupts).toBe(1);
    expect(fake.calls('/sdapi/v1/interrupt', 'POST')).toHaveLength(1);
    expect(fake.calls('/sdapi/v1/txt2img')).toHaveLength(1);
    await expect.poll(() => fake.generations[0]!.interrupted).toBe(true);
    expect(fake.generations[0]!.stepsDone).toBeLessThan(50);
  });

  it('does not contact the server when the signal is already aborted', async () => {
    const fake = await startFake();
    const reason = new Error('too late');
    await expect(providerFor(fake).generate(request(), { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fake.requests).toEqual([]);
  });

  it('uses HTTP Basic auth on every call, and says what to do without it or with a wrong password', async () => {
    const fake = await startFake({ auth: { username: 'ada', password: 's3cret:x' }, lockstep: true, previewEvery: 1 });
    const ok = providerFor(fake, { username: 'ada', password: 's3cret:x' });
    await ok.generate(request(), { onProgress: () => undefined, onPreview: () => undefined });
    expect(fake.generations).toHaveLength(1);
    expect(await ok.health()).toEqual({ ok: true });

    const none = await failure(providerFor(fake).generate(request()));
    expect(none.code).toBe('provider_auth');
    expect(none.message).toBe(
      `A1111 at ${fake.url} needs a username and password (--api-auth); set them in imageflow.config.json.`,
    );
    const wrong = await failure(providerFor(fake, { username: 'ada', password: 'nope' }).generate(request()));
    expect(wrong.message).toMatch(/refused the username and password \(--api-auth\); check them in imageflow\.config\.json/);
    expect(await providerFor(fake).health()).toMatchObject({ ok: false, message: expect.stringMatching(/needs a username/) });

    const inUrl = providerFor(fake.url.replace('http://', 'http://ada:s3cret%3Ax@'));
    await inUrl.generate(request({ steps: 1 }), { onProgress: () => undefined });
    expect(fake.generations).toHaveLength(2);
  });

  it('converts images of a server set to save JPEG into PNG', async () => {
    const fake = await startFake({ samplesFormat: 'jpeg' });
    const [image] = await providerFor(fake).generate(request());
    expect(await sharp(image!.png).metadata()).toMatchObject({ format: 'png', width: 64, height: 48 });
  });

  it('health: ok, a missing checkpoint named, or why it is unreachable', async () => {
    const fake = await startFake();
    expect(await providerFor(fake).health()).toEqual({ ok: true });
    const missing = await providerFor(fake, { models: { sdxl: { checkpoint: 'nope.safetensors' } } }).health();
    expect(missing).toMatchObject({ ok: true, message: expect.stringMatching(/'nope\.safetensors' \(for sdxl\) is not on the server/) });
    fake.faults.noApi = true;
    expect(await providerFor(fake).health()).toMatchObject({ ok: false, message: expect.stringMatching(/start it with --api/) });
    await fake.stop();
    expect(await providerFor(fake).health()).toMatchObject({ ok: false, message: expect.stringMatching(/not reachable/) });
  });
});

describe('A1111Provider faults', () => {
  it('says the server is not reachable when nothing listens', async () => {
    const fake = await startFake();
    await fake.stop();
    const err = await failure(providerFor(fake).generate(request()));
    expect(err.code).toBe('provider_unreachable');
    expect(err.message).toBe(`A1111 at ${fake.url} is not reachable: connection refused (ECONNREFUSED). Is it running with --api?`);
  });

  it('says the server is not an --api server when /sdapi is not there', async () => {
    const fake = await startFake();
    fake.faults.noApi = true;
    const err = await failure(providerFor(fake).generate(request()));
    expect(err.message).toMatch(/has no \/sdapi\/v1\/sd-models: start it with --api \(add it to COMMANDLINE_ARGS\)/);
  });

  it("quotes A1111's 500 error body, with a hint for out of memory, and never posts twice", async () => {
    const fake = await startFake();
    fake.faults.error500 = true;
    const err = await failure(providerFor(fake).generate(request()));
    expect(err.code).toBe('provider_failed');
    expect(err.message).toMatch(/^A1111 failed while generating: OutOfMemoryError: CUDA out of memory\. Tried to allocate 2\.50 GiB/);
    expect(err.message).toMatch(/The GPU ran out of memory: try a smaller size or batch\.$/);
    expect(fake.calls('/sdapi/v1/txt2img')).toHaveLength(1);

    fake.faults.error500 = { error: 'RuntimeError', errors: 'mat1 and mat2 shapes cannot be multiplied (154x2048 and 768x320)' };
    const other = await failure(providerFor(fake).generate(request()));
    expect(other.message).toBe('A1111 failed while generating: RuntimeError: mat1 and mat2 shapes cannot be multiplied (154x2048 and 768x320).');
  });

  it("quotes FastAPI's 422 validation detail", async () => {
    const fake = await startFake();
    fake.faults.validation422 = { field: 'steps', msg: 'value is not a valid integer', type: 'type_error.integer' };
    const err = await failure(providerFor(fake).generate(request()));
    expect(err.code).toBe('provider_rejected');
    expect(err.message).toBe('A1111 refused the request: steps: value is not a valid integer (HTTP 422).');
  });

  it('names the checkpoints the server has when the configured one is missing, without generating', async () => {
    const fake = await startFake();
    const provider = providerFor(fake, { models: { sdxl: { checkpoint: 'sd_xl_turbo_1.0.safetensors' } } });
    const err = await failure(provider.generate(request()));
    expect(err.code).toBe('provider_model_missing');
    expect(err.message).toMatch(
      /^checkpoint 'sd_xl_turbo_1\.0\.safetensors' is not on the A1111 server; it has: sd_xl_base_1\.0\.safetensors, flux1-dev-bnb-nf4-v2\.safetensors\. Set models\.sdxl\.checkpoint/,
    );
    expect(fake.refreshes).toBe(1);
    expect(fake.generations).toEqual([]);
  });

  it('finds a checkpoint added since the server started after asking it to rescan', async () => {
    const fake = await startFake({ unlistedCheckpoints: [{ name: 'XL/juggernautXL_v9.safetensors', hash: 'c9e3e68f89' }] });
    const provider = providerFor(fake, { models: { sdxl: { checkpoint: 'juggernautXL_v9' } } });
    const [image] = await provider.generate(request());
    expect(fake.generations[0]!.checkpoint).toBe('XL/juggernautXL_v9.safetensors [c9e3e68f89]');
    expect(image!.backendModel).toBe('juggernautXL_v9 [c9e3e68f89]');
    // The override is restored afterwards, as asked.
    expect(fake.loadedCheckpoint).toBe(SDXL_TITLE);
  });

  it('refuses a sampler the server does not have instead of letting it fall back silently', async () => {
    const fake = await startFake({ samplers: ['DPM++ 2M', 'Euler a', 'Euler'] });
    const err = await failure(providerFor(fake).generate(request({ sampler: 'uni_pc' })));
    expect(err.message).toMatch(/has no sampler 'UniPC' \(for uni_pc\); it has: DPM\+\+ 2M, Euler a, Euler/);
    expect(fake.generations).toEqual([]);
  });

  it('reports a reply that is not JSON', async () => {
    const fake = await startFake();
    fake.faults.malformedJson = true;
    const err = await failure(providerFor(fake).generate(request()));
    expect(err.code).toBe('provider_bad_response');
    expect(err.message).toMatch(/sent a reply to \/sdapi\/v1\/txt2img that is not JSON/);
  });

  it('reports a damaged (truncated) image', async () => {
    const fake = await startFake();
    fake.faults.truncatedImage = true;
    const err = await failure(providerFor(fake).generate(request()));
    expect(err.message).toMatch(/^A1111 returned a damaged image \(cut off/);
  });

  it('reports an answer without images', async () => {
    const fake = await startFake();
    fake.faults.missingImages = true;
    const err = await failure(providerFor(fake).generate(request()));
    expect(err.message).toMatch(/answered without images/);
  });

  it('copes with info that is not a JSON string: an object is read, unreadable text falls back to the seeds asked for', async () => {
    const fake = await startFake();
    fake.faults.info = 'object';
    fake.faults.infoSeeds = [5, 6];
    expect((await providerFor(fake).generate(request({ batch_size: 2 }))).map((i) => i.seed)).toEqual([5, 6]);

    fake.faults.info = 'garbage';
    fake.faults.infoSeeds = undefined;
    const images = await providerFor(fake).generate(request({ batch_size: 2 }));
    expect(images.map((i) => i.seed)).toEqual([1234, 1235]);
    expect(images[0]!.backendModel).toBe('sd_xl_base_1.0.safetensors');
  });

  it('says the server dropped the connection while generating, and does not post again', async () => {
    const fake = await startFake();
    fake.faults.dropConnection = true;
    const err = await failure(providerFor(fake).generate(request()));
    expect(err.code).toBe('provider_unreachable');
    expect(err.message).toMatch(/dropped the connection while generating .*It may have crashed or restarted/);
    expect(fake.calls('/sdapi/v1/txt2img')).toHaveLength(1);
  });
});

describe('the fake A1111 is as strict as the real one', () => {
  async function post(fake: FakeA1111Server, path: string, body: unknown, contentType = 'application/json') {
    const res = await fetch(`${fake.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it("validates types like pydantic: 422 with FastAPI's detail, numeric strings coerced", async () => {
    const fake = await startFake();
    expect(await post(fake, '/sdapi/v1/txt2img', { steps: 'many', cfg_scale: [7], styles: ['a', {}] })).toEqual({
      status: 422,
      body: {
        detail: [
          { loc: ['body', 'styles', 1], msg: 'str type expected', type: 'type_error.str' },
          { loc: ['body', 'steps'], msg: 'value is not a valid integer', type: 'type_error.integer' },
          { loc: ['body', 'cfg_scale'], msg: 'value is not a valid float', type: 'type_error.float' },
        ],
      },
    });
    const ok = await post(fake, '/sdapi/v1/txt2img', { steps: '2', width: 64.9, height: 64, send_images: 'yes' });
    expect(ok.status).toBe(200);
    expect(ok.body.parameters).toMatchObject({ steps: 2, width: 64, send_images: true });
    expect(typeof ok.body.info).toBe('string');
  });

  it('ignores unknown fields (recording them), and refuses a body that is not sent as JSON', async () => {
    const fake = await startFake();
    const ok = await post(fake, '/sdapi/v1/txt2img', { steps: 1, width: 64, height: 64, guidance_scale: 5, num_images: 2 });
    expect(ok.status).toBe(200);
    expect(fake.generations[0]!.ignoredFields).toEqual(['guidance_scale', 'num_images']);
    expect(ok.body.parameters).not.toHaveProperty('guidance_scale');
    expect(await post(fake, '/sdapi/v1/txt2img', JSON.stringify({ steps: 1 }), 'text/plain;charset=UTF-8')).toEqual({
      status: 422,
      body: { detail: [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }] },
    });
  });

  it('falls back to the default sampler for an unknown name (1.9+), 404s it before 1.9', async () => {
    const fake = await startFake();
    expect((await post(fake, '/sdapi/v1/txt2img', { steps: 1, width: 64, height: 64, sampler_name: 'Euler Karras Turbo' })).status).toBe(200);
    expect(fake.generations[0]).toMatchObject({ sampler: 'DPM++ 2M' });
    const legacy = await startFake({ legacy: true });
    expect(await post(legacy, '/sdapi/v1/txt2img', { steps: 1, sampler_name: 'Euler Karras Turbo' })).toEqual({
      status: 404,
      body: { error: 'HTTPException', detail: 'Sampler not found', body: '', errors: '' },
    });
  });

  it('silently uses the loaded checkpoint for an unknown override, and refuses init images that do not decode', async () => {
    const fake = await startFake();
    const res = await post(fake, '/sdapi/v1/txt2img', { steps: 1, width: 64, height: 64, override_settings: { sd_model_checkpoint: 'nope' } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.info as string)).toMatchObject({ sd_model_name: 'sd_xl_base_1.0' });
    expect(await post(fake, '/sdapi/v1/img2img', { steps: 1, init_images: ['bm90IGFuIGltYWdl'] })).toEqual({
      status: 500,
      body: { error: 'HTTPException', detail: 'Invalid encoded image', body: '', errors: '' },
    });
    expect(await post(fake, '/sdapi/v1/img2img', { steps: 1 })).toEqual({
      status: 404,
      body: { error: 'HTTPException', detail: 'Init image not found', body: '', errors: '' },
    });
  });
});
