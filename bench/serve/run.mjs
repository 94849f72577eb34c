#!/usr/bin/env node
// bench/serve: how fast ImageFlow serves its image files beside nginx serving the same files. Starts ImageFlow
// (`node --import tsx apps/api/src/main.ts`, single-user, IMAGEFLOW_LOG_LEVEL=warn) and nginx (Debian's, started
// unprivileged: a prefix, config and pid file of its own in a temp folder, one worker, sendfile, open_file_cache,
// the same extra headers as ImageFlow's answers) on one data folder of real generated images, and measures with
// wrk (-t1 -c32) one thumbnail, one full PNG (~1.3 MB), 200 rotating thumbnails and a 304 (If-None-Match),
// taking the servers in turn within each round. Reports requests/s, p99 latency, CPU per request (utime+stime of
// the server's processes, every thread, from /proc) and each ImageFlow's ratio to nginx in the same round.
// Beside them runs the floor of any Node server: node:http alone answering the same files from memory with the
// same headers (node-floor.mjs; BENCH_NODE_FLOOR=0 leaves it out), and ImageFlow behind its shipped nginx front
// (deploy/nginx/imageflow.conf, which answers the files from the folder itself; BENCH_FRONT=0 leaves it out).
//
//   npm run bench:serve                                  # 5 rounds × 5 s per case and server
//   BENCH_BASELINE=HEAD npm run bench:serve              # also the API as committed at a git ref (git archive), for before/after in one run
//   BENCH_VARIANTS='no cache:IMAGEFLOW_FILE_CACHE_MB=0;logged:IMAGEFLOW_LOG_LEVEL=info' npm run bench:serve   # more ImageFlow processes with settings of their own
//   BENCH_S3=1 npm run bench:serve                       # also from a bucket of the test radosgw: streamed (with and without the file cache) and redirected to presigned URLs
//   BENCH_ROUNDS=3 BENCH_SECONDS=3 BENCH_ONLY=thumb,304  # shorter runs, some cases (thumb, png, rotate, 304)
//
// The data folder (200 images of 512×512 and one of 1344×1344, generated through the API) is made once under
// bench/serve/.bench-data/ and reused; each run writes results-<time>.md and .json there.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../support.mjs';
import { siteConf, standaloneConf } from '../../deploy/nginx/site.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const IMAGES = 200;
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const S3 = process.env.BENCH_S3 === '1';
/** Extra environment for the ImageFlow process, e.g. BENCH_IMAGEFLOW_ENV='IMAGEFLOW_FILE_CACHE_MB=0'. */
const EXTRA_ENV = Object.fromEntries((process.env.BENCH_IMAGEFLOW_ENV ?? '').split(/\s+/).filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
const DATA_VERSION = 1;
const benchData = path.join(here, '.bench-data');
const dataDir = path.join(benchData, `data-v${DATA_VERSION}`);
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const started = [];
const tempDirs = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// --- processes ----------------------------------------------------------------------------------------------

let logDir = null;

/** Starts a process whose output goes to a file of its own (a busy request log must not cost this process anything). */
function startProcess(name, command, args, options) {
  logDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bench-logs-'));
  if (!tempDirs.includes(logDir)) tempDirs.push(logDir);
  const logFile = path.join(logDir, `${name.replace(/[^\w.-]+/g, '_')}-${started.length}.log`);
  const fd = fs.openSync(logFile, 'w');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd], ...options });
  fs.closeSync(fd);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const output = () => {
    try {
      return fs.readFileSync(logFile, 'utf8').slice(-8000);
    } catch {
      return '';
    }
  };
  const proc = { name, child, pid: child.pid, exited, output };
  started.push(proc);
  return proc;
}

