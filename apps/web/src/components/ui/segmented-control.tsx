import type { ReactNode } from 'react';
import { cn } from '@/lib/cn';

export interface SegmentOption<T extends string> {
  value: T;
  label: ReactNode;
  /** Accessible name when `label` is not plain text (e.g. an icon plus text). */
  ariaLabel?: string;
  title?: string;
  disabled?: boolean;
}

export interface SegmentedControlProps<T extends string> {
  /** The group's accessible name (the legend); visually hidden unless showLegend. */
  label: string;
  name: string;
  options: ReadonlyArray<SegmentOption<T>>;
  /** null when no option matches (e.g. a custom size). */
  value: T | null;
  onChange: (value: T) => void;
  size?: 'sm' | 'md';
  className?: string;
  showLegend?: boolean;
  legendClassName?: string;
}

/**
 * A row of mutually exclusive choices built from native radio inputs, so arrow keys, form
 * semantics and getByRole('radio', {name}) work without custom key handling.
 */
export function SegmentedControl<T extends string>({ label, name, options, value, onChange, size = 'md', className, showLegend, legendClassName }: SegmentedControlProps<T>) {
  return (
    <fieldset className={cn('min-w-0', className)}>
      <legend className={showLegend ? cn('mb-1.5 text-sm font-medium text-zinc-700 dark:text-zinc-300', legendClassName) : 'sr-only'}>{label}</legend>
      <div className="flex w-full flex-wrap gap-1 rounded-lg bg-zinc-100 p-1 dark:bg-zinc-900 dark:ring-1 dark:ring-inset dark:ring-zinc-800">
        {options.map((o) => {
          const checked = o.value === value;
          return (
            <label
              key={o.value}
              title={o.title}
              className={cn(
                'relative flex min-w-0 flex-1 cursor-pointer items-center justify-center gap-1.5 rounded-md font-medium whitespace-nowrap transition-colors select-none',
                'has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-1 has-[:focus-visible]:outline-indigo-500',
                size === 'sm' ? 'h-7 px-2 text-xs' : 'h-8 px-2.5 text-sm',
                checked
                  ? 'bg-white text-zinc-900 shadow-sm ring-1 ring-zinc-200 dark:bg-zinc-700 dark:text-white dark:ring-zinc-600'
                  : 'text-zinc-600 hover:text-zinc-900 dark:text-zinc-400 dark:hover:text-zinc-100',
                o.disabled && 'cursor-not-allowed opacity-50',
              )}
            >
              <input
                type="radio"
                // Covers the whole segment, invisible: a click anywhere lands on the radio itself.
                className="absolute inset-0 m-0 h-full w-full cursor-pointer appearance-none rounded-md opacity-0 disabled:cursor-not-allowed"
                name={name}
                value={o.value}
                checked={checked}
                disabled={o.disabled}
                aria-label={o.ariaLabel}
                onChange={() => onChange(o.value)}
              />
              <span className="pointer-events-none flex items-center gap-1.5">{o.label}</span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
