import { Link } from 'react-router';
import { ChevronDown, CircleUserRound, HardDrive, KeyRound, Link2, LoaderCircle, LockOpen, LogOut, Trash2, Upload, UserRound, Users } from 'lucide-react';
import { popoverPanelClass, usePopover } from '@/components/ui/popover';
import type { Role, User } from '@/lib/api-client';
import { cn } from '@/lib/cn';
import { useMe, useSignOut } from '../api';

/** "admin" beside an administrator's name. `display` is its display class, e.g. "hidden md:inline-flex". */
export function RoleBadge({ role, display = 'inline-flex', className }: { role: Role; display?: string; className?: string }) {
  if (role !== 'admin') return null;
  return (
    <span
      title="Administrator: sees and manages everything in this ImageFlow"
      className={cn(
        display,
        'items-center rounded-full bg-indigo-100 px-1.5 py-px text-[11px] font-semibold uppercase tracking-wide text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200',
        className,
      )}
    >
      admin
    </span>
  );
}

export const itemClass =
  'flex w-full items-center gap-2.5 rounded-lg px-2.5 py-2 text-left text-sm text-zinc-700 hover:bg-zinc-100 focus-visible:bg-zinc-100 focus-visible:outline-none disabled:opacity-60 dark:text-zinc-200 dark:hover:bg-zinc-800 dark:focus-visible:bg-zinc-800';

/** The signed-in person in the header: who they are, their account, (admins) the users, their shared links, trash and API tokens, and signing out. */
export function AccountMenu({ user }: { user: User }) {
  const { open, setOpen, close, panelId, wrapper, trigger } = usePopover();
  const signOut = useSignOut();

  return (
    <div ref={wrapper} className="relative">
      <button
        ref={trigger}
        type="button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-label={`Account: ${user.username}${user.role === 'admin' ? ' (admin)' : ''}`}
        onClick={() => setOpen((o) => !o)}
        className="inline-flex h-9 max-w-52 items-center gap-2 rounded-lg px-1.5 text-sm font-medium text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 sm:pr-2 dark:text-zinc-200 dark:hover:bg-zinc-800"
      >
        <span aria-hidden className="flex h-7 w-7 shrink-0 items-center justify-center rounded-full bg-zinc-900 text-xs font-semibold uppercase text-white dark:bg-zinc-100 dark:text-zinc-900">
          {user.username.slice(0, 1) || <UserRound className="h-4 w-4" />}
        </span>
        <span className="hidden min-w-0 truncate sm:inline">{user.username}</span>
        <RoleBadge role={user.role} display="hidden md:inline-flex" />
        <ChevronDown className={cn('hidden h-4 w-4 shrink-0 text-zinc-400 transition-transform sm:block', open && 'rotate-180')} aria-hidden />
      </button>
      {open ? (
        <div id={panelId} role="group" aria-label="Account" className={cn(popoverPanelClass, 'w-64')}>
          <div className="flex items-center gap-2.5 border-b border-zinc-100 px-2.5 pt-1.5 pb-3 dark:border-zinc-800">
            <UserRound className="h-4 w-4 shrink-0 text-zinc-400" aria-hidden />
            <div className="min-w-0">
              <p className="text-xs text-zinc-500 dark:text-zinc-400">Signed in as</p>
              <p className="flex items-center gap-2 font-medium">
                <span className="truncate">{user.username}</span>
                <RoleBadge role={user.role} />
              </p>
            </div>
          </div>
          <div className="pt-1.5">
            <Link to="/account" className={itemClass} onClick={close}>
              <CircleUserRound className="h-4 w-4 text-zinc-500" aria-hidden />
              Account
            </Link>
            {user.role === 'admin' ? (
              <Link to="/users" className={itemClass} onClick={close}>
                <Users className="h-4 w-4 text-zinc-500" aria-hidden />
                Users
              </Link>
            ) : null}
            {/* On phones the header has no room for Import: it is here. */}
            <Link to="/import" className={cn(itemClass, 'sm:hidden')} onClick={close}>
              <Upload className="h-4 w-4 text-zinc-500" aria-hidden />
              Import
            </Link>
            <Link to="/shares" className={itemClass} onClick={close}>
              <Link2 className="h-4 w-4 text-zinc-500" aria-hidden />
              Shared links
            </Link>
            <Link to="/trash" className={itemClass} onClick={close}>
              <Trash2 className="h-4 w-4 text-zinc-500" aria-hidden />
              Trash
            </Link>
            <Link to="/tokens" className={itemClass} onClick={close}>
              <KeyRound className="h-4 w-4 text-zinc-500" aria-hidden />
              API tokens
            </Link>
            <button type="button" className={itemClass} onClick={() => signOut.mutate()} disabled={signOut.isPending}>
              {signOut.isPending ? <LoaderCircle className="h-4 w-4 animate-spin text-zinc-500" aria-hidden /> : <LogOut className="h-4 w-4 text-zinc-500" aria-hidden />}
              Sign out
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

/**
 * Accounts off: one discreet line in the header that says so, because whoever can reach this
 * address can use everything, and the person running it should know.
 */
export function SingleUserNote() {
  const { open, setOpen, close, panelId, wrapper, trigger } = usePopover();

  return (
    <div ref={wrapper} className="relative">
      <button
        ref={trigger}
        type="button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => setOpen((o) => !o)}
        title="Single-user mode: no sign-in"
        className="inline-flex h-8 items-center gap-1.5 whitespace-nowrap rounded-full px-2.5 text-xs font-medium text-zinc-500 ring-1 ring-inset ring-zinc-200 hover:bg-zinc-50 hover:text-zinc-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:text-zinc-400 dark:ring-zinc-800 dark:hover:bg-zinc-900 dark:hover:text-zinc-200"
      >
        <LockOpen className="h-3.5 w-3.5" aria-hidden />
        {/* Named in full from lg up: below, the header needs the room for the navigation. */}
        <span className="sr-only lg:not-sr-only">Single-user mode</span>
      </button>
      {open ? (
        <div id={panelId} role="note" aria-label="Single-user mode" className={cn(popoverPanelClass, 'w-[min(20rem,calc(100vw-1.5rem))] p-3.5')}>
          <p className="font-medium">Single-user mode — no sign-in</p>
          <p className="mt-1.5 text-zinc-600 dark:text-zinc-400">
            Anyone who can reach this address can use this ImageFlow and see every image in it.
          </p>
          <p className="mt-1.5 text-zinc-600 dark:text-zinc-400">
            To require accounts, start the server with <code className="rounded bg-zinc-100 px-1 py-0.5 text-xs dark:bg-zinc-800">IMAGEFLOW_AUTH=on</code>.
          </p>
          {/* Its icon lines up with the text above. */}
          <div className="-mx-2.5 -mb-2 mt-2.5 border-t border-zinc-100 pt-1.5 dark:border-zinc-800">
            <Link to="/account" className={itemClass} onClick={close}>
              <HardDrive className="h-4 w-4 text-zinc-500" aria-hidden />
              Storage used
            </Link>
          </div>
        </div>
      ) : null}
    </div>
  );
}

/** The header's account area: the account menu with accounts on, the single-user note with them off. */
export function AccountArea() {
  const { data: me } = useMe();
  if (!me) return null;
  if (me.auth === 'off') return <SingleUserNote />;
  return me.user ? <AccountMenu user={me.user} /> : null;
}
