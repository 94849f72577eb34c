import type { Db } from '../db/database.ts';
import type { JobRepository, JobRow } from '../ports/job.repository.port.ts';

export class KyselyJobRepository implements JobRepository {
  constructor(private readonly db: Db) {}

  async insert(job: JobRow) {
    await this.db.insertInto('jobs').values(job).execute();
  }

  findById(id: string) {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
  }

  claimNext(startedAt: string) {
    return this.db
      .updateTable('jobs')
      .set((eb) => ({ status: 'running', started_at: startedAt, attempts: eb('attempts', '+', 1) }))
      .where('id', '=', (eb) =>
        eb.selectFrom('jobs').select('id').where('status', '=', 'queued').orderBy('created_at').orderBy('id').limit(1),
      )
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
  }

  async updateProgress(id: string, progress: number, step: number, totalSteps: number) {
    await this.db
      .updateTable('jobs')
      .set({ progress, step, total_steps: totalSteps })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
  }

  async finish(id: string, status: 'failed' | 'canceled', at: string, error?: { code: string; message: string }) {
    const result = await this.db
      .updateTable('jobs')
      .set({ status, finished_at: at, error_code: error?.code ?? null, error_message: error?.message ?? null })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  findRunning() {
    return this.db.selectFrom('jobs').selectAll().where('status', '=', 'running').execute();
  }

  async setRemoteHandle(id: string, handleJson: string) {
    await this.db.updateTable('jobs').set({ remote_json: handleJson }).where('id', '=', id).execute();
  }

  async requeue(id: string) {
    await this.db
      .updateTable('jobs')
      .set({ status: 'queued', progress: 0, step: null, started_at: null })
      .where('id', '=', id)
      .execute();
  }
}
