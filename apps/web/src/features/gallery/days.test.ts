import { describe, expect, it } from 'vitest';
import { dayLabel, groupByDay, localDay } from './days';

const at = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h).toISOString();

describe('groupByDay', () => {
  it('makes one group per run of images of the same local day, in the order given', () => {
    const items = [at(2026, 3, 5, 23), at(2026, 3, 5, 0), at(2026, 3, 4, 18), at(2026, 3, 1), at(2026, 3, 1, 2)].map((created_at) => ({ created_at }));
    expect(groupByDay(items)).toEqual([
      { day: '2026-03-05', start: 0, count: 2 },
      { day: '2026-03-04', start: 2, count: 1 },
      { day: '2026-03-01', start: 3, count: 2 },
    ]);
    expect(groupByDay([])).toEqual([]);
  });

  it('keeps an image out of step in its place, as a run of its own', () => {
    const items = [at(2026, 3, 5), at(2025, 1, 1), at(2026, 3, 5)].map((created_at) => ({ created_at }));
    expect(groupByDay(items).map((g) => [g.day, g.count])).toEqual([
      ['2026-03-05', 1],
      ['2025-01-01', 1],
      ['2026-03-05', 1],
    ]);
  });

  it('reads the day in the local time zone', () => {
    expect(localDay(at(2026, 12, 31, 23))).toBe('2026-12-31');
    expect(localDay('not a date')).toBe('');
  });
});

describe('dayLabel', () => {
  const now = new Date(2026, 2, 5, 9);
  it('says today and yesterday in words, then the date in the person’s language', () => {
    expect(dayLabel('2026-03-05', now, 'en-US')).toBe('Today');
    expect(dayLabel('2026-03-04', now, 'en-US')).toBe('Yesterday');
    expect(dayLabel('2026-03-02', now, 'en-US')).toBe('Monday, March 2');
    expect(dayLabel('2025-12-24', now, 'en-US')).toBe('December 24, 2025');
    expect(dayLabel('2026-03-04', now, 'de-DE')).toBe('Gestern');
    expect(dayLabel('2026-03-02', now, 'de-DE')).toBe('Montag, 2. März');
    expect(dayLabel('', now, 'en-US')).toBe('Unknown date');
  });
});
