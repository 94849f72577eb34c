/**
 * POST /api/images/bulk: star, unstar, trash or restore many images in one request, all or
 * nothing, with the rules of each image's own route (an id that is not mine is not there).
 */
import { describe, expect, it } from 'vitest';
import type { InjectOptions } from 'fastify';
import { MAX_BULK_IMAGES } from '@imageflow/shared';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import type { NodesChange } from '../src/ports/node.repository.port.ts';
import { generate, SMALL, startClosedAfterEach, type TestApp } from './harness.ts';
import { errorOf } from './http-helpers.ts';

type Node = { id: number; starred: boolean; trashed_at: string | null; deleted_at: string | null; parent_id: number | null };

/** Each app a test starts is closed after it. */
const start = startClosedAfterEach();

function bulk(t: TestApp, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/api/images/bulk', payload: payload as InjectOptions['payload'], headers });
}

async function nodeOf(t: TestApp, id: number, headers: Record<string, string> = {}): Promise<Node> {
  return (await t.app.inject({ url: `/api/images/${id}`, headers })).json();
}

/** What a test may see change: starred, in the trash, deleted, per id. */
async function states(t: TestApp, ids: number[]) {
  const rows = await t.db.selectFrom('image_nodes').select(['id', 'starred', 'trashed_at', 'deleted_at']).where('id', 'in', ids).orderBy('id').execute();
  return rows.map((r) => ({ id: Number(r.id), starred: Number(r.starred), trashed_at: r.trashed_at, deleted_at: r.deleted_at }));
}

async function threeImages(t: TestApp): Promise<number[]> {
  return (await generate(t.app, { prompt: 'three lanterns', spec: { batch_size: 3 } })).map((n) => n.id as number);
}

