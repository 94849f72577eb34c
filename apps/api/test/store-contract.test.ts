/**
 * One contract for every ImageStore: the same behaviours, run against the local folder and against a real S3
 * server (Ceph radosgw on loopback, see test/support/radosgw.ts). Where the two differ by nature, the factory
 * names what its store guarantees and the test checks that guarantee.
 */
import type { NodeRepository } from '../src/ports/node.repository.port.ts';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalImageStore } from '../src/adapters/local-image-store.ts';
import { entityTag, S3ImageStore, s3ConfigFromEnv, type S3Config } from '../src/adapters/s3-image-store.ts';
import type { Services } from '../src/services/container.ts';
import { ConfigError } from '../src/config.ts';
import { NotFoundError } from '../src/errors.ts';
import { decideConditionalGet } from '../src/http/conditional-get.ts';
import { installErrorHandler } from '../src/http/error-handler.ts';
import type { Bucket, ImageStore, StoredFile } from '../src/ports/image-store.port.ts';
import { fileRoutes } from '../src/routes/file.routes.ts';
import { FileService } from '../src/services/file.service.ts';
import { ensureRadosgw, radosgwAnswering, radosgwInstalled, rgwClient, type Radosgw } from './support/radosgw.ts';

// --- whether the S3 half can run ---------------------------------------------------------------------------

const S3_AVAILABLE = radosgwInstalled() || (await radosgwAnswering());
if (!S3_AVAILABLE) {
  console.warn(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '!!  radosgw is not installed: the S3 half of the store contract was NOT run.',
      '!!  Install it with `apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd`.',
      ...(process.env.CI ? ['!!  CI: this FAILS the run.'] : []),
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  );
}
const RADOSGW_HOOK_TIMEOUT = 180_000;

// --- the stores under test -------------------------------------------------------------------------------

interface StoreUnderTest {
  store: ImageStore;
  /** A store over the same place whose every I/O would fail or be counted; `ioCount` says how many happened. */
  guarded(): Promise<{ store: ImageStore; ioCount(): number; close(): Promise<void> }>;
  /** What a release check counts: open descriptors (local) or the HTTP agent's sockets (S3). */
  resourcesInUse(): number;
  close(): Promise<void>;
}

interface StoreFactory {
  name: string;
  available: boolean;
  /** What a second put of different bytes under a taken name does. */
  samePutTwice: 'refused' | 'replaced-atomically';
  /** What the body of a file opened, then removed before its body is taken, gives. */
  removedBeforeBody: 'whole-file' | 'not-found-before-first-byte';
  make(): Promise<StoreUnderTest>;
}

const madeDirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'imageflow-store-contract-'));
  madeDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await Promise.all(madeDirs.splice(0).map((dir) => fsp.rm(dir, { recursive: true, force: true })));
});

const localFactory: StoreFactory = {
  name: 'LocalImageStore (temp folder)',
  available: true,
  // rename() over an existing name: readers see the old file or the new one, whole (see "Anything noticed").
  samePutTwice: 'replaced-atomically',
  // The body comes from the descriptor opened by open().
  removedBeforeBody: 'whole-file',
  async make() {
    const root = await tempDir();
    return {
      store: await LocalImageStore.open(root),
      async guarded() {
        // A store whose folder is gone: a read or write that reached the disk would fail with ENOENT instead
        // of the refusal, and nothing may make the folder again.
        const gone = await tempDir();
        const store = await LocalImageStore.open(gone);
        await fsp.rm(gone, { recursive: true, force: true });
        return { store, ioCount: () => (fs.existsSync(gone) ? 1 : 0), close: async () => undefined };
      },
      resourcesInUse: () => fs.readdirSync('/proc/self/fd').length,
      close: async () => undefined,
    };
  },
};

/** One bucket per test file, with a random name; emptied and deleted afterwards. */
class TestBucket {
  readonly name = `imageflow-test-${crypto.randomBytes(6).toString('hex')}`;
  constructor(
    readonly rgw: Radosgw,
    readonly client: S3Client,
  ) {}

