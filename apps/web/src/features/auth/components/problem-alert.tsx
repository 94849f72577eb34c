import { ApiError } from '@/lib/api-client';
import { formatWait } from '../format';

/** A refused password form (sign-in, set-up, a password change), in words for the person, and until when to wait after a 429. */
export interface FormProblem {
  message: string;
  /** Date.now() time before which the server refuses another attempt. */
  retryUntil: number | null;
}

export function problemFrom(error: unknown): FormProblem {
  if (error instanceof ApiError && error.status === 429 && error.retryAfter !== undefined) {
    return { message: error.message, retryUntil: Date.now() + error.retryAfter * 1000 };
  }
  if (error instanceof ApiError && error.status === 401 && error.code === 'invalid_credentials') {
    return { message: error.message || 'Wrong username or password.', retryUntil: null };
  }
  if (error instanceof ApiError && error.status === 403 && error.code === 'account_disabled') {
    return { message: error.message || 'This account is disabled. Ask an admin to enable it again.', retryUntil: null };
  }
  return { message: error instanceof Error ? error.message : 'Something went wrong. Try again.', retryUntil: null };
}

/** The problem under a form's fields; after a 429, a countdown until the next attempt. */
export function ProblemAlert({ problem, secondsLeft }: { problem: FormProblem; secondsLeft: number }) {
  const waiting = problem.retryUntil !== null;
  return (
    <div role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200 dark:bg-red-950/50 dark:text-red-200 dark:ring-red-900">
      {waiting ? (
        secondsLeft > 0 ? (
          <>
            Too many attempts. Try again in <span className="font-semibold tabular-nums">{formatWait(secondsLeft)}</span>.
          </>
        ) : (
          'You can try again now.'
        )
      ) : (
        problem.message
      )}
    </div>
  );
}
