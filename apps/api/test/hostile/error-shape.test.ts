/**
 * Hostile input, class "error shape": whatever layer refuses a request (Node's HTTP parser,
 * Fastify's router, a body parser, a plugin), the answer is `{error: {code, message}}`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../harness.ts';
import { errorOf, listen, rawRequest } from '../http-helpers.ts';

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await startTestApp();
  port = await listen(t.app);
});
afterAll(async () => t.close());

describe('errors from below the routes', () => {
  it('a broken percent-encoding in the path is a 400 that says how to encode it', async () => {
    for (const path of ['/api/images/%E0%A4%A', '/images/%', '/api/generations/%zz/events', '/%ff%fe']) {
      const res = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(res.status, path).toBe(400);
      expect(errorOf(res), path).toMatchObject({ code: 'invalid_url', message: expect.stringMatching(/percent-encoding/) });
    }
  });

  it('headers past the size limit are a 431 in the documented shape', async () => {
    const res = await rawRequest(port, `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(errorOf(res)).toMatchObject({ code: 'headers_too_large', message: expect.stringMatching(/headers/) });
    expect(res.headers['content-type']).toMatch(/application\/json/);
  });

  it('requests that are not valid HTTP are a 400 in the documented shape', async () => {
    const bad = [
      'GARBAGE\r\n\r\n',
      'GET /api/health HTTP/9.9\r\nHost: x\r\n\r\n',
      'POST /api/generations HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
      'POST /api/generations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      'POST /api/generations HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
      'GET /api/health HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n',
    ];
    for (const request of bad) {
      const res = await rawRequest(port, request);
      expect(res.status, request).toBe(400);
      expect(errorOf(res).code, request).toBe('malformed_request');
    }
  });

  it('a path segment longer than any name, an unknown route and an unknown method are 404s in the documented shape', async () => {
    for (const [method, url] of [
      ['GET', `/api/images/${'1'.repeat(500)}`],
      ['GET', `/images/${'a'.repeat(5000)}.png`],
      ['GET', '/api/nothing'],
      ['PROPFIND', '/api/images'],
      ['PUT', '/api/images/1'],
    ] as const) {
      const res = await rawRequest(port, `${method} ${url} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(errorOf(res).code, `${method} ${url}`).toBe('not_found');
    }
  });
});
