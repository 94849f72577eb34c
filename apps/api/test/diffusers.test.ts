import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { startTestApp, type TestApp } from './harness.ts';
import { injected } from './support/origin.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const small = { width: 64, height: 64, num_inference_steps: 2 };

describe('diffusers-style routes', () => {
  it('txt2img answers {images: [{base64, url, filename, id}]} and makes lineage nodes', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/sdxl/txt2img', payload: { prompt: 'a cat', ...small, guidance_scale: 5, seed: 3, num_images: 2 } });
    expect(res.statusCode, res.body).toBe(200);
    const { images } = res.json();
    expect(images).toHaveLength(2);
    for (const image of images) {
      expect(Object.keys(image).sort()).toEqual(['base64', 'filename', 'id', 'url']);
      expect(image.url).toBe(injected(`/images/${image.filename}`));
      const file = (await t.app.inject({ url: image.url })).rawPayload;
      expect(Buffer.from(image.base64, 'base64').equals(file)).toBe(true);
    }
    const node = (await t.app.inject({ url: `/api/images/${images[0].id}` })).json();
    expect(node).toMatchObject({ model: 'sdxl', seed: 3, spec_json: { guidance: 5, steps: 2 }, action_type: 'generate' });

    const flux = (await t.app.inject({ method: 'POST', url: '/api/flux/txt2img', payload: { prompt: 'a dog', ...small } })).json();
    expect(flux.images[0].filename).toMatch(/^flux_/);
    expect((await t.app.inject({ url: `/api/images/${flux.images[0].id}` })).json().model).toBe('flux-dev');
  });

  it('img2img takes a base64 image (stored as an upload parent) or a parent_id', async () => {
    const init = await sharp({ create: { width: 80, height: 64, channels: 3, background: '#cc3300' } }).png().toBuffer();
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/flux/img2img',
      payload: { prompt: 'autumn', image: `data:image/png;base64,${init.toString('base64')}`, strength: 0.5, ...small },
    });
    expect(res.statusCode, res.body).toBe(200);
    const image = res.json().images[0];
    expect(image.filename).toMatch(/^flux_img2img_/);
    const node = (await t.app.inject({ url: `/api/images/${image.id}` })).json();
    expect(node).toMatchObject({ action_type: 'img2img', spec_json: { strength: 0.5 } });
    const parent = (await t.app.inject({ url: `/api/images/${node.parent_id}` })).json();
    expect(parent.action_type).toBe('upload');

    const again = await t.app.inject({ method: 'POST', url: '/api/sdxl/img2img', payload: { prompt: 'winter', parent_id: image.id, ...small } });
    expect(again.statusCode, again.body).toBe(200);
    expect((await t.app.inject({ url: `/api/images/${again.json().images[0].id}` })).json()).toMatchObject({ parent_id: image.id, depth: 2 });
  });

  it('names the diffusers field in errors and stores nothing on bad input', async () => {
    const before = (await t.app.inject({ url: '/api/images?limit=200' })).json().items.length;
    const cases: Array<[string, object, RegExp]> = [
      ['/api/sdxl/txt2img', { prompt: 'x', num_inference_steps: 0 }, /^num_inference_steps must be a whole number between 1 and 150 \(got 0\)$/],
      ['/api/sdxl/txt2img', { prompt: 'x', width: 1004 }, /^width must be a multiple of 8 between 64 and 2048, like 1008 \(got 1004\)$/],
      ['/api/sdxl/txt2img', { prompt: 'x', model: 'flux-dev' }, /use \/api\/flux/],
      ['/api/flux/img2img', { prompt: 'x' }, /needs an init image/],
      ['/api/flux/img2img', { prompt: 'x', image: '!!!' }, /image must be base64/],
      ['/api/flux/img2img', { prompt: 'x', image: Buffer.from('not an image').toString('base64') }, /not an image/],
      ['/api/flux/img2img', { prompt: 'x', image: 'aGVsbG8=', width: 65 }, /width must be a multiple of 8/],
    ];
    for (const [url, payload, message] of cases) {
      const res = await t.app.inject({ method: 'POST', url, payload });
      expect(res.statusCode, url + JSON.stringify(payload)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json().error.message).toMatch(message);
    }
    expect((await t.app.inject({ url: '/api/images?limit=200' })).json().items.length).toBe(before);
  });
});
