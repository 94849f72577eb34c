import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderProgress, RemoteHandle } from '../../ports/provider.port.ts';
import { BflFake, hostedRequest, initPng, pngInfo, until } from '../../../test/fakes/hosted-servers.ts';
import { BflProvider } from './bfl.provider.ts';
import type { HostedOptions } from './hosted-common.ts';
import { rejection } from '../../../test/provider-errors.ts';

let fake: BflFake;
let provider: BflProvider;
const options = (over: Partial<HostedOptions> = {}): HostedOptions => ({ name: 'bfl', apiKey: fake.apiKey, baseUrl: `${fake.url}/v1`, pollIntervalMs: 2, ...over });

beforeEach(async () => {
  fake = await BflFake.start();
  provider = new BflProvider(options());
});
afterEach(() => fake.close());

const polls = () => fake.count('GET', /get_result$/);

describe('BflProvider', () => {
  it('serves only flux-dev by default (BFL has no schnell or SDXL)', async () => {
    expect(provider).toMatchObject({ name: 'bfl', kind: 'bfl', isAi: true });
    expect(await provider.models()).toEqual(['flux-dev']);
    expect(await new BflProvider(options({ models: { 'flux-dev': 'flux-pro-1.1', 'flux-schnell': 'flux-pro-1.1' } })).models()).toEqual([
      'flux-dev',
      'flux-schnell',
    ]);
    for (const model of ['sdxl', 'flux-schnell'] as const) {
      const err = await rejection(provider.generate(hostedRequest({}, { model })));
      expect(err.code).toBe('provider_unsupported');
      expect(err.message).toContain(`does not serve ${model}`);
    }
    expect(fake.requests).toHaveLength(0);
  });

  it('submits to /v1/flux-dev with x-key, polls polling_url, downloads the sample without the key', async () => {
    const [image] = await provider.generate(hostedRequest({ width: 512, height: 384, steps: 28, guidance: 3 }));
    expect(fake.submissions).toEqual([
      {
        path: '/v1/flux-dev',
        body: { prompt: 'a lighthouse on a cliff at dusk', width: 512, height: 384, steps: 28, guidance: 3, output_format: 'png', seed: 1234 },
      },
    ]);
    expect(fake.requests[0]!.headers['x-key']).toBe(fake.apiKey);
    // It follows the polling_url BFL gave (a regional host in real life), with the key.
    const getResult = fake.requests.filter((r) => r.path.endsWith('get_result'));
    expect(getResult.every((r) => r.path === '/region-eu1/v1/get_result' && r.headers['x-key'] === fake.apiKey)).toBe(true);
    expect(fake.fileFetches).toEqual([{ path: expect.stringMatching(/^\/delivery\//), withKey: false }]);
    expect(image).toMatchObject({ width: 512, height: 384, seed: 1234, backendModel: 'flux-dev' });
    expect(await pngInfo(image!.png)).toEqual({ format: 'png', width: 512, height: 384 });
  });

  it('flux-pro-1.1 takes neither steps nor guidance', async () => {
    await new BflProvider(options({ models: { 'flux-dev': 'flux-pro-1.1' } })).generate(hostedRequest());
    expect(fake.submissions[0]).toMatchObject({ path: '/v1/flux-pro-1.1' });
    expect(fake.submissions[0]!.body).not.toHaveProperty('steps');
    expect(fake.submissions[0]!.body).not.toHaveProperty('guidance');
  });

  it('refuses sizes BFL cannot make, with a size it can, before calling BFL', async () => {
    const err = await rejection(provider.generate(hostedRequest({ width: 1000, height: 1000 })));
    expect(err.code).toBe('provider_unsupported');
    expect(err.message).toContain('multiples of 32 between 256 and 1440');
    expect(err.message).toContain('Try 992×992');
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses img2img on flux-dev and says how to get it', async () => {
    const err = await rejection(provider.generate(hostedRequest({}, { init: { png: await initPng() } })));
    expect(err.code).toBe('provider_unsupported');
    expect(err.message).toContain('flux-kontext-pro');
    expect(fake.requests).toHaveLength(0);
  });

  it('img2img on a Kontext endpoint: input_image as base64 resized to the recipe', async () => {
    const kontext = new BflProvider(options({ models: { 'flux-dev': 'flux-kontext-pro' } }));
    const [image] = await kontext.generate(hostedRequest({ width: 384, height: 256 }, { init: { png: await initPng(300, 300) } }));
    const body = fake.submissions[0]!.body as Record<string, unknown>;
    expect(fake.submissions[0]!.path).toBe('/v1/flux-kontext-pro');
    expect(body).toMatchObject({ aspect_ratio: '3:2', output_format: 'png', seed: 1234 });
    expect(String(body.input_image)).toMatch(/^iVBORw0KGgo/);
    expect([...fake.tasks.values()][0]!.inputImage).toEqual({ width: 384, height: 256, format: 'png' });
    expect(image).toMatchObject({ width: 384, height: 256, backendModel: 'flux-kontext-pro' });
  });

  it('a batch is one task per image, seeds seed, seed + 1, ...; the seed BFL reports wins', async () => {
    const images = await provider.generate(hostedRequest({ batch_size: 2, seed: 50 }));
    expect(images.map((i) => i.seed)).toEqual([50, 51]);
    fake.faults.forceSeed = 777;
    const [forced] = await provider.generate(hostedRequest());
    expect(forced!.seed).toBe(777);
  });

  it("reports progress from BFL's progress field", async () => {
    fake.faults = { runPolls: 3 };
    const seen: ProviderProgress[] = [];
    await provider.generate(hostedRequest({ steps: 20 }), { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({ step: 20, total: 20 });
    expect(seen.some((p) => p.step > 0 && p.step < 20)).toBe(true);
  });

  it('resumes from the handle in a new instance', async () => {
    fake.faults.hang = true;
    let handle: RemoteHandle | undefined;
    let dead = false;
    const dying: typeof fetch = (input, init) => (dead ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init));
    const run = new BflProvider(options({ fetch: dying })).generate(hostedRequest(), { onSubmitted: (h) => (handle = JSON.parse(JSON.stringify(h)) as RemoteHandle) });
    await until(() => handle !== undefined && polls() >= 2);
    dead = true;
    await expect(run).rejects.toMatchObject({ code: 'provider_unreachable' });
    const id = [...fake.tasks.keys()][0]!;
    expect(handle).toEqual({ service: 'bfl', endpoint: 'flux-dev', jobs: [{ id, polling_url: `${fake.url}/region-eu1/v1/get_result?id=${id}`, seed: 1234 }] });
    fake.faults.hang = false;
    const [image] = await new BflProvider(options()).resume(handle!, hostedRequest());
    expect(image).toMatchObject({ seed: 1234, width: 256, height: 256 });
  });

  it('resuming a task BFL no longer knows says so', async () => {
    const err = await rejection(
      provider.resume({ service: 'bfl', endpoint: 'flux-dev', jobs: [{ id: 'gone', polling_url: `${fake.url}/v1/get_result?id=gone`, seed: 1 }] }, hostedRequest()),
    );
    expect(err.message).toContain('no longer knows task gone');
  });

  it('abort stops polling and rejects with the reason (BFL has no cancel endpoint)', async () => {
    fake.faults.hang = true;
    const controller = new AbortController();
    const run = provider.generate(hostedRequest(), { signal: controller.signal });
    await until(() => polls() >= 3);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(run).rejects.toBe(reason);
    // A poll already sent when the abort came may still reach the fake after the rejection; none may follow it
    // (15 poll intervals later).
    await new Promise((r) => setTimeout(r, 20));
    const after = fake.requests.length;
    await new Promise((r) => setTimeout(r, 30));
    expect(fake.requests.length).toBe(after);
    expect(fake.requests.every((r) => r.method === 'GET' || r.path === '/v1/flux-dev')).toBe(true);
  });

  describe('faults', () => {
    it('a wrong key (403): names BFL_API_KEY', async () => {
      const err = await rejection(new BflProvider(options({ apiKey: 'nope' })).generate(hostedRequest()));
      expect(err.code).toBe('provider_auth');
      expect(err.message).toContain('Black Forest Labs rejected the API key (BFL_API_KEY)');
      expect(err.message).toContain('Invalid API key');
    });

    it('422 validation is quoted', async () => {
      const err = await rejection(provider.generate(hostedRequest({ guidance: 8 })));
      expect(err.code).toBe('provider_rejected');
      expect(err.message).toContain('guidance: ensure this value is less than or equal to 5');
    });

    it('402 out of credits, 429 too many tasks, 5xx', async () => {
      fake.faults.submitError = { status: 402, message: 'Insufficient credits' };
      expect((await rejection(provider.generate(hostedRequest()))).code).toBe('provider_payment');
      fake.faults = { submitError: { status: 429, message: 'You have exceeded the number of active tasks (24)' } };
      const limited = await rejection(provider.generate(hostedRequest()));
      expect(limited.code).toBe('provider_rate_limited');
      expect(limited.message).toContain('active tasks');
      fake.faults = { submitError: { status: 503 } };
      expect((await rejection(provider.generate(hostedRequest()))).code).toBe('provider_unavailable');
      expect(fake.count('POST', /.*/)).toBe(3);
    });

    it('transient poll errors are retried', async () => {
      fake.faults.pollError = { status: 429, count: 3 };
      await expect(provider.generate(hostedRequest())).resolves.toHaveLength(1);
    });

    it('Content Moderated / Request Moderated', async () => {
      fake.faults.moderate = true;
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_moderated');
      expect(err.message).toContain('Content Moderated');
      expect(err.message).toContain('Derivative Works Filter');
    });

    it('an Error status quotes the details', async () => {
      fake.faults.failWith = 'Internal generation failure';
      const err = await rejection(provider.generate(hostedRequest()));
      expect(err.code).toBe('provider_failed');
      expect(err.message).toContain('Internal generation failure');
    });

    it('an expired delivery URL and a truncated sample', async () => {
      fake.faults.expire = 403;
      const expired = await rejection(provider.generate(hostedRequest()));
      expect(expired.code).toBe('provider_output_expired');
      expect(expired.message).toContain('expire');
      fake.faults = { truncate: true };
      expect((await rejection(provider.generate(hostedRequest()))).code).toBe('provider_bad_output');
    });

    it('a JPEG sample is converted to PNG', async () => {
      fake.faults.serveFormat = 'jpeg';
      const [image] = await provider.generate(hostedRequest());
      expect(await pngInfo(image!.png)).toEqual({ format: 'png', width: 256, height: 256 });
    });
  });

  it('health reads the credit balance, never throwing', async () => {
    expect(await provider.health()).toEqual({ ok: true });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/credits' });
    fake.credits = 0;
    expect(await provider.health()).toMatchObject({ ok: false, message: expect.stringContaining('no credits') });
    expect(await new BflProvider(options({ apiKey: 'bad' })).health()).toMatchObject({ ok: false, message: expect.stringContaining('BFL_API_KEY') });
    const url = fake.url;
    await fake.close();
    expect(await new BflProvider(options({ baseUrl: `${url}/v1` })).health()).toMatchObject({ ok: false });
    fake = await BflFake.start();
  });
});