async function stop(proc) {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const late = await Promise.race([proc.exited, sleep(5000).then(() => 'late')]);
  if (late === 'late') {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}

/** Variables of this process's environment ImageFlow must not inherit (a developer's own configuration). */
const NOT_INHERITED = /^(IMAGEFLOW_|DATABASE_URL$|REDIS_URL$|AWS_|PORT$|HOST$|NODE_OPTIONS$|INIT_CWD$)/;

async function startImageflow(name, env, root = repo) {
  const port = await freePort();
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !NOT_INHERITED.test(k)));
  const proc = startProcess(name, process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: root,
    env: { ...inherited, PORT: String(port), HOST: '127.0.0.1', IMAGEFLOW_AUTH: 'off', IMAGEFLOW_LOG_LEVEL: 'warn', IMAGEFLOW_DATA_DIR: dataDir, ...EXTRA_ENV, ...env },
  });
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitFor(`${url}/api/health`, 90_000),
    proc.exited.then((e) => {
      throw new Error(`${name} exited (${JSON.stringify(e)}): ${proc.output()}`);
    }),
  ]);
  return { ...proc, url, pids: () => [proc.pid] };
}

/** utime + stime of the processes, in seconds (every thread included). */
function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLK_TCK;
}

function childrenOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

// --- the data folder ------------------------------------------------------------------------------------------

const PROMPTS = ['stormy sea with rocks and birds', 'dense jungle foliage texture', 'a lighthouse at dusk', 'city lights in the rain', 'mountain lake with pines', 'desert dunes at noon', 'a market full of fruit', 'snowy village at night'];

async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** ~200 small generated images (512×512: thumbnails of 2-6 KB) and one large PNG (~1.3 MB), made through the API once. */
async function ensureData() {
  const manifestFile = path.join(dataDir, 'bench-manifest.json');
  if (fs.existsSync(manifestFile)) return JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  console.log(`filling ${path.relative(repo, dataDir)} with ${IMAGES} generated images and one large PNG (through the API)…`);
  const app = await startImageflow('ImageFlow (fill)', {});
  try {
    const small = [];
    for (let i = 0; small.length < IMAGES; i++) {
      const { images } = await post(`${app.url}/api/images/generate`, { prompt: `${PROMPTS[i % PROMPTS.length]} ${i}`, spec: { width: 512, height: 512, steps: 30, batch_size: 8 } });
      small.push(...images.map((n) => n.filename));
    }
    const { images: big } = await post(`${app.url}/api/images/generate`, { prompt: 'a lighthouse at dusk, large', spec: { width: 1344, height: 1344, steps: 4, batch_size: 1 } });
    const thumbs = small.slice(0, IMAGES).map((f) => f.replace(/\.png$/, '.webp'));
    const sizeOf = (bucket, name) => fs.statSync(path.join(dataDir, bucket, name)).size;
    // The one thumbnail: the largest, nearest the 6 KB of a typical thumbnail.
    const thumb = [...thumbs].sort((a, b) => sizeOf('thumbs', b) - sizeOf('thumbs', a))[0];
    const manifest = { thumbs, thumb, thumbBytes: sizeOf('thumbs', thumb), png: big[0].filename, pngBytes: sizeOf('images', big[0].filename), made: new Date().toISOString() };
    fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
    return manifest;
  } finally {
    await stop(app);
  }
}

// --- nginx ------------------------------------------------------------------------------------------------------

/** Headers nginx makes itself for a static file; every other header ImageFlow sends is added to nginx's answers. */
const NGINX_OWN = new Set(['date', 'connection', 'keep-alive', 'content-length', 'content-type', 'etag', 'last-modified', 'accept-ranges', 'server', 'content-range', 'transfer-encoding']);

/** A Debian nginx started unprivileged with `site` (a server block for `port`) in a prefix of its own. */
async function startNginxWith(name, site) {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bench-nginx-'));
  tempDirs.push(prefix);
  const conf = standaloneConf({ prefix, site, http: '  keepalive_timeout 75s;\n  keepalive_requests 1000000;' });
  fs.writeFileSync(path.join(prefix, 'nginx.conf'), conf);
  const proc = startProcess(name, 'nginx', ['-p', prefix, '-c', path.join(prefix, 'nginx.conf'), '-e', path.join(prefix, 'error.log'), '-g', 'daemon off;'], {});
  return { prefix, proc, pids: () => [proc.pid, ...childrenOf(proc.pid)] };
}

