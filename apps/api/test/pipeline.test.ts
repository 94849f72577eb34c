/**
 * The pipeline beside the engine: live previews are made only while someone follows the job (in
 * one process, and across processes over Redis), the thumbnail is made from the engine's pixels and
 * is the one a decode of the PNG gives, and the recorded sha256 and size are those of the file on disk.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { JobEvent } from '@imageflow/shared';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { InProcessJobEvents } from '../src/adapters/in-process-job-events.ts';
import { RedisJobEvents } from '../src/adapters/redis-job-events.ts';
import { sharpImageOps } from '../src/adapters/sharp-image-ops.ts';
import type { Provider, ProviderRequest, ProviderRunOptions } from '../src/ports/provider.port.ts';
import { BuiltinProvider } from '../src/providers/builtin/builtin.provider.ts';
import { THUMBNAIL_LONG_SIDE } from '../src/services/node-writer.ts';
import { generate, SMALL, startTestApp, until, type TestApp } from './harness.ts';
import { redisAvailable, redisTestPrefix, removeRedisKeys, TEST_REDIS_URL } from './support/redis.ts';

/** The builtin engine, counting the previews it makes; with `held`, each run waits until let go. */
class CountingBuiltin implements Provider {
  readonly name = 'builtin';
  readonly kind = 'builtin';
  readonly isAi = false;
  previewsMade = 0;
  private readonly inner = new BuiltinProvider();
  private release: (() => void) | null = null;
  private readonly gate: Promise<void>;
  private started: () => void = () => undefined;
  readonly running: Promise<void>;

  constructor(held: boolean) {
    this.gate = held ? new Promise((resolve) => (this.release = resolve)) : Promise.resolve();
    this.running = new Promise((resolve) => (this.started = resolve));
  }

  async generate(request: ProviderRequest, options: ProviderRunOptions = {}) {
    this.started();
    await this.gate;
    const { onPreview } = options;
    return this.inner.generate(request, {
      ...options,
      onPreview: onPreview && ((preview) => {
        this.previewsMade++;
        onPreview(preview);
      }),
    });
  }

  letGo(): void {
    this.release?.();
  }

  health() {
    return this.inner.health();
  }

  models() {
    return this.inner.models();
  }
}

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('live previews of the builtin engine', () => {
  it('are not made while nobody follows the job, even while someone waits for it', async () => {
    const provider = new CountingBuiltin(false);
    t = await startTestApp({ provider });
    const [node] = await generate(t.app, { prompt: 'a harbour at night', spec: { steps: 12 } });
    expect(node).toBeDefined();
    expect(provider.previewsMade).toBe(0);
  });

  it('are made and sent on the event stream while someone follows it', async () => {
    const provider = new CountingBuiltin(true);
    const events = new InProcessJobEvents();
    t = await startTestApp({ provider, events });
    const job = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'a harbour at night', spec: { ...SMALL, steps: 12 } } })).json();
    await provider.running;
    expect(events.wantsPreviews(job.id)).toBe(false);
    const stream = t.app.inject({ url: `/api/generations/${job.id}/events` });
    await until(() => events.wantsPreviews(job.id), 'the event stream to follow the job');
    provider.letGo();
    const res = await stream;

    const previews = res.body.split('\n\n').filter((block) => block.startsWith('event: preview'));
    expect(provider.previewsMade).toBeGreaterThanOrEqual(1);
    // Every preview made was sent: none is encoded only to be dropped.
    expect(previews).toHaveLength(provider.previewsMade);
    const sent = JSON.parse(previews[0]!.split('\n')[1]!.slice(6));
    expect(sent).toMatchObject({ id: job.id, mime: 'image/jpeg' });
    const jpeg = Buffer.from(sent.data_url.replace(/^data:image\/jpeg;base64,/, ''), 'base64');
    expect(await sharp(jpeg).metadata()).toMatchObject({ format: 'jpeg', width: SMALL.width });
    expect(res.body).toMatch(/event: completed/);
    // The stream has ended: nobody follows any more.
    expect(events.wantsPreviews(job.id)).toBe(false);
  });

  it('in one process, a subscriber that does not ask for previews does not get them', async () => {
    const events = new InProcessJobEvents();
    const waiter: string[] = [];
    const follower: string[] = [];
    const job = { id: 'j1', status: 'running' } as JobEvent['job'];
    events.subscribe('j1', (e) => waiter.push(e.type));
    expect(events.wantsPreviews('j1')).toBe(false);
    const stop = events.subscribe('j1', (e) => follower.push(e.type), { previews: true });
    expect(events.wantsPreviews('j1')).toBe(true);
    events.publish({ type: 'preview', job, preview: { mime: 'image/jpeg', data_base64: '' } });
    events.publish({ type: 'progress', job });
    expect(waiter).toEqual(['progress']);
    expect(follower).toEqual(['preview', 'progress']);
    stop();
    expect(events.wantsPreviews('j1')).toBe(false);
    await events.close();
  });
});

