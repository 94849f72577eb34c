import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { readPngTextChunks } from '../src/lib/png-text.ts';
import { generate, GatedProvider, SMALL, startTestApp, until, type TestApp } from './harness.ts';
import { LOCAL_ACTOR } from '../src/services/access.ts';
import { injected } from './support/origin.ts';

let t: TestApp;
afterEach(async () => t?.close());

describe('POST /api/generations (queued jobs)', () => {
  beforeEach(async () => {
    t = await startTestApp();
  });

  it('answers 202 with a queued job, then the job succeeds with its images', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'a lighthouse at sunset', spec: { ...SMALL, seed: 42 } } });
    expect(res.statusCode).toBe(202);
    const job = res.json();
    expect(job).toMatchObject({ status: 'queued', progress: 0, action_type: 'generate', model: 'sdxl', provider: 'builtin', images: [] });
    await t.services.queue.idle();
    const done = (await t.app.inject({ url: `/api/generations/${job.id}` })).json();
    expect(done.status).toBe('succeeded');
    expect(done.progress).toBe(1);
    expect(done.step).toBe(SMALL.steps);
    expect(done.total_steps).toBe(SMALL.steps);
    expect(done.images).toHaveLength(1);
    const node = done.images[0];
    expect(node).toMatchObject({
      is_root: true,
      parent_id: null,
      depth: 0,
      prompt: 'a lighthouse at sunset',
      negative_prompt: '',
      model: 'sdxl',
      provider: 'builtin',
      seed: 42,
      action_type: 'generate',
      width: SMALL.width,
      height: SMALL.height,
      starred: false,
      deleted_at: null,
      children_count: 0,
      original: null,
      pending_parent_sha256: null,
    });
    expect(node.root_id).toBe(node.id);
    expect(node.filename).toMatch(/^sdxl_[0-9a-f-]{36}\.png$/);
    expect(node.url).toBe(injected(`/images/${node.filename}`));
    expect(node.thumbnail_url).toBe(injected(`/thumbs/${node.filename.replace('.png', '.webp')}`));
    expect(node.image_path).toBe(`images/${node.filename}`);
    expect(node.spec_json).toMatchObject({ width: 128, height: 96, steps: 4, seed: 42, model: 'sdxl' });
    expect(node.request_params).toEqual({ prompt: 'a lighthouse at sunset', spec: { ...SMALL, seed: 42 } });
  });

  it('makes batch_size images with consecutive seeds', async () => {
    const images = await generate(t.app, { prompt: 'three moons', spec: { seed: 7, batch_size: 3 } });
    expect(images.map((i) => i.seed)).toEqual([7, 8, 9]);
    expect(new Set(images.map((i) => i.sha256)).size).toBe(3);
  });

  it('refuses bad input with a message naming the field', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{}, /prompt is required/],
      [{ prompt: '   ' }, /^prompt must not be empty$/],
      [{ prompt: 'x', spec: { width: 100 } }, /^spec\.width must be a multiple of 8 between 64 and 2048, like 104 \(got 100\)$/],
      [{ prompt: 'x', spec: { width: 4096 } }, /^spec\.width must be a multiple of 8 between 64 and 2048, like 2048 \(got 4096\)$/],
      [{ prompt: 'x', model: 'dalle' }, /^model must be one of "sdxl", "flux-dev" or "flux-schnell" \(got "dalle"\)$/],
      [{ prompt: 'x', spec: { cfg: 3 } }, /^spec: unknown field "cfg" \(spec takes width, height, steps, guidance, seed, sampler, strength, batch_size\)$/],
      [{ prompt: 'x', action_type: 'variation' }, /needs parent_id/],
      [{ prompt: 'x', parent_id: 999 }, /parent_id 999 does not exist/],
      [{ prompt: 'x', action_type: 'upload' }, /POST \/api\/images\/upload/],
    ];
    for (const [payload, message] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/api/generations', payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      const body = res.json();
      expect(Object.keys(body)).toEqual(['error']);
      expect(body.error.message, JSON.stringify(payload)).toMatch(message);
    }
    const bad = await t.app.inject({ method: 'POST', url: '/api/generations', headers: { 'content-type': 'application/json' }, payload: '{"prompt":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('invalid_json');
    expect((await t.app.inject({ url: '/api/generations/nope' })).statusCode).toBe(404);
  });

  it('streams progress then completion over Server-Sent Events', async () => {
    const job = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'stars', spec: { ...SMALL, steps: 5 } } })).json();
    // inject resolves once the stream has ended, i.e. after the job finished.
    const res = await t.app.inject({ url: `/api/generations/${job.id}/events` });
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = res.body
      .split('\n\n')
      .filter((block) => block.startsWith('event:'))
      .map((block) => ({ type: block.split('\n')[0]!.slice(7), job: JSON.parse(block.split('\n')[1]!.slice(6)) }));
    expect(events.at(-1)!.type).toBe('completed');
    expect(events.at(-1)!.job.images).toHaveLength(1);
    const steps = events.filter((e) => e.type === 'progress' && e.job.step !== null).map((e) => e.job.step);
    // Whatever was missed before subscribing, the steps seen arrive in order and end at the last one.
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    expect(events.at(-1)!.job.step).toBe(5);
  });

  it('an event stream of a finished job sends its final state and ends', async () => {
    const job = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'sun', spec: SMALL } })).json();
    await t.services.queue.idle();
    const res = await t.app.inject({ url: `/api/generations/${job.id}/events`, headers: { origin: 'http://localhost:5173' } });
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(res.body).toMatch(/^event: completed\ndata: \{/);
    expect(res.body.match(/event:/g)).toHaveLength(1);
  });

  it('the same recipe gives the same pixels; the stored PNG carries the recipe', async () => {
    const [a] = await generate(t.app, { prompt: 'misty forest', negative_prompt: 'red', spec: { seed: 1234 } });
    const [b] = await generate(t.app, { prompt: 'misty forest', negative_prompt: 'red', spec: { seed: 1234 } });
    const [c] = await generate(t.app, { prompt: 'misty forest', negative_prompt: 'red', spec: { seed: 1235 } });
    const png = async (n: Record<string, any>) => (await t.app.inject({ url: n.url })).rawPayload;
    const pixels = async (n: Record<string, any>) => sharp(await png(n)).raw().toBuffer();
    expect((await pixels(a!)).equals(await pixels(b!))).toBe(true);
    expect((await pixels(a!)).equals(await pixels(c!))).toBe(false);

    const chunks = readPngTextChunks(await png(a!));
    const params = chunks.find((ch) => ch.keyword === 'parameters')!.text;
    expect(params).toContain('misty forest\nNegative prompt: red\nSteps: 4, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234, Size: 128x96, Model: builtin-procedural-v1');
    const recipe = JSON.parse(chunks.find((ch) => ch.keyword === 'imageflow')!.text);
    expect(recipe).toMatchObject({ node_id: a!.id, parent_id: null, parent_sha256: null, provider: 'builtin', prompt: 'misty forest', spec: { seed: 1234 } });
  });
});

