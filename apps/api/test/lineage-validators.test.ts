/**
 * Lineage answers carry an ETag made from their tree's version (migration 016: from the clock, never given
 * twice) and the question asked: a browser keeps the answer and asks again with If-None-Match, and while the
 * tree is unchanged it gets a 304 with no body, from any process of the same build, whether that process
 * kept the answer or not, after only the read of the focus and its tree's version.
 */
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import { migrate } from '../src/db/database.ts';
import { makeDataDir, openTestDatabase, startClosedAfterEach } from './harness.ts';
import { CountingRepository } from './support/counting-repository.ts';
import { plant } from './support/nodes.ts';

const start = startClosedAfterEach();
const ETAG = /^W\/"[0-9a-z]+\.[\w-]{20}"$/;

async function get(app: FastifyInstance, url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') {
  return app.inject({ method, url, headers });
}

describe('lineage answers with an ETag', () => {
  it('are answered 304 with no body when If-None-Match names them, by any process, kept or not, without reading the tree', async () => {
    const a = await start({ start: false });
    let counting: CountingRepository | undefined;
    const b = await start({ start: false, dataDir: a.dataDir, env: { IMAGEFLOW_TREE_CACHE_MB: '0' }, nodes: (db) => (counting = new CountingRepository(db)) });
    const [root] = await plant(new KyselyNodeRepository(a.db), null, 6);
    const url = `/api/images/${root!.id}/lineage?fields=summary`;

    const first = await get(a.app, url);
    expect(first.statusCode).toBe(200);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(ETAG);
    expect(first.headers['cache-control']).toBe('private, no-cache');
    expect(first.headers.vary).toMatch(/accept-encoding/i);
    expect(first.json().nodes).toHaveLength(6);

    for (const [app, name] of [[a.app, 'the process that made it'], [b.app, 'another process, keeping nothing']] as const) {
      for (const header of [etag, `W/"elsewhere", ${etag}`, etag.slice(2), '*']) {
        for (const method of ['GET', 'HEAD'] as const) {
          const again = await get(app, url, { 'if-none-match': header }, method);
          expect(again.statusCode, `${name}, ${method}, If-None-Match: ${header}`).toBe(304);
          expect(again.body).toBe('');
          expect(again.headers.etag).toBe(etag);
          expect(again.headers['cache-control']).toBe('private, no-cache');
          expect(again.headers.vary).toMatch(/accept-encoding/i);
        }
      }
    }
    expect(counting!.pages).toBe(0);

    // Another tag, or none: the whole answer, the same.
    const other = await get(b.app, url, { 'if-none-match': 'W/"elsewhere"' });
    expect(other.statusCode).toBe(200);
    expect(other.headers.etag).toBe(etag);
    expect(other.body).toBe(first.body);
    expect(counting!.pages).toBe(1);
    // A field that names nothing (unquoted, cut short, a long run of commas and quotes): the whole answer.
    for (const header of [etag.slice(3, -1), etag.slice(0, -1), `x${etag}x`.replaceAll('"', ''), ',', 'W/', '"', ',"'.repeat(2000)]) {
      const res = await get(b.app, url, { 'if-none-match': header });
      expect(res.statusCode, `If-None-Match: ${header.slice(0, 40)}`).toBe(200);
      expect(res.body).toBe(first.body);
    }
  });

  it('name one question about one version of a tree: every change to the tree gives a new one, a change to another tree none', async () => {
    const t = await start({ start: false });
    const repo = new KyselyNodeRepository(t.db);
    const [root, child] = await plant(repo, null, 3);
    const [elsewhere] = await plant(repo, null, 2);
    const tagOf = async (url: string) => (await get(t.app, url)).headers.etag as string;
    const questions = [
      `/api/images/${root!.id}/lineage`,
      `/api/images/${root!.id}/lineage?fields=summary`,
      `/api/images/${root!.id}/lineage?limit=2`,
      `/api/images/${child!.id}/lineage`,
      `/api/images/${child!.id}/lineage?scope=ancestors`,
      `/api/images/${root!.id}/lineage?scope=descendants`,
    ];
    const tags = await Promise.all(questions.map(tagOf));
    expect(new Set(tags).size).toBe(questions.length);
    for (const tag of tags) expect(tag).toMatch(ETAG);
    // The same question from another address: other URLs in the answer, another tag.
    expect((await get(t.app, questions[0]!, { host: 'studio.example' })).headers.etag).not.toBe(tags[0]);

    await repo.setStarred(elsewhere!.id, true);
    expect(await Promise.all(questions.map(tagOf))).toEqual(tags);

    await repo.setStarred(child!.id, true);
    const after = await Promise.all(questions.map(tagOf));
    for (let i = 0; i < questions.length; i++) expect(after[i], questions[i]).not.toBe(tags[i]);
    const stale = await get(t.app, questions[1]!, { 'if-none-match': tags[1]! });
    expect(stale.statusCode).toBe(200);
    expect(stale.json().nodes.find((n: { id: number }) => n.id === child!.id).starred).toBe(true);
  });

  it('are never given again by a database made anew for another tree of the same ids', async () => {
    const tagsOf = async () => {
      const t = await start({ start: false });
      const repo = new KyselyNodeRepository(t.db);
      const [root] = await plant(repo, null, 3);
      return { id: root!.id, etag: (await get(t.app, `/api/images/${root!.id}/lineage`)).headers.etag };
    };
    const one = await tagsOf();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const two = await tagsOf();
    expect(two.id).toBe(one.id);
    expect(two.etag).not.toBe(one.etag);
  });

  it('are checked for access first: whoever may not see the tree gets a 404 whatever tag they send', async () => {
    const t = await start({ start: false, env: { IMAGEFLOW_AUTH: 'on' } });
    const owner = await t.services.accounts.createUser('owner', 'owner-password', 'user');
    await t.services.accounts.createUser('other', 'other-password', 'user');
    const signIn = async (username: string) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: `${username}-password` } });
      expect(res.statusCode, res.body).toBe(200);
      return Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
    };
    const [root] = await plant(new KyselyNodeRepository(t.db), null, 2, { owner_id: owner.id });
    const url = `/api/images/${root!.id}/lineage`;
    const mine = await t.app.inject({ url, cookies: await signIn('owner') });
    expect(mine.statusCode).toBe(200);
    const etag = mine.headers.etag as string;
    for (const header of [etag, '*']) {
      const theirs = await t.app.inject({ url, cookies: await signIn('other'), headers: { 'if-none-match': header } });
      expect(theirs.statusCode).toBe(404);
      expect(theirs.headers.etag).toBeUndefined();
    }
    expect((await t.app.inject({ url, headers: { 'if-none-match': etag } })).statusCode).toBe(401);
  });
});

