import { describe, expect, it } from 'vitest';
import { EMPTY_SELECTION, extendTo, keepOnly, selectAll, selectedInOrder, selectRange, toggle, type Selection } from './selection';

// Gallery order, newest first.
const order = [9, 8, 7, 6, 5, 4, 3, 2, 1];
const ids = (s: Selection) => selectedInOrder(s, order);

describe('selection', () => {
  it('toggles one image at a time, which becomes the anchor', () => {
    let s = toggle(EMPTY_SELECTION, 8);
    s = toggle(s, 5);
    expect(ids(s)).toEqual([8, 5]);
    expect(s.anchor).toBe(5);
    s = toggle(s, 8);
    expect(ids(s)).toEqual([5]);
    expect(s.anchor).toBe(8);
  });

  it('selects the range from the anchor on top of what was there; another range replaces it', () => {
    let s = toggle(EMPTY_SELECTION, 2);
    s = toggle(s, 8);
    s = selectRange(s, 5, order);
    expect(ids(s)).toEqual([8, 7, 6, 5, 2]);
    // Shift-click nearer the anchor: the range shrinks, what came before stays.
    s = selectRange(s, 7, order);
    expect(ids(s)).toEqual([8, 7, 2]);
    // And the other way from the anchor.
    s = selectRange(s, 9, order);
    expect(ids(s)).toEqual([9, 8, 2]);
  });

  it('starts at the clicked image when nothing was toggled yet', () => {
    const s = selectRange(EMPTY_SELECTION, 4, order);
    expect(ids(s)).toEqual([4]);
    expect(s.anchor).toBe(4);
    expect(ids(selectRange(s, 1, order))).toEqual([4, 3, 2, 1]);
  });

  it('extends from where the keys began, then keeps that anchor', () => {
    let s = extendTo(EMPTY_SELECTION, 6, 5, order);
    expect(ids(s)).toEqual([6, 5]);
    s = extendTo(s, 5, 4, order);
    expect(ids(s)).toEqual([6, 5, 4]);
    // Back past the anchor: the range turns around it.
    s = extendTo(s, 4, 5, order);
    s = extendTo(s, 5, 6, order);
    s = extendTo(s, 6, 7, order);
    expect(ids(s)).toEqual([7, 6]);
  });

  it('selects all shown, and forgets images no longer shown', () => {
    let s = selectAll(toggle(EMPTY_SELECTION, 3), order);
    expect(ids(s)).toEqual(order);
    s = keepOnly(s, new Set([9, 8, 1]));
    expect(ids(s)).toEqual([9, 8, 1]);
    expect(s.anchor).toBeNull();
    expect(keepOnly(s, new Set(order))).toBe(s);
  });

  it('ignores a range to an image that is not shown', () => {
    const s = toggle(EMPTY_SELECTION, 3);
    expect(selectRange(s, 42, order)).toBe(s);
  });
});
