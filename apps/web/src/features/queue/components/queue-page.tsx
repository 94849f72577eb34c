import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { CircleAlert, ListOrdered, LoaderCircle, Sparkles } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { Skeleton } from '@/components/ui/skeleton';
import type { QueueJob } from '@/lib/api-client';
import { useActiveJobs, useCancelQueuedJob, useCancelWaitingJobs, useMoveToFront, useRecentJobs, useRetryJob } from '../api';
import { jobTitle, runOrder } from '../describe';
import { JobRow } from './job-row';

/** Running jobs followed over their own event stream; the others' progress comes with the list (browsers allow few streams at once). */
const LIVE_STREAMS = 3;

const linkButton =
  'inline-flex h-10 items-center gap-2 rounded-lg bg-indigo-600 px-4 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500';

/** Moves focus to a job's row once it is on screen (after the list changed under it), else to `fallback`. */
function focusRow(id: string | null, fallback: string) {
  requestAnimationFrame(() => {
    const row = id ? document.querySelector<HTMLElement>(`[data-job-id="${id}"]`) : null;
    (row ?? document.getElementById(fallback))?.focus();
  });
}

function RowsSkeleton({ rows }: { rows: number }) {
  return (
    <div aria-hidden className="space-y-2">
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} className="h-[88px] rounded-xl" />
      ))}
    </div>
  );
}

