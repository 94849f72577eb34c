import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { Ban, CircleAlert, CircleCheck, Ellipsis, KeyRound, LoaderCircle, Plus, ShieldCheck, ShieldOff, UserRound, Users } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { Field, Input } from '@/components/ui/field';
import { popoverPanelClass, usePopover } from '@/components/ui/popover';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { Skeleton } from '@/components/ui/skeleton';
import { ApiError, type Account, type Role, type User } from '@/lib/api-client';
import { cn } from '@/lib/cn';
import { useMe } from '@/features/auth/api';
import { itemClass, RoleBadge } from '@/features/auth/components/account-menu';
import { problemFrom, ProblemAlert, type FormProblem } from '@/features/auth/components/problem-alert';
import { fieldProps, usernameInputProps } from '@/features/auth/form';
import { MIN_PASSWORD_LENGTH, normaliseUsername, passwordProblem, validateNewAccount, type FieldErrors } from '@/features/auth/validation';
import { formatBytes, formatDateTime } from '@/features/image/format';
import { useSecondsLeft } from '@/lib/use-seconds-left';
import { useAccounts, useCreateAccount, useSetAccountPassword, useUpdateAccount } from '../api';
import { plural } from './account-page';
import { RevealablePasswordInput } from './password-input';

/** "Mar 4, 2026": the day fits a narrow line; the time is in the tooltip. */
function formatDay(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

function DisabledBadge({ since }: { since: string }) {
  return (
    <span
      title={`Disabled on ${formatDateTime(since)}: cannot sign in, and its API tokens are refused`}
      className="inline-flex shrink-0 items-center rounded-full bg-zinc-100 px-1.5 py-px text-[11px] font-semibold uppercase tracking-wide text-zinc-600 ring-1 ring-inset ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700"
    >
      Disabled
    </span>
  );
}

/** The sticky row of buttons at the bottom of a dialog's form. */
function FormButtons({ pending, disabled, label, onCancel }: { pending: boolean; disabled?: boolean; label: string; onCancel: () => void }) {
  return (
    <div className="sticky bottom-0 -mx-5 mt-5 flex flex-wrap justify-end gap-2 border-t border-zinc-200 bg-white px-5 py-4 dark:border-zinc-800 dark:bg-zinc-900">
      <Button onClick={onCancel}>Cancel</Button>
      <Button type="submit" variant="primary" disabled={pending || disabled}>
        {pending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : null}
        {label}
      </Button>
    </div>
  );
}

const ROLE_CHOICES = [
  { value: 'user', label: 'User' },
  { value: 'admin', label: 'Admin' },
] as const;

const ROLE_HINTS: Record<Role, string> = {
  user: 'Sees and manages their own images, links and tokens.',
  admin: 'Sees and manages everything in this ImageFlow, accounts included.',
};

function NewAccountForm({ onDone }: { onDone: () => void }) {
  const create = useCreateAccount();
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('user');
  const [errors, setErrors] = useState<FieldErrors<'username' | 'password'>>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const secondsLeft = useSecondsLeft(problem?.retryUntil ?? null);
  const usernameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const found = validateNewAccount({ username, password });
    setErrors(found);
    if (found.username || found.password) {
      (found.username ? usernameRef : passwordRef).current?.focus();
      return;
    }
    setProblem(null);
    create.mutate(
      { username: normaliseUsername(username), password, role },
      {
        onSuccess: (account) => {
          toast.success(`Account “${account.username}” created. Give them their password.`);
          onDone();
        },
        onError: (error) => {
          // The name is taken: said beside it.
          if (error instanceof ApiError && error.status === 409) {
            setErrors({ username: error.message });
            usernameRef.current?.focus();
          } else setProblem(problemFrom(error));
        },
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate aria-label="New account" className="space-y-4">
      <Field label="Username" htmlFor={`${id}-username`} error={errors.username} hint="Letters, digits, “.”, “_” or “-”; kept in lower case.">
        <Input
          ref={usernameRef}
          {...fieldProps(`${id}-username`, errors.username)}
          name="new-username"
          autoComplete="off"
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
      <Field label="Password" htmlFor={`${id}-password`} error={errors.password} hint={`At least ${MIN_PASSWORD_LENGTH} characters. They can change it on their account page.`}>
        <RevealablePasswordInput
          ref={passwordRef}
          {...fieldProps(`${id}-password`, errors.password)}
          name="new-account-password"
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
            setErrors((old) => ({ ...old, password: undefined }));
          }}
        />
      </Field>
      <div>
        <SegmentedControl label="Role" name={`${id}-role`} options={ROLE_CHOICES} value={role} onChange={setRole} showLegend />
        <p className="mt-1.5 text-xs text-zinc-500 dark:text-zinc-400">{ROLE_HINTS[role]}</p>
      </div>
      {problem ? <ProblemAlert problem={problem} secondsLeft={secondsLeft} /> : null}
      <FormButtons pending={create.isPending} disabled={secondsLeft > 0} label="Create account" onCancel={onDone} />
    </form>
  );
}

function NewAccountDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <Dialog open={open} onClose={onClose} title="New account" description="Someone who signs in to this ImageFlow with their own images, links and tokens.">
      {open ? <NewAccountForm onDone={onClose} /> : null}
    </Dialog>
  );
}

function PasswordForm({ account, onDone }: { account: Account; onDone: () => void }) {
  const setPassword = useSetAccountPassword();
  const id = useId();
  const [password, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const secondsLeft = useSecondsLeft(problem?.retryUntil ?? null);
  const input = useRef<HTMLInputElement>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const wrong = passwordProblem(password);
    setError(wrong);
    if (wrong) {
      input.current?.focus();
      return;
    }
    setProblem(null);
    setPassword.mutate(
      { id: account.id, password },
      {
        onSuccess: () => {
          toast.success(`New password set for “${account.username}”. Their sign-ins have ended.`);
          onDone();
        },
        onError: (err) => setProblem(problemFrom(err)),
      },
    );
  };

  return (
    <form onSubmit={submit} noValidate aria-label={`New password for “${account.username}”`}>
      <Field label="New password" htmlFor={`${id}-password`} error={error} hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}>
        <RevealablePasswordInput
          ref={input}
          {...fieldProps(`${id}-password`, error)}
          name="account-password"
          autoFocus
          value={password}
          onChange={(e) => {
            setValue(e.target.value);
            setError(undefined);
          }}
        />
      </Field>
      {problem ? (
        <div className="mt-4">
          <ProblemAlert problem={problem} secondsLeft={secondsLeft} />
        </div>
      ) : null}
      <FormButtons pending={setPassword.isPending} disabled={secondsLeft > 0} label="Set password" onCancel={onDone} />
    </form>
  );
}

function PasswordDialog({ account, onClose }: { account: Account | null; onClose: () => void }) {
  return (
    <Dialog
      open={account !== null}
      onClose={onClose}
      title={account ? `New password for “${account.username}”` : 'New password'}
      description="For someone who forgot theirs. Every sign-in of theirs ends at once; give them the new password, which they can change on their account page."
    >
      {account ? <PasswordForm account={account} onDone={onClose} /> : null}
    </Dialog>
  );
}

function DisableDialog({ account, onClose }: { account: Account | null; onClose: () => void }) {
  const update = useUpdateAccount();
  return (
    <Dialog
      open={account !== null}
      onClose={onClose}
      title={account ? `Disable “${account.username}”?` : 'Disable the account?'}
      description={
        <>
          <p>They are signed out everywhere at once and cannot sign in again, and their API tokens stop working.</p>
          <p className="mt-2">Their images are kept. Enable the account again at any time: their tokens then work again.</p>
        </>
      }
      footer={
        <>
          <Button onClick={onClose} autoFocus>
            Cancel
          </Button>
          <Button
            variant="danger"
            disabled={update.isPending}
            onClick={() => {
              if (!account) return;
              update.mutate(
                { id: account.id, changes: { disabled: true } },
                {
                  onSuccess: () => {
                    toast.success(`“${account.username}” is disabled.`);
                    onClose();
                  },
                },
              );
            }}
          >
            {update.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <Ban className="h-4 w-4" aria-hidden />}
            Disable account
          </Button>
        </>
      }
    />
  );
}

