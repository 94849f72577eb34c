import type { ActionType, EditOps, JobStatus, ModelName, Spec } from '@imageflow/shared';
import type { RemoteHandle } from './provider.port.ts';

/** What a worker runs: the request resolved against its parent and the model defaults, seeds fixed. */
export interface GenerationPlan {
  action: ActionType;
  model: ModelName;
  prompt: string;
  negativePrompt: string;
  spec: Spec;
  parentId: number | null;
  upscale?: { factor: 2 | 4 };
  edit?: EditOps;
}

/** A generation job: what was asked, what runs, and how far it got. */
export interface JobRecord {
  id: string;
  status: JobStatus;
  progress: number;
  step: number | null;
  total_steps: number | null;
  action_type: ActionType;
  model: ModelName;
  /** The backend that runs it (for image operations, the builtin one). */
  provider: string;
  parent_id: number | null;
  /** The request as received. */
  request: Record<string, unknown>;
  /** The resolved recipe the worker runs (seeds fixed), so a re-run after a restart makes the same images. */
  plan: GenerationPlan;
  error: { code: string; message: string } | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The backend's handle of a submitted run, so a restart can follow it instead of running it again. */
  remote: RemoteHandle | null;
  /** The instance running the job; its job is taken over only once that instance is gone. */
  worker_id: string | null;
  /** Who asked for the job (e.g. "ip:203.0.113.7"): queued jobs are taken in turns across clients. */
  client_key: string;
  /** The user it belongs to; null in single-user mode. */
  owner_id: string | null;
  /** When it was moved to the front of its client's queued jobs (the latest move goes first); null: never. */
  front_at: string | null;
}

/** Which jobs a listing holds: one owner's (undefined: everyone's), in some states, newest first. */
export interface JobListFilter {
  ownerId: string | undefined;
  statuses: readonly JobStatus[] | undefined;
  limit: number;
  /** The last job of the previous page: the page starts after it. */
  after?: { createdAt: string; id: string };
}

/** Backend name → how many of its jobs may run at once across every worker; a backend not named has no limit. */
export type BackendLimits = Readonly<Record<string, number>>;

/**
 * Jobs, the source of truth in every mode. A running job names the instance running it
 * (`worker_id`); the calls a worker makes about its job hold only while the job is still its own.
 */
export interface JobRepository {
  insert(job: JobRecord): Promise<void>;
  findById(id: string): Promise<JobRecord | undefined>;
  /**
   * Atomically moves the fairest queued job to running for `workerId` and returns it, or nothing when
   * no queued job may start. Clients take turns: the next job is the oldest job of the client with
   * the fewest jobs running and waiting ahead of it, so one client's long batch does not hold back
   * another's single image. A job whose backend already runs its limit of jobs (on any worker) waits,
   * without holding back jobs for other backends.
   */
  claim(workerId: string, startedAt: string, limits: BackendLimits): Promise<JobRecord | undefined>;
  updateProgress(id: string, workerId: string, progress: number, step: number, totalSteps: number): Promise<void>;
  /**
   * Sets a final state unless the job already has one; with `workerId`, only while that instance
   * (null: no instance) runs it. Returns whether it changed.
   */
  finish(id: string, status: 'failed' | 'canceled', at: string, error?: { code: string; message: string }, workerId?: string | null): Promise<boolean>;
  /** Cancels a job only while it is queued (not once claimed). Returns whether it did. */
  cancelQueued(id: string, at: string, error: { code: string; message: string }): Promise<boolean>;
  /** Running jobs whose instance is gone (no live instance row names it). */
  findOrphaned(): Promise<JobRecord[]>;
  /** How many jobs of this owner are queued or running. */
  countActive(ownerId: string): Promise<number>;
  /** Whether a job queued before `at` is still queued. */
  hasQueuedBefore(at: string): Promise<boolean>;
  /** Running jobs of one instance. */
  findRunningBy(workerId: string): Promise<JobRecord[]>;
  /** Puts a running job back in the queue if `workerId` (null: nobody) still holds it; returns whether it did. */
  requeue(id: string, workerId: string | null): Promise<boolean>;
  setRemoteHandle(id: string, workerId: string, handle: RemoteHandle): Promise<void>;
  /** Jobs newest first (created_at, then id, descending). */
  list(filter: JobListFilter): Promise<JobRecord[]>;
  /**
   * The ids of one owner's (undefined: everyone's) queued jobs in the order each client's jobs start:
   * moved to the front latest first, then oldest first. (Clients take turns between those lists.)
   */
  queuedOrder(ownerId: string | undefined): Promise<string[]>;
  /** How many of one owner's (undefined: everyone's) jobs are queued and running. */
  countActiveByStatus(ownerId: string | undefined): Promise<{ queued: number; running: number }>;
  /** Moves a queued job to the front of its client's queue; returns whether it was still queued. */
  moveToFront(id: string, at: string): Promise<boolean>;
}
