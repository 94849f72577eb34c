import { describe, expect, it } from 'vitest';
import { ACTION_TYPES } from '@imageflow/shared';
import { ACTION_LABELS, EMPTY_FILTERS, filtersFromSearchParams, filtersToSearchParams, galleryParams, hasFilters } from './filters';

describe('gallery filters', () => {
  it('label every action type the API knows', () => {
    expect(Object.keys(ACTION_LABELS).sort()).toEqual([...ACTION_TYPES].sort());
  });

  it('read from the URL, ignoring values the API would reject', () => {
    expect(filtersFromSearchParams(new URLSearchParams('q=lighthouse&model=sdxl&action=remix&starred=1'))).toEqual({
      q: 'lighthouse',
      model: 'sdxl',
      action: 'remix',
      starred: true,
    });
    expect(filtersFromSearchParams(new URLSearchParams('action=explode&starred=no'))).toEqual(EMPTY_FILTERS);
    expect(filtersFromSearchParams(new URLSearchParams(`q=${'x'.repeat(300)}`)).q).toHaveLength(200);
  });

  it('write to the URL, keeping other params and dropping empty ones', () => {
    const base = new URLSearchParams('foo=bar&q=old&starred=1');
    const out = filtersToSearchParams({ q: ' neon city ', model: '', action: 'img2img', starred: false }, base);
    expect(out.toString()).toBe('foo=bar&q=neon+city&action=img2img');
    expect(filtersFromSearchParams(out)).toEqual({ q: 'neon city', model: '', action: 'img2img', starred: false });
  });

  it('build the API query with only the keys in use', () => {
    expect(galleryParams(EMPTY_FILTERS, 96)).toEqual({ limit: 96 });
    expect(galleryParams({ q: ' rain ', model: 'flux-dev', action: 'upload', starred: true }, 50)).toEqual({
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
  });
});