describe('POST /api/images/bulk', () => {
  it('stars and unstars many images in one request, each id once, answering them in the order named', async () => {
    const t = await start();
    const [a, b, c] = await threeImages(t);
    const starred = await bulk(t, { ids: [c, a, c, b], action: 'star' });
    expect(starred.statusCode).toBe(200);
    expect(starred.json().items.map((n: Node) => [n.id, n.starred])).toEqual([
      [c, true],
      [a, true],
      [b, true],
    ]);
    expect(starred.json().items[0]).toEqual(await nodeOf(t, c!));
    expect((await t.app.inject({ url: '/api/images?starred=true' })).json().items.map((n: Node) => n.id)).toEqual([c, b, a]);

    // Unstarring one already unstarred is no fault, as with PATCH.
    expect((await bulk(t, { ids: [a], action: 'unstar' })).statusCode).toBe(200);
    const unstarred = await bulk(t, { ids: [a, b, c], action: 'unstar' });
    expect(unstarred.json().items.map((n: Node) => n.starred)).toEqual([false, false, false]);
    expect((await t.app.inject({ url: '/api/images?starred=true' })).json().items).toEqual([]);
  });

  it('trashes and restores many images; a parent in the trash keeps its place in the lineage, its children theirs', async () => {
    const t = await start();
    const [root] = await generate(t.app, { prompt: 'a harbour' });
    const [child] = await generate(t.app, { prompt: 'a harbour at dusk', parent_id: root!.id, action_type: 'variation' });
    const [grandchild] = await generate(t.app, { prompt: 'a harbour at night', parent_id: child!.id, action_type: 'variation' });
    const [other] = await generate(t.app, { prompt: 'a field' });

    const trashed = await bulk(t, { ids: [root!.id, other!.id], action: 'trash' });
    expect(trashed.statusCode).toBe(200);
    for (const n of trashed.json().items as Node[]) expect(n).toMatchObject({ trashed_at: expect.any(String), deleted_at: null });
    expect((await t.app.inject({ url: '/api/images' })).json().items.map((n: Node) => n.id)).toEqual([grandchild!.id, child!.id]);
    expect((await t.app.inject({ url: '/api/trash' })).json().items.map((n: Node) => n.id).sort()).toEqual([root!.id, other!.id].sort());
    // As with DELETE /api/images/:id: the tree stands, the trashed parent shown as such.
    const lineage = (await t.app.inject({ url: `/api/images/${grandchild!.id}/lineage` })).json();
    expect(lineage.path).toEqual([root!.id, child!.id, grandchild!.id]);
    expect(lineage.nodes.map((n: Node) => [n.id, n.parent_id, n.trashed_at !== null])).toEqual([
      [root!.id, null, true],
      [child!.id, root!.id, false],
      [grandchild!.id, child!.id, false],
    ]);

    // Trashing again what is in the trash leaves it as it was (its time in the trash included), as DELETE does.
    const before = (trashed.json().items as Node[])[0]!.trashed_at;
    const again = await bulk(t, { ids: [root!.id, child!.id], action: 'trash' });
    expect(again.statusCode).toBe(200);
    expect(again.json().items.map((n: Node) => [n.id, n.trashed_at === before, n.trashed_at !== null])).toEqual([
      [root!.id, true, true],
      [child!.id, false, true],
    ]);

    const restored = await bulk(t, { ids: [root!.id, child!.id, other!.id], action: 'restore' });
    expect(restored.statusCode).toBe(200);
    expect(restored.json().items.map((n: Node) => n.trashed_at)).toEqual([null, null, null]);
    expect((await t.app.inject({ url: '/api/images' })).json().items.map((n: Node) => n.id)).toEqual([other!.id, grandchild!.id, child!.id, root!.id]);
    expect((await t.app.inject({ url: '/api/trash' })).json().items).toEqual([]);
  });

  it('changes nothing when one id cannot take the action, and names the ids at fault', async () => {
    const t = await start();
    const [a, b, c] = await threeImages(t);
    await t.app.inject({ method: 'DELETE', url: `/api/images/${c}` });
    const unchanged = await states(t, [a!, b!, c!]);

    const missing = await bulk(t, { ids: [a, 999_999, b, 999_998], action: 'star' });
    expect(missing.statusCode).toBe(404);
    expect(errorOf(missing)).toEqual({ code: 'not_found', message: expect.stringMatching(/^No images with ids 999999 and 999998; nothing was changed/) });

    const inTrash = await bulk(t, { ids: [a, c], action: 'star' });
    expect(inTrash.statusCode).toBe(400);
    expect(errorOf(inTrash).message).toMatch(new RegExp(`^Image ${c} is in the trash; nothing was changed. Restore it first`));

    const notInTrash = await bulk(t, { ids: [c, a, b], action: 'restore' });
    expect(notInTrash.statusCode).toBe(409);
    expect(errorOf(notInTrash)).toEqual({ code: 'conflict', message: expect.stringMatching(new RegExp(`^Images ${a} and ${b} are not in the trash. Nothing was restored`)) });

    expect(await states(t, [a!, b!, c!])).toEqual(unchanged);
  });

  it('names the first few of many ids at fault, and how many more', async () => {
    const t = await start();
    const res = await bulk(t, { ids: Array.from({ length: 8 }, (_, i) => 900_001 + i), action: 'trash' });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res).message).toMatch(/^No images with ids 900001, 900002, 900003, 900004, 900005 and 3 more;/);
  });

  it('an image deleted for good: trashing leaves it as it is, starring is refused (400), restoring is refused (409)', async () => {
    const t = await start();
    const [a, gone] = await threeImages(t);
    const tombstone = (await t.app.inject({ method: 'DELETE', url: `/api/images/${gone}?forever=true` })).json() as Node;
    expect(tombstone.deleted_at).toEqual(expect.any(String));

    const trashed = await bulk(t, { ids: [a, gone], action: 'trash' });
    expect(trashed.statusCode).toBe(200);
    expect(trashed.json().items.map((n: Node) => [n.id, n.trashed_at !== null, n.deleted_at])).toEqual([
      [a, true, null],
      [gone, false, tombstone.deleted_at],
    ]);
    const afterTrash = await states(t, [a!, gone!]);

    const star = await bulk(t, { ids: [gone], action: 'star' });
    expect(star.statusCode).toBe(400);
    expect(errorOf(star).message).toMatch(new RegExp(`^Image ${gone} was deleted for good and can no longer be starred`));

    const restore = await bulk(t, { ids: [a, gone], action: 'restore' });
    expect(restore.statusCode).toBe(409);
    expect(errorOf(restore).message).toMatch(new RegExp(`^Image ${gone} was deleted for good; only the recipe is left. Nothing was restored`));
    expect(await states(t, [a!, gone!])).toEqual(afterTrash);
  });

  it('refuses an empty list, too many ids, ids that are not ids and an unknown action, with what to do', async () => {
    const t = await start();
    const [a] = await threeImages(t);
    const cases: Array<[unknown, RegExp]> = [
      [{ ids: [], action: 'star' }, /ids must name at least one image/],
      [{ ids: Array.from({ length: MAX_BULK_IMAGES + 1 }, (_, i) => i + 1), action: 'star' }, new RegExp(`at most ${MAX_BULK_IMAGES} images at once`)],
      [{ ids: [a, 0], action: 'star' }, /ids must be image ids/],
      [{ ids: ['1'], action: 'trash' }, /ids must be image ids/],
      [{ ids: [1.5], action: 'trash' }, /ids must be image ids/],
      [{ ids: [a], action: 'delete' }, /action must be one of "star", "unstar", "trash", "restore"/],
      [{ ids: [a] }, /action must be one of/],
      [{ ids: [a], action: 'star', starred: true }, /starred/],
    ];
    for (const [payload, message] of cases) {
      const res = await bulk(t, payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(errorOf(res).message).toMatch(message);
    }
    expect(await states(t, [a!])).toEqual([{ id: a, starred: 0, trashed_at: null, deleted_at: null }]);
    // The limit itself is allowed: ids named many times count once.
    const atLimit = await bulk(t, { ids: Array.from({ length: MAX_BULK_IMAGES }, () => a), action: 'star' });
    expect(atLimit.statusCode).toBe(200);
    expect(atLimit.json().items.map((n: Node) => n.id)).toEqual([a]);
  });

  it("with accounts, another user's ids are not found and nothing changes; an admin may act on anyone's, as on the single routes", async () => {
    const t = await start({ env: { IMAGEFLOW_AUTH: 'on', IMAGEFLOW_RATE_LIMIT: 'off' } });
    const token = async (name: string, role: 'user' | 'admin' = 'user') => ({
      authorization: `Bearer ${(await t.services.accounts.createToken(await t.services.accounts.createUser(name, `${name}-password`, role), 'x')).token}`,
    });
    const alice = await token('alice');
    const bob = await token('bob');
    const make = async (headers: Record<string, string>) =>
      ((await t.app.inject({ method: 'POST', url: '/api/images/generate', headers, payload: { prompt: 'mine', spec: { ...SMALL, batch_size: 2 } } })).json().images as Node[]).map((n) => n.id);
    const [a1, a2] = await make(alice);
    const [b1] = await make(bob);
    await bulk(t, { ids: [a2], action: 'trash' }, alice);
    const unchanged = await states(t, [a1!, a2!, b1!]);

    for (const action of ['star', 'unstar', 'trash', 'restore']) {
      const res = await bulk(t, { ids: [b1, a1, a2], action }, bob);
      expect(res.statusCode, action).toBe(404);
      expect(errorOf(res).message, action).toMatch(new RegExp(`^No images with ids ${a1} and ${a2}; nothing was changed`));
    }
    expect(await states(t, [a1!, a2!, b1!])).toEqual(unchanged);
    // Signed out, nothing is anyone's to change.
    expect((await bulk(t, { ids: [a1], action: 'trash' })).statusCode).toBe(401);

    const admin = await token('root', 'admin');
    const res = await bulk(t, { ids: [a1, b1], action: 'star' }, admin);
    expect(res.statusCode).toBe(200);
    expect(res.json().items.map((n: Node) => n.starred)).toEqual([true, true]);
  });

  it('counts as one request of the rate limit, however many images it names', async () => {
    const t = await start({ env: { IMAGEFLOW_AUTH: 'on', IMAGEFLOW_RATE_LIMIT: '4' } });
    const headers = { authorization: `Bearer ${(await t.services.accounts.createToken(await t.services.accounts.createUser('ada', 'ada-password', 'user'), 'x')).token}` };
    const made = await t.app.inject({ method: 'POST', url: '/api/images/generate', headers, payload: { prompt: 'eight', spec: { ...SMALL, batch_size: 8 } } });
    const ids = (made.json().images as Node[]).map((n) => n.id);
    expect(ids).toHaveLength(8);
    const statuses: number[] = [];
    // Generations have a budget of their own: these five are the first of the API's four.
    for (const action of ['star', 'unstar', 'trash', 'restore', 'star']) statuses.push((await bulk(t, { ids, action }, headers)).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
  });

  it('PATCH star of an image moved to the trash elsewhere between the check and the change: refused, not starred', async () => {
    /** Someone else moves the image to the trash just before the star is given. */
    class RacingTrash extends KyselyNodeRepository {
      override async updateMany(ids: readonly number[], change: NodesChange, ownerId: string | undefined): Promise<boolean> {
        await this.setTrashed(ids[0]!, new Date().toISOString());
        return super.updateMany(ids, change, ownerId);
      }
    }
    const t = await start({ nodes: (db) => new RacingTrash(db) });
    const [a] = await threeImages(t);
    const res = await t.app.inject({ method: 'PATCH', url: `/api/images/${a}`, payload: { starred: true } });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).message).toBe(`Image ${a} is in the trash; restore it first (POST /api/images/${a}/restore).`);
    expect((await states(t, [a!])).map((s) => [s.starred, s.trashed_at !== null])).toEqual([[0, true]]);
  });

  it('when an image changes elsewhere between the check and the change, the change is undone and checked again', async () => {
    let raced = false;
    /** Someone else moves the last image to the trash just before the first change is made. */
    class RacingTrash extends KyselyNodeRepository {
      override async updateMany(ids: readonly number[], change: NodesChange, ownerId: string | undefined): Promise<boolean> {
        if (!raced) {
          raced = true;
          await this.setTrashed(ids.at(-1)!, new Date().toISOString());
        }
        return super.updateMany(ids, change, ownerId);
      }
    }
    const t = await start({ nodes: (db) => new RacingTrash(db) });
    const [a, b, c] = await threeImages(t);
    const res = await bulk(t, { ids: [a, b, c], action: 'star' });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).message).toMatch(new RegExp(`^Image ${c} is in the trash; nothing was changed`));
    // The stars given to a and b inside the failed change were rolled back with it.
    expect((await states(t, [a!, b!, c!])).map((s) => [s.id, s.starred, s.trashed_at !== null])).toEqual([
      [a, 0, false],
      [b, 0, false],
      [c, 0, true],
    ]);
  });
});
