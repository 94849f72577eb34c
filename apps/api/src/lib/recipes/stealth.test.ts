/**
 * Stealth pnginfo in images built here: both signatures, a signature that spans several columns,
 * NovelAI's JSON payload, and images that must give nothing (no alpha, no signature, lengths and
 * payloads over the bounds).
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readRecipe } from './index.ts';
import { readStealthText } from './stealth.ts';

/** An RGBA PNG whose alpha LSBs hold `signature`, a 32-bit bit length and `payload`, column by column. */
async function stealthPng(width: number, height: number, signature: string, payload: Buffer, bitLength = payload.length * 8): Promise<Buffer> {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bitLength >>> 0, 0);
  const bytes = Buffer.concat([Buffer.from(signature, 'latin1'), length, payload]);
  const pixels = Buffer.alloc(width * height * 4, 0x80);
  for (let i = 0; i < width * height; i++) pixels[i * 4 + 3] = 0xfe; // alpha LSB 0 everywhere
  for (let i = 0; i < bytes.length * 8 && i < width * height; i++) {
    const bit = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
    const x = Math.floor(i / height);
    const y = i % height;
    pixels[(y * width + x) * 4 + 3] = 0xfe | bit;
  }
  return sharp(pixels, { raw: { width, height, channels: 4 } }).png().toBuffer();
}

const INFOTEXT = 'a circle\nNegative prompt: a square\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 5, Size: 64x64';

describe('stealth pnginfo', () => {
  it('reads uncompressed text from the alpha channel', async () => {
    const png = await stealthPng(64, 200, 'stealth_pnginfo', Buffer.from(INFOTEXT, 'utf8'));
    expect(await readStealthText(png)).toEqual({ signature: 'stealth_pnginfo', text: INFOTEXT });
    const r = (await readRecipe(png))!;
    expect([r.tool, r.prompt, r.negative_prompt, r.seed, r.found_in, r.extra.stealth_signature]).toEqual([
      'automatic1111',
      'a circle',
      'a square',
      5,
      'alpha:stealth_pnginfo',
      'stealth_pnginfo',
    ]);
  });

  it('reads gzip text when the signature spans several columns', async () => {
    const png = await stealthPng(200, 40, 'stealth_pngcomp', zlib.gzipSync(INFOTEXT));
    expect((await readStealthText(png))?.text).toBe(INFOTEXT);
  });

  it('reads NovelAI texts stored as one JSON object', async () => {
    const texts = {
      Description: 'a fox',
      Software: 'NovelAI',
      Source: 'NovelAI Diffusion V3 7BCCAA2C',
      Comment: JSON.stringify({ uc: 'blurry', scale: 5, steps: 28, seed: 9, sampler: 'k_euler' }),
    };
    const png = await stealthPng(128, 128, 'stealth_pngcomp', zlib.gzipSync(JSON.stringify(texts)));
    const r = (await readRecipe(png))!;
    expect([r.tool, r.prompt, r.negative_prompt, r.seed, r.sampler_id, r.model]).toEqual(['novelai', 'a fox', 'blurry', 9, 'euler', 'NovelAI Diffusion V3 7BCCAA2C']);
  });

  it('finds nothing without alpha, without the signature, or in a tiny image', async () => {
    const rgb = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#000' } }).png().toBuffer();
    expect(await readStealthText(rgb)).toBeNull();
    const plain = await stealthPng(64, 64, 'not_a_signature', Buffer.from('x'));
    expect(await readStealthText(plain)).toBeNull();
    const tiny = await stealthPng(4, 4, 'stealth_pnginfo', Buffer.from('x'));
    expect(await readStealthText(tiny)).toBeNull();
    expect(await readStealthText(Buffer.from('not a png'))).toBeNull();
  });

  it('refuses lengths over the bounds and payloads that do not decode', async () => {
    const huge = await stealthPng(64, 64, 'stealth_pnginfo', Buffer.from('abc'), 0xffffffff);
    expect(await readStealthText(huge)).toBeNull();
    const overImage = await stealthPng(64, 64, 'stealth_pnginfo', Buffer.from('abc'), 64 * 64);
    expect(await readStealthText(overImage)).toBeNull();
    const badGzip = await stealthPng(64, 64, 'stealth_pngcomp', Buffer.from('not gzip at all'));
    expect(await readStealthText(badGzip)).toBeNull();
    const bomb = await stealthPng(512, 512, 'stealth_pngcomp', zlib.gzipSync(Buffer.alloc(1024 * 1024, 'a')));
    expect(await readStealthText(bomb)).toBeNull();
    const ok = await stealthPng(64, 200, 'stealth_pnginfo', Buffer.from(INFOTEXT));
    expect(await readStealthText(ok, { maxPixels: 1000 })).toBeNull();
    expect(await readStealthText(ok, { maxPayloadBytes: 10 })).toBeNull();
  });

  it('a large RGBA image without a signature has no recipe (only the corner holding the signature is decoded)', async () => {
    const big = await sharp({ create: { width: 3000, height: 3000, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    expect(await readRecipe(big)).toBeNull();
  });
});
