import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { CircleAlert, Images, LoaderCircle, RotateCcw, Trash2 } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { Skeleton } from '@/components/ui/skeleton';
import { cn } from '@/lib/cn';
import { formatDateTime, formatRelative } from '@/features/image/format';
import { CHECKER } from '@/features/image/styles';
import { ActionBadge } from '@/features/lineage/components/action-badge';
import { useEmptyTrash, useRestoreImage, useTrash } from '../api';
import { daysLeft, formatDay, formatDaysLeft, purgeDate } from '../state';
import { DeleteForeverDialog, destructiveButton } from './delete-forever-dialog';

/** Purges this close are shown in red: the last chance to restore. */
const SOON_DAYS = 3;

function plural(n: number, one: string, many = `${one}s`) {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

function TrashCard({ node, purgeAfterDays, onDelete }: { node: ImageNode; purgeAfterDays: number; onDelete: () => void }) {
  const queryClient = useQueryClient();
  const restore = useRestoreImage();
  const trashedAt = node.trashed_at!;
  const purge = purgeDate(trashedAt, purgeAfterDays);
  const left = daysLeft(purge);
  const prompt = node.prompt.trim() || (node.action_type === 'upload' ? 'Uploaded image' : 'No prompt');
  return (
    <li className="flex flex-col overflow-hidden rounded-xl bg-white ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800" data-trash-id={node.id}>
      <Link
        to={`/image/${node.id}`}
        // The page opens at once from what the list already has.
        onClick={() => queryClient.setQueryData<ImageNode>(['image', node.id], (old) => old ?? node)}
        aria-label={`Image #${node.id}: ${prompt}`}
        className={cn(CHECKER, 'group relative block aspect-square overflow-hidden bg-zinc-100 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-500 dark:bg-zinc-800')}
      >
        {node.thumbnail_url ? (
          <img src={node.thumbnail_url} alt="" loading="lazy" decoding="async" className="h-full w-full object-cover transition-transform duration-300 group-hover:scale-[1.03]" />
        ) : null}
      </Link>
      <div className="flex flex-1 flex-col gap-2 p-2.5">
        <div className="flex min-w-0 items-center gap-1.5">
          <span className="text-sm font-semibold tabular-nums">#{node.id}</span>
          <ActionBadge action={node.action_type} className="ml-auto truncate" />
        </div>
        <dl className="grid gap-0.5 text-xs">
          <div className="flex justify-between gap-2">
            <dt className="text-zinc-500 dark:text-zinc-400">Trashed</dt>
            <dd className="truncate text-right font-medium text-zinc-700 dark:text-zinc-300">
              <time dateTime={trashedAt} title={formatDateTime(trashedAt)}>
                {formatRelative(trashedAt)}
              </time>
            </dd>
          </div>
          <div className="flex justify-between gap-2">
            <dt className="text-zinc-500 dark:text-zinc-400">Purged</dt>
            <dd
              className={cn('truncate text-right font-medium', left <= SOON_DAYS ? 'text-red-600 dark:text-red-400' : 'text-zinc-700 dark:text-zinc-300')}
              title={`${formatDateTime(purge.toISOString())} (${formatDaysLeft(left)})`}
            >
              <time dateTime={purge.toISOString()}>{formatDay(purge)}</time>
            </dd>
          </div>
        </dl>
        <div className="mt-auto flex gap-1.5">
          <Button
            size="sm"
            className="flex-1 justify-center"
            disabled={restore.isPending}
            onClick={() => restore.mutateAsync(node.id).then(() => toast.success(`Image #${node.id} restored`), () => {})}
            aria-label={`Restore image #${node.id}`}
          >
            {restore.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <RotateCcw className="h-4 w-4" aria-hidden />}
            Restore
          </Button>
          <Button size="sm" variant="danger" className="w-8 justify-center px-0!" onClick={onDelete} aria-label={`Delete image #${node.id} forever`} title="Delete forever" aria-haspopup="dialog">
            <Trash2 className="h-4 w-4" aria-hidden />
          </Button>
        </div>
      </div>
    </li>
  );
}

/**
 * "Empty trash", confirmed. The trash is first read to its end (the count is then exact), and what
 * was listed is deleted forever: an image trashed meanwhile, in another tab, is not.
 */
function EmptyTrashDialog({
  open,
  onClose,
  items,
  complete,
  loadRest,
}: {
  open: boolean;
  onClose: () => void;
  items: readonly ImageNode[];
  /** Every page of the trash is loaded. */
  complete: boolean;
  loadRest: () => void;
}) {
  const empty = useEmptyTrash();
  const [done, setDone] = useState(0);
  useEffect(() => {
    if (open && !complete) loadRest();
  }, [open, complete, loadRest]);

  const count = items.length;
  const running = empty.isPending;
  const run = () => {
    setDone(0);
    empty.mutate(
      { ids: items.map((n) => n.id), onProgress: setDone },
      {
        onSuccess: ({ deleted, failed }) => {
          onClose();
          if (failed.length === 0) toast.success('Trash emptied', { description: `${plural(deleted.length, 'image')} deleted forever. Their recipes stay in the lineage.` });
          else
            toast.error(`${plural(failed.length, 'image')} could not be deleted`, {
              description: `${failed[0]!.error.message}${deleted.length ? ` (${plural(deleted.length, 'other')} deleted forever.)` : ''}`,
            });
        },
      },
    );
  };

  return (
    <Dialog
      open={open}
      onClose={running ? () => {} : onClose}
      title="Empty the trash?"
      description={
        <>
          {complete ? `${plural(count, 'image')} in the trash ${count === 1 ? 'is' : 'are'}` : 'Every image in the trash is'} deleted forever: the files are
          removed now and their links stop working. <strong className="font-semibold text-zinc-900 dark:text-zinc-100">This cannot be undone.</strong> Their
          recipes stay in the lineage, as tombstones.
        </>
      }
      footer={
        <>
          {running ? (
            <p className="mr-auto self-center text-sm text-zinc-600 tabular-nums dark:text-zinc-400" role="status">
              Deleting {done.toLocaleString()} of {count.toLocaleString()}…
            </p>
          ) : null}
          <Button onClick={onClose} disabled={running} autoFocus>
            Cancel
          </Button>
          <Button variant="primary" className={destructiveButton} disabled={running || !complete || count === 0} onClick={run}>
            {running || !complete ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <Trash2 className="h-4 w-4" aria-hidden />}
            {complete ? `Delete ${plural(count, 'image')} forever` : 'Counting…'}
          </Button>
        </>
      }
    />
  );
}

function TrashGridSkeleton() {
  return (
    <div aria-hidden className="grid grid-cols-2 gap-3 sm:grid-cols-3 md:grid-cols-4 lg:grid-cols-5">
      {Array.from({ length: 10 }, (_, i) => (
        <Skeleton key={i} className="aspect-[3/4] rounded-xl" />
      ))}
    </div>
  );
}

/** /trash: what I moved to the trash, when each goes for good, and the ways back (or out for good). */
export function TrashPage() {
  const trash = useTrash();
  const [deleting, setDeleting] = useState<ImageNode | null>(null);
  const [emptying, setEmptying] = useState(false);
  useEffect(() => {
    document.title = 'Trash · ImageFlow';
  }, []);

  const items = useMemo(() => trash.data?.pages.flatMap((p) => p.items) ?? [], [trash.data]);
  const purgeAfterDays = trash.data?.pages[0]?.purge_after_days;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = trash;
  const loadRest = useMemo(
    () => () => {
      if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
    },
    [hasNextPage, isFetchingNextPage, fetchNextPage],
  );

  let body: React.ReactNode;
  if (trash.isPending) {
    body = <TrashGridSkeleton />;
  } else if (trash.isError && !trash.data) {
    body = (
      <EmptyState
        icon={<CircleAlert className="h-8 w-8 text-red-500" aria-hidden />}
        title="The trash could not be loaded"
        action={
          <Button onClick={() => void trash.refetch()} disabled={trash.isFetching}>
            Retry
          </Button>
        }
      >
        <p role="alert">{trash.error.message}</p>
      </EmptyState>
    );
  } else if (items.length === 0) {
    body = (
      <EmptyState
        icon={<Trash2 className="h-8 w-8" aria-hidden />}
        title="The trash is empty"
        action={
          <Link
            to="/gallery"
            className="inline-flex h-10 items-center gap-2 rounded-lg bg-white px-4 text-sm font-medium text-zinc-800 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800"
          >
            <Images className="h-4 w-4" aria-hidden />
            Open the gallery
          </Link>
        }
      >
        Images you move to the trash wait here{purgeAfterDays !== undefined ? ` for ${plural(purgeAfterDays, 'day')}` : ''}, then their files are removed for
        good. Until then, restore any of them with one click.
      </EmptyState>
    );
  } else {
    body = (
      <>
        <ul aria-label="Images in the trash" className="grid grid-cols-2 gap-3 sm:grid-cols-3 md:grid-cols-4 lg:grid-cols-5">
          {items.map((node) => (
            <TrashCard key={node.id} node={node} purgeAfterDays={purgeAfterDays ?? 0} onDelete={() => setDeleting(node)} />
          ))}
        </ul>
        <div className="flex min-h-16 items-center justify-center py-6 text-sm text-zinc-500 dark:text-zinc-400">
          {trash.isFetchNextPageError ? (
            <span className="flex items-center gap-3" role="alert">
              Could not load more: {trash.error?.message ?? 'the server did not answer.'}
              <Button size="sm" onClick={() => void trash.fetchNextPage()}>
                Retry
              </Button>
            </span>
          ) : hasNextPage ? (
            <Button onClick={() => void fetchNextPage()} disabled={isFetchingNextPage}>
              {isFetchingNextPage ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : null}
              Show more
            </Button>
          ) : (
            <span>{items.length === 1 ? 'One image' : `All ${items.length.toLocaleString()} images`} in the trash shown</span>
          )}
        </div>
      </>
    );
  }

  return (
    <div className="mx-auto max-w-7xl px-4 py-6 sm:px-6 sm:py-8">
      <div className="flex flex-wrap items-start justify-between gap-x-6 gap-y-3">
        <div className="min-w-0 max-w-2xl">
          <h1 className="text-xl font-semibold tracking-tight">Trash</h1>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            Trashed images are hidden from the gallery and search.{' '}
            {purgeAfterDays !== undefined ? `Each is purged ${plural(purgeAfterDays, 'day')} after it was trashed: ` : 'When one is purged, '}
            its files are removed for good and its recipe stays in the lineage.
          </p>
        </div>
        {items.length > 0 ? (
          <Button variant="danger" onClick={() => setEmptying(true)} aria-haspopup="dialog">
            <Trash2 className="h-4 w-4" aria-hidden />
            Empty trash
          </Button>
        ) : null}
      </div>
      {items.length > 0 ? (
        <p className="mt-4 mb-3 text-xs text-zinc-500 tabular-nums dark:text-zinc-400" aria-live="polite">
          {plural(items.length, 'image')}
          {hasNextPage ? '+' : ''} · most recently trashed first
        </p>
      ) : null}
      <section aria-label="Trashed images" className={items.length > 0 ? undefined : 'mt-6'}>
        {body}
      </section>
      <DeleteForeverDialog node={deleting} onClose={() => setDeleting(null)} />
      <EmptyTrashDialog open={emptying} onClose={() => setEmptying(false)} items={items} complete={!hasNextPage} loadRest={loadRest} />
    </div>
  );
}

export default TrashPage;
