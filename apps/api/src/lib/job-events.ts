import type { Job, JobEvent } from '@imageflow/shared';

/** The event that tells a job's current state. */
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
