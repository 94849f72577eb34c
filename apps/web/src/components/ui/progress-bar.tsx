import { cn } from '@/lib/cn';

export interface ProgressBarProps {
  /** 0–1; undefined shows an indeterminate bar (e.g. while queued). */
  value?: number;
  label: string;
  /** Read by screen readers instead of the percentage, e.g. "step 12 / 30". */
  valueText?: string;
  className?: string;
}

export function ProgressBar({ value, label, valueText, className }: ProgressBarProps) {
  const indeterminate = value === undefined;
  const pct = indeterminate ? 0 : Math.round(Math.min(1, Math.max(0, value)) * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={indeterminate ? undefined : pct}
      aria-valuetext={valueText}
      className={cn('relative h-1.5 w-full overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800', className)}
    >
      {indeterminate ? (
        <div className="h-full w-full animate-pulse rounded-full bg-indigo-500/50" />
      ) : (
        <div
          className="h-full rounded-full bg-gradient-to-r from-indigo-500 to-violet-500 transition-[width] duration-300 ease-out"
          style={{ width: `${pct}%` }}
        />
      )}
    </div>
  );
}
