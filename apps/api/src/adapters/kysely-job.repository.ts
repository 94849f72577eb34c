import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { isSqlite } from '../db/dialect.ts';
import type { JobsTable } from '../db/schema.ts';
import type { BackendLimits, GenerationPlan, JobListFilter, JobRecord, JobRepository } from '../ports/job.repository.port.ts';
import type { RemoteHandle } from '../ports/provider.port.ts';

/** The PostgreSQL advisory lock that makes claims take turns (an arbitrary constant: "ImgF"). */
const CLAIM_LOCK = 0x496d6746;
/** How often a PostgreSQL claim picks again when its pick was canceled under it. */
const CLAIM_TRIES = 5;

export class KyselyJobRepository implements JobRepository {
  private readonly sqlite: boolean;

  constructor(private readonly db: Db) {
    this.sqlite = isSqlite(db);
  }

  async insert(job: JobRecord) {
    await this.db.insertInto('jobs').values(toRow(job)).execute();
  }

  async findById(id: string) {
    // No stored id holds a NUL, and PostgreSQL refuses one in any text it is sent.
    if (id.includes('\0')) return undefined;
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  /**
   * SQLite: one UPDATE whose subquery picks the job; SQLite runs one writer at a time, so the pick
   * and the update cannot interleave with another claim. PostgreSQL: concurrent claimers would each
   * count the same running jobs and overrun a backend's limit, so claims take turns under an advisory
   * lock (a claim is one short transaction), and a pick canceled in between is picked again.
   */
  async claim(workerId: string, startedAt: string, limits: BackendLimits) {
    if (this.sqlite) return this.start(this.db, sql<string>`(${fairestQueued(limits)})`, workerId, startedAt);
    return this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${sql.lit(CLAIM_LOCK)})`.execute(trx);
      for (let i = 0; i < CLAIM_TRIES; i++) {
        const pick = (await fairestQueued(limits).execute(trx)).rows[0];
        if (!pick) return undefined;
        const job = await this.start(trx, pick.id, workerId, startedAt);
        if (job) return job;
      }
      return undefined;
    });
  }

  private async start(db: Db, id: string | ReturnType<typeof sql<string>>, workerId: string, startedAt: string) {
    const row = await db
      .updateTable('jobs')
      .set((eb) => ({ status: 'running', started_at: startedAt, attempts: eb('attempts', '+', 1), worker_id: workerId }))
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async updateProgress(id: string, workerId: string, progress: number, step: number, totalSteps: number) {
    await this.db
      .updateTable('jobs')
      .set({ progress, step, total_steps: totalSteps })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('worker_id', '=', workerId)
      .execute();
  }

  async finish(id: string, status: 'failed' | 'canceled', at: string, error?: { code: string; message: string }, workerId?: string | null) {
    let query = this.db
      .updateTable('jobs')
      .set({ status, finished_at: at, error_code: error?.code ?? null, error_message: error?.message ?? null })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running']);
    if (workerId !== undefined) query = query.where('status', '=', 'running').where('worker_id', workerId === null ? 'is' : '=', workerId);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async cancelQueued(id: string, at: string, error: { code: string; message: string }) {
    const result = await this.db
      .updateTable('jobs')
      .set({ status: 'canceled', finished_at: at, error_code: error.code, error_message: error.message })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async findOrphaned() {
    const rows = await this.db
      .selectFrom('jobs')
      .selectAll()
      .where('status', '=', 'running')
      .where((eb) => eb.or([eb('worker_id', 'is', null), eb.not(eb.exists(eb.selectFrom('instances').select('id').whereRef('instances.id', '=', 'jobs.worker_id')))]))
      .execute();
    return rows.map(toRecord);
  }

  async countActive(ownerId: string) {
    const row = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('owner_id', '=', ownerId)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async hasQueuedBefore(at: string) {
    const row = await this.db.selectFrom('jobs').select('id').where('status', '=', 'queued').where('created_at', '<', at).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  async findRunningBy(workerId: string) {
    const rows = await this.db.selectFrom('jobs').selectAll().where('status', '=', 'running').where('worker_id', '=', workerId).execute();
    return rows.map(toRecord);
  }

  async setRemoteHandle(id: string, workerId: string, handle: RemoteHandle) {
    await this.db.updateTable('jobs').set({ remote_json: JSON.stringify(handle) }).where('id', '=', id).where('worker_id', '=', workerId).execute();
  }

  async requeue(id: string, workerId: string | null) {
    const result = await this.db
      .updateTable('jobs')
      .set({ status: 'queued', progress: 0, step: null, started_at: null, worker_id: null })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('worker_id', workerId === null ? 'is' : '=', workerId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async list(filter: JobListFilter) {
    let query = this.db.selectFrom('jobs').selectAll();
    if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
    if (filter.statuses !== undefined) query = query.where('status', 'in', [...filter.statuses]);
    const after = filter.after;
    if (after) {
      query = query.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
    return rows.map(toRecord);
  }

  async queuedOrder(ownerId: string | undefined) {
    let query = this.db.selectFrom('jobs').select('id').where('status', '=', 'queued');
    if (ownerId !== undefined) query = query.where('owner_id', '=', ownerId);
    const rows = await query.orderBy(sql`COALESCE(front_at, '')`, 'desc').orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  async countActiveByStatus(ownerId: string | undefined) {
    let query = this.db
      .selectFrom('jobs')
      .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
      .where('status', 'in', ['queued', 'running']);
    if (ownerId !== undefined) query = query.where('owner_id', '=', ownerId);
    const rows = await query.groupBy('status').execute();
    const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    return { queued: count('queued'), running: count('running') };
  }

  async moveToFront(id: string, at: string) {
    const result = await this.db.updateTable('jobs').set({ front_at: at }).where('id', '=', id).where('status', '=', 'queued').executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}

function toRecord(row: JobsTable): JobRecord {
  return {
    id: row.id,
    status: row.status as JobRecord['status'],
    // PostgreSQL's real comes back as a number; integers may come back as strings from a bigint.
    progress: Number(row.progress),
    step: row.step === null ? null : Number(row.step),
    total_steps: row.total_steps === null ? null : Number(row.total_steps),
    action_type: row.action_type as JobRecord['action_type'],
    model: row.model as JobRecord['model'],
    provider: row.provider,
    parent_id: row.parent_id === null ? null : Number(row.parent_id),
    request: JSON.parse(row.request_json) as Record<string, unknown>,
    plan: JSON.parse(row.plan_json) as GenerationPlan,
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    attempts: Number(row.attempts),
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    remote: row.remote_json === null ? null : (JSON.parse(row.remote_json) as RemoteHandle),
    worker_id: row.worker_id,
    client_key: row.client_key,
    owner_id: row.owner_id,
    front_at: row.front_at,
  };
}

function toRow(job: JobRecord): JobsTable {
  return {
    id: job.id,
    status: job.status,
    progress: job.progress,
    step: job.step,
    total_steps: job.total_steps,
    action_type: job.action_type,
    model: job.model,
    provider: job.provider,
    parent_id: job.parent_id,
    request_json: JSON.stringify(job.request),
    plan_json: JSON.stringify(job.plan),
    error_code: job.error?.code ?? null,
    error_message: job.error?.message ?? null,
    attempts: job.attempts,
    created_at: job.created_at,
    started_at: job.started_at,
    finished_at: job.finished_at,
    remote_json: job.remote === null ? null : JSON.stringify(job.remote),
    worker_id: job.worker_id,
    client_key: job.client_key,
    owner_id: job.owner_id,
    front_at: job.front_at,
  };
}

/**
 * The id of the queued job to start next: clients take turns (round-robin), so the pick is the next
 * job of the client whose last job started longest ago (one never served first; then the one waiting
 * longest). A client's next job is the one it moved to the front last, else its oldest. Jobs of a
 * backend that already runs its limit are passed over.
 */
function fairestQueued(limits: BackendLimits) {
  const limited = Object.entries(limits);
  const mayStart =
    limited.length === 0
      ? sql``
      : sql`AND provider NOT IN (
          SELECT provider FROM jobs WHERE status = 'running' GROUP BY provider
          HAVING count(*) >= CASE provider ${sql.join(limited.map(([name, limit]) => sql`WHEN ${name} THEN CAST(${limit} AS integer)`), sql` `)} END)`;
  return sql<{ id: string }>`
    SELECT id FROM jobs
    WHERE status = 'queued' ${mayStart}
      AND client_key = (
        SELECT c.client_key FROM (SELECT DISTINCT client_key FROM jobs WHERE status = 'queued' ${mayStart}) c
        ORDER BY
          COALESCE((SELECT max(s.started_at) FROM jobs s WHERE s.client_key = c.client_key), ''),
          (SELECT min(w.created_at) FROM jobs w WHERE w.status = 'queued' AND w.client_key = c.client_key),
          c.client_key
        LIMIT 1)
    ORDER BY COALESCE(front_at, '') DESC, created_at, id
    LIMIT 1`;
}
