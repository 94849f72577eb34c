import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type NewShare, type ShareList } from '@/lib/api-client';

export const sharesKey = ['shares'] as const;

/** GET /api/shares: my links, newest first (never the links themselves: only their hashes are kept). */
export function useShares(enabled = true) {
  return useQuery({ queryKey: sharesKey, queryFn: api.shares, enabled });
}

/**
 * POST /api/shares: its answer is the only time the link is seen; it stays in the dialog's
 * state, never in the query cache. Errors are shown by the dialog, not as toasts.
 */
export function useCreateShare() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: NewShare) => api.createShare(body),
    onError: () => {},
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: sharesKey }),
  });
}

/** DELETE /api/shares/:id: the link shows as revoked at once (a failure shows the app-wide toast). */
export function useRevokeShare() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.revokeShare(id),
    onSuccess: (revoked) => {
      queryClient.setQueryData<ShareList>(sharesKey, (list) => (list ? { items: list.items.map((s) => (s.id === revoked.id ? revoked : s)) } : list));
      void queryClient.invalidateQueries({ queryKey: sharesKey });
    },
  });
}

export const sharedViewKey = (key: string) => ['shared', key] as const;

/**
 * GET /api/s/:key, the public view of a link. Read once per visit (each read counts a view for
 * the owner): never stale, not read again on focus.
 */
export function sharedViewQueryOptions(key: string) {
  return queryOptions({ queryKey: sharedViewKey(key), queryFn: () => api.sharedView(key), staleTime: Infinity, refetchOnWindowFocus: false });
}

export function useSharedView(key: string) {
  return useQuery(sharedViewQueryOptions(key));
}

/** POST /api/s/:key/unlock; then the link is read again, now unlocked. Errors are shown by the form. */
export function useUnlockShare(key: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (password: string) => api.unlockShare(key, password),
    onError: () => {},
    onSuccess: () => queryClient.invalidateQueries({ queryKey: sharedViewKey(key) }),
  });
}
