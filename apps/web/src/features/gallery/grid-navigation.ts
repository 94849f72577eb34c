/** Columns for a container width: tiles at least `minTile` px wide, at least `min` columns. */
export function columnCountFor(width: number, { minTile = 180, gap = 12, min = 2, max = 8 } = {}): number {
  if (!(width > 0)) return min;
  return Math.max(min, Math.min(max, Math.floor((width + gap) / (minTile + gap))));
}

/**
 * Where focus goes in a grid of `count` tiles laid out `columns` wide, for a key; null when the key
 * doesn't move focus (or there is nowhere to go).
 */
export function nextGridIndex(key: string, index: number, columns: number, count: number): number | null {
  if (count <= 0) return null;
  const last = count - 1;
  let next: number;
  switch (key) {
    case 'ArrowRight':
      next = index + 1;
      break;
    case 'ArrowLeft':
      next = index - 1;
      break;
    case 'ArrowDown':
      // From a short last row's column-less position, go to the last tile instead of nowhere.
      next = index + columns <= last ? index + columns : Math.floor(index / columns) < Math.floor(last / columns) ? last : index;
      break;
    case 'ArrowUp':
      next = index - columns;
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = last;
      break;
    case 'PageDown':
      next = Math.min(last, index + columns * 4);
      break;
    case 'PageUp':
      next = Math.max(0, index - columns * 4);
      break;
    default:
      return null;
  }
  if (next < 0 || next > last || next === index) return null;
  return next;
}
