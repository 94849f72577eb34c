import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { ImageNode, Lineage } from '@imageflow/shared';
import { api } from '@/lib/api-client';

/** Nodes per request when loading a whole tree. */
export const LINEAGE_PAGE_SIZE = 1000;
/** The lineage screen stops loading here; bigger trees say "Loaded N of many". */
export const LINEAGE_NODE_CAP = 5000;

export interface WholeLineage extends Omit<Lineage, 'next_cursor'> {
  /** True when the tree has more nodes than were loaded (the cap was reached). */
  truncated: boolean;
}

/** Loads the tree around `id`, following `next_cursor` until done or `cap` nodes. */
export async function fetchWholeLineage(
  id: number,
  { cap = LINEAGE_NODE_CAP, pageSize = LINEAGE_PAGE_SIZE, signal }: { cap?: number; pageSize?: number; signal?: AbortSignal } = {},
): Promise<WholeLineage> {
  let page = await api.lineage(id, { scope: 'tree', limit: Math.min(pageSize, cap) });
  const nodes: ImageNode[] = [...page.nodes];
  while (page.truncated && page.next_cursor && nodes.length < cap && !signal?.aborted) {
    page = await api.lineage(id, { scope: 'tree', limit: Math.min(pageSize, cap - nodes.length), cursor: page.next_cursor });
    nodes.push(...page.nodes);
  }
  return { root_id: page.root_id, focus_id: page.focus_id, path: page.path, nodes, truncated: page.truncated };
}

export function useWholeLineage(id: number) {
  return useQuery({
    queryKey: ['lineage', id, 'tree', 'all'],
    queryFn: ({ signal }) => fetchWholeLineage(id, { signal }),
    enabled: Number.isInteger(id) && id > 0,
  });
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
