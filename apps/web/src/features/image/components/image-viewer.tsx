import { useState } from 'react';
import { Ghost } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { cn } from '@/lib/cn';
import { formatDateTime } from '../format';
import { CHECKER } from '../styles';

/**
 * The image as large as its frame allows, never cropped: the thumbnail shows at once
 * (blurred) and the full PNG fades in over it. The frame must have a definite size.
 */
export function ImageViewer({ node, className }: { node: ImageNode; className?: string }) {
  return (
    <div
      className={cn(CHECKER, 'relative flex items-center justify-center overflow-hidden rounded-2xl bg-zinc-100 p-3 ring-1 ring-inset ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800 sm:p-5', className)}
      style={{ containerType: 'size' }}
    >
      {node.deleted_at || !node.url ? <Tombstone node={node} /> : <FittedImage key={node.id} node={node} />}
    </div>
  );
}

function FittedImage({ node }: { node: ImageNode }) {
  const [loaded, setLoaded] = useState(false);
  const [failed, setFailed] = useState(false);
  const ratio = node.width / node.height;
  return (
    <div
      className="relative overflow-hidden rounded-md shadow-[0_1px_3px_rgb(0_0_0/0.12),0_12px_32px_-12px_rgb(0_0_0/0.35)]"
      // Largest box of the image's aspect that fits the frame (container query units).
      style={{ width: `min(100cqw, calc(100cqh * ${ratio}))`, aspectRatio: `${node.width} / ${node.height}` }}
    >
      {node.thumbnail_url && !loaded ? (
        <img src={node.thumbnail_url} alt="" aria-hidden className="absolute inset-0 h-full w-full scale-105 object-cover blur-md" />
      ) : null}
      <img
        src={node.url!}
        alt={node.prompt ? `Image #${node.id}: ${node.prompt}` : `Image #${node.id}`}
        width={node.width}
        height={node.height}
        decoding="async"
        onLoad={() => setLoaded(true)}
        onError={() => setFailed(true)}
        className={cn('absolute inset-0 h-full w-full object-contain transition-opacity duration-300', loaded ? 'opacity-100' : 'opacity-0')}
      />
      {failed ? (
        <div role="alert" className="absolute inset-0 flex items-center justify-center bg-zinc-900/60 p-4 text-center text-sm text-white">
          The image file could not be loaded.
        </div>
      ) : null}
    </div>
  );
}

function Tombstone({ node }: { node: ImageNode }) {
  return (
    <div
      className="flex max-w-sm flex-col items-center gap-3 rounded-2xl border-2 border-dashed border-zinc-300 bg-white/80 px-8 py-10 text-center backdrop-blur dark:border-zinc-700 dark:bg-zinc-950/70"
      data-testid="tombstone"
    >
      <Ghost className="h-10 w-10 text-zinc-400" aria-hidden />
      <p className="text-base font-semibold">This image was deleted</p>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">Its recipe and place in the lineage remain.</p>
      {node.deleted_at ? <p className="text-xs text-zinc-500">Deleted {formatDateTime(node.deleted_at)}</p> : null}
    </div>
  );
}
