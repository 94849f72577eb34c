import { describe, expect, it } from 'vitest';
import { columnCountFor, gridRows, nextGridIndex, nextIndexInRows, tileRows } from './grid-navigation';

describe('columnCountFor', () => {
  it('fits as many tiles of the minimum width as the container allows', () => {
    expect(columnCountFor(358)).toBe(2); // a 390 px phone, minus padding
    expect(columnCountFor(768)).toBe(4);
    expect(columnCountFor(1232)).toBe(6);
    expect(columnCountFor(4000)).toBe(8);
    expect(columnCountFor(0)).toBe(2);
  });
});

describe('nextGridIndex', () => {
  // 10 tiles, 4 columns:
  //  0  1  2  3
  //  4  5  6  7
  //  8  9
  const move = (key: string, index: number) => nextGridIndex(key, index, 4, 10);

  it('moves left and right through the reading order, wrapping rows', () => {
    expect(move('ArrowRight', 0)).toBe(1);
    expect(move('ArrowRight', 3)).toBe(4);
    expect(move('ArrowLeft', 4)).toBe(3);
    expect(move('ArrowLeft', 0)).toBeNull();
    expect(move('ArrowRight', 9)).toBeNull();
  });

  it('moves up and down by the column count', () => {
    expect(move('ArrowDown', 1)).toBe(5);
    expect(move('ArrowUp', 5)).toBe(1);
    expect(move('ArrowUp', 2)).toBeNull();
    expect(move('ArrowDown', 8)).toBeNull();
  });

  it('goes to the last tile when the row below is shorter', () => {
    expect(move('ArrowDown', 6)).toBe(9);
    expect(move('ArrowDown', 7)).toBe(9);
  });

  it('jumps with Home, End and the page keys', () => {
    expect(move('Home', 7)).toBe(0);
    expect(move('End', 2)).toBe(9);
    expect(move('Home', 0)).toBeNull();
    expect(nextGridIndex('PageDown', 0, 4, 100)).toBe(16);
    expect(nextGridIndex('PageUp', 10, 4, 100)).toBe(0);
  });

  it('ignores other keys and empty grids', () => {
    expect(move('Enter', 0)).toBeNull();
    expect(move('s', 0)).toBeNull();
    expect(nextGridIndex('ArrowRight', 0, 4, 0)).toBeNull();
  });
});

describe('rows of day groups', () => {
  // Three days of 5, 2 and 6 tiles, 4 columns, each day under its heading:
  //  [day 0]
  //  0  1  2  3
  //  4
  //  [day 1]
  //  5  6
  //  [day 2]
  //  7  8  9 10
  // 11 12
  const groups = [
    { start: 0, count: 5 },
    { start: 5, count: 2 },
    { start: 7, count: 6 },
  ];
  const rows = gridRows(groups, 4, true);
  const grid = tileRows(rows);
  const move = (key: string, index: number) => nextIndexInRows(key, index, grid);

  it('starts each day on a row of its own, under its heading', () => {
    expect(rows).toEqual([
      { kind: 'heading', group: 0 },
      { kind: 'tiles', start: 0, count: 4 },
      { kind: 'tiles', start: 4, count: 1 },
      { kind: 'heading', group: 1 },
      { kind: 'tiles', start: 5, count: 2 },
      { kind: 'heading', group: 2 },
      { kind: 'tiles', start: 7, count: 4 },
      { kind: 'tiles', start: 11, count: 2 },
    ]);
    expect(gridRows(groups, 4, false).filter((r) => r.kind === 'heading')).toEqual([]);
    expect([0, 3, 4, 5, 6, 7, 12].map((i) => grid.rowOf(i))).toEqual([0, 0, 1, 2, 2, 3, 4]);
  });

  it('moves down and up across days, keeping the column where the row has it', () => {
    expect(move('ArrowDown', 2)).toBe(4);
    expect(move('ArrowDown', 4)).toBe(5);
    expect(move('ArrowDown', 6)).toBe(8);
    expect(move('ArrowDown', 9)).toBe(12);
    expect(move('ArrowDown', 12)).toBeNull();
    expect(move('ArrowUp', 10)).toBe(6);
    expect(move('ArrowUp', 5)).toBe(4);
    expect(move('ArrowUp', 1)).toBeNull();
  });

  it('moves left and right in reading order across days', () => {
    expect(move('ArrowRight', 4)).toBe(5);
    expect(move('ArrowLeft', 7)).toBe(6);
    expect(move('End', 0)).toBe(12);
    expect(move('PageDown', 0)).toBe(11);
    expect(move('PageUp', 12)).toBe(1);
  });
});
