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
  /** Found on the server when the tab (re)opened, not started here: shown and followed, but it does not hold back Generate. */
  restored?: boolean;
}

const MAX_RUNS = 20;

// Module state, so results and a running job survive a visit to another screen and back.
let runs: readonly Run[] = [];
// Whether this page load has taken in the jobs the server kept (see `restore`).
let restoredFromServer = false;
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
  /** Whether the tab has no runs and has not yet taken in the jobs the server kept: a reload, or a first visit. */
  wantsRestore(): boolean {
    return !restoredFromServer && runs.length === 0;
  },
  /**
   * Takes in jobs the server kept (newest first), so a reload keeps the results: each becomes a run
   * beside those the tab already has (none is replaced), newest first; once per page load. Jobs
   * without a prompt (an upscale, an edit) were not made here and are left out.
   */
  restore(jobs: readonly Job[]): void {
    if (restoredFromServer) return;
    restoredFromServer = true;
    const known = new Set(runs.map((r) => r.jobId));
    const found = jobs.filter((job) => !known.has(job.id) && typeof job.request.prompt === 'string' && job.request.prompt.trim() !== '').map(runFromJob);
    if (found.length === 0) return;
    emit([...runs, ...found].sort((a, b) => b.submittedAt - a.submittedAt).slice(0, MAX_RUNS));
  },
  reset(): void {
    restoredFromServer = false;
    emit([]);
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

function runFromJob(job: Job): Run {
  const submittedAt = Date.parse(job.created_at);
  return {
    jobId: job.id,
    request: job.request as GenerationRequest,
    submittedAt: Number.isNaN(submittedAt) ? 0 : submittedAt,
    status: job.status,
    images: job.images,
    error: job.error?.message ?? null,
    restored: true,
  };
}

export function useGenerateSession(): readonly Run[] {
  return useSyncExternalStore(generateSession.subscribe, generateSession.runs, generateSession.runs);
}

export function isActiveRun(run: Run | undefined): boolean {
  return run !== undefined && (run.status === 'queued' || run.status === 'running');
}
