import type { Clock } from '../ports/system.port.ts';
import type { JobRepository } from '../ports/job.repository.port.ts';
import type { JobHandler, JobQueue } from '../ports/job-queue.port.ts';

export class ShutdownError extends Error {
  override name = 'ShutdownError';
  constructor() {
    super('ImageFlow is shutting down; the job will run again after the restart.');
  }
}

/** Workers in this process that claim jobs from the durable jobs table, at most `concurrency` at once. */
export class InProcessJobQueue implements JobQueue {
  private handler: JobHandler | null = null;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private pumping = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly jobs: JobRepository,
    private readonly clock: Clock,
    private readonly concurrency: number,
    private readonly onUnexpectedError: (err: unknown, jobId: string) => void,
  ) {}

  start(handler: JobHandler): void {
    this.handler = handler;
    this.stopped = false;
    this.notify();
  }

  notify(): void {
    if (!this.handler || this.stopped || this.pumping) return;
    this.pumping = true;
    void this.pump().finally(() => {
      this.pumping = false;
      this.settleIdle();
    });
  }

  private async pump(): Promise<void> {
    while (!this.stopped && this.running.size < this.concurrency) {
      const job = await this.jobs.claimNext(this.clock.now().toISOString());
      if (!job) return;
      const controller = new AbortController();
      const done = this.handler!(job, { signal: controller.signal })
        .catch((err) => this.onUnexpectedError(err, job.id))
        .finally(() => {
          this.running.delete(job.id);
          this.notify();
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

  async stop(): Promise<void> {
    this.stopped = true;
    const entries = [...this.running.values()];
    for (const entry of entries) entry.controller.abort(new ShutdownError());
    await Promise.all(entries.map((e) => e.done));
  }

  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.running.size === 0 && !this.pumping;
  }

  private settleIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