/** /queue: every job of mine that waits or runs, in the order they start, and the ones that ended lately. */
export function QueuePage() {
  const active = useActiveJobs();
  const recent = useRecentJobs();
  const cancel = useCancelQueuedJob();
  const cancelWaiting = useCancelWaitingJobs();
  const retry = useRetryJob();
  const front = useMoveToFront();
  const [pendingId, setPendingId] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  useEffect(() => {
    document.title = 'Queue · ImageFlow';
  }, []);

  const queue = useMemo(() => runOrder(active.data?.items ?? []), [active.data]);
  const finished = useMemo(() => {
    const ids = new Set(queue.map((j) => j.id));
    return (recent.data?.pages.flatMap((p) => p.items) ?? []).filter((j) => !ids.has(j.id));
  }, [recent.data, queue]);
  const counts = active.data?.counts;
  const liveIds = useMemo(() => new Set(queue.filter((j) => j.status === 'running').slice(0, LIVE_STREAMS).map((j) => j.id)), [queue]);

  const act = (job: QueueJob, run: () => Promise<unknown>) => {
    setPendingId(job.id);
    void run()
      .catch(() => undefined)
      .finally(() => setPendingId((id) => (id === job.id ? null : id)));
  };

  const onFront = (job: QueueJob) =>
    act(job, async () => {
      await front.mutateAsync(job.id);
      setAnnouncement(`Moved to the front: ${jobTitle(job)}`);
      focusRow(job.id, 'queue-heading');
    });

  const onCancel = (job: QueueJob) => {
    // Focus goes on to the next job in line (or the one before), not to the page's start.
    const at = queue.findIndex((j) => j.id === job.id);
    const neighbour = queue[at + 1] ?? queue[at - 1] ?? null;
    act(job, async () => {
      await cancel.mutateAsync(job.id);
      setAnnouncement(`Canceled: ${jobTitle(job)}`);
      toast.success('Canceled', { description: jobTitle(job) });
      focusRow(neighbour?.id ?? null, 'queue-heading');
    });
  };

  // Cancel every job still waiting (never the running ones), after a second click that names how many.
  const waiting = useMemo(() => queue.filter((j) => j.status === 'queued'), [queue]);
  const [confirmingAll, setConfirmingAll] = useState(false);
  const cancelingAll = cancelWaiting.isPending;
  const onCancelAll = async () => {
    setConfirmingAll(false);
    let canceled = 0;
    let started = 0;
    try {
      ({ canceled, started } = await cancelWaiting.mutateAsync(waiting.map((j) => j.id)));
    } catch {
      // Told as every refused action is.
    }
    if (canceled > 0 || started > 0) {
      const text = [
        canceled > 0 ? `Canceled ${canceled.toLocaleString()} queued ${canceled === 1 ? 'generation' : 'generations'}` : null,
        started > 0 ? `${started.toLocaleString()} had started and ${started === 1 ? 'runs' : 'run'} on` : null,
      ]
        .filter(Boolean)
        .join('; ');
      setAnnouncement(text);
      toast.success(text);
    }
    focusRow(null, 'queue-heading');
  };

  const onRetry = (job: QueueJob) =>
    act(job, async () => {
      const again = await retry.mutateAsync(job.id);
      setAnnouncement(`Queued again: ${jobTitle(job)}`);
      toast.success('Queued again with the same recipe', { description: jobTitle(job) });
      focusRow(again.id, 'queue-heading');
    });

  let queueBody: React.ReactNode;
  if (active.isPending) queueBody = <RowsSkeleton rows={3} />;
  else if (active.isError && !active.data) {
    queueBody = (
      <EmptyState
        icon={<CircleAlert className="h-8 w-8 text-red-500" aria-hidden />}
        title="The queue could not be loaded"
        action={
          <Button onClick={() => void active.refetch()} disabled={active.isFetching}>
            Retry
          </Button>
        }
      >
        <p role="alert">{active.error.message}</p>
      </EmptyState>
    );
  } else if (queue.length === 0) {
    queueBody = (
      <EmptyState
        icon={<ListOrdered className="h-8 w-8" aria-hidden />}
        title="Nothing is queued or running"
        action={
          <Link to="/" className={linkButton}>
            <Sparkles className="h-4 w-4" aria-hidden />
            Create an image
          </Link>
        }
      >
        Generations you start wait here for their turn. Move one to the front, cancel what you no longer need, and follow each one’s progress live.
      </EmptyState>
    );
  } else {
    queueBody = (
      <ol aria-label="Queued and running" className="space-y-2">
        {queue.map((job) => (
          <JobRow key={job.id} job={job} live={liveIds.has(job.id)} onCancel={onCancel} onFront={onFront} pendingId={pendingId} />
        ))}
      </ol>
    );
  }

  return (
    <div className="mx-auto max-w-4xl px-4 py-6 sm:px-6 sm:py-8">
      <div className="min-w-0">
        <h1 id="queue-heading" tabIndex={-1} className="text-xl font-semibold tracking-tight focus:outline-none">
          Queue
        </h1>
        <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
          Your generations in the order they start. Move one to the front, cancel what you no longer need (or all that wait), and run a failed one again with the same recipe.
        </p>
      </div>
      <p className="sr-only" aria-live="polite">
        {announcement}
      </p>

      <section aria-labelledby="queue-now-heading" className="mt-6">
        <div className="mb-3 flex items-baseline justify-between gap-3">
          <h2 id="queue-now-heading" className="text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400">
            Now
          </h2>
          <div className="flex flex-wrap items-center justify-end gap-x-3 gap-y-2">
            {counts && counts.queued + counts.running > 0 ? (
              <p className="text-xs text-zinc-500 tabular-nums dark:text-zinc-400" data-testid="queue-counts">
                {counts.running.toLocaleString()} running · {counts.queued.toLocaleString()} queued
              </p>
            ) : null}
            {waiting.length >= 2 || cancelingAll ? (
              confirmingAll ? (
                <span className="flex items-center gap-2">
                  <Button size="sm" variant="danger" onClick={() => void onCancelAll()}>
                    Cancel {waiting.length.toLocaleString()} queued
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setConfirmingAll(false)}>
                    Keep them
                  </Button>
                </span>
              ) : (
                <Button size="sm" onClick={() => setConfirmingAll(true)} disabled={cancelingAll}>
                  {cancelingAll ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : null}
                  Cancel all queued
                </Button>
              )
            ) : null}
          </div>
        </div>
        {queueBody}
      </section>

      {finished.length > 0 || recent.isPending ? (
        <section aria-labelledby="queue-recent-heading" className="mt-10">
          <h2 id="queue-recent-heading" className="mb-3 text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400">
            Recently ended
          </h2>
          {recent.isPending ? (
            <RowsSkeleton rows={2} />
          ) : (
            <>
              <ol aria-label="Recently ended" className="space-y-2">
                {finished.map((job) => (
                  <JobRow key={job.id} job={job} onRetry={onRetry} pendingId={pendingId} />
                ))}
              </ol>
              {recent.hasNextPage ? (
                <div className="flex justify-center py-6">
                  <Button onClick={() => void recent.fetchNextPage()} disabled={recent.isFetchingNextPage}>
                    {recent.isFetchingNextPage ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : null}
                    Show more
                  </Button>
                </div>
              ) : null}
            </>
          )}
        </section>
      ) : null}
    </div>
  );
}

export default QueuePage;
