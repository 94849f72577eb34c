import { forwardRef, type CSSProperties, type HTMLAttributes, type ReactNode } from 'react';
import { Ghost } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { actionLabel } from '@imageflow/shared/constants';
import { CHECKER } from '@/features/image/styles';
import { ACTION_COLORS } from '@/features/lineage/components/action-badge';
import { cn } from '@/lib/cn';

/** One side's pixels, fitted without cropping; a deleted side shows its tombstone. */
export function CompareImage({ node, className }: { node: ImageNode; className?: string }) {
  if (!node.url) {
    return (
      <div className={cn('flex flex-col items-center justify-center gap-2 bg-zinc-100 text-center text-sm text-zinc-500 dark:bg-zinc-900 dark:text-zinc-400', className)}>
        <Ghost className="h-8 w-8" aria-hidden />
        <span>#{node.id} was deleted; its recipe remains.</span>
      </div>
    );
  }
  return (
    <img
      src={node.url}
      alt={`Image #${node.id}`}
      draggable={false}
      className={cn('h-full w-full object-contain', className)}
      style={node.thumbnail_url ? { backgroundImage: `url(${node.thumbnail_url})`, backgroundSize: 'contain', backgroundPosition: 'center', backgroundRepeat: 'no-repeat' } : undefined}
    />
  );
}

/** How a side came to be, by the name the settings table uses ("Image to image"), with its lineage colour. */
export function ActionTag({ action, className }: { action: string; className?: string }) {
  return (
    <span
      data-testid="action-tag"
      className={cn(
        'inline-flex items-center gap-1.5 rounded-md bg-white px-1.5 py-px text-[11px] leading-4 font-medium text-zinc-700 ring-1 ring-inset ring-zinc-200 dark:bg-zinc-900 dark:text-zinc-300 dark:ring-zinc-700',
        className,
      )}
    >
      <span aria-hidden className="h-1.5 w-1.5 shrink-0 rounded-full" style={{ backgroundColor: ACTION_COLORS[action] ?? ACTION_COLORS.generate }} />
      {actionLabel(action)}
    </span>
  );
}

export function SideLabel({ side, id, className }: { side: 'A' | 'B'; id: number; className?: string }) {
  return (
    <span className={cn('pointer-events-none absolute inline-flex items-center gap-1 rounded-full bg-zinc-950/70 px-2 py-0.5 text-xs font-medium text-white backdrop-blur', className)}>
      <span className="font-bold">{side}</span>
      <span className="tabular-nums opacity-80">#{id}</span>
    </span>
  );
}

/**
 * The checkered stage of the one-frame views (slider, difference, onion skin): a box of the given
 * size's aspect, as large as the stage allows. The box takes the remaining props.
 */
export const CompareStage = forwardRef<HTMLDivElement, { width: number; height: number; children: ReactNode } & HTMLAttributes<HTMLDivElement>>(function CompareStage(
  { width, height, children, className, style, ...props },
  ref,
) {
  return (
    <div
      className={`${CHECKER} flex h-[min(70vh,calc(100vw-1.5rem))] items-center justify-center rounded-2xl bg-zinc-100 p-3 ring-1 ring-inset ring-zinc-200 max-sm:aspect-[var(--ratio)] max-sm:h-auto max-sm:max-h-[75vh] sm:p-5 lg:h-[calc(100dvh-13rem)] dark:bg-zinc-900 dark:ring-zinc-800`}
      // On a phone the stage takes the picture's shape; on larger screens, the height it is given.
      style={{ containerType: 'size', '--ratio': `${width} / ${height}` } as CSSProperties}
    >
      <div
        ref={ref}
        className={cn('relative overflow-hidden rounded-md shadow-lg', className)}
        style={{ width: `min(100cqw, calc(100cqh * ${width / height}))`, aspectRatio: `${width} / ${height}`, ...style }}
        {...props}
      >
        {children}
      </div>
    </div>
  );
});
