/**
 * The gallery in either order (newest or oldest first, paged and searched alike), and the .zip of
 * chosen images: named by id and prompt, every id checked against its owner before a byte goes
 * out, hostile lists refused in the documented shape.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buffer } from 'node:stream/consumers';
import yauzl from 'yauzl';
import { MAX_DOWNLOAD_IMAGES } from '@imageflow/shared';
import { generate, startTestApp, type TestApp } from './harness.ts';
import { errorOf, multipart } from './http-helpers.ts';
import { slugOf, zipEntryName } from '../src/lib/image-zip.ts';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
});

async function start(env: Record<string, string> = {}): Promise<TestApp> {
  const t = await startTestApp({ env });
  apps.push(t);
  return t;
}

/** Each entry of a .zip: its name, time and bytes. */
function entriesOf(zip: Buffer): Promise<Array<{ name: string; bytes: Buffer; mtime: Date; compressed: boolean }>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err) return reject(err);
      const out: Array<{ name: string; bytes: Buffer; mtime: Date; compressed: boolean }> = [];
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (openErr, stream) => {
          if (openErr) return reject(openErr);
          buffer(stream).then((bytes) => {
            out.push({ name: entry.fileName, bytes, mtime: entry.getLastModDate(), compressed: entry.compressionMethod !== 0 });
            file.readEntry();
          }, reject);
        });
      });
      file.on('end', () => resolve(out));
      file.on('error', reject);
      file.readEntry();
    });
  });
}

const ids = (res: { json(): { items: Array<{ id: number }> } }) => res.json().items.map((n) => n.id);

describe('GET /api/images?order=', () => {
  it('pages oldest first with order=asc, searched and filtered as newest first is, and refuses an unknown order', async () => {
    const t = await start();
    const made: number[] = [];
    for (const prompt of ['red fox in snow', 'blue whale', 'red panda', 'green forest', 'fox and hound']) made.push((await generate(t.app, { prompt }))[0]!.id);

    const page1 = await t.app.inject({ url: '/api/images?order=asc&limit=2' });
    expect(ids(page1)).toEqual([made[0], made[1]]);
    const page2 = await t.app.inject({ url: `/api/images?order=asc&limit=2&cursor=${page1.json().next_cursor}` });
    expect(ids(page2)).toEqual([made[2], made[3]]);
    const page3 = await t.app.inject({ url: `/api/images?order=asc&limit=2&cursor=${page2.json().next_cursor}` });
    expect(ids(page3)).toEqual([made[4]]);
    expect(page3.json().next_cursor).toBeNull();

    expect(ids(await t.app.inject({ url: '/api/images?order=desc&limit=2' }))).toEqual([made[4], made[3]]);
    expect(ids(await t.app.inject({ url: '/api/images?limit=2' }))).toEqual([made[4], made[3]]);
    // Full-text search walks its index in the order asked for, with the cursor too.
    const fox = await t.app.inject({ url: '/api/images?order=asc&q=fox&limit=1' });
    expect(ids(fox)).toEqual([made[0]]);
    expect(ids(await t.app.inject({ url: `/api/images?order=asc&q=fox&limit=1&cursor=${fox.json().next_cursor}` }))).toEqual([made[4]]);
    expect(ids(await t.app.inject({ url: '/api/images?q=fox' }))).toEqual([made[4], made[0]]);

    for (const bad of ['ASC', 'newest', '', '__proto__']) {
      const res = await t.app.inject({ url: `/api/images?order=${bad}` });
      expect(res.statusCode, bad).toBe(400);
      expect(errorOf(res).message).toMatch(/order must be "desc" \(newest first\) or "asc" \(oldest first\)/);
    }
  });
});

