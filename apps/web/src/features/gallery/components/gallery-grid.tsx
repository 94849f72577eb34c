import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { defaultRangeExtractor, useWindowVirtualizer, type Range } from '@tanstack/react-virtual';
import type { ImageNode } from '@imageflow/shared';
import { cn } from '@/lib/cn';
import { dayLabel, type DayGroup } from '../days';
import { columnCountFor, gridRows, nextIndexInRows, tileRows } from '../grid-navigation';
import { GalleryTile, type SelectHow } from './gallery-tile';

const GAP = 12;
/** Height of a day's heading row. */
const HEADING = 44;
/** Rows from the end at which the next page is fetched. */
const PREFETCH_ROWS = 6;

/** The element's content width, following resizes (jsdom, without ResizeObserver, gets a desktop width). */
function useContentWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(1024);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const read = () => {
      const w = el.clientWidth;
      if (w > 0) setWidth(w);
    };
    read();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(read);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/**
 * The element's distance from the top of the document, which the window virtualizer needs; read
 * again when the window resizes or `layoutKey` (anything that moves the element) changes.
 */
function useDocumentTop(ref: React.RefObject<HTMLElement | null>, layoutKey: string): number {
  const [top, setTop] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const read = () => setTop(el.getBoundingClientRect().top + window.scrollY);
    read();
    window.addEventListener('resize', read);
    return () => window.removeEventListener('resize', read);
  }, [ref, layoutKey]);
  return top;
}

export interface GalleryGridProps {
  items: readonly ImageNode[];
  /** Runs of images by day; shown under a heading each when `byDay`. */
  groups: readonly DayGroup[];
  byDay: boolean;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => void;
  onToggleStar: (node: ImageNode) => void;
  onOpen: (node: ImageNode) => void;
  onShare?: (node: ImageNode) => void;
  /** Ids of the selected images. */
  selected: ReadonlySet<number>;
  onSelect: (node: ImageNode, how: SelectHow) => void;
  /** Shift+arrow from one image to another. */
  onExtend: (from: ImageNode, to: ImageNode) => void;
  onSelectAll: () => void;
  /** Selects a day's images, or clears them when all are selected. */
  onSelectDay: (group: DayGroup) => void;
  /** Carried by each tile's link to the image page. */
  linkState?: unknown;
  /** The image to put focus back on (coming back from it), once it is among the items. */
  restoreFocusTo?: number | null;
  /** Height of sticky bars above the grid, so keyboard focus never lands under them. */
  stickyOffset: number;
  label: string;
}

/**
 * A responsive grid of square tiles, virtualised by rows against the window scroll: only the rows
 * near the viewport are in the DOM, so 10,000 images scroll like 100. Images may be grouped by
 * day under headings that stay on top while their day scrolls by. Arrow keys, Home/End and
 * PageUp/PageDown move focus (scrolling the row in), Enter opens, "s" stars, Space selects,
 * Shift with a move key extends the selection, Ctrl/Cmd+A selects all.
 */
