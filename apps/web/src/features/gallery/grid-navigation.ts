/** Columns for a container width: tiles at least `minTile` px wide, at least `min` columns. */
export function columnCountFor(width: number, { minTile = 180, gap = 12, min = 2, max = 8 } = {}): number {
  if (!(width > 0)) return min;
  return Math.max(min, Math.min(max, Math.floor((width + gap) / (minTile + gap))));
}

/** A row of the gallery: a day's heading, or up to `columns` tiles from `start`. */
export type GridRow = { kind: 'heading'; group: number } | { kind: 'tiles'; start: number; count: number };

/**
 * The rows for groups of tiles (day groups, or one group of all), each group starting on a row of
 * its own, under its heading when `headings` is set.
 */
export function gridRows(groups: ReadonlyArray<{ start: number; count: number }>, columns: number, headings: boolean): GridRow[] {
  const rows: GridRow[] = [];
  groups.forEach((group, g) => {
    if (headings) rows.push({ kind: 'heading', group: g });
    for (let i = 0; i < group.count; i += columns) rows.push({ kind: 'tiles', start: group.start + i, count: Math.min(columns, group.count - i) });
  });
  return rows;
}

/** The tile rows alone, and which of them holds each index. */
export interface TileRows {
  rows: ReadonlyArray<{ start: number; count: number }>;
  rowOf(index: number): number;
}

export function tileRows(rows: readonly GridRow[]): TileRows {
  const tiles = rows.filter((r): r is Extract<GridRow, { kind: 'tiles' }> => r.kind === 'tiles');
  return {
    rows: tiles,
    rowOf(index) {
      let lo = 0;
      let hi = tiles.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (tiles[mid]!.start <= index) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
  };
}

/**
 * Where focus goes from tile `index` for a key, in rows that may be short (the last of a day);
 * null when the key doesn't move focus (or there is nowhere to go). Up and down keep the column
 * where the next row has one, else go to its last tile.
 */
export function nextIndexInRows(key: string, index: number, grid: TileRows): number | null {
  const { rows } = grid;
  const last = rows.length ? rows.at(-1)!.start + rows.at(-1)!.count - 1 : -1;
  if (last < 0 || index < 0 || index > last) return null;
  const r = grid.rowOf(index);
  const column = index - rows[r]!.start;
  const inRow = (row: number) => rows[row]!.start + Math.min(column, rows[row]!.count - 1);
  let next: number;
  switch (key) {
    case 'ArrowRight':
      next = index + 1;
      break;
    case 'ArrowLeft':
      next = index - 1;
      break;
    case 'ArrowDown':
      next = r + 1 < rows.length ? inRow(r + 1) : index;
      break;
    case 'ArrowUp':
      next = r > 0 ? inRow(r - 1) : index;
      break;
    case 'Home':
      next = 0;
      break;
    case 'End':
      next = last;
      break;
    case 'PageDown':
      next = r + 4 < rows.length ? inRow(r + 4) : last;
      break;
    case 'PageUp':
      next = r - 4 >= 0 ? inRow(r - 4) : 0;
      break;
    default:
      return null;
  }
  if (next < 0 || next > last || next === index) return null;
  return next;
}

/**
 * Where focus goes in a grid of `count` tiles laid out `columns` wide, for a key; null when the key
 * doesn't move focus (or there is nowhere to go).
 */
export function nextGridIndex(key: string, index: number, columns: number, count: number): number | null {
  if (count <= 0) return null;
  return nextIndexInRows(key, index, tileRows(gridRows([{ start: 0, count }], columns, false)));
}
