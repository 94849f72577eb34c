/**
 * Migration 016: a tree's version (013) is the time of its last write, so that no version is ever given twice,
 * by a database made anew or restored from a backup either.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import { migrate } from '../src/db/database.ts';
import type { NewNode } from '../src/ports/node.repository.port.ts';
import { makeDataDir, openTestDatabase } from './harness.ts';
import { newNode } from './support/nodes.ts';

/** Nodes under `parent` (a new root when null), committed as a worker commits them. */
async function plant(repo: KyselyNodeRepository, parent: NewNode | null, count: number, extra: Partial<NewNode> = {}): Promise<NewNode[]> {
  const ids = await repo.reserveIds(count);
  const nodes: NewNode[] = [];
  for (const id of ids) nodes.push(newNode(id, nodes.length === 0 ? parent : (parent ?? nodes[0]!), () => extra));
  await repo.commitNodes(nodes, []);
  return nodes;
}

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
