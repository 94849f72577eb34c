/**
 * Hostile input, class "bodies": JSON routes take small bodies, refuse deep nesting and
 * prototype keys with a message a person can act on, and only the routes that take an image
 * accept a large body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { JSON_BODY_LIMIT, MAX_JSON_DEPTH, jsonDepthExceeds, parseJsonBody } from '../../src/http/json-body.ts';
import { BASE64_IMAGE_BODY_LIMIT } from '../../src/http/uploads.ts';
import { startTestApp, type TestApp } from '../harness.ts';
import { errorOf } from '../http-helpers.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const post = (url: string, payload: string, contentType = 'application/json') =>
  t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType } });

async function jobCount(): Promise<number> {
  const row = await t.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('JSON bodies', () => {
  it('a body past the JSON limit is refused with 413 before it is parsed, however it nests', async () => {
    const big = JSON.stringify({ prompt: 'x'.repeat(JSON_BODY_LIMIT) });
    const res = await post('/api/generations', big);
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).code).toBe('payload_too_large');

    const nested = '['.repeat(4 * 1024 * 1024) + ']'.repeat(4 * 1024 * 1024);
    const deep = await post('/api/generations', nested);
    expect(deep.statusCode).toBe(413);
    expect(errorOf(deep).code).toBe('payload_too_large');
  });

  it('nesting deeper than any request needs is refused by name, without parsing it', async () => {
    const body = `{"prompt":"a","spec":${'{"a":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}}`;
    const res = await post('/api/generations', body);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'invalid_json', message: expect.stringMatching(/more than 32 levels deep/) });
    expect(jsonDepthExceeds('{"s":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 4)).toBe(false);
    expect(jsonDepthExceeds('{"s":"\\"[[[[["}', 2)).toBe(false);
    expect(jsonDepthExceeds('[[[1]]]', 2)).toBe(true);
  });

  it('prototype keys are refused as such, anywhere in the body, and pollute nothing', async () => {
    for (const body of [
      '{"__proto__":{"polluted":true},"prompt":"a"}',
      '{"prompt":"a","spec":{"__proto__":{"polluted":true}}}',
      '{"prompt":"a","constructor":{"prototype":{"polluted":true}}}',
    ]) {
      const res = await post('/api/generations', body);
      expect(res.statusCode, body).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'validation_error', message: expect.stringMatching(/__proto__/) });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => parseJsonBody('{"a":{"__proto__":1}}')).toThrow(/never accepted/);
  });

  it('empty, broken and non-object bodies get a 400 that says what is wrong; nothing is queued', async () => {
    const before = await jobCount();
    for (const [body, pattern] of [
      ['', /body is empty/],
      ['   ', /body is empty/],
      ['{"prompt": "a",}', /not valid JSON/],
      ['{"prompt": "a"', /not valid JSON/],
      ['null', /the body must be a JSON object \(got null\)/],
      ['[]', /the body must be a JSON object \(got a list\)/],
      ['"a prompt"', /the body must be a JSON object \(got "a prompt"\)/],
      ['{"prompt": {"$gt": ""}}', /prompt/],
    ] as const) {
      const res = await post('/api/generations', body);
      expect(res.statusCode, body).toBe(400);
      expect(errorOf(res).message, body).toMatch(pattern);
    }
    expect(await jobCount()).toBe(before);
  });

  it('a body in a type no route takes is a 415 in the documented shape', async () => {
    const res = await post('/api/generations', '<prompt>a</prompt>', 'application/xml');
    expect(res.statusCode).toBe(415);
    expect(errorOf(res).code).toBe('unsupported_media_type');
  });

  it('the base64 image routes take an image larger than a JSON body, up to their own limit', async () => {
    const image = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    expect(image.length).toBeGreaterThan(JSON_BODY_LIMIT);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/sdxl/img2img',
      payload: { prompt: 'a painting', image: image.toString('base64'), width: 256, height: 256, num_inference_steps: 2 },
    });
    expect(ok.statusCode, ok.body).toBe(200);

    const tooBig = await post('/api/sdxl/img2img', JSON.stringify({ prompt: 'a', image: 'A'.repeat(BASE64_IMAGE_BODY_LIMIT) }));
    expect(tooBig.statusCode).toBe(413);
    expect(errorOf(tooBig).code).toBe('payload_too_large');
  });
});
