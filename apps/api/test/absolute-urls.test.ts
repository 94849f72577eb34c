/**
 * Every URL an answer gives (an image's url, thumbnail_url and original.url, a share link and the files
 * reached through it) is absolute: under IMAGEFLOW_PUBLIC_BASE_URL when it is set, else under the
 * address the request came to — its Host, or X-Forwarded-Host and X-Forwarded-Proto from a trusted
 * proxy only. A Host that a URL cannot name gives relative URLs, never a 5xx or a URL elsewhere; so
 * does work done outside any request.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { GatedProvider, SMALL, makeDataDir, startClosedAfterEach, until } from './harness.ts';
import { listen, multipart, parseRawResponse, rawRequest, type RawResponse } from './http-helpers.ts';
import { LOCAL_ACTOR } from '../src/services/access.ts';

/** Each app a test starts is closed after it. */
const start = startClosedAfterEach();

/** Every value of a key that names a URL (url, thumbnail_url), anywhere in an answer. */
function urlsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) urlsIn(item, out);
  else if (value !== null && typeof value === 'object') {
    for (const [key, field] of Object.entries(value)) {
      if ((key === 'url' || key === 'thumbnail_url') && typeof field === 'string') out.push(field);
      else urlsIn(field, out);
    }
  }
  return out;
}

/** Parses a finished event stream's body into its events. */
function eventsIn(body: string): Array<{ type: string; job: Record<string, any> }> {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('event:'))
    .map((block) => ({ type: block.split('\n')[0]!.slice(7), job: JSON.parse(block.split('\n')[1]!.slice(6)) }));
}

/**
 * POSTs `body` (JSON) on a fresh connection, sent only once the server asks for it (Expect:
 * 100-continue): the body arrives apart from the request's head, as it does from a client over a network.
 */
function postAfterContinue(port: number, url: string, host: string, body: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let sent = false;
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (!sent) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = data.toString('latin1', 0, end);
        if (!head.startsWith('HTTP/1.1 100')) return reject(new Error(`expected 100 Continue, got ${head}`));
        data = data.subarray(end + 4);
        sent = true;
        socket.write(body);
      }
      const res = parseRawResponse(data);
      if (res) {
        socket.destroy();
        resolve(res);
      }
    });
    socket.write(
      `POST ${url} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`,
    );
  });
}

async function jpegOf(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 40, g: 90, b: 160 } } }).jpeg().toBuffer();
}

/**
 * Makes a root, a variation of it, an upload and a share link, asking with `headers`, then reads every
 * answer that names files with them: what each gave, by name.
 */
