import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs/promises';
import path from 'node:path';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import type { ImageStore } from '../src/ports/image-store.port.ts';
import { MAX_ATTEMPTS } from '../src/services/instance.service.ts';
import { GatedProvider, generate, listFiles, makeDataDir, onPostgres, SMALL, startTestApp, type TestApp } from './harness.ts';

/**
 * On SQLite an app in role `all` is alone with its database file, so the next start takes over
 * what a crashed process left at once. On PostgreSQL other instances may share the database: the
 * crashed instance's jobs are taken over only once its lifetime has run out, so there the apps
 * get a short one and the tests wait it out.
 */
const recovery = onPostgres ? { instance: { ttlMs: 400, heartbeatMs: 100 } } : {};
async function crashedInstanceGone(): Promise<void> {
  if (onPostgres) await new Promise((r) => setTimeout(r, 500));
}

let t: TestApp | undefined;

/** The store's methods bound to it, so a test can override one and keep the rest. */
function bindAll(store: ImageStore): ImageStore {
  return {
    put: store.put.bind(store),
    get: store.get.bind(store),
    open: store.open.bind(store),
    remove: store.remove.bind(store),
    sweepIncomplete: store.sweepIncomplete.bind(store),
  };
}
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('restart persistence', () => {
  it('images, nodes and jobs survive a restart', async () => {
    const dataDir = await makeDataDir();
    t = await startTestApp({ dataDir });
    const [root] = await generate(t.app, { prompt: 'persistent fox' });
    const [child] = await generate(t.app, { parent_id: root!.id, action_type: 'variation' });
    const before = (await t.app.inject({ url: root!.url })).rawPayload;
    await t.close();

    t = await startTestApp({ dataDir });
    expect((await t.app.inject({ url: `/api/images/${child!.id}` })).json()).toMatchObject({ parent_id: root!.id, prompt: 'persistent fox' });
    expect((await t.app.inject({ url: root!.url })).rawPayload.equals(before)).toBe(true);
    expect((await t.app.inject({ url: `/api/images/${root!.id}/lineage` })).json().nodes).toHaveLength(2);
    expect((await t.app.inject({ url: '/api/images?q=fox' })).json().items).toHaveLength(2);
  });

  it('a job running when the process stopped runs again after the restart, exactly once', async () => {
    const dataDir = await makeDataDir();
    const provider = new GatedProvider();
    t = await startTestApp({ dataDir, provider, ...recovery });
    const job = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'interrupted', spec: SMALL } })).json();
    await provider.waitForStart();
    // Simulate a crash: the process goes away without finishing the job (the row stays "running").
    await t.crash();
    t = await startTestApp({ dataDir, start: false, ...recovery });
    expect((await t.app.inject({ url: `/api/generations/${job.id}` })).json().status).toBe('running');
    await t.close();

    await crashedInstanceGone();
    t = await startTestApp({ dataDir, ...recovery });
    await t.services.queue.idle();
    const done = (await t.app.inject({ url: `/api/generations/${job.id}` })).json();
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toBe(2);
    expect(done.images).toHaveLength(1);
    expect((await t.app.inject({ url: '/api/images' })).json().items).toHaveLength(1);
    expect(await listFiles(dataDir)).toHaveLength(2);
  });

  it(`a job interrupted ${MAX_ATTEMPTS} times fails with a clear reason`, async () => {
    const dataDir = await makeDataDir();
    const job = await (async () => {
      const provider = new GatedProvider();
      t = await startTestApp({ dataDir, provider, ...recovery });
      const created = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'doomed', spec: SMALL } })).json();
      await provider.waitForStart();
      await t.crash();
      return created;
    })();
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      await crashedInstanceGone();
      const provider = new GatedProvider();
      t = await startTestApp({ dataDir, provider, ...recovery });
      await provider.waitForStart();
      await t.crash();
    }
    await crashedInstanceGone();
    t = await startTestApp({ dataDir, ...recovery });
    await t.services.queue.idle();
    const failed = (await t.app.inject({ url: `/api/generations/${job.id}` })).json();
    expect(failed).toMatchObject({ status: 'failed', attempts: MAX_ATTEMPTS, error: { code: 'interrupted' } });
    expect(failed.error.message).toMatch(/interrupted by a restart of ImageFlow 3 times/);
  });
});

