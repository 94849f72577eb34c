import { describe, expect, it } from 'vitest';
import { daysLeft, formatDaysLeft, imageState, isTrashed, purgeDate } from './state';

describe('imageState', () => {
  it('tells live, trashed and deleted apart; deleted wins over a trashed_at left behind', () => {
    expect(imageState({ deleted_at: null, trashed_at: null })).toBe('live');
    expect(imageState({ deleted_at: null, trashed_at: '2026-03-01T10:00:00.000Z' })).toBe('trashed');
    expect(imageState({ deleted_at: '2026-03-02T10:00:00.000Z', trashed_at: null })).toBe('deleted');
    expect(imageState({ deleted_at: '2026-03-02T10:00:00.000Z', trashed_at: '2026-03-01T10:00:00.000Z' })).toBe('deleted');
    expect(isTrashed({ deleted_at: '2026-03-02T10:00:00.000Z', trashed_at: '2026-03-01T10:00:00.000Z' })).toBe(false);
  });
});

describe('purge dates', () => {
  it('is purge_after_days after the image went to the trash', () => {
    expect(purgeDate('2026-03-01T10:00:00.000Z', 30).toISOString()).toBe('2026-03-31T10:00:00.000Z');
    expect(purgeDate('2026-03-01T10:00:00.000Z', 7).toISOString()).toBe('2026-03-08T10:00:00.000Z');
  });

  it('counts calendar days left, never below zero', () => {
    const now = new Date(2026, 2, 3, 20, 0).getTime();
    expect(daysLeft(new Date(2026, 2, 4, 9, 0), now)).toBe(1);
    expect(daysLeft(new Date(2026, 2, 3, 23, 0), now)).toBe(0);
    expect(daysLeft(new Date(2026, 3, 2, 20, 0), now)).toBe(30);
    expect(daysLeft(new Date(2026, 2, 1), now)).toBe(0);
    expect([0, 1, 12].map(formatDaysLeft)).toEqual(['today', 'tomorrow', 'in 12 days']);
  });
});