describe('derived versions', () => {
  beforeEach(async () => {
    t = await startTestApp();
  });

  it('variation, remix, img2img, upscale and edit each make a child with the right recipe', async () => {
    const [root] = await generate(t.app, { prompt: 'a red flower in a field', spec: { seed: 10, steps: 6 } });
    const derive = async (body: Record<string, unknown>) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { parent_id: root!.id, ...body } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().images[0];
    };

    const variation = await derive({ action_type: 'variation' });
    expect(variation).toMatchObject({ parent_id: root!.id, root_id: root!.id, depth: 1, is_root: false, action_type: 'variation', prompt: root!.prompt });
    expect(variation.seed).not.toBe(10);
    expect(variation.spec_json).toMatchObject({ steps: 6, width: 128, height: 96 });

    const remix = await derive({ action_type: 'remix', prompt: 'a blue flower in a field', spec: { guidance: 12 } });
    expect(remix).toMatchObject({ action_type: 'remix', prompt: 'a blue flower in a field', seed: 10 });
    expect(remix.spec_json).toMatchObject({ guidance: 12, steps: 6 });

    const img2img = await derive({ spec: { strength: 0.4 } });
    expect(img2img.action_type).toBe('img2img');
    expect(img2img.filename).toMatch(/^sdxl_img2img_/);
    expect(img2img.spec_json).toMatchObject({ strength: 0.4, init_image: { node_id: root!.id, sha256: root!.sha256 } });

    const up = await derive({ action_type: 'upscale', upscale: { factor: 2 } });
    expect(up).toMatchObject({ action_type: 'upscale', width: 256, height: 192, provider: 'builtin' });
    const upMeta = await sharp((await t.app.inject({ url: up.url })).rawPayload).metadata();
    expect([upMeta.width, upMeta.height]).toEqual([256, 192]);

    const edit = await derive({ action_type: 'edit', edit: { rotate: 90, flop: true } });
    expect(edit).toMatchObject({ action_type: 'edit', width: 96, height: 128 });

    const crop = await derive({ action_type: 'edit', edit: { crop: { left: 8, top: 8, width: 64, height: 32 }, brightness: 1.2 } });
    expect(crop).toMatchObject({ width: 64, height: 32, spec_json: { edit: { crop: { left: 8 } } } });

    const tree = (await t.app.inject({ url: `/api/images/${root!.id}` })).json();
    expect(tree.children_count).toBe(6);
  });

  it('refuses an edit that falls outside the image, and keeps nothing', async () => {
    const [root] = await generate(t.app, { prompt: 'sea' });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/images/generate',
      payload: { parent_id: root!.id, action_type: 'edit', edit: { crop: { left: 500, top: 0, width: 10, height: 10 } } },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/crop 10x10 at \(500, 0\) falls outside the 128x96 image/);
    expect((await t.app.inject({ url: `/api/images/${root!.id}` })).json().children_count).toBe(0);
  });

  it('the child PNG records its parent and the parent sha256', async () => {
    const [root] = await generate(t.app, { prompt: 'moon over the lake' });
    const [child] = await generate(t.app, { parent_id: root!.id, action_type: 'variation' });
    const chunks = readPngTextChunks((await t.app.inject({ url: child!.url })).rawPayload);
    const recipe = JSON.parse(chunks.find((ch) => ch.keyword === 'imageflow')!.text);
    expect(recipe).toMatchObject({ node_id: child!.id, parent_id: root!.id, parent_sha256: root!.sha256, action_type: 'variation' });
  });
});

