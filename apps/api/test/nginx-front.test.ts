/**
 * deploy/nginx/imageflow.conf, as shipped and filled in by `npm run nginx-site`, in a real nginx (Debian's, started unprivileged on a free port) in front
 * of a real ImageFlow: nginx answers stored images and thumbnails from the data folder with the very headers,
 * validators and conditional/range behaviour ImageFlow gives them, and everything else (names ImageFlow did not
 * make, traversal, files no longer there, uploads, event streams) reaches ImageFlow and gets its answers.
 */
import { spawn, spawnSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatedProvider, SMALL, startTestApp, until, type TestApp } from './harness.ts';
import { listen } from './http-helpers.ts';
import { siteConf, standaloneConf } from '../../../deploy/nginx/site.mjs';
import { freePort } from './support/processes.ts';
import { fileTraversalAttempts } from './support/traversal.ts';

const NGINX_INSTALLED = spawnSync('nginx', ['-v']).status === 0;
if (!NGINX_INSTALLED && process.env.CI) throw new Error('nginx is not installed (.ci/run installs nginx-light): the shipped nginx front would go untested.');

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One request on a fresh connection, with the path sent exactly as given (no normalising client in between). */
function request(port: number, pathname: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Headers either server adds for itself, or per connection and moment. */
const OWN = new Set(['date', 'server', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * What a client sees of an answer's headers: all but OWN, with the CSP's script hashes taken out (they are the
 * built web app's inline scripts, which no image answer runs; the file's CSP otherwise is ImageFlow's).
 */
function seen(answer: Answer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(answer.headers)) {
    if (OWN.has(k)) continue;
    out[k] = k === 'content-security-policy' ? v.replace(/ 'sha256-[A-Za-z0-9+/=]+'/g, '') : v;
  }
  return out;
}

/**
 * nginx with the shipped site, filled in as `npm run nginx-site` fills it (`files: false` as it does for private
 * images or a bucket), in an nginx of its own on a free port in front of `apiPort`.
 */
async function startNginx(apiPort: number, dataDir: string, files = true): Promise<{ port: number; stop: () => Promise<void> }> {
  const prefix = await fsp.mkdtemp(path.join(os.tmpdir(), 'imageflow-nginx-'));
  const port = await freePort();
  const site = siteConf({ api: `127.0.0.1:${apiPort}`, listen: `127.0.0.1:${port}`, dataDir, files });
  await fsp.writeFile(path.join(prefix, 'nginx.conf'), standaloneConf({ prefix, site }));
  const proc = spawn('nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'error.log'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGQUIT');
      await new Promise((resolve) => proc.once('exit', resolve));
    }
    await fsp.rm(prefix, { recursive: true, force: true });
  };
  try {
    await until(
      () =>
        proc.exitCode !== null ||
        new Promise<boolean>((resolve) => {
          const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
          socket.on('error', () => resolve(false));
        }),
      'nginx to listen',
    );
    if (proc.exitCode !== null) throw new Error(`nginx stopped: ${await fsp.readFile(path.join(prefix, 'error.log'), 'utf8')}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, stop };
}

describe.skipIf(!NGINX_INSTALLED)('ImageFlow behind deploy/nginx/imageflow.conf', () => {
  let t: TestApp;
  let nginx: { port: number; stop: () => Promise<void> };
  let api: number;
  let front: number;
  let node: Record<string, any>;
  const gate = new GatedProvider();

  beforeAll(async () => {
    t = await startTestApp({ provider: gate, env: { IMAGEFLOW_TRUST_PROXY: 'loopback', IMAGEFLOW_MAX_UPLOAD_MB: '1' } });
    api = await listen(t.app);
    await fsp.writeFile(path.join(t.dataDir, 'secret.png'), 'TOP-SECRET-CONTENT');
    nginx = await startNginx(api, t.dataDir);
    front = nginx.port;
    // A generation through the front, as a browser behind it makes one: its URLs are under nginx's address.
    node = await generateThrough(front, { prompt: 'a lighthouse at dusk' }, gate);
  }, 30_000);

  afterAll(async () => {
    await nginx?.stop();
    await t?.close();
  });

  const paths = () => [new URL(node.url).pathname, new URL(node.thumbnail_url).pathname];

  it('gives URLs under the address the client used, through the proxy', () => {
    expect(node.url).toBe(`http://127.0.0.1:${front}/images/${node.filename}`);
    expect(node.thumbnail_url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${front}/thumbs/.+\\.webp$`));
  });

  it('answers images and thumbnails as ImageFlow does: bodies, headers, HEAD, validators, ranges', async () => {
    for (const p of paths()) {
      const direct = await request(api, p);
      const fronted = await request(front, p);
      expect(fronted.status, p).toBe(200);
      expect(fronted.body.equals(direct.body), p).toBe(true);
      expect(seen(fronted), p).toEqual(seen(direct));
      const etag = direct.headers.etag!;
      expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);

      const cases: Array<{ method?: string; headers: Record<string, string> }> = [
        { method: 'HEAD', headers: {} },
        { headers: { 'if-none-match': etag } },
        { method: 'HEAD', headers: { 'if-none-match': etag } },
        { headers: { 'if-none-match': `"nope", W/${etag}` } },
        { headers: { 'if-none-match': '"nope"' } },
        { headers: { 'if-modified-since': direct.headers['last-modified']! } },
        { headers: { range: 'bytes=0-99' } },
        { headers: { range: 'bytes=-50' } },
        { headers: { range: 'bytes=100-' } },
        { headers: { range: 'bytes=0-1,5-6' } },
        { headers: { range: 'bytes=5-1' } },
        { headers: { range: 'items=0-9' } },
        { headers: { range: 'bytes=0-99', 'if-range': etag } },
        { headers: { range: 'bytes=0-99', 'if-range': '"other"' } },
      ];
      for (const c of cases) {
        const [a, b] = [await request(api, p, c), await request(front, p, c)];
        const what = `${c.method ?? 'GET'} ${p} ${JSON.stringify(c.headers)}`;
        expect(b.status, what).toBe(a.status);
        expect(b.body.equals(a.body), what).toBe(true);
        expect(seen(b), what).toEqual(seen(a));
      }
    }
  });

  it('serves them from the folder itself: they stay reachable while ImageFlow is away, and nothing else does, ranges included', async () => {
    const stopped = await startStopped(t);
    try {
      for (const p of paths()) expect((await request(front, p)).status, p).toBe(200);
      expect((await request(front, '/api/health')).status).toBe(502);
      // A range is ImageFlow's to answer (as it answers ranges alone: 206, the whole file, or its 416).
      expect((await request(front, paths()[0]!, { headers: { range: 'bytes=0-9' } })).status).toBe(502);
    } finally {
      await stopped.resume();
    }
  });

  it('leaves every file to ImageFlow when filled in for private images or a bucket (files: false)', async () => {
    const passing = await startNginx(api, t.dataDir, false);
    const stopped = await startStopped(t);
    try {
      for (const p of paths()) expect((await request(passing.port, p)).status, p).toBe(502);
    } finally {
      await stopped.resume();
      await passing.stop();
    }
    for (const p of paths()) expect((await request(front, p)).status, p).toBe(200);
  });

  it('refuses names ImageFlow did not make, traversal included, in its error shape, and shows no other file', async () => {
    // The corpus ImageFlow refuses itself (files.test.ts); more `../` than folders, which nginx refuses itself
    // (ImageFlow alone resolves it to a path of the web app); and nginx's page for what it cannot read.
    const attempts = [...fileTraversalAttempts(node.filename), '/images/../../../etc/passwd', '/.imageflow/bad-request'];
    for (const p of attempts) {
      const res = await request(front, p);
      expect([400, 404], p).toContain(res.status);
      expect(res.headers['content-type'], p).toMatch(/^application\/json/);
      expect(JSON.parse(res.body.toString()).error.code, p).toMatch(/validation_error|not_found/);
      expect(res.body.toString(), p).not.toContain('TOP-SECRET-CONTENT');
      expect(res.body.toString(), p).not.toContain('SQLite');
    }
  });

  it('hands a range past the end and a file no longer on disk to ImageFlow, which answers them', async () => {
    const [image] = paths();
    const past = { headers: { range: 'bytes=99999999-' } };
    const [a, b] = [await request(api, image!, past), await request(front, image!, past)];
    expect(b.status).toBe(416);
    expect(b.status).toBe(a.status);
    expect(b.headers['content-range']).toBe(a.headers['content-range']);
    expect(b.body.toString()).toBe(a.body.toString());

    // A version of it, removed for good: its files go, and nginx stops answering them within a second.
    const child = await generateThrough(front, { parent_id: node.id, prompt: 'the lighthouse, in fog' }, gate);
    const childPaths = [new URL(child.url).pathname, new URL(child.thumbnail_url).pathname];
    for (const p of childPaths) expect((await request(front, p)).status).toBe(200);
    const removed = await request(front, `/api/images/${child.id}?forever=true`, { method: 'DELETE' });
    expect(removed.status, removed.body.toString()).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    for (const p of childPaths) {
      const gone = await request(front, p);
      expect(gone.status, p).toBe(404);
      expect(JSON.parse(gone.body.toString()).error.code).toBe('not_found');
    }
  });

  it('passes uploads on as they come, so ImageFlow refuses one past its limit in its own words', async () => {
    const boundary = '----imageflownginx';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`),
      Buffer.alloc(2 * 1024 * 1024, 7),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await request(front, '/api/images/upload', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString()).error.code).toBe('payload_too_large');
  });

  it("streams a job's events as they happen, not when the job ends", async () => {
    const started = gate.started;
    const submitted = await request(front, '/api/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ prompt: 'a harbour at night', model: 'sdxl', spec: SMALL })),
    });
    expect(submitted.status, submitted.body.toString()).toBe(202);
    const job = JSON.parse(submitted.body.toString());
    const events: string[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: front, path: `/api/generations/${job.id}/events`, agent: false }, (res) => {
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => events.push(...[...chunk.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]!)));
          res.on('end', resolve);
        })
        .on('error', reject);
    });
    // The first event (the job as it is) arrives while the job is still held.
    await until(() => events.length > 0, 'the first event through nginx');
    await until(() => gate.started > started, 'the job to start');
    expect(events).not.toContain('completed');
    gate.letGo();
    await ended;
    expect(events.at(-1)).toBe('completed');
  });
});

/** ImageFlow closed for a moment (its port refuses), with a way to start it again on the same port and data. */
async function startStopped(t: TestApp): Promise<{ resume: () => Promise<void> }> {
  const port = (t.app.server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve, reject) => t.app.server.close((err) => (err ? reject(err) : resolve())));
  t.app.server.closeAllConnections();
  return {
    resume: () => new Promise<void>((resolve, reject) => t.app.server.listen(port, '127.0.0.1', resolve).once('error', reject)),
  };
}

/** A generation submitted through the front and let go; its first image. */
async function generateThrough(port: number, body: Record<string, unknown>, gate: GatedProvider): Promise<Record<string, any>> {
  const started = gate.started;
  const submitted = request(port, '/api/images/generate', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ model: 'sdxl', spec: SMALL, ...body })),
  });
  await until(() => gate.started > started, 'the generation to start');
  gate.letGo();
  const done = await submitted;
  if (done.status !== 201) throw new Error(`generate through nginx: ${done.status} ${done.body.toString()}`);
  return JSON.parse(done.body.toString()).images[0];
}