describe('file and row stay together', () => {
  it('a failure between storing the files and writing the rows leaves nothing behind', async () => {
    const dataDir = await makeDataDir();
    t = await startTestApp({ dataDir });
    const [kept] = await generate(t.app, { prompt: 'kept' });
    await t.close();

    class FailingCommit extends KyselyNodeRepository {
      override async commitNodes(): Promise<void> {
        throw new Error('disk full (injected)');
      }
    }
    t = await startTestApp({ dataDir, nodes: (db) => new FailingCommit(db) });
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { prompt: 'lost', spec: SMALL } });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.message).toMatch(/disk full \(injected\)/);
    expect(await listFiles(dataDir)).toEqual([`images/${kept!.filename}`, `thumbs/${kept!.filename.replace('.png', '.webp')}`]);
    expect(await t.db.selectFrom('image_nodes').select('id').execute()).toHaveLength(1);
    expect(await t.db.selectFrom('pending_files').selectAll().execute()).toEqual([]);
    expect((await t.app.inject({ url: '/api/generations/' + (await t.db.selectFrom('jobs').select('id').where('status', '=', 'failed').executeTakeFirstOrThrow()).id })).json()).toMatchObject({ status: 'failed', images: [] });
  });

  it('a store that fails on the thumbnail leaves neither the image file nor a row', async () => {
    const dataDir = await makeDataDir();
    t = await startTestApp({
      dataDir,
      store: (real) => ({
        ...bindAll(real),
        put: async (bucket, name, data) => {
          if (bucket === 'thumbs') throw new Error('thumbnail volume is read-only (injected)');
          return real.put(bucket, name, data);
        },
      }),
    });
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { prompt: 'half', spec: SMALL } });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.message).toMatch(/read-only \(injected\)/);
    expect(await listFiles(dataDir)).toEqual([]);
    expect(await t.db.selectFrom('image_nodes').select('id').execute()).toEqual([]);
    expect(await t.db.selectFrom('pending_files').selectAll().execute()).toEqual([]);
  });

  it('an image whose delete was cut short by a crash is gone after the next start', async () => {
    const dataDir = await makeDataDir();
    t = await startTestApp({ dataDir });
    const [doomed] = await generate(t.app, { prompt: 'doomed' });
    const [kept] = await generate(t.app, { prompt: 'kept' });
    // What a crash in the middle of DELETE leaves: the files logged as pending, the tombstone written, the files still there.
    const thumb = doomed!.filename.replace('.png', '.webp');
    await t.db.insertInto('pending_files').values([doomed!.filename, thumb].map((filename) => ({ filename, created_at: new Date().toISOString() }))).execute();
    await t.db.updateTable('image_nodes').set({ deleted_at: new Date().toISOString(), image_path: null }).where('id', '=', doomed!.id).execute();
    await t.close();

    t = await startTestApp({ dataDir });
    expect((await t.app.inject({ url: doomed!.url })).statusCode).toBe(404);
    expect(await listFiles(dataDir)).toEqual([`images/${kept!.filename}`, `thumbs/${kept!.filename.replace('.png', '.webp')}`]);
    expect((await t.app.inject({ url: `/api/images/${doomed!.id}` })).json().deleted_at).not.toBeNull();
  });

  it('a delete cut short before the tombstone was written keeps the image', async () => {
    const dataDir = await makeDataDir();
    t = await startTestApp({ dataDir });
    const [node] = await generate(t.app, { prompt: 'still here' });
    // Only the thumbnail got into the log: it belongs to the live image and stays too.
    await t.db.insertInto('pending_files').values({ filename: node!.filename.replace('.png', '.webp'), created_at: new Date().toISOString() }).execute();
    await t.close();
    t = await startTestApp({ dataDir });
    expect((await t.app.inject({ url: node!.url })).statusCode).toBe(200);
    expect((await t.app.inject({ url: node!.thumbnail_url })).statusCode).toBe(200);
    expect(await t.db.selectFrom('pending_files').selectAll().execute()).toEqual([]);
  });

  it('files of a write cut short by a crash are removed at the next start', async () => {
    const dataDir = await makeDataDir();
    t = await startTestApp({ dataDir });
    const [kept] = await generate(t.app, { prompt: 'kept' });
    // What a crash between file and row leaves: a pending entry and its files, plus a temp file.
    const orphan = 'upload_11111111-1111-4111-8111-111111111111.png';
    const original = orphan.replace('.png', '.original.jpg');
    await t.db.insertInto('pending_files').values([
      { filename: orphan, created_at: new Date().toISOString() },
      { filename: orphan.replace('.png', '.webp'), created_at: new Date().toISOString() },
      { filename: original, created_at: new Date().toISOString() },
    ]).execute();
    await fs.writeFile(path.join(dataDir, 'images', orphan), 'half an image');
    await fs.writeFile(path.join(dataDir, 'thumbs', orphan.replace('.png', '.webp')), 'thumb');
    await fs.writeFile(path.join(dataDir, 'originals', original), 'the upload as it came');
    await fs.writeFile(path.join(dataDir, 'images', '.tmp-abc'), 'partial');
    await t.close();

    t = await startTestApp({ dataDir });
    // With PostgreSQL other instances may share the folder: a temp file younger than an hour may be
    // another's write in progress, and stays.
    const young = onPostgres ? ['images/.tmp-abc'] : [];
    expect(await listFiles(dataDir)).toEqual([...young, `images/${kept!.filename}`, `thumbs/${kept!.filename.replace('.png', '.webp')}`]);
    expect(await t.db.selectFrom('pending_files').selectAll().execute()).toEqual([]);
  });
});
