import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { JobHandler, JobQueue, QueueContext } from '../ports/job-queue.port.ts';

const QUEUE_NAME = 'generations';
/** How long a submit waits for Redis to take a job id before answering anyway. */
const ENQUEUE_WAIT_MS = 2000;

export interface BullmqQueueOptions {
  redisUrl: string;
  /** Prefix of every Redis key, so that several installations (and tests) can share one Redis. */
  prefix: string;
}

/**
 * Carries job ids to worker processes over Redis with BullMQ. The jobs table stays the truth: a
 * worker claims the row before it runs it, so a message delivered twice (a worker that stalled,
 * a job handed back) runs nothing twice, and a job whose worker died is taken over through the
 * instance sweep, which enqueues it again.
 */
export class BullmqJobQueue implements JobQueue {
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly running = new Map<string, AbortController>();
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly context: QueueContext,
    private readonly options: BullmqQueueOptions,
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection(), prefix: options.prefix });
  }

  private connection(): ConnectionOptions {
    return { url: this.options.redisUrl, maxRetriesPerRequest: null };
  }

  /**
   * Hands the id to Redis. While Redis is down the message waits in the client's offline queue and
   * goes out when it is back; the caller is not kept waiting for that (the job row is already stored).
   */
  async enqueue(jobId: string): Promise<void> {
    const added = this.queue.add('run', { jobId }, { removeOnComplete: true, removeOnFail: true });
    added.catch((err) => this.context.onUnexpectedError(err, jobId));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([added, new Promise<void>((resolve) => (timer = setTimeout(resolve, ENQUEUE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  start(handler: JobHandler): void {
    this.worker = new Worker(
      QUEUE_NAME,
      async (message) => {
        const jobId = String((message.data as { jobId?: unknown }).jobId);
        const row = await this.context.jobs.claim(this.context.workerId, this.context.clock.now().toISOString(), jobId);
        // Canceled, already running elsewhere, or already done: nothing to run.
        if (!row) return;
        const controller = new AbortController();
        this.running.set(row.id, controller);
        try {
          await handler(row, { signal: controller.signal });
        } catch (err) {
          this.context.onUnexpectedError(err, row.id);
        } finally {
          this.running.delete(row.id);
          this.settleIdle();
        }
      },
      { connection: this.connection(), prefix: this.options.prefix, concurrency: this.context.concurrency },
    );
    this.worker.on('error', (err) => this.context.onUnexpectedError(err, '(queue)'));
  }

  abort(jobId: string, reason: Error): boolean {
    const controller = this.running.get(jobId);
    if (!controller) return false;
    controller.abort(reason);
    return true;
  }

  async stop(reason: Error): Promise<void> {
    for (const controller of this.running.values()) controller.abort(reason);
    // Waits for the processors, which return once their aborted jobs settle.
    await this.worker?.close();
    this.worker = null;
  }

  idle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }

  private settleIdle(): void {
    if (this.running.size > 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
