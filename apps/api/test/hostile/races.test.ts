/**
 * Hostile input, class "races between serving and deleting": a delete that lands between reading
 * a node and reading its file gives a 404 (or, for a job, a clear failure), never a 5xx. The file
 * routes' own race tests are in ../files.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bucket, ImageStore } from '../../src/ports/image-store.port.ts';
import { generate, startTestApp, type TestApp } from '../harness.ts';
import { errorOf } from '../http-helpers.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** The real store, except that the next `get` first removes the file it is asked for, as a delete landing just then would. */
function deletingBeforeGet(store: ImageStore): ImageStore & { armed: boolean } {
  const wrapped = Object.create(store) as ImageStore & { armed: boolean };
  wrapped.armed = false;
  wrapped.get = async (bucket: Bucket, filename: string) => {
    if (wrapped.armed) {
      wrapped.armed = false;
      await store.remove(bucket, filename);
    }
    return store.get(bucket, filename);
  };
  return wrapped;
}

describe('a delete between the row and the file', () => {
  it('include_base64 answers 404 in the documented shape', async () => {
    let store: ReturnType<typeof deletingBeforeGet> | undefined;
    t = await startTestApp({ store: (real) => (store = deletingBeforeGet(real)) });
    const [node] = await generate(t.app, { prompt: 'vanishing' });
    store!.armed = true;
    const res = await t.app.inject({ url: `/api/images/${node!.id}?include_base64=true` });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res)).toMatchObject({ code: 'not_found', message: expect.stringMatching(/was deleted while it was being read/) });
  });

  it('a job that needs the parent pixels fails clearly instead of with a file-system error', async () => {
    let store: ReturnType<typeof deletingBeforeGet> | undefined;
    t = await startTestApp({ store: (real) => (store = deletingBeforeGet(real)) });
    const [node] = await generate(t.app, { prompt: 'parent' });
    store!.armed = true;
    const res = await t.app.inject({ method: 'POST', url: '/api/images/generate', payload: { parent_id: node!.id, action_type: 'upscale', upscale: { factor: 2 } } });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'validation_error', message: expect.stringMatching(/was deleted before this job ran/) });
  });

  it('an image too large to inline as base64 is a 413 that points to its URL', async () => {
    t = await startTestApp();
    const [node] = await generate(t.app, { prompt: 'big' });
    await t.db.updateTable('image_nodes').set({ bytes: 64 * 1024 * 1024 }).where('id', '=', node!.id).execute();
    const res = await t.app.inject({ url: `/api/images/${node!.id}?include_base64=true` });
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).message).toMatch(/download it from its url/);
  });
});
