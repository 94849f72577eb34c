import { cn } from '@/lib/cn';

/** Which engine made an image; the builtin one is plainly labelled as not AI. */
export function ProviderBadge({ provider, className }: { provider: string; className?: string }) {
  const builtin = provider === 'builtin';
  return (
    <span
      title={builtin ? 'Made by the offline builtin engine: a procedural renderer, not an AI model.' : `Made by ${provider}`}
      className={cn(
        'inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium',
        builtin
          ? 'bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200'
          : 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200',
        className,
      )}
    >
      {builtin ? 'builtin · not AI' : provider}
    </span>
  );
}
