import { useCallback, useEffect, useId, useMemo, useRef, useState, type RefObject } from 'react';
import { ChevronDown, ChevronUp, Search, X } from 'lucide-react';
import type { NodeSummary } from '@imageflow/shared';
import { Kbd } from '@/components/ui/kbd';
import { cn } from '@/lib/cn';
import { buildFindIndex, findMatches, matchIndexOf, parseQuery, stepMatch, type FindIndex } from '../find';
import type { TreeIndex } from '../tree';

/** What the find box says, and what a screen reader is told, for a query's outcome. */
export function findStatus(hasTerms: boolean, count: number, current: number): { shown: string; announced: string } {
  if (!hasTerms) return { shown: '', announced: '' };
  if (!count) return { shown: '', announced: NO_MATCH };
  const shown = current >= 0 ? `${current + 1} of ${count}` : `${count} found`;
  const announced = current >= 0 ? `${current + 1} of ${count} ${count === 1 ? 'match' : 'matches'}` : `${count} ${count === 1 ? 'match' : 'matches'}`;
  return { shown, announced };
}

export const NO_MATCH = 'No image in this tree has those words';

export interface LineageFind {
  query: string;
  setQuery: (query: string) => void;
  hasTerms: boolean;
  /** The matching ids, in the tree's order. */
  matches: readonly number[];
  matchSet: ReadonlySet<number>;
  /** Where the selected image is among the matches, or -1. */
  current: number;
  step: (direction: -1 | 1) => void;
}

/** The index of a tree while nothing is searched for. */
const NOTHING_TO_FIND: FindIndex = { ids: [], texts: [], seeds: [], order: new Map() };

/**
 * The find box's state over a loaded tree. The current match is the selection itself: stepping
 * selects the next match (through `goTo`, which unfolds and centres it), and a click elsewhere
 * simply leaves "N found" until the next step. A new query moves to its first match after the
 * selection, unless the selection already matches; no match moves nothing.
 */
export function useLineageFind(index: TreeIndex<NodeSummary>, selected: number, goTo: (id: number) => void): LineageFind {
  const [query, setQuery] = useState('');
  const terms = useMemo(() => parseQuery(query), [query]);
  // Built when the first term is typed, not as the tree opens (or each time more of it arrives).
  const searching = terms.length > 0;
  const find = useMemo(() => (searching ? buildFindIndex(index) : NOTHING_TO_FIND), [index, searching]);
  const matches = useMemo(() => findMatches(find, terms), [find, terms]);
  const matchSet = useMemo(() => new Set(matches), [matches]);
  const current = useMemo(() => matchIndexOf(find, matches, selected), [find, matches, selected]);

  // Steps can come faster than the selection reaches the screen (a held Enter): each goes on from
  // the last one asked for, until the selection arrives there or moves elsewhere (a click).
  const latest = useRef({ selected, goTo });
  latest.current = { selected, goTo };
  const pending = useRef<{ target: number; asked: Set<number> } | null>(null);
  if (pending.current && (selected === pending.current.target || !pending.current.asked.has(selected))) pending.current = null;
  const go = useCallback((id: number) => {
    const p = pending.current ?? { target: id, asked: new Set([latest.current.selected]) };
    p.target = id;
    p.asked.add(id);
    pending.current = p;
    latest.current.goTo(id);
  }, []);
  const from = () => pending.current?.target ?? latest.current.selected;

  useEffect(() => {
    const start = from();
    const first = stepMatch(find, matches, start, 0);
    if (first !== null && first !== start) go(first);
  }, [find, matches, go]);

  const step = useCallback(
    (direction: -1 | 1) => {
      const next = stepMatch(find, matches, from(), direction);
      if (next !== null) go(next);
    },
    [find, matches, go],
  );
  return { query, setQuery, hasTerms: terms.length > 0, matches, matchSet, current, step };
}

/** `/` (outside a text field) or Ctrl/⌘+F anywhere on the screen: to the find box. */
export function useFindShortcut(input: RefObject<HTMLInputElement | null>) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey) return;
      const mod = event.ctrlKey || event.metaKey;
      const slash = event.key === '/' && !mod;
      const find = mod && !event.shiftKey && event.key.toLowerCase() === 'f';
      if (!slash && !find) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('[role="dialog"], dialog')) return;
      if (slash && target?.closest('input, textarea, select, [contenteditable]:not([contenteditable="false"])')) return;
      event.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [input]);
}

