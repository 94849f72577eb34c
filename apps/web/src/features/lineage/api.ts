import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import type { NodeSummary, LineageSummary } from '@imageflow/shared';
import { api, lineagePath } from '@/lib/api-client';

/** Nodes per request when loading a whole tree: the API's largest page, so a 10,000-node tree is two round trips. */
export const LINEAGE_PAGE_SIZE = 5000;
/** The lineage screen stops loading here; bigger trees say "Loaded N of many". */
export const LINEAGE_NODE_CAP = 20_000;

export interface WholeLineage extends Omit<LineageSummary, 'next_cursor'> {
  /** True when the tree has more nodes than were loaded (the cap was reached). */
  truncated: boolean;
}

/** Loads the tree around `id`, following `next_cursor` until done or `cap` nodes; from `first` when that page is already here. */
export async function fetchWholeLineage(
  id: number,
  { cap = LINEAGE_NODE_CAP, pageSize = LINEAGE_PAGE_SIZE, signal, first }: { cap?: number; pageSize?: number; signal?: AbortSignal; first?: LineageSummary } = {},
): Promise<WholeLineage> {
  let page = first ?? (await api.lineage(id, { scope: 'tree', limit: Math.min(pageSize, cap) }));
  const nodes: NodeSummary[] = [...page.nodes];
  while (page.truncated && page.next_cursor && nodes.length < cap && !signal?.aborted) {
    page = await api.lineage(id, { scope: 'tree', limit: Math.min(pageSize, cap - nodes.length), cursor: page.next_cursor });
    nodes.push(...page.nodes);
  }
  return { root_id: page.root_id, focus_id: page.focus_id, path: page.path, nodes, truncated: page.truncated };
}

/** Trees whose loading started with the app (see `prefetchWholeLineage`), taken by the first query that wants them. */
const early = new Map<number, Promise<WholeLineage | null>>();

export function wholeLineageQuery(id: number) {
  return queryOptions({
    queryKey: ['lineage', id, 'tree', 'all'],
    queryFn: async ({ signal }) => {
      const started = early.get(id);
      early.delete(id);
      return (started && (await started)) || fetchWholeLineage(id, { signal });
    },
    enabled: Number.isInteger(id) && id > 0,
  });
}

export function useWholeLineage(id: number) {
  return useQuery(wholeLineageQuery(id));
}

/**
 * Starts loading the tree of `/lineage/:id` as the app starts there, beside the screen's code
 * and the question of who is signed in, instead of after both. The first page is asked for
 * plainly: a refusal (signed out: 401; no such image: 404) is not acted on here, the screen asks
 * again and handles it as it always does.
 */
export function prefetchWholeLineage(rawId: string | undefined): void {
  const id = Number(rawId);
  if (!rawId || !/^\d+$/.test(rawId) || !Number.isSafeInteger(id) || id <= 0 || early.has(id)) return;
  const started = (async () => {
    const res = await fetch(lineagePath(id, { scope: 'tree', limit: Math.min(LINEAGE_PAGE_SIZE, LINEAGE_NODE_CAP) }));
    if (!res.ok) return null;
    return fetchWholeLineage(id, { first: (await res.json()) as LineageSummary });
  })().catch(() => null);
  early.set(id, started);
}

/** Enough of the tree for the compact view on the image page. */
export const PREVIEW_LIMIT = 300;

export function useLineagePreview(id: number, enabled = true) {
  return useQuery({
    queryKey: ['lineage', id, 'tree', { limit: PREVIEW_LIMIT }],
    queryFn: () => api.lineage(id, { scope: 'tree', limit: PREVIEW_LIMIT }),
    enabled: enabled && id > 0,
    placeholderData: keepPreviousData,
  });
}

/** Direct children of an image ("branches"), oldest first. */
export const CHILDREN_LIMIT = 48;

export function useChildren(id: number, enabled = true) {
  return useQuery({
    queryKey: ['lineage', id, 'descendants', { limit: CHILDREN_LIMIT }],
    queryFn: () => api.lineage(id, { scope: 'descendants', limit: CHILDREN_LIMIT }),
    select: (page) => page.nodes.filter((n) => n.parent_id === id),
    enabled: enabled && id > 0,
  });
}
