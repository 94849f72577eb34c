/**
 * Hostile input, class "decoding": only the formats the README lists are decoded, each within a
 * bound on pixels and time, one frame of an animation at most, and work for a client that has
 * gone is dropped before anything is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { pngChunk } from '../../src/lib/png-text.ts';
import { listFiles, startTestApp, type TestApp } from '../harness.ts';
import { LOCAL_ACTOR } from '../../src/services/access.ts';
import { errorOf, multipart } from '../http-helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const upload = (name: string, data: Buffer) => t.app.inject({ method: 'POST', url: '/api/images/upload', ...multipart(name, data) });


/** A PNG that declares `width`×`height` but carries almost no data: a bomb by declared size. */
function declaredPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('what an upload may make the server decode', () => {
  it('an SVG, however small, is refused before anything renders it', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="8000" height="8000"><filter id="f"><feGaussianBlur stdDeviation="500"/></filter><rect width="8000" height="8000" filter="url(#f)"/></svg>',
    );
    expect(svg.length).toBeLessThan(200);
    for (const [name, data] of [['bomb.svg', svg], ['bomb.png', svg], ['bomb.svg.gz', zlib.gzipSync(svg)]] as const) {
      const res = await upload(name, data);
      expect(res.statusCode, name).toBe(415);
      expect(errorOf(res).message, name).toMatch(/PNG, JPEG, WebP, GIF, AVIF or TIFF/);
    }
    expect(errorOf(await upload('bomb.svg', svg)).message).toMatch(/SVG drawing/);
  });

  it('PDF, HEIC, text and empty files are refused by what they are, not by their name', async () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      ['doc.png', Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n'), /PDF document/],
      ['photo.heic', Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic')]), /ISO media file \(heic\)/],
      ['notes.jpg', Buffer.from('just some text'), /not an image/],
      ['empty.png', Buffer.alloc(0), /empty|no file/],
    ];
    for (const [name, data, message] of cases) {
      const res = await upload(name, data);
      expect([400, 415], name).toContain(res.statusCode);
      expect(errorOf(res).message, name).toMatch(message);
    }
  });

  it('an image that declares more pixels than the limit is refused from its header, without decoding', async () => {
    for (const [w, h] of [[100_000, 100_000], [8193, 8192], [1, 0x7fffffff]] as const) {
      const res = await upload('huge.png', declaredPng(w, h));
      expect([400, 415], `${w}x${h}`).toContain(res.statusCode);
      expect(errorOf(res).message, `${w}x${h}`).toMatch(/megapixels|could not be decoded|no size|not an image/);
    }
  });

  it('truncated and corrupt files of an accepted format are a 4xx, never a crash', async () => {
    const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).png().toBuffer();
    const webp = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#123456' } }).webp().toBuffer();
    const corrupt = Buffer.from(png);
    corrupt.fill(0xff, 40, 400);
    for (const [name, data] of [
      ['half.jpg', jpeg.subarray(0, jpeg.length / 2)],
      ['half.png', png.subarray(0, png.length / 2)],
      ['head.webp', webp.subarray(0, 20)],
      ['corrupt.png', corrupt],
      ['signature-only.png', png.subarray(0, 8)],
    ] as const) {
      const res = await upload(name, data);
      expect(res.statusCode, name).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, name).toBeLessThan(500);
      errorOf(res);
    }
    expect((await t.app.inject({ url: '/api/images' })).json().items).toEqual([]);
    expect(await listFiles(t.dataDir)).toEqual([]);
  });

  it('an animation is imported as its first frame, not decoded frame after frame', async () => {
    const frames = await Promise.all(
      Array.from({ length: 40 }, (_, i) => sharp({ create: { width: 40, height: 30, channels: 3, background: { r: i * 6, g: 90, b: 250 - i * 6 } } }).png().toBuffer()),
    );
    const multi = await sharp(frames, { join: { animated: true } }).gif().toBuffer();
    expect((await sharp(multi).metadata()).pages).toBeGreaterThan(10);
    const res = await upload('anim.gif', multi);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ width: 40, height: 30 });
  });

  it('a client that leaves while its image is decoded gets nothing stored', async () => {
    const png = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#884422' } }).png().toBuffer();
    const before = await listFiles(t.dataDir);
    const controller = new AbortController();
    const pending = t.services.images.upload(png, 'gone.png', LOCAL_ACTOR, controller.signal);
    controller.abort(new Error('client went away'));
    await expect(pending).rejects.toThrow('client went away');
    expect(await listFiles(t.dataDir)).toEqual(before);
  });

  it('while the largest image is being decoded, another upload waits a moment, then is refused with 429 rather than left hanging', async () => {
    let releaseDecode!: () => void;
    const decoding = new Promise<void>((resolve) => (releaseDecode = resolve));
    let started!: () => void;
    const decodeStarted = new Promise<void>((resolve) => (started = resolve));
    const held = await startTestApp({
      ops: (real) => ({
        ...real,
        // Every upload declares the largest size, so one fills the whole decode budget.
        probe: async (data) => ({ ...(await real.probe(data)), width: 8192, height: 8192 }),
        toPng: async (data, maxPixels) => {
          started();
          await decoding;
          return real.toPng(data, maxPixels);
        },
      }),
    });
    try {
      const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#224488' } }).png().toBuffer();
      const first = held.app.inject({ method: 'POST', url: '/api/images/upload', ...multipart('first.png', png) });
      await decodeStarted;
      const second = await held.app.inject({ method: 'POST', url: '/api/images/upload', ...multipart('second.png', png) });
      expect(second.statusCode).toBe(429);
      expect(errorOf(second)).toMatchObject({ code: 'busy', message: expect.stringMatching(/send this one again/) });
      expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
      releaseDecode();
      expect((await first).statusCode).toBe(201);
    } finally {
      releaseDecode();
      await held.close();
    }
  });
});
