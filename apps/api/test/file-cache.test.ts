/**
 * The file cache and the path that answers cached files before the framework: the same answers as without
 * them (status, every header in its order, body) for every kind of request; a removed file is never served
 * from memory after its remove; the memory bound holds; image URLs that are not public and share links are
 * answered as before.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalImageStore } from '../src/adapters/local-image-store.ts';
import { FileCache, fileKey } from '../src/http/file-cache.ts';
import { installErrorHandler } from '../src/http/error-handler.ts';
import type { Bucket, ByteRange, StoredFile } from '../src/ports/image-store.port.ts';
import type { NodeRepository } from '../src/ports/node.repository.port.ts';
import { fileRoutes, fileServingOf } from '../src/routes/file.routes.ts';
import type { Services } from '../src/services/container.ts';
import { FileService } from '../src/services/file.service.ts';
import { generate, startTestApp, type TestApp } from './harness.ts';

interface Answer {
  status: number;
  /** Every header as it came, in order, but Date. */
  headers: [string, string][];
  body: Buffer;
}

/** One request over a connection of its own, with the answer exactly as it came off the wire. */
/** Asks `port` for the path (and query) of `url`, a URL an answer gave. */
function request(port: number, url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const { pathname, search } = new URL(url, 'http://localhost');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname + search, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i]!.toLowerCase() !== 'date') headers.push([res.rawHeaders[i]!, res.rawHeaders[i + 1]!]);
        }
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

const header = (answer: Answer, name: string) => answer.headers.find(([k]) => k.toLowerCase() === name)?.[1];

