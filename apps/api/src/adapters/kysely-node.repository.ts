import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../db/database.ts';
import { isSqlite } from '../db/dialect.ts';
import type { Database } from '../db/schema.ts';
import type { GalleryFilter, NewNodeRow, NodeRepository, NodeRowWithCounts, TreePage } from '../ports/node.repository.port.ts';

const childrenCount = sql<number>`(SELECT COUNT(*) FROM image_nodes AS c WHERE c.parent_id = n.id)`.as('children_count');

/** Turns free text into an FTS5 query: every word must match, each as a prefix. */
export function toFtsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}_]+/gu);
  if (!words) return null;
  return words.map((w) => `"${w}"*`).join(' ');
}

export class KyselyNodeRepository implements NodeRepository {
  private readonly sqlite: boolean;

  constructor(private readonly db: Db) {
    this.sqlite = isSqlite(db);
  }

  private nodes() {
    return this.db.selectFrom('image_nodes as n').selectAll('n').select(childrenCount);
  }

  async reserveIds(count: number): Promise<number[]> {
    const row = await this.db
      .updateTable('id_sequences')
      .set((eb) => ({ next_value: eb('next_value', '+', count) }))
      .where('name', '=', 'image_nodes')
      .returning('next_value')
      .executeTakeFirstOrThrow();
    const end = Number(row.next_value);
    return Array.from({ length: count }, (_, i) => end - count + i);
  }

  findById(id: number) {
    return this.nodes().where('n.id', '=', id).executeTakeFirst();
  }

  findByJob(jobId: string) {
    return this.nodes().where('n.job_id', '=', jobId).orderBy('n.id').execute();
  }

  async gallery(filter: GalleryFilter): Promise<NodeRowWithCounts[]> {
    let query = this.nodes().where('n.deleted_at', 'is', null);
    if (filter.beforeId !== undefined) query = query.where('n.id', '<', filter.beforeId);
    if (filter.model !== undefined) query = query.where('n.model', '=', filter.model);
    if (filter.actionType !== undefined) query = query.where('n.action_type', '=', filter.actionType);
    if (filter.starred !== undefined) query = query.where('n.starred', '=', filter.starred ? 1 : 0);
    if (filter.q !== undefined) query = this.matchPrompt(query, filter.q);
    return query.orderBy('n.id', 'desc').limit(filter.limit).execute();
  }

  private matchPrompt<O>(query: SelectQueryBuilder<Database & { n: Database['image_nodes'] }, 'n', O>, q: string) {
    const fts = toFtsQuery(q);
    if (fts === null) return query.where(sql<boolean>`1 = 0`);
    if (this.sqlite) {
      return query.where('n.id', 'in', sql<number>`(SELECT rowid FROM image_nodes_fts WHERE image_nodes_fts MATCH ${fts})`);
    }
    const words = q.match(/[\p{L}\p{N}_]+/gu)!.map((w) => `${w}:*`).join(' & ');
    return query.where(sql<boolean>`to_tsvector('simple', n.prompt) @@ to_tsquery('simple', ${words})`);
  }

  async ancestorIds(id: number): Promise<number[]> {
    const rows = await this.db
      .withRecursive('anc(id, parent_id, depth)', (db) =>
        db
          .selectFrom('image_nodes')
          .select(['id', 'parent_id', 'depth'])
          .where('id', '=', id)
          .unionAll(
            db
              .selectFrom('image_nodes as p')
              .innerJoin('anc', 'anc.parent_id', 'p.id')
              .select(['p.id', 'p.parent_id', 'p.depth']),
          ),
      )
      .selectFrom('anc')
      .select('id')
      .orderBy('depth')
      .execute();
    return rows.map((r) => Number(r.id));
  }

