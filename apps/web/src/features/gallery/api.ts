import { useEffect, useMemo } from 'react';
import { infiniteQueryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import type { BulkAction, GalleryPage, ImageNode } from '@imageflow/shared';
import { MAX_BULK_IMAGES } from '@imageflow/shared/constants';
import { api, ApiError } from '@/lib/api-client';
import { galleryParams, type GalleryFilters } from './filters';

/** Divisible by every column count from 2 to 8 except 7, so pages end on a full row. */
export const GALLERY_PAGE_SIZE = 120;

export type GalleryData = InfiniteData<GalleryPage, string | undefined>;

/** GET /api/images, newest (or oldest) first, keyset-paged by next_cursor. Key: ['gallery', params]. */
export function galleryInfiniteQueryOptions(filters: GalleryFilters, limit = GALLERY_PAGE_SIZE) {
  const params = galleryParams(filters, limit);
  return infiniteQueryOptions({
    queryKey: ['gallery', params],
    queryFn: ({ pageParam }) => api.gallery({ ...params, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useGallery(filters: GalleryFilters) {
  return useInfiniteQuery(galleryInfiniteQueryOptions(filters));
}

/** The model filter's options come from the same ['models'] query the Create screen uses. */
export function useModelOptions() {
  return useQuery({ queryKey: ['models'], queryFn: api.models, staleTime: 60_000, select: (d) => d.models });
}

function withStarred(data: GalleryData | undefined, id: number, starred: boolean): GalleryData | undefined {
  if (!data) return data;
  let changed = false;
  const pages = data.pages.map((page) => {
    if (!page.items.some((n) => n.id === id)) return page;
    changed = true;
    return { ...page, items: page.items.map((n) => (n.id === id ? { ...n, starred } : n)) };
  });
  return changed ? { ...data, pages } : data;
}

/**
 * PATCH /api/images/:id {starred}: every cached gallery page and the image itself flip at once,
 * and flip back if the server refuses (the app-wide handler still shows its message).
 */
export function useToggleStar() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, starred }: { id: number; starred: boolean }) => api.setStarred(id, starred),
    onMutate: async ({ id, starred }) => {
      await queryClient.cancelQueries({ queryKey: ['gallery'] });
      const galleries = queryClient.getQueriesData<GalleryData>({ queryKey: ['gallery'] });
      const image = queryClient.getQueryData<ImageNode>(['image', id]);
      queryClient.setQueriesData<GalleryData>({ queryKey: ['gallery'] }, (data) => withStarred(data, id, starred));
      if (image) queryClient.setQueryData<ImageNode>(['image', id], { ...image, starred });
      return { galleries, image };
    },
    // Rolled back here rather than in onError, which would replace the app-wide error toast.
    onSettled: (node, error, { id }, context) => {
      if (error && context) {
        for (const [key, data] of context.galleries) queryClient.setQueryData(key, data);
        if (context.image) queryClient.setQueryData(['image', id], context.image);
        return;
      }
      if (node) queryClient.setQueryData(['image', id], node);
      // Marked stale, not refetched now: refetching every loaded page of a long scroll for one
      // star would be wasteful, and the cache already holds the new value.
      void queryClient.invalidateQueries({ queryKey: ['gallery'], refetchType: 'none' });
      void queryClient.invalidateQueries({ queryKey: ['lineage'], refetchType: 'none' });
    },
  });
}

export interface BulkResult {
  /** The images changed, as the server answers them now. */
  done: ImageNode[];
  /** The ids left as they were, and why: from the part the server refused on (it changed none of that part). */
  failed: { ids: number[]; error: Error } | null;
}

/**
 * POST /api/images/bulk for every id (each once): one request, or parts of MAX_BULK_IMAGES one
 * after the other for a larger selection. The server changes a part all or none, so a refused part
 * stops there: it and the parts after it are left as they were, and said in the result.
 */
export async function bulkInParts(ids: readonly number[], action: BulkAction): Promise<BulkResult> {
  const unique = [...new Set(ids)];
  const done: ImageNode[] = [];
  for (let start = 0; start < unique.length; start += MAX_BULK_IMAGES) {
    try {
      done.push(...(await api.bulkImages(unique.slice(start, start + MAX_BULK_IMAGES), action)).items);
    } catch (error) {
      return { done, failed: { ids: unique.slice(start), error: error instanceof Error ? error : new Error(String(error)) } };
    }
  }
  return { done, failed: null };
}

/** Says what failed, in the server's words, which name the images at fault (a 401 takes the person to sign in instead). */
function reportFailure(failed: BulkResult['failed'], what: (count: number) => string) {
  if (!failed || (failed.error instanceof ApiError && failed.error.status === 401)) return;
  toast.error(what(failed.ids.length), { description: failed.error.message });
}

const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString()} ${count === 1 ? one : many}`;

/** Whether each of these images is starred in the cached gallery pages (those not loaded are left out). */
function starredNow(queryClient: QueryClient, ids: readonly number[]): Map<number, boolean> {
  const wanted = new Set(ids);
  const found = new Map<number, boolean>();
  for (const [, data] of queryClient.getQueriesData<GalleryData>({ queryKey: ['gallery'] })) {
    for (const page of data?.pages ?? []) for (const n of page.items) if (wanted.has(n.id)) found.set(n.id, n.starred);
  }
  return found;
}

/** Stars (or unstars) many images: every cached gallery page shows it at once; those the server refused flip back. */
export function useBulkStar() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ ids, starred }: { ids: readonly number[]; starred: boolean }) => bulkInParts(ids, starred ? 'star' : 'unstar'),
    onMutate: async ({ ids, starred }) => {
      await queryClient.cancelQueries({ queryKey: ['gallery'] });
      const before = starredNow(queryClient, ids);
      queryClient.setQueriesData<GalleryData>({ queryKey: ['gallery'] }, (data) => ids.reduce((d, id) => withStarred(d, id, starred), data));
      return { before };
    },
    onSuccess: ({ done, failed }, { starred }, context) => {
      for (const node of done) queryClient.setQueryData(['image', node.id], node);
      if (failed) {
        queryClient.setQueriesData<GalleryData>({ queryKey: ['gallery'] }, (data) =>
          failed.ids.reduce((d, id) => withStarred(d, id, context?.before.get(id) ?? !starred), data),
        );
      }
      reportFailure(failed, (n) => `${plural(n, 'image')} could not be ${starred ? 'starred' : 'unstarred'}`);
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['gallery'], refetchType: 'none' });
      void queryClient.invalidateQueries({ queryKey: ['lineage'], refetchType: 'none' });
    },
  });
}

function withoutImages(data: GalleryData | undefined, ids: ReadonlySet<number>): GalleryData | undefined {
  if (!data || !data.pages.some((p) => p.items.some((n) => ids.has(n.id)))) return data;
  return { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.filter((n) => !ids.has(n.id)) })) };
}

function afterTrashChange(queryClient: QueryClient, nodes: readonly ImageNode[]) {
  for (const node of nodes) queryClient.setQueryData(['image', node.id], node);
  void queryClient.invalidateQueries({ queryKey: ['gallery'] });
  void queryClient.invalidateQueries({ queryKey: ['lineage'] });
  void queryClient.invalidateQueries({ queryKey: ['trash'] });
}

/** The toast's Undo: takes them all out of the trash again. */
async function restoreAll(queryClient: QueryClient, ids: readonly number[]): Promise<void> {
  const { done, failed } = await bulkInParts(ids, 'restore');
  afterTrashChange(queryClient, done);
  if (done.length > 0) toast.success(`${plural(done.length, 'image')} restored`);
  reportFailure(failed, (n) => `${plural(n, 'image')} could not be restored`);
}

/**
 * Moves many images to the trash, as one image is moved: no confirmation, gone from the gallery at
 * once, and a toast with Undo (restorable later from the Trash too).
 */
export function useBulkTrash() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ids: readonly number[]) => bulkInParts(ids, 'trash'),
    onSuccess: ({ done, failed }) => {
      queryClient.setQueriesData<GalleryData>({ queryKey: ['gallery'] }, (data) => withoutImages(data, new Set(done.map((n) => n.id))));
      afterTrashChange(queryClient, done);
      // One deleted for good meanwhile (elsewhere) is left as it is: not in the trash, nothing to undo.
      const inTrash = done.filter((n) => n.trashed_at !== null && n.deleted_at === null);
      if (inTrash.length > 0) {
        const ids = inTrash.map((n) => n.id);
        toast.success(inTrash.length === 1 ? `Image #${ids[0]} moved to the trash` : `${plural(inTrash.length, 'image')} moved to the trash`, {
          description: 'Hidden from the gallery. Undo, or restore them later from the Trash.',
          duration: 10_000,
          action: { label: 'Undo', onClick: () => void restoreAll(queryClient, ids) },
        });
      }
      reportFailure(failed, (n) => `${plural(n, 'image')} could not be moved to the trash`);
    },
  });
}