  static async create(rgw: Radosgw): Promise<TestBucket> {
    const bucket = new TestBucket(rgw, rgwClient(rgw));
    await bucket.client.send(new CreateBucketCommand({ Bucket: bucket.name }));
    return bucket;
  }

  config(prefix: string): S3Config {
    return {
      bucket: this.name,
      endpoint: this.rgw.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      prefix,
      credentials: { accessKeyId: this.rgw.accessKeyId, secretAccessKey: this.rgw.secretAccessKey },
    };
  }

  /** Deletes the objects of this (test-made) bucket, then the bucket. */
  async destroy(): Promise<void> {
    for (;;) {
      const listed = await this.client.send(new ListObjectsV2Command({ Bucket: this.name }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!);
      if (keys.length === 0) break;
      await Promise.all(keys.map((Key) => this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key }))));
    }
    await this.client.send(new DeleteBucketCommand({ Bucket: this.name }));
    this.client.destroy();
  }
}

let sharedBucket: Promise<TestBucket> | null = null;

/** Starts (or reuses) radosgw and makes this file's bucket, once. */
function testBucket(): Promise<TestBucket> {
  sharedBucket ??= ensureRadosgw().then((rgw) => {
    if (!rgw) throw new Error('radosgw is installed but ensureRadosgw() found none');
    return TestBucket.create(rgw);
  });
  return sharedBucket;
}

afterAll(async () => {
  if (sharedBucket) await (await sharedBucket).destroy();
}, RADOSGW_HOOK_TIMEOUT);

/** Counts connections and refuses them all: a store on it that does any network I/O fails. */
class RefusingAgent extends http.Agent {
  attempts = 0;
  override createConnection(): never {
    this.attempts++;
    throw new Error('this test expects no network I/O');
  }
}

