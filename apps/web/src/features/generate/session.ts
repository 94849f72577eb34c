import { useSyncExternalStore } from 'react';
import type { GenerationRequest, ImageNode, Job, JobStatus } from '@imageflow/shared';

/** One press of Generate in this browser tab: what was asked and, once it ends, what came back. */
export interface Run {
  jobId: string;
  request: GenerationRequest;
  submittedAt: number;
  status: JobStatus;
  images: ImageNode[];
  error: string | null;
}

const MAX_RUNS = 20;

// Module state, so results and a running job survive a visit to another screen and back.
let runs: readonly Run[] = [];
const listeners = new Set<() => void>();

function emit(next: readonly Run[]) {
  runs = next;
  for (const l of listeners) l();
}

export const generateSession = {
  runs: () => runs,
  start(job: Job, request: GenerationRequest, now = Date.now()): void {
    const run: Run = { jobId: job.id, request, submittedAt: now, status: job.status, images: [], error: null };
    emit([run, ...runs.filter((r) => r.jobId !== job.id)].slice(0, MAX_RUNS));
  },
  /** Records how a job ended; false when it was already recorded (e.g. seen again after remounting). */
  settle(job: Job): boolean {
    const run = runs.find((r) => r.jobId === job.id);
    if (!run || run.status === job.status) return false;
    const settled: Run = { ...run, status: job.status, images: job.images, error: job.error?.message ?? null };
    emit(runs.map((r) => (r.jobId === job.id ? settled : r)));
    return true;
  },
  /** Marks a run failed when its job can no longer be followed; false if it had already ended. */
  fail(jobId: string, message: string): boolean {
    const run = runs.find((r) => r.jobId === jobId);
    if (!run || !isActiveRun(run)) return false;
    emit(runs.map((r) => (r.jobId === jobId ? { ...r, status: 'failed' as const, error: message } : r)));
    return true;
  },
  reset(): void {
    emit([]);
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function useGenerateSession(): readonly Run[] {
  return useSyncExternalStore(generateSession.subscribe, generateSession.runs, generateSession.runs);
}

export function isActiveRun(run: Run | undefined): boolean {
  return run !== undefined && (run.status === 'queued' || run.status === 'running');
}
