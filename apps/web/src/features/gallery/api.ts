import { infiniteQueryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData } from '@tanstack/react-query';
import type { GalleryPage, ImageNode } from '@imageflow/shared';
import { api } from '@/lib/api-client';
import { galleryParams, type GalleryFilters } from './filters';

/** Divisible by every column count from 2 to 8 except 7, so pages end on a full row. */
export const GALLERY_PAGE_SIZE = 120;

export type GalleryData = InfiniteData<GalleryPage, string | undefined>;

/** GET /api/images, newest first, keyset-paged by next_cursor. Key: ['gallery', params]. */
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