function socketsOf(agent: http.Agent): number {
  const count = (table: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(table).reduce((n, list) => n + (list?.length ?? 0), 0);
  return count(agent.sockets) + count(agent.freeSockets);
}

const s3Factory: StoreFactory = {
  name: 'S3ImageStore (radosgw)',
  available: S3_AVAILABLE,
  // PUT with If-None-Match: * (radosgw answers 412); the same bytes again are accepted as a retried put.
  samePutTwice: 'refused',
  // open() is a HEAD; the body is a GET conditional on the ETag, begun when it is taken.
  removedBeforeBody: 'not-found-before-first-byte',
  async make() {
    const bucket = await testBucket();
    // A prefix of its own: several stores share the file's bucket without seeing each other's objects.
    const prefix = `run-${crypto.randomBytes(4).toString('hex')}/`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    const store = await S3ImageStore.open(bucket.config(prefix), { httpAgent: agent });
    return {
      store,
      async guarded() {
        const refusing = new RefusingAgent();
        const guardedStore = await S3ImageStore.open(bucket.config(prefix), { httpAgent: refusing });
        return { store: guardedStore, ioCount: () => refusing.attempts, close: async () => guardedStore.close() };
      },
      resourcesInUse: () => socketsOf(agent),
      close: async () => store.close(),
    };
  },
};

// --- helpers ---------------------------------------------------------------------------------------------

const imageName = (model = 'sdxl') => `${model}_${crypto.randomUUID()}.png`;
const thumbName = () => `sdxl_${crypto.randomUUID()}.webp`;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function bodyOf(file: StoredFile, range?: { start: number; end: number }): Promise<Buffer> {
  try {
    return await readAll(file.body(range));
  } finally {
    await file.close();
  }
}

/** The range a request header names, decided as the file routes decide it. */
function rangeFor(header: string, file: StoredFile): { start: number; end: number } {
  const decision = decideConditionalGet({ range: header }, { size: file.size, etag: file.etag, lastModified: file.lastModified, contentType: 'image/png' });
  expect(decision.status).toBe(206);
  return decision.range!;
}

async function settle(ms = 50): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

// --- the contract ------------------------------------------------------------------------------------------

describe.each([localFactory, s3Factory].filter((f) => f.available))('ImageStore contract: $name', (factory) => {
  let t: StoreUnderTest;
  let store: ImageStore;

  beforeAll(async () => {
    t = await factory.make();
    store = t.store;
  }, RADOSGW_HOOK_TIMEOUT);

  afterAll(async () => {
    await t?.close();
  });

  it('gives back exactly the bytes put, from one buffer or several', async () => {
    const single = crypto.randomBytes(1000);
    const parts = [crypto.randomBytes(10), Buffer.alloc(0), crypto.randomBytes(777), crypto.randomBytes(1)];
    const [a, b, c] = [imageName(), imageName('flux'), thumbName()];
    await store.put('images', a, single);
    await store.put('images', b, parts);
    await store.put('thumbs', c, [single]);
    expect((await store.get('images', a))!.equals(single)).toBe(true);
    expect((await store.get('images', b))!.equals(Buffer.concat(parts))).toBe(true);
    expect((await store.get('thumbs', c))!.equals(single)).toBe(true);
    // The buckets are separate places: a thumbnail is not an image.
    expect(await store.get('images', c.replace(/\.webp$/, '.png'))).toBeNull();
  });

  it('keeps a ~6 MB object whole, put in parts, through get and open', async () => {
    const parts = [crypto.randomBytes(2 * 1024 * 1024 + 17), crypto.randomBytes(3 * 1024 * 1024), crypto.randomBytes(1024 * 1024 - 5)];
    const whole = Buffer.concat(parts);
    const name = imageName();
    await store.put('images', name, parts);
    expect((await store.get('images', name))!.equals(whole)).toBe(true);
    const file = (await store.open('images', name))!;
    expect(file.size).toBe(whole.length);
    expect((await bodyOf(file)).equals(whole)).toBe(true);
  });

  it('opens a file with its size, a quoted strong ETag that stays the same, its time, and the whole body', async () => {
    const data = crypto.randomBytes(4321);
    const name = imageName();
    const before = Date.now();
    await store.put('images', name, data);
    const file = (await store.open('images', name))!;
    expect(file.size).toBe(data.length);
    expect(file.etag).toMatch(/^"[\x21\x23-\x7e]+"$/);
    expect(file.lastModified).toBeInstanceOf(Date);
    // S3 keeps whole seconds.
    expect(Math.abs(file.lastModified.getTime() - before)).toBeLessThan(60_000);
    expect((await bodyOf(file)).equals(data)).toBe(true);

    const again = (await store.open('images', name))!;
    expect(again.etag).toBe(file.etag);
    expect(again.lastModified.getTime()).toBe(file.lastModified.getTime());
    await again.close();
  });

  it('serves byte ranges a-b, a- and -n with exactly the bytes asked for', async () => {
    const data = crypto.randomBytes(10_000);
    const name = imageName();
    await store.put('images', name, data);
    const cases: [string, number, number][] = [
      ['bytes=0-0', 0, 0],
      ['bytes=100-199', 100, 199],
      ['bytes=9990-', 9990, 9999],
      ['bytes=-1', 9999, 9999],
      ['bytes=-500', 9500, 9999],
      ['bytes=5000-999999', 5000, 9999],
    ];
    for (const [header, start, end] of cases) {
      const file = (await store.open('images', name))!;
      const range = rangeFor(header, file);
      expect(range, header).toEqual({ start, end });
      const bytes = await bodyOf(file, range);
      expect(bytes.length, header).toBe(end - start + 1);
      expect(bytes.equals(data.subarray(start, end + 1)), header).toBe(true);
    }
  });

  it(`a file removed after open but before its body is taken gives ${factory.removedBeforeBody === 'whole-file' ? 'the whole file' : 'NotFoundError before any byte'}`, async () => {
    const data = crypto.randomBytes(300_000);
    const name = imageName();
    await store.put('images', name, data);
    const file = (await store.open('images', name))!;
    await store.remove('images', name);
    if (factory.removedBeforeBody === 'whole-file') {
      expect((await bodyOf(file)).equals(data)).toBe(true);
    } else {
      const stream = file.body();
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => (bytes += chunk.length));
      const err = await new Promise<unknown>((resolve) => stream.once('error', resolve));
      expect(err).toBeInstanceOf(NotFoundError);
      expect(bytes).toBe(0);
      await file.close();
    }
    expect(await store.get('images', name)).toBeNull();
  });

  it('a file removed once its body has begun is still read whole', async () => {
    const data = crypto.randomBytes(6 * 1024 * 1024);
    const name = imageName();
    await store.put('images', name, data);
    const file = (await store.open('images', name))!;
    const stream = file.body();
    const chunks: Buffer[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.once('end', resolve);
      stream.once('error', reject);
    });
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    chunks.push(first);
    stream.pause();
    await store.remove('images', name);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.resume();
    await ended;
    await file.close();
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('answers null for a name it does not hold, and removes idempotently', async () => {
    const name = imageName();
    expect(await store.get('images', name)).toBeNull();
    expect(await store.open('images', name)).toBeNull();
    expect(await store.open('thumbs', thumbName())).toBeNull();
    await store.remove('images', name);
    await store.put('images', name, Buffer.from('x'));
    await store.remove('images', name);
    await store.remove('images', name);
    expect(await store.get('images', name)).toBeNull();
    expect(await store.open('images', name)).toBeNull();
  });

  it('refuses names it did not make, before any I/O', async () => {
    const guarded = await t.guarded();
    try {
      const uuid = crypto.randomUUID();
      const refused: [Bucket, string][] = [
        ['images', '../x'],
        ['images', 'images/../../etc'],
        ['images', '../../etc/passwd'],
        ['images', ''],
        ['images', 'x.png'],
        ['images', `SDXL_${uuid}.png`],
        ['images', `sdxl_${uuid}.png/..`],
        ['images', `sdxl_${uuid}.png\0`],
        ['images', `../thumbs/sdxl_${uuid}.webp`],
        ['images', `sdxl_${uuid}.webp`],
        ['thumbs', `sdxl_${uuid}.png`],
        ['nope/..' as Bucket, `sdxl_${uuid}.png`],
      ];
      for (const [bucket, name] of refused) {
        const what = `${bucket}/${JSON.stringify(name)}`;
        await expect(guarded.store.put(bucket, name, Buffer.from('x')), what).rejects.toThrow(/refusing a (file name|bucket)/);
        await expect(guarded.store.get(bucket, name), what).rejects.toThrow(/refusing a (file name|bucket)/);
        await expect(guarded.store.open(bucket, name), what).rejects.toThrow(/refusing a (file name|bucket)/);
        await expect(guarded.store.remove(bucket, name), what).rejects.toThrow(/refusing a (file name|bucket)/);
      }
      expect(guarded.ioCount()).toBe(0);
      // The guard itself works: a valid name does reach I/O, and fails there.
      const err = await guarded.store.put('images', imageName(), Buffer.from('x')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).not.toMatch(/refusing/);
    } finally {
      await guarded.close();
    }
  });

  if (factory.samePutTwice === 'refused') {
    it('never replaces an existing file: different bytes are refused, the same bytes again are accepted', async () => {
      const name = imageName();
      const first = crypto.randomBytes(2000);
      await store.put('images', name, first);
      await expect(store.put('images', name, crypto.randomBytes(2000))).rejects.toMatchObject({ statusCode: 409, code: 'conflict' });
      await expect(store.put('images', name, [first.subarray(0, 10), first.subarray(10)])).resolves.toBeUndefined();
      expect((await store.get('images', name))!.equals(first)).toBe(true);
    });
  } else {
    it('replaces an existing file atomically: a reader sees the old or the new file, whole, never a mix', async () => {
      const name = imageName();
      const first = crypto.randomBytes(200_000);
      const second = crypto.randomBytes(100_000);
      await store.put('images', name, first);
      const opened = (await store.open('images', name))!;
      await store.put('images', name, second);
      expect((await store.get('images', name))!.equals(second)).toBe(true);
      // The file opened before the replacement is the old one, size, validator and bytes together.
      expect(opened.size).toBe(first.length);
      expect((await bodyOf(opened)).equals(first)).toBe(true);
    });
  }

  it('releases a file closed without reading its body, or after taking it unread', async () => {
    const name = imageName();
    await store.put('images', name, crypto.randomBytes(512 * 1024));
    // Warm up: the first request opens the connection a keep-alive agent then reuses.
    await (await store.open('images', name))!.close();
    await settle();
    const before = t.resourcesInUse();
    for (let i = 0; i < 100; i++) {
      const file = (await store.open('images', name))!;
      await file.close();
      await file.close();
    }
    for (let i = 0; i < 100; i++) {
      const file = (await store.open('images', name))!;
      const body = file.body(i % 2 ? { start: 0, end: 99 } : undefined);
      body.on('error', () => undefined);
      if (i % 3 === 0) await settle(1);
      await file.close();
      expect(body.destroyed).toBe(true);
    }
    await settle(200);
    expect(t.resourcesInUse() - before).toBeLessThanOrEqual(2);
    // Still serving afterwards.
    expect((await bodyOf((await store.open('images', name))!, { start: 0, end: 9 })).length).toBe(10);
  });

  it('takes 20 puts at once', async () => {
    const files = Array.from({ length: 20 }, (_, i) => ({ name: i % 2 ? imageName() : thumbName(), data: crypto.randomBytes(20_000 + i) }));
    const bucketOf = (name: string): Bucket => (name.endsWith('.png') ? 'images' : 'thumbs');
    await Promise.all(files.map((f) => store.put(bucketOf(f.name), f.name, f.data)));
    const back = await Promise.all(files.map((f) => store.get(bucketOf(f.name), f.name)));
    back.forEach((bytes, i) => expect(bytes!.equals(files[i]!.data)).toBe(true));
  });

  it('has nothing left half-written to sweep after whole writes', async () => {
    await store.put('images', imageName(), Buffer.from('whole'));
    expect(await store.sweepIncomplete()).toBe(0);
  });
});

// --- S3 only ---------------------------------------------------------------------------------------------

if (!S3_AVAILABLE && process.env.CI) {
  describe('S3ImageStore on radosgw', () => {
    it('needs radosgw installed in CI', () => {
      throw new Error('radosgw is not installed; CI must run the S3 store contract: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd');
    });
  });
}

describe.skipIf(!S3_AVAILABLE)('S3ImageStore on radosgw', () => {
  let bucket: TestBucket;
  const prefix = `s3-only-${crypto.randomBytes(4).toString('hex')}/`;

  beforeAll(async () => {
    bucket = await testBucket();
  }, RADOSGW_HOOK_TIMEOUT);

  it('stores under {prefix}images/ and {prefix}thumbs/ with the content type and immutable caching', async () => {
    const store = await S3ImageStore.open(bucket.config(prefix));
    try {
      const [image, thumb] = [imageName(), thumbName()];
      await store.put('images', image, Buffer.from('png bytes'));
      await store.put('thumbs', thumb, Buffer.from('webp bytes'));
      for (const [key, type] of [
        [`${prefix}images/${image}`, 'image/png'],
        [`${prefix}thumbs/${thumb}`, 'image/webp'],
      ] as const) {
        const res = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: key }));
        expect(res.ContentType).toBe(type);
        expect(res.CacheControl).toBe('public, max-age=31536000, immutable');
        await res.Body!.transformToByteArray();
      }
    } finally {
      store.close();
    }
  });

  it('radosgw answers a suffix range with exactly n bytes', async () => {
    const key = `${prefix}raw-suffix`;
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.name, Key: key, Body: Buffer.from('0123456789') }));
    const res = await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: key, Range: 'bytes=-3' }));
    expect(await res.Body!.transformToString()).toBe('789');
    expect(res.ContentRange).toBe('bytes 7-9/10');
  });

  it('serves an object written by multipart upload (radosgw: empty ETag on complete) with a quoted ETag', async () => {
    const store = await S3ImageStore.open(bucket.config(prefix));
    try {
      const name = imageName();
      const key = `${prefix}images/${name}`;
      const { CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand } = await import('@aws-sdk/client-s3');
      const part1 = crypto.randomBytes(5 * 1024 * 1024);
      const part2 = crypto.randomBytes(1000);
      const mp = await bucket.client.send(new CreateMultipartUploadCommand({ Bucket: bucket.name, Key: key }));
      const u1 = await bucket.client.send(new UploadPartCommand({ Bucket: bucket.name, Key: key, UploadId: mp.UploadId, PartNumber: 1, Body: part1 }));
      const u2 = await bucket.client.send(new UploadPartCommand({ Bucket: bucket.name, Key: key, UploadId: mp.UploadId, PartNumber: 2, Body: part2 }));
      await bucket.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket.name,
          Key: key,
          UploadId: mp.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: u1.ETag }, { PartNumber: 2, ETag: u2.ETag }] },
        }),
      );
      const file = (await store.open('images', name))!;
      expect(file.etag).toMatch(/^"[\x21\x23-\x7e]+"$/);
      expect(file.size).toBe(part1.length + part2.length);
      const tail = await bodyOf(file, { start: part1.length - 10, end: part1.length + 999 });
      expect(tail.equals(Buffer.concat([part1.subarray(-10), part2]))).toBe(true);
    } finally {
      store.close();
    }
  });

  it('a file removed between open and body is a 404 over HTTP, never a 200 with part of the file', async () => {
    const store = await S3ImageStore.open(bucket.config(prefix));
    const app = Fastify({ logger: false });
    try {
      const name = imageName();
      await store.put('images', name, crypto.randomBytes(50_000));
      // The delete lands right after the route opened the file.
      const racing: ImageStore = Object.assign(Object.create(store) as ImageStore, {
        open: async (bucketName: Bucket, filename: string) => {
          const file = await store.open(bucketName, filename);
          await store.remove(bucketName, filename);
          return file;
        },
      });
      installErrorHandler(app);
      fileRoutes(app, { files: new FileService(racing, {} as NodeRepository), config: { publicImages: true, auth: false } } as unknown as Services);
      const res = await app.inject({ method: 'GET', url: `/images/${name}` });
      // The body fails with NotFoundError before its first byte, so nothing of the image is sent: the answer
      // is the 404 FileService promises, without the image's headers.
      expect(res.statusCode, res.body).toBe(404);
      expect(res.json().error.code).toBe('not_found');
      expect(res.headers['content-type'] ?? '').not.toMatch(/^image\//);
      expect(res.headers['cache-control']).toBeUndefined();
      expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    } finally {
      await app.close();
      store.close();
    }
  });

  it('start-up with a wrong secret key names the credential variables', async () => {
    const config = bucket.config(prefix);
    const err = await S3ImageStore.open({ ...config, credentials: { ...config.credentials!, secretAccessKey: 'not-the-secret' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/AWS_ACCESS_KEY_ID/);
    expect((err as Error).message).toMatch(/AWS_SECRET_ACCESS_KEY/);
    expect((err as Error).message).toMatch(/secret key does not match/);
  });

  it('start-up with an unknown access key names the credential variables', async () => {
    const config = bucket.config(prefix);
    const err = await S3ImageStore.open({ ...config, credentials: { accessKeyId: 'nobody', secretAccessKey: 'x' } }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('start-up with a missing bucket names the bucket', async () => {
    const missing = `imageflow-missing-${crypto.randomBytes(4).toString('hex')}`;
    const err = await S3ImageStore.open({ ...bucket.config(prefix), bucket: missing }).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`"${missing}"`);
    expect((err as Error).message).toMatch(/does not exist/);
    expect((err as Error).message).toMatch(/IMAGEFLOW_S3_BUCKET/);
  });

  it('start-up against an endpoint nobody listens on names the endpoint, within seconds', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const began = Date.now();
    const err = await S3ImageStore.open({ ...bucket.config(prefix), endpoint }).catch((e: unknown) => e);
    expect(Date.now() - began).toBeLessThan(5_000);
    expect((err as Error).message).toContain(endpoint);
    expect((err as Error).message).toMatch(/IMAGEFLOW_S3_ENDPOINT/);
  });

  it('start-up against an endpoint that accepts and never answers gives up within seconds', async () => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      const began = Date.now();
      const err = await S3ImageStore.open({ ...bucket.config(prefix), endpoint }, { checkConnectTimeoutMs: 500 }).catch((e: unknown) => e);
      expect(Date.now() - began).toBeLessThan(8_000);
      expect((err as Error).message).toContain(endpoint);
      expect((err as Error).message).toMatch(/did not answer/);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  }, 20_000);
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

// --- pure parts --------------------------------------------------------------------------------------------

describe('entityTag', () => {
  const when = new Date('2026-01-02T03:04:05Z');
  it('quotes what S3 sent, and derives one from size and time when it sent none', () => {
    expect(entityTag('"abc"', 3, when)).toBe('"abc"');
    expect(entityTag('abc-2', 3, when)).toBe('"abc-2"');
    expect(entityTag('', 255, when)).toBe(`"ff-${when.getTime().toString(16)}"`);
    expect(entityTag(undefined, 255, when)).toBe(`"ff-${when.getTime().toString(16)}"`);
    expect(entityTag('W/"weak"', 255, when)).toBe(`"ff-${when.getTime().toString(16)}"`);
    expect(entityTag('"a"b"', 1, when)).toBe(`"1-${when.getTime().toString(16)}"`);
  });
});

describe('s3ConfigFromEnv', () => {
  it('is null without IMAGEFLOW_S3_BUCKET, and reads the defaults', () => {
    expect(s3ConfigFromEnv({})).toBeNull();
    expect(s3ConfigFromEnv({ IMAGEFLOW_S3_BUCKET: '' })).toBeNull();
    expect(s3ConfigFromEnv({ IMAGEFLOW_S3_BUCKET: 'images' })).toEqual({ bucket: 'images', region: 'us-east-1', forcePathStyle: false, prefix: '' });
  });

  it('reads every variable', () => {
    expect(
      s3ConfigFromEnv({
        IMAGEFLOW_S3_BUCKET: 'my-bucket',
        IMAGEFLOW_S3_ENDPOINT: 'http://127.0.0.1:7480/',
        IMAGEFLOW_S3_REGION: 'eu-west-1',
        IMAGEFLOW_S3_FORCE_PATH_STYLE: 'true',
        IMAGEFLOW_S3_PREFIX: 'team/imageflow',
      }),
    ).toEqual({ bucket: 'my-bucket', endpoint: 'http://127.0.0.1:7480', region: 'eu-west-1', forcePathStyle: true, prefix: 'team/imageflow/' });
  });

  it.each([
    [{ IMAGEFLOW_S3_BUCKET: 'My_Bucket' }, 'IMAGEFLOW_S3_BUCKET'],
    [{ IMAGEFLOW_S3_BUCKET: 'b1b', IMAGEFLOW_S3_ENDPOINT: 'localhost:7480' }, 'IMAGEFLOW_S3_ENDPOINT'],
    [{ IMAGEFLOW_S3_BUCKET: 'b1b', IMAGEFLOW_S3_ENDPOINT: 'ftp://host' }, 'IMAGEFLOW_S3_ENDPOINT'],
    [{ IMAGEFLOW_S3_BUCKET: 'b1b', IMAGEFLOW_S3_REGION: 'US East' }, 'IMAGEFLOW_S3_REGION'],
    [{ IMAGEFLOW_S3_BUCKET: 'b1b', IMAGEFLOW_S3_FORCE_PATH_STYLE: 'yes' }, 'IMAGEFLOW_S3_FORCE_PATH_STYLE'],
    [{ IMAGEFLOW_S3_BUCKET: 'b1b', IMAGEFLOW_S3_PREFIX: '../up/' }, 'IMAGEFLOW_S3_PREFIX'],
    [{ IMAGEFLOW_S3_BUCKET: 'b1b', IMAGEFLOW_S3_PREFIX: '/abs' }, 'IMAGEFLOW_S3_PREFIX'],
    [{ IMAGEFLOW_S3_BUCKET: 'b1b', IMAGEFLOW_S3_PREFIX: 'a//b' }, 'IMAGEFLOW_S3_PREFIX'],
    [{ IMAGEFLOW_S3_ENDPOINT: 'http://127.0.0.1:7480' }, 'IMAGEFLOW_S3_ENDPOINT'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(() => s3ConfigFromEnv(env)).toThrow(ConfigError);
    expect(() => s3ConfigFromEnv(env)).toThrow(new RegExp(`^(Invalid )?${variable}`));
  });
});
