import { useCallback, useEffect, useMemo } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { ChevronLeft, Ghost, Star, Trash2 } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { Skeleton } from '@/components/ui/skeleton';
import { ActionBadge } from '@/features/lineage/components/action-badge';
import { MiniLineage } from '@/features/lineage/components/mini-lineage';
import { TrashedBanner } from '@/features/trash/components/trashed-banner';
import { imageState } from '@/features/trash/state';
import { useGalleryNeighbors } from '@/features/gallery/api';
import { filtersFromSearchParams } from '@/features/gallery/filters';
import { rememberOpened } from '@/features/gallery/return-focus';
import { imageKey, useImage } from '../api';
import { formatDateTime, formatRelative } from '../format';
import { Branches } from './branches';
import { ImageActions } from './image-actions';
import { ImageViewer } from './image-viewer';
import { RecipeDetails } from './recipe-details';
import { RunningJobs } from './running-jobs';
import { ImageNotFound, isNotFound, LoadError } from './states';

export function ImagePage() {
  const { id: rawId } = useParams();
  const id = Number(rawId);
  const valid = rawId !== undefined && /^\d+$/.test(rawId) && id > 0;
  const query = useImage(valid ? id : 0);

  useEffect(() => {
    document.title = valid ? `Image #${id} · ImageFlow` : 'ImageFlow';
  }, [id, valid]);

  if (!valid) return <ImageNotFound id={rawId} />;
  if (query.isPending) return <ImagePageSkeleton />;
  if (query.isError) return isNotFound(query.error) ? <ImageNotFound id={id} /> : <LoadError error={query.error} onRetry={() => void query.refetch()} />;
  return <ImageDetail node={query.data} />;
}

/** Image left (as big as the viewport allows), everything about it on the right; stacked on phones. */
const PAGE = 'mx-auto grid max-w-[100rem] gap-5 px-3 py-4 sm:px-6 lg:grid-cols-[minmax(0,1fr)_26rem] lg:gap-8 lg:py-6';
const VIEWER = 'h-[min(72vh,calc(100vw-1.5rem))] lg:sticky lg:top-[5rem] lg:h-[calc(100dvh-7rem)]';

/** What the gallery's tile links carry: the gallery they were in (its filters and order). */
interface FromGallery {
  gallery?: string;
}

function ImageDetail({ node }: { node: ImageNode }) {
  const state = imageState(node);
  // ← and → walk the gallery this image was opened from (else the whole gallery, newest first).
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const gallerySearch = (location.state as FromGallery | null)?.gallery;
  const filters = useMemo(() => filtersFromSearchParams(new URLSearchParams(gallerySearch ?? '')), [gallerySearch]);
  const { previous, next } = useGalleryNeighbors(node.id, filters, state === 'live');
  useEffect(() => {
    if (gallerySearch !== undefined) rememberOpened(node.id);
  }, [gallerySearch, node.id]);
  const go = useCallback(
    (target: ImageNode) => {
      // Shown at once from what the gallery has, so the viewer (fullscreen too) stays as it is.
      queryClient.setQueryData<ImageNode>(imageKey(target.id), (old) => old ?? target);
      // Replaced, not pushed: Back leaves for the gallery, at the image reached.
      navigate(`/image/${target.id}`, { replace: true, state: location.state });
    },
    [queryClient, navigate, location.state],
  );
  return (
    <div className={PAGE}>
      {/* First on phones too, above the image: the page of a trashed image says so before anything else. */}
      {state === 'trashed' ? <TrashedBanner node={node} className="lg:col-span-2" /> : null}
      <div className="min-w-0">
        <ImageViewer node={node} className={VIEWER} downloads previous={previous} next={next} onGo={go} />
      </div>

      <aside className="min-w-0 space-y-6" aria-label={`Image #${node.id} details`}>
        <header className="space-y-1.5">
          <Link
            to={gallerySearch ? `/gallery?${gallerySearch}` : '/gallery'}
            state={{ restoreFocus: true }}
            className="-ml-1 inline-flex items-center gap-0.5 rounded-md px-1 text-sm text-zinc-500 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-400 dark:hover:text-zinc-100"
          >
            <ChevronLeft className="h-4 w-4" aria-hidden />
            Gallery
          </Link>
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="text-2xl font-semibold tracking-tight tabular-nums">Image #{node.id}</h1>
            <ActionBadge action={node.action_type} />
            {node.starred ? <Star className="h-4 w-4 fill-amber-400 text-amber-500" aria-label="Starred" /> : null}
            {state === 'deleted' ? (
              <span className="inline-flex items-center gap-1 rounded-md bg-zinc-100 px-1.5 py-px text-[11px] font-medium text-zinc-600 ring-1 ring-inset ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700">
                <Ghost className="h-3 w-3" aria-hidden />
                deleted
              </span>
            ) : state === 'trashed' ? (
              <span className="inline-flex items-center gap-1 rounded-md bg-amber-50 px-1.5 py-px text-[11px] font-medium text-amber-800 ring-1 ring-inset ring-amber-200 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-900">
                <Trash2 className="h-3 w-3" aria-hidden />
                in the trash
              </span>
            ) : null}
          </div>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            <time dateTime={node.created_at} title={formatDateTime(node.created_at)}>
              {formatRelative(node.created_at)}
            </time>
            {' · '}
            {node.width} × {node.height}
            {node.parent_id !== null ? (
              <>
                {' · from '}
                <Link to={`/image/${node.parent_id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                  #{node.parent_id}
                </Link>
              </>
            ) : null}
          </p>
        </header>

        <ImageActions node={node} />
        <RunningJobs parentId={node.id} />
        <RecipeDetails node={node} />
        <MiniLineage node={node} />
        <Branches node={node} />
      </aside>
    </div>
  );
}

function ImagePageSkeleton() {
  return (
    <div className={PAGE} aria-busy="true" aria-label="Loading image">
      <Skeleton className={`${VIEWER} rounded-2xl`} />
      <div className="space-y-4">
        <Skeleton className="h-8 w-40" />
        <Skeleton className="h-4 w-56" />
        <div className="grid grid-cols-3 gap-2">
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} className="h-10" />
          ))}
        </div>
        <Skeleton className="h-28" />
        <Skeleton className="h-52" />
      </div>
    </div>
  );
}