/** The actions on someone else's account: role, a new password, disabling or enabling it. */
function AccountActions({ account, onSetPassword, onDisable }: { account: Account; onSetPassword: () => void; onDisable: () => void }) {
  const { open, setOpen, close, panelId, wrapper, trigger } = usePopover();
  const update = useUpdateAccount();
  const name = account.username;
  const disabled = account.disabled_at !== null;

  // Focus goes back to the menu's button, which a dialog opened from here also returns it to.
  const leave = () => {
    close();
    trigger.current?.focus();
  };
  const run = (changes: { role?: Role; disabled?: boolean }, done: string) => {
    leave();
    update.mutate({ id: account.id, changes }, { onSuccess: () => toast.success(done) });
  };
  const item = (label: string, icon: ReactNode, onClick: () => void, danger = false) => (
    <button type="button" className={cn(itemClass, danger && 'text-red-600 dark:text-red-400')} onClick={onClick}>
      {icon}
      {label}
    </button>
  );

  return (
    <div ref={wrapper} className="relative shrink-0">
      <Button
        ref={trigger}
        variant="ghost"
        size="icon"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-label={`Manage “${name}”`}
        title="Manage"
        // Not disabled while a change is sent: the button keeps the focus.
        aria-busy={update.isPending || undefined}
        onClick={() => {
          if (!update.isPending) setOpen((o) => !o);
        }}
      >
        {update.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <Ellipsis className="h-5 w-5" aria-hidden />}
      </Button>
      {open ? (
        <div id={panelId} role="group" aria-label={`Manage “${name}”`} className={cn(popoverPanelClass, 'mt-1 w-56')}>
          {account.role === 'admin'
            ? item('Make user', <ShieldOff className="h-4 w-4 text-zinc-500" aria-hidden />, () => run({ role: 'user' }, `“${name}” is no longer an admin.`))
            : item('Make admin', <ShieldCheck className="h-4 w-4 text-zinc-500" aria-hidden />, () => run({ role: 'admin' }, `“${name}” is now an admin.`))}
          {item('Set new password', <KeyRound className="h-4 w-4 text-zinc-500" aria-hidden />, () => {
            leave();
            onSetPassword();
          })}
          {disabled
            ? item('Enable account', <CircleCheck className="h-4 w-4 text-zinc-500" aria-hidden />, () => run({ disabled: false }, `“${name}” can sign in again.`))
            : item(
                'Disable account',
                <Ban className="h-4 w-4" aria-hidden />,
                () => {
                  leave();
                  onDisable();
                },
                true,
              )}
        </div>
      ) : null}
    </div>
  );
}

function AccountRow({ account, self, onSetPassword, onDisable }: { account: Account; self: boolean; onSetPassword: () => void; onDisable: () => void }) {
  const disabled = account.disabled_at !== null;
  const storage = `${plural(account.images, 'image')} · ${formatBytes(account.bytes)}`;
  return (
    <li className="flex items-center gap-3 py-3" data-account-id={account.id}>
      <span
        aria-hidden
        className={cn(
          'flex h-8 w-8 shrink-0 items-center justify-center rounded-full text-xs font-semibold uppercase',
          disabled ? 'bg-zinc-200 text-zinc-500 dark:bg-zinc-800 dark:text-zinc-400' : 'bg-zinc-900 text-white dark:bg-zinc-100 dark:text-zinc-900',
        )}
      >
        {account.username.slice(0, 1) || <UserRound className="h-4 w-4" />}
      </span>
      <div className="min-w-0 flex-1">
        <p className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1">
          <span className={cn('min-w-0 max-w-full truncate text-sm font-medium', disabled && 'text-zinc-500 dark:text-zinc-400')} title={account.username}>
            {account.username}
          </span>
          {self ? <span className="text-xs text-zinc-500 dark:text-zinc-400">(you)</span> : null}
          <RoleBadge role={account.role} />
          {account.disabled_at ? <DisabledBadge since={account.disabled_at} /> : null}
        </p>
        <p className="mt-0.5 text-xs text-zinc-500 dark:text-zinc-400">
          Created{' '}
          <time dateTime={account.created_at} title={formatDateTime(account.created_at)}>
            {formatDay(account.created_at)}
          </time>
          {/* On a phone the storage joins this line; from sm up it has a column of its own. */}
          <span className="sm:hidden"> · {storage}</span>
        </p>
      </div>
      <div className="hidden w-28 shrink-0 text-right sm:block">
        <p className="text-sm font-medium tabular-nums" title={`${account.bytes.toLocaleString()} bytes`}>
          {formatBytes(account.bytes)}
        </p>
        <p className="text-xs text-zinc-500 tabular-nums dark:text-zinc-400">{plural(account.images, 'image')}</p>
      </div>
      {self ? (
        // An admin cannot disable or demote themselves; their own password is changed on the account page.
        <Link
          to="/account"
          aria-label="Your account"
          title="Your account"
          className="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-lg text-zinc-500 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:text-zinc-400 dark:hover:bg-zinc-800"
        >
          <UserRound className="h-4 w-4" aria-hidden />
        </Link>
      ) : (
        <AccountActions account={account} onSetPassword={onSetPassword} onDisable={onDisable} />
      )}
    </li>
  );
}

