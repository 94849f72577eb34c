import { EventEmitter } from 'node:events';
import type { JobEvent } from '@imageflow/shared';
import type { JobEventBus } from '../ports/job-events.port.ts';

const CANCEL = Symbol('cancel');

/** Job events within one process: the default, when API and worker are the same process. */
export class InProcessJobEvents implements JobEventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  publish(event: JobEvent): void {
    this.emitter.emit(event.job.id, event);
  }

  subscribe(jobId: string, listener: (event: JobEvent) => void): () => void {
    this.emitter.on(jobId, listener);
    return () => this.emitter.off(jobId, listener);
  }

  publishCancel(jobId: string): void {
    this.emitter.emit(CANCEL, jobId);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    this.emitter.on(CANCEL, listener);
    return () => this.emitter.off(CANCEL, listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