describe('POST /api/images/download', () => {
  it('streams the PNGs as one .zip, each once, named <id>-<prompt words>.png, with its size said first', async () => {
    const t = await start();
    const [a] = await generate(t.app, { prompt: 'A lighthouse on a cliff, at sunset! Über-dramatic' });
    const [b] = await generate(t.app, { prompt: 'neon city street at night in the rain' });
    // An upload with no prompt is named by the file it came as.
    const other = multipart('Holiday Photo 03.webp', (await t.app.inject({ url: b!.thumbnail_url })).rawPayload, 'file', 'image/webp');
    const uploaded = (await t.app.inject({ method: 'POST', url: '/api/images/upload', payload: other.payload, headers: other.headers })).json();
    expect(uploaded.prompt).toBe('');
    // In the trash, the file is still there: it comes along.
    expect((await t.app.inject({ method: 'DELETE', url: `/api/images/${b!.id}` })).statusCode).toBe(200);

    const res = await t.app.inject({ method: 'POST', url: '/api/images/download', payload: { ids: [b!.id, a!.id, b!.id, uploaded.id] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe('attachment; filename="imageflow-3-images.zip"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);

    const entries = await entriesOf(res.rawPayload);
    expect(entries.map((e) => e.name)).toEqual([
      `${b!.id}-neon-city-street-at-night-in-the-rain.png`,
      `${a!.id}-a-lighthouse-on-a-cliff-at-sunset-uber-dramatic.png`,
      `${uploaded.id}-holiday-photo-03.png`,
    ]);
    for (const [entry, node] of [[entries[0]!, b!], [entries[1]!, a!], [entries[2]!, uploaded]] as const) {
      expect(entry.bytes.equals((await t.app.inject({ url: node.url })).rawPayload)).toBe(true);
      expect(entry.compressed).toBe(false);
    }

    const one = await t.app.inject({ method: 'POST', url: '/api/images/download', payload: { ids: [a!.id] } });
    expect(one.headers['content-disposition']).toBe(`attachment; filename="imageflow-${a!.id}.zip"`);
  });

  it('refuses, before any byte, an image that is not there, deleted for good, or someone else’s', async () => {
    const t = await start({ IMAGEFLOW_AUTH: 'on', IMAGEFLOW_RATE_LIMIT: 'off' });
    const bearer = async (name: string) => ({
      authorization: `Bearer ${(await t.services.accounts.createToken(await t.services.accounts.createUser(name, `${name}-password`, 'user'), 'k')).token}`,
    });
    const ada = await bearer('ada');
    const bob = await bearer('bob');
    const make = async (headers: Record<string, string>, prompt: string) =>
      (await t.app.inject({ method: 'POST', url: '/api/images/generate', headers, payload: { prompt, spec: { width: 128, height: 96, steps: 4 } } })).json().images[0];
    const mine = await make(ada, 'a red fox');
    const gone = await make(ada, 'a blue whale');
    const theirs = await make(bob, 'a green forest');
    expect((await t.app.inject({ method: 'DELETE', url: `/api/images/${gone.id}?forever=true`, headers: ada })).statusCode).toBe(200);

    const download = (idList: unknown, headers: Record<string, string> = ada) =>
      t.app.inject({ method: 'POST', url: '/api/images/download', headers, payload: { ids: idList } });
    const refused = async (idList: unknown, status: number, message: RegExp, headers = ada) => {
      const res = await download(idList, headers);
      expect(res.statusCode, JSON.stringify(idList)).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(errorOf(res).message).toMatch(message);
    };
    await refused([mine.id, theirs.id], 404, new RegExp(`^No image with id ${theirs.id}\\.$`));
    await refused([mine.id, 999_999], 404, /^No image with id 999999\.$/);
    await refused([mine.id, gone.id], 409, new RegExp(`Image ${gone.id} was deleted for good.*leave it out of ids`));
    expect((await download([theirs.id], bob)).statusCode).toBe(200);
    expect((await download([mine.id], {})).statusCode).toBe(401);

    await refused([], 400, /ids must name at least one image/);
    await refused(Array.from({ length: MAX_DOWNLOAD_IMAGES + 1 }, (_, i) => i + 1), 400, new RegExp(`at most ${MAX_DOWNLOAD_IMAGES} images at once`));
    for (const bad of [[0], [-1], [1.5], ['1'], [null], '1,2', { 0: 1 }, null, [1e308]]) await refused(bad, 400, /ids must be image ids/);
    for (const body of ['{"ids":[1],"extra":true}', '{}', '[]', '{"ids":[1]', '{"__proto__":{"ids":[1]}}']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/images/download', headers: { ...ada, 'content-type': 'application/json' }, payload: body });
      expect(res.statusCode, body).toBe(400);
      expect(() => errorOf(res)).not.toThrow();
    }
  });
});

describe('zip entry names', () => {
  it('are the id and the prompt’s words, plain ASCII, cut at a word', () => {
    expect(zipEntryName({ id: 7, title: 'A cat, in a hat: 100% “fluffy”' })).toBe('7-a-cat-in-a-hat-100-fluffy.png');
    expect(zipEntryName({ id: 8, title: '富士山 / ../../etc/passwd' })).toBe('8-etc-passwd.png');
    expect(zipEntryName({ id: 9, title: '' })).toBe('9.png');
    expect(zipEntryName({ id: 10, title: '🦊🦊' })).toBe('10.png');
    expect(slugOf('crème brûlée at café')).toBe('creme-brulee-at-cafe');
    const long = slugOf('word '.repeat(40));
    expect(long.length).toBeLessThanOrEqual(60);
    expect(long.endsWith('word')).toBe(true);
    expect(slugOf('x'.repeat(100))).toHaveLength(60);
  });
});
