import { keepPreviousData, queryOptions, experimental_streamedQuery as streamedQuery, useQuery } from '@tanstack/react-query';
import type { LineageSummary } from '@imageflow/shared';
import { api, lineagePath, prefetchJson } from '@/lib/api-client';

/** Nodes per request when loading a whole tree: the API's largest page, so a 10,000-node tree is two round trips. */
export const LINEAGE_PAGE_SIZE = 5000;
/** The lineage screen stops loading here; bigger trees say "Loaded N of many". */
export const LINEAGE_NODE_CAP = 20_000;

export interface WholeLineage extends LineageSummary {
  /** True when the tree has more nodes than will be loaded (the cap was reached). */
  truncated: boolean;
  /** False while more pages are on their way. */
  complete: boolean;
  /** Where the rest of the tree starts (null once complete): a retry after a failed page goes on from here. */
  next_cursor: string | null;
}

interface PageOptions {
  cap?: number;
  pageSize?: number;
  signal?: AbortSignal;
  /** The first page, when it was asked for elsewhere. */
  first?: Promise<LineageSummary>;
}

/**
 * The pages of the tree around `id`, following `next_cursor` until done or `cap` nodes. Each page
 * is asked for as soon as the one before it arrives, whether or not anyone has read that one yet.
 * Pages come in the API's tree order (depth, then id): every node's parent is in the same page or
 * an earlier one, so the pages read so far always make a whole tree from the root down.
 */
export function lineagePages(id: number, { cap = LINEAGE_NODE_CAP, pageSize = LINEAGE_PAGE_SIZE, signal, first }: PageOptions = {}): AsyncIterable<LineageSummary> {
  let loaded = 0;
  const ask = (cursor?: string) => api.lineage(id, { scope: 'tree', limit: Math.min(pageSize, cap - loaded), ...(cursor ? { cursor } : {}) });
  const pages: Promise<LineageSummary>[] = [];
  const follow = (page: Promise<LineageSummary>) => {
    const read = page.then((p) => {
      loaded += p.nodes.length;
      if (p.truncated && p.next_cursor && loaded < cap && !signal?.aborted) follow(ask(p.next_cursor));
      return p;
    });
    // A failure is thrown to whoever reads this page; until then it is not unhandled.
    read.catch(() => undefined);
    pages.push(read);
  };
  follow(first ?? ask());
  return (async function* () {
    for (let i = 0; i < pages.length; i++) yield await pages[i]!;
  })();
}

/** The tree so far with one more page of it. */
export function addLineagePage(so: WholeLineage | null, page: LineageSummary, cap = LINEAGE_NODE_CAP): WholeLineage {
  const nodes = so ? so.nodes.concat(page.nodes) : page.nodes;
  const more = page.truncated && page.next_cursor !== null;
  const complete = !more || nodes.length >= cap;
  return { root_id: page.root_id, focus_id: page.focus_id, path: page.path, nodes, truncated: more && nodes.length >= cap, complete, next_cursor: complete ? null : page.next_cursor };
}

/** The tree loaded so far as the first page of a load that goes on from where it stopped. */
function asFirstPage(so: WholeLineage): LineageSummary {
  return { root_id: so.root_id, focus_id: so.focus_id, path: so.path, nodes: so.nodes, truncated: true, next_cursor: so.next_cursor };
}

/** Trees whose loading started with the app (see `prefetchWholeLineage`), taken by the first query that wants them. */
const early = new Map<number, Promise<AsyncIterable<LineageSummary> | null>>();

/** Trees whose next load goes on from the pages already loaded (see loadRestOfLineage). */
const goOn = new Set<number>();

/**
 * "Try again" after the rest of the tree around `id` failed to load: loads the rest, from where it
 * stopped, through the query's `refetch`. (Any other refetch, such as one after a change to the tree,
 * loads it again from the root.)
 */
export function loadRestOfLineage(id: number, refetch: () => Promise<unknown>): void {
  goOn.add(id);
  void refetch();
}

/**
 * The tree around `id`, there as soon as its first page is: `complete` says when the rest has
 * come. A refetch (after a change) keeps showing the tree it has until the new one is whole. The
 * automatic retries after a page failed, and "Try again" (loadRestOfLineage), go on from the pages
 * already loaded.
 */
export function wholeLineageQuery(id: number) {
  return queryOptions({
    queryKey: ['lineage', id, 'tree', 'all'],
    queryFn: streamedQuery<LineageSummary, WholeLineage | null>({
      streamFn: async ({ signal, client, queryKey }) => {
        const started = early.get(id);
        early.delete(id);
        const pages = started && (await started);
        if (pages) return pages;
        // An automatic retry of this load, or "Try again" after it failed (loadRestOfLineage): go on from what came.
        const state = client.getQueryState(queryKey);
        const resume = goOn.delete(id) || (state?.fetchFailureCount ?? 0) > 0;
        const so = client.getQueryData<WholeLineage | null>(queryKey);
        if (resume && so && !so.complete && so.next_cursor) return lineagePages(id, { signal, first: Promise.resolve(asFirstPage(so)) });
        return lineagePages(id, { signal });
      },
      reducer: (so, page) => addLineagePage(so, page),
      initialValue: null,
      refetchMode: 'replace',
    }),
    enabled: Number.isInteger(id) && id > 0,
  });
}

export function useWholeLineage(id: number) {
  return useQuery(wholeLineageQuery(id));
}

/**
 * Starts loading the tree of `/lineage/:id` as the app starts there, beside the screen's code
 * and the question of who is signed in, instead of after both. A refused first page (signed
 * out: 401; no such image: 404) is not acted on here: the screen asks again and handles it as it
 * always does.
 */
export function prefetchWholeLineage(rawId: string | undefined): void {
  const id = Number(rawId);
  if (!rawId || !/^\d+$/.test(rawId) || !Number.isSafeInteger(id) || id <= 0 || early.has(id)) return;
  const started = prefetchJson<LineageSummary>(lineagePath(id, { scope: 'tree', limit: Math.min(LINEAGE_PAGE_SIZE, LINEAGE_NODE_CAP) })).then(
    (first) => first && lineagePages(id, { first: Promise.resolve(first) }),
  );
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
