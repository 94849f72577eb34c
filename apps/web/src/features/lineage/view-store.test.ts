import { describe, expect, it, vi } from 'vitest';
import { createViewStore, nodeLook } from './view-store';

describe('lineage view store', () => {
  it('derives each node look from the selection, the path, the picks and the find matches, folded ones too', () => {
    const state = { selected: 4, path: new Set([1, 2, 4]), picked: [7, 2], matches: new Set([2, 4, 9]), foldedMatches: new Map([[7, 3]]) };
    expect(nodeLook(state, 4)).toEqual({ emphasis: 'selected', pick: '', match: true, foldedMatches: 0 });
    expect(nodeLook(state, 2)).toEqual({ emphasis: 'path', pick: 'B', match: true, foldedMatches: 0 });
    expect(nodeLook(state, 1)).toEqual({ emphasis: 'path', pick: '', match: false, foldedMatches: 0 });
    expect(nodeLook(state, 7)).toEqual({ emphasis: 'none', pick: 'A', match: false, foldedMatches: 3 });
    expect(nodeLook(state, 9)).toEqual({ emphasis: 'none', pick: '', match: true, foldedMatches: 0 });
  });

  it('notifies subscribers on change', () => {
    const store = createViewStore({ selected: null, path: new Set(), picked: [], matches: new Set(), foldedMatches: new Map() });
    const listener = vi.fn();
    const off = store.subscribe(listener);
    store.set({ selected: 3 });
    expect(store.get().selected).toBe(3);
    expect(listener).toHaveBeenCalledOnce();
    off();
    store.set({ selected: 4 });
    expect(listener).toHaveBeenCalledOnce();
  });
});