describe('answers from memory are the answers of the routes', () => {
  let cached: TestApp;
  let plain: TestApp;
  let cachedPort: number;
  let plainPort: number;
  let node: Record<string, any>;

  beforeAll(async () => {
    // Entries stay fresh for the whole test, however slow the machine: which path answers is part of what is checked.
    cached = await startTestApp({ env: { IMAGEFLOW_FILE_CACHE_RECHECK_MS: '3600000' } });
    // The same folder and database, without the cache: every answer comes from the routes and the store.
    plain = await startTestApp({ dataDir: cached.dataDir, start: false, env: { IMAGEFLOW_FILE_CACHE_MB: '0' } });
    [node] = (await generate(cached.app, { prompt: 'lighthouse' })) as [Record<string, any>];
    cachedPort = await listen(cached.app);
    plainPort = await listen(plain.app);
  });
  afterAll(async () => {
    await plain.close();
    await cached.close();
  });

  it('has the path in front of the framework only where it may', () => {
    expect(fileServingOf(cached.app)?.fast).not.toBeNull();
    expect(fileServingOf(cached.app)?.cache.enabled).toBe(true);
    expect(fileServingOf(plain.app)?.fast).toBeNull();
    expect(fileServingOf(plain.app)?.cache.enabled).toBe(false);
  });

  it('the same status, headers (names, order, values) and body for every kind of request', async () => {
    const full = await request(plainPort, node.url);
    const etag = header(full, 'etag')!;
    const lastModified = header(full, 'last-modified')!;
    const cases: Array<{ url: string; method?: string; headers?: Record<string, string>; fast: boolean }> = [
      { url: node.url, fast: true },
      { url: node.thumbnail_url, fast: true },
      { url: `${node.thumbnail_url}?v=2`, fast: true },
      { url: node.url, method: 'HEAD', fast: true },
      { url: node.url, headers: { 'if-none-match': etag }, fast: true },
      { url: node.url, method: 'HEAD', headers: { 'if-none-match': etag }, fast: true },
      { url: node.url, headers: { 'if-none-match': `"nope", W/${etag}` }, fast: true },
      { url: node.url, headers: { 'if-none-match': '"nope"' }, fast: true },
      { url: node.url, headers: { 'if-modified-since': lastModified }, fast: true },
      { url: node.url, headers: { 'if-modified-since': new Date(Date.parse(lastModified) - 1000).toUTCString() }, fast: true },
      { url: node.url, headers: { range: 'bytes=0-9' }, fast: true },
      { url: node.url, headers: { range: 'bytes=-100' }, fast: true },
      { url: node.url, method: 'HEAD', headers: { range: 'bytes=2-5' }, fast: true },
      { url: node.url, headers: { range: 'bytes=0-1,4-7' }, fast: true },
      { url: node.url, headers: { range: 'bytes=0-9', 'if-range': etag }, fast: true },
      { url: node.url, headers: { range: 'bytes=0-9', 'if-range': '"stale"' }, fast: true },
      { url: node.url, headers: { 'accept-encoding': 'gzip, br' }, fast: true },
      { url: node.url, headers: { cookie: 'imageflow_session=whatever' }, fast: true },
      // The routes answer these: a range past the end (416 says why), CORS, an API token, a body.
      { url: node.url, headers: { range: `bytes=${node.bytes}-` }, fast: false },
      { url: node.url, headers: { origin: 'http://localhost:5173' }, fast: false },
      { url: node.url, headers: { origin: 'https://elsewhere.example' }, fast: false },
      { url: node.url, headers: { authorization: 'Bearer ifk_not-a-token' }, fast: false },
      { url: node.url, headers: { 'content-length': '0' }, fast: false },
      { url: node.url, headers: { accept: 'text/html' }, fast: true },
      { url: node.url.replace('.png', '.webp'), fast: false },
      { url: '/images/sdxl_00000000-0000-4000-8000-000000000000.png', fast: false },
      { url: '/images/..%2Fimageflow.db', fast: false },
    ];
    const fast = fileServingOf(cached.app)!.fast!;
    // Filled by the routes (a miss), then answered from memory.
    for (const c of cases) await request(cachedPort, c.url, c);
    for (const c of cases) await request(cachedPort, c.url, c);
    for (const c of cases) {
      const before = fast.answered;
      const fromCache = await request(cachedPort, c.url, c);
      const answeredHere = fast.answered - before;
      const fromRoutes = await request(plainPort, c.url, c);
      const what = `${c.method ?? 'GET'} ${c.url} ${JSON.stringify(c.headers ?? {})}`;
      expect(answeredHere, what).toBe(c.fast ? 1 : 0);
      expect(fromCache.status, what).toBe(fromRoutes.status);
      expect(fromCache.headers, what).toEqual(fromRoutes.headers);
      expect(fromCache.body.equals(fromRoutes.body), what).toBe(true);
    }
  });

  it('a removed image is never served from memory after its remove', async () => {
    const [victim] = await generate(cached.app, { prompt: 'doomed lighthouse' });
    const urls = [victim!.url, victim!.thumbnail_url] as string[];
    const fast = fileServingOf(cached.app)!.fast!;
    for (let i = 0; i < 3; i++) for (const url of urls) expect((await request(cachedPort, url)).status).toBe(200);
    const before = fast.answered;
    for (const url of urls) expect((await request(cachedPort, url)).status).toBe(200);
    expect(fast.answered - before).toBe(2);
    expect((await cached.app.inject({ method: 'DELETE', url: `/api/images/${victim!.id}?forever=true` })).statusCode).toBe(200);
    for (const url of urls) {
      const res = await request(cachedPort, url);
      expect(res.status, url).toBe(404);
      expect(JSON.parse(res.body.toString()).error.code).toBe('not_found');
      expect((await cached.app.inject({ url })).statusCode).toBe(404);
    }
    expect(fileServingOf(cached.app)!.cache.has('images', victim!.filename)).toBe(false);
  });

  it('GETs racing a delete over real connections get the whole file or a 404, and the URL 404s once it is done', async () => {
    for (let round = 0; round < 3; round++) {
      const [victim] = await generate(cached.app, { prompt: `raced lighthouse ${round}` });
      const expected = (await request(cachedPort, victim!.thumbnail_url)).body;
      const gets = Array.from({ length: 30 }, (_, i) => new Promise((r) => setTimeout(r, i % 5)).then(() => request(cachedPort, victim!.thumbnail_url)));
      const deleted = cached.app.inject({ method: 'DELETE', url: `/api/images/${victim!.id}?forever=true` });
      for (const res of await Promise.all(gets)) {
        expect([200, 404]).toContain(res.status);
        if (res.status === 200) expect(res.body.equals(expected)).toBe(true);
      }
      expect((await deleted).statusCode).toBe(200);
      expect((await request(cachedPort, victim!.thumbnail_url)).status).toBe(404);
    }
  });

  it('keeps within its size', () => {
    const { cache } = fileServingOf(cached.app)!;
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.size).toBeLessThanOrEqual(cache.maxBytes);
  });
});

