import { useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router';
import { toast } from 'sonner';
import { ClipboardCopy, Download, ImagePlus, Loader2, Maximize2, Shuffle, SlidersHorizontal, Star, Trash2, Wand2 } from 'lucide-react';
import type { GenerationRequest, ImageNode } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/cn';
import { ShareButton } from '@/features/share/components/share-button';
import { copyText } from '@/features/share/clipboard';
import { useMoveToTrash } from '@/features/trash/api';
import { DeleteForeverDialog } from '@/features/trash/components/delete-forever-dialog';
import { imageState } from '@/features/trash/state';
import { useDeriveVersion, useSetStarred } from '../api';
import { MAX_UPSCALED_SIDE } from '@imageflow/shared/constants';
import { ExportLineageButton } from '@/features/lineage/components/export-lineage';
import { formatBytes } from '../format';
import { formatName, originalFilename } from '../imported';
import { EditDialog } from './edit-dialog';

/** The recipe as JSON: enough to make the same image again anywhere. */
export function recipeJson(node: ImageNode): string {
  return JSON.stringify({ prompt: node.prompt, negative_prompt: node.negative_prompt, model: node.model, spec_json: node.spec_json }, null, 2);
}

// `!` overrides the Button size's padding and type (class lists are not merged).
const actionButton = 'w-full justify-center whitespace-nowrap gap-1! px-1.5! text-[13px]! [&_svg]:shrink-0';

export function ImageActions({ node }: { node: ImageNode }) {
  const navigate = useNavigate();
  const derive = useDeriveVersion();
  const [editing, setEditing] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const moveToTrash = useMoveToTrash();
  const state = imageState(node);
  const deleted = state === 'deleted';
  // In the trash nothing may grow from it, nor be starred or shared, until it is restored (the banner says so).
  const live = state === 'live';
  const pending = derive.isPending ? derive.variables?.label : undefined;
  // A variation repeats the prompt with a new seed: with no prompt (an upload without a recipe) it has
  // nothing to repeat, so what is offered is a remix, with a prompt written for it.
  const promptless = node.prompt.trim() === '';

  const run = (label: string, request: Omit<GenerationRequest, 'parent_id'>) => derive.mutate({ label, request: { parent_id: node.id, ...request } });
  const spinnerOr = (label: string, icon: ReactNode) => (pending === label ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : icon);

  const upscaleBlocked = (factor: number) => Math.max(node.width, node.height) * factor > MAX_UPSCALED_SIDE;
  const upscaleTitle = (factor: number) =>
    upscaleBlocked(factor)
      ? `Upscaling by ${factor} would exceed ${MAX_UPSCALED_SIDE} pixels on a side`
      : `Make a ${node.width * factor} × ${node.height * factor} copy`;

  const copyRecipe = async () => {
    if (await copyText(recipeJson(node))) toast.success('Recipe copied', { description: 'Prompt, negative prompt, model and settings, as JSON.' });
    else toast.error('Could not copy the recipe', { description: 'The browser blocked the clipboard. Try again from a secure (https or localhost) page.' });
  };

  return (
    <div className="space-y-3">
      {state === 'trashed' ? null : (
        <div className="grid grid-cols-2 gap-2 min-[420px]:grid-cols-3" role="group" aria-label="New version from this image" aria-describedby={promptless ? `no-prompt-${node.id}` : undefined}>
          {promptless ? (
            <Button
              variant="primary"
              className={cn(actionButton, 'col-span-2')}
              onClick={() => navigate(`/?from=${node.id}`)}
              title="Open Create with this image’s settings, write a prompt, and the result branches from this image"
            >
              <Wand2 className="h-4 w-4" aria-hidden />
              Remix with a prompt
            </Button>
          ) : (
            <>
              <Button variant="primary" className={actionButton} onClick={() => run('Variation', { action_type: 'variation' })} title="Same recipe, new seed">
                {spinnerOr('Variation', <Shuffle className="h-4 w-4" aria-hidden />)}
                Variation
              </Button>
              <Button className={actionButton} onClick={() => navigate(`/?from=${node.id}`)} title="Open Create with this recipe filled in, to change it; the result branches from this image">
                <Wand2 className="h-4 w-4" aria-hidden />
                Remix
              </Button>
            </>
          )}
          <Button
            className={actionButton}
            onClick={() => navigate(`/?init=${node.id}`)}
            disabled={deleted}
            title={deleted ? 'The pixels are gone' : 'Use this image as the starting point of a new one'}
          >
            <ImagePlus className="h-4 w-4" aria-hidden />
            Image to image
          </Button>
          {([2, 4] as const).map((factor) => (
            <Button
              key={factor}
              className={actionButton}
              disabled={deleted || upscaleBlocked(factor)}
              title={deleted ? 'The pixels are gone' : upscaleTitle(factor)}
              onClick={() => run(`Upscale ×${factor}`, { action_type: 'upscale', upscale: { factor } })}
            >
              {spinnerOr(`Upscale ×${factor}`, <Maximize2 className="h-4 w-4" aria-hidden />)}
              Upscale ×{factor}
            </Button>
          ))}
          <Button className={actionButton} disabled={deleted} onClick={() => setEditing(true)} title={deleted ? 'The pixels are gone' : 'Crop, rotate, mirror, adjust'}>
            <SlidersHorizontal className="h-4 w-4" aria-hidden />
            Edit
          </Button>
          {promptless ? (
            <p id={`no-prompt-${node.id}`} className="col-span-full text-xs text-zinc-500 dark:text-zinc-400">
              No prompt came with this image, so a variation would have nothing to repeat: remix it with a prompt of your own.
            </p>
          ) : null}
        </div>
      )}

      <div className="flex flex-wrap gap-1.5" role="group" aria-label="This image">
        {live ? <StarButton node={node} /> : null}
        {node.url ? <DownloadLinks node={node} /> : null}
        {live ? <ShareButton node={node} /> : null}
        <Button size="sm" onClick={() => void copyRecipe()}>
          <ClipboardCopy className="h-4 w-4" aria-hidden />
          Copy recipe
        </Button>
        <ExportLineageButton nodeId={node.id} />
        {live ? (
          // The two ways out wrap together, never one without the other.
          <span className="flex gap-1.5">
            <Button
              size="sm"
              variant="danger"
              disabled={moveToTrash.isPending}
              onClick={() => moveToTrash.mutate(node.id)}
              title="Hide it from the gallery; restore it from the Trash until it is purged"
            >
              {moveToTrash.isPending ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : <Trash2 className="h-4 w-4" aria-hidden />}
              Move to trash
            </Button>
            <Button
              size="sm"
              variant="ghost"
              className="text-red-600! hover:bg-red-50! dark:text-red-400! dark:hover:bg-red-950!"
              onClick={() => setConfirmingDelete(true)}
              aria-haspopup="dialog"
              title="Remove its files now; this cannot be undone"
            >
              Delete forever
            </Button>
          </span>
        ) : null}
      </div>

      <EditDialog node={node} open={editing} onClose={() => setEditing(false)} />
      <DeleteForeverDialog node={confirmingDelete ? node : null} onClose={() => setConfirmingDelete(false)} />
    </div>
  );
}

function StarButton({ node }: { node: ImageNode }) {
  const setStarred = useSetStarred();
  return (
    <Button size="sm" onClick={() => setStarred.mutate({ id: node.id, starred: !node.starred })}>
      <Star className={cn('h-4 w-4', node.starred && 'fill-amber-400 text-amber-500')} aria-hidden />
      {node.starred ? 'Unstar' : 'Star'}
    </Button>
  );
}

const linkClass =
  'inline-flex h-8 items-center gap-1.5 bg-white px-2.5 text-sm font-medium text-zinc-800 ring-1 ring-inset ring-zinc-300 transition-colors hover:bg-zinc-50 focus-visible:z-10 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800';

/** The PNG, and for an upload the file as it came (its format, its metadata), under its own name. */
function DownloadLinks({ node }: { node: ImageNode }) {
  const original = node.original?.url ? node.original : null;
  if (!original) {
    return (
      <a href={node.url!} download={node.filename} className={cn(linkClass, 'rounded-lg')}>
        <Download className="h-4 w-4" aria-hidden />
        Download
      </a>
    );
  }
  const format = formatName(original.content_type);
  return (
    <span className="inline-flex" role="group" aria-label="Download">
      <a href={node.url!} download={node.filename} className={cn(linkClass, 'rounded-l-lg')} aria-label="Download PNG" title="The PNG shown here, with its recipe embedded">
        <Download className="h-4 w-4" aria-hidden />
        PNG
      </a>
      <a
        href={original.url!}
        download={originalFilename(node) ?? true}
        className={cn(linkClass, '-ml-px rounded-r-lg')}
        aria-label={`Download original (${format})`}
        title={`The file byte for byte as it was uploaded: ${format}, ${formatBytes(original.bytes)}${originalFilename(node) ? `, “${originalFilename(node)}”` : ''}`}
      >
        Original
      </a>
    </span>
  );
}
