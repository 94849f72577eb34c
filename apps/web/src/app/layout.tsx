import { useEffect, useRef, type RefObject } from 'react';
import { Link, NavLink, Outlet, ScrollRestoration, useLocation } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Ellipsis, Images, Link2, ListOrdered, Moon, Sparkles, Sun, Trash2, Upload } from 'lucide-react';
import { popoverPanelClass, usePopover } from '@/components/ui/popover';
import { api } from '@/lib/api-client';
import { cn } from '@/lib/cn';
import { useTheme } from '@/lib/theme';
import { AccountArea, itemClass } from '@/features/auth/components/account-menu';
import { useMe } from '@/features/auth/api';
import { useActiveJobCount } from '@/features/queue/api';

function NavItem({
  to,
  icon,
  label,
  labelClass,
  display = 'inline-flex',
  badge,
  name,
}: {
  to: string;
  icon: React.ReactNode;
  label: string;
  /** Shown after the label, e.g. a count; `name` then says it to screen readers. */
  badge?: React.ReactNode;
  name?: string;
  /** When the label shows only from some width on (e.g. "hidden md:inline"): below it, the icon alone, named for screen readers. */
  labelClass?: string;
  /** Its display class, e.g. "hidden sm:inline-flex" to leave it out on phones. */
  display?: string;
}) {
  return (
    <NavLink
      to={to}
      end
      aria-label={name ?? (labelClass ? label : undefined)}
      title={labelClass ? (name ?? label) : undefined}
      className={({ isActive }) =>
        cn(
          display,
          // On phones a little narrower (36 px, as wide as the More and theme buttons): five of them and a queue count fit 320 px.
          'items-center gap-2 whitespace-nowrap rounded-lg px-2.5 py-2 text-sm font-medium transition-colors sm:px-3',
          isActive ? 'bg-zinc-900 text-white dark:bg-white dark:text-zinc-900' : 'text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800',
        )
      }
    >
      {icon}
      <span className={labelClass}>{label}</span>
      {badge}
    </NavLink>
  );
}

/**
 * Single-user mode on a phone: Import, and the pages an account menu would hold (shared links, the
 * trash), in a menu of their own, so the header keeps to one uncluttered line.
 */
function MoreMenu() {
  const { open, setOpen, close, panelId, wrapper, trigger } = usePopover();
  const { pathname } = useLocation();
  // Marked like an active nav item while one of its pages is open.
  const active = pathname === '/import' || pathname === '/shares' || pathname === '/trash';
  return (
    <div ref={wrapper} className="relative sm:hidden">
      <button
        ref={trigger}
        type="button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-label="More"
        onClick={() => setOpen((o) => !o)}
        className={cn(
          'inline-flex h-9 w-9 items-center justify-center rounded-lg focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500',
          active ? 'bg-zinc-900 text-white dark:bg-white dark:text-zinc-900' : 'text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800',
        )}
      >
        <Ellipsis className="h-5 w-5" aria-hidden />
      </button>
      {open ? (
        <div id={panelId} role="group" aria-label="More" className={cn(popoverPanelClass, 'w-52')}>
          <Link to="/import" className={itemClass} onClick={close}>
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
        </div>
      ) : null}
    </div>
  );
}

/** The Queue, with how many of my jobs are queued or running. */
function QueueNavItem() {
  const count = useActiveJobCount();
  return (
    <NavItem
      to="/queue"
      icon={<ListOrdered className="h-4 w-4" aria-hidden />}
      label="Queue"
      labelClass="hidden lg:inline"
      name={count > 0 ? `Queue, ${count} active` : 'Queue'}
      badge={
        count > 0 ? (
          <span
            aria-hidden
            data-testid="queue-badge"
            className="-ml-1.5 min-w-5 rounded-full bg-indigo-600 px-1 text-center text-[10px] leading-5 font-semibold text-white tabular-nums sm:-ml-1 sm:px-1.5 sm:text-[11px]"
          >
            {count > 99 ? '99+' : count}
          </span>
        ) : null
      }
    />
  );
}

