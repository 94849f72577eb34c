import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Provider } from '../../ports/provider.port.ts';
import { OpenAiFake, hostedRequest, initPng, pngInfo, until } from '../../../test/fakes/hosted-servers.ts';
import type { HostedOptions } from './hosted-common.ts';
import { OpenAiProvider, closestOpenAiSize } from './openai.provider.ts';
import { rejection } from '../../../test/provider-errors.ts';

let fake: OpenAiFake;
let provider: OpenAiProvider;
const options = (over: Partial<HostedOptions> = {}): HostedOptions => ({ name: 'openai', apiKey: fake.apiKey, baseUrl: `${fake.url}/v1`, ...over });

beforeEach(async () => {
  fake = await OpenAiFake.start();
  provider = new OpenAiProvider(options());
});
afterEach(() => fake.close());

describe('OpenAiProvider (through the AI SDK)', () => {
  it('maps no model by default; lists only those configured', async () => {
    expect(provider).toMatchObject({ name: 'openai', kind: 'openai', isAi: true });
    expect((provider as Provider).resume).toBeUndefined();
    expect(await provider.models()).toEqual([]);
    expect(await new OpenAiProvider(options({ models: { sdxl: 'gpt-image-1' } })).models()).toEqual(['sdxl']);
  });

  it('picks the closest size OpenAI accepts', () => {
    expect(closestOpenAiSize('gpt-image-1', 256, 256)).toBe('1024x1024');
    expect(closestOpenAiSize('gpt-image-1', 1280, 720)).toBe('1536x1024');
    expect(closestOpenAiSize('gpt-image-1', 768, 1024)).toBe('1024x1536');
    expect(closestOpenAiSize('dall-e-3', 1920, 1080)).toBe('1792x1024');
    expect(closestOpenAiSize('dall-e-2', 300, 300)).toBe('256x256');
  });

  it('a model routed here without config runs on gpt-image-1: one call for the batch, PNGs back', async () => {
    const images = await provider.generate(hostedRequest({ width: 1024, height: 640, batch_size: 3, seed: 9 }, { negativePrompt: 'ignored' }));
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({
      endpoint: 'generations',
      fields: { model: 'gpt-image-1', prompt: 'a lighthouse on a cliff at dusk', n: 3, size: '1536x1024', output_format: 'png' },
    });
    expect(fake.calls[0]!.fields).not.toHaveProperty('response_format');
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(images.map((i) => [i.width, i.height, i.seed, i.backendModel])).toEqual([
      [1536, 1024, 9, 'gpt-image-1'],
      [1536, 1024, 10, 'gpt-image-1'],
      [1536, 1024, 11, 'gpt-image-1'],
    ]);
    for (const image of images) expect(await pngInfo(image.png)).toEqual({ format: 'png', width: 1536, height: 1024 });
  });

  it('uses the configured model id', async () => {
    const dalle = new OpenAiProvider(options({ models: { 'flux-dev': 'dall-e-3' } }));
    const images = await dalle.generate(hostedRequest({ width: 1024, height: 1024, batch_size: 2 }));
    // dall-e-3 makes one image per call; the SDK splits the batch.
    expect(fake.calls.map((c) => c.fields)).toEqual([
      { model: 'dall-e-3', prompt: 'a lighthouse on a cliff at dusk', n: 1, size: '1024x1024', response_format: 'b64_json' },
      { model: 'dall-e-3', prompt: 'a lighthouse on a cliff at dusk', n: 1, size: '1024x1024', response_format: 'b64_json' },
    ]);
    expect(images).toHaveLength(2);
  });

  it('img2img is an edit: multipart /v1/images/edits with the init resized to the output size', async () => {
    const [image] = await provider.generate(hostedRequest({ width: 1024, height: 1024 }, { init: { png: await initPng(300, 200) } }));
    expect(fake.calls).toHaveLength(1);
    expect(fake.calls[0]).toMatchObject({
      endpoint: 'edits',
      fields: { model: 'gpt-image-1', prompt: 'a lighthouse on a cliff at dusk', n: 1, size: '1024x1024', output_format: 'png', image: 'file' },
      images: [{ width: 1024, height: 1024, format: 'png' }],
    });
    expect(fake.requests[0]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(image).toMatchObject({ width: 1024, height: 1024 });
  });

  it('a JPEG answer is converted to PNG', async () => {
    fake.faults.serveFormat = 'jpeg';
    const [image] = await provider.generate(hostedRequest());
    expect(await pngInfo(image!.png)).toEqual({ format: 'png', width: 1024, height: 1024 });
  });

  it('aborting aborts the HTTP request and rejects with the reason', async () => {
    fake.faults.delayMs = 5000;
    const controller = new AbortController();
    const run = provider.generate(hostedRequest(), { signal: controller.signal });
    await until(() => fake.calls.length === 1);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    await until(() => fake.http.disconnects.length === 1);
    expect(fake.http.disconnects).toEqual(['POST /v1/images/generations']);
  });

  describe('faults', () => {
    it('a wrong key: names OPENAI_API_KEY and quotes OpenAI', async () => {
      const err = await rejection(new OpenAiProvider(options({ apiKey: 'sk-wrong' })).generate(hostedRequest()));
      expect(err.code).toBe('provider_auth');
      expect(err.message).toContain('OpenAI rejected the API key (OPENAI_API_KEY)');
      expect(err.message).toContain('Incorrect API key provided');
    });

    it('a model OpenAI does not have is refused with its message', async () => {
      const err = await rejection(new OpenAiProvider(options({ models: { sdxl: 'gpt-image-9' } })).generate(hostedRequest({}, { model: 'sdxl' })));
      expect(err.code).toBe('provider_rejected');
      expect(err.message).toContain("Invalid value: 'gpt-image-9'");
    });

    it('429: rate limited, and not retried (a retry would be a second billed generation)', async () => {
      fake.faults.submitError = { status: 429, count: 5 };
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_rate_limited');
      expect(err.message).toContain('Rate limit reached');
      expect(fake.count('POST', /.*/)).toBe(1);
    });

    it('5xx', async () => {
      fake.faults.submitError = { status: 500, count: 5 };
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_unavailable');
      expect(fake.count('POST', /.*/)).toBe(1);
    });

    it("the safety system's refusal", async () => {
      fake.faults.moderate = true;
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_moderated');
      expect(err.message).toContain('safety system');
    });

    it('a truncated image', async () => {
      fake.faults.truncate = true;
      expect((await rejection(provider.generate(hostedRequest()))).code).toBe('provider_bad_output');
    });

    it('OpenAI cannot be reached', async () => {
      const url = fake.url;
      await fake.close();
      const err = await rejection(new OpenAiProvider(options({ baseUrl: `${url}/v1` })).generate(hostedRequest()));
      expect(err.code).toBe('provider_unreachable');
      expect(err.message).toContain('Could not reach OpenAI');
      fake = await OpenAiFake.start();
    });
  });

  it('health asks for the model, never throwing', async () => {
    expect(await provider.health()).toEqual({ ok: true });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models/gpt-image-1' });
    expect(await new OpenAiProvider(options({ apiKey: 'sk-bad' })).health()).toMatchObject({ ok: false, message: expect.stringContaining('OPENAI_API_KEY') });
    expect(await new OpenAiProvider(options({ models: { sdxl: 'gpt-image-9' } })).health()).toMatchObject({ ok: false, message: expect.stringContaining('gpt-image-9') });
    expect(await new OpenAiProvider(options({ apiKey: '' })).health()).toMatchObject({ ok: false });
  });
});
