import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import type { ImageNode } from '@imageflow/shared';
import { columnCountFor, nextGridIndex } from '../grid-navigation';
import { GalleryTile } from './gallery-tile';

const GAP = 12;
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
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => void;
  onToggleStar: (node: ImageNode) => void;
  onOpen: (node: ImageNode) => void;
  onShare?: (node: ImageNode) => void;
  /** Height of sticky bars above the grid, so keyboard focus never lands under them. */
  stickyOffset: number;
  label: string;
}

/**
 * A responsive grid of square tiles, virtualised by rows against the window scroll: only the rows
 * near the viewport are in the DOM, so 10,000 images scroll like 100. Arrow keys, Home/End and
 * PageUp/PageDown move focus (scrolling the row in), Enter opens, "s" stars.
 */
export function GalleryGrid({ items, hasNextPage, isFetchingNextPage, fetchNextPage, onToggleStar, onOpen, onShare, stickyOffset, label }: GalleryGridProps) {
  const listRef = useRef<HTMLDivElement>(null);
  const width = useContentWidth(listRef);
  const columns = columnCountFor(width, { gap: GAP });
  const tile = (width - GAP * (columns - 1)) / columns;
  const rowCount = Math.ceil(items.length / columns);
  const top = useDocumentTop(listRef, `${stickyOffset}:${width}`);

  const virtualizer = useWindowVirtualizer({
    count: rowCount,
    estimateSize: () => tile + GAP,
    overscan: 3,
    // Start from where the window is (e.g. restored by the router on Back), not from the top.
    initialOffset: () => window.scrollY,
    scrollMargin: top,
    scrollPaddingStart: stickyOffset + 8,
    scrollPaddingEnd: 16,
  });

  // Tile size follows the width; every row is re-laid at the new size.
  useLayoutEffect(() => {
    virtualizer.measure();
  }, [virtualizer, tile, columns]);

  const virtualRows = virtualizer.getVirtualItems();
  const lastRendered = virtualRows.at(-1)?.index ?? -1;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastRendered >= rowCount - PREFETCH_ROWS) fetchNextPage();
  }, [lastRendered, rowCount, hasNextPage, isFetchingNextPage, fetchNextPage]);

  // Focus a tile by index, scrolling its row in first when it is not rendered yet.
  const pendingFocus = useRef<number | null>(null);
  const focusTile = useCallback(
    (index: number) => {
      const find = () => listRef.current?.querySelector<HTMLElement>(`[data-tile-index="${index}"]`);
      virtualizer.scrollToIndex(Math.floor(index / columns), { align: 'auto' });
      const el = find();
      if (el) el.focus({ preventScroll: true });
      else pendingFocus.current = index;
    },
    [virtualizer, columns],
  );
  useLayoutEffect(() => {
    if (pendingFocus.current === null) return;
    const el = listRef.current?.querySelector<HTMLElement>(`[data-tile-index="${pendingFocus.current}"]`);
    if (el) {
      el.focus({ preventScroll: true });
      pendingFocus.current = null;
    }
  });

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const target = (event.target as HTMLElement).closest<HTMLElement>('[data-tile-index]');
    if (!target) return;
    const index = Number(target.dataset.tileIndex);
    if (event.key === 's' || event.key === 'S') {
      const node = items[index];
      if (node) {
        event.preventDefault();
        onToggleStar(node);
      }
      return;
    }
    const next = nextGridIndex(event.key, index, columns, items.length);
    if (next === null) {
      if (event.key.startsWith('Arrow') || event.key === 'Home' || event.key === 'End') event.preventDefault();
      return;
    }
    event.preventDefault();
    focusTile(next);
  }

  return (
    <div
      ref={listRef}
      role="list"
      aria-label={label}
      onKeyDown={onKeyDown}
      className="relative w-full"
      style={{ height: virtualizer.getTotalSize() }}
    >
      {virtualRows.map((row) => {
        const start = row.index * columns;
        const rowItems = items.slice(start, start + columns);
        return (
          <div
            key={row.key}
            className="absolute inset-x-0 top-0 grid"
            style={{
              transform: `translateY(${row.start - virtualizer.options.scrollMargin}px)`,
              gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
              gap: GAP,
              height: tile,
            }}
          >
            {rowItems.map((node, i) => (
              <GalleryTile key={node.id} node={node} index={start + i} total={items.length} onToggleStar={onToggleStar} onOpen={onOpen} onShare={onShare} />
            ))}
          </div>
        );
      })}
    </div>
  );
}
