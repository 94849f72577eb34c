import type { ActionType } from '@imageflow/shared';
import { ACTION_LABELS } from '@imageflow/shared/constants';
import type { GalleryParams } from '@/lib/api-client';

/** What the gallery shows and how, as kept in the URL: ?q=…&model=…&action=…&starred=1&order=asc&days=0 */
export interface GalleryFilters {
  q: string;
  model: string;
  action: ActionType | '';
  starred: boolean;
  /** desc: newest first; asc: oldest first. */
  order: 'desc' | 'asc';
  /** Under a heading per day. */
  byDay: boolean;
}

export const EMPTY_FILTERS: GalleryFilters = { q: '', model: '', action: '', starred: false, order: 'desc', byDay: true };

/** The filters cleared, the order and the day headings kept as they are. */
export function clearedFilters(filters: GalleryFilters): GalleryFilters {
  return { ...EMPTY_FILTERS, order: filters.order, byDay: filters.byDay };
}

function isActionType(value: string): value is ActionType {
  return Object.hasOwn(ACTION_LABELS, value);
}

export function filtersFromSearchParams(params: URLSearchParams): GalleryFilters {
  const action = params.get('action') ?? '';
  const starred = params.get('starred');
  return {
    q: (params.get('q') ?? '').slice(0, 200),
    model: (params.get('model') ?? '').slice(0, 64),
    action: isActionType(action) ? action : '',
    starred: starred === '1' || starred === 'true',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    byDay: params.get('days') !== '0',
  };
}

/** Writes the filters into a copy of `base`, dropping empty ones so links stay short. */
export function filtersToSearchParams(filters: GalleryFilters, base: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const out = new URLSearchParams(base);
  const put = (key: string, value: string) => (value ? out.set(key, value) : out.delete(key));
  put('q', filters.q.trim());
  put('model', filters.model);
  put('action', filters.action);
  put('starred', filters.starred ? '1' : '');
  put('order', filters.order === 'asc' ? 'asc' : '');
  put('days', filters.byDay ? '' : '0');
  return out;
}

export function hasFilters(filters: GalleryFilters): boolean {
  return filters.q.trim() !== '' || filters.model !== '' || filters.action !== '' || filters.starred;
}

/** The API query for the filters (without cursor), with only the keys in use: also the query key. */
export function galleryParams(filters: GalleryFilters, limit: number): GalleryParams {
  const params: GalleryParams = { limit };
  const q = filters.q.trim();
  if (q) params.q = q;
  if (filters.model) params.model = filters.model;
  if (filters.action) params.action_type = filters.action;
  if (filters.starred) params.starred = true;
  if (filters.order === 'asc') params.order = 'asc';
  return params;
}
