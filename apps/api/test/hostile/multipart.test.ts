/**
 * Hostile input, class "multipart": every way of framing an upload wrongly is a 4xx in the
 * documented shape, a file past the limit is refused however it is sent, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { CONCURRENT_UPLOADS, MAX_WAITING_UPLOADS, UPLOAD_WAIT_MS } from '../../src/http/uploads.ts';
import { listFiles, startTestApp, until, type TestApp } from '../harness.ts';
import { errorOf, listen, multipart, openRequest, rawRequest } from '../http-helpers.ts';

let t: TestApp;
let port: number;
let png: Buffer;
beforeAll(async () => {
  t = await startTestApp({ env: { IMAGEFLOW_MAX_UPLOAD_MB: '1' } });
  port = await listen(t.app);
  png = await sharp({ create: { width: 80, height: 60, channels: 3, background: '#aa3366' } }).png().toBuffer();
});
afterAll(async () => t.close());

const upload = (payload: Buffer | string, contentType: string) =>
  t.app.inject({ method: 'POST', url: '/api/images/upload', payload, headers: { 'content-type': contentType } });

async function expectNothingStored() {
  expect((await t.app.inject({ url: '/api/images' })).json().items).toEqual([]);
  expect(await listFiles(t.dataDir)).toEqual([]);
}

/** Sends `body` with chunked transfer encoding, in pieces of `piece` bytes. */
function chunked(body: Buffer, piece = 64 * 1024): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; at += piece) {
    const slice = body.subarray(at, at + piece);
    parts.push(Buffer.from(`${slice.length.toString(16)}\r\n`), slice, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

describe('multipart uploads', () => {
  it('a missing, empty or unterminated boundary is a 400 that says how to send the file', async () => {
    const cases: Array<[string | Buffer, string]> = [
      ['xx', 'multipart/form-data'],
      ['xx', 'multipart/form-data; boundary='],
      ['', 'multipart/form-data; boundary=abc'],
      [`--abc\r\ncontent-disposition: form-data; name="file"; filename="a.png"\r\n\r\n${'x'.repeat(100)}`, 'multipart/form-data; boundary=abc'],
      ['--abc\r\ncontent-disposition: form-data; name="file"; filename="a.png"', 'multipart/form-data; boundary=abc'],
      ['--abc\r\nno-colon-header\r\n\r\nx\r\n--abc--\r\n', 'multipart/form-data; boundary=abc'],
      ['--abc--\r\n', 'multipart/form-data; boundary=abc'],
    ];
    for (const [body, type] of cases) {
      const res = await upload(body, type);
      expect(res.statusCode, `${type} ${String(body).slice(0, 40)}`).toBe(400);
      expect(errorOf(res).message).toMatch(/multipart|field named "file"/);
    }
    await expectNothingStored();
  });

  it('a chunked upload past the size limit is refused with 413, not cut short and stored', async () => {
    const big = await sharp({ create: { width: 900, height: 900, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const { payload, headers } = multipart('big.png', big, 'file', 'image/png');
    const head = `POST /api/images/upload HTTP/1.1\r\nHost: x\r\nContent-Type: ${headers['content-type']}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const res = await rawRequest(port, Buffer.concat([Buffer.from(head), chunked(payload)]));
    expect(res.status).toBe(413);
    expect(errorOf(res)).toMatchObject({ code: 'payload_too_large', message: expect.stringMatching(/1 MB upload limit/) });
    await expectNothingStored();

    // The same way of sending, within the limit, is stored.
    const small = multipart('small.png', png, 'file', 'image/png');
    const ok = await rawRequest(port, Buffer.concat([Buffer.from(head.replace(headers['content-type'], small.headers['content-type'])), chunked(small.payload, 100)]));
    expect(ok.status, ok.body).toBe(201);
    await t.app.inject({ method: 'DELETE', url: `/api/images/${JSON.parse(ok.body).id}?forever=true` });
  });

  it('too many parts, fields or files are a 413 that says what to send', async () => {
    const boundary = 'abc';
    const field = (name: string) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\nv\r\n`;
    const file = (name: string) => `--${boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="a.png"\r\ncontent-type: image/png\r\n\r\n`;
    const fields = Array.from({ length: 30 }, (_, i) => field(`f${i}`)).join('') + `--${boundary}--\r\n`;
    const manyFields = await upload(fields, `multipart/form-data; boundary=${boundary}`);
    expect(manyFields.statusCode).toBe(413);
    expect(errorOf(manyFields)).toMatchObject({ code: 'payload_too_large', message: expect.stringMatching(/too many (parts|fields)/) });

    const twoFiles = Buffer.concat([Buffer.from(file('file')), png, Buffer.from('\r\n' + file('other')), png, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const res = await upload(twoFiles, `multipart/form-data; boundary=${boundary}`);
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).message).toMatch(/more than one file/);
  });

  it('a form with fields but no file is a 400', async () => {
    const res = await upload('--abc\r\ncontent-disposition: form-data; name="note"\r\n\r\nhello\r\n--abc--\r\n', 'multipart/form-data; boundary=abc');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).message).toMatch(/no file/);
  });

  it(`past ${CONCURRENT_UPLOADS} uploads at once and ${MAX_WAITING_UPLOADS} waiting, more are refused with 429 and Retry-After; a client that leaves frees its turn`, async () => {
    const { headers } = multipart('slow.png', png, 'file', 'image/png');
    const head = `POST /api/images/upload HTTP/1.1\r\nHost: x\r\nContent-Type: ${headers['content-type']}\r\nContent-Length: 100000\r\n\r\n`;
    const hanging = [];
    for (let i = 0; i < CONCURRENT_UPLOADS + MAX_WAITING_UPLOADS; i++) hanging.push(await openRequest(port, head));
    // Let the server see every one of them before the next arrives.
    await new Promise((r) => setTimeout(r, 300));
    const refused = await rawRequest(port, head);
    expect(refused.status).toBe(429);
    expect(errorOf(refused).code).toBe('busy');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    for (const socket of hanging) socket.destroy();
    // Every slot is given back once the server sees the connections close: a real upload goes through.
    let ok = await upload(multipart('after.png', png, 'file', 'image/png').payload, headers['content-type']);
    await until(async () => {
      if (ok.statusCode === 429) ok = await upload(multipart('after.png', png, 'file', 'image/png').payload, headers['content-type']);
      return ok.statusCode !== 429;
    }, 'the upload slots to be given back');
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it(`an upload that cannot start within ${UPLOAD_WAIT_MS / 1000} s is refused with 429 instead of hanging`, async () => {
    const { headers } = multipart('slow.png', png, 'file', 'image/png');
    const head = `POST /api/images/upload HTTP/1.1\r\nHost: x\r\nContent-Type: ${headers['content-type']}\r\nContent-Length: 100000\r\n\r\n`;
    const hanging = [];
    for (let i = 0; i < CONCURRENT_UPLOADS; i++) hanging.push(await openRequest(port, head));
    try {
      const waited = await rawRequest(port, head, UPLOAD_WAIT_MS + 5000);
      expect(waited.status).toBe(429);
      expect(errorOf(waited).code).toBe('busy');
    } finally {
      for (const socket of hanging) socket.destroy();
    }
  });

  it('a client that stops sending its upload is dropped, and its turn goes to the next', async () => {
    const quick = await startTestApp({ env: { IMAGEFLOW_UPLOAD_IDLE_S: '1' } });
    try {
      const quickPort = await listen(quick.app);
      const { headers } = multipart('stalled.png', png, 'file', 'image/png');
      const head = `POST /api/images/upload HTTP/1.1\r\nHost: x\r\nContent-Type: ${headers['content-type']}\r\nContent-Length: 100000\r\n\r\n--`;
      const stalled = [];
      for (let i = 0; i < CONCURRENT_UPLOADS; i++) stalled.push(await openRequest(quickPort, head));
      const closed = stalled.map((socket) => new Promise((resolve) => socket.once('close', resolve)));
      await Promise.all(closed);
      const ok = await quick.app.inject({ method: 'POST', url: '/api/images/upload', ...multipart('next.png', png, 'file', 'image/png') });
      expect(ok.statusCode, ok.body).toBe(201);
    } finally {
      await quick.close();
    }
  });
});
