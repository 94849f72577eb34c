import type { ImageStore } from '../ports/image-store.port.ts';
import type { InstanceRepository } from '../ports/instance.repository.port.ts';
import type { JobQueue } from '../ports/job-queue.port.ts';
import type { JobRepository } from '../ports/job.repository.port.ts';
import type { Clock } from '../ports/system.port.ts';
import type { NodeWriter } from './node-writer.ts';

/** A job whose instance went away while running it is tried this many times in all. */
export const MAX_ATTEMPTS = 3;
/** A temp file of the local store older than this belongs to a write that will never finish. */
const STALE_TEMP_FILE_MS = 60 * 60 * 1000;

export interface InstanceOptions {
  id: string;
  role: string;
  /** Alone with its database (SQLite, one process): every other instance is gone the moment this one starts. */
  exclusive: boolean;
  /** How long an instance lives without a heartbeat; its jobs are taken over after that. */
  ttlMs: number;
  heartbeatMs: number;
}

export interface InstanceDeps {
  instances: InstanceRepository;
  jobs: JobRepository;
  writer: NodeWriter;
  store: ImageStore;
  queue: JobQueue;
  clock: Clock;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/**
 * This process among the others that share the database: it keeps itself alive with heartbeats,
 * takes over the running jobs and unfinished files of instances that are gone, and hands its own
 * jobs back when it stops.
 */
export class InstanceService {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly deps: InstanceDeps,
    readonly options: InstanceOptions,
  ) {}

  get id(): string {
    return this.options.id;
  }

  async start(): Promise<void> {
    const { instances } = this.deps;
    await instances.register(this.describe());
    if (this.options.exclusive) await instances.removeAllExcept(this.id);
    const swept = await this.deps.store.sweepIncomplete(this.options.exclusive ? undefined : new Date(this.now().getTime() - STALE_TEMP_FILE_MS));
    if (swept > 0) this.deps.log.warn({ swept }, 'removed temp files of writes interrupted by a stop');
    await this.sweep();
    this.timer = setInterval(() => void this.tick(), this.options.heartbeatMs);
    this.timer.unref();
  }

  /** Stops the heartbeat, hands this instance's running jobs back to the queue and leaves. */
  async stop(): Promise<void> {
    this.halt();
    await this.sweeping;
    const { jobs, queue, instances, log } = this.deps;
    for (const job of await jobs.findRunningBy(this.id)) {
      if (await jobs.requeue(job.id, this.id)) {
        log.info({ jobId: job.id }, 'job handed back to the queue');
        await queue.enqueue(job.id);
      }
    }
    await instances.remove(this.id);
  }

  /** Stops the heartbeat and nothing else: what a crash leaves behind (for tests). */
  halt(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    try {
      const alive = await this.deps.instances.heartbeat(this.id, this.expiry());
      if (!alive) {
        // Another instance found this one expired (a stall longer than the TTL) and took over its jobs.
        this.deps.log.warn({ instance: this.id }, 'this instance was taken for gone; registering again');
        await this.deps.instances.register(this.describe());
      }
      await this.sweep();
    } catch (err) {
      this.deps.log.warn({ err }, 'instance heartbeat or sweep failed; trying again');
    }
  }

  /** Takes over what instances that are gone left: their running jobs and their unfinished files. */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const { instances, jobs, writer, queue, log } = this.deps;
    await instances.removeExpired(this.now());
    for (const job of await jobs.findOrphaned()) {
      if (job.attempts >= MAX_ATTEMPTS) {
        const failed = await jobs.finish(
          job.id,
          'failed',
          this.now().toISOString(),
          {
            code: 'interrupted',
            message: `The job was interrupted by a restart of ImageFlow ${job.attempts} times while running, so it was not tried again. Submit it again to retry.`,
          },
          job.worker_id,
        );
        if (failed) log.warn({ jobId: job.id }, 'interrupted job failed after too many attempts');
      } else if (await jobs.requeue(job.id, job.worker_id)) {
        log.info({ jobId: job.id, from: job.worker_id }, 'interrupted job queued again');
        await queue.enqueue(job.id);
      }
    }
    // A turn that never reached a worker (a queue message lost while Redis was down) must not strand a job.
    if (await jobs.hasQueuedBefore(new Date(this.now().getTime() - 2 * this.options.heartbeatMs).toISOString())) await queue.enqueue();
    const orphans = await writer.recoverPendingFiles();
    if (orphans > 0) log.warn({ orphans }, 'removed files of writes or deletes interrupted by a stop');
  }

  private describe() {
    return { id: this.id, role: this.options.role, startedAt: this.now(), expiresAt: this.expiry() };
  }

  private expiry(): Date {
    return new Date(this.now().getTime() + this.options.ttlMs);
  }

  private now(): Date {
    return this.deps.clock.now();
  }
}
