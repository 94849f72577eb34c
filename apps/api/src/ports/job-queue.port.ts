import type { BackendLimits, JobRepository, JobRecord } from './job.repository.port.ts';
import type { Clock } from './system.port.ts';

export interface JobContext {
  signal: AbortSignal;
}

export type JobHandler = (job: JobRecord, context: JobContext) => Promise<void>;

/**
 * Carries queued jobs to workers. The jobs table is the source of truth; a queue only decides
 * which worker runs which job when, and a worker claims the row before it runs it.
 */
export interface JobQueue {
  /**
   * A queued job row now exists (or exists again), or a backend slot came free: have a worker claim
   * the fairest queued job. `jobId` names the job that caused it (for logs); the claim decides.
   */
  enqueue(jobId?: string): Promise<void>;
  /** Runs jobs in this process with `handler`. */
  start(handler: JobHandler): void;
  /** Aborts the job if it is running in this process; returns whether it was. */
  abort(jobId: string, reason: Error): boolean;
  /** Stops taking jobs, aborts the running ones with `reason` and waits for them to settle. */
  stop(reason: Error): Promise<void>;
  /** Resolves when no job is queued or running in this process (for tests and shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** What a queue needs from the app: the jobs to claim, and who claims them. */
export interface QueueContext {
  jobs: JobRepository;
  clock: Clock;
  workerId: string;
  concurrency: number;
  /** How many jobs each backend may run at once across every worker. */
  limits: BackendLimits;
  onUnexpectedError: (err: unknown, jobId: string) => void;
}
