import { useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Navigate, useLocation, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { Info, LoaderCircle } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Field, Input } from '@/components/ui/field';
import { ApiError, type Session } from '@/lib/api-client';
import { loadPage } from '@/lib/navigation';
import { useSecondsLeft } from '@/lib/use-seconds-left';
import { meKey, startSession, useMe, useSetUp, useSignIn } from '../api';
import { fieldProps, usernameInputProps } from '../form';
import { safeNext } from '../next';
import { hasErrors, MIN_PASSWORD_LENGTH, validateSetUp, validateSignIn, type FieldErrors } from '../validation';
import { AuthLoadError, AuthLoading, type SignInState } from './auth-gate';
import { problemFrom, ProblemAlert, type FormProblem } from './problem-alert';

function Notice({ children }: { children: ReactNode }) {
  return (
    <div role="status" className="flex gap-2 rounded-lg bg-indigo-50 px-3 py-2 text-sm text-indigo-900 ring-1 ring-inset ring-indigo-200 dark:bg-indigo-950/50 dark:text-indigo-200 dark:ring-indigo-900">
      <Info className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
      <div>{children}</div>
    </div>
  );
}

function SubmitButton({ pending, disabled, children, pendingLabel }: { pending: boolean; disabled?: boolean; children: ReactNode; pendingLabel: string }) {
  return (
    <Button type="submit" variant="primary" className="w-full justify-center" disabled={pending || disabled}>
      {pending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : null}
      {pending ? pendingLabel : children}
    </Button>
  );
}

function SignInForm({ onSignedIn, notice }: { onSignedIn: (session: Session) => void; notice: ReactNode }) {
  const signIn = useSignIn();
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors<'username' | 'password'>>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const secondsLeft = useSecondsLeft(problem?.retryUntil ?? null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const usernameRef = useRef<HTMLInputElement>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validateSignIn({ username, password });
    setErrors(found);
    if (hasErrors(found)) {
      (found.username ? usernameRef : passwordRef).current?.focus();
      return;
    }
    setProblem(null);
    signIn.mutate(
      { username: username.trim(), password },
      {
        onSuccess: onSignedIn,
        onError: (error) => {
          setProblem(problemFrom(error));
          setPassword('');
          passwordRef.current?.focus();
        },
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Sign in">
      {notice}
      <Field label="Username" htmlFor={`${id}-username`} error={errors.username}>
        <Input
          ref={usernameRef}
          {...fieldProps(`${id}-username`, errors.username)}
          name="username"
          autoComplete="username"
          maxLength={64}
          autoFocus
          {...usernameInputProps}
          value={username}
          onChange={(e) => {
            setUsername(e.target.value);
            setErrors((old) => ({ ...old, username: undefined }));
          }}
        />
      </Field>
      <Field label="Password" htmlFor={`${id}-password`} error={errors.password}>
        <Input
          ref={passwordRef}
          {...fieldProps(`${id}-password`, errors.password)}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
            setErrors((old) => ({ ...old, password: undefined }));
          }}
        />
      </Field>
      {problem ? <ProblemAlert problem={problem} secondsLeft={secondsLeft} /> : null}
      <SubmitButton pending={signIn.isPending} disabled={secondsLeft > 0} pendingLabel="Signing in…">
        Sign in
      </SubmitButton>
    </form>
  );
}

