import { MAX_SEED, MODEL_NAMES, type Spec } from '@imageflow/shared';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ProviderProgress, ProviderRequest } from '../../ports/provider.port.ts';
import { BUILTIN_BACKEND_MODEL, BuiltinProvider, batchSeed, resizeInit } from './builtin.provider.ts';

const spec = (over: Partial<Spec> = {}): Spec => ({
  width: 128,
  height: 96,
  steps: 6,
  guidance: 7,
  seed: 1234,
  sampler: 'euler',
  strength: 0.6,
  batch_size: 1,
  ...over,
});

const request = (over: Partial<Spec> = {}, extra: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model: 'sdxl',
  prompt: 'misty pine forest mountains at dawn',
  negativePrompt: '',
  spec: spec(over),
  ...extra,
});

async function rawPixels(png: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

describe('BuiltinProvider', () => {
  const provider = new BuiltinProvider();

  it('describes itself: builtin, not AI, healthy, serves every model', async () => {
    expect(provider.name).toBe('builtin');
    expect(provider.isAi).toBe(false);
    expect(await provider.health()).toEqual({ ok: true });
    expect(await provider.models()).toEqual([...MODEL_NAMES]);
  });

  it('makes batch_size PNGs of exactly the asked size, seeds seed, seed+1, ...', async () => {
    const images = await provider.generate(request({ batch_size: 3, width: 200, height: 64 }));
    expect(images.map((i) => i.seed)).toEqual([1234, 1235, 1236]);
    for (const img of images) {
      expect(img).toMatchObject({ width: 200, height: 64, backendModel: BUILTIN_BACKEND_MODEL });
      const meta = await sharp(img.png).metadata();
      expect(meta).toMatchObject({ format: 'png', width: 200, height: 64, channels: 3 });
    }
    expect(images[0]!.png.equals(images[1]!.png)).toBe(false);
  });

  it('wraps batch seeds after the largest seed', async () => {
    expect(batchSeed(MAX_SEED, 0)).toBe(MAX_SEED);
    expect(batchSeed(MAX_SEED, 1)).toBe(0);
    expect(batchSeed(MAX_SEED - 1, 3)).toBe(1);
    const images = await provider.generate(request({ seed: MAX_SEED, batch_size: 2, width: 64, height: 64, steps: 1 }));
    expect(images.map((i) => i.seed)).toEqual([MAX_SEED, 0]);
  });

  it('gives byte-identical PNGs for the same recipe', async () => {
    for (const model of MODEL_NAMES) {
      const a = await provider.generate(request({}, { model }));
      const b = await provider.generate(request({}, { model }));
      expect(a[0]!.png.equals(b[0]!.png)).toBe(true);
    }
  });

  it('honours the recipe: seed, prompt, negative prompt, sampler and model all change the picture', async () => {
    const base = (await provider.generate(request()))[0]!.png;
    const variants = [
      request({ seed: 99 }),
      request({}, { prompt: 'neon city at night' }),
      request({}, { negativePrompt: 'mountains' }),
      request({ sampler: 'euler_a' }),
      request({ guidance: 15 }),
      request({ steps: 30 }),
      request({}, { model: 'flux-dev' }),
    ];
    for (const v of variants) {
      const png = (await provider.generate(v))[0]!.png;
      expect(png.equals(base)).toBe(false);
    }
  });

  it('reports progress exactly once per step over the whole batch', async () => {
    const seen: ProviderProgress[] = [];
    await provider.generate(request({ steps: 5, batch_size: 3 }), { onProgress: (p) => seen.push(p) });
    expect(seen).toEqual(Array.from({ length: 15 }, (_, i) => ({ step: i + 1, total: 15 })));
  });

  it('yields to the event loop between steps', async () => {
    const order: string[] = [];
    let ticking = true;
    const tick = () => {
      order.push('tick');
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    await provider.generate(request({ steps: 4 }), { onProgress: (p) => order.push(`step${p.step}`) });
    ticking = false;
    const between = order.slice(order.indexOf('step1'), order.indexOf('step4'));
    expect(between.filter((e) => e === 'tick').length).toBeGreaterThanOrEqual(3);
  });

  it('sends a few JPEG previews while it works', async () => {
    const previews: { mime: string; data: Buffer }[] = [];
    await provider.generate(request({ steps: 12 }), { onPreview: (p) => previews.push(p) });
    expect(previews.length).toBeGreaterThanOrEqual(2);
    for (const p of previews) {
      expect(p.mime).toBe('image/jpeg');
      expect((await sharp(p.data).metadata()).format).toBe('jpeg');
    }
  });

  it('makes a preview only when one is wanted at that moment', async () => {
    const none: Buffer[] = [];
    await provider.generate(request({ steps: 12 }), { onPreview: (p) => none.push(p.data), wantsPreview: () => false });
    expect(none).toEqual([]);

    // Wanted from the second chance on: the first is skipped, later ones are made.
    let asked = 0;
    const some: Buffer[] = [];
    await provider.generate(request({ steps: 12 }), { onPreview: (p) => some.push(p.data), wantsPreview: () => ++asked > 1 });
    expect(asked).toBe(3);
    expect(some).toHaveLength(2);
  });

  it('hands over the rendered pixels with each PNG: the same pixels the PNG decodes to', async () => {
    const images = await provider.generate(request({ batch_size: 2 }));
    for (const img of images) {
      const decoded = await rawPixels(img.png);
      expect(img.pixels).toMatchObject({ width: img.width, height: img.height, channels: 3 });
      expect(Buffer.from(img.pixels!.data).equals(decoded.data)).toBe(true);
    }
  });

  it('stops when aborted mid-run: rejects with an AbortError and makes no more progress', async () => {
    const ac = new AbortController();
    const seen: number[] = [];
    const run = provider.generate(request({ steps: 20, batch_size: 2 }), {
      signal: ac.signal,
      onProgress: (p) => {
        seen.push(p.step);
        if (p.step === 3) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('rejects with the signal reason, and at once when already aborted', async () => {
    const ac = new AbortController();
    const reason = new Error('user cancelled');
    ac.abort(reason);
    let progressed = false;
    await expect(provider.generate(request(), { signal: ac.signal, onProgress: () => (progressed = true) })).rejects.toBe(reason);
    expect(progressed).toBe(false);
  });

  describe('image to image', () => {
    const makeInit = () => {
      const w = 150;
      const h = 90;
      const raw = Buffer.alloc(w * h * 3);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const o = (y * w + x) * 3;
          raw[o] = x;
          raw[o + 1] = y * 2;
          raw[o + 2] = (x * y) % 256;
        }
      return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
    };

    it('resizes the init image to the spec size (cover)', async () => {
      const px = await resizeInit(await makeInit(), 64, 64);
      expect(px.length).toBe(64 * 64 * 3);
    });

    it('strength 0 keeps the (resized) init image', async () => {
      const init = await makeInit();
      const [img] = await provider.generate(request({ strength: 0 }), {});
      const [kept] = await provider.generate(request({ strength: 0 }, { init: { png: init } }));
      const out = await rawPixels(kept!.png);
      const expected = await resizeInit(init, 128, 96);
      expect(out).toMatchObject({ width: 128, height: 96, channels: 3 });
      expect(Buffer.from(expected).equals(out.data)).toBe(true);
      expect(kept!.png.equals(img!.png)).toBe(false);
    });

    it('strength 1 ignores it: the same bytes as text to image', async () => {
      const init = await makeInit();
      const [withInit] = await provider.generate(request({ strength: 1 }, { init: { png: init } }));
      const [txt] = await provider.generate(request({ strength: 1 }));
      expect(withInit!.png.equals(txt!.png)).toBe(true);
    });

    it('strength in between blends the two', async () => {
      const init = await makeInit();
      const [mid] = await provider.generate(request({ strength: 0.5 }, { init: { png: init } }));
      const [txt] = await provider.generate(request({ strength: 0.5 }));
      const a = await rawPixels(mid!.png);
      const b = await rawPixels(txt!.png);
      const c = Buffer.from(await resizeInit(init, 128, 96));
      expect(a.data.equals(b.data)).toBe(false);
      expect(a.data.equals(c)).toBe(false);
    });
  });
});
