import type { ReactNode } from 'react';
import { cn } from '@/lib/cn';

/**
 * A small text tip shown on hover and keyboard focus. Purely visual: the wrapped control
 * keeps its own accessible name (aria-label), so nothing is announced twice.
 */
export function Tooltip({
  label,
  children,
  side = 'top',
  align = 'center',
  className,
}: {
  label: string;
  children: ReactNode;
  side?: 'top' | 'bottom';
  /** "end" keeps the tip inside the screen for controls at its right edge. */
  align?: 'center' | 'end';
  className?: string;
}) {
  return (
    <span className={cn('group/tip relative inline-flex', className)}>
      {children}
      <span
        aria-hidden
        className={cn(
          'pointer-events-none absolute z-40 whitespace-nowrap rounded-md bg-zinc-900 px-2 py-1 text-xs font-medium text-white opacity-0 shadow-lg transition-opacity delay-0 group-hover/tip:opacity-100 group-hover/tip:delay-300 group-has-[:focus-visible]/tip:opacity-100 dark:bg-zinc-100 dark:text-zinc-900',
          side === 'top' ? 'bottom-full mb-1.5' : 'top-full mt-1.5',
          align === 'center' ? 'left-1/2 -translate-x-1/2' : 'right-0',
        )}
      >
        {label}
      </span>
    </span>
  );
}