function AccountList({ me, onSetPassword, onDisable }: { me: User; onSetPassword: (account: Account) => void; onDisable: (account: Account) => void }) {
  const accounts = useAccounts();
  if (accounts.isPending) {
    return (
      <div aria-hidden className="space-y-3 py-3">
        <Skeleton className="h-12" />
        <Skeleton className="h-12" />
        <Skeleton className="h-12" />
      </div>
    );
  }
  if (accounts.isError) {
    return (
      <EmptyState
        icon={<CircleAlert className="h-8 w-8 text-red-500" aria-hidden />}
        title="The accounts could not be loaded"
        action={
          <Button onClick={() => void accounts.refetch()} disabled={accounts.isFetching}>
            Retry
          </Button>
        }
      >
        <p role="alert">{accounts.error.message}</p>
      </EmptyState>
    );
  }
  const items = accounts.data.items;
  const disabled = items.filter((a) => a.disabled_at !== null).length;
  const bytes = items.reduce((sum, a) => sum + a.bytes, 0);
  return (
    <>
      <p className="text-xs text-zinc-500 dark:text-zinc-400" aria-live="polite">
        {plural(items.length, 'account')}
        {disabled ? ` · ${disabled.toLocaleString()} disabled` : ''} · {formatBytes(bytes)} in all
      </p>
      <ul aria-label="Accounts" className="mt-1 divide-y divide-zinc-200 dark:divide-zinc-800">
        {items.map((account) => (
          <AccountRow
            key={account.id}
            account={account}
            self={account.id === me.id}
            onSetPassword={() => onSetPassword(account)}
            onDisable={() => onDisable(account)}
          />
        ))}
      </ul>
    </>
  );
}

function ManageUsers({ me }: { me: User }) {
  const [creating, setCreating] = useState(false);
  const [settingPassword, setSettingPassword] = useState<Account | null>(null);
  const [disabling, setDisabling] = useState<Account | null>(null);
  return (
    <div className="mx-auto max-w-3xl px-4 py-6 sm:px-6 sm:py-8">
      <div className="flex flex-wrap items-start justify-between gap-x-4 gap-y-3">
        <div className="min-w-0 flex-1 basis-64">
          <h1 className="text-xl font-semibold tracking-tight">Users</h1>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">Everyone who can sign in to this ImageFlow, and the space their images take.</p>
        </div>
        <Button variant="primary" onClick={() => setCreating(true)}>
          <Plus className="h-4 w-4" aria-hidden />
          New account
        </Button>
      </div>

      <section aria-label="Accounts" className="mt-6">
        <AccountList me={me} onSetPassword={setSettingPassword} onDisable={setDisabling} />
      </section>

      <NewAccountDialog open={creating} onClose={() => setCreating(false)} />
      <PasswordDialog account={settingPassword} onClose={() => setSettingPassword(null)} />
      <DisableDialog account={disabling} onClose={() => setDisabling(null)} />
    </div>
  );
}

/** /users: the admin's list of accounts, to make new ones, change roles, reset passwords, disable. */
export function UsersPage() {
  const me = useMe();
  useEffect(() => {
    document.title = 'Users · ImageFlow';
  }, []);

  if (me.data?.auth === 'off') {
    return (
      <EmptyState icon={<Users className="h-10 w-10" aria-hidden />} title="No accounts in single-user mode">
        There is no sign-in here, so there are no accounts to manage. Accounts come with{' '}
        <code className="rounded bg-zinc-100 px-1 py-0.5 text-xs dark:bg-zinc-800">IMAGEFLOW_AUTH=on</code>.
      </EmptyState>
    );
  }
  const user = me.data?.user;
  if (!user) return null;
  if (user.role !== 'admin') {
    return (
      <EmptyState icon={<Users className="h-10 w-10" aria-hidden />} title="Only admins manage accounts">
        Ask an admin of this ImageFlow to make an account or change one. Your own password is on{' '}
        <Link to="/account" className="font-medium text-indigo-700 hover:underline dark:text-indigo-300">
          your account page
        </Link>
        .
      </EmptyState>
    );
  }
  return <ManageUsers me={user} />;
}

export default UsersPage;