/** Shown while every model is served by the builtin engine, so nobody mistakes its output for AI. */
function BuiltinNotice() {
  const { data } = useQuery({ queryKey: ['models'], queryFn: api.models, staleTime: 60_000 });
  if (!data || data.models.some((m) => m.ai)) return null;
  return (
    <div className="border-b border-amber-200 bg-amber-50 px-4 py-1.5 text-center text-xs text-amber-900 dark:border-amber-900/60 dark:bg-amber-950/60 dark:text-amber-200">
      No AI backend is configured: images come from the offline <strong>builtin</strong> engine, a procedural renderer, not an AI model.
    </div>
  );
}

/**
 * Keeps --header-bottom on the page's root at where the header ends on screen: below the notice
 * while it shows, at the top edge once the page scrolls. Toasts on narrow screens sit just below it.
 */
function useHeaderBottom(header: RefObject<HTMLElement | null>, above: RefObject<HTMLElement | null>) {
  useEffect(() => {
    const el = header.current;
    if (!el) return;
    const root = document.documentElement;
    let frame = 0;
    const update = () => {
      frame = 0;
      root.style.setProperty('--header-bottom', `${Math.max(0, Math.round(el.getBoundingClientRect().bottom))}px`);
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    update();
    window.addEventListener('scroll', schedule, { passive: true });
    window.addEventListener('resize', schedule);
    const resized = typeof ResizeObserver === 'function' ? new ResizeObserver(schedule) : null;
    resized?.observe(el);
    if (above.current) resized?.observe(above.current);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('scroll', schedule);
      window.removeEventListener('resize', schedule);
      resized?.disconnect();
      root.style.removeProperty('--header-bottom');
    };
  }, [header, above]);
}

export function Layout() {
  const [theme, toggleTheme] = useTheme();
  const header = useRef<HTMLElement>(null);
  const notice = useRef<HTMLDivElement>(null);
  useHeaderBottom(header, notice);
  // With accounts on, shared links and the trash are in the account menu; in single-user mode there
  // is no such menu: they are in the navigation (in a menu of their own on phones).
  const singleUser = useMe().data?.auth === 'off';
  return (
    <div className="flex min-h-dvh flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <div ref={notice}>
        <BuiltinNotice />
      </div>
      <header ref={header} className="sticky top-0 z-30 border-b border-zinc-200 bg-white/85 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/85">
        <div className="mx-auto flex h-14 max-w-7xl items-center gap-1 px-3 sm:gap-2 sm:px-6">
          <NavLink to="/" className="flex shrink-0 items-center gap-2 font-semibold tracking-tight sm:mr-2">
            <img src="/favicon.svg" alt="" className="h-7 w-7" />
            <span className="hidden sm:inline">ImageFlow</span>
          </NavLink>
          <nav aria-label="Main" className="flex items-center gap-0.5 sm:gap-1">
            {/* Below md the icons alone (named for screen readers), so the Queue and its count fit the one line too;
                each wider step names more of them (the theme switch must never be pushed off: polish.spec). */}
            <NavItem to="/" icon={<Sparkles className="h-4 w-4" aria-hidden />} label="Create" labelClass="hidden md:inline" />
            <NavItem to="/gallery" icon={<Images className="h-4 w-4" aria-hidden />} label="Gallery" labelClass="hidden md:inline" />
            <QueueNavItem />
            {/* On phones Import is in the More menu (single-user) or the account menu: the header keeps to one line. */}
            <NavItem to="/import" icon={<Upload className="h-4 w-4" aria-hidden />} label="Import" labelClass="hidden md:inline" display="hidden sm:inline-flex" />
            {singleUser ? (
              <>
                <NavItem to="/shares" icon={<Link2 className="h-4 w-4" aria-hidden />} label="Shared links" labelClass="hidden xl:inline" display="hidden sm:inline-flex" />
                <NavItem to="/trash" icon={<Trash2 className="h-4 w-4" aria-hidden />} label="Trash" labelClass="hidden xl:inline" display="hidden sm:inline-flex" />
                <MoreMenu />
              </>
            ) : null}
          </nav>
          <div className="ml-auto flex shrink-0 items-center gap-1 sm:gap-1.5">
            <AccountArea />
            <button
              type="button"
              onClick={toggleTheme}
              aria-label={theme === 'dark' ? 'Switch to light mode' : 'Switch to dark mode'}
              className="rounded-lg p-2 text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
            >
              {theme === 'dark' ? <Sun className="h-5 w-5" /> : <Moon className="h-5 w-5" />}
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="flex-1">
        <Outlet />
      </main>
      <ScrollRestoration />
    </div>
  );
}