export function GalleryGrid({
  items,
  groups,
  byDay,
  hasNextPage,
  isFetchingNextPage,
  fetchNextPage,
  onToggleStar,
  onOpen,
  onShare,
  selected,
  onSelect,
  onExtend,
  onSelectAll,
  onSelectDay,
  linkState,
  restoreFocusTo,
  stickyOffset,
  label,
}: GalleryGridProps) {
  const listRef = useRef<HTMLDivElement>(null);
  const width = useContentWidth(listRef);
  const columns = columnCountFor(width, { gap: GAP });
  const tile = (width - GAP * (columns - 1)) / columns;
  const top = useDocumentTop(listRef, `${stickyOffset}:${width}`);

  const rows = useMemo(() => gridRows(byDay ? groups : [{ start: 0, count: items.length }], columns, byDay), [byDay, groups, items.length, columns]);
  const grid = useMemo(() => tileRows(rows), [rows]);
  /** For each tile row (in `grid`), its index among all rows. */
  const rowIndexOfTileRow = useMemo(() => rows.flatMap((row, i) => (row.kind === 'tiles' ? [i] : [])), [rows]);
  const headingRows = useMemo(() => rows.flatMap((row, i) => (row.kind === 'heading' ? [i] : [])), [rows]);
  const sizeOf = useCallback((i: number) => (rows[i]?.kind === 'heading' ? HEADING : tile + GAP), [rows, tile]);
  /** Each row's top, from the top of the grid. */
  const starts = useMemo(() => {
    const out: number[] = [];
    let y = 0;
    for (let i = 0; i < rows.length; i++) {
      out.push(y);
      y += sizeOf(i);
    }
    return out;
  }, [rows, sizeOf]);

  // The heading of the day at the top of the window stays there (rendered even when its row is far up).
  const activeHeading = useRef(-1);
  const rangeExtractor = useCallback((range: Range) => {
    const indexes = defaultRangeExtractor(range);
    const active = activeHeading.current;
    return active >= 0 && !indexes.includes(active) ? [active, ...indexes] : indexes;
  }, []);

  const virtualizer = useWindowVirtualizer({
    count: rows.length,
    estimateSize: sizeOf,
    overscan: 3,
    // Start from where the window is (e.g. restored by the router on Back), not from the top.
    initialOffset: () => window.scrollY,
    scrollMargin: top,
    scrollPaddingStart: stickyOffset + (byDay ? HEADING : 0) + 8,
    scrollPaddingEnd: 16,
    rangeExtractor,
  });

  // Tile size follows the width; every row is re-laid at the new size.
  useLayoutEffect(() => {
    virtualizer.measure();
  }, [virtualizer, tile, columns, rows]);

  const scrollY = virtualizer.scrollOffset ?? 0;
  let active = -1;
  for (const i of headingRows) {
    if (top + starts[i]! <= scrollY + stickyOffset) active = i;
    else break;
  }
  activeHeading.current = active;

  const virtualRows = virtualizer.getVirtualItems();
  const lastRendered = virtualRows.at(-1)?.index ?? -1;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastRendered >= rows.length - PREFETCH_ROWS) fetchNextPage();
  }, [lastRendered, rows.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  // Focus a tile by index, scrolling its row in first when it is not rendered yet.
  const pendingFocus = useRef<number | null>(null);
  const focusTile = useCallback(
    (index: number) => {
      const find = () => listRef.current?.querySelector<HTMLElement>(`[data-tile-index="${index}"]`);
      virtualizer.scrollToIndex(rowIndexOfTileRow[grid.rowOf(index)] ?? 0, { align: 'auto' });
      const el = find();
      if (el) el.focus({ preventScroll: true });
      else pendingFocus.current = index;
    },
    [virtualizer, grid, rowIndexOfTileRow],
  );
  useLayoutEffect(() => {
    if (pendingFocus.current === null) return;
    const el = listRef.current?.querySelector<HTMLElement>(`[data-tile-index="${pendingFocus.current}"]`);
    if (el) {
      el.focus({ preventScroll: true });
      pendingFocus.current = null;
    }
  });

  // Back from an image: focus goes to its tile, scrolled into view, once it is loaded.
  const restored = useRef(false);
  useEffect(() => {
    if (restored.current || restoreFocusTo == null) return;
    const index = items.findIndex((n) => n.id === restoreFocusTo);
    if (index < 0) return;
    restored.current = true;
    focusTile(index);
  }, [items, restoreFocusTo, focusTile]);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.altKey) return;
    const target = (event.target as HTMLElement).closest<HTMLElement>('[data-tile-index]');
    if (!target) return;
    const index = Number(target.dataset.tileIndex);
    const node = items[index];
    if (!node) return;
    if (event.ctrlKey || event.metaKey) {
      if (event.key === 'a' || event.key === 'A') {
        event.preventDefault();
        onSelectAll();
      }
      return;
    }
    if (event.key === 's' || event.key === 'S') {
      event.preventDefault();
      onToggleStar(node);
      return;
    }
    if (event.key === ' ') {
      event.preventDefault();
      onSelect(node, 'toggle');
      return;
    }
    const next = nextIndexInRows(event.key, index, grid);
    if (next === null) {
      if (event.key.startsWith('Arrow') || event.key === 'Home' || event.key === 'End') event.preventDefault();
      return;
    }
    event.preventDefault();
    focusTile(next);
    if (event.shiftKey) onExtend(node, items[next]!);
  }

  const headingOf = (group: DayGroup, g: number, sticky: boolean) => {
    const ids = items.slice(group.start, group.start + group.count);
    const all = ids.every((n) => selected.has(n.id));
    const text = dayLabel(group.day);
    return (
      <div
        className={cn(
          'group/day flex h-full items-end justify-between gap-3 pb-2.5',
          sticky && 'bg-white/95 backdrop-blur dark:bg-zinc-950/95',
        )}
      >
        <h2 className="flex min-w-0 items-baseline gap-2 text-sm font-semibold text-zinc-900 dark:text-zinc-100" id={`day-${g}`}>
          <span className="truncate">{text}</span>
          <span className="shrink-0 text-xs font-normal text-zinc-500 tabular-nums dark:text-zinc-400">
            {group.count.toLocaleString()}
            {g === groups.length - 1 && hasNextPage ? '+' : ''}
          </span>
        </h2>
        <button
          type="button"
          onClick={() => onSelectDay(group)}
          aria-label={`${all ? 'Deselect' : 'Select'} the images of ${text}`}
          className={cn(
            'shrink-0 rounded-md px-1.5 py-0.5 text-xs font-medium text-indigo-600 hover:bg-indigo-50 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400 dark:hover:bg-indigo-950',
            selected.size === 0 && 'opacity-0 group-hover/day:opacity-100 focus-visible:opacity-100 [@media(hover:none)]:opacity-100',
          )}
        >
          {all ? 'Deselect' : 'Select'}
        </button>
      </div>
    );
  };

  // The active heading goes first, in the flow at the top of the grid, so that it sticks.
  const ordered = active >= 0 ? [...virtualRows.filter((r) => r.index === active), ...virtualRows.filter((r) => r.index !== active)] : virtualRows;
  return (
    <div
      ref={listRef}
      role="list"
      aria-label={label}
      onKeyDown={onKeyDown}
      className="relative w-full"
      style={{ height: virtualizer.getTotalSize() }}
    >
      {ordered.map((virtualRow) => {
        const row = rows[virtualRow.index];
        if (!row) return null;
        if (row.kind === 'heading') {
          const group = groups[row.group]!;
          const sticky = virtualRow.index === active;
          return (
            <div
              key={`day-${group.day}-${group.start}`}
              role="listitem"
              className={cn('inset-x-0 top-0', sticky ? 'sticky z-10' : 'absolute')}
              style={
                sticky
                  ? { top: stickyOffset, height: HEADING }
                  : { transform: `translateY(${virtualRow.start - virtualizer.options.scrollMargin}px)`, height: HEADING }
              }
            >
              {headingOf(group, row.group, sticky)}
            </div>
          );
        }
        return (
          <div
            key={`tiles-${row.start}`}
            role="presentation"
            className="absolute inset-x-0 top-0 grid"
            style={{
              transform: `translateY(${virtualRow.start - virtualizer.options.scrollMargin}px)`,
              gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
              gap: GAP,
              height: tile,
            }}
          >
            {items.slice(row.start, row.start + row.count).map((node, i) => (
              <GalleryTile
                key={node.id}
                node={node}
                index={row.start + i}
                total={items.length}
                onToggleStar={onToggleStar}
                onOpen={onOpen}
                onShare={onShare}
                selected={selected.has(node.id)}
                selecting={selected.size > 0}
                onSelect={onSelect}
                linkState={linkState}
              />
            ))}
          </div>
        );
      })}
    </div>
  );
}