async function everyAnswer(app: FastifyInstance, headers: Record<string, string>): Promise<Record<string, unknown>> {
  const ask = async (options: InjectOptions) => {
    const res = await app.inject({ ...options, headers: { ...headers, ...options.headers } } as InjectOptions);
    expect(res.statusCode, `${options.method ?? 'GET'} ${options.url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const generated = await ask({ method: 'POST', url: '/api/images/generate', payload: { prompt: 'a lighthouse at dusk', spec: SMALL } });
  const root = generated.images[0];
  const queued = await ask({ method: 'POST', url: '/api/generations', payload: { prompt: 'a lighthouse at night', parent_id: root.id, action_type: 'variation', spec: SMALL } });
  const stream = await app.inject({ url: `/api/generations/${queued.id}/events`, headers });
  const form = multipart('harbour.jpg', await jpegOf(48, 32), 'file', 'image/jpeg');
  const upload = await ask({ method: 'POST', url: '/api/images/upload', payload: form.payload, headers: form.headers });
  const link = await ask({ method: 'POST', url: '/api/shares', payload: { node_id: root.id, scope: 'branch' } });
  const key = /\/s\/([\w-]{43})$/.exec(link.url)![1]!;
  return {
    generated,
    completed: eventsIn(stream.body).filter((e) => e.type === 'completed'),
    job: await ask({ url: `/api/generations/${queued.id}` }),
    jobs: await ask({ url: '/api/generations' }),
    gallery: await ask({ url: '/api/images' }),
    single: await ask({ url: `/api/images/${root.id}` }),
    lineage: await ask({ url: `/api/images/${root.id}/lineage?scope=tree` }),
    upload,
    link,
    shared: await ask({ url: `/api/s/${key}` }),
  };
}

/** The kinds of URL the answers of everyAnswer must give, each at least once. */
const KINDS = [/\/images\/sdxl_[\w-]+\.png$/, /\/thumbs\/sdxl_[\w-]+\.webp$/, /\/originals\/upload_[\w-]+\.original\.jpg$/, /\/s\/[\w-]{43}$/, /\/s\/[\w-]{43}\/images\//, /\/s\/[\w-]{43}\/thumbs\//];

function expectAllUnder(answers: Record<string, unknown>, prefix: string): void {
  for (const [name, answer] of Object.entries(answers)) {
    const urls = urlsIn(answer);
    expect(urls.length, `${name} names no URL`).toBeGreaterThan(0);
    for (const url of urls) expect(url.startsWith(`${prefix}/`), `${name}: ${url}`).toBe(true);
  }
  const all = urlsIn(Object.values(answers));
  for (const kind of KINDS) expect(all.some((url) => kind.test(url)), String(kind)).toBe(true);
}

describe('absolute URLs', () => {
  it('every answer gives its URLs under the address the request came to', async () => {
    const t = await start();
    const answers = await everyAnswer(t.app, { host: 'studio.example:8000' });
    expect((answers.completed as unknown[]).length).toBe(1);
    expectAllUnder(answers, 'http://studio.example:8000');
  });

  it('IMAGEFLOW_PUBLIC_BASE_URL wins over the Host and over a trusted proxy\'s headers', async () => {
    const t = await start({ env: { IMAGEFLOW_PUBLIC_BASE_URL: 'https://cdn.example.com/studio/', IMAGEFLOW_TRUST_PROXY: 'loopback' } });
    const answers = await everyAnswer(t.app, { host: 'studio.example:8000', 'x-forwarded-host': 'proxy.example', 'x-forwarded-proto': 'https' });
    expectAllUnder(answers, 'https://cdn.example.com/studio');
  });

  it('X-Forwarded-Host and X-Forwarded-Proto are honoured only from a trusted proxy', async () => {
    const forwarded = { host: 'internal:8000', 'x-forwarded-host': 'studio.example', 'x-forwarded-proto': 'https' };
    const direct = await start();
    expectAllUnder(await everyAnswer(direct.app, forwarded), 'http://internal:8000');
    // inject comes from 127.0.0.1: here that is the proxy.
    const proxied = await start({ env: { IMAGEFLOW_TRUST_PROXY: 'loopback' } });
    expectAllUnder(await everyAnswer(proxied.app, forwarded), 'https://studio.example');
    // Several values (one the client sent, one the proxy added): the last, the proxy's, counts.
    const [node] = (await proxied.app.inject({ url: '/api/images', headers: { ...forwarded, 'x-forwarded-host': 'evil.example, studio.example' } })).json().items;
    expect(node.url).toBe(`https://studio.example/images/${node.filename}`);
    // Not http or https, or not a host: relative.
    for (const headers of [{ 'x-forwarded-proto': 'ftp' }, { 'x-forwarded-host': 'evil.example/x' }]) {
      const res = await proxied.app.inject({ url: '/api/images', headers: { ...forwarded, ...headers } });
      expect(res.statusCode).toBe(200);
      expect(res.json().items[0].url).toBe(`/images/${node.filename}`);
    }
  });

  it('a Host a URL cannot name gives relative URLs and a 200, never a 5xx or a URL elsewhere', async () => {
    const webDir = await makeDataDir();
    await fs.writeFile(path.join(webDir, 'index.html'), '<!doctype html><html><head><title>ImageFlow</title></head><body></body></html>');
    const t = await start({ env: { IMAGEFLOW_WEB_DIR: webDir } });
    const hostile = ['evil.com/path', 'a@b', 'evil.com:80/x', 'has space', 'evil.com?x=1', 'evil.com#x', '[::1', 'x:y:z', `${'a'.repeat(300)}.example`];
    for (const host of hostile) {
      const answers = await everyAnswer(t.app, { host });
      for (const url of urlsIn(Object.values(answers))) expect(url, `Host ${JSON.stringify(host)}: ${url}`).toMatch(/^\/(images|thumbs|originals|s)\//);
      const key = (answers.link as { url: string }).url.slice('/s/'.length);
      const page = await t.app.inject({ url: `/s/${key}`, headers: { host } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`<meta property="og:image" content="/s/${key}/thumbs/`);
      expect(page.body).not.toContain(host);
    }
    // A host that is one keeps working beside them: a bracketed IPv6 address with its port.
    const [node] = (await t.app.inject({ url: '/api/images', headers: { host: '[::1]:8000' } })).json().items;
    expect(node.url).toBe(`http://[::1]:8000/images/${node.filename}`);
  });

  it('outside any request, URLs are relative', async () => {
    const t = await start();
    const [node] = (await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { prompt: 'a harbour', spec: SMALL } })).json().images;
    const read = await t.services.images.get(node.id, LOCAL_ACTOR);
    expect(read.url).toBe(`/images/${node.filename}`);
    expect(node.url).toBe(`http://localhost:80/images/${node.filename}`);
  });

  it('over real HTTP: a job followed as it runs completes with URLs that open, under the address asked', async () => {
    const provider = new GatedProvider();
    const t = await start({ provider });
    const port = await listen(t.app);
    const origin = `http://127.0.0.1:${port}`;
    const submitted = await fetch(`${origin}/api/generations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'stars', spec: SMALL }) });
    expect(submitted.status).toBe(202);
    const job = (await submitted.json()) as { id: string };
    await provider.waitForStart();

    // The stream sends the current state first, so once it is read the stream follows the job: its
    // completion is the worker's event, presented for no request, made this request's own.
    const stream = await fetch(`${origin}/api/generations/${job.id}/events`);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('\n\n')) text += decoder.decode((await reader.read()).value, { stream: true });
    expect(text).toMatch(/^event: progress\n/);
    provider.letGo();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const completed = eventsIn(text).filter((e) => e.type === 'completed');
    expect(completed).toHaveLength(1);
    const [image] = completed[0]!.job.images;
    expect(image.url).toBe(`${origin}/images/${image.filename}`);
    expect(image.thumbnail_url).toBe(`${origin}/thumbs/${image.filename.replace(/\.png$/, '.webp')}`);
    for (const url of [image.url, image.thumbnail_url]) {
      const file = await fetch(url);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toMatch(/^image\//);
      await file.arrayBuffer();
    }

    // The job read again, and the gallery, over HTTP: the same.
    const polled = (await (await fetch(`${origin}/api/generations/${job.id}`)).json()) as { images: Array<{ url: string }> };
    expect(polled.images[0]!.url).toBe(image.url);
    const gallery = (await (await fetch(`${origin}/api/images`)).json()) as { items: Array<{ url: string }> };
    expect(gallery.items[0]!.url).toBe(image.url);

    // A body that arrives after the request's head: the answer is still made for this request.
    const making = postAfterContinue(port, '/api/images/generate', 'studio.example:8000', JSON.stringify({ prompt: 'a comet', spec: SMALL }));
    await until(() => provider.started === 2, 'the second generation to start');
    provider.letGo();
    const made = await making;
    expect(made.status, made.body).toBe(201);
    const [madeImage] = JSON.parse(made.body).images;
    expect(madeImage.url).toBe(`http://studio.example:8000/images/${madeImage.filename}`);

    // HTTP/1.0 without a Host, and HTTP/1.1 with one that is not a host: relative URLs, 200.
    for (const head of ['GET /api/images HTTP/1.0\r\n\r\n', 'GET /api/images HTTP/1.1\r\nHost: evil.example/x\r\nConnection: close\r\n\r\n']) {
      const res = await rawRequest(port, head);
      expect(res.status, head).toBe(200);
      expect(JSON.parse(res.body).items.map((n: { url: string }) => n.url)).toEqual([`/images/${madeImage.filename}`, `/images/${image.filename}`]);
    }
  });
});
