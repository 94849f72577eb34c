import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { ArrowUpToLine, CircleAlert, ExternalLink, LoaderCircle, RotateCcw, Sparkles, X } from 'lucide-react';
import type { Job } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { ProgressBar } from '@/components/ui/progress-bar';
import { cn } from '@/lib/cn';
import { useNow } from '@/lib/use-now';
import type { QueueJob } from '@/lib/api-client';
import { formatDateTime, formatRelative } from '@/features/image/format';
import { CHECKER } from '@/features/image/styles';
import { ActionBadge } from '@/features/lineage/components/action-badge';
import { useImageNode } from '@/features/generate/api';
import { useJobEvents } from '@/features/generate/use-job-events';
import { generationsKey } from '../api';
import { elapsedSince, jobFacts, jobTitle, positionLabel } from '../describe';

export interface JobRowActions {
  onCancel?: (job: QueueJob) => void;
  onRetry?: (job: QueueJob) => void;
  onFront?: (job: QueueJob) => void;
  /** The job whose action is on its way: its buttons wait. */
  pendingId?: string | null;
}

const CHIP = 'inline-flex shrink-0 items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium';

function StatusChip({ job }: { job: QueueJob }) {
  switch (job.status) {
    case 'running':
      return (
        <span className={cn(CHIP, 'bg-indigo-50 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-200')}>
          <LoaderCircle className="h-3 w-3 animate-spin" aria-hidden />
          Running
        </span>
      );
    case 'queued':
      return <span className={cn(CHIP, 'bg-zinc-100 text-zinc-700 tabular-nums dark:bg-zinc-800 dark:text-zinc-200')}>{positionLabel(job.position)}</span>;
    case 'succeeded':
      return <span className={cn(CHIP, 'bg-emerald-50 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200')}>Done</span>;
    case 'failed':
      return <span className={cn(CHIP, 'bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-200')}>Failed</span>;
    default:
      return <span className={cn(CHIP, 'bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300')}>Canceled</span>;
  }
}

/** The picture of a row: the first image made, a live preview, the image it derives from, or a placeholder. */
function Thumb({ job, preview }: { job: Job; preview: string | null }) {
  const parent = useImageNode(job.images.length === 0 && !preview ? job.parent_id : null);
  const first = job.images[0];
  const box = cn(CHECKER, 'relative block h-14 w-14 shrink-0 overflow-hidden rounded-lg bg-zinc-100 ring-1 ring-zinc-200 sm:h-16 sm:w-16 dark:bg-zinc-800 dark:ring-zinc-700');
  if (first) {
    return (
      <Link to={`/image/${first.id}`} tabIndex={-1} aria-hidden className={box}>
        {first.thumbnail_url ? <img src={first.thumbnail_url} alt="" loading="lazy" decoding="async" className="h-full w-full object-cover" /> : null}
        {job.images.length > 1 ? (
          <span className="absolute right-0.5 bottom-0.5 rounded bg-black/65 px-1 text-[10px] font-semibold text-white tabular-nums">+{job.images.length - 1}</span>
        ) : null}
      </Link>
    );
  }
  const src = preview ?? parent.data?.thumbnail_url ?? null;
  const active = job.status === 'queued' || job.status === 'running';
  return (
    <div aria-hidden className={box}>
      {src ? (
        <img src={src} alt="" decoding="async" className={cn('h-full w-full object-cover', !preview && 'opacity-70')} />
      ) : (
        <div
          className={cn(
            'flex h-full w-full items-center justify-center bg-gradient-to-br from-indigo-100 to-violet-100 text-indigo-400 dark:from-indigo-950 dark:to-violet-950 dark:text-indigo-400',
            job.status === 'running' && 'animate-pulse',
            !active && 'from-zinc-100 to-zinc-200 text-zinc-400 dark:from-zinc-800 dark:to-zinc-900 dark:text-zinc-500',
          )}
        >
          <Sparkles className="h-5 w-5" />
        </div>
      )}
    </div>
  );
}

