/**
 * Hostile input, class "HTTP details": numbers in URLs have one spelling, and the byte-range
 * rules of the file routes are those of RFC 9110 (their tests are in ../files.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, startTestApp, type TestApp } from '../harness.ts';
import { errorOf } from '../http-helpers.ts';

let t: TestApp;
let id: number;
beforeAll(async () => {
  t = await startTestApp();
  [{ id }] = (await generate(t.app, { prompt: 'a canonical lighthouse' })) as [{ id: number }];
});
afterAll(async () => t.close());

describe('ids and numbers in URLs', () => {
  it('only the plain decimal spelling of an id names an image', async () => {
    expect(id).toBe(1);
    expect((await t.app.inject({ url: '/api/images/1' })).statusCode).toBe(200);
    for (const spelling of ['0x1', '%201', '1%20', '01', '1e0', '1.0', '+1', '-1', '0', '0b1', '%EF%BC%91', '１', '1,', '9007199254740993', '99999999999999999999']) {
      for (const url of [`/api/images/${spelling}`, `/api/images/${spelling}/lineage`]) {
        const res = await t.app.inject({ url });
        expect(res.statusCode, url).toBe(400);
        expect(errorOf(res), url).toMatchObject({ code: 'validation_error', message: expect.stringMatching(/id must be/) });
      }
    }
  });

  it('limits in the query have one spelling and a range', async () => {
    expect((await t.app.inject({ url: '/api/images?limit=5' })).statusCode).toBe(200);
    for (const url of [
      '/api/images?limit=0x10',
      '/api/images?limit=%205',
      '/api/images?limit=5.0',
      '/api/images?limit=',
      '/api/images?limit=1e2',
      '/api/images?limit=201',
      '/api/images?limit=-1',
      '/api/images/1/lineage?limit=0x10',
      '/api/images/1/lineage?limit=5001',
    ]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(errorOf(res).message, url).toMatch(/limit must be/);
    }
  });

  it('cursors are opaque but checked: a forged or oversized one is a 400', async () => {
    for (const url of [
      '/api/images?cursor=abc',
      `/api/images?cursor=${Buffer.from("g:1 OR 1=1").toString('base64url')}`,
      `/api/images?cursor=${'A'.repeat(5000)}`,
      '/api/images/1/lineage?cursor=%00',
    ]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(errorOf(res).code, url).toBe('validation_error');
    }
  });
});
