import { memo } from 'react';
import { Link } from 'react-router';
import { Share2, Star } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { cn } from '@/lib/cn';

export interface GalleryTileProps {
  node: ImageNode;
  index: number;
  total: number;
  onToggleStar: (node: ImageNode) => void;
  onOpen: (node: ImageNode) => void;
  /** Opens the share dialog for this image (a hover action, like the star). */
  onShare?: (node: ImageNode) => void;
}

const hoverAction =
  'absolute top-1.5 inline-flex h-8 w-8 items-center justify-center rounded-full backdrop-blur transition focus-visible:outline-2 focus-visible:outline-indigo-500';

/**
 * One thumbnail in a fixed square box (no layout shift while it loads). The link is the tile's
 * focus target; the star is a sibling button (a button inside a link is invalid HTML).
 */
export const GalleryTile = memo(function GalleryTile({ node, index, total, onToggleStar, onOpen, onShare }: GalleryTileProps) {
  const prompt = node.prompt.trim() || (node.action_type === 'upload' ? 'Uploaded image' : 'No prompt');
  return (
    <div role="listitem" aria-posinset={index + 1} aria-setsize={total} className="group relative">
      <Link
        to={`/image/${node.id}`}
        data-tile-index={index}
        onClick={() => onOpen(node)}
        aria-label={`Image #${node.id}: ${prompt}`}
        aria-keyshortcuts="s"
        className="checker relative block aspect-square overflow-hidden rounded-xl bg-zinc-100 ring-1 ring-zinc-900/5 outline-none transition-shadow focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 focus-visible:ring-offset-white dark:bg-zinc-900 dark:ring-white/5 dark:focus-visible:ring-offset-zinc-950"
      >
        {node.thumbnail_url ? (
          <img
            src={node.thumbnail_url}
            alt=""
            loading="lazy"
            decoding="async"
            draggable={false}
            className="h-full w-full object-cover transition-transform duration-300 ease-out group-hover:scale-[1.03]"
          />
        ) : (
          <span className="flex h-full items-center justify-center text-xs text-zinc-500">Deleted</span>
        )}
        <span
          aria-hidden
          className="pointer-events-none absolute inset-x-0 bottom-0 bg-gradient-to-t from-black/75 via-black/35 to-transparent px-2.5 pt-8 pb-2 opacity-0 transition-opacity duration-200 group-hover:opacity-100 group-focus-within:opacity-100"
        >
          <span className="line-clamp-2 text-xs leading-snug font-medium text-white">{prompt}</span>
          <span className="mt-0.5 block text-[11px] text-white/70 tabular-nums">#{node.id}</span>
        </span>
      </Link>
      <button
        type="button"
        tabIndex={-1}
        onClick={() => onToggleStar(node)}
        aria-label={`${node.starred ? 'Unstar' : 'Star'} image #${node.id}`}
        title={node.starred ? 'Unstar (S)' : 'Star (S)'}
        className={cn(
          hoverAction,
          'right-1.5',
          node.starred
            ? 'bg-black/35 text-amber-300 opacity-100 hover:bg-black/50'
            : 'bg-black/30 text-white opacity-0 group-hover:opacity-100 group-focus-within:opacity-100 hover:bg-black/50 [@media(hover:none)]:opacity-100',
        )}
      >
        <Star className={cn('h-4 w-4', node.starred && 'fill-current')} aria-hidden />
      </button>
      {onShare && node.url ? (
        <button
          type="button"
          tabIndex={-1}
          onClick={() => onShare(node)}
          aria-label={`Share image #${node.id}`}
          aria-haspopup="dialog"
          title="Share"
          className={cn(
            hoverAction,
            'right-11 bg-black/30 text-white opacity-0 group-hover:opacity-100 group-focus-within:opacity-100 hover:bg-black/50 [@media(hover:none)]:opacity-100',
          )}
        >
          <Share2 className="h-4 w-4" aria-hidden />
        </button>
      ) : null}
    </div>
  );
});