  ancestors(id: number) {
    return this.db
      .withRecursive('anc(id, parent_id)', (db) =>
        db
          .selectFrom('image_nodes')
          .select(['id', 'parent_id'])
          .where('id', '=', id)
          .unionAll(
            db.selectFrom('image_nodes as p').innerJoin('anc', 'anc.parent_id', 'p.id').select(['p.id', 'p.parent_id']),
          ),
      )
      .selectFrom('anc')
      .innerJoin('image_nodes as n', 'n.id', 'anc.id')
      .selectAll('n')
      .select(childrenCount)
      .orderBy('n.depth')
      .execute();
  }

  async treePage(rootId: number, limit: number, after?: { depth: number; id: number }): Promise<TreePage> {
    let query = this.nodes().where('n.root_id', '=', rootId);
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('n.depth', '>', after.depth), eb.and([eb('n.depth', '=', after.depth), eb('n.id', '>', after.id)])]),
      );
    }
    const rows = await query.orderBy('n.depth').orderBy('n.id').limit(limit + 1).execute();
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async descendantsPage(id: number, limit: number, after?: { depth: number; id: number }): Promise<TreePage> {
    let query = this.db
      .withRecursive('des(id)', (db) =>
        db
          .selectFrom('image_nodes')
          .select('id')
          .where('parent_id', '=', id)
          .unionAll(db.selectFrom('image_nodes as c').innerJoin('des', 'des.id', 'c.parent_id').select('c.id')),
      )
      .selectFrom('des')
      .innerJoin('image_nodes as n', 'n.id', 'des.id')
      .selectAll('n')
      .select(childrenCount);
    if (after) {
      query = query.where((eb) =>
        eb.or([eb('n.depth', '>', after.depth), eb.and([eb('n.depth', '=', after.depth), eb('n.id', '>', after.id)])]),
      );
    }
    const rows = await query.orderBy('n.depth').orderBy('n.id').limit(limit + 1).execute();
    return { rows: rows.slice(0, limit), hasMore: rows.length > limit };
  }

  async setStarred(id: number, starred: boolean) {
    await this.db.updateTable('image_nodes').set({ starred: starred ? 1 : 0 }).where('id', '=', id).execute();
  }

  async markDeleted(id: number, at: string) {
    await this.db
      .updateTable('image_nodes')
      .set({ deleted_at: at, image_path: null, starred: 0 })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
  }

  async addPendingFiles(filenames: string[], at: string) {
    if (filenames.length === 0) return;
    await this.db
      .insertInto('pending_files')
      .values(filenames.map((filename) => ({ filename, created_at: at })))
      .execute();
  }

  async removePendingFiles(filenames: string[]) {
    if (filenames.length === 0) return;
    await this.db.deleteFrom('pending_files').where('filename', 'in', filenames).execute();
  }

  async listPendingFiles() {
    const rows = await this.db.selectFrom('pending_files').select('filename').execute();
    return rows.map((r) => r.filename);
  }

  async filenamesInUse(filenames: string[]) {
    if (filenames.length === 0) return [];
    const rows = await this.db.selectFrom('image_nodes').select('filename').where('filename', 'in', filenames).execute();
    return rows.map((r) => r.filename);
  }

  async commitNodes(nodes: NewNodeRow[], pendingFiles: string[], job?: { id: string; finishedAt: string }) {
    await this.db.transaction().execute(async (trx) => {
      // Insert one at a time: a parent must exist before the child that references it.
      for (const node of nodes) await trx.insertInto('image_nodes').values(node).execute();
      if (pendingFiles.length > 0) await trx.deleteFrom('pending_files').where('filename', 'in', pendingFiles).execute();
      if (job) {
        const result = await trx
          .updateTable('jobs')
          .set({ status: 'succeeded', progress: 1, finished_at: job.finishedAt, error_code: null, error_message: null })
          .where('id', '=', job.id)
          .where('status', '=', 'running')
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) throw new JobNoLongerRunningError(job.id);
      }
    });
  }
}

/** The job was canceled (or otherwise finished) while its images were being stored. */
export class JobNoLongerRunningError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} is no longer running`);
    this.name = 'JobNoLongerRunningError';
  }
}
