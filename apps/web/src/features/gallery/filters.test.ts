import { describe, expect, it } from 'vitest';
import { clearedFilters, EMPTY_FILTERS, filtersFromSearchParams, filtersToSearchParams, galleryParams, hasFilters } from './filters';

describe('gallery filters', () => {
  it('read from the URL, ignoring values the API would reject', () => {
    expect(filtersFromSearchParams(new URLSearchParams('q=lighthouse&model=sdxl&action=remix&starred=1'))).toEqual({
      q: 'lighthouse',
      model: 'sdxl',
      action: 'remix',
      starred: true,
      order: 'desc',
      byDay: true,
    });
    expect(filtersFromSearchParams(new URLSearchParams('action=explode&starred=no&order=sideways'))).toEqual(EMPTY_FILTERS);
    expect(filtersFromSearchParams(new URLSearchParams('order=asc&days=0'))).toEqual({ ...EMPTY_FILTERS, order: 'asc', byDay: false });
    expect(filtersFromSearchParams(new URLSearchParams(`q=${'x'.repeat(300)}`)).q).toHaveLength(200);
  });

  it('write to the URL, keeping other params and dropping empty ones', () => {
    const base = new URLSearchParams('foo=bar&q=old&starred=1');
    const out = filtersToSearchParams({ ...EMPTY_FILTERS, q: ' neon city ', action: 'img2img' }, base);
    expect(out.toString()).toBe('foo=bar&q=neon+city&action=img2img');
    expect(filtersFromSearchParams(out)).toEqual({ ...EMPTY_FILTERS, q: 'neon city', action: 'img2img' });
    const oldestFlat = filtersToSearchParams({ ...EMPTY_FILTERS, order: 'asc', byDay: false });
    expect(oldestFlat.toString()).toBe('order=asc&days=0');
  });

  it('build the API query with only the keys in use', () => {
    expect(galleryParams(EMPTY_FILTERS, 96)).toEqual({ limit: 96 });
    expect(galleryParams({ ...EMPTY_FILTERS, byDay: false }, 96)).toEqual({ limit: 96 });
    expect(galleryParams({ ...EMPTY_FILTERS, order: 'asc' }, 96)).toEqual({ limit: 96, order: 'asc' });
    expect(galleryParams({ ...EMPTY_FILTERS, q: ' rain ', model: 'flux-dev', action: 'upload', starred: true }, 50)).toEqual({
      limit: 50,
      q: 'rain',
      model: 'flux-dev',
      action_type: 'upload',
      starred: true,
    });
  });

  it('know when any filter is on', () => {
    expect(hasFilters(EMPTY_FILTERS)).toBe(false);
    expect(hasFilters({ ...EMPTY_FILTERS, q: '  ' })).toBe(false);
    expect(hasFilters({ ...EMPTY_FILTERS, starred: true })).toBe(true);
    // The order and the day headings are how, not what: not filters.
    expect(hasFilters({ ...EMPTY_FILTERS, order: 'asc', byDay: false })).toBe(false);
    expect(clearedFilters({ q: 'x', model: 'sdxl', action: 'edit', starred: true, order: 'asc', byDay: false })).toEqual({ ...EMPTY_FILTERS, order: 'asc', byDay: false });
  });
});
