import type { JobHandler, JobQueue, QueueContext } from '../ports/job-queue.port.ts';

/**
 * Workers in this process that claim jobs from the durable jobs table, at most `concurrency` at
 * once. Jobs queued by this process wake them at once; with `pollMs`, they also look for jobs that
 * other processes sharing the database queued or handed back.
 */
export class InProcessJobQueue implements JobQueue {
  private handler: JobHandler | null = null;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private pumping: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private poller: NodeJS.Timeout | null = null;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly context: QueueContext,
    private readonly options: { pollMs: number | null },
  ) {}

  start(handler: JobHandler): void {
    this.handler = handler;
    this.stopped = false;
    if (this.options.pollMs !== null) {
      // Not unref'd: in a worker process this timer is what keeps the process waiting for jobs.
      this.poller = setInterval(() => this.wake(), this.options.pollMs);
    }
    this.wake();
  }

  async enqueue(): Promise<void> {
    this.wake();
  }

  private wake(): void {
    if (!this.handler || this.stopped) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump()
      .catch((err) => this.context.onUnexpectedError(err, '(claim)'))
      .finally(() => {
        this.pumping = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
        this.settleIdle();
      });
  }

  private async pump(): Promise<void> {
    const { jobs, clock, workerId, limits, concurrency } = this.context;
    while (!this.stopped && this.running.size < concurrency) {
      const job = await jobs.claim(workerId, clock.now().toISOString(), limits);
      if (!job) return;
      const controller = new AbortController();
      const done = this.handler!(job, { signal: controller.signal })
        .catch((err) => this.context.onUnexpectedError(err, job.id))
        .finally(() => {
          this.running.delete(job.id);
          this.wake();
          this.settleIdle();
        });
      this.running.set(job.id, { controller, done });
    }
  }

  abort(jobId: string, reason: Error): boolean {
    const entry = this.running.get(jobId);
    if (!entry) return false;
    entry.controller.abort(reason);
    return true;
  }

  async stop(reason: Error): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    // A claim in flight may still start a job: wait for it, so that job is stopped too and handed back with the rest.
    await this.pumping;
    const entries = [...this.running.values()];
    for (const entry of entries) entry.controller.abort(reason);
    await Promise.all(entries.map((e) => e.done));
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {}

  private isIdle(): boolean {
    return this.running.size === 0 && this.pumping === null;
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
