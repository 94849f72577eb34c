import { EventEmitter } from 'node:events';
import type { Job, JobEvent } from '@imageflow/shared';

/** In-process fan-out of job updates to event-stream subscribers. */
export class JobEvents {
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
}

export function eventFor(job: Job): JobEvent {
  switch (job.status) {
    case 'succeeded':
      return { type: 'completed', job };
    case 'failed':
      return { type: 'failed', job };
    case 'canceled':
      return { type: 'canceled', job };
    default:
      return { type: 'progress', job };
  }
}
