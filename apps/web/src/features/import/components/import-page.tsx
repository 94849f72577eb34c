import { useEffect, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { CircleAlert, FileArchive, FileImage, FolderOpen, Hourglass, ImagePlus, LoaderCircle, Network, Package, Upload } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { ProgressBar } from '@/components/ui/progress-bar';
import { cn } from '@/lib/cn';
import { formatBytes, shortSha } from '@/features/image/format';
import { recognisedTool } from '@/features/image/imported';
import { CHECKER } from '@/features/image/styles';
import { filesFromDrop } from '../drop';
import { importQueue, isFinished, outcomeOf, useImportQueue, type ImportRow, type PickedFile } from '../queue';

// `webkitdirectory` is not in React's input props; every current browser supports it.
const folderProps = { webkitdirectory: '', directory: '' } as Record<string, string>;

const TOOL_NAMES = 'AUTOMATIC1111, Forge, SD.Next, ComfyUI, InvokeAI, Fooocus, RuinedFooocus, NovelAI and SwarmUI';

export function ImportPage() {
  const queryClient = useQueryClient();
  const { rows, skipped } = useImportQueue();
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const bundleInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);

  useEffect(() => {
    document.title = 'Import · ImageFlow';
  }, []);

  const add = (picked: PickedFile[], options: { fromFolder?: boolean; bundles?: boolean } = {}) => {
    if (picked.length > 0) importQueue.add(picked, queryClient, options);
  };
  const fromInput = (input: HTMLInputElement, options: { fromFolder?: boolean; bundles?: boolean } = {}) => {
    const picked = Array.from(input.files ?? []).map((file) => ({ file, path: file.webkitRelativePath || undefined }));
    add(picked, options);
    input.value = '';
  };
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
  const onDrop = (e: DragEvent) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth.current = 0;
    setDragging(false);
    void filesFromDrop(e.dataTransfer).then(({ files, folderFiles }) => {
      add(files);
      add(folderFiles, { fromFolder: true });
    });
  };

  return (
    <div className="mx-auto max-w-5xl space-y-6 px-4 py-6 sm:px-6 lg:py-8">
      <header className="space-y-1.5">
        <h1 className="text-2xl font-semibold tracking-tight">Import</h1>
        <p className="max-w-3xl text-sm text-zinc-600 dark:text-zinc-400">
          Bring in images with their recipes: files from {TOOL_NAMES} keep the prompt and settings they state. PNGs made by ImageFlow find their place in
          their lineage. A lineage bundle (.zip) exported from an ImageFlow brings a whole tree.
        </p>
      </header>

      <div
        data-testid="drop-zone"
        onDragEnter={(e) => {
          if (!hasFiles(e)) return;
          dragDepth.current += 1;
          setDragging(true);
        }}
        onDragLeave={() => {
          dragDepth.current = Math.max(0, dragDepth.current - 1);
          if (dragDepth.current === 0) setDragging(false);
        }}
        onDragOver={(e) => {
          if (hasFiles(e)) e.preventDefault();
        }}
        onDrop={onDrop}
        className={cn(
          'flex flex-col items-center gap-4 rounded-2xl border-2 border-dashed px-4 py-8 text-center transition-colors sm:py-10',
          dragging ? 'border-indigo-500 bg-indigo-50/70 dark:bg-indigo-950/40' : 'border-zinc-300 bg-white dark:border-zinc-700 dark:bg-zinc-900/40',
        )}
      >
        <span className="flex h-12 w-12 items-center justify-center rounded-full bg-indigo-50 text-indigo-600 dark:bg-indigo-950 dark:text-indigo-300">
          <Upload className="h-6 w-6" aria-hidden />
        </span>
        <div className="space-y-1">
          <p className="text-base font-medium">{dragging ? 'Drop to import' : 'Drop images, folders or a .zip bundle here'}</p>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">PNG, JPEG or WebP images, each kept byte for byte; lineage bundles as .zip.</p>
        </div>
        <div className="grid w-full max-w-xs gap-2 sm:flex sm:w-auto sm:max-w-none sm:flex-wrap sm:justify-center [&>button]:justify-center">
          <Button variant="primary" onClick={() => filesInput.current?.click()}>
            <ImagePlus className="h-4 w-4" aria-hidden />
            Choose images
          </Button>
          <Button onClick={() => folderInput.current?.click()}>
            <FolderOpen className="h-4 w-4" aria-hidden />
            Choose a folder
          </Button>
          <Button onClick={() => bundleInput.current?.click()}>
            <FileArchive className="h-4 w-4" aria-hidden />
            Import a bundle (.zip)
          </Button>
        </div>
        <input ref={filesInput} type="file" multiple accept="image/*" className="sr-only" tabIndex={-1} aria-label="Image files" onChange={(e) => fromInput(e.target)} />
        <input ref={folderInput} type="file" multiple {...folderProps} className="sr-only" tabIndex={-1} aria-label="Folder of images" onChange={(e) => fromInput(e.target, { fromFolder: true })} />
        <input ref={bundleInput} type="file" multiple accept=".zip,application/zip" className="sr-only" tabIndex={-1} aria-label="Lineage bundle" onChange={(e) => fromInput(e.target, { bundles: true })} />
      </div>

      {rows.length > 0 || skipped.length > 0 ? <Results rows={rows} skipped={skipped} /> : null}
    </div>
  );
}

