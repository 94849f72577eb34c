import type { JobsTable } from '../db/schema.ts';

export type JobRow = JobsTable;

export interface JobRepository {
  insert(job: JobRow): Promise<void>;
  findById(id: string): Promise<JobRow | undefined>;
  /** Atomically moves the oldest queued job to running and returns it. */
  claimNext(startedAt: string): Promise<JobRow | undefined>;
  updateProgress(id: string, progress: number, step: number, totalSteps: number): Promise<void>;
  /** Sets a final state unless the job already has one; returns whether it changed. */
  finish(id: string, status: 'failed' | 'canceled', at: string, error?: { code: string; message: string }): Promise<boolean>;
  /** Jobs left `running` by a process that stopped. */
  findRunning(): Promise<JobRow[]>;
  requeue(id: string): Promise<void>;
  setRemoteHandle(id: string, handleJson: string): Promise<void>;
}
