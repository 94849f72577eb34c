import { NavLink, Outlet, ScrollRestoration } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { Images, Link2, Moon, Sparkles, Sun } from 'lucide-react';
import { api } from '@/lib/api-client';
import { cn } from '@/lib/cn';
import { useTheme } from '@/lib/theme';
import { AccountArea } from '@/features/auth/components/account-menu';
import { useMe } from '@/features/auth/api';

function NavItem({ to, icon, label, compact = false }: { to: string; icon: React.ReactNode; label: string; compact?: boolean }) {
  return (
    <NavLink
      to={to}
      end
      aria-label={compact ? label : undefined}
      className={({ isActive }) =>
        cn(
          'inline-flex items-center gap-2 rounded-lg px-3 py-2 text-sm font-medium transition-colors',
          isActive ? 'bg-zinc-900 text-white dark:bg-white dark:text-zinc-900' : 'text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800',
        )
      }
    >
      {icon}
      <span className={compact ? 'hidden sm:inline' : undefined}>{label}</span>
    </NavLink>
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

export function Layout() {
  const [theme, toggleTheme] = useTheme();
  // With accounts on, shared links are in the account menu; in single-user mode there is no menu.
  const singleUser = useMe().data?.auth === 'off';
  return (
    <div className="flex min-h-dvh flex-col">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
        Skip to content
      </a>
      <BuiltinNotice />
      <header className="sticky top-0 z-30 border-b border-zinc-200 bg-white/85 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/85">
        <div className="mx-auto flex h-14 max-w-7xl items-center gap-2 px-3 sm:px-6">
          <NavLink to="/" className="mr-2 flex shrink-0 items-center gap-2 font-semibold tracking-tight">
            <img src="/favicon.svg" alt="" className="h-7 w-7" />
            <span className="hidden sm:inline">ImageFlow</span>
          </NavLink>
          <nav aria-label="Main" className="flex items-center gap-1">
            <NavItem to="/" icon={<Sparkles className="h-4 w-4" aria-hidden />} label="Create" />
            <NavItem to="/gallery" icon={<Images className="h-4 w-4" aria-hidden />} label="Gallery" />
            {singleUser ? <NavItem to="/shares" icon={<Link2 className="h-4 w-4" aria-hidden />} label="Shared links" compact /> : null}
          </nav>
          <div className="ml-auto flex items-center gap-1.5">
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