/** A running job's progress, live from its event stream when `live`, else from the list. */
function Progress({ job, live, onPreview }: { job: QueueJob; live: boolean; onPreview: (url: string | null) => void }) {
  const queryClient = useQueryClient();
  // Once it ends, the lists are read again: it leaves the queue at once.
  const events = useJobEvents(live ? job.id : null, { onSettled: () => void queryClient.invalidateQueries({ queryKey: generationsKey }) });
  const current = events.job && events.job.status === 'running' ? events.job : job;
  useEffect(() => onPreview(events.preview), [events.preview, onPreview]);
  const stepText = current.step != null && current.total_steps ? `step ${current.step} / ${current.total_steps}` : null;
  const now = useNow(true);
  return (
    <div className="space-y-1">
      <ProgressBar label={`Progress of ${jobTitle(job)}`} value={current.progress} valueText={stepText ?? 'starting'} />
      <p className="flex justify-between gap-2 text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
        <span>{stepText ?? 'Starting…'}</span>
        <span>{elapsedSince(job.started_at, now)}</span>
      </p>
    </div>
  );
}

/** One job: what it makes, where it stands, and what can be done with it. Focusable (by the page) after an action moved it. */
export function JobRow({ job, live = false, onCancel, onRetry, onFront, pendingId = null }: { job: QueueJob; live?: boolean } & JobRowActions) {
  const titleId = useId();
  const [preview, setPreview] = useState<string | null>(null);
  const title = jobTitle(job);
  const facts = jobFacts(job);
  const busy = pendingId === job.id;
  const active = job.status === 'queued' || job.status === 'running';
  const when = job.finished_at ?? job.created_at;
  const first = job.images[0];
  return (
    <li
      data-job-id={job.id}
      tabIndex={-1}
      aria-labelledby={titleId}
      className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-2 rounded-xl bg-white p-3 ring-1 ring-zinc-200 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 sm:grid-cols-[auto_minmax(0,1fr)_14.5rem] sm:items-center dark:bg-zinc-900 dark:ring-zinc-800"
    >
      <Thumb job={job} preview={preview} />
      <div className="min-w-0 space-y-1.5">
        <div className="flex items-start gap-2">
          <p id={titleId} className="line-clamp-2 min-w-0 flex-1 text-sm font-medium break-words text-zinc-900 dark:text-zinc-100" title={title}>
            {title}
          </p>
          <StatusChip job={job} />
        </div>
        <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
          {job.action_type !== 'generate' ? <ActionBadge action={job.action_type} /> : null}
          {facts.map((f, i) => (
            <span key={i} className="whitespace-nowrap">
              {f}
            </span>
          ))}
          <time dateTime={when} title={formatDateTime(when)} className="whitespace-nowrap">
            {active ? `queued ${formatRelative(job.created_at)}` : formatRelative(when)}
          </time>
        </p>
        {job.status === 'running' ? <Progress job={job} live={live} onPreview={setPreview} /> : null}
        {job.status === 'failed' ? (
          <p className="flex items-start gap-1.5 text-xs text-red-700 dark:text-red-300">
            <CircleAlert className="mt-px h-3.5 w-3.5 shrink-0" aria-hidden />
            <span className="break-words">{job.error?.message ?? 'The server gave no reason.'}</span>
          </p>
        ) : null}
      </div>
      <div className="col-span-2 flex flex-wrap items-center justify-end gap-1.5 sm:col-span-1">
        {job.status === 'queued' && onFront && job.position !== 1 ? (
          <Button size="sm" onClick={() => onFront(job)} disabled={busy} aria-label={`Move to front: ${title}`} title="Start this one next">
            <ArrowUpToLine className="h-4 w-4" aria-hidden />
            Move to front
          </Button>
        ) : null}
        {active && onCancel ? (
          <Button size="sm" variant="ghost" onClick={() => onCancel(job)} disabled={busy} aria-label={`Cancel: ${title}`}>
            {busy ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <X className="h-4 w-4" aria-hidden />}
            Cancel
          </Button>
        ) : null}
        {(job.status === 'failed' || job.status === 'canceled') && onRetry ? (
          <Button size="sm" onClick={() => onRetry(job)} disabled={busy} aria-label={`Retry: ${title}`} title="Run it again with the same recipe and seed">
            {busy ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <RotateCcw className="h-4 w-4" aria-hidden />}
            Retry
          </Button>
        ) : null}
        {first ? (
          <Link
            to={`/image/${first.id}`}
            aria-label={`Open image #${first.id}: ${title}`}
            className="inline-flex h-8 items-center gap-1.5 rounded-lg px-2.5 text-sm font-medium text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
          >
            <ExternalLink className="h-4 w-4" aria-hidden />
            Open
          </Link>
        ) : null}
      </div>
    </li>
  );
}
