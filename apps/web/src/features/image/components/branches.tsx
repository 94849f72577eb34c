import { Link } from 'react-router';
import { Ghost, GitBranch, Star, Trash2 } from 'lucide-react';
import type { ImageNode, NodeSummary } from '@imageflow/shared';
import { Skeleton } from '@/components/ui/skeleton';
import { ActionBadge } from '@/features/lineage/components/action-badge';
import { useChildren } from '@/features/lineage/api';
import { imageState } from '@/features/trash/state';

/** The direct children of an image: every version made from it. */
export function Branches({ node }: { node: ImageNode }) {
  const { data: children, isPending, isError, error } = useChildren(node.id, node.children_count > 0);
  const count = node.children_count;
  return (
    <section aria-labelledby="branches-heading" className="space-y-2">
      <h2 id="branches-heading" className="text-sm font-semibold">
        Branches <span className="font-normal text-zinc-500 dark:text-zinc-400">{count}</span>
      </h2>
      {count === 0 ? (
        <div className="flex items-start gap-3 rounded-xl border border-dashed border-zinc-300 p-3.5 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          <GitBranch className="mt-0.5 h-4 w-4 shrink-0 text-zinc-400" aria-hidden />
          <p>No branches yet. A variation, remix, upscale or edit of this image starts one.</p>
        </div>
      ) : isPending ? (
        <div className="grid grid-cols-3 gap-2 sm:grid-cols-4 lg:grid-cols-3">
          {Array.from({ length: Math.min(count, 6) }, (_, i) => (
            <Skeleton key={i} className="aspect-square" />
          ))}
        </div>
      ) : isError ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error.message}
        </p>
      ) : (
        <>
          <ul className="grid grid-cols-3 gap-2 sm:grid-cols-4 lg:grid-cols-3">
            {children.map((child) => (
              <li key={child.id}>
                <BranchCard node={child} />
              </li>
            ))}
          </ul>
          {count > children.length ? (
            <Link to={`/lineage/${node.id}`} className="text-sm text-indigo-600 hover:underline dark:text-indigo-400">
              +{count - children.length} more in the full lineage
            </Link>
          ) : null}
        </>
      )}
    </section>
  );
}

function BranchCard({ node }: { node: NodeSummary }) {
  const state = imageState(node);
  return (
    <Link
      to={`/image/${node.id}`}
      aria-label={`Image #${node.id}, ${node.action_type}${state === 'deleted' ? ', deleted' : state === 'trashed' ? ', in the trash' : ''}`}
      className="group block overflow-hidden rounded-xl bg-zinc-100 ring-1 ring-inset ring-zinc-200 transition hover:ring-zinc-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:bg-zinc-900 dark:ring-zinc-800 dark:hover:ring-zinc-600"
    >
      <div className="relative aspect-square">
        {node.thumbnail_url ? (
          <img
            src={node.thumbnail_url}
            alt=""
            loading="lazy"
            className={`h-full w-full object-cover transition group-hover:scale-[1.03] ${state === 'trashed' ? 'opacity-35 grayscale' : ''}`}
          />
        ) : (
          <div className="flex h-full w-full items-center justify-center text-zinc-400">
            <Ghost className="h-6 w-6" aria-hidden />
          </div>
        )}
        {state === 'trashed' ? (
          <span className="absolute inset-0 flex items-center justify-center" title="In the trash">
            <Trash2 className="h-5 w-5 text-amber-700 dark:text-amber-300" aria-hidden />
          </span>
        ) : null}
        {node.starred ? <Star className="absolute right-1.5 top-1.5 h-3.5 w-3.5 fill-amber-400 text-amber-500 drop-shadow" aria-hidden /> : null}
      </div>
      <div className="flex items-center justify-between gap-1 px-1.5 py-1">
        <span className="text-xs font-medium tabular-nums">#{node.id}</span>
        <ActionBadge action={node.action_type} className="truncate" />
      </div>
    </Link>
  );
}
