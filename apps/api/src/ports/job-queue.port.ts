import type { JobRow } from './job.repository.port.ts';

export interface JobContext {
  signal: AbortSignal;
}

export type JobHandler = (job: JobRow, context: JobContext) => Promise<void>;

/** Runs queued jobs. The jobs table is the source of truth; the queue only decides when each runs. */
export interface JobQueue {
  /** A queued job row now exists: run it when a worker is free. */
  notify(): void;
  /** Aborts the job if it is running here; returns whether it was. */
  abort(jobId: string, reason: Error): boolean;
  start(handler: JobHandler): void;
  /** Stops taking jobs, aborts the running ones and waits for them to settle. */
  stop(): Promise<void>;
  /** Resolves when no job is queued or running here (for tests and shutdown). */
  idle(): Promise<void>;
}
