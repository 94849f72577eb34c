import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { ChevronRight, CircleAlert, KeyRound, LoaderCircle, LogOut, Users } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field, Input } from '@/components/ui/field';
import { Skeleton } from '@/components/ui/skeleton';
import { ApiError, type User } from '@/lib/api-client';
import { useSecondsLeft } from '@/lib/use-seconds-left';
import { useMe } from '@/features/auth/api';
import { RoleBadge } from '@/features/auth/components/account-menu';
import { problemFrom, ProblemAlert, type FormProblem } from '@/features/auth/components/problem-alert';
import { fieldProps } from '@/features/auth/form';
import { MIN_PASSWORD_LENGTH, validatePasswordChange, type FieldErrors } from '@/features/auth/validation';
import { formatBytes } from '@/features/image/format';
import { useChangePassword, useSignOutEverywhere, useUsage } from '../api';

export const cardClass = 'rounded-xl border border-zinc-200 p-4 sm:p-5 dark:border-zinc-800';

/** A link that reads as a secondary button. */
export const linkButtonClass =
  'inline-flex h-10 shrink-0 items-center gap-2 rounded-lg bg-white px-4 text-sm font-medium text-zinc-800 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

function Section({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className={cardClass}>
      <h2 id={headingId} className="font-semibold">
        {title}
      </h2>
      {description ? <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{description}</p> : null}
      <div className="mt-4">{children}</div>
    </section>
  );
}

function Stat({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <div className="min-w-0 rounded-lg bg-zinc-50 px-3 py-2.5 ring-1 ring-inset ring-zinc-200/70 dark:bg-zinc-900 dark:ring-zinc-800">
      <dt className="text-xs text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="mt-0.5 truncate text-2xl font-semibold tracking-tight tabular-nums" title={title}>
        {value}
      </dd>
    </div>
  );
}

/** My images (the trash included) and the space their files take; in single-user mode, everything. */
function StorageUsed({ title, description, footer }: { title: string; description: ReactNode; footer?: ReactNode }) {
  const usage = useUsage();
  return (
    <Section title={title} description={description}>
      {usage.isPending ? (
        <div aria-hidden className="grid grid-cols-2 gap-3">
          <Skeleton className="h-[4.25rem]" />
          <Skeleton className="h-[4.25rem]" />
        </div>
      ) : usage.isError ? (
        <div className="flex flex-wrap items-center gap-3 text-sm">
          <CircleAlert className="h-5 w-5 shrink-0 text-red-500" aria-hidden />
          <p role="alert" className="min-w-0 flex-1">
            {usage.error.message}
          </p>
          <Button size="sm" onClick={() => void usage.refetch()} disabled={usage.isFetching}>
            Retry
          </Button>
        </div>
      ) : (
        <dl className="grid grid-cols-2 gap-3">
          <Stat label="Images" value={usage.data.images.toLocaleString()} />
          <Stat label="Storage" value={formatBytes(usage.data.bytes)} title={`${usage.data.bytes.toLocaleString()} bytes`} />
        </dl>
      )}
      {footer}
    </Section>
  );
}

type PasswordField = 'current' | 'password' | 'confirm';

