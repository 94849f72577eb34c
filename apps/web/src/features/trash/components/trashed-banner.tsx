import { useState } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { LoaderCircle, RotateCcw, Trash2 } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { formatDateTime, formatRelative } from '@/features/image/format';
import { usePurgeAfterDays, useRestoreImage } from '../api';
import { daysLeft, formatDay, formatDaysLeft, purgeDate } from '../state';
import { DeleteForeverDialog } from './delete-forever-dialog';

/**
 * On a trashed image's page: it is in the trash, when it will be purged, and the two ways out
 * (Restore, Delete forever). Actions that would fail on a trashed image are hidden by the page.
 */
export function TrashedBanner({ node, className }: { node: ImageNode; className?: string }) {
  const days = usePurgeAfterDays(true);
  const restore = useRestoreImage();
  const [confirming, setConfirming] = useState(false);
  const trashedAt = node.trashed_at!;
  const purge = days === undefined ? null : purgeDate(trashedAt, days);
  const left = purge ? daysLeft(purge) : null;

  return (
    <section
      aria-labelledby="trashed-heading"
      className={`flex flex-wrap items-center gap-x-4 gap-y-3 rounded-2xl bg-amber-50 px-4 py-3 ring-1 ring-inset ring-amber-200 dark:bg-amber-950/40 dark:ring-amber-900 ${className ?? ''}`}
    >
      <div className="flex min-w-0 flex-[1_1_18rem] items-start gap-3">
        <span className="mt-0.5 flex h-8 w-8 shrink-0 items-center justify-center rounded-full bg-amber-100 text-amber-700 dark:bg-amber-900/60 dark:text-amber-300">
          <Trash2 className="h-4 w-4" aria-hidden />
        </span>
        <div className="min-w-0">
          <h2 id="trashed-heading" className="font-semibold text-amber-950 dark:text-amber-100">
            In the trash
            {purge ? (
              <>
                {' — purged on '}
                <time
                  dateTime={purge.toISOString()}
                  title={`${formatDateTime(purge.toISOString())} (${formatDaysLeft(left!)})`}
                  className="whitespace-nowrap"
                >
                  {formatDay(purge)}
                </time>
              </>
            ) : null}
          </h2>
          <p className="mt-0.5 text-sm text-amber-900/80 dark:text-amber-200/80">
            Moved to the{' '}
            <Link to="/trash" className="font-medium underline underline-offset-2 hover:text-amber-950 dark:hover:text-amber-50">
              trash
            </Link>{' '}
            <time dateTime={trashedAt} title={formatDateTime(trashedAt)}>
              {formatRelative(trashedAt)}
            </time>
            , and hidden from the gallery. Restore it to star, share or branch from it; once purged, its files are gone for good.
          </p>
        </div>
      </div>
      <div className="flex shrink-0 flex-wrap gap-2 max-sm:w-full max-sm:[&>*]:flex-1 max-sm:[&>*]:justify-center">
        <Button
          size="sm"
          variant="primary"
          disabled={restore.isPending}
          onClick={() => restore.mutateAsync(node.id).then(() => toast.success(`Image #${node.id} restored`), () => {})}
        >
          {restore.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <RotateCcw className="h-4 w-4" aria-hidden />}
          Restore
        </Button>
        <Button size="sm" variant="danger" onClick={() => setConfirming(true)} aria-haspopup="dialog">
          <Trash2 className="h-4 w-4" aria-hidden />
          Delete forever
        </Button>
      </div>
      <DeleteForeverDialog node={confirming ? node : null} onClose={() => setConfirming(false)} />
    </section>
  );
}