describe('files removed by another process', () => {
  it('are seen at once with IMAGEFLOW_FILE_CACHE_RECHECK_MS=0, and served from memory until the recheck otherwise', async () => {
    const always = await startTestApp({ env: { IMAGEFLOW_FILE_CACHE_RECHECK_MS: '0' } });
    const seldom = await startTestApp({ dataDir: always.dataDir, start: false, env: { IMAGEFLOW_FILE_CACHE_RECHECK_MS: '3600000' } });
    try {
      const [a, b] = await generate(always.app, { prompt: 'two of them', spec: { batch_size: 2 } });
      const ports = [await listen(always.app), await listen(seldom.app)] as const;
      for (const n of [a!, b!]) for (const port of ports) for (let i = 0; i < 3; i++) expect((await request(port, n.thumbnail_url)).status).toBe(200);
      // Removed behind the stores' backs, as another process sharing the folder would.
      for (const n of [a!, b!]) await fs.rm(path.join(always.dataDir, 'thumbs', n.thumbnail_url.split('/').pop()!));
      expect((await request(ports[0], a!.thumbnail_url)).status).toBe(404);
      // The documented bound: an hour here, a second by default.
      expect((await request(ports[1], b!.thumbnail_url)).status).toBe(200);
    } finally {
      await seldom.close();
      await always.close();
    }
  });
});

describe('with accounts on (and rate limits), public image URLs', () => {
  it('are answered from memory as the routes answer them, with or without a session', async () => {
    const on = await startTestApp({ env: { IMAGEFLOW_AUTH: 'on', IMAGEFLOW_FILE_CACHE_RECHECK_MS: '3600000' } });
    const off = await startTestApp({ dataDir: on.dataDir, start: false, env: { IMAGEFLOW_AUTH: 'on', IMAGEFLOW_FILE_CACHE_MB: '0' } });
    try {
      const user = await on.services.accounts.createUser('dana', 'dana-password', 'user');
      const token = `Bearer ${(await on.services.accounts.createToken(user, 'test')).token}`;
      const res = await on.app.inject({ method: 'POST', url: '/api/images/generate', headers: { authorization: token }, payload: { prompt: 'public', spec: { width: 128, height: 96, steps: 4 } } });
      const node = res.json().images[0];
      const [onPort, offPort] = [await listen(on.app), await listen(off.app)];
      const fast = fileServingOf(on.app)!.fast!;
      for (const headers of [{}, { cookie: 'imageflow_session=not-a-session' }] as Record<string, string>[]) {
        for (let i = 0; i < 3; i++) await request(onPort, node.thumbnail_url, { headers });
        const before = fast.answered;
        const fromCache = await request(onPort, node.thumbnail_url, { headers });
        expect(fast.answered - before).toBe(1);
        const fromRoutes = await request(offPort, node.thumbnail_url, { headers });
        expect(fromCache.status).toBe(200);
        expect(fromCache.headers).toEqual(fromRoutes.headers);
        expect(fromCache.body.equals(fromRoutes.body)).toBe(true);
      }
    } finally {
      await off.close();
      await on.close();
    }
  });
});

