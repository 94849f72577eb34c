import type { JobsTable } from '../db/schema.ts';

export type JobRow = JobsTable;

/**
 * Jobs, the source of truth in every mode. A running job names the instance running it
 * (`worker_id`); the calls a worker makes about its job hold only while the job is still its own.
 */
export interface JobRepository {
  insert(job: JobRow): Promise<void>;
  findById(id: string): Promise<JobRow | undefined>;
  /**
   * Atomically moves a queued job to running for `workerId` and returns it: the job `id` when given
   * (a queue that carries ids), else the oldest queued job.
   */
  claim(workerId: string, startedAt: string, id?: string): Promise<JobRow | undefined>;
  updateProgress(id: string, workerId: string, progress: number, step: number, totalSteps: number): Promise<void>;
  /**
   * Sets a final state unless the job already has one; with `workerId`, only while that instance
   * (null: no instance) runs it. Returns whether it changed.
   */
  finish(id: string, status: 'failed' | 'canceled', at: string, error?: { code: string; message: string }, workerId?: string | null): Promise<boolean>;
  /** Running jobs whose instance is gone (no live instance row names it). */
  findOrphaned(): Promise<JobRow[]>;
  /** Running jobs of one instance. */
  findRunningBy(workerId: string): Promise<JobRow[]>;
  /** Puts a running job back in the queue if `workerId` (null: nobody) still holds it; returns whether it did. */
  requeue(id: string, workerId: string | null): Promise<boolean>;
  setRemoteHandle(id: string, workerId: string, handleJson: string): Promise<void>;
}