const ICON_BUTTON =
  'inline-flex h-7 w-7 shrink-0 items-center justify-center rounded-md text-zinc-600 transition-colors hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 disabled:pointer-events-none disabled:opacity-40 dark:text-zinc-300 dark:hover:bg-zinc-800 dark:hover:text-zinc-50';

/**
 * The find box over the graph: words of a prompt, `#id` or a seed; the count of matches and
 * where the selection is among them; arrows (and Enter, Shift+Enter) to step. Escape clears it
 * and hands the keyboard back to the graph.
 */
export function FindBox({ find, inputRef, onLeave }: { find: LineageFind; inputRef: RefObject<HTMLInputElement | null>; onLeave: () => void }) {
  const id = useId();
  const { query, setQuery, hasTerms, matches, current, step } = find;
  const none = hasTerms && matches.length === 0;
  const status = findStatus(hasTerms, matches.length, current);
  return (
    <div role="search" aria-label="Find in this lineage" className="w-[22rem] max-w-full">
      <div
        className={cn(
          'flex h-10 items-center gap-0.5 rounded-xl bg-white/95 pr-1 shadow-lg ring-1 backdrop-blur focus-within:ring-2 dark:bg-zinc-900/95',
          none ? 'ring-rose-300 focus-within:ring-rose-500 dark:ring-rose-800 dark:focus-within:ring-rose-500' : 'ring-zinc-200 focus-within:ring-indigo-500 dark:ring-zinc-700 dark:focus-within:ring-indigo-400',
        )}
      >
        <label htmlFor={id} className="flex h-full shrink-0 cursor-text items-center pl-3 pr-2 text-zinc-400 dark:text-zinc-500">
          <Search className="h-4 w-4" aria-hidden />
          <span className="sr-only">Find images in this tree by prompt words, #id or seed</span>
        </label>
        <input
          ref={inputRef}
          id={id}
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter') {
              event.preventDefault();
              step(event.shiftKey ? -1 : 1);
            } else if (event.key === 'Escape') {
              event.preventDefault();
              setQuery('');
              onLeave();
            }
          }}
          placeholder="Find words, #id or seed"
          autoComplete="off"
          spellCheck={false}
          maxLength={200}
          aria-invalid={none || undefined}
          aria-describedby={`${id}-status`}
          className="h-full min-w-0 flex-1 bg-transparent text-sm text-zinc-900 placeholder:text-zinc-500 focus:outline-none dark:text-zinc-100 dark:placeholder:text-zinc-400 [&::-webkit-search-cancel-button]:hidden"
          data-testid="lineage-find-input"
        />
        {query ? (
          <>
            <span aria-hidden className="shrink-0 px-1 text-xs font-medium tabular-nums text-zinc-600 dark:text-zinc-300" data-testid="lineage-find-count">
              {status.shown}
            </span>
            <span aria-hidden className="mx-0.5 h-5 w-px shrink-0 bg-zinc-200 dark:bg-zinc-700" />
            <button type="button" className={ICON_BUTTON} onClick={() => step(-1)} disabled={!matches.length} aria-label="Previous match" title="Previous match (Shift+Enter)">
              <ChevronUp className="h-4 w-4" aria-hidden />
            </button>
            <button type="button" className={ICON_BUTTON} onClick={() => step(1)} disabled={!matches.length} aria-label="Next match" title="Next match (Enter)">
              <ChevronDown className="h-4 w-4" aria-hidden />
            </button>
            <button
              type="button"
              className={ICON_BUTTON}
              onClick={() => {
                setQuery('');
                inputRef.current?.focus();
              }}
              aria-label="Clear find"
              title="Clear (Esc)"
            >
              <X className="h-4 w-4" aria-hidden />
            </button>
          </>
        ) : (
          <span aria-hidden className="mr-2 hidden sm:inline-flex">
            <Kbd>/</Kbd>
          </span>
        )}
      </div>
      {none ? (
        <p aria-hidden className="mt-1.5 w-fit rounded-lg bg-white/95 px-2.5 py-1 text-xs font-medium text-rose-700 shadow-sm ring-1 ring-rose-200 dark:bg-zinc-900/95 dark:text-rose-300 dark:ring-rose-900" data-testid="lineage-find-none">
          {NO_MATCH}
        </p>
      ) : null}
      <span id={`${id}-status`} role="status" aria-live="polite" className="sr-only" data-testid="lineage-find-status">
        {status.announced}
      </span>
    </div>
  );
}