function ChangePasswordForm({ username }: { username: string }) {
  const change = useChangePassword();
  const id = useId();
  const [values, setValues] = useState<Record<PasswordField, string>>({ current: '', password: '', confirm: '' });
  const [errors, setErrors] = useState<FieldErrors<PasswordField>>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const secondsLeft = useSecondsLeft(problem?.retryUntil ?? null);
  const refs = {
    current: useRef<HTMLInputElement>(null),
    password: useRef<HTMLInputElement>(null),
    confirm: useRef<HTMLInputElement>(null),
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validatePasswordChange(values);
    setErrors(found);
    const first = (['current', 'password', 'confirm'] as const).find((k) => found[k]);
    if (first) {
      refs[first].current?.focus();
      return;
    }
    setProblem(null);
    change.mutate(
      { current_password: values.current, new_password: values.password },
      {
        onSuccess: () => {
          setValues({ current: '', password: '', confirm: '' });
          toast.success('Password changed. Your other devices have to sign in again.');
        },
        onError: (error) => {
          setProblem(problemFrom(error));
          // Most often the current password was mistyped: there to type again.
          if (error instanceof ApiError && error.status === 400) {
            refs.current.current?.focus();
            refs.current.current?.select();
          }
        },
      },
    );
  };

  const input = (key: PasswordField, label: string, autoComplete: string, hint?: string) => (
    <Field label={label} htmlFor={`${id}-${key}`} error={errors[key]} hint={hint}>
      <Input
        ref={refs[key]}
        {...fieldProps(`${id}-${key}`, errors[key])}
        name={key === 'current' ? 'current-password' : key === 'password' ? 'new-password' : 'confirm-password'}
        type="password"
        autoComplete={autoComplete}
        value={values[key]}
        onChange={(e) => {
          const value = e.target.value;
          setValues((old) => ({ ...old, [key]: value }));
          setErrors((old) => ({ ...old, [key]: undefined }));
        }}
      />
    </Field>
  );

  return (
    <form onSubmit={submit} noValidate aria-label="Change password" className="max-w-sm space-y-4">
      {/* For password managers: whose password this is. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      {input('current', 'Current password', 'current-password')}
      {input('password', 'New password', 'new-password', `At least ${MIN_PASSWORD_LENGTH} characters.`)}
      {input('confirm', 'New password again', 'new-password')}
      {problem ? <ProblemAlert problem={problem} secondsLeft={secondsLeft} /> : null}
      <Button type="submit" variant="primary" disabled={change.isPending || secondsLeft > 0}>
        {change.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <KeyRound className="h-4 w-4" aria-hidden />}
        Change password
      </Button>
    </form>
  );
}

function SignOutEverywhereDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const signOut = useSignOutEverywhere();
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Sign out everywhere?"
      description="Every sign-in of yours ends, on every device, this one included: you sign in again here afterwards. Your API tokens keep working."
      footer={
        <>
          <Button onClick={onClose} autoFocus>
            Cancel
          </Button>
          <Button variant="danger" disabled={signOut.isPending} onClick={() => signOut.mutate()}>
            {signOut.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <LogOut className="h-4 w-4" aria-hidden />}
            Sign out everywhere
          </Button>
        </>
      }
    />
  );
}

function WhoIsSignedIn({ user }: { user: User }) {
  return (
    // Centred beside the lines of text; at their top once they wrap (a phone).
    <div className="flex items-start gap-3 sm:items-center">
      <span
        aria-hidden
        className="flex h-11 w-11 shrink-0 items-center justify-center rounded-full bg-zinc-900 text-base font-semibold uppercase text-white dark:bg-zinc-100 dark:text-zinc-900"
      >
        {user.username.slice(0, 1)}
      </span>
      <div className="min-w-0">
        <p className="text-xs text-zinc-500 dark:text-zinc-400">Signed in as</p>
        <p className="flex min-w-0 items-center gap-2">
          <span className="truncate text-base font-semibold" title={user.username}>
            {user.username}
          </span>
          <RoleBadge role={user.role} />
        </p>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          {user.role === 'admin' ? 'Administrator: sees and manages everything in this ImageFlow, accounts included.' : 'A user account, with its own images, links and tokens.'}
        </p>
      </div>
    </div>
  );
}

function SignedInAccount({ user }: { user: User }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <div className="mx-auto max-w-3xl px-4 py-6 sm:px-6 sm:py-8">
      <h1 className="text-xl font-semibold tracking-tight">Account</h1>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Your sign-in, your password, and the space your images take.</p>

      <div className="mt-6 space-y-4">
        <div className={cardClass}>
          <WhoIsSignedIn user={user} />
        </div>

        <StorageUsed
          title="Storage used"
          description="Your images, the ones in the trash included. Deleting an image forever frees its space."
          footer={
            user.role === 'admin' ? (
              <p className="mt-3 text-sm">
                <Link to="/users" className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
                  Every account’s storage, under Users
                </Link>
              </p>
            ) : null
          }
        />

        <Section title="Change password" description="You stay signed in here; every other sign-in of yours ends.">
          <ChangePasswordForm username={user.username} />
        </Section>

        <Section
          title="Sign out everywhere"
          description="Lost a device, or signed in on a computer that is not yours? End every sign-in of yours at once, this one included. API tokens keep working: revoke them one by one."
        >
          <Button variant="danger" onClick={() => setConfirming(true)}>
            <LogOut className="h-4 w-4" aria-hidden />
            Sign out everywhere
          </Button>
        </Section>

        <Section title="API tokens" description="Scripts and other programs use a token instead of your password.">
          <Link to="/tokens" className={linkButtonClass}>
            <KeyRound className="h-4 w-4" aria-hidden />
            API tokens
            <ChevronRight className="-mr-1 h-4 w-4 text-zinc-400" aria-hidden />
          </Link>
        </Section>
      </div>

      <SignOutEverywhereDialog open={confirming} onClose={() => setConfirming(false)} />
    </div>
  );
}

/** Single-user mode: nobody signs in, so all there is to see is the storage everything takes. */
function SingleUserStorage() {
  return (
    <div className="mx-auto max-w-3xl px-4 py-6 sm:px-6 sm:py-8">
      <h1 className="text-xl font-semibold tracking-tight">Storage used</h1>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">The space the images of this ImageFlow take.</p>
      <div className="mt-6 space-y-4">
        <StorageUsed title="Images and their files" description="Every image, the ones in the trash included. Deleting an image forever frees its space." />
        <section aria-labelledby="no-account-heading" className="flex gap-3 rounded-xl bg-zinc-50 p-4 sm:p-5 dark:bg-zinc-900/60">
          <Users className="mt-0.5 h-5 w-5 shrink-0 text-zinc-400" aria-hidden />
          <div className="min-w-0 text-sm">
            <h2 id="no-account-heading" className="font-semibold">
              No account in single-user mode
            </h2>
            <p className="mt-1 text-zinc-600 dark:text-zinc-400">
              There is no sign-in here, so there is no password to change. Accounts come with{' '}
              <code className="rounded bg-zinc-100 px-1 py-0.5 text-xs dark:bg-zinc-800">IMAGEFLOW_AUTH=on</code>.
            </p>
          </div>
        </section>
      </div>
    </div>
  );
}

/** /account: who is signed in, the storage their images take, their password, signing out everywhere. */
export function AccountPage() {
  const me = useMe();
  const singleUser = me.data?.auth === 'off';
  useEffect(() => {
    document.title = `${singleUser ? 'Storage used' : 'Account'} · ImageFlow`;
  }, [singleUser]);

  if (!me.data) return null;
  if (me.data.auth === 'off') return <SingleUserStorage />;
  return me.data.user ? <SignedInAccount user={me.data.user} /> : null;
}

export default AccountPage;
