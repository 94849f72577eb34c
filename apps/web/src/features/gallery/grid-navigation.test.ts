import { describe, expect, it } from 'vitest';
import { columnCountFor, nextGridIndex } from './grid-navigation';

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
