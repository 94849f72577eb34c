import { Link } from 'react-router';
import { ArrowUpRight, ChevronRight, GitCompareArrows, Ghost, Star, Trash2 } from 'lucide-react';
import type { NodeSummary } from '@imageflow/shared';
import { MODEL_LABELS, isModelName } from '@imageflow/shared/constants';
import { Button } from '@/components/ui/button';
import { ProviderBadge } from '@/components/ui/provider-badge';
import { cn } from '@/lib/cn';
import { formatRelative } from '@/features/image/format';
import { CHECKER } from '@/features/image/styles';
import { imageState } from '@/features/trash/state';
import { ActionBadge } from './action-badge';

const linkButton =
  'inline-flex h-9 items-center justify-center gap-2 rounded-lg px-3 text-sm font-medium transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500';

/** What is selected in the graph, with the way to open it. */
export function SelectedPanel({
  node,
  path,
  childCount,
  picked,
  onSelect,
  onTogglePick,
}: {
  node: NodeSummary;
  path: readonly number[];
  childCount: number;
  picked: boolean;
  onSelect: (id: number) => void;
  onTogglePick: () => void;
}) {
  const trashed = imageState(node) === 'trashed';
  return (
    <aside aria-label="Selected image" className="space-y-4 rounded-2xl bg-white p-4 ring-1 ring-inset ring-zinc-200 lg:max-h-[calc(100dvh-11.5rem)] lg:overflow-y-auto dark:bg-zinc-900/40 dark:ring-zinc-800">
      <div className={`${CHECKER} flex aspect-[4/3] items-center justify-center overflow-hidden rounded-xl bg-zinc-100 ring-1 ring-inset ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800`}>
        {node.thumbnail_url ? (
          <img key={node.id} src={node.thumbnail_url} alt={`Image #${node.id}`} className={cn('max-h-full max-w-full object-contain', trashed && 'opacity-40 grayscale')} />
        ) : (
          <div className="flex flex-col items-center gap-1.5 text-zinc-400">
            <Ghost className="h-8 w-8" aria-hidden />
            <span className="text-xs">Deleted: the recipe remains</span>
          </div>
        )}
      </div>

      <div className="space-y-1.5">
        <div className="flex flex-wrap items-center gap-2">
          <h2 className="text-lg font-semibold tabular-nums">#{node.id}</h2>
          <ActionBadge action={node.action_type} />
          {node.starred ? <Star className="h-4 w-4 fill-amber-400 text-amber-500" aria-label="Starred" /> : null}
          {trashed ? (
            <span className="inline-flex items-center gap-1 rounded-md bg-amber-50 px-1.5 py-px text-[11px] font-medium text-amber-800 ring-1 ring-inset ring-amber-200 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-900">
              <Trash2 className="h-3 w-3" aria-hidden />
              in the trash
            </span>
          ) : null}
          <ProviderBadge provider={node.provider} className="ml-auto" />
        </div>
        <p className="line-clamp-4 text-sm leading-relaxed text-zinc-700 dark:text-zinc-300">{node.prompt || <span className="text-zinc-400">No prompt</span>}</p>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          {isModelName(node.model) ? MODEL_LABELS[node.model] : node.model} · seed {node.seed ?? '—'} · {node.width}×{node.height} · {formatRelative(node.created_at)}
        </p>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          {childCount} {childCount === 1 ? 'branch' : 'branches'} · generation {path.length}
        </p>
      </div>

      <div className="grid gap-2">
        <Link to={`/image/${node.id}`} className={cn(linkButton, 'bg-indigo-600 text-white shadow-sm hover:bg-indigo-500')}>
          Open image #{node.id}
          <ArrowUpRight className="h-4 w-4" aria-hidden />
        </Link>
        <div className="grid grid-cols-2 gap-2">
          {node.parent_id !== null ? (
            <Link
              to={`/compare/${node.parent_id}/${node.id}`}
              className={cn(linkButton, 'bg-white px-2 text-zinc-800 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800')}
            >
              <GitCompareArrows className="h-4 w-4" aria-hidden />
              vs parent
            </Link>
          ) : null}
          <Button size="md" className={cn('h-9! justify-center whitespace-nowrap px-2!', node.parent_id === null && 'col-span-2')} aria-pressed={picked} onClick={onTogglePick}>
            {picked ? 'Unpick' : 'Pick to compare'}
          </Button>
        </div>
      </div>

      <nav aria-label="Path from the root">
        <h3 className="mb-1.5 text-xs font-medium text-zinc-500 dark:text-zinc-400">Path from the root</h3>
        <ol className="flex flex-wrap items-center gap-0.5 text-sm">
          {path.map((id, i) => (
            <li key={id} className="flex items-center">
              {i > 0 ? <ChevronRight className="h-3.5 w-3.5 text-zinc-400" aria-hidden /> : null}
              <button
                type="button"
                onClick={() => onSelect(id)}
                aria-current={id === node.id ? 'true' : undefined}
                className={cn(
                  'rounded-md px-1.5 py-0.5 tabular-nums focus-visible:outline-2 focus-visible:outline-indigo-500',
                  id === node.id ? 'bg-indigo-50 font-semibold text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300' : 'text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800',
                )}
              >
                #{id}
              </button>
            </li>
          ))}
        </ol>
      </nav>
    </aside>
  );
}
