#!/usr/bin/env node
// bench/hostile: every class of hostile request from the hostile-input tests at once, against a real
// ImageFlow process, with the server's memory sampled from /proc the whole time. Reports what the
// aims are about: responses >= 500, requests slower than 10 s, the peak resident memory, and how
// slow a plain `GET /api/health` gets under the attack beside the same request on the idle server
// (the reference, in the same run). Run alone: `npm run bench:hostile` (node with tsx, for the PNG codec).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../support.mjs';
import { pngChunk } from '../../apps/api/src/lib/png-text.ts';
import sharp from 'sharp';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SLOW_MS = 10_000;


function status(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)[1]);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}




function multipart(filename, data) {
  const boundary = '----imageflowbench';
  return {
    body: Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      data,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

/** One raw request on its own connection; resolves with the status (0 if the server closed without one). */
function raw(port, bytes) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (c) => {
      data += c.toString('latin1');
      if (data.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0)));
    socket.end(bytes);
  });
}

async function makeCorpus() {
  const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#406080' } }).png().toBuffer();
  const bombText = `${'a very long prompt, '.repeat(400_000)}\nSteps: 20, Seed: 1, Size: 64x64`;
  const ztxt = Buffer.concat([Buffer.from('parameters\0\0', 'latin1'), zlib.deflateSync(Buffer.from(bombText), { level: 9 })]);
  const recipeBomb = Buffer.concat([small.subarray(0, small.length - 12), pngChunk('zTXt', ztxt), small.subarray(small.length - 12)]);
  const svg = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="8000" height="8000"><filter id="f"><feGaussianBlur stdDeviation="500"/></filter><rect width="8000" height="8000" filter="url(#f)"/></svg>',
  );
  // The largest image an upload may be: 64 megapixels of noise, which re-encodes to a ~160 MB PNG.
  const huge = await sharp({ create: { width: 8192, height: 8192, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
    .jpeg({ quality: 80 })
    .toBuffer();
  const nested = '['.repeat(4 * 1024 * 1024) + ']'.repeat(4 * 1024 * 1024);
  return { recipeBomb, svg, huge, nested };
}

const results = [];
function record(kind, started, statusCode) {
  results.push({ kind, ms: Date.now() - started, status: statusCode });
}

async function timed(kind, run) {
  const started = Date.now();
  let code = 0;
  try {
    code = await run();
  } catch {
    code = 0;
  }
  record(kind, started, code);
}

async function main() {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bench-hostile-'));
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, ['--import', 'tsx', path.join(repo, 'apps/api/src/main.ts')], {
    cwd: repo,
    env: { ...process.env, PORT: String(port), IMAGEFLOW_DATA_DIR: dataDir, IMAGEFLOW_LOG_LEVEL: 'fatal' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitFor(`${base}/api/health`);
    console.log('preparing the corpus (a 64-megapixel JPEG among others)...');
    const corpus = await makeCorpus();

    // Measured from a process of its own, so that the attack's own work here does not count.
    const healthTimes = (n) =>
      new Promise((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [
            '-e',
            `const out = []; (async () => { for (let i = 0; i < ${n}; i++) { const t0 = performance.now(); await fetch('${base}/api/health').then((r) => r.arrayBuffer()); out.push(performance.now() - t0); await new Promise((r) => setTimeout(r, 20)); } console.log(JSON.stringify(out)); })();`,
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let text = '';
        child.stdout.on('data', (c) => (text += c));
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text).sort((a, b) => a - b)) : reject(new Error('health probe failed'))));
      });
    const idle = await healthTimes(50);
    const idleMemory = status(server.pid);

    // Images to race deletes against.
    const made = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${base}/api/images/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `race target ${i}`, spec: { width: 256, height: 256, steps: 4 } }),
      });
      made.push((await res.json()).images[0]);
    }

    let peak = idleMemory.rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, status(server.pid).rss);
    }, 50);

    const upload = (name, data) => async () => {
      const { body, type } = multipart(name, data);
      return (await fetch(`${base}/api/images/upload`, { method: 'POST', headers: { 'content-type': type }, body })).status;
    };
    const postJson = (url, body) => async () => (await fetch(`${base}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status;
    const get = (url) => async () => (await fetch(`${base}${url}`)).status;

    const classes = {
      'recipe bomb upload': () => upload('bomb.png', corpus.recipeBomb),
      'svg upload': () => upload('bomb.svg', corpus.svg),
      '64 MP upload': () => upload('huge.jpg', corpus.huge),
      'nested 8 MB JSON': () => postJson('/api/generations', corpus.nested),
      'prototype JSON': () => postJson('/api/generations', '{"__proto__":{"x":1},"prompt":"a"}'),
      'NUL prompt': () => postJson('/api/generations', '{"prompt":"a\\u0000b"}'),
      'bad percent-encoding': () => () => raw(port, 'GET /api/images/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n'),
      'headers too large': () => () => raw(port, `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      'unterminated multipart': () => () =>
        raw(port, 'POST /api/images/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=abc\r\nContent-Length: 20\r\n\r\n--abc\r\ncontent-dis'),
      'non-canonical id': () => get('/api/images/0x1'),
      'unparsable range': () => async () => (await fetch(`${base}${made[0].thumbnail_url}`, { headers: { range: 'bytes=abc' } })).status,
    };

    const attacks = [];
    const underAttack = healthTimes(100);
    for (let round = 0; round < ROUNDS; round++) {
      // The heaviest first, so that they take the upload slots and are decoded, not refused as busy.
      attacks.push(timed('64 MP upload', classes['64 MP upload']()), timed('64 MP upload', classes['64 MP upload']()));
      for (const [kind, make] of Object.entries(classes)) {
        if (kind === '64 MP upload') continue;
        for (let i = 0; i < 6; i++) attacks.push(timed(kind, make()));
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    // Serving racing deletes.
    for (const node of made) {
      for (let i = 0; i < 20; i++) {
        attacks.push(timed('GET image during DELETE', get(node.url)));
        attacks.push(timed('GET thumb during DELETE', get(node.thumbnail_url)));
      }
      // Removing the files now (not moving to the trash, which keeps them) is the race worth serving against.
      attacks.push(timed('DELETE forever', async () => (await fetch(`${base}/api/images/${node.id}?forever=true`, { method: 'DELETE' })).status));
    }
    await Promise.all(attacks);
    const loaded = await underAttack;
    clearInterval(sampler);
    peak = Math.max(peak, status(server.pid).hwm);

    const byKind = new Map();
    for (const r of results) {
      const k = byKind.get(r.kind) ?? { n: 0, statuses: new Map(), maxMs: 0 };
      k.n++;
      k.statuses.set(r.status, (k.statuses.get(r.status) ?? 0) + 1);
      k.maxMs = Math.max(k.maxMs, r.ms);
      byKind.set(r.kind, k);
    }
    const q = (arr, p) => arr[Math.min(arr.length - 1, Math.floor(arr.length * p))];
    const mb = (b) => (b / 1024 / 1024).toFixed(0);
    console.log(`\nImageFlow under hostile input (${ROUNDS} rounds, ${results.length} requests), ${os.cpus().length} cores, Node ${process.version}\n`);
    console.log('| class | requests | statuses | slowest |');
    console.log('| --- | ---: | --- | ---: |');
    for (const [kind, k] of byKind) {
      const statuses = [...k.statuses].sort().map(([s, n]) => `${s === 0 ? 'no answer' : s}×${n}`).join(' ');
      console.log(`| ${kind} | ${k.n} | ${statuses} | ${(k.maxMs / 1000).toFixed(2)} s |`);
    }
    const fivexx = results.filter((r) => r.status >= 500).length;
    const unanswered = results.filter((r) => r.status === 0).length;
    const slow = results.filter((r) => r.ms > SLOW_MS).length;
    console.log(`\n| measure | idle (reference) | under attack |`);
    console.log('| --- | ---: | ---: |');
    console.log(`| GET /api/health p50 | ${q(idle, 0.5).toFixed(1)} ms | ${q(loaded, 0.5).toFixed(1)} ms |`);
    console.log(`| GET /api/health p99 | ${q(idle, 0.99).toFixed(1)} ms | ${q(loaded, 0.99).toFixed(1)} ms |`);
    console.log(`| resident memory | ${mb(idleMemory.rss)} MB | peak ${mb(peak)} MB |`);
    console.log(`\nresponses >= 500: ${fivexx}; closed without an answer (refused early, e.g. 413 while the body was still being sent): ${unanswered}; slower than ${SLOW_MS / 1000} s: ${slow}; peak memory ${mb(peak)} MB (aim: 0, 0, 0, < 1024 MB)`);
    if (fivexx > 0 || slow > 0 || peak >= 1024 * 1024 * 1024) process.exitCode = 1;
  } finally {
    server.kill('SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
