import { useEffect, useRef, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { Job, JobStatus } from '@imageflow/shared';
import { api } from '@/lib/api-client';
import { applyCompletedJob, jobQueryKey } from './api';

const TERMINAL: ReadonlySet<JobStatus> = new Set<JobStatus>(['succeeded', 'failed', 'canceled']);
export const JOB_EVENT_TYPES = ['progress', 'completed', 'failed', 'canceled'] as const;
export const POLL_INTERVAL_MS = 1000;

export function isTerminalJob(job: Job | undefined): boolean {
  return job !== undefined && TERMINAL.has(job.status);
}

export interface JobEventsState {
  /** The latest state of the job, from the event stream (or polling), cached under ['job', id]. */
  job: Job | undefined;
  /** How updates arrive: 'stream' (Server-Sent Events) or 'polling' after the stream failed. */
  transport: 'stream' | 'polling' | 'idle';
  /** Set when polling fails too (e.g. the job no longer exists). */
  error: Error | null;
  /** The latest live preview (a data URL) a remote backend sent while the job runs. */
  preview: string | null;
}

export interface JobEventsOptions {
  /** Called once when the job ends (succeeded, failed or canceled), after the caches are updated. */
  onSettled?: (job: Job) => void;
}

/**
 * Follows a job: its Server-Sent Events (progress | completed | failed | canceled, each carrying the
 * job), falling back to polling GET /api/generations/:id every second if the stream breaks before
 * the job ends. The stream is closed on a terminal event and on unmount. On success the gallery,
 * lineage and parent queries are invalidated and each new node is cached under ['image', id].
 */
export function useJobEvents(jobId: string | null, options: JobEventsOptions = {}): JobEventsState {
  const queryClient = useQueryClient();
  const [pollingJobId, setPollingJobId] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ jobId: string; url: string } | null>(null);
  const polling = jobId !== null && pollingJobId === jobId;

  const query = useQuery({
    queryKey: jobQueryKey(jobId ?? ''),
    queryFn: () => api.job(jobId!),
    enabled: polling,
    staleTime: 0,
    refetchInterval: (q) => (isTerminalJob(q.state.data) ? false : POLL_INTERVAL_MS),
  });
  const job = jobId ? query.data : undefined;

  useEffect(() => {
    if (!jobId) return;
    if (isTerminalJob(queryClient.getQueryData<Job>(jobQueryKey(jobId)))) return;
    if (typeof EventSource === 'undefined') {
      setPollingJobId(jobId);
      return;
    }
    const source = new EventSource(api.jobEventsUrl(jobId));
    let ended = false;
    const onEvent = (event: MessageEvent<string>) => {
      let next: Job;
      try {
        next = JSON.parse(event.data) as Job;
      } catch {
        return;
      }
      queryClient.setQueryData(jobQueryKey(jobId), next);
      if (TERMINAL.has(next.status)) {
        ended = true;
        source.close();
      }
    };
    for (const type of JOB_EVENT_TYPES) source.addEventListener(type, onEvent as EventListener);
    source.addEventListener('preview', ((event: MessageEvent<string>) => {
      try {
        const { data_url } = JSON.parse(event.data) as { data_url: string };
        setPreview({ jobId, url: data_url });
      } catch {
        // A malformed preview is not worth interrupting the run for.
      }
    }) as EventListener);
    source.onerror = () => {
      if (ended) return;
      // EventSource would reconnect on its own; a plain poll is more predictable behind proxies.
      source.close();
      setPollingJobId(jobId);
    };
    return () => source.close();
  }, [jobId, queryClient]);

  const onSettledRef = useRef(options.onSettled);
  useEffect(() => {
    onSettledRef.current = options.onSettled;
  });
  const settledJobId = useRef<string | null>(null);
  useEffect(() => {
    if (!job || !isTerminalJob(job) || settledJobId.current === job.id) return;
    settledJobId.current = job.id;
    if (job.status === 'succeeded') applyCompletedJob(queryClient, job);
    onSettledRef.current?.(job);
  }, [job, queryClient]);

  return {
    job,
    transport: !jobId || isTerminalJob(job) ? 'idle' : polling ? 'polling' : 'stream',
    error: polling ? query.error : null,
    preview: preview && preview.jobId === jobId && !isTerminalJob(job) ? preview.url : null,
  };
}
