import { infiniteQueryOptions, useInfiniteQuery, useMutation, useQuery, useQueryClient, type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import type { ImageNode, TrashPage } from '@imageflow/shared';
import { api, ApiError } from '@/lib/api-client';
import { imageKey } from '@/features/image/api';

/** Images per page of the trash. */
export const TRASH_PAGE_SIZE = 50;

export const trashKey = ['trash'] as const;
const trashListKey = ['trash', 'list'] as const;

export type TrashData = InfiniteData<TrashPage, string | undefined>;

/** GET /api/trash: my trashed images, most recently trashed first, keyset-paged by next_cursor. */
export function trashInfiniteQueryOptions(limit = TRASH_PAGE_SIZE) {
  return infiniteQueryOptions({
    queryKey: [...trashListKey, { limit }],
    queryFn: ({ pageParam }) => api.trash({ limit, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useTrash() {
  return useInfiniteQuery(trashInfiniteQueryOptions());
}

/**
 * How many days the trash keeps an image, for a trashed image's page: read from the first page of
 * the trash (the server says it with every page), from the cache when the trash was opened.
 */
export function usePurgeAfterDays(enabled: boolean): number | undefined {
  const queryClient = useQueryClient();
  const { data } = useQuery({
    queryKey: ['trash', 'purge-after-days'],
    queryFn: async () => (await api.trash({ limit: 1 })).purge_after_days,
    initialData: () => queryClient.getQueriesData<TrashData>({ queryKey: trashListKey }).find(([, d]) => d?.pages[0])?.[1]?.pages[0]?.purge_after_days,
    staleTime: 10 * 60_000,
    enabled,
  });
  return data;
}

function withoutImage(data: TrashData | undefined, id: number): TrashData | undefined {
  if (!data || !data.pages.some((p) => p.items.some((n) => n.id === id))) return data;
  return { ...data, pages: data.pages.map((p) => ({ ...p, items: p.items.filter((n) => n.id !== id) })) };
}

/**
 * After an image moved into or out of the trash, or was deleted forever: the image itself takes the
 * server's answer at once, and every list it may be in or out of now is read again.
 */
export function syncImage(queryClient: QueryClient, node: ImageNode) {
  queryClient.setQueryData(imageKey(node.id), node);
  // Out of the trash (restored or deleted forever): gone from its list at once, before the refetch.
  if (!node.trashed_at || node.deleted_at) queryClient.setQueriesData<TrashData>({ queryKey: trashListKey }, (d) => withoutImage(d, node.id));
  void queryClient.invalidateQueries({ queryKey: imageKey(node.id) });
  void queryClient.invalidateQueries({ queryKey: ['gallery'] });
  void queryClient.invalidateQueries({ queryKey: ['lineage'] });
  void queryClient.invalidateQueries({ queryKey: trashListKey });
}

/** The toast's Undo: restores the image, whether or not the page that trashed it is still open. */
export async function undoMoveToTrash(queryClient: QueryClient, id: number): Promise<void> {
  try {
    syncImage(queryClient, await api.restoreImage(id));
    toast.success(`Image #${id} restored`);
  } catch (error) {
    // A 401 sends the person to sign in (features/auth); anything else is said in the server's words.
    if (error instanceof ApiError && error.status === 401) return;
    toast.error(error instanceof Error ? error.message : 'The image could not be restored.');
  }
}

/**
 * DELETE /api/images/:id: into the trash, hidden from the gallery, restorable until purged. No
 * confirmation: a toast says so, with Undo (shown even if the page was left before the answer).
 */
export function useMoveToTrash() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.trashImage(id),
    onSuccess: (node) => {
      syncImage(queryClient, node);
      toast.success(`Image #${node.id} moved to the trash`, {
        description: 'Hidden from the gallery. Undo, or restore it later from the Trash.',
        duration: 10_000,
        action: { label: 'Undo', onClick: () => void undoMoveToTrash(queryClient, node.id) },
      });
    },
  });
}

/** POST /api/images/:id/restore: back to the gallery, as it was. */
export function useRestoreImage() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.restoreImage(id),
    onSuccess: (node) => syncImage(queryClient, node),
  });
}

/** DELETE /api/images/:id?forever=true: the files go now; the recipe stays in the lineage as a tombstone. */
export function useDeleteForever() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => api.deleteImageForever(id),
    onSuccess: (node) => syncImage(queryClient, node),
  });
}

export interface EmptyTrashResult {
  deleted: number[];
  failed: Array<{ id: number; error: ApiError | Error }>;
}

/** Deletes at once at most this many images while emptying the trash: quick, without flooding the server. */
const EMPTY_CONCURRENCY = 4;

/**
 * Deletes every image in `ids` forever, a few at a time, going on past a failure (each is said in
 * the result: the app-wide error toast would say only one). `onProgress` counts those done.
 */
export function useEmptyTrash() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ ids, onProgress }: { ids: readonly number[]; onProgress?: (done: number) => void }): Promise<EmptyTrashResult> => {
      const result: EmptyTrashResult = { deleted: [], failed: [] };
      let next = 0;
      let done = 0;
      const worker = async () => {
        while (next < ids.length) {
          const id = ids[next++]!;
          try {
            const node = await api.deleteImageForever(id);
            queryClient.setQueryData(imageKey(node.id), node);
            result.deleted.push(id);
          } catch (error) {
            result.failed.push({ id, error: error instanceof Error ? error : new Error(String(error)) });
          }
          onProgress?.(++done);
        }
      };
      await Promise.all(Array.from({ length: Math.min(EMPTY_CONCURRENCY, ids.length) }, worker));
      return result;
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: ['image'] });
      void queryClient.invalidateQueries({ queryKey: ['gallery'] });
      void queryClient.invalidateQueries({ queryKey: ['lineage'] });
      void queryClient.invalidateQueries({ queryKey: trashListKey });
    },
  });
}
