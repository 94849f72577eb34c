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
 * Wakes worker processes over Redis with BullMQ. The jobs table stays the truth: each message is a
 * turn to claim the fairest queued job (not necessarily the one whose submit sent it), so clients
 * take turns and backend limits hold across workers. A message that finds nothing to claim is
 * dropped; a job that ends sends one, since its backend slot came free. A message delivered twice
 * (a worker that stalled) runs nothing twice, and a job whose worker died is taken over through
 * the instance sweep, which sends one again.
 */
export class BullmqJobQueue implements JobQueue {
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private readonly running = new Map<string, AbortController>();
  private idleWaiters: Array<() => void> = [];
  private stopping = false;

  constructor(
    private readonly context: QueueContext,
    private readonly options: BullmqQueueOptions,
  ) {
    this.queue = new Queue(QUEUE_NAME, { connection: this.connection(), prefix: options.prefix });
    // Redis down: the client reconnects by itself; say so in the log instead of on the console.
    this.queue.on('error', (err) => this.context.onUnexpectedError(err, '(queue)'));
  }

  private connection(): ConnectionOptions {
    return { url: this.options.redisUrl, maxRetriesPerRequest: null };
  }

  /**
   * Hands a turn to Redis. While Redis is down the message waits in the client's offline queue and
   * goes out when it is back; the caller is not kept waiting for that (the job row is already stored).
   */
  async enqueue(jobId?: string): Promise<void> {
    const added = this.queue.add('run', { jobId: jobId ?? null }, { removeOnComplete: true, removeOnFail: true });
    added.catch((err) => this.context.onUnexpectedError(err, jobId ?? '(wake)'));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([added, new Promise<void>((resolve) => (timer = setTimeout(resolve, ENQUEUE_WAIT_MS)))]);
    clearTimeout(timer);
  }

  start(handler: JobHandler): void {
    const { jobs, workerId, clock, limits } = this.context;
    this.worker = new Worker(
      QUEUE_NAME,
      async () => {
        const row = await jobs.claim(workerId, clock.now().toISOString(), limits);
        // Nothing queued, or every queued job waits for a busy backend: the job holding it sends a turn when it ends.
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
        // Its backend slot is free: a job that waited for it gets a turn (a stopping worker hands its job back, which sends one).
        if (!this.stopping) await this.enqueue(row.id);
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
    this.stopping = true;
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