function SetUpForm({ onSignedIn, onAlreadySetUp }: { onSignedIn: (session: Session) => void; onAlreadySetUp: () => void }) {
  const setUp = useSetUp();
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<FieldErrors<'username' | 'password' | 'confirm'>>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const secondsLeft = useSecondsLeft(problem?.retryUntil ?? null);
  const refs = {
    username: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    confirm: useRef<HTMLInputElement>(null),
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validateSetUp({ username, password, confirm });
    setErrors(found);
    const first = (['username', 'password', 'confirm'] as const).find((k) => found[k]);
    if (first) {
      refs[first].current?.focus();
      return;
    }
    setProblem(null);
    setUp.mutate(
      { username: username.trim(), password },
      {
        onSuccess: onSignedIn,
        onError: (error) => {
          // Someone else finished the set-up first: their account exists, so sign in instead.
          if (error instanceof ApiError && error.status === 409) onAlreadySetUp();
          else setProblem(problemFrom(error));
        },
      },
    );
  };

  const clear = (key: 'username' | 'password' | 'confirm') => setErrors((old) => ({ ...old, [key]: undefined }));

  return (
    <form onSubmit={submit} noValidate className="space-y-4" aria-label="Create the admin account">
      <Field label="Username" htmlFor={`${id}-username`} error={errors.username}>
        <Input
          ref={refs.username}
          {...fieldProps(`${id}-username`, errors.username)}
          name="username"
          autoComplete="username"
          maxLength={64}
          autoFocus
          {...usernameInputProps}
          value={username}
          onChange={(e) => {
            setUsername(e.target.value);
            clear('username');
          }}
        />
      </Field>
      <Field label="Password" htmlFor={`${id}-password`} error={errors.password} hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}>
        <Input
          ref={refs.password}
          {...fieldProps(`${id}-password`, errors.password)}
          name="new-password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
            clear('password');
          }}
        />
      </Field>
      <Field label="Password again" htmlFor={`${id}-confirm`} error={errors.confirm}>
        <Input
          ref={refs.confirm}
          {...fieldProps(`${id}-confirm`, errors.confirm)}
          name="confirm-password"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => {
            setConfirm(e.target.value);
            clear('confirm');
          }}
        />
      </Field>
      {problem ? <ProblemAlert problem={problem} secondsLeft={secondsLeft} /> : null}
      <SubmitButton pending={setUp.isPending} disabled={secondsLeft > 0} pendingLabel="Creating the account…">
        Create account and sign in
      </SubmitButton>
    </form>
  );
}

function AuthScreen({ title, intro, children, footer }: { title: string; intro?: ReactNode; children: ReactNode; footer?: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col items-center bg-zinc-50 px-4 py-10 sm:justify-center sm:py-16 dark:bg-zinc-950">
      <main id="main" className="w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center text-center">
          <img src="/favicon.svg" alt="" className="mb-3 h-10 w-10" />
          <p className="text-sm font-semibold tracking-tight text-zinc-500 dark:text-zinc-400">ImageFlow</p>
          <h1 className="mt-1 text-xl font-semibold tracking-tight">{title}</h1>
          {intro ? <div className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">{intro}</div> : null}
        </div>
        <div className="rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6 dark:border-zinc-800 dark:bg-zinc-900">{children}</div>
        {footer ? <div className="mt-4 text-center text-xs text-zinc-500 dark:text-zinc-400">{footer}</div> : null}
      </main>
    </div>
  );
}

/**
 * /signin: the sign-in form, or on first run (accounts on, none yet) the form that creates the
 * first admin. Afterwards it returns to `?next=` (a path of this app), else to Create. In
 * single-user mode, or when already signed in, it goes there at once.
 */
export function SignInPage() {
  const me = useMe();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const location = useLocation();
  const state = (location.state ?? null) as SignInState | null;
  const next = safeNext(params.get('next'));
  const [setUpTaken, setSetUpTaken] = useState(false);

  const onSignedIn = (session: Session) => {
    // Someone else than whose session ended: a fresh page, so nothing of the other person's stays.
    if (state?.previousUserId && state.previousUserId !== session.user.id) {
      loadPage(next);
      return;
    }
    // Signed in: the me query now says so, and the page below goes to `next`.
    startSession(queryClient, session);
  };

  if (me.isPending) return <AuthLoading />;
  if (me.isError) return <AuthLoadError error={me.error} onRetry={() => void me.refetch()} retrying={me.isFetching} />;
  if (me.data.auth === 'off' || me.data.user) return <Navigate to={next} replace />;

  if (me.data.setup_needed && !setUpTaken) {
    return (
      <AuthScreen
        title="Create the admin account"
        intro="Accounts are on and none exists yet. The first account you create here is the administrator of this ImageFlow."
        footer={
          <>
            More accounts later, on the server: <code className="font-mono whitespace-nowrap">npm run user -- create NAME</code>
          </>
        }
      >
        <SetUpForm
          onSignedIn={onSignedIn}
          onAlreadySetUp={() => {
            setSetUpTaken(true);
            void queryClient.invalidateQueries({ queryKey: meKey, exact: true });
          }}
        />
      </AuthScreen>
    );
  }

  return (
    <AuthScreen title="Sign in" footer="No account yet? Ask the person who runs this ImageFlow.">
      <SignInForm
        onSignedIn={onSignedIn}
        notice={
          setUpTaken ? (
            <Notice>An admin account was created meanwhile, so this ImageFlow is set up. Sign in with that account.</Notice>
          ) : state?.expired ? (
            <Notice>Your session has ended. Sign in again to continue where you were.</Notice>
          ) : null
        }
      />
    </AuthScreen>
  );
}