async function waitForNginx({ prefix, proc }, url) {
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/`);
      return;
    } catch {
      if (i > 100 || proc.child.exitCode !== null) throw new Error(`nginx did not start: ${proc.output()} ${fs.readFileSync(path.join(prefix, 'error.log'), 'utf8')}`);
      await sleep(100);
    }
  }
}

/** nginx alone on the data folder: sendfile, open_file_cache, and ImageFlow's headers (`extraHeaders`) added. */
async function startNginx(extraHeaders) {
  const port = await freePort();
  const addHeaders = Object.entries(extraHeaders)
    .map(([k, v]) => `      add_header ${k} ${JSON.stringify(v)};`)
    .join('\n');
  const site = `
  types { image/png png; image/webp webp; }
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  open_file_cache max=1000 inactive=60s;
  open_file_cache_valid 60s;
  open_file_cache_errors on;
  server_tokens off;
  server {
    listen 127.0.0.1:${port};
    root ${dataDir};
    location ~ ^/(images|thumbs)/[^/]+$ {
${addHeaders}
    }
    location / { return 404; }
  }`;
  const started = await startNginxWith('nginx', site);
  const url = `http://127.0.0.1:${port}`;
  await waitForNginx(started, url);
  return { ...started.proc, url, pids: started.pids };
}

/**
 * ImageFlow behind its shipped nginx front (deploy/nginx, filled in as `npm run nginx-site` fills it): nginx answers
 * the files from the folder and passes the rest to `imageflow`. Its CPU is nginx's and ImageFlow's together.
 */
async function startFront(imageflow) {
  const port = await freePort();
  const site = siteConf({ api: new URL(imageflow.url).host, listen: `127.0.0.1:${port}`, dataDir });
  const started = await startNginxWith('ImageFlow behind deploy/nginx', site);
  const url = `http://127.0.0.1:${port}`;
  await waitForNginx(started, url);
  return { ...started.proc, name: 'ImageFlow behind deploy/nginx', url, pids: () => [...started.pids(), ...imageflow.pids()] };
}

// --- the floor of a Node server ----------------------------------------------------------------------------------

/** The headers of an answer as they came off the wire: names as spelled, in order. */
function rawHeaders(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        res.resume();
        res.on('end', () => {
          const out = [];
          for (let i = 0; i < res.rawHeaders.length; i += 2) out.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
          resolve(out);
        });
      })
      .on('error', reject);
  });
}

