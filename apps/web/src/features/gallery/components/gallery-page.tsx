import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useNavigationType, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { CircleAlert, ImageOff, LoaderCircle, SearchX, Sparkles } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { Kbd } from '@/components/ui/kbd';
import { Skeleton } from '@/components/ui/skeleton';
import { useBulkStar, useBulkTrash, useDownloadZip, useGallery, useModelOptions, useToggleStar } from '../api';
import { groupByDay, type DayGroup } from '../days';
import { clearedFilters, filtersFromSearchParams, filtersToSearchParams, galleryParams, hasFilters, type GalleryFilters } from '../filters';
import { ACTION_LABELS } from '@imageflow/shared/constants';
import { forgetOpened, lastOpened } from '../return-focus';
import { EMPTY_SELECTION, extendTo, keepOnly, selectAll, selectedInOrder, selectRange, toggle, type Selection } from '../selection';
import { GalleryGrid } from './gallery-grid';
import { GalleryToolbar } from './gallery-toolbar';
import { SelectionBar } from './selection-bar';
import type { SelectHow } from './gallery-tile';
import { ShareDialog } from '@/features/share/components/share-dialog';
import { cn } from '@/lib/cn';

/** Height of the app header (h-14), which stays on top while the page scrolls. */
const APP_HEADER = 56;

function describeFilters(filters: GalleryFilters, modelLabel: (name: string) => string): string {
  const parts: string[] = [];
  if (filters.q.trim()) parts.push(`matching “${filters.q.trim()}”`);
  if (filters.model) parts.push(`from ${modelLabel(filters.model)}`);
  if (filters.action) parts.push(`of type ${ACTION_LABELS[filters.action].toLowerCase()}`);
  if (filters.starred) parts.push('that are starred');
  return parts.join(', ');
}

/** The filters other than the search text as a sentence: "Showing only starred remix images from SDXL." */
function otherFilters(filters: GalleryFilters, modelLabel: (name: string) => string): string {
  if (!filters.model && !filters.action && !filters.starred) return '';
  const kinds = [filters.starred ? 'starred' : '', filters.action ? ACTION_LABELS[filters.action].toLowerCase() : ''].filter(Boolean).join(' ');
  return `Showing only ${kinds ? `${kinds} ` : ''}images${filters.model ? ` from ${modelLabel(filters.model)}` : ''}.`;
}

function GridSkeleton() {
  return (
    <div aria-hidden className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-6">
      {Array.from({ length: 18 }, (_, i) => (
        <Skeleton key={i} className="aspect-square rounded-xl" />
      ))}
    </div>
  );
}

