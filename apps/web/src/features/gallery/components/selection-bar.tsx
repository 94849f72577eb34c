import type { ReactNode } from 'react';
import { CheckCheck, Columns2, Download, LoaderCircle, Star, Trash2, X } from 'lucide-react';
import { MAX_DOWNLOAD_IMAGES } from '@imageflow/shared/constants';
import { cn } from '@/lib/cn';

export interface SelectionBarProps {
  count: number;
  /** Images shown (loaded) that could be selected. */
  shown: number;
  /** Every selected image is starred: the star action unstars. */
  allStarred: boolean;
  starring: boolean;
  downloading: boolean;
  trashing: boolean;
  onClear: () => void;
  onSelectAll: () => void;
  onStar: () => void;
  onDownload: () => void;
  onCompare: () => void;
  onTrash: () => void;
}

function Action({
  label,
  title,
  icon,
  onClick,
  disabled,
  busy,
  danger,
  wide,
}: {
  label: string;
  title?: string;
  icon: ReactNode;
  onClick: () => void;
  disabled?: boolean;
  busy?: boolean;
  danger?: boolean;
  /** The label shows from this width on; below, the icon alone (named for screen readers). */
  wide?: boolean;
}) {
  return (
    <button
      type="button"
      onClick={onClick}
      disabled={disabled || busy}
      aria-label={label}
      title={title ?? label}
      className={cn(
        'inline-flex h-9 shrink-0 items-center justify-center gap-1.5 rounded-lg px-2 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-400 disabled:cursor-not-allowed disabled:opacity-45 sm:px-2.5',
        danger ? 'text-red-300 hover:bg-red-500/20' : 'text-zinc-100 hover:bg-white/10',
      )}
    >
      {busy ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : icon}
      <span className={wide ? 'hidden lg:inline' : 'hidden md:inline'} aria-hidden>
        {label}
      </span>
    </button>
  );
}

/**
 * What can be done with the selected images, in a bar floating at the bottom of the window while
 * anything is selected: star, download as a .zip, compare two, move to the trash; select all
 * shown, or clear (Esc).
 */
export function SelectionBar(props: SelectionBarProps) {
  const { count, shown, allStarred } = props;
  const tooMany = count > MAX_DOWNLOAD_IMAGES;
  return (
    <div className="pointer-events-none fixed inset-x-0 bottom-0 z-30 flex justify-center px-2 pb-[max(0.75rem,env(safe-area-inset-bottom))] sm:px-4">
      <div
        role="toolbar"
        aria-label="Selected images"
        className="pointer-events-auto flex max-w-full items-center gap-0.5 rounded-2xl bg-zinc-900/95 p-1.5 text-white shadow-xl ring-1 ring-white/10 backdrop-blur sm:gap-1 dark:bg-zinc-800/95"
      >
        <button
          type="button"
          onClick={props.onClear}
          aria-label="Clear the selection"
          title="Clear the selection (Esc)"
          className="inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-lg text-zinc-300 hover:bg-white/10 hover:text-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-400"
        >
          <X className="h-4 w-4" aria-hidden />
        </button>
        <p className="min-w-0 shrink-0 pr-1 pl-0.5 text-sm font-semibold tabular-nums sm:pr-2" aria-live="polite">
          {count.toLocaleString()} selected
        </p>
        <span aria-hidden className="mx-0.5 h-6 w-px shrink-0 bg-white/15" />
        {count < shown ? (
          <Action label={`Select all ${shown.toLocaleString()}`} title="Select every image shown (Ctrl+A)" icon={<CheckCheck className="h-4 w-4" aria-hidden />} onClick={props.onSelectAll} wide />
        ) : null}
        <Action
          label={allStarred ? 'Unstar' : 'Star'}
          icon={<Star className={cn('h-4 w-4', allStarred && 'fill-amber-300 text-amber-300')} aria-hidden />}
          onClick={props.onStar}
          busy={props.starring}
        />
        <Action
          label="Download"
          title={tooMany ? `At most ${MAX_DOWNLOAD_IMAGES} images download at once: select fewer` : 'Download the PNGs as one .zip'}
          icon={<Download className="h-4 w-4" aria-hidden />}
          onClick={props.onDownload}
          disabled={tooMany}
          busy={props.downloading}
        />
        <Action
          label="Compare"
          title={count === 2 ? 'Compare the two side by side' : 'Select exactly two images to compare them'}
          icon={<Columns2 className="h-4 w-4" aria-hidden />}
          onClick={props.onCompare}
          disabled={count !== 2}
        />
        <Action
          label="Move to trash"
          title="Hide them from the gallery; undo, or restore them from the Trash"
          icon={<Trash2 className="h-4 w-4" aria-hidden />}
          onClick={props.onTrash}
          busy={props.trashing}
          danger
        />
      </div>
    </div>
  );
}
