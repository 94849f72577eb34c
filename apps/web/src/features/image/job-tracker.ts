import type { Job, JobStatus } from '@imageflow/shared';
import { api } from '@/lib/api-client';

/** The part of EventSource the tracker uses, so tests can hand in a fake. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
  onerror: ((event: Event) => void) | null;
}

export interface JobTrackerDeps {
  /** Opens the job's event stream; null when EventSource is not available. */
  openEvents: (url: string) => EventSourceLike | null;
  eventsUrl: (jobId: string) => string;
  fetchJob: (jobId: string) => Promise<Job>;
  pollMs?: number;
  /** Consecutive failed polls before the tracker gives up on a job. */
  maxPollErrors?: number;
}

export interface TrackedJob {
  job: Job;
  /** What the person asked for, e.g. "Variation" or "Upscale ×2". */
  label: string;
}

export interface TrackCallbacks {
  /** Called once when the job succeeds, fails or is canceled. */
  onFinished?: (job: Job) => void;
  /** Called once if the job can no longer be followed (the server stopped answering). */
  onLost?: (error: unknown) => void;
}

const EVENT_TYPES = ['progress', 'completed', 'failed', 'canceled'] as const;
// Mirrors TERMINAL_STATUSES in @imageflow/shared, whose values would pull zod into the bundle.
const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

/**
 * Follows running jobs: their Server-Sent Events first, polling the job when the stream
 * is unavailable or breaks. Components read the running jobs through subscribe/getSnapshot.
 */
export function createJobTracker(deps: JobTrackerDeps) {
  const pollMs = deps.pollMs ?? 1000;
  const maxPollErrors = deps.maxPollErrors ?? 30;
  let snapshot: readonly TrackedJob[] = [];
  const listeners = new Set<() => void>();
  const stops = new Map<string, () => void>();

  const emit = () => {
    for (const listener of listeners) listener();
  };
  const upsert = (entry: TrackedJob) => {
    const at = snapshot.findIndex((t) => t.job.id === entry.job.id);
    snapshot = at < 0 ? [...snapshot, entry] : snapshot.map((t, i) => (i === at ? entry : t));
    emit();
  };
  const remove = (jobId: string) => {
    stops.get(jobId)?.();
    stops.delete(jobId);
    if (snapshot.some((t) => t.job.id === jobId)) {
      snapshot = snapshot.filter((t) => t.job.id !== jobId);
      emit();
    }
  };

  function track(job: Job, label: string, callbacks: TrackCallbacks = {}): void {
    if (stops.has(job.id)) return;
    let finished = false;
    let source: EventSourceLike | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pollErrors = 0;

    const update = (next: Job) => {
      if (finished) return;
      upsert({ job: next, label });
      if (TERMINAL_STATUSES.includes(next.status)) {
        finished = true;
        remove(next.id);
        callbacks.onFinished?.(next);
      }
    };

    const poll = () => {
      timer = setTimeout(async () => {
        if (finished) return;
        try {
          update(await deps.fetchJob(job.id));
          pollErrors = 0;
        } catch (error) {
          if (++pollErrors >= maxPollErrors) {
            finished = true;
            remove(job.id);
            callbacks.onLost?.(error);
            return;
          }
        }
        if (!finished) poll();
      }, pollMs);
    };

    const fallBackToPolling = () => {
      source?.close();
      source = null;
      if (!finished && timer === undefined) poll();
    };

    stops.set(job.id, () => {
      finished = true;
      source?.close();
      if (timer !== undefined) clearTimeout(timer);
    });
    upsert({ job, label });
    if (TERMINAL_STATUSES.includes(job.status)) {
      update(job);
      return;
    }

    source = deps.openEvents(deps.eventsUrl(job.id));
    if (!source) {
      poll();
      return;
    }
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        try {
          update(JSON.parse(event.data) as Job);
        } catch {
          fallBackToPolling();
        }
      });
    }
    // EventSource retries by itself; a break before the job ends switches to polling instead.
    source.onerror = () => {
      if (!finished) fallBackToPolling();
    };
  }

  return {
    track,
    /** Stops following a job (it keeps running on the server). */
    forget: remove,
    subscribe(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: (): readonly TrackedJob[] => snapshot,
  };
}

export type JobTracker = ReturnType<typeof createJobTracker>;

/** The app's tracker: jobs keep being followed when the page that started them unmounts. */
export const jobTracker: JobTracker = createJobTracker({
  openEvents: (url) => (typeof EventSource === 'undefined' ? null : (new EventSource(url) as unknown as EventSourceLike)),
  eventsUrl: api.jobEventsUrl,
  fetchJob: api.job,
});
