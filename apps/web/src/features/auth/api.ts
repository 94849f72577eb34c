import { queryOptions, useMutation, useQuery, type QueryClient } from '@tanstack/react-query';
import { api, ApiError, type Me, type Session } from '@/lib/api-client';
import { loadPage } from '@/lib/navigation';
import { SIGN_IN_PATH } from './next';

export const meKey = ['auth', 'me'] as const;

/**
 * GET /api/auth/me: whether accounts are on, who is signed in, and the CSRF token (which
 * api.me keeps for the writes that follow). Changed only by signing in or out, or by a 401.
 */
export function meQueryOptions() {
  return queryOptions({ queryKey: meKey, queryFn: api.me, staleTime: Infinity });
}

export function useMe() {
  return useQuery(meQueryOptions());
}

/** The signed-in state a login or set-up answer stands for. */
function signedIn(session: Session): Me {
  return { auth: 'on', user: session.user, csrf_token: session.csrf_token, setup_needed: false };
}

/** Set when a 401 ended a session in this tab: who was signed in. */
export const sessionEndedKey = ['auth', 'ended'] as const;

export interface SessionEnded {
  previousUserId: string | null;
}

/**
 * Forgets everything fetched for whoever was signed in before (their gallery, images, tokens),
 * then records the new session. The me query stays: the sign-in page is watching it.
 */
export function startSession(queryClient: QueryClient, session: Session): void {
  queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== meKey[0] });
  queryClient.removeQueries({ queryKey: sessionEndedKey, exact: true });
  queryClient.setQueryData<Me>(meKey, signedIn(session));
}

/**
 * After a 401: accounts are on (whatever the cache said) and nobody is signed in, which makes
 * the gate show the sign-in page. Remembers who was signed in.
 */
export function endSession(queryClient: QueryClient): void {
  const previous = queryClient.getQueryData<Me>(meKey);
  queryClient.setQueryData<SessionEnded>(sessionEndedKey, { previousUserId: previous?.user?.id ?? null });
  queryClient.setQueryData<Me>(meKey, (me) => ({ setup_needed: false, ...me, auth: 'on', user: null, csrf_token: null }));
  // Read again: set-up may be needed, or the server may have been restarted with accounts off.
  void queryClient.invalidateQueries({ queryKey: meKey, exact: true });
}

export interface Credentials {
  username: string;
  password: string;
}

/** POST /api/auth/login; its errors (401 wrong credentials, 429) are shown by the form, not as toasts. */
export function useSignIn() {
  return useMutation({
    mutationFn: ({ username, password }: Credentials) => api.login(username, password),
    onError: () => {},
  });
}

/** POST /api/auth/setup: the first admin, signed in at once. Errors are shown by the form. */
export function useSetUp() {
  return useMutation({
    mutationFn: ({ username, password }: Credentials) => api.setup(username, password),
    onError: () => {},
  });
}

/**
 * POST /api/auth/logout, then a full page load of the sign-in page, so nothing of this
 * session stays in the tab. A 401 means the session had already ended: signed out all the same.
 */
export function useSignOut() {
  return useMutation({
    mutationFn: async () => {
      try {
        await api.logout();
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) throw error;
      }
    },
    onSuccess: () => loadPage(SIGN_IN_PATH),
  });
}
