/**
 * Hostile input on every route the API documents, including those added after this file was
 * written: hostile path values, query strings and bodies never get a 5xx, and every refusal is
 * in the documented shape.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, startTestApp, type TestApp } from '../harness.ts';
import { errorOf } from '../http-helpers.ts';

let t: TestApp;
let routes: Array<{ method: string; path: string }>;
/** How the attacker is signed in: nothing (single-user mode, or signed out), or an API token. */
let credentials: Record<string, string> = {};

async function setUp(mode: 'single-user' | 'signed-in' | 'signed-out'): Promise<void> {
  t = await startTestApp({ env: { IMAGEFLOW_AUTH: mode === 'single-user' ? 'off' : 'on', IMAGEFLOW_RATE_LIMIT: 'off' } });
  credentials = {};
  if (mode !== 'single-user') {
    const user = await t.services.accounts.createUser('attacker', 'attacker-password', 'user');
    const bearer = { authorization: `Bearer ${(await t.services.accounts.createToken(user, 'attack')).token}` };
    if (mode === 'signed-in') credentials = bearer;
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', headers: bearer, payload: { prompt: 'a node to aim at', spec: { width: 128, height: 96, steps: 4 } } });
    expect(res.statusCode).toBe(201);
  } else {
    await generate(t.app, { prompt: 'a node to aim at' });
  }
  const doc = (await t.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
  routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })));
  // Routes hidden from the document are attacked too.
  routes.push({ method: 'GET', path: '/assets/{file}' }, { method: 'GET', path: '/{page}' }, { method: 'GET', path: '/api/openapi.json' });
}

const PATH_VALUES = [
  '0x1',
  '%201',
  '-1',
  '99999999999999999999999',
  '%00',
  '..%2F..%2Fimageflow.db',
  '..%5C..%5Cimageflow.db',
  '%2e%2e',
  `${'a'.repeat(190)}.png`,
  "1'%20OR%20'1'='1",
  '__proto__',
  'constructor',
  '%F0%9F%A6%8A',
  '%C0%AE%C0%AE',
];

const QUERIES = [
  '?limit=-1&cursor=%00',
  '?limit=99999999999999999999&scope=__proto__',
  '?q=%22%20OR%201%3D1%20--&model=%27',
  '?q=NEAR(a%20b)%20AND%20*&starred=maybe',
  '?q=%22unterminated',
  `?q=${'x'.repeat(5000)}`,
  '?include_base64=yes',
  '?__proto__[polluted]=1&constructor[prototype][polluted]=1',
  '?limit=1&limit=2&limit=3',
];

const BODIES: Array<string | Buffer> = [
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  'null',
  '[]',
  '"string"',
  '12',
  '{"prompt":{"$ne":""},"parent_id":"1; DROP TABLE nodes"}',
  '{"prompt":"a","parent_id":-1,"spec":{"width":1e308,"steps":"NaN"}}',
  '{"prompt":"a","parent_id":1,"action_type":"edit","edit":{"crop":{"left":1e9,"top":0,"width":1,"height":1}}}',
  '{"starred":"yes"}',
  '{"ids":[1e308,-0,null,"1; DROP TABLE image_nodes"],"action":"constructor"}',
  `{"ids":[${Array.from({ length: 5000 }, (_, i) => i + 1).join(',')}],"action":"trash"}`,
  '{"prompt":"a","spec":{"batch_size":99999}}',
  `{"prompt":"${'x'.repeat(5000)}"}`,
  '{"prompt":"a",',
  Buffer.from([0xff, 0xfe, 0x00, 0x7b]),
];

function fill(path: string, value: string): string {
  return path.replace(/\{[^}]+\}/g, value);
}

async function attack(method: string, url: string, body?: string | Buffer) {
  const res = await t.app.inject({
    method: method as 'GET',
    url,
    headers: { ...credentials, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { payload: body }),
  });
  const what = `${method} ${url.slice(0, 120)} ${body === undefined ? '' : String(body).slice(0, 60)}`;
  expect(res.statusCode, what).toBeLessThan(500);
  // HEAD answers carry no body to check.
  if (res.statusCode >= 400 && method !== 'HEAD') expect(() => errorOf(res), what).not.toThrow();
  return res;
}

describe.each(['single-user', 'signed-in', 'signed-out'] as const)('every route, %s', (mode) => {
  beforeAll(() => setUp(mode));
  afterAll(() => t.close());

  it('covers the routes of the API', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    for (const expected of [
      'POST /api/generations',
      'GET /api/generations',
      'POST /api/generations/{id}/retry',
      'POST /api/generations/{id}/front',
      'DELETE /api/images/{id}',
      'POST /api/images/bulk',
      'POST /api/images/upload',
      'GET /images/{filename}',
      'GET /api/generations/{id}/events',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it('hostile path values never get a 5xx, and refusals are in the documented shape', async () => {
    for (const { method, path } of routes) {
      if (!path.includes('{')) continue;
      for (const value of PATH_VALUES) await attack(method, fill(path, value), ['GET', 'HEAD', 'DELETE'].includes(method) ? undefined : '{}');
    }
  });

  it('hostile query strings never get a 5xx', async () => {
    for (const { method, path } of routes) {
      if (method !== 'GET') continue;
      for (const query of QUERIES) await attack(method, fill(path, '1') + query);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('hostile bodies never get a 5xx, and nothing is polluted', async () => {
    for (const { method, path } of routes) {
      if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') continue;
      // Routes that read no body (signing out, running retention now) are not asked to refuse one.
      if (['/api/auth/logout', '/api/auth/logout-everywhere', '/api/admin/retention/run'].includes(path)) continue;
      for (const body of BODIES) {
        const res = await attack(method, fill(path, '1'), body);
        // None of these bodies is a request that may start work (and signed out, none gets past sign-in).
        expect(res.statusCode, `${method} ${path} ${String(body).slice(0, 60)}`).toBeGreaterThanOrEqual(400);
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
