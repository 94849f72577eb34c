import { Ghost } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
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

export function SideLabel({ side, id, className }: { side: 'A' | 'B'; id: number; className?: string }) {
  return (
    <span className={cn('pointer-events-none absolute inline-flex items-center gap-1 rounded-full bg-zinc-950/70 px-2 py-0.5 text-xs font-medium text-white backdrop-blur', className)}>
      <span className="font-bold">{side}</span>
      <span className="tabular-nums opacity-80">#{id}</span>
    </span>
  );
}