describe('a parent deleted while its child waits in the queue', () => {
  it('fails the img2img job with a clear reason, storing nothing', async () => {
    const provider = new GatedProvider();
    t = await startTestApp({ provider, env: { IMAGEFLOW_JOB_CONCURRENCY: '1' } });
    const parent = (await t.services.images.upload(await sharp({ create: { width: 64, height: 64, channels: 3, background: '#345' } }).png().toBuffer(), 'p.png', LOCAL_ACTOR)).node;
    const blocker = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'first', spec: SMALL } })).json();
    await provider.waitForStart();
    const child = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { parent_id: parent.id, prompt: 'paint it', spec: SMALL } })).json();
    expect(child.status).toBe('queued');
    await t.app.inject({ method: 'DELETE', url: `/api/images/${parent.id}?forever=true` });
    provider.letGo();
    await until(async () => (await t.app.inject({ url: `/api/generations/${child.id}` })).json().status === 'failed');
    const failed = (await t.app.inject({ url: `/api/generations/${child.id}` })).json();
    expect(failed.error).toEqual({ code: 'validation_error', message: `Image ${parent.id} was deleted before this job ran, so its pixels are gone; img2img needs them.` });
    expect((await t.app.inject({ url: `/api/generations/${blocker.id}` })).json().status).toBe('succeeded');
  });
});

describe('cancel', () => {
  it('cancels a running job; it ends canceled with no image stored', async () => {
    const provider = new GatedProvider();
    t = await startTestApp({ provider });
    const job = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'slow', spec: SMALL } })).json();
    await provider.waitForStart();
    const res = await t.app.inject({ method: 'DELETE', url: `/api/generations/${job.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'canceled', error: { code: 'canceled' } });
    await t.services.queue.idle();
    expect((await t.app.inject({ url: `/api/generations/${job.id}` })).json().status).toBe('canceled');
    expect((await t.app.inject({ url: '/api/images' })).json().items).toHaveLength(0);
    const again = await t.app.inject({ method: 'DELETE', url: `/api/generations/${job.id}` });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toMatch(/already been canceled/);
  });

  it('cancels a queued job before it starts', async () => {
    const provider = new GatedProvider();
    t = await startTestApp({ provider, env: { IMAGEFLOW_JOB_CONCURRENCY: '1' } });
    const first = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'one', spec: SMALL } })).json();
    const second = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'two', spec: SMALL } })).json();
    await provider.waitForStart();
    expect((await t.app.inject({ method: 'DELETE', url: `/api/generations/${second.id}` })).json().status).toBe('canceled');
    provider.letGo();
    await t.services.queue.idle();
    expect((await t.app.inject({ url: `/api/generations/${first.id}` })).json().status).toBe('succeeded');
    expect(provider.started).toBe(1);
  });
});
