import { useRef } from 'react';
import { Link } from 'react-router';
import { FileInput, GitBranch, ImageUp, LoaderCircle, X } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { isTrashed } from '@/features/trash/state';
import type { ImportGaps } from '../import-gaps';
import { NumberSliderField } from './number-slider-field';

function Thumb({ node, size = 'h-10 w-10' }: { node: ImageNode | undefined; size?: string }) {
  return (
    <span className={`checker block shrink-0 overflow-hidden rounded-md bg-zinc-100 ring-1 ring-zinc-200 dark:bg-zinc-800 dark:ring-zinc-700 ${size}`}>
      {node?.thumbnail_url ? <img src={node.thumbnail_url} alt="" className="h-full w-full object-cover" /> : null}
    </span>
  );
}

const detachClass =
  'inline-flex h-8 w-8 shrink-0 items-center justify-center rounded-md text-zinc-500 hover:bg-zinc-200/70 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-zinc-700 dark:hover:text-zinc-100';

/** "Remixing #id": the form holds that image's recipe and the result becomes its child. */
export function RemixChip({ id, node, error, onDetach }: { id: number; node: ImageNode | undefined; error: string | null; onDetach: () => void }) {
  return (
    <div
      role="status"
      className="flex items-center gap-3 rounded-xl bg-indigo-50 p-2 pr-1.5 ring-1 ring-indigo-200 dark:bg-indigo-950/40 dark:ring-indigo-900"
    >
      <Thumb node={node} />
      <div className="min-w-0 flex-1">
        <p className="flex items-center gap-1.5 text-sm font-medium text-indigo-900 dark:text-indigo-100">
          <GitBranch className="h-3.5 w-3.5" aria-hidden />
          Remixing{' '}
          <Link to={`/image/${id}`} className="underline-offset-2 hover:underline">
            #{id}
          </Link>
        </p>
        <p className="line-clamp-2 text-xs text-indigo-700/80 dark:text-indigo-300/80">
          {error
            ? error
            : node && isTrashed(node)
              ? 'In the trash: restore it to branch from it, or detach'
              : node && !node.prompt.trim()
                ? 'It came without a prompt: write one below'
                : node
                  ? 'Recipe loaded; the result branches from it'
                  : 'Loading its recipe…'}
        </p>
      </div>
      <button type="button" onClick={onDetach} aria-label={`Stop remixing #${id}`} title="Detach: make a new, unrelated image" className={detachClass}>
        <X className="h-4 w-4" aria-hidden />
      </button>
    </div>
  );
}

/** Under the remix chip of an uploaded file: what its recipe states that the form could not take. */
export function ImportNotes({ gaps }: { gaps: ImportGaps }) {
  return (
    <div className="rounded-xl bg-sky-50 px-3 py-2.5 text-sm text-sky-950 ring-1 ring-sky-200 dark:bg-sky-950/40 dark:text-sky-100 dark:ring-sky-900" role="note" aria-label="From the file">
      <p className="flex items-center gap-1.5 font-medium">
        <FileInput className="h-3.5 w-3.5 shrink-0 text-sky-600 dark:text-sky-400" aria-hidden />
        Recipe from {gaps.tool}
      </p>
      {gaps.notes.length === 0 ? (
        <p className="mt-1 text-xs text-sky-800 dark:text-sky-200/80">Every setting it states is filled in below.</p>
      ) : (
        <ul className="mt-1.5 list-disc space-y-1 pl-5 text-xs leading-snug text-sky-900 marker:text-sky-400 dark:text-sky-100/90">
          {gaps.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/**
 * The optional init image (image-to-image): an upload button and drop target when empty, or the
 * chosen image with its strength.
 */
export function InitImageField({
  id,
  node,
  error,
  uploading,
  strength,
  strengthError,
  onStrength,
  onRemove,
  onFile,
}: {
  id: number | null;
  node: ImageNode | undefined;
  error: string | null;
  uploading: boolean;
  strength: string;
  strengthError?: string;
  onStrength: (v: string) => void;
  onRemove: () => void;
  onFile: (file: File) => void;
}) {
  const fileInput = useRef<HTMLInputElement>(null);
  const picker = (
    <input
      ref={fileInput}
      type="file"
      accept="image/*"
      className="sr-only"
      tabIndex={-1}
      aria-label="Init image file"
      onChange={(e) => {
        const file = e.target.files?.[0];
        if (file) onFile(file);
        e.target.value = '';
      }}
    />
  );

  if (id === null) {
    return (
      <div className="space-y-1.5">
        <span className="block text-sm font-medium text-zinc-700 dark:text-zinc-300">
          Init image <span className="font-normal text-zinc-400 dark:text-zinc-500">(optional)</span>
        </span>
        <div className="flex items-center gap-3 rounded-xl border border-dashed border-zinc-300 px-3 py-2.5 dark:border-zinc-700">
          <button
            type="button"
            onClick={() => fileInput.current?.click()}
            disabled={uploading}
            className="inline-flex h-8 shrink-0 items-center gap-1.5 rounded-lg bg-white px-2.5 text-sm font-medium text-zinc-800 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:opacity-60 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800"
          >
            {uploading ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <ImageUp className="h-4 w-4" aria-hidden />}
            {uploading ? 'Uploading…' : 'Upload init image'}
          </button>
          <span className="text-xs leading-snug text-zinc-500 dark:text-zinc-400">or drop or paste an image here, to start from it</span>
          {picker}
        </div>
      </div>
    );
  }

  return (
    <div className="space-y-3 rounded-xl bg-zinc-50 p-3 ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800">
      <div className="flex items-center gap-3">
        <Thumb node={node} size="h-14 w-14" />
        <div className="min-w-0 flex-1">
          <p className="text-sm font-medium text-zinc-900 dark:text-zinc-100">
            Init image{' '}
            <Link to={`/image/${id}`} className="text-zinc-500 underline-offset-2 hover:underline dark:text-zinc-400">
              #{id}
            </Link>
          </p>
          <p className="truncate text-xs text-zinc-500 dark:text-zinc-400">
            {error
              ? error
              : node?.deleted_at
                ? 'Deleted: its pixels are gone, so it can’t be an init image.'
                : node && isTrashed(node)
                  ? 'In the trash: restore it to start from it.'
                  : node
                    ? `${node.width} × ${node.height}`
                    : 'Loading…'}
          </p>
        </div>
        <button type="button" onClick={() => fileInput.current?.click()} className="rounded px-1 text-xs font-medium text-indigo-600 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400">
          Replace
        </button>
        <button type="button" onClick={onRemove} aria-label="Remove init image" title="Remove init image" className={detachClass}>
          <X className="h-4 w-4" aria-hidden />
        </button>
        {picker}
      </div>
      <NumberSliderField
        id="strength"
        label="Strength"
        value={strength}
        onChange={onStrength}
        min={0}
        max={1}
        step={0.05}
        error={strengthError}
        hint="Low keeps the init image; high follows the prompt."
      />
    </div>
  );
}