describe('IMAGEFLOW_PUBLIC_IMAGES=false and share links', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ env: { IMAGEFLOW_AUTH: 'on', IMAGEFLOW_PUBLIC_IMAGES: 'false' } });
    port = await listen(t.app);
  });
  afterAll(async () => t.close());

  const tokenOf = async (name: string) => {
    const user = await t.services.accounts.createUser(name, `${name}-password`, 'user');
    return `Bearer ${(await t.services.accounts.createToken(user, 'test')).token}`;
  };

  it('image URLs still need their owner, however often they were opened', async () => {
    expect(fileServingOf(t.app)?.fast).toBeNull();
    const alice = await tokenOf('alice');
    const bob = await tokenOf('bob');
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', headers: { authorization: alice }, payload: { prompt: 'private', spec: { width: 128, height: 96, steps: 4 } } });
    const node = res.json().images[0];
    for (let i = 0; i < 3; i++) {
      for (const url of [node.url, node.thumbnail_url]) {
        const own = await request(port, url, { headers: { authorization: alice } });
        expect(own.status).toBe(200);
        expect(header(own, 'cache-control')).toBe('private, max-age=31536000, immutable');
        expect((await request(port, url)).status).toBe(401);
        expect((await request(port, url, { headers: { authorization: bob } })).status).toBe(404);
      }
    }
  });

  it('share links are checked on every request, whatever the cache holds', async () => {
    const alice = await tokenOf('carol');
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', headers: { authorization: alice }, payload: { prompt: 'shared', spec: { width: 128, height: 96, steps: 4 } } });
    const node = res.json().images[0];
    const link = (await t.app.inject({ method: 'POST', url: '/api/shares', headers: { authorization: alice }, payload: { node_id: node.id } })).json();
    const shared = `${link.url}/thumbs/${node.filename.replace(/\.png$/, '.webp')}`;
    for (let i = 0; i < 3; i++) {
      const file = await request(port, shared);
      expect(file.status).toBe(200);
      expect(header(file, 'cache-control')).toBe('private, no-cache');
      expect((await request(port, node.thumbnail_url, { headers: { authorization: alice } })).status).toBe(200);
    }
    expect((await t.app.inject({ method: 'DELETE', url: `/api/shares/${link.id}`, headers: { authorization: alice } })).statusCode).toBe(200);
    expect((await request(port, shared)).status).toBe(410);
    expect((await request(port, node.thumbnail_url, { headers: { authorization: alice } })).status).toBe(200);
  });
});