/** node:http alone, answering the same files from memory with ImageFlow's headers (bench/serve/node-floor.mjs). */
async function startNodeFloor(imageflow, manifest) {
  const own = new Set(['date', 'connection', 'keep-alive', 'accept-ranges', 'etag', 'last-modified', 'cache-control', 'content-type', 'content-length']);
  await rawHeaders(`${imageflow.url}/thumbs/${manifest.thumb}`);
  const envelope = (await rawHeaders(`${imageflow.url}/thumbs/${manifest.thumb}`)).filter(([k]) => !own.has(k.toLowerCase())).flat();
  const port = await freePort();
  const proc = startProcess('Node http floor', process.execPath, [path.join(here, 'node-floor.mjs')], {
    env: { ...process.env, BENCH_DATA_DIR: dataDir, BENCH_PORT: String(port), BENCH_ENVELOPE: JSON.stringify(envelope) },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${url}/thumbs/${manifest.thumb}`);
      break;
    } catch {
      if (i > 100 || proc.child.exitCode !== null) throw new Error(`the Node floor server did not start: ${proc.output()}`);
      await sleep(100);
    }
  }
  return { ...proc, name: 'Node http floor', url, floor: true, pids: () => [proc.pid] };
}

// --- wrk ----------------------------------------------------------------------------------------------------------

function toMs(value) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(value);
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[2]];
}

async function wrk(server, c) {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency'];
  if (c.script) args.push('-s', c.script);
  for (const [k, v] of Object.entries(c.headers?.(server) ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(server.url + c.path);
  const before = cpuSeconds(server.pids());
  const wall = process.hrtime.bigint();
  const result = spawnSync('wrk', args, { encoding: 'utf8' });
  const elapsed = Number(process.hrtime.bigint() - wall) / 1e9;
  const cpu = cpuSeconds(server.pids()) - before;
  if (result.status !== 0) throw new Error(`wrk ${args.join(' ')} failed: ${result.stderr}`);
  const out = result.stdout;
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]);
  const p99 = toMs(/\s99%\s+(\S+)/.exec(out)[1]);
  const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(out)?.[1] ?? null;
  return { rps, p99, requests, cpuUsPerRequest: (cpu / requests) * 1e6, cpuShare: cpu / elapsed, bad, errors };
}

// --- checks -------------------------------------------------------------------------------------------------------

async function get(url, headers = {}) {
  const res = await fetch(url, { headers, redirect: 'manual' });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: Buffer.from(await res.arrayBuffer()) };
}

/** Both servers answer each case the same way (status and bytes), so their numbers compare like with like. */
async function checkSame(servers, manifest) {
  const [a, b] = servers;
  for (const p of [`/thumbs/${manifest.thumb}`, `/images/${manifest.png}`]) {
    const [x, y] = [await get(a.url + p), await get(b.url + p)];
    if (x.status !== 200 || y.status !== 200 || !x.body.equals(y.body)) throw new Error(`${p}: the servers answer differently (${x.status}, ${y.status})`);
    for (const s of servers) {
      const r = await get(s.url + p, { range: 'bytes=0-99' });
      if (r.status !== 206 || r.body.length !== 100) throw new Error(`${s.name} ${p}: a range gave ${r.status}`);
    }
  }
  for (const s of servers) {
    const r = await get(s.url + `/thumbs/${manifest.thumb}`, { 'if-none-match': s.etag });
    if (r.status !== 304) throw new Error(`${s.name}: If-None-Match ${s.etag} gave ${r.status}`);
  }
}

function headerBlock(res) {
  return Object.entries(res.headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

// --- S3 -------------------------------------------------------------------------------------------------------------

/** The Ceph processes behind the test radosgw: their CPU is part of what a file served from S3 costs. */
function radosgwPids() {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return ['radosgw', 'ceph-osd', 'ceph-mon'].includes(fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim());
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * The same files in a bucket of the test radosgw, served by ImageFlow processes on an S3 store: streamed (with
 * the file cache, and without it), and redirected to presigned URLs; beside radosgw answering those URLs itself.
 */
async function s3Servers(manifest) {
  const { ensureRadosgw, rgwClient } = await import('../../apps/api/test/support/radosgw.ts');
  const { CreateBucketCommand, PutObjectCommand, ListObjectsV2Command, DeleteObjectsCommand, DeleteBucketCommand } = await import('@aws-sdk/client-s3');
  const rgw = await ensureRadosgw();
  if (!rgw) throw new Error('BENCH_S3=1 needs radosgw: apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd');
  const client = rgwClient(rgw);
  const bucket = `imageflow-bench-serve-${crypto.randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const cleanup = async () => {
    for (;;) {
      const list = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      if (!list.Contents?.length) break;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: list.Contents.map((o) => ({ Key: o.Key })) } }));
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
    client.destroy();
  };
  try {
    for (const [b, name] of [...manifest.thumbs.map((t) => ['thumbs', t]), ['images', manifest.png]]) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${b}/${name}`,
          Body: fs.readFileSync(path.join(dataDir, b, name)),
          ContentType: b === 'thumbs' ? 'image/webp' : 'image/png',
          CacheControl: 'public, max-age=31536000, immutable',
        }),
      );
    }
    const env = (serve, extra = {}) => {
      // A data folder of its own for the database; the images are in the bucket.
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bench-s3-'));
      tempDirs.push(folder);
      return {
        IMAGEFLOW_DATA_DIR: folder,
        IMAGEFLOW_WEB_DIR: path.join(repo, 'apps/web/dist'),
        IMAGEFLOW_S3_BUCKET: bucket,
        IMAGEFLOW_S3_ENDPOINT: rgw.endpoint,
        IMAGEFLOW_S3_FORCE_PATH_STYLE: 'true',
        IMAGEFLOW_S3_SERVE: serve,
        AWS_ACCESS_KEY_ID: rgw.accessKeyId,
        AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
        ...extra,
      };
    };
    const made = [
      ['ImageFlow S3 stream', env('stream')],
      ['ImageFlow S3 stream, no file cache', env('stream', { IMAGEFLOW_FILE_CACHE_MB: '0' })],
      ['ImageFlow S3 presigned redirect', env('presigned')],
    ];
    const servers = [];
    for (const [name, e] of made) {
      const proc = await startImageflow(name, e);
      servers.push({ ...proc, name, pids: () => [proc.pid, ...radosgwPids()] });
    }
    return { servers, rgw, cleanup };
  } catch (err) {
    await cleanup().catch(() => undefined);
    throw err;
  }
}

// --- main -----------------------------------------------------------------------------------------------------------

/** A copy of the API at a git ref (read with `git archive`), run beside the working tree's for a before/after in one run. */
function checkoutBaseline(ref) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bench-baseline-'));
  tempDirs.push(dir);
  const archive = spawnSync('git', ['archive', '--format=tar', ref, 'apps/api', 'packages/shared'], { cwd: repo, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${ref}: ${archive.stderr}`);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`tar: ${untar.stderr}`);
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  const commit = spawnSync('git', ['rev-parse', '--short', ref], { cwd: repo, encoding: 'utf8' }).stdout.trim();
  return { dir, commit };
}

