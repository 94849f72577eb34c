import type { JobEvent } from '@imageflow/shared';

export interface SubscribeOptions {
  /** Also receive the job's live previews (an event stream shows them; a waiter has no use for them). */
  previews?: boolean;
}

/**
 * Job updates and cancels, from whichever process runs a job to whichever process serves its
 * client. Delivery is best effort: the jobs table stays the truth, and waiters also read it.
 */
export interface JobEventBus {
  /** Sends an event to the job's subscribers; a preview goes only to those that asked for previews. */
  publish(event: JobEvent): void;
  subscribe(jobId: string, listener: (event: JobEvent) => void, options?: SubscribeOptions): () => void;
  /**
   * Whether anyone, in any process, follows the job's live previews now. Where followers may be in
   * another process the answer can be a moment old (see the adapter); previews are skipped when false.
   */
  wantsPreviews(jobId: string): boolean;
  /** Asks whichever instance runs the job to stop it (its row is already final). */
  publishCancel(jobId: string): void;
  onCancel(listener: (jobId: string) => void): () => void;
  close(): Promise<void>;
}
