import { useEffect, useMemo, useRef } from 'react';
import { Link } from 'react-router';
import { ArrowUpRight, Ghost, Star, Trash2 } from 'lucide-react';
import type { ImageNode, NodeSummary } from '@imageflow/shared';
import { Skeleton } from '@/components/ui/skeleton';
import { imageState } from '@/features/trash/state';
import { cn } from '@/lib/cn';
import { useLineagePreview } from '../api';
import { indexTree, miniTreeRows, pathTo, treeGuides, type RowGuides } from '../tree';
import { ActionBadge } from './action-badge';

const INDENT = 20;
/** Centre of a row's thumbnail, from the row's indent: where its children's guide line runs. */
const LINE_X = 17;
/** Indentation stops growing here, so very deep chains stay readable in a narrow panel. */
const MAX_INDENT_LEVEL = 8;

/**
 * The lineage around an image as a compact indented tree: the path from the root is
 * highlighted and the current image marked. No graph library, so it costs nothing to load.
 */
export function MiniLineage({ node }: { node: ImageNode }) {
  const { data, isPending, isError, error, refetch } = useLineagePreview(node.id);
  const list = useRef<HTMLElement>(null);

  const view = useMemo(() => {
    if (!data) return null;
    const loaded = data.nodes.some((n) => n.id === node.id);
    const nodes = loaded ? data.nodes : [...data.nodes, node];
    const index = indexTree(nodes);
    // While the next image's tree loads, the previous one is kept: walk the path locally.
    const path = data.focus_id === node.id ? data.path : loaded ? pathTo(node.id, index.byId) : [node.id];
    const rows = miniTreeRows(nodes, path, node.id);
    const guides = treeGuides(rows.map((r) => Math.min(r.level, MAX_INDENT_LEVEL)));
    return { rows, guides, byId: index.byId, total: data.nodes.length, truncated: data.truncated };
  }, [data, node]);

  // Keep this image's row in view inside the scrolling list (without scrolling the page).
  useEffect(() => {
    const box = list.current;
    const row = box?.querySelector<HTMLElement>('[aria-current="page"]');
    if (!box || !row) return;
    const top = row.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    if (top < box.scrollTop || top + row.offsetHeight > box.scrollTop + box.clientHeight) box.scrollTop = top - box.clientHeight / 2 + row.offsetHeight / 2;
  }, [view]);

  return (
    <section aria-labelledby="lineage-heading" className="space-y-2">
      <div className="flex items-center justify-between gap-2">
        <h2 id="lineage-heading" className="text-sm font-semibold">
          Lineage
          {view ? (
            <span className="ml-2 font-normal text-zinc-500 dark:text-zinc-400">
              {view.total}
              {view.truncated ? '+' : ''} {view.total === 1 ? 'version' : 'versions'}
            </span>
          ) : null}
        </h2>
        <Link
          to={`/lineage/${node.id}`}
          className="inline-flex items-center gap-1 rounded-md text-sm font-medium text-indigo-600 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400"
        >
          Open full lineage
          <ArrowUpRight className="h-3.5 w-3.5" aria-hidden />
        </Link>
      </div>

      {isPending ? (
        <div className="space-y-1.5">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-8" />
          ))}
        </div>
      ) : isError ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error.message}{' '}
          <button type="button" onClick={() => void refetch()} className="font-medium underline">
            Retry
          </button>
        </p>
      ) : view ? (
        <nav ref={list} aria-label="Lineage tree" className="max-h-80 overflow-y-auto rounded-xl bg-zinc-50 p-1.5 ring-1 ring-inset ring-zinc-200/70 dark:bg-zinc-900/60 dark:ring-zinc-800">
          <ul>
            {view.rows.map((row, i) => {
              const level = Math.min(row.level, MAX_INDENT_LEVEL);
              const guides = view.guides[i]!;
              if (row.kind === 'more') {
                return (
                  <li key={`more-${row.parentId}`} style={{ paddingLeft: level * INDENT }} className="relative">
                    <Guides level={level} guides={guides} onPath={false} />
                    <Link
                      to={`/lineage/${node.id}?focus=${row.parentId}`}
                      className="ml-1 inline-flex h-7 items-center rounded-md px-2 text-xs text-zinc-500 hover:bg-zinc-100 hover:text-zinc-900 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
                    >
                      +{row.count} more {row.count === 1 ? 'branch' : 'branches'}
                    </Link>
                  </li>
                );
              }
              const item = view.byId.get(row.id) as NodeSummary | undefined;
              const state = item ? imageState(item) : 'live';
              return (
                <li key={row.id} style={{ paddingLeft: level * INDENT }} className="relative">
                  <Guides level={level} guides={guides} onPath={row.onPath} />
                  <Link
                    to={`/image/${row.id}`}
                    aria-current={row.current ? 'page' : undefined}
                    aria-label={`Image #${row.id}${item ? `, ${item.action_type}` : ''}${state === 'deleted' ? ', deleted' : state === 'trashed' ? ', in the trash' : ''}${row.current ? ', this image' : ''}`}
                    data-state={state}
                    className={cn(
                      'group relative flex h-9 items-center gap-2 rounded-lg pl-1 pr-2 text-sm transition-colors focus-visible:outline-2 focus-visible:outline-indigo-500',
                      row.current
                        ? 'bg-white font-medium shadow-sm ring-1 ring-indigo-500 dark:bg-zinc-950 dark:ring-indigo-400'
                        : 'hover:bg-white dark:hover:bg-zinc-800/70',
                    )}
                  >
                    <Thumb node={item} />
                    <span className={cn('tabular-nums', row.onPath ? 'font-semibold text-indigo-700 dark:text-indigo-300' : 'text-zinc-700 dark:text-zinc-300')}>#{row.id}</span>
                    {item ? <ActionBadge action={item.action_type} /> : null}
                    {item?.starred ? <Star className="h-3.5 w-3.5 fill-amber-400 text-amber-500" aria-hidden /> : null}
                    {row.current ? <span className="ml-auto text-[11px] font-medium uppercase tracking-wide text-indigo-600 dark:text-indigo-400">this image</span> : null}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
      ) : null}
    </section>
  );
}

/** The elbow joining a row to its parent, and the lines of ancestors that continue below. */
function Guides({ level, guides, onPath }: { level: number; guides: RowGuides; onPath: boolean }) {
  if (level === 0) return null;
  const line = 'absolute w-0 border-l-2 border-zinc-300 dark:border-zinc-700';
  return (
    <>
      {guides.through.map((passes, k) =>
        passes ? <span key={k} aria-hidden className={cn(line, 'inset-y-0')} style={{ left: (k - 1) * INDENT + LINE_X }} /> : null,
      )}
      {guides.last ? null : <span aria-hidden className={cn(line, 'inset-y-0')} style={{ left: (level - 1) * INDENT + LINE_X }} />}
      <span
        aria-hidden
        className={cn(
          'absolute top-0 h-[1.125rem] w-2 rounded-bl-md border-b-2 border-l-2',
          onPath ? 'z-10 border-indigo-400 dark:border-indigo-500' : 'border-zinc-300 dark:border-zinc-700',
        )}
        style={{ left: (level - 1) * INDENT + LINE_X }}
      />
    </>
  );
}

function Thumb({ node }: { node: NodeSummary | undefined }) {
  if (node?.thumbnail_url && imageState(node) === 'trashed') {
    return (
      <span className="relative h-7 w-7 shrink-0" title="In the trash">
        <img src={node.thumbnail_url} alt="" loading="lazy" className="h-7 w-7 rounded-md object-cover opacity-35 grayscale ring-1 ring-black/5 dark:ring-white/10" />
        <Trash2 className="absolute inset-0 m-auto h-3.5 w-3.5 text-amber-700 dark:text-amber-300" aria-hidden />
      </span>
    );
  }
  if (node?.thumbnail_url) {
    return <img src={node.thumbnail_url} alt="" loading="lazy" className="h-7 w-7 shrink-0 rounded-md object-cover ring-1 ring-black/5 dark:ring-white/10" />;
  }
  return (
    <span className="flex h-7 w-7 shrink-0 items-center justify-center rounded-md border border-dashed border-zinc-300 text-zinc-400 dark:border-zinc-700">
      <Ghost className="h-3.5 w-3.5" aria-hidden />
    </span>
  );
}