/** BENCH_VARIANTS='name:VAR=value,VAR2=value;other:VAR=value': more ImageFlow processes, each with settings of its own. */
function variants() {
  return (process.env.BENCH_VARIANTS ?? '')
    .split(';')
    .filter(Boolean)
    .map((spec) => {
      const [name, vars = ''] = spec.split(/:(.*)/s);
      return { name: `ImageFlow ${name}`, env: Object.fromEntries(vars.split(',').filter(Boolean).map((kv) => kv.split(/=(.*)/s).slice(0, 2))) };
    });
}

async function main() {
  for (const tool of ['nginx', 'wrk']) {
    if (spawnSync('which', [tool]).status !== 0) throw new Error(`${tool} is not installed: apt-get install -y nginx wrk`);
  }
  fs.mkdirSync(benchData, { recursive: true });
  const manifest = await ensureData();
  const nginxVersion = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim();
  const wrkVersion = spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
  const cpus = os.cpus();
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', 'apps/api'], { cwd: repo, encoding: 'utf8' }).stdout.trim() !== '';
  const webDir = path.join(repo, 'apps/web/dist');

  const imageflow = { ...(await startImageflow('ImageFlow', { IMAGEFLOW_WEB_DIR: webDir })), name: 'ImageFlow' };
  const servers = [imageflow];
  let baseline = null;
  if (process.env.BENCH_BASELINE) {
    baseline = checkoutBaseline(process.env.BENCH_BASELINE);
    const name = `ImageFlow ${process.env.BENCH_BASELINE} (${baseline.commit})`;
    servers.push({ ...(await startImageflow(name, { IMAGEFLOW_WEB_DIR: webDir }, baseline.dir)), name });
  }
  for (const v of variants()) servers.push({ ...(await startImageflow(v.name, { IMAGEFLOW_WEB_DIR: webDir, ...v.env })), name: v.name, env: v.env });
  if (process.env.BENCH_FRONT !== '0') servers.push(await startFront(imageflow));
  if (process.env.BENCH_NODE_FLOOR !== '0') servers.push(await startNodeFloor(imageflow, manifest));
  const sample = await get(`${imageflow.url}/thumbs/${manifest.thumb}`);
  const extra = Object.fromEntries(Object.entries(sample.headers).filter(([k]) => !NGINX_OWN.has(k)));
  const nginx = { ...(await startNginx(extra)), name: 'nginx' };
  servers.push(nginx);
  for (const s of servers) s.etag = (await get(`${s.url}/thumbs/${manifest.thumb}`)).headers.etag;
  for (const s of servers) if (s !== nginx && !s.floor) await checkSame([s, nginx], manifest);
  const headerBlocks = [];
  for (const s of [imageflow, nginx]) {
    await get(`${s.url}/thumbs/${manifest.thumb}`);
    headerBlocks.push(`# ${s.name}\n${headerBlock(await get(`${s.url}/thumbs/${manifest.thumb}`))}`);
  }

  const rotateScript = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bench-wrk-')), 'rotate.lua');
  tempDirs.push(path.dirname(rotateScript));
  fs.writeFileSync(
    rotateScript,
    `local paths = {\n${manifest.thumbs.map((t) => `  ${JSON.stringify(`/thumbs/${t}`)},`).join('\n')}\n}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format("GET", paths[(i % #paths) + 1])\nend\n`,
  );
  const cases = [
    { id: 'thumb', what: `one thumbnail (${(manifest.thumbBytes / 1024).toFixed(1)} KB WebP)`, path: `/thumbs/${manifest.thumb}` },
    { id: 'png', what: `one full PNG (${(manifest.pngBytes / 1024 / 1024).toFixed(2)} MB)`, path: `/images/${manifest.png}` },
    { id: 'rotate', what: `${manifest.thumbs.length} rotating thumbnails`, path: `/thumbs/${manifest.thumb}`, script: rotateScript },
    { id: '304', what: 'a 304 (If-None-Match, thumbnail)', path: `/thumbs/${manifest.thumb}`, headers: (s) => ({ 'If-None-Match': s.etag }) },
  ].filter((c) => !ONLY || ONLY.has(c.id));

  const machine = `${cpus.length} cores (${cpus[0]?.model.trim()}), Node ${process.version}, ${nginxVersion}, ${wrkVersion}`;
  console.log(`bench/serve: ${ROUNDS} rounds × ${SECONDS} s per case and server, wrk -t1 -c${CONNECTIONS}; ${machine}; commit ${commit}${dirty ? ' + working tree' : ''}`);
  console.log(`servers: ${servers.map((s) => s.name + (s.env ? ` ${JSON.stringify(s.env)}` : '')).join(' | ')}; extra ImageFlow env ${JSON.stringify(EXTRA_ENV)}`);

  // Warm-up: the first seconds of a Node process run cold code, and caches fill.
  for (const s of servers) for (const c of cases) await wrk(s, { ...c }).catch(() => undefined);

  const results = Object.fromEntries(cases.map((c) => [c.id, { runs: Object.fromEntries(servers.map((s) => [s.name, []])), ratio: Object.fromEntries(servers.map((s) => [s.name, []])), load: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      // A different server goes first each round, so a drift in the machine's load falls on all of them.
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      const got = {};
      for (const s of order) got[s.name] = await wrk(s, c);
      const r = results[c.id];
      for (const s of servers) {
        r.runs[s.name].push(got[s.name]);
        r.ratio[s.name].push(got[s.name].rps / got.nginx.rps);
      }
      r.load.push(os.loadavg()[0]);
      console.log(
        `round ${round + 1} ${c.id.padEnd(6)} ${servers.map((s) => `${s.name} ${got[s.name].rps.toFixed(0)}/s p99 ${got[s.name].p99.toFixed(1)} ms ${got[s.name].cpuUsPerRequest.toFixed(1)} µs${got[s.name].bad ? ` (${got[s.name].bad} non-2xx/3xx)` : ''}`).join(' | ')} | load ${os.loadavg()[0].toFixed(2)}`,
      );
    }
  }

  let s3 = null;
  if (S3) s3 = await runS3(manifest, cases.filter((c) => c.id !== 'rotate'));

  const lines = [];
  lines.push(`bench/serve — ${new Date().toISOString()}, commit ${commit}${dirty ? ' + working tree' : ''}`);
  lines.push(`${machine}; ${ROUNDS} rounds × ${SECONDS} s per case and server, wrk -t1 -c${CONNECTIONS}, servers in turn (a different one first each round)`);
  lines.push(`servers: ${servers.map((s) => s.name + (s.env ? ` ${JSON.stringify(s.env)}` : '')).join(' | ')}`);
  lines.push('');
  lines.push('| case | server | req/s | × nginx (median, min–max of rounds) | p99 | CPU/request |');
  lines.push('|---|---|---:|---|---:|---:|');
  for (const c of cases) {
    const r = results[c.id];
    for (const s of servers) {
      const runs = r.runs[s.name];
      const ratio = r.ratio[s.name];
      const rel = s === nginx ? '1' : `**${median(ratio).toFixed(2)}×** (${Math.min(...ratio).toFixed(2)}–${Math.max(...ratio).toFixed(2)})`;
      lines.push(`| ${c.what} | ${s.name} | ${median(runs.map((x) => x.rps)).toFixed(0)} | ${rel} | ${median(runs.map((x) => x.p99)).toFixed(2)} ms | ${median(runs.map((x) => x.cpuUsPerRequest)).toFixed(1)} µs |`);
    }
  }
  const loads = Object.values(results).flatMap((r) => r.load);
  lines.push('');
  lines.push(`load average (1 min) during the rounds: ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)}`);
  if (s3) lines.push('', ...s3);
  lines.push('', 'Headers of a thumbnail (second request):', '', '```', headerBlocks.join('\n\n'), '```');
  const report = lines.join('\n');
  console.log(`\n${report}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(benchData, `results-${stamp}.md`), `${report}\n`);
  fs.writeFileSync(path.join(benchData, `results-${stamp}.json`), JSON.stringify({ manifest, env: EXTRA_ENV, commit, dirty, servers: servers.map((s) => s.name), results }, null, 2));
  console.log(`\nwritten to ${path.relative(repo, path.join(benchData, `results-${stamp}.md`))}`);
}

async function runS3(manifest, cases) {
  const { servers, rgw, cleanup } = await s3Servers(manifest);
  try {
    const redirect = servers.find((s) => s.name.includes('redirect'));
    const first = await get(`${redirect.url}/thumbs/${manifest.thumb}`);
    if (first.status !== 302) throw new Error(`the presigned redirect answered ${first.status}`);
    const direct = { name: 'radosgw, the presigned URL itself', pids: radosgwPids };
    for (const s of servers) s.etag = (await get(`${s.url}/thumbs/${manifest.thumb}`)).headers.etag;
    const all = [...servers, direct];
    const out = Object.fromEntries(cases.map((c) => [c.id, Object.fromEntries(all.map((s) => [s.name, []]))]));
    const run = async (s, c) => {
      if (s !== direct) return wrk(s, c);
      // What a client does after the redirect: GET the presigned URL from the bucket.
      if (c.id === '304') return null;
      const u = new URL((await get(`${redirect.url}${c.path}`)).headers.location);
      return wrk({ ...direct, url: u.origin }, { ...c, path: u.pathname + u.search, headers: undefined });
    };
    for (const s of all) for (const c of cases) await run(s, c).catch(() => undefined);
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of cases) {
        const order = all.map((_, i) => all[(i + round) % all.length]);
        for (const s of order) {
          const r = await run(s, c);
          if (r) out[c.id][s.name].push(r);
        }
        console.log(`S3 round ${round + 1} ${c.id}: ${all.map((s) => `${s.name} ${out[c.id][s.name].at(-1)?.rps.toFixed(0) ?? '-'}/s`).join(' | ')}`);
      }
    }
    const rows = [`S3: the same files in a bucket of radosgw at ${rgw.endpoint} on this machine (CPU per request counts ImageFlow and the radosgw/Ceph processes):`, ''];
    rows.push('| case | server | answer | req/s | p99 | CPU/request |', '|---|---|---|---:|---:|---:|');
    for (const c of cases) {
      for (const s of all) {
        const list = out[c.id][s.name];
        if (!list.length) continue;
        const answer = s === direct ? '200 from the bucket' : s === redirect && c.id !== '304' ? '302 to the bucket' : c.id === '304' ? '304' : '200 through the API';
        rows.push(`| ${c.what} | ${s.name} | ${answer} | ${median(list.map((x) => x.rps)).toFixed(0)} | ${median(list.map((x) => x.p99)).toFixed(2)} ms | ${median(list.map((x) => x.cpuUsPerRequest)).toFixed(1)} µs |`);
      }
    }
    rows.push('', 'The redirect:', '', '```', headerBlock(first), '```');
    return rows;
  } finally {
    await cleanup().catch((err) => console.error(`removing the bench bucket failed: ${err.message}`));
  }
}

try {
  await main();
} finally {
  for (const p of started.reverse()) await stop(p);
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
}
