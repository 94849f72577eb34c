import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, type ApiTokenList } from '@/lib/api-client';

export const tokensKey = ['tokens'] as const;

/** GET /api/tokens: the signed-in person's tokens (never the secrets themselves). */
export function useTokens(enabled = true) {
  return useQuery({ queryKey: tokensKey, queryFn: api.tokens, enabled });
}

/**
 * POST /api/tokens {name}: its answer is the only time the token itself is seen; it stays in
 * the caller's state, never in the query cache. Errors are shown by the form.
 */
export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => api.createToken(name),
    onError: () => {},
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: tokensKey }),
  });
}

/** DELETE /api/tokens/:id: gone from the list at once (a failure shows the app-wide toast). */
export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.revokeToken(id),
    onSuccess: (_, id) => {
      queryClient.setQueryData<ApiTokenList>(tokensKey, (list) => (list ? { items: list.items.filter((t) => t.id !== id) } : list));
      void queryClient.invalidateQueries({ queryKey: tokensKey });
    },
  });
}
