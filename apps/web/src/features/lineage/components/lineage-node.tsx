import { createContext, memo, useContext } from 'react';
import { Handle, useStore, type NodeProps, type ReactFlowState } from '@xyflow/react';
import { Ghost, Minus, Star, Trash2 } from 'lucide-react';
import { cn } from '@/lib/cn';
import type { LineageFlowNode } from '../graph';
import { useNodeLook } from '../view-store';
import { CHECKER } from '@/features/image/styles';
import { imageState } from '@/features/trash/state';
import { ACTION_COLORS, ActionBadge } from './action-badge';

export interface LineageActions {
  toggleCollapsed: (id: number) => void;
}
export const LineageActionsContext = createContext<LineageActions>({ toggleCollapsed: () => {} });

/** Below this zoom a node is a coloured tile: no image to decode, nothing too small to read. */
const DETAIL_ZOOM = 0.4;
const zoomedOut = (s: ReactFlowState) => s.transform[2] < DETAIL_ZOOM;

function LineageNodeView({ data, sourcePosition, targetPosition }: NodeProps<LineageFlowNode>) {
  const { node, childCount, hiddenCount, collapsed, direction } = data;
  const { emphasis, pick, match, foldedMatches } = useNodeLook(node.id);
  const far = useStore(zoomedOut);
  const { toggleCollapsed } = useContext(LineageActionsContext);
  // Deleted (purged): a dashed ghost, the pixels gone. In the trash: the picture faded, with the
  // trash's mark, since it can still come back.
  const state = imageState(node);
  const deleted = state === 'deleted';
  const trashed = state === 'trashed';
  const foldsMatches = collapsed && foldedMatches > 0;

  if (far) {
    // Zoomed far out: a flat tile, cheap to paint a thousand times; the path shows as colour, a
    // find's other matches in yellow (as the canvas draws them).
    const matchOnly = match && emphasis === 'none';
    return (
      <div
        className={cn(
          'lineage-card flex h-full w-full items-center justify-center rounded-lg',
          emphasis === 'selected'
            ? 'bg-indigo-600 text-white'
            : emphasis === 'path'
              ? 'bg-indigo-300 text-indigo-950'
              : matchOnly
                ? 'bg-yellow-400 text-yellow-950 dark:bg-yellow-300'
                : deleted
                  ? 'bg-zinc-200 text-zinc-500 dark:bg-zinc-800'
                  : 'text-zinc-800 dark:text-zinc-100',
          trashed && emphasis === 'none' && !match && 'opacity-45',
          match && emphasis === 'path' && 'ring-[8px] ring-inset ring-yellow-600 dark:ring-yellow-400',
          pick && 'outline-[6px] outline-offset-4 outline-amber-500',
        )}
        style={emphasis === 'none' && !deleted && !match ? { background: `${ACTION_COLORS[node.action_type] ?? '#71717a'}40` } : undefined}
        data-emphasis={emphasis}
        data-pick={pick || undefined}
        data-match={match ? '' : undefined}
        data-state={state}
      >
        <Handle type="target" position={targetPosition!} isConnectable={false} className="lineage-handle" />
        {trashed ? <Trash2 className="mr-1.5 h-7 w-7 shrink-0" aria-hidden /> : null}
        <span className="text-3xl font-semibold tabular-nums">#{node.id}</span>
        <Handle type="source" position={sourcePosition!} isConnectable={false} className="lineage-handle" />
      </div>
    );
  }

  return (
    <div
      className={cn(
        'lineage-card relative h-full w-full rounded-xl bg-white dark:bg-zinc-900',
        deleted && 'border-[1.5px] border-dashed border-zinc-300 dark:border-zinc-600',
        emphasis === 'selected'
          ? 'shadow-lg shadow-indigo-500/25 ring-[3px] ring-indigo-600 dark:ring-indigo-400'
          : emphasis === 'path'
            ? 'shadow-sm ring-2 ring-indigo-400 dark:ring-indigo-500'
            : match
              ? 'shadow-sm ring-2 ring-yellow-400 dark:ring-yellow-300/80'
              : deleted
                ? ''
                : 'shadow-sm ring-1 ring-zinc-200 dark:ring-zinc-800',
        pick && 'outline-[3px] outline-offset-[3px] outline-amber-500',
      )}
      data-emphasis={emphasis}
      data-pick={pick || undefined}
      data-match={match ? '' : undefined}
      data-state={state}
    >
      <Handle type="target" position={targetPosition!} isConnectable={false} className="lineage-handle" />

      <div className="flex h-full w-full flex-col overflow-hidden rounded-xl">
        <div className={`${CHECKER} relative h-24 w-full shrink-0 bg-zinc-100 dark:bg-zinc-800`}>
          {node.thumbnail_url ? (
            <img
              src={node.thumbnail_url}
              alt=""
              loading="lazy"
              decoding="async"
              draggable={false}
              className={cn('h-full w-full object-cover', trashed && 'opacity-35 grayscale')}
            />
          ) : (
            <div className="flex h-full w-full flex-col items-center justify-center gap-1 text-zinc-400">
              <Ghost className="h-6 w-6" aria-hidden />
              <span className="text-[10px] font-medium uppercase tracking-wide">deleted</span>
            </div>
          )}
          {trashed ? (
            <span className="absolute inset-0 flex items-center justify-center">
              <span className="inline-flex items-center gap-1 rounded-full bg-white/95 px-2 py-0.5 text-[10px] font-semibold uppercase tracking-wide text-amber-800 shadow-sm ring-1 ring-amber-200 dark:bg-zinc-900/95 dark:text-amber-300 dark:ring-amber-900">
                <Trash2 className="h-3 w-3" aria-hidden />
                in trash
              </span>
            </span>
          ) : null}
          {node.starred ? <Star className="absolute right-1.5 top-1.5 h-4 w-4 fill-amber-400 text-amber-500 drop-shadow" aria-hidden /> : null}
        </div>
        <div className="flex min-w-0 flex-1 items-center gap-1.5 px-2">
          <span
            className={cn(
              'text-xs font-semibold tabular-nums',
              // A find's match: the id marked as a highlighter would.
              match
                ? '-mx-1 rounded bg-yellow-200 px-1 text-yellow-950 dark:bg-yellow-300 dark:text-yellow-950'
                : emphasis !== 'none'
                  ? 'text-indigo-700 dark:text-indigo-300'
                  : trashed
                    ? 'text-zinc-400 dark:text-zinc-500'
                    : 'text-zinc-800 dark:text-zinc-200',
            )}
          >
            #{node.id}
          </span>
          <ActionBadge action={node.action_type} className="ml-auto truncate" />
        </div>
      </div>

      {pick ? (
        <span className="absolute -left-2.5 -top-2.5 flex h-6 w-6 items-center justify-center rounded-full bg-amber-500 text-xs font-bold text-white shadow ring-2 ring-white dark:ring-zinc-950" aria-hidden>
          {pick}
        </span>
      ) : null}

      {childCount > 0 ? (
        <button
          type="button"
          // nodrag/nopan: a click here must not pan the canvas or select the node.
          className={cn(
            'nodrag nopan absolute z-10 flex h-6 min-w-6 items-center justify-center rounded-full border bg-white px-1.5 text-[11px] font-semibold tabular-nums shadow-sm transition-colors hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:bg-zinc-900 dark:hover:bg-zinc-800',
            direction === 'TB' ? 'left-1/2 -bottom-3 -translate-x-1/2' : '-right-3 top-1/2 -translate-y-1/2',
            collapsed ? 'border-indigo-300 text-indigo-700 dark:border-indigo-700 dark:text-indigo-300' : 'border-zinc-300 text-zinc-500 dark:border-zinc-700 dark:text-zinc-400',
            // The find's matches folded away in here: told on the button that shows them.
            foldsMatches && 'whitespace-nowrap border-yellow-500 bg-yellow-100 text-yellow-900 hover:bg-yellow-200 dark:border-yellow-400 dark:bg-yellow-950 dark:text-yellow-200 dark:hover:bg-yellow-900',
          )}
          onClick={(e) => {
            e.stopPropagation();
            toggleCollapsed(node.id);
          }}
          onDoubleClick={(e) => e.stopPropagation()}
          aria-label={
            collapsed ? `Expand branch #${node.id} (${hiddenCount} hidden${foldsMatches ? `, ${foldedMatches} ${foldedMatches === 1 ? 'match' : 'matches'}` : ''})` : `Collapse branch #${node.id}`
          }
          aria-expanded={!collapsed}
          title={
            collapsed
              ? `Show ${hiddenCount} hidden ${hiddenCount === 1 ? 'version' : 'versions'}${foldsMatches ? `; ${foldedMatches} of them ${foldedMatches === 1 ? 'matches' : 'match'} the find` : ''}`
              : 'Hide this branch'
          }
        >
          {collapsed ? (foldsMatches ? `+${hiddenCount} · ${foldedMatches} found` : `+${hiddenCount}`) : <Minus className="h-3 w-3" aria-hidden />}
        </button>
      ) : null}

      <Handle type="source" position={sourcePosition!} isConnectable={false} className="lineage-handle" />
    </div>
  );
}

export const LineageNode = memo(LineageNodeView);