/** Hands a file to the browser's downloads, under `name`. */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Long enough for the browser to have taken the file.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** POST /api/images/download: the selected PNGs as one .zip, saved under the server's name for it. */
export function useDownloadZip() {
  return useMutation({
    mutationFn: (ids: readonly number[]) => api.downloadImages(ids),
    onSuccess: ({ blob, filename }, ids) => saveFile(blob, filename ?? `imageflow-${ids.length}-images.zip`),
  });
}

/** Pages read ahead, at most, to find an image that is not among those loaded (a reload deep in the gallery). */
const MAX_PAGES_TO_FIND = 10;

export interface GalleryNeighbors {
  previous: ImageNode | null;
  next: ImageNode | null;
  /** Where the image is in the gallery (0-based); -1 while unknown or when it is not in it. */
  index: number;
}

/**
 * The images before and after `id` in the gallery as `filters` show it, from the same cached pages
 * the gallery uses: the next page is fetched when the image is the last one loaded, and pages are
 * read ahead (a few) when it is not among them yet.
 */
export function useGalleryNeighbors(id: number, filters: GalleryFilters, enabled = true): GalleryNeighbors {
  const query = useInfiniteQuery({ ...galleryInfiniteQueryOptions(filters), enabled, staleTime: 5 * 60_000 });
  const items = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const index = items.findIndex((n) => n.id === id);
  const last = items.at(-1);
  // Ids run in the gallery's order, so the loaded pages have passed the image when the last is beyond it.
  const passed = last !== undefined && (filters.order === 'asc' ? last.id > id : last.id < id);
  const pages = query.data?.pages.length ?? 0;
  const wantMore = enabled && query.hasNextPage && !query.isFetching && (index < 0 ? !passed && pages < MAX_PAGES_TO_FIND : index === items.length - 1);
  const { fetchNextPage } = query;
  useEffect(() => {
    if (wantMore) void fetchNextPage();
  }, [wantMore, fetchNextPage]);
  return { previous: index > 0 ? items[index - 1]! : null, next: index >= 0 ? (items[index + 1] ?? null) : null, index };
}
