import type { ReactNode } from 'react';
import { cn } from '@/lib/cn';

/** A keyboard key, e.g. <Kbd>⌘</Kbd><Kbd>Enter</Kbd>. */
export function Kbd({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <kbd
      className={cn(
        'inline-flex h-5 min-w-5 items-center justify-center rounded border border-zinc-300 bg-zinc-50 px-1 font-sans text-[11px] font-medium text-zinc-600 shadow-[inset_0_-1px_0_0] shadow-zinc-300 dark:border-zinc-700 dark:bg-zinc-800 dark:text-zinc-300 dark:shadow-zinc-700',
        className,
      )}
    >
      {children}
    </kbd>
  );
}

/** True on Apple platforms, where the shortcut modifier is ⌘ rather than Ctrl. */
export function isApplePlatform(): boolean {
  if (typeof navigator === 'undefined') return false;
  const platform = (navigator as Navigator & { userAgentData?: { platform?: string } }).userAgentData?.platform ?? navigator.platform ?? '';
  return /mac|iphone|ipad|ipod/i.test(platform);
}

/** The label of the primary shortcut modifier on this platform. */
export function modKeyLabel(): string {
  return isApplePlatform() ? '⌘' : 'Ctrl';
}
