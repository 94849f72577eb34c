import type { Db } from '../db/database.ts';
import { isSqlite } from '../db/dialect.ts';
import type { JobRepository, JobRow } from '../ports/job.repository.port.ts';

export class KyselyJobRepository implements JobRepository {
  private readonly sqlite: boolean;

  constructor(private readonly db: Db) {
    this.sqlite = isSqlite(db);
  }

  async insert(job: JobRow) {
    await this.db.insertInto('jobs').values(job).execute();
  }

  async findById(id: string) {
    // No stored id holds a NUL, and PostgreSQL refuses one in any text it is sent.
    if (id.includes('\0')) return undefined;
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  claim(workerId: string, startedAt: string, id?: string) {
    return this.db
      .updateTable('jobs')
      .set((eb) => ({ status: 'running', started_at: startedAt, attempts: eb('attempts', '+', 1), worker_id: workerId }))
      .where('id', '=', (eb) => {
        const queued = eb.selectFrom('jobs').select('id').where('status', '=', 'queued');
        const next = (id === undefined ? queued : queued.where('id', '=', id)).orderBy('created_at').orderBy('id').limit(1);
        // SQLite runs one writer at a time, so the pick and the update cannot interleave. On
        // PostgreSQL, concurrent claimers would all pick the same oldest job and all but one would
        // come back empty-handed: each locks its pick and the others skip locked rows.
        return this.sqlite ? next : next.forUpdate().skipLocked();
      })
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
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

  findOrphaned() {
    return this.db
      .selectFrom('jobs')
      .selectAll()
      .where('status', '=', 'running')
      .where((eb) => eb.or([eb('worker_id', 'is', null), eb.not(eb.exists(eb.selectFrom('instances').select('id').whereRef('instances.id', '=', 'jobs.worker_id')))]))
      .execute();
  }

  findRunningBy(workerId: string) {
    return this.db.selectFrom('jobs').selectAll().where('status', '=', 'running').where('worker_id', '=', workerId).execute();
  }

  async setRemoteHandle(id: string, workerId: string, handleJson: string) {
    await this.db.updateTable('jobs').set({ remote_json: handleJson }).where('id', '=', id).where('worker_id', '=', workerId).execute();
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
}
