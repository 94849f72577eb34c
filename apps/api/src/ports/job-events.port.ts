import type { JobEvent } from '@imageflow/shared';

/**
 * Job updates and cancels, from whichever process runs a job to whichever process serves its
 * client. Delivery is best effort: the jobs table stays the truth, and waiters also read it.
 */
export interface JobEventBus {
  publish(event: JobEvent): void;
  subscribe(jobId: string, listener: (event: JobEvent) => void): () => void;
  /** Asks whichever instance runs the job to stop it (its row is already final). */
  publishCancel(jobId: string): void;
  onCancel(listener: (jobId: string) => void): () => void;
  close(): Promise<void>;
}
