/**
 * A dependency that is down while ImageFlow runs (PostgreSQL, Redis, the object store): requests
 * get a 503 that says so, never a 500 that blames ImageFlow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import type { Db } from '../src/db/database.ts';
import { isDependencyDown } from '../src/http/error-handler.ts';
import type { ImageStore } from '../src/ports/image-store.port.ts';
import { generate, startTestApp, type TestApp } from './harness.ts';
import { errorOf } from './http-helpers.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7480'), { code: 'ECONNREFUSED' });

describe('a dependency that is down', () => {
  it('the object store unreachable: file requests get 503 with Retry-After', async () => {
    let down = false;
    t = await startTestApp({
      store: (real) =>
        Object.assign(Object.create(real) as ImageStore, {
          open: (bucket: 'images' | 'thumbs', name: string) => (down ? Promise.reject(refused()) : real.open(bucket, name)),
        }),
    });
    const [node] = await generate(t.app, { prompt: 'stored' });
    down = true;
    const res = await t.app.inject({ url: node!.url });
    expect(res.statusCode).toBe(503);
    expect(errorOf(res)).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/not reachable right now/) });
    expect(res.headers['retry-after']).toBe('5');
    down = false;
    expect((await t.app.inject({ url: node!.url })).statusCode).toBe(200);
  });

  it('the database unreachable: API requests get 503', async () => {
    const dropped = async (): Promise<never> => {
      throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    };
    class DroppedConnection extends KyselyNodeRepository {
      constructor(db: Db) {
        super(db);
        this.json.gallery = dropped;
      }
    }
    t = await startTestApp({ nodes: (db) => new DroppedConnection(db) });
    const res = await t.app.inject({ url: '/api/images' });
    expect(res.statusCode).toBe(503);
    expect(errorOf(res).code).toBe('unavailable');
  });

  it('tells a dependency that is down from a fault of ImageFlow\'s own', () => {
    expect(isDependencyDown(refused())).toBe(true);
    expect(isDependencyDown({ code: '08006', message: 'connection failure' })).toBe(true);
    expect(isDependencyDown(new Error('Connection is closed.'))).toBe(true);
    expect(isDependencyDown(Object.assign(new Error('fetch failed'), { cause: refused() }))).toBe(true);
    expect(isDependencyDown(new Error('undefined is not a function'))).toBe(false);
    expect(isDependencyDown({ code: '23505', message: 'duplicate key' })).toBe(false);
    expect(isDependencyDown(null)).toBe(false);
  });
});