describe('migration 016: tree versions from the clock', () => {
  it('gives every tree a version from the clock, those without one included, and counts up from there on every write', async () => {
    const db = await openTestDatabase(await makeDataDir(), { max: 1 });
    try {
      await migrate(db, '015-node-summary');
      const repo = new KyselyNodeRepository(db);
      const [root] = await plant(repo, null, 2);
      const [untracked] = await plant(repo, null, 1);
      // A tree written only before migration 013: no version.
      await db.deleteFrom('tree_versions').where('root_id', '=', untracked!.id).execute();
      const versions = async () =>
        new Map((await sql<{ root_id: number | string; version: number | string }>`SELECT root_id, version FROM tree_versions`.execute(db)).rows.map((r) => [Number(r.root_id), Number(r.version)]));
      expect((await versions()).get(root!.id)).toBeLessThan(10);

      const before = Date.now() * 1000;
      await migrate(db);
      const after = Date.now() * 1000;
      const migrated = await versions();
      for (const id of [root!.id, untracked!.id]) {
        // SQLite's clock has whole milliseconds.
        expect(migrated.get(id), `tree ${id}`).toBeGreaterThanOrEqual(before - 1000);
        expect(migrated.get(id), `tree ${id}`).toBeLessThanOrEqual(after + 1000);
      }

      let last = migrated.get(root!.id)!;
      for (const write of [() => plant(repo, root!, 1), () => repo.setStarred(root!.id, true), () => db.deleteFrom('image_nodes').where('parent_id', '=', root!.id).where('id', '<>', root!.id).execute()]) {
        await write();
        const now = (await versions()).get(root!.id)!;
        expect(now).toBeGreaterThan(last);
        last = now;
      }
      // Ahead of the clock (a clock set back): still one more each time.
      await db.updateTable('tree_versions').set({ version: last + 1e12 }).where('root_id', '=', root!.id).execute();
      await repo.setStarred(root!.id, false);
      expect((await versions()).get(root!.id)).toBe(last + 1e12 + 1);
      expect((await repo.findFocus(root!.id))!.tree_version).toBe(last + 1e12 + 1);
    } finally {
      await db.destroy();
    }
  });
});