export function GalleryPage() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromSearchParams(params), [params]);
  const setFilters = useCallback(
    (next: GalleryFilters) => setParams((p) => filtersToSearchParams(next, p), { replace: true }),
    [setParams],
  );

  const gallery = useGallery(filters);
  const models = useModelOptions();
  const star = useToggleStar();
  const queryClient = useQueryClient();
  const items = useMemo(() => gallery.data?.pages.flatMap((p) => p.items) ?? [], [gallery.data]);
  const groups = useMemo(() => groupByDay(items), [items]);
  const order = useMemo(() => items.map((n) => n.id), [items]);
  const navigate = useNavigate();
  // Each tile's link tells the image page which gallery it came from (its arrow keys follow it).
  const galleryKey = JSON.stringify(galleryParams(filters, 0));
  const linkState = useMemo(() => ({ gallery: filtersToSearchParams(filters).toString() }), [filters]);

  // Back from an image (or its "Gallery" link): focus returns to the tile it was opened from.
  const navigationType = useNavigationType();
  const location = useLocation();
  const [restoreFocusTo] = useState(() =>
    navigationType === 'POP' || (location.state as { restoreFocus?: boolean } | null)?.restoreFocus ? lastOpened() : null,
  );
  useEffect(() => forgetOpened(), []);

  const [selection, setSelection] = useState<Selection>(EMPTY_SELECTION);
  // Other filters, another selection; images gone from the list (to the trash) leave it.
  useEffect(() => setSelection(EMPTY_SELECTION), [galleryKey]);
  useEffect(() => setSelection((s) => keepOnly(s, new Set(order))), [order]);
  const onSelect = useCallback(
    (node: ImageNode, how: SelectHow) => setSelection((s) => (how === 'range' ? selectRange(s, node.id, order) : toggle(s, node.id))),
    [order],
  );
  const onExtend = useCallback((from: ImageNode, to: ImageNode) => setSelection((s) => extendTo(s, from.id, to.id, order)), [order]);
  const onSelectAll = useCallback(() => setSelection((s) => selectAll(s, order)), [order]);
  const onSelectDay = useCallback(
    (group: DayGroup) =>
      setSelection((s) => {
        const day = order.slice(group.start, group.start + group.count);
        const ids = new Set(s.ids);
        const all = day.every((id) => ids.has(id));
        for (const id of day) {
          if (all) ids.delete(id);
          else ids.add(id);
        }
        return { ids, anchor: s.anchor, base: ids };
      }),
    [order],
  );
  const clearSelection = useCallback(() => setSelection(EMPTY_SELECTION), []);
  const selecting = selection.ids.size > 0;
  // Esc clears the selection, unless something else (a dialog, the search box) takes it.
  useEffect(() => {
    if (!selecting) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('[role="dialog"], dialog, input, textarea, select')) return;
      setSelection(EMPTY_SELECTION);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [selecting]);

  const bulkStar = useBulkStar();
  const bulkTrash = useBulkTrash();
  const download = useDownloadZip();
  const chosen = () => selectedInOrder(selection, order);
  const allStarred = selecting && items.every((n) => !selection.ids.has(n.id) || n.starred);

  const toolbarRef = useRef<HTMLDivElement>(null);
  const [toolbarHeight, setToolbarHeight] = useState(64);
  useLayoutEffect(() => {
    const el = toolbarRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setToolbarHeight(el.offsetHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // One share dialog for the whole grid, for the tile whose share action was clicked.
  const [sharing, setSharing] = useState<ImageNode | null>(null);
  const onToggleStar = useCallback((node: ImageNode) => star.mutate({ id: node.id, starred: !node.starred }), [star]);
  // The image page opens instantly from what the gallery already has.
  const onOpen = useCallback(
    (node: ImageNode) => queryClient.setQueryData<ImageNode>(['image', node.id], (old) => old ?? node),
    [queryClient],
  );

  const modelLabel = (name: string) => models.data?.find((m) => m.name === name)?.label ?? (name === 'upload' ? 'uploads' : name);
  const filtered = hasFilters(filters);
  const count = items.length;

  let body: React.ReactNode;
  if (gallery.isPending) {
    body = <GridSkeleton />;
  } else if (gallery.isError && !gallery.data) {
    body = (
      <EmptyState
        icon={<CircleAlert className="h-8 w-8 text-red-500" />}
        title="The gallery could not be loaded"
        action={
          <Button variant="secondary" onClick={() => void gallery.refetch()} disabled={gallery.isFetching}>
            {gallery.isFetching ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : null}
            Retry
          </Button>
        }
      >
        <p role="alert">{gallery.error.message}</p>
      </EmptyState>
    );
  } else if (count === 0 && filtered) {
    body = (
      <EmptyState
        icon={<SearchX className="h-8 w-8" />}
        title={filters.q.trim() ? `No images match “${filters.q.trim()}”` : 'No images match these filters'}
        action={
          <Button variant="secondary" onClick={() => setFilters(clearedFilters(filters))}>
            Clear filters
          </Button>
        }
      >
        {otherFilters(filters, modelLabel)}{' '}
        {filters.q.trim() ? 'An image matches when its prompt has every word you typed: try fewer words.' : 'Try another filter.'}
      </EmptyState>
    );
  } else if (count === 0) {
    body = (
      <EmptyState
        icon={<ImageOff className="h-8 w-8" />}
        title="No images yet"
        action={
          <Link
            to="/"
            className="inline-flex h-10 items-center gap-2 rounded-lg bg-indigo-600 px-4 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500"
          >
            <Sparkles className="h-4 w-4" aria-hidden />
            Create your first image
          </Link>
        }
      >
        Everything you generate or upload shows up here, by day, newest first.
      </EmptyState>
    );
  } else {
    body = (
      <>
        <GalleryGrid
          items={items}
          hasNextPage={gallery.hasNextPage}
          isFetchingNextPage={gallery.isFetchingNextPage}
          fetchNextPage={() => void gallery.fetchNextPage()}
          onToggleStar={onToggleStar}
          onOpen={onOpen}
          onShare={setSharing}
          groups={groups}
          byDay={filters.byDay}
          selected={selection.ids}
          onSelect={onSelect}
          onExtend={onExtend}
          onSelectAll={onSelectAll}
          onSelectDay={onSelectDay}
          linkState={linkState}
          restoreFocusTo={restoreFocusTo}
          stickyOffset={APP_HEADER + toolbarHeight}
          label={filtered ? `Images ${describeFilters(filters, modelLabel)}` : 'All images'}
        />
        <div className="flex min-h-16 items-center justify-center py-6 text-sm text-zinc-500 dark:text-zinc-400">
          {gallery.isFetchNextPageError ? (
            <span className="flex items-center gap-3" role="alert">
              Could not load more: {gallery.error?.message ?? 'the server did not answer.'}
              <Button size="sm" variant="secondary" onClick={() => void gallery.fetchNextPage()}>
                Retry
              </Button>
            </span>
          ) : gallery.isFetchingNextPage ? (
            <span className="inline-flex items-center gap-2">
              <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> Loading more…
            </span>
          ) : !gallery.hasNextPage ? (
            <span>{count === 1 ? 'One image' : `All ${count.toLocaleString()} images`} shown</span>
          ) : null}
        </div>
      </>
    );
  }

  return (
    <div className="mx-auto max-w-7xl px-4 sm:px-6">
      <div
        ref={toolbarRef}
        className="sticky top-14 z-20 -mx-4 border-b border-transparent bg-white/85 px-4 pt-5 pb-3 backdrop-blur sm:-mx-6 sm:px-6 dark:bg-zinc-950/85"
      >
        <div className="mb-3 flex items-baseline justify-between gap-4">
          <h1 className="text-xl font-semibold tracking-tight">Gallery</h1>
          <p className="text-xs text-zinc-500 tabular-nums dark:text-zinc-400" aria-live="polite">
            {gallery.isPending ? 'Loading…' : !gallery.data ? '' : `${count.toLocaleString()}${gallery.hasNextPage ? '+' : ''} ${count === 1 ? 'image' : 'images'}`}
          </p>
        </div>
        <GalleryToolbar filters={filters} onChange={setFilters} models={models.data} />
      </div>
      <div className="pt-2 pb-4">
        {body}
      </div>
      {count > 0 ? (
        <p className={cn('hidden pb-8 text-center text-xs text-zinc-400 sm:block dark:text-zinc-500', selecting && 'pb-24')}>
          <Kbd>←</Kbd> <Kbd>↑</Kbd> <Kbd>→</Kbd> <Kbd>↓</Kbd> to move · <Kbd>Enter</Kbd> to open · <Kbd>S</Kbd> to star · <Kbd>Space</Kbd> to select,{' '}
          <Kbd>Shift</Kbd> + arrows for more · <Kbd>Esc</Kbd> to clear
        </p>
      ) : null}
      {selecting ? (
        <>
          {/* Room under the last row, so the bar never covers it. */}
          <div aria-hidden className="h-20 sm:hidden" />
          <SelectionBar
            count={selection.ids.size}
            shown={count}
            allStarred={allStarred}
            starring={bulkStar.isPending}
            downloading={download.isPending}
            trashing={bulkTrash.isPending}
            onClear={clearSelection}
            onSelectAll={onSelectAll}
            onStar={() => bulkStar.mutate({ ids: chosen(), starred: !allStarred })}
            onDownload={() => download.mutate(chosen())}
            onCompare={() => {
              const [a, b] = chosen().sort((x, y) => x - y);
              if (a !== undefined && b !== undefined) navigate(`/compare/${a}/${b}`);
            }}
            onTrash={() => bulkTrash.mutate(chosen())}
          />
        </>
      ) : null}
      <ShareDialog node={sharing} open={sharing !== null} onClose={() => setSharing(null)} />
    </div>
  );
}
