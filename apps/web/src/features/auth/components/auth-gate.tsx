import { useEffect, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { AlertTriangle, LoaderCircle, RotateCw } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/empty-state';
import { onUnauthenticated } from '@/lib/api-client';
import { endSession, sessionEndedKey, useMe, type SessionEnded } from '../api';
import { signInPath } from '../next';

/** What the sign-in page is told when the gate sends the person there. */
export interface SignInState {
  /** The session ended while they were using the app (not a first visit). */
  expired?: boolean;
  /** Who was signed in: if someone else signs in now, the tab is reloaded so nothing of theirs stays. */
  previousUserId?: string | null;
}

/** A screen-filling spinner while the app asks who is signed in (one quick local request). */
export function AuthLoading() {
  return (
    <div className="flex min-h-dvh items-center justify-center" role="status" aria-label="Loading">
      <LoaderCircle className="h-6 w-6 animate-spin text-zinc-400" aria-hidden />
    </div>
  );
}

export function AuthLoadError({ error, onRetry, retrying }: { error: Error; onRetry: () => void; retrying: boolean }) {
  return (
    <div className="flex min-h-dvh items-center justify-center">
      <EmptyState
        icon={<AlertTriangle className="h-10 w-10 text-amber-500" aria-hidden />}
        title="ImageFlow could not start"
        action={
          <Button onClick={onRetry} disabled={retrying}>
            {retrying ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <RotateCw className="h-4 w-4" aria-hidden />}
            Retry
          </Button>
        }
      >
        <p role="alert">{error.message}</p>
      </EmptyState>
    </div>
  );
}

/**
 * The studio shows only once the app knows who is signed in (GET /api/auth/me). With accounts
 * on and nobody signed in, the sign-in page shows instead, and brings the person back here
 * afterwards; with accounts off (single-user mode), everyone goes straight in. A 401 from any
 * call while the studio is open ends the session the same way.
 */
export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  const queryClient = useQueryClient();

  useEffect(() => onUnauthenticated(() => endSession(queryClient)), [queryClient]);

  if (me.isPending) return <AuthLoading />;
  if (me.isError) return <AuthLoadError error={me.error} onRetry={() => void me.refetch()} retrying={me.isFetching} />;
  if (me.data.auth === 'on' && !me.data.user) {
    const ended = queryClient.getQueryData<SessionEnded>(sessionEndedKey);
    const state: SignInState | undefined = ended ? { expired: true, previousUserId: ended.previousUserId } : undefined;
    // Replaced, not pushed: after signing in, Back leads where it led before, not to this page.
    return <Navigate to={signInPath(location)} replace state={state} />;
  }
  return children;
}
