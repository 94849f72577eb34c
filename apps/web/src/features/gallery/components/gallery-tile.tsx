import { memo, type MouseEvent } from 'react';
import { Link } from 'react-router';
import { Check, Share2, Star } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { cn } from '@/lib/cn';

/** How a click selects: toggle one image, or the range from the anchor to it. */
export type SelectHow = 'toggle' | 'range';

export interface GalleryTileProps {
  node: ImageNode;
  index: number;
  total: number;
  onToggleStar: (node: ImageNode) => void;
  onOpen: (node: ImageNode) => void;
  /** Opens the share dialog for this image (a hover action, like the star). */
  onShare?: (node: ImageNode) => void;
  selected?: boolean;
  /** Something is selected: a click selects instead of opening. */
  selecting?: boolean;
  onSelect?: (node: ImageNode, how: SelectHow) => void;
  /** Carried to the image page: the gallery it was opened from, for its arrow keys and way back. */
  linkState?: unknown;
}

const hoverAction =
  'absolute top-1.5 inline-flex h-8 w-8 items-center justify-center rounded-full backdrop-blur transition focus-visible:outline-2 focus-visible:outline-indigo-500';

/**
 * One thumbnail in a fixed square box (no layout shift while it loads). The link is the tile's
 * focus target; the star, share and select controls are sibling buttons (a button inside a link
 * is invalid HTML). Shift-click selects a range, Ctrl/Cmd-click one more; while anything is
 * selected, a click selects too (Enter still opens).
 */
export const GalleryTile = memo(function GalleryTile({
  node,
  index,
  total,
  onToggleStar,
  onOpen,
  onShare,
  selected = false,
  selecting = false,
  onSelect,
  linkState,
}: GalleryTileProps) {
  const prompt = node.prompt.trim() || (node.action_type === 'upload' ? 'Uploaded image' : 'No prompt');
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    // detail 0: Enter on the focused link, which always opens.
    const keyboard = event.detail === 0;
    if (onSelect && !keyboard && (event.shiftKey || event.ctrlKey || event.metaKey || selecting)) {
      event.preventDefault();
      onSelect(node, event.shiftKey ? 'range' : 'toggle');
      return;
    }
    onOpen(node);
  };
  return (
    <div role="listitem" aria-posinset={index + 1} aria-setsize={total} className="group relative" data-selected={selected || undefined}>
      <Link
        to={`/image/${node.id}`}
        state={linkState}
        data-tile-index={index}
        onClick={onClick}
        aria-label={`Image #${node.id}: ${prompt}`}
        aria-keyshortcuts="s Space"
        className={cn(
          'relative block aspect-square overflow-hidden rounded-xl outline-none transition-shadow focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 focus-visible:ring-offset-white dark:focus-visible:ring-offset-zinc-950',
          selected
            ? 'bg-indigo-100 ring-[3px] ring-indigo-500 dark:bg-indigo-950 dark:ring-indigo-400'
            : 'checker bg-zinc-100 ring-1 ring-zinc-900/5 dark:bg-zinc-900 dark:ring-white/5',
        )}
      >
        {node.thumbnail_url ? (
          <img
            src={node.thumbnail_url}
            alt=""
            loading="lazy"
            decoding="async"
            draggable={false}
            className={cn(
              'h-full w-full object-cover transition-transform duration-300 ease-out',
              selected ? 'scale-[0.88] rounded-lg' : 'group-hover:scale-[1.03]',
            )}
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
      {onSelect ? (
        <button
          type="button"
          tabIndex={-1}
          role="checkbox"
          aria-checked={selected}
          onClick={(event) => onSelect(node, event.shiftKey ? 'range' : 'toggle')}
          aria-label={`Select image #${node.id}`}
          title={selected ? 'Selected (Space)' : 'Select (Space); Shift-click selects a range'}
          className={cn(
            hoverAction,
            'left-1.5',
            selected
              ? 'bg-indigo-600 text-white opacity-100 ring-2 ring-white hover:bg-indigo-500 dark:ring-zinc-950'
              : cn(
                  'bg-black/30 text-white/0 ring-2 ring-inset ring-white/90 hover:bg-black/45 hover:text-white/80 group-hover:opacity-100 group-focus-within:opacity-100 [@media(hover:none)]:opacity-100',
                  selecting ? 'opacity-100' : 'opacity-0',
                ),
          )}
        >
          <Check className="h-4 w-4" strokeWidth={3} aria-hidden />
        </button>
      ) : null}
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
          title="Share link"
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