describe('the path in front of the framework', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true }))));

  async function appOver(options: { logger?: object | false; hook?: (app: FastifyInstance) => void }) {
    const dir = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'imageflow-fast-files-'));
    dirs.push(dir);
    const store = await LocalImageStore.open(dir);
    const name = `sdxl_${crypto.randomUUID()}.webp`;
    await store.put('thumbs', name, crypto.randomBytes(3000));
    const app = Fastify({ logger: options.logger ?? false });
    installErrorHandler(app);
    options.hook?.(app);
    const config = { publicImages: true, auth: false, fileCacheBytes: 1 << 20, fileCacheRecheckMs: 3_600_000 };
    fileRoutes(app, { files: new FileService(store, {} as NodeRepository), config } as unknown as Services);
    return { app, url: `/thumbs/${name}` };
  }

  it('leaves file requests out of the log at info, and is put in front', async () => {
    const lines: string[] = [];
    const { app, url } = await appOver({
      logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } },
      hook: (a) => a.get('/api/ping', async () => ({ ok: true })),
    });
    const port = await listen(app);
    try {
      for (let i = 0; i < 3; i++) expect((await request(port, url)).status).toBe(200);
      expect(await request(port, '/thumbs/sdxl_00000000-0000-4000-8000-000000000000.webp')).toMatchObject({ status: 404 });
      await request(port, '/api/ping');
      expect(fileServingOf(app)!.fast!.answered).toBe(1);
      const logged = lines.map((l) => JSON.parse(l) as { req?: { url?: string } }).filter((l) => l.req?.url !== undefined).map((l) => l.req!.url);
      expect(logged).toEqual(['/api/ping']);
    } finally {
      await app.close();
    }
  });

  it('is not put in front while file requests are logged (debug)', async () => {
    const lines: string[] = [];
    const { app, url } = await appOver({ logger: { level: 'debug', stream: { write: (line: string) => void lines.push(line) } } });
    expect(fileServingOf(app)?.fast).toBeNull();
    const port = await listen(app);
    try {
      await request(port, url);
      expect(lines.some((l) => l.includes(url))).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('never answers when the routes\' answers differ from one to the next', async () => {
    let n = 0;
    const { app, url } = await appOver({ hook: (a) => a.addHook('onSend', async (_req, reply) => void reply.header('x-answer', String(++n))) });
    const port = await listen(app);
    try {
      for (let i = 1; i <= 5; i++) expect(header(await request(port, url), 'x-answer')).toBe(String(i));
      expect(fileServingOf(app)!.fast!.answered).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('answers once two answers of the routes agree', async () => {
    const { app, url } = await appOver({});
    const port = await listen(app);
    const fast = fileServingOf(app)!.fast!;
    for (let i = 0; i < 2; i++) await request(port, url);
    expect(fast.answered).toBe(0);
    await request(port, url);
    expect(fast.answered).toBe(1);
    await app.close();
  });
});

// --- the cache alone -------------------------------------------------------------------------------------------

/** A store of buffers whose opens can be held, counted, and answered after a remove. */
class MemoryStore {
  files = new Map<string, { bytes: Buffer; etag: string }>();
  opens = 0;
  bodies = 0;
  hold: Promise<void> | null = null;

  put(name: string, bytes: Buffer): void {
    this.files.set(name, { bytes, etag: `"${crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16)}"` });
  }

  opener(name: string) {
    return async (): Promise<StoredFile> => {
      this.opens++;
      const file = this.files.get(name);
      if (this.hold) await this.hold;
      if (!file) throw Object.assign(new Error('not found'), { statusCode: 404 });
      return {
        size: file.bytes.length,
        etag: file.etag,
        lastModified: new Date('2026-01-01T00:00:00Z'),
        body: (range?: ByteRange) => {
          this.bodies++;
          return Readable.from([range ? file.bytes.subarray(range.start, range.end + 1) : file.bytes]);
        },
        close: async () => undefined,
      };
    };
  }
}

async function readThrough(cache: FileCache, store: MemoryStore, bucket: Bucket, name: string): Promise<Buffer> {
  const file = await cache.open(bucket, name, store.opener(name));
  const chunks: Buffer[] = [];
  for await (const chunk of file.body()) chunks.push(chunk as Buffer);
  await file.close();
  return Buffer.concat(chunks);
}

const thumb = (i: number) => `sdxl_00000000-0000-4000-8000-${String(i).padStart(12, '0')}.webp`;

describe('FileCache', () => {
  it('never holds more than its size: the least recently used go first, large files keep their validators only', async () => {
    let clock = 0;
    const cache = new FileCache({ maxBytes: 20_000, maxFileBytes: 5_000, recheckMs: 60_000, now: () => clock });
    const store = new MemoryStore();
    for (let i = 0; i < 12; i++) store.put(thumb(i), crypto.randomBytes(4_000));
    store.put(thumb(99), crypto.randomBytes(50_000));
    for (let i = 0; i < 12; i++) {
      clock++;
      expect((await readThrough(cache, store, 'thumbs', thumb(i))).equals(store.files.get(thumb(i))!.bytes)).toBe(true);
      // The first one stays in use.
      if (i >= 1) await readThrough(cache, store, 'thumbs', thumb(0));
      expect(cache.size).toBeLessThanOrEqual(20_000);
    }
    expect(cache.has('thumbs', thumb(0))).toBe(true);
    expect(cache.has('thumbs', thumb(11))).toBe(true);
    expect(cache.has('thumbs', thumb(1))).toBe(false);
    expect(cache.count).toBeLessThanOrEqual(4);

    const opens = store.opens;
    await readThrough(cache, store, 'thumbs', thumb(11));
    expect(store.opens).toBe(opens);

    // Too large to keep whole: read from the store each time, its validators kept.
    expect((await readThrough(cache, store, 'thumbs', thumb(99))).length).toBe(50_000);
    expect(cache.has('thumbs', thumb(99))).toBe(true);
    expect(cache.fresh(fileKey('thumbs', thumb(99)))?.bytes).toBeNull();
    expect(cache.size).toBeLessThanOrEqual(20_000);
  });

  it('a remove that begins or ends while a read is under way leaves nothing behind', async () => {
    const cache = new FileCache({ maxBytes: 1 << 20, maxFileBytes: 1 << 16, recheckMs: 60_000 });
    const store = new MemoryStore();
    const name = thumb(1);
    const key = fileKey('thumbs', name);
    for (const moment of ['before-open', 'during-open', 'after-open'] as const) {
      store.put(name, crypto.randomBytes(1_000));
      let release!: () => void;
      store.hold = new Promise((r) => (release = r));
      if (moment === 'before-open') cache.changed(key); // the remove begins
      const opening = cache.open('thumbs', name, store.opener(name));
      if (moment === 'during-open') cache.changed(key);
      release();
      const file = await opening;
      store.hold = null;
      if (moment === 'after-open') cache.changed(key);
      // The file is gone (the remove ends) while its body is still being read.
      store.files.delete(name);
      cache.changed(key);
      const chunks: Buffer[] = [];
      for await (const chunk of file.body()) chunks.push(chunk as Buffer);
      await file.close();
      expect(cache.has('thumbs', name), moment).toBe(false);
      await expect(readThrough(cache, store, 'thumbs', name)).rejects.toThrow(/not found/);
    }
  });

  it('asks the store again after recheckMs, without reading a file that is still the same', async () => {
    let clock = 0;
    const cache = new FileCache({ maxBytes: 1 << 20, maxFileBytes: 1 << 16, recheckMs: 1_000, now: () => clock });
    const store = new MemoryStore();
    const name = thumb(2);
    store.put(name, crypto.randomBytes(2_000));
    await readThrough(cache, store, 'thumbs', name);
    const { opens, bodies } = store;
    clock += 999;
    await readThrough(cache, store, 'thumbs', name);
    expect([store.opens, store.bodies]).toEqual([opens, bodies]);
    clock += 1;
    expect(cache.fresh(fileKey('thumbs', name))).toBeUndefined();
    await readThrough(cache, store, 'thumbs', name);
    expect([store.opens, store.bodies]).toEqual([opens + 1, bodies]);
    // Gone meanwhile (another process removed it): the next check drops it.
    store.files.delete(name);
    clock += 1_000;
    await expect(readThrough(cache, store, 'thumbs', name)).rejects.toThrow(/not found/);
    expect(cache.has('thumbs', name)).toBe(false);
  });

  it('keeps nothing from a range, a HEAD or a failed read but the validators', async () => {
    const cache = new FileCache({ maxBytes: 1 << 20, maxFileBytes: 1 << 16, recheckMs: 60_000 });
    const store = new MemoryStore();
    const name = thumb(3);
    store.put(name, crypto.randomBytes(2_000));
    const ranged = await cache.open('thumbs', name, store.opener(name));
    for await (const _ of ranged.body({ start: 0, end: 9 })) void _;
    await ranged.close();
    expect(cache.fresh(fileKey('thumbs', name))?.bytes ?? null).toBeNull();
    const unread = await cache.open('thumbs', name, store.opener(name));
    await unread.close();
    expect(cache.fresh(fileKey('thumbs', name))?.bytes).toBeNull();
    await readThrough(cache, store, 'thumbs', name);
    expect(cache.fresh(fileKey('thumbs', name))?.bytes?.length).toBe(2_000);
  });
});
