import { actionLabel } from '@imageflow/shared/constants';
import { cn } from '@/lib/cn';

const STYLES: Record<string, string> = {
  generate: 'bg-zinc-100 text-zinc-700 ring-zinc-200 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700',
  upload: 'bg-sky-50 text-sky-700 ring-sky-200 dark:bg-sky-950 dark:text-sky-300 dark:ring-sky-900',
  variation: 'bg-violet-50 text-violet-700 ring-violet-200 dark:bg-violet-950 dark:text-violet-300 dark:ring-violet-900',
  remix: 'bg-fuchsia-50 text-fuchsia-700 ring-fuchsia-200 dark:bg-fuchsia-950 dark:text-fuchsia-300 dark:ring-fuchsia-900',
  img2img: 'bg-cyan-50 text-cyan-700 ring-cyan-200 dark:bg-cyan-950 dark:text-cyan-300 dark:ring-cyan-900',
  upscale: 'bg-emerald-50 text-emerald-700 ring-emerald-200 dark:bg-emerald-950 dark:text-emerald-300 dark:ring-emerald-900',
  edit: 'bg-amber-50 text-amber-800 ring-amber-200 dark:bg-amber-950 dark:text-amber-300 dark:ring-amber-900',
};

/** Hex colours per action, for SVG (minimap, edges) where classes do not reach. */
export const ACTION_COLORS: Record<string, string> = {
  generate: '#71717a',
  upload: '#0284c7',
  variation: '#7c3aed',
  remix: '#c026d3',
  img2img: '#0891b2',
  upscale: '#059669',
  edit: '#d97706',
};

/** How a node came to be (generated, variation, remix, image to image, upscale, edit, uploaded), in words. */
export function ActionBadge({ action, className }: { action: string; className?: string }) {
  const label = actionLabel(action).toLowerCase();
  return (
    <span
      title={label}
      className={cn(
        'inline-flex items-center rounded-md px-1.5 py-px text-[11px] font-medium leading-4 ring-1 ring-inset',
        STYLES[action] ?? STYLES.generate,
        className,
      )}
    >
      {label}
    </span>
  );
}
