import { EventEmitter } from 'node:events';
import type { JobEvent } from '@imageflow/shared';
import type { JobEventBus, SubscribeOptions } from '../ports/job-events.port.ts';

const CANCEL = Symbol('cancel');

/** Job events within one process: the default, when API and worker are the same process. */
export class InProcessJobEvents implements JobEventBus {
  private readonly emitter = new EventEmitter();
  /** Live previews go on their own emitter, to the subscribers that asked for them. */
  private readonly previews = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
    this.previews.setMaxListeners(0);
  }

  publish(event: JobEvent): void {
    (event.type === 'preview' ? this.previews : this.emitter).emit(event.job.id, event);
  }

  subscribe(jobId: string, listener: (event: JobEvent) => void, options: SubscribeOptions = {}): () => void {
    this.emitter.on(jobId, listener);
    if (options.previews) this.previews.on(jobId, listener);
    return () => {
      this.emitter.off(jobId, listener);
      if (options.previews) this.previews.off(jobId, listener);
    };
  }

  wantsPreviews(jobId: string): boolean {
    return this.previews.listenerCount(jobId) > 0;
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
    this.previews.removeAllListeners();
  }
}
