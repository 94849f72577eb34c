/**
 * Image URLs over an S3 store: streamed through the API (the default, cached like local files), or answered
 * with a redirect to a presigned URL of the bucket or to a CDN (IMAGEFLOW_S3_SERVE). Runs against the test
 * radosgw (see test/support/radosgw.ts) where it is installed.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presignGet, S3ImageStore, s3ConfigFromEnv, type S3Config } from '../src/adapters/s3-image-store.ts';
import { installErrorHandler } from '../src/http/error-handler.ts';
import type { NodeRepository } from '../src/ports/node.repository.port.ts';
import { fileRoutes, fileServingOf } from '../src/routes/file.routes.ts';
import type { Services } from '../src/services/container.ts';
import { FileService } from '../src/services/file.service.ts';
import { ensureRadosgw, radosgwAnswering, radosgwInstalled, rgwClient, type Radosgw } from './support/radosgw.ts';

const S3_AVAILABLE = radosgwInstalled() || (await radosgwAnswering());

describe('presigned URLs', () => {
  it('sign as S3 documents it (the example of "Authenticating Requests: Using Query Parameters")', () => {
    const url = presignGet(
      { bucket: 'examplebucket', endpoint: 'https://s3.amazonaws.com', region: 'us-east-1', forcePathStyle: false },
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
      'test.txt',
      new Date('2013-05-24T00:00:00Z'),
      86400,
    );
    expect(url).toBe(
      'https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });
});

describe('IMAGEFLOW_S3_SERVE', () => {
  const base = { IMAGEFLOW_S3_BUCKET: 'images' };
  it('streams by default, and reads presigned or a CDN URL', () => {
    expect(s3ConfigFromEnv(base)?.redirect).toBeUndefined();
    expect(s3ConfigFromEnv({ ...base, IMAGEFLOW_S3_SERVE: 'stream' })?.redirect).toBeUndefined();
    expect(s3ConfigFromEnv({ ...base, IMAGEFLOW_S3_SERVE: 'presigned' })?.redirect).toEqual({ to: 'presigned' });
    expect(s3ConfigFromEnv({ ...base, IMAGEFLOW_S3_SERVE: 'https://cdn.example.com/imageflow/' })?.redirect).toEqual({ to: 'cdn', baseUrl: 'https://cdn.example.com/imageflow' });
  });

  it.each(['redirect', 'ftp://cdn.example.com', 'https://cdn.example.com/?a=1'])('refuses %s', (value) => {
    expect(() => s3ConfigFromEnv({ ...base, IMAGEFLOW_S3_SERVE: value })).toThrow(/^Invalid IMAGEFLOW_S3_SERVE/);
  });
});

function get(port: number, url: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: url, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!S3_AVAILABLE)('files from S3 (radosgw)', () => {
  let rgw: Radosgw;
  let client: S3Client;
  const bucket = `imageflow-test-${crypto.randomBytes(6).toString('hex')}`;
  const apps: FastifyInstance[] = [];
  const stores: S3ImageStore[] = [];

  beforeAll(async () => {
    rgw = (await ensureRadosgw())!;
    client = rgwClient(rgw);
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }, 180_000);

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const store of stores) store.close();
    if (!client) return;
    for (;;) {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (listed.Contents ?? []).map((o) => o.Key!);
      if (keys.length === 0) break;
      await Promise.all(keys.map((Key) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key }))));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    client.destroy();
  }, 180_000);

  async function serve(redirect?: S3Config['redirect']) {
    const store = await S3ImageStore.open({
      bucket,
      endpoint: rgw.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      prefix: `run-${crypto.randomBytes(4).toString('hex')}/`,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      ...(redirect ? { redirect } : {}),
    });
    stores.push(store);
    const app = Fastify({ logger: false });
    apps.push(app);
    installErrorHandler(app);
    const config = { publicImages: true, auth: false, fileCacheBytes: 8 << 20, fileCacheRecheckMs: 3_600_000 };
    fileRoutes(app, { files: new FileService(store, {} as NodeRepository), config } as unknown as Services);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const name = `sdxl_${crypto.randomUUID()}.webp`;
    const bytes = crypto.randomBytes(6_000);
    await store.put('thumbs', name, bytes);
    return { app, store, port: (app.server.address() as AddressInfo).port, url: `/thumbs/${name}`, name, bytes };
  }

  it('presigned: a GET is a redirect to a URL the bucket serves the file at, the same within the hour; HEAD and 304 are answered here', async () => {
    const { app, port, url, bytes, store, name } = await serve({ to: 'presigned' });
    const first = await get(port, url);
    expect(first.status).toBe(302);
    expect(first.headers['cache-control']).toBe('public, max-age=600');
    const location = first.headers.location!;
    // Answered by the routes until two answers agree, then from memory: the same redirect either way.
    const second = await get(port, url);
    const third = await get(port, url);
    expect(fileServingOf(app)!.fast!.answered).toBe(1);
    const withoutDate = (h: http.IncomingHttpHeaders) => ({ ...h, date: undefined });
    expect(withoutDate(third.headers)).toEqual(withoutDate(second.headers));
    expect(third.status).toBe(302);
    expect(location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/imageflow-test-[0-9a-f]+\/run-[0-9a-f]+\/thumbs\/sdxl_[-0-9a-f]+\.webp\?X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
    expect((await get(port, url)).headers.location).toBe(location);
    const direct = await fetch(location);
    expect(direct.status).toBe(200);
    expect(Buffer.from(await direct.arrayBuffer()).equals(bytes)).toBe(true);
    // The bucket checks the signature: the URL opens this file only.
    const forged = location.replace(/X-Amz-Signature=(.)/, (_m, first: string) => `X-Amz-Signature=${first === '0' ? '1' : '0'}`);
    expect((await fetch(forged)).status).toBe(403);
    expect((await fetch(location.replace(/\.webp\?/, '.png?'))).status).toBe(403);

    const head = await get(port, url, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(bytes.length));
    const etag = head.headers.etag!;
    expect((await get(port, url, { 'if-none-match': etag })).status).toBe(304);
    expect((await get(port, url, { range: 'bytes=0-9' })).status).toBe(302);

    await store.remove('thumbs', name);
    const gone = await get(port, url);
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.body.toString()).error.code).toBe('not_found');
  });

  it('a CDN: the redirect names the file under the CDN', async () => {
    const { port, url, name } = await serve({ to: 'cdn', baseUrl: 'https://cdn.example.com/imageflow' });
    const res = await get(port, url);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`https://cdn.example.com/imageflow/thumbs/${name}`);
  });

  it('stream (the default): the bytes come through the API, from memory once seen, and a remove drops them at once', async () => {
    const { app, port, url, bytes, store, name } = await serve();
    for (let i = 0; i < 3; i++) {
      const res = await get(port, url);
      expect(res.status).toBe(200);
      expect(res.body.equals(bytes)).toBe(true);
    }
    expect(fileServingOf(app)!.fast!.answered).toBeGreaterThan(0);
    await store.remove('thumbs', name);
    expect((await get(port, url)).status).toBe(404);
  });
});
