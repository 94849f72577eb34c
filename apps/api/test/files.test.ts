import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { generate, startTestApp, type TestApp } from './harness.ts';

let t: TestApp;
let node: Record<string, any>;
beforeAll(async () => {
  t = await startTestApp();
  [node] = (await generate(t.app, { prompt: 'lighthouse' })) as [Record<string, any>];
  // A file beside the store that must never be reachable.
  await fs.writeFile(path.join(t.dataDir, 'secret.png'), 'TOP-SECRET-CONTENT');
});
afterAll(async () => t.close());

describe('GET /images/{filename} and /thumbs/{filename}', () => {
  it('serves the PNG with cache headers, ETag, HEAD, Range and 304', async () => {
    const res = await t.app.inject({ url: node.url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(Number(res.headers['content-length'])).toBe(node.bytes);
    const etag = res.headers.etag as string;
    expect(etag).toBeTruthy();
    expect(res.rawPayload.length).toBe(node.bytes);

    const head = await t.app.inject({ method: 'HEAD', url: node.url });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(node.bytes));
    expect(head.body).toBe('');

    const range = await t.app.inject({ url: node.url, headers: { range: 'bytes=0-7' } });
    expect(range.statusCode).toBe(206);
    expect(range.headers['content-range']).toBe(`bytes 0-7/${node.bytes}`);
    expect(range.rawPayload.equals(res.rawPayload.subarray(0, 8))).toBe(true);

    const cached = await t.app.inject({ url: node.url, headers: { 'if-none-match': etag } });
    expect(cached.statusCode).toBe(304);

    const thumb = await t.app.inject({ url: node.thumbnail_url });
    expect(thumb.statusCode).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/webp');
    expect(thumb.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('refuses names the store did not make, traversal included, without touching other paths', async () => {
    const attempts = [
      '/images/secret.png',
      '/images/..%2Fsecret.png',
      '/images/%2e%2e%2fsecret.png',
      '/images/..%5Csecret.png',
      '/images/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      '/images/..%252Fsecret.png',
      `/images/${node.filename}%00.png`,
      `/images/${node.filename.replace('.png', '.webp')}`,
      `/thumbs/${node.filename}`,
      '/images/.tmp-123',
      '/images/imageflow.db',
      '/images/../imageflow.db',
      '/thumbs/..%2Fimageflow.db',
    ];
    for (const url of attempts) {
      const res = await t.app.inject({ url });
      expect([400, 404], url).toContain(res.statusCode);
      expect(res.json().error.code, url).toMatch(/validation_error|not_found/);
      expect(res.body).not.toContain('TOP-SECRET-CONTENT');
    }
    const missing = await t.app.inject({ url: '/images/sdxl_00000000-0000-4000-8000-000000000000.png' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.message).toMatch(/No image named/);
  });
});
