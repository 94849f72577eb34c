import { infiniteQueryOptions, queryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { Job, JobStatus } from '@imageflow/shared';
import { api, ApiError, type JobPage } from '@/lib/api-client';
import { jobQueryKey } from '@/features/generate/api';

/** Every list of jobs (the queue, the recent ones, the header's count) sits under this key. */
export const generationsKey = ['generations'] as const;

export const ACTIVE_STATUSES: readonly JobStatus[] = ['queued', 'running'];
export const FINISHED_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

/** The most queued and running jobs the Queue page reads at once. */
export const ACTIVE_LIMIT = 200;
/** Finished jobs per page of the Queue's "Recent". */
export const RECENT_PAGE_SIZE = 20;

/** How often the lists are read again while jobs are queued or running, and while none are. */
export const BUSY_REFRESH_MS = 2000;
export const IDLE_REFRESH_MS = 15_000;

export function activeCount(page: JobPage | undefined): number {
  return page ? page.counts.queued + page.counts.running : 0;
}

const refreshWhileBusy = (page: JobPage | undefined) => (activeCount(page) > 0 ? BUSY_REFRESH_MS : IDLE_REFRESH_MS);

/** GET /api/generations?status=queued,running: what waits and what runs, with each queued job's place in line. */
export function activeJobsQueryOptions() {
  return queryOptions({
    queryKey: [...generationsKey, 'active'],
    queryFn: () => api.jobs({ status: ACTIVE_STATUSES, limit: ACTIVE_LIMIT }),
    staleTime: 0,
    refetchInterval: (q) => refreshWhileBusy(q.state.data),
  });
}

export function useActiveJobs() {
  return useQuery(activeJobsQueryOptions());
}

/** GET /api/generations?status=succeeded,failed,canceled: the jobs that ended, newest first, paged. */
export function recentJobsQueryOptions() {
  return infiniteQueryOptions({
    queryKey: [...generationsKey, 'recent'],
    queryFn: ({ pageParam }) => api.jobs({ status: FINISHED_STATUSES, limit: RECENT_PAGE_SIZE, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    staleTime: 0,
    refetchInterval: (q) => refreshWhileBusy(q.state.data?.pages[0]),
  });
}

export function useRecentJobs() {
  return useInfiniteQuery(recentJobsQueryOptions());
}

/**
 * How many of my jobs are queued and running, for the header: read often while some are, rarely
 * otherwise (a submit reads it again at once), and when the window comes back into focus.
 */
export function useActiveJobCount(): number {
  const { data } = useQuery({
    queryKey: [...generationsKey, 'count'],
    queryFn: () => api.jobs({ status: ACTIVE_STATUSES, limit: 1 }),
    staleTime: 0,
    refetchInterval: (q) => refreshWhileBusy(q.state.data),
    refetchOnWindowFocus: true,
    retry: false,
  });
  return activeCount(data);
}

/** After a job changed: its own cache takes the answer, and every list of jobs is read again. */
function jobChanged(queryClient: QueryClient, job: Job) {
  queryClient.setQueryData(jobQueryKey(job.id), job);
  void queryClient.invalidateQueries({ queryKey: generationsKey });
}

/** DELETE /api/generations/:id: cancels a queued or running job. */
export function useCancelQueuedJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.cancelJob(id),
    onSuccess: (job) => jobChanged(queryClient, job),
  });
}

/**
 * Cancels these jobs while they wait, one request each (DELETE …?queued_only=true): a job that has
 * started meanwhile runs on, and is counted as such. Another refusal stops the run (and is told as
 * every refused action is); the ones canceled before it stay canceled.
 */
export function useCancelWaitingJobs() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (ids: readonly string[]) => {
      let canceled = 0;
      let started = 0;
      try {
        for (const id of ids) {
          try {
            const job = await api.cancelJob(id, { queuedOnly: true });
            queryClient.setQueryData(jobQueryKey(job.id), job);
            canceled++;
          } catch (error) {
            if (!(error instanceof ApiError && error.status === 409)) throw error;
            started++;
          }
        }
      } finally {
        // The lists are read again once, after the last.
        void queryClient.invalidateQueries({ queryKey: generationsKey });
      }
      return { canceled, started };
    },
  });
}

/** POST /api/generations/:id/retry: a failed or canceled job again, as a new queued job with the same recipe. */
export function useRetryJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.retryJob(id),
    onSuccess: (job) => {
      // In the queue at once, last in line until the list is read again.
      queryClient.setQueryData<JobPage>([...generationsKey, 'active'], (page) =>
        page && !page.items.some((j) => j.id === job.id)
          ? { ...page, items: [{ ...job, position: page.counts.queued + 1 }, ...page.items], counts: { ...page.counts, queued: page.counts.queued + 1 } }
          : page,
      );
      jobChanged(queryClient, job);
    },
  });
}

/** POST /api/generations/:id/front: the job starts next among mine; the others waiting move down one. */
export function useMoveToFront() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.moveJobToFront(id),
    onSuccess: (moved) => {
      queryClient.setQueryData<JobPage>([...generationsKey, 'active'], (page) => {
        if (!page) return page;
        const was = page.items.find((j) => j.id === moved.id)?.position ?? Infinity;
        return {
          ...page,
          items: page.items.map((j) =>
            j.id === moved.id ? moved : j.position !== null && moved.position !== null && j.position >= moved.position && j.position < was ? { ...j, position: j.position + 1 } : j,
          ),
        };
      });
      jobChanged(queryClient, moved);
    },
  });
}
