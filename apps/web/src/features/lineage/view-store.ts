import { createContext, useContext, useSyncExternalStore } from 'react';

/**
 * What the lineage graph highlights: the selected node, the path from the root to it,
 * the (up to two) nodes picked for comparison, and the nodes a find matched. Nodes and edges
 * subscribe to their own slice, so a new selection re-renders only the few nodes whose look changes —
 * the node and edge arrays handed to React Flow (and the layout) stay untouched.
 */
export interface LineageViewState {
  selected: number | null;
  path: ReadonlySet<number>;
  picked: readonly number[];
  /** Nodes matching the words in the find box (the current match is the selected node). */
  matches: ReadonlySet<number>;
  /** For each folded node, how many of those matches it hides. */
  foldedMatches: ReadonlyMap<number, number>;
}

export function createViewStore(initial: LineageViewState) {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(next: Partial<LineageViewState>) {
      state = { ...state, ...next };
      for (const listener of listeners) listener();
    },
    subscribe(listener: () => void) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

export type ViewStore = ReturnType<typeof createViewStore>;

export const ViewStoreContext = createContext<ViewStore | null>(null);

/** The store itself, for what draws outside React (the canvas of a zoomed-out big tree). */
export function useViewStoreApi(): ViewStore {
  return useViewStore();
}

function useViewStore(): ViewStore {
  const store = useContext(ViewStoreContext);
  if (!store) throw new Error('Lineage nodes need a ViewStoreContext provider.');
  return store;
}

export type NodeEmphasis = 'selected' | 'path' | 'none';

export interface NodeLook {
  emphasis: NodeEmphasis;
  pick: '' | 'A' | 'B';
  /** Matched by the find box. */
  match: boolean;
  /** Matches hidden under this node while it is folded. */
  foldedMatches: number;
}

/** How one node is shown: "selected|path|none", its compare pick ("A", "B" or "") and whether a find matched it. */
export function nodeLook(state: LineageViewState, id: number): NodeLook {
  const emphasis: NodeEmphasis = state.selected === id ? 'selected' : state.path.has(id) ? 'path' : 'none';
  const at = state.picked.indexOf(id);
  return { emphasis, pick: at === 0 ? 'A' : at === 1 ? 'B' : '', match: state.matches.has(id), foldedMatches: state.foldedMatches.get(id) ?? 0 };
}

export function useNodeLook(id: number) {
  const store = useViewStore();
  // A string snapshot, so unrelated changes compare equal and skip the re-render.
  const key = useSyncExternalStore(store.subscribe, () => {
    const look = nodeLook(store.get(), id);
    return `${look.emphasis}:${look.pick}:${look.match ? 'm' : ''}:${look.foldedMatches}`;
  });
  const [emphasis, pick, match, folded] = key.split(':') as [NodeEmphasis, '' | 'A' | 'B', string, string];
  return { emphasis, pick, match: match === 'm', foldedMatches: Number(folded) };
}

/** An edge is on the path when its child is (its parent then is too). */
export function useEdgeOnPath(childId: number): boolean {
  const store = useViewStore();
  return useSyncExternalStore(store.subscribe, () => store.get().path.has(childId));
}
