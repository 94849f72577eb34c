/**
 * Hostile input, class "decompression through the recipe": whatever text an uploaded image
 * carries, what ImageFlow keeps of it obeys the limits of a prompt sent to the API, and a chunk
 * that would inflate past a recipe's size is never inflated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { MAX_PROMPT_LENGTH } from '@imageflow/shared';
import { pngChunk } from '../../src/lib/png-text.ts';
import { MAX_IMPORTED_TEXT_LENGTH } from '../../src/lib/imported-recipe.ts';
import { startTestApp, type TestApp } from '../harness.ts';
import { multipart } from '../http-helpers.ts';

/** A PNG with one extra chunk of the given type placed before IEND. */
async function pngWithChunk(type: string, data: Buffer): Promise<Buffer> {
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#406080' } }).png().toBuffer();
  const chunk = pngChunk(type, data);
  const iend = png.length - 12;
  return Buffer.concat([png.subarray(0, iend), chunk, png.subarray(iend)]);
}

const zTXt = (keyword: string, text: string) =>
  Buffer.concat([Buffer.from(`${keyword}\0\0`, 'latin1'), zlib.deflateSync(Buffer.from(text, 'latin1'), { level: 9 })]);
const compressedITXt = (keyword: string, text: string) =>
  Buffer.concat([Buffer.from(`${keyword}\0\x01\0\0\0`, 'latin1'), zlib.deflateSync(Buffer.from(text, 'utf8'), { level: 9 })]);
const tEXt = (keyword: string, text: string) => Buffer.from(`${keyword}\0${text}`, 'latin1');

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

async function upload(png: Buffer) {
  const res = await t.app.inject({ method: 'POST', url: '/api/images/upload', ...multipart('recipe.png', png, 'file', 'image/png') });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

describe('recipe text in uploaded images', () => {
  it('an 8 KB zTXt that inflates to 8 MB is never inflated: the node, its file and the gallery stay small', async () => {
    const bomb = `${'a very long prompt, '.repeat(400_000)}\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 64x64`;
    const png = await pngWithChunk('zTXt', zTXt('parameters', bomb));
    expect(png.length).toBeLessThan(64 * 1024);
    const node = await upload(png);
    expect(node.prompt.length).toBeLessThanOrEqual(MAX_PROMPT_LENGTH);
    expect(node.bytes).toBeLessThan(64 * 1024);
    const gallery = await t.app.inject({ url: '/api/images?limit=50' });
    expect(gallery.body.length).toBeLessThan(64 * 1024);

    const itxt = await upload(await pngWithChunk('iTXt', compressedITXt('parameters', bomb)));
    expect(itxt.prompt.length).toBeLessThanOrEqual(MAX_PROMPT_LENGTH);
    expect(itxt.bytes).toBeLessThan(64 * 1024);
  });

  it('a recipe within the inflate bound but past the prompt limit is cut to it, and its variations stay within it', async () => {
    const long = `${'lighthouse '.repeat(4000)}\nNegative prompt: ${'blurry '.repeat(2000)}\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 64x64`;
    const node = await upload(await pngWithChunk('zTXt', zTXt('parameters', long)));
    expect(node.prompt.length).toBe(MAX_PROMPT_LENGTH);
    expect(node.prompt.startsWith('lighthouse lighthouse')).toBe(true);
    expect(node.negative_prompt.length).toBeLessThanOrEqual(MAX_PROMPT_LENGTH);
    expect(JSON.stringify(node.spec_json.imported).length).toBeLessThanOrEqual(MAX_IMPORTED_TEXT_LENGTH + 2 * MAX_PROMPT_LENGTH);

    const variation = await t.app.inject({
      method: 'POST',
      url: '/api/images/generate',
      payload: { parent_id: node.id, action_type: 'variation', spec: { width: 64, height: 64, steps: 2 } },
    });
    expect(variation.statusCode, variation.body).toBe(201);
    expect(variation.json().images[0].prompt.length).toBeLessThanOrEqual(MAX_PROMPT_LENGTH);
  });

  it('control characters, NULs and out-of-range numbers in a recipe are cleaned, so what was imported can be stored again', async () => {
    const dirty = 'a red\x07 fox\0 in\x1b snow\nNegative prompt: fog\x00\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 99999999999999999999, Size: 64x64';
    const node = await upload(await pngWithChunk('tEXt', tEXt('parameters', dirty)));
    expect(node.prompt).toBe('a red fox in snow');
    expect(node.negative_prompt).toBe('fog');
    expect(node.seed).toBeNull();
    expect(JSON.stringify(node.spec_json.imported)).not.toMatch(/\\u000[07]|\\u001b/);
    expect(node.spec_json.imported).toMatchObject({ tool: 'automatic1111', prompt: 'a red fox in snow', steps: 20, sampler: 'Euler a', sampler_id: 'euler_a' });

    // Remix and variation from it are stored without a failure at run time.
    const remix = await t.app.inject({
      method: 'POST',
      url: '/api/images/generate',
      payload: { parent_id: node.id, action_type: 'variation', spec: { width: 64, height: 64, steps: 2 } },
    });
    expect(remix.statusCode, remix.body).toBe(201);
  });

  it('a hostile original file name is kept only as bounded, printable text', async () => {
    const png = await pngWithChunk('tEXt', tEXt('Comment', 'nothing'));
    const name = `${'x'.repeat(1000)}\x01\x7f.png`;
    const res = await t.app.inject({ method: 'POST', url: '/api/images/upload', ...multipart(name, png, 'file', 'image/png') });
    expect(res.statusCode, res.body).toBe(201);
    const kept = res.json().request_params.original_filename as string;
    expect(kept.length).toBeLessThanOrEqual(255);
    expect(kept).not.toMatch(/[\x00-\x1f\x7f]/);
  });
});
