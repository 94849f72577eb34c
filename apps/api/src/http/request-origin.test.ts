import { setImmediate as nextTurn } from 'node:timers/promises';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { installRequestOrigin } from './request-origin.ts';

let close: (() => Promise<void>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

/**
 * An app as the API is built (the origin hook first, a serializer of its own): each answer says what
 * the handler read after an await, and what the serializer read as it wrote the answer.
 */
async function app(options: { trustProxy?: string[] } = {}) {
  const fastify = Fastify({ trustProxy: options.trustProxy ?? false });
  const origin = installRequestOrigin(fastify);
  fastify.setSerializerCompiler(() => (data) => JSON.stringify(data));
  const answer = async () => {
    await nextTurn();
    const inHandler = origin();
    return { inHandler, toJSON: () => ({ inHandler, inSerializer: origin() }) };
  };
  fastify.get('/', answer);
  fastify.post('/', answer);
  await fastify.ready();
  close = () => fastify.close();
  return { fastify, origin };
}

describe('the origin of the request being answered', () => {
  it('is seen by the handler and by the serializer, for a body too, and by nothing outside a request', async () => {
    const { fastify, origin } = await app();
    const get = await fastify.inject({ url: '/', headers: { host: 'studio.example:8000' } });
    expect(get.json()).toEqual({ inHandler: 'http://studio.example:8000', inSerializer: 'http://studio.example:8000' });
    const post = await fastify.inject({ method: 'POST', url: '/', headers: { host: 'studio.example' }, payload: { a: 1 } });
    expect(post.json()).toEqual({ inHandler: 'http://studio.example', inSerializer: 'http://studio.example' });
    expect(origin()).toBeNull();
  });

  it('is a host a URL can name, or null', async () => {
    const { fastify } = await app();
    const cases: Array<[string, string | null]> = [
      ['studio.example', 'http://studio.example'],
      ['127.0.0.1:8000', 'http://127.0.0.1:8000'],
      ['[::1]:8000', 'http://[::1]:8000'],
      ['[2001:db8::1]', 'http://[2001:db8::1]'],
      ['evil.example/path', null],
      ['a@b', null],
      ['has space', null],
      ['evil.example?x', null],
      ['evil.example#x', null],
      ['evil.example:80:80', null],
      ['evil.example:port', null],
      ['[::1', null],
      ['[evil.example]', null],
      [`${'a'.repeat(254)}`, null],
    ];
    for (const [host, expected] of cases) {
      const res = await fastify.inject({ url: '/', headers: { host } });
      expect(res.statusCode).toBe(200);
      expect(res.json().inHandler, host).toBe(expected);
    }
  });

  it('takes X-Forwarded-Proto and X-Forwarded-Host from a trusted proxy only', async () => {
    const forwarded = { host: 'internal:8000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'studio.example' };
    const direct = await app();
    expect((await direct.fastify.inject({ url: '/', headers: forwarded })).json().inHandler).toBe('http://internal:8000');
    await close!();
    const proxied = await app({ trustProxy: ['127.0.0.1'] });
    expect((await proxied.fastify.inject({ url: '/', headers: forwarded })).json().inHandler).toBe('https://studio.example');
    expect((await proxied.fastify.inject({ url: '/', headers: { ...forwarded, 'x-forwarded-proto': 'HTTPS' } })).json().inHandler).toBe('https://studio.example');
    expect((await proxied.fastify.inject({ url: '/', headers: { ...forwarded, 'x-forwarded-proto': 'gopher' } })).json().inHandler).toBeNull();
    expect((await proxied.fastify.inject({ url: '/', headers: { ...forwarded, 'x-forwarded-host': 'a b' } })).json().inHandler).toBeNull();
  });
});