const prefix = redisTestPrefix();
const available = await redisAvailable();
const buses: RedisJobEvents[] = [];
afterAll(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
  if (available) await removeRedisKeys(prefix);
});

describe.skipIf(!available)('live previews across processes (Redis)', () => {
  const bus = () => {
    const b = new RedisJobEvents(TEST_REDIS_URL, prefix, () => undefined);
    buses.push(b);
    return b;
  };

  it('a worker learns that an API process follows the job, sends it previews, and learns when it stops', async () => {
    const worker = bus();
    const api = bus();
    const jobId = crypto.randomUUID();
    const job = { id: jobId, status: 'running' } as JobEvent['job'];
    const waited: string[] = [];
    const followed: string[] = [];
    api.subscribe(jobId, (e) => waited.push(e.type));
    await api.ready();
    expect(worker.wantsPreviews(jobId)).toBe(false);

    const stop = api.subscribe(jobId, (e) => followed.push(e.type), { previews: true });
    await api.ready();
    await until(() => worker.wantsPreviews(jobId), 'the worker to see the follower');
    worker.publish({ type: 'preview', job, preview: { mime: 'image/jpeg', data_base64: 'AA==' } });
    worker.publish({ type: 'progress', job });
    // One connection delivers in order: once the waiter has the progress, the preview has gone by.
    await until(() => waited.includes('progress') && followed.includes('progress'), 'the events to arrive');
    expect(waited).toEqual(['progress']);
    expect(followed).toEqual(['preview', 'progress']);

    stop();
    await until(() => !worker.wantsPreviews(jobId), 'the worker to see the follower leave');
  });

  it('a follower whose process dies stops counting', async () => {
    const worker = bus();
    const api = new RedisJobEvents(TEST_REDIS_URL, prefix, () => undefined);
    const jobId = crypto.randomUUID();
    api.subscribe(jobId, () => undefined, { previews: true });
    await api.ready();
    await until(() => worker.wantsPreviews(jobId), 'the worker to see the follower');
    await api.close();
    await until(() => !worker.wantsPreviews(jobId), 'the follower to be gone');
  });
});

describe('stored files', () => {
  it('each image file has the sha256 and size its node records, and a WebP thumbnail made from the pixels that equals one made from the PNG', async () => {
    t = await startTestApp();
    const nodes = await generate(t.app, { prompt: 'three boats in a bay', spec: { width: 512, height: 384, steps: 4, batch_size: 3 } });
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      const png = await fs.readFile(path.join(t.dataDir, 'images', node.filename));
      expect(sha256(png)).toBe(node.sha256);
      expect(png.length).toBe(node.bytes);
      const thumb = await fs.readFile(path.join(t.dataDir, 'thumbs', node.filename.replace(/\.png$/, '.webp')));
      expect(await sharp(thumb).metadata()).toMatchObject({ format: 'webp', width: 256, height: 192 });
      // What a thumbnail made by decoding the stored PNG is, byte for byte.
      expect(thumb.equals(await sharpImageOps.thumbnail(png, THUMBNAIL_LONG_SIDE))).toBe(true);
    }
  });

  it('a thumbnail of decoded pixels is the thumbnail of their PNG, with or without alpha', async () => {
    for (const channels of [3, 4] as const) {
      const width = 300;
      const height = 200;
      const data = new Uint8Array(width * height * channels);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
      const png = await sharp(Buffer.from(data), { raw: { width, height, channels } }).png().toBuffer();
      const fromPixels = await sharpImageOps.thumbnail({ data, width, height, channels }, THUMBNAIL_LONG_SIDE);
      expect(fromPixels.equals(await sharpImageOps.thumbnail(png, THUMBNAIL_LONG_SIDE))).toBe(true);
      expect(await sharp(fromPixels).metadata()).toMatchObject({ format: 'webp', width: 256, height: 171 });
    }
  });
});
