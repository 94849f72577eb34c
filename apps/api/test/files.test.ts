import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import crypto from 'node:crypto';
import { readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { LightMyRequestResponse } from 'fastify';
import type { ImageStore } from '../src/ports/image-store.port.ts';
import { generate, startTestApp, until, type TestApp } from './harness.ts';
import { fileTraversalAttempts } from './support/traversal.ts';

let t: TestApp;
let node: Record<string, any>;
/** Files whose body the store fails to read: right away, or after the first chunk has gone out. */
const failingReads = new Map<string, 'at-start' | 'mid-stream'>();

/** The real store, except that reads of the files in `failingReads` break as a failing disk would. */
function withFailingReads(store: ImageStore): ImageStore {
  return Object.assign(Object.create(store) as ImageStore, {
    open: async (bucket: Parameters<ImageStore['open']>[0], filename: string) => {
      const file = await store.open(bucket, filename);
      const failure = failingReads.get(filename);
      if (!file || !failure) return file;
      return {
        size: file.size,
        etag: file.etag,
        lastModified: file.lastModified,
        close: () => file.close(),
        body: (range?: { start: number; end: number }) => {
          const stream = file.body(range);
          const fail = () => stream.destroy(Object.assign(new Error('read failed (injected)'), { code: 'EIO' }));
          if (failure === 'at-start') process.nextTick(fail);
          else stream.once('data', fail);
          return stream;
        },
      };
    },
  });
}

const openFds = () => readdirSync('/proc/self/fd').length;

function isNotFound(res: LightMyRequestResponse): boolean {
  return res.statusCode === 404 && res.json().error.code === 'not_found' && typeof res.json().error.message === 'string';
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  t = await startTestApp({ store: withFailingReads });
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
    const attempts = fileTraversalAttempts(node.filename);
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

describe('conditional requests and ranges on /images and /thumbs', () => {
  let full: Buffer;
  let etag: string;
  let lastModified: string;
  beforeAll(async () => {
    const res = await t.app.inject({ url: node.url });
    full = res.rawPayload;
    etag = res.headers.etag as string;
    lastModified = res.headers['last-modified'] as string;
  });

  it('a strong ETag and a Last-Modified date', () => {
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(new Date(lastModified).toUTCString()).toBe(lastModified);
  });

  it('416 for a range past the end carries Content-Range: bytes */size and a JSON error', async () => {
    for (const range of [`bytes=${node.bytes}-`, `bytes=${node.bytes + 10}-${node.bytes + 20}`, 'bytes=-0']) {
      const res = await t.app.inject({ url: node.url, headers: { range } });
      expect(res.statusCode, range).toBe(416);
      expect(res.headers['content-range'], range).toBe(`bytes */${node.bytes}`);
      expect(res.json().error.code).toBe('range_not_satisfiable');
      expect(res.json().error.message).toContain(`${node.bytes} bytes`);
    }
  });

  it('a Range it cannot serve as one byte range is ignored: 200 with the whole file', async () => {
    for (const range of ['bytes=abc', 'items=0-1', 'bytes=5-1', 'bytes=0-1,4-7', 'bytes=0-1, -3', 'bytes=', 'bytes 0-7']) {
      const res = await t.app.inject({ url: node.url, headers: { range } });
      expect(res.statusCode, range).toBe(200);
      expect(res.headers['content-range'], range).toBeUndefined();
      expect(res.headers['content-length'], range).toBe(String(node.bytes));
      expect(res.rawPayload.equals(full), range).toBe(true);
    }
  });

  it('suffix and open-ended ranges', async () => {
    const suffix = await t.app.inject({ url: node.url, headers: { range: 'bytes=-100' } });
    expect(suffix.statusCode).toBe(206);
    expect(suffix.headers['content-range']).toBe(`bytes ${node.bytes - 100}-${node.bytes - 1}/${node.bytes}`);
    expect(suffix.headers['content-length']).toBe('100');
    expect(suffix.rawPayload.equals(full.subarray(node.bytes - 100))).toBe(true);

    const tail = await t.app.inject({ url: node.url, headers: { range: `bytes=${node.bytes - 10}-${node.bytes + 1000}` } });
    expect(tail.statusCode).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes ${node.bytes - 10}-${node.bytes - 1}/${node.bytes}`);
    expect(tail.rawPayload.equals(full.subarray(node.bytes - 10))).toBe(true);

    const whole = await t.app.inject({ url: node.url, headers: { range: 'bytes=-999999999' } });
    expect(whole.statusCode).toBe(206);
    expect(whole.rawPayload.equals(full)).toBe(true);
  });

  it('If-None-Match: a list, a weak tag and * give 304 with the validators and no body', async () => {
    for (const ifNoneMatch of [`"nope", ${etag}`, `W/${etag}`, '*']) {
      const res = await t.app.inject({ url: node.url, headers: { 'if-none-match': ifNoneMatch } });
      expect(res.statusCode, ifNoneMatch).toBe(304);
      expect(res.headers.etag).toBe(etag);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['last-modified']).toBe(lastModified);
      expect(res.rawPayload.length).toBe(0);
    }
    const other = await t.app.inject({ url: node.url, headers: { 'if-none-match': '"nope", W/"other"' } });
    expect(other.statusCode).toBe(200);
    expect(other.rawPayload.equals(full)).toBe(true);
    // If-None-Match decides alone: a date that would say "not modified" does not count.
    const both = await t.app.inject({ url: node.url, headers: { 'if-none-match': '"nope"', 'if-modified-since': lastModified } });
    expect(both.statusCode).toBe(200);
  });

  it('If-Modified-Since: 304 at or after Last-Modified, 200 before it', async () => {
    expect((await t.app.inject({ url: node.url, headers: { 'if-modified-since': lastModified } })).statusCode).toBe(304);
    const before = new Date(Date.parse(lastModified) - 1000).toUTCString();
    const res = await t.app.inject({ url: node.url, headers: { 'if-modified-since': before } });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(full)).toBe(true);
    expect((await t.app.inject({ url: node.url, headers: { 'if-modified-since': 'not a date' } })).statusCode).toBe(200);
  });

  it('If-Range: the range for the current ETag, the whole file for any other', async () => {
    const same = await t.app.inject({ url: node.url, headers: { range: 'bytes=0-9', 'if-range': etag } });
    expect(same.statusCode).toBe(206);
    const stale = await t.app.inject({ url: node.url, headers: { range: 'bytes=0-9', 'if-range': '"stale"' } });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.equals(full)).toBe(true);
  });

  it('HEAD of a range has the headers of the 206 and no body', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: node.thumbnail_url, headers: { range: 'bytes=2-5' } });
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toMatch(/^bytes 2-5\/\d+$/);
    expect(res.headers['content-length']).toBe('4');
    expect(res.headers['content-type']).toBe('image/webp');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers.etag).toMatch(/^"/);
    expect(res.rawPayload.length).toBe(0);
    const notModified = await t.app.inject({ method: 'HEAD', url: node.url, headers: { 'if-none-match': etag } });
    expect(notModified.statusCode).toBe(304);
  });
});

describe('reading while the image is deleted', () => {
  it('a GET racing DELETE /api/images/{id} gets the whole file or a 404, never a 5xx', async () => {
    const outcomes = { whole: 0, notFound: 0 };
    for (let round = 0; round < 4; round++) {
      const [victim] = await generate(t.app, { prompt: `doomed lighthouse ${round}` });
      const expected = new Map<string, Buffer>();
      for (const url of [victim!.url, victim!.thumbnail_url] as string[]) expected.set(url, (await t.app.inject({ url })).rawPayload);
      const urls = [...expected.keys()];
      const get = (i: number) => {
        const url = urls[i % 2]!;
        // Spread over the delete: some start before it, some during, some after.
        return new Promise((resolve) => setTimeout(resolve, i % 7)).then(() => t.app.inject({ url })).then((res) => ({ url, res }));
      };
      const gets = Array.from({ length: 40 }, (_, i) => get(i));
      const deleted = t.app.inject({ method: 'DELETE', url: `/api/images/${victim!.id}?forever=true` });
      const responses = await Promise.all(gets);
      expect((await deleted).statusCode).toBe(200);

      for (const { url, res } of responses) {
        if (res.statusCode === 200) {
          expect(res.rawPayload.equals(expected.get(url)!), url).toBe(true);
          expect(res.headers['content-length']).toBe(String(expected.get(url)!.length));
          outcomes.whole++;
        } else {
          expect(isNotFound(res), `${url}: ${res.statusCode} ${res.body}`).toBe(true);
          outcomes.notFound++;
        }
      }
      for (const url of urls) expect(isNotFound(await t.app.inject({ url }))).toBe(true);
    }
    expect(outcomes.whole + outcomes.notFound).toBe(4 * 40);
  });

  it('a file opened before the delete is still read whole after it', async () => {
    const [victim] = await generate(t.app, { prompt: 'opened then deleted' });
    const expected = (await t.app.inject({ url: victim!.url })).rawPayload;
    const file = await t.services.files.open('images', victim!.filename);
    try {
      expect((await t.app.inject({ method: 'DELETE', url: `/api/images/${victim!.id}?forever=true` })).statusCode).toBe(200);
      await expect(fs.access(path.join(t.dataDir, 'images', victim!.filename))).rejects.toThrow();
      expect(isNotFound(await t.app.inject({ url: victim!.url }))).toBe(true);
      expect(file.size).toBe(expected.length);
      expect((await readAll(file.body())).equals(expected)).toBe(true);
    } finally {
      await file.close();
    }
    await expect(t.services.files.open('images', victim!.filename)).rejects.toMatchObject({ statusCode: 404, code: 'not_found' });
  });
});

describe('file descriptors', () => {
  it('none is left open by any kind of request: HEAD, 304, 416, ranges, aborts, failed reads', async () => {
    // A file big enough that an aborted download really stops mid-stream.
    const big = `sdxl_${crypto.randomUUID()}.png`;
    await t.services.store.put('images', big, crypto.randomBytes(4 * 1024 * 1024));
    const brokenAtStart = `sdxl_${crypto.randomUUID()}.png`;
    const brokenMidStream = `sdxl_${crypto.randomUUID()}.png`;
    await t.services.store.put('images', brokenAtStart, crypto.randomBytes(256 * 1024));
    await t.services.store.put('images', brokenMidStream, crypto.randomBytes(4 * 1024 * 1024));
    failingReads.set(brokenAtStart, 'at-start').set(brokenMidStream, 'mid-stream');

    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    /** A real client that hangs up after the first chunk of the body. */
    const abortAfterFirstChunk = (url: string) =>
      new Promise<void>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: url, agent: false }, (res) => {
          expect(res.statusCode).toBe(200);
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', (err) => (req.destroyed ? undefined : reject(err)));
      });

    const etag = (await t.app.inject({ url: node.url })).headers.etag as string;
    const requests: Array<() => Promise<unknown>> = [
      () => t.app.inject({ url: node.url }),
      () => t.app.inject({ url: node.thumbnail_url }),
      () => t.app.inject({ method: 'HEAD', url: node.url }),
      () => t.app.inject({ url: node.url, headers: { 'if-none-match': etag } }),
      () => t.app.inject({ method: 'HEAD', url: node.url, headers: { 'if-none-match': etag } }),
      () => t.app.inject({ url: node.url, headers: { range: 'bytes=5-50' } }),
      () => t.app.inject({ method: 'HEAD', url: node.url, headers: { range: 'bytes=5-50' } }),
      () => t.app.inject({ url: node.url, headers: { range: 'bytes=99999999-' } }),
      () => t.app.inject({ url: node.url, headers: { range: 'bytes=abc' } }),
      () => t.app.inject({ url: '/images/sdxl_00000000-0000-4000-8000-000000000000.png' }),
      () => t.app.inject({ url: `/images/${brokenAtStart}` }).then((res) => expect(res.statusCode).toBe(500)),
      // The status line and headers have gone out, so the connection is cut.
      () => expect(t.app.inject({ url: `/images/${brokenMidStream}` })).rejects.toThrow(/destroyed/),
      () => abortAfterFirstChunk(`/images/${big}`),
      () => abortAfterFirstChunk(`/images/${brokenMidStream}`).catch(() => undefined),
    ];
    const runAll = () => Promise.all(requests.map((request) => request()));
    const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

    // Warm up first, so sockets, log streams and caches opened once are counted in the baseline.
    await runAll();
    await settle();
    const baseline = openFds();
    const rounds = Math.ceil(200 / requests.length);
    for (let round = 0; round < rounds; round++) await runAll();
    await until(() => openFds() <= baseline, `open file descriptors back to ${baseline} (now ${openFds()})`);
    expect(rounds * requests.length).toBeGreaterThanOrEqual(200);
  });
});