/** A 4xx: the server looked at the file and said no (as opposed to failing, or not being reached). */
const refusedByServer = (status: number) => status >= 400 && status < 500;

function plural(n: number, one: string, many = `${one}s`) {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** "12 files: 8 new, 2 already here, 1 refused". */
function summary(rows: readonly ImportRow[]): string {
  const counts = { new: 0, existing: 0, attached: 0, waiting: 0, bundles: 0, refused: 0, failed: 0 };
  for (const r of rows) {
    if (r.status.kind === 'done') counts[outcomeOf(r.status)]++;
    else if (r.status.kind === 'bundle') counts.bundles++;
    else if (r.status.kind === 'refused') counts[refusedByServer(r.status.status) ? 'refused' : 'failed']++;
  }
  const parts = [
    counts.new ? `${counts.new} new` : '',
    counts.existing ? `${counts.existing} already here` : '',
    counts.attached ? `${counts.attached} attached to ${counts.attached === 1 ? 'its parent' : 'their parents'}` : '',
    counts.waiting ? `${counts.waiting} waiting for ${counts.waiting === 1 ? 'its parent' : 'their parents'}` : '',
    counts.bundles ? plural(counts.bundles, 'bundle') : '',
    counts.refused ? `${counts.refused} refused` : '',
    counts.failed ? `${counts.failed} failed` : '',
  ].filter(Boolean);
  return parts.join(', ');
}

function Results({ rows, skipped }: { rows: readonly ImportRow[]; skipped: readonly string[] }) {
  const done = rows.filter(isFinished).length;
  const busy = done < rows.length;
  return (
    <section aria-labelledby="import-results" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-x-4 gap-y-2">
        <div className="min-w-0">
          <h2 id="import-results" className="text-sm font-semibold">
            {busy ? `Importing ${Math.min(done + 1, rows.length)} of ${rows.length}…` : `${plural(rows.length, 'file')} imported`}
          </h2>
          <p className="text-xs text-zinc-500 dark:text-zinc-400" aria-live="polite" data-testid="import-summary">
            {summary(rows) || 'Starting…'}
          </p>
        </div>
        {done > 0 ? (
          <Button size="sm" variant="ghost" onClick={() => importQueue.clearFinished()} title="Take the finished files off this list (they stay imported)">
            Clear finished
          </Button>
        ) : null}
      </div>
      {rows.length > 0 ? <ProgressBar value={rows.length ? done / rows.length : 0} label="Import progress" valueText={`${done} of ${rows.length} files`} /> : null}
      {skipped.length > 0 ? (
        <p role="note" className="rounded-lg bg-zinc-50 px-3 py-2 text-sm text-zinc-700 ring-1 ring-inset ring-zinc-200 dark:bg-zinc-900 dark:text-zinc-300 dark:ring-zinc-800" data-testid="skipped-note">
          {plural(skipped.length, 'file')} of the folder {skipped.length === 1 ? 'is' : 'are'} not {skipped.length === 1 ? 'an image' : 'images'} and {skipped.length === 1 ? 'was' : 'were'} left out:{' '}
          <span className="break-all text-zinc-500 dark:text-zinc-400">
            {skipped.slice(0, 5).join(', ')}
            {skipped.length > 5 ? ` and ${skipped.length - 5} more` : ''}
          </span>
        </p>
      ) : null}
      {rows.length > 0 ? (
        <div className="overflow-hidden rounded-xl ring-1 ring-zinc-200 dark:ring-zinc-800">
          <table className="block w-full text-left text-sm sm:table sm:table-fixed">
            <caption className="sr-only">Imported files</caption>
            <thead className="hidden bg-zinc-50 text-xs font-medium text-zinc-500 sm:table-header-group dark:bg-zinc-900 dark:text-zinc-400">
              <tr>
                <th scope="col" className="w-16 py-2 pl-3">
                  <span className="sr-only">Preview</span>
                </th>
                <th scope="col" className="px-3 py-2">
                  File
                </th>
                <th scope="col" className="w-[30%] px-3 py-2">
                  Status
                </th>
                <th scope="col" className="w-[30%] px-3 py-2">
                  Recipe
                </th>
              </tr>
            </thead>
            <tbody className="block divide-y divide-zinc-200 sm:table-row-group dark:divide-zinc-800">
              {rows.map((row) => (
                <Row key={row.id} row={row} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

const cell = 'min-w-0 sm:table-cell sm:px-3 sm:py-2.5 sm:align-middle';

function Row({ row }: { row: ImportRow }) {
  const node = row.status.kind === 'done' ? row.status.node : null;
  const href = node ? `/image/${node.id}` : null;
  return (
    <tr className="grid grid-cols-[3rem_minmax(0,1fr)] gap-x-3 gap-y-1 px-3 py-3 sm:table-row sm:p-0" data-testid="import-row" data-status={rowStatus(row)}>
      <td className={cn(cell, 'row-span-3 sm:w-16 sm:py-2 sm:pr-0 sm:pl-3')}>
        <Thumb row={row} href={href} />
      </td>
      <td className={cell}>
        {href ? (
          <Link to={href} className="block truncate font-medium text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-300" title={row.name}>
            {row.name}
          </Link>
        ) : (
          <span className="block truncate font-medium" title={row.name}>
            {row.name}
          </span>
        )}
        <span className="block text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
          {formatBytes(row.bytes)}
          {node ? ` · image #${node.id}` : ''}
        </span>
      </td>
      <td className={cell}>
        <Status row={row} />
      </td>
      <td className={cell}>
        <RecipeCell row={row} />
      </td>
    </tr>
  );
}

function rowStatus(row: ImportRow): string {
  if (row.status.kind === 'done') return outcomeOf(row.status);
  return row.status.kind;
}

function Thumb({ row, href }: { row: ImportRow; href: string | null }) {
  const node = row.status.kind === 'done' ? row.status.node : null;
  const box = cn(CHECKER, 'flex h-12 w-12 items-center justify-center overflow-hidden rounded-lg bg-zinc-100 text-zinc-400 ring-1 ring-zinc-900/5 dark:bg-zinc-800 dark:text-zinc-500 dark:ring-white/10');
  const inner =
    node?.thumbnail_url ? (
      <img src={node.thumbnail_url} alt="" loading="lazy" className="h-full w-full object-cover" />
    ) : row.kind === 'bundle' ? (
      <Package className="h-5 w-5" aria-hidden />
    ) : row.status.kind === 'refused' ? (
      <CircleAlert className="h-5 w-5 text-red-400" aria-hidden />
    ) : (
      <FileImage className="h-5 w-5" aria-hidden />
    );
  return href ? (
    <Link to={href} tabIndex={-1} aria-hidden className={box}>
      {inner}
    </Link>
  ) : (
    <span className={box}>{inner}</span>
  );
}

const BADGE = 'inline-flex max-w-full items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset';
const TONES = {
  zinc: 'bg-zinc-100 text-zinc-700 ring-zinc-200 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700',
  indigo: 'bg-indigo-50 text-indigo-700 ring-indigo-200 dark:bg-indigo-950 dark:text-indigo-300 dark:ring-indigo-900',
  emerald: 'bg-emerald-50 text-emerald-800 ring-emerald-200 dark:bg-emerald-950/60 dark:text-emerald-200 dark:ring-emerald-900',
  amber: 'bg-amber-50 text-amber-800 ring-amber-200 dark:bg-amber-950/60 dark:text-amber-200 dark:ring-amber-900',
  red: 'bg-red-50 text-red-700 ring-red-200 dark:bg-red-950/60 dark:text-red-300 dark:ring-red-900',
} as const;

function Badge({ tone, children, title }: { tone: keyof typeof TONES; children: ReactNode; title?: string }) {
  return (
    <span className={cn(BADGE, TONES[tone])} title={title}>
      {children}
    </span>
  );
}

function Status({ row }: { row: ImportRow }) {
  const { status } = row;
  switch (status.kind) {
    case 'queued':
      return <Badge tone="zinc">Queued</Badge>;
    case 'uploading':
      return (
        <Badge tone="indigo">
          <LoaderCircle className="h-3 w-3 animate-spin" aria-hidden />
          {status.retryIn ? `Server busy: again in ${status.retryIn} s` : row.kind === 'bundle' ? 'Importing…' : 'Uploading…'}
        </Badge>
      );
    case 'refused':
      return (
        <div className="space-y-1">
          <Badge tone="red">{refusedByServer(status.status) ? 'Refused' : 'Failed'}</Badge>
          <p className="text-xs leading-snug text-red-700 dark:text-red-300" role="alert">
            {status.message}
          </p>
        </div>
      );
    case 'bundle': {
      const { result } = status;
      return (
        <div className="space-y-1">
          <p className="flex items-start gap-1.5 text-xs leading-snug text-zinc-700 dark:text-zinc-300">
            <Network className="mt-px h-3.5 w-3.5 shrink-0 text-violet-600 dark:text-violet-400" aria-hidden />
            <span data-testid="bundle-result">
              Bundle: {plural(result.nodes, 'image')}, {result.added.toLocaleString()} added, {result.existing.toLocaleString()} already here
            </span>
          </p>
          {result.root_id !== null ? (
            <Link to={`/lineage/${result.root_id}`} className="text-xs font-medium text-indigo-600 hover:underline dark:text-indigo-400">
              Open the tree of #{result.root_id}
            </Link>
          ) : null}
        </div>
      );
    }
    case 'done': {
      const outcome = outcomeOf(status);
      const { node } = status;
      if (outcome === 'existing') return <Badge tone="zinc">Already here</Badge>;
      if (outcome === 'attached') {
        return (
          <Badge tone="indigo">
            Attached under{' '}
            <Link to={`/image/${node.parent_id}`} className="underline-offset-2 hover:underline">
              #{node.parent_id}
            </Link>
          </Badge>
        );
      }
      if (outcome === 'waiting') {
        return (
          <Badge tone="amber" title={`Its parent’s image hash: ${node.pending_parent_sha256}. Import the parent’s PNG and it attaches under it.`}>
            <Hourglass className="h-3 w-3" aria-hidden />
            Waiting for its parent
            <span className="font-mono text-[10px] opacity-70">{shortSha(node.pending_parent_sha256!).slice(0, 8)}</span>
          </Badge>
        );
      }
      return <Badge tone="emerald">New</Badge>;
    }
  }
}

function RecipeCell({ row }: { row: ImportRow }) {
  if (row.status.kind !== 'done') return row.kind === 'bundle' ? null : <span className="hidden text-xs text-zinc-400 sm:inline">—</span>;
  const { node } = row.status;
  const tool = recognisedTool(node);
  return (
    <div className="min-w-0 text-xs">
      {tool ? <p className="font-medium text-zinc-800 dark:text-zinc-200">{tool}</p> : <p className="text-zinc-500 dark:text-zinc-400">No recipe in the file</p>}
      {node.prompt ? (
        <p className="line-clamp-2 text-zinc-600 dark:text-zinc-400" title={node.prompt}>
          {node.prompt}
        </p>
      ) : null}
    </div>
  );
}
