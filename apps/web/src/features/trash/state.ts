import type { ImageNode } from '@imageflow/shared';

/**
 * Where an image is in its life: live (in the gallery), in the trash (hidden, files kept,
 * restorable), or deleted (files gone for good: a tombstone in the lineage). A node deleted
 * forever from the trash may keep its `trashed_at`: deleted wins.
 */
export type ImageState = 'live' | 'trashed' | 'deleted';

export function imageState(node: Pick<ImageNode, 'deleted_at' | 'trashed_at'>): ImageState {
  if (node.deleted_at !== null) return 'deleted';
  return node.trashed_at ? 'trashed' : 'live';
}

export const isTrashed = (node: Pick<ImageNode, 'deleted_at' | 'trashed_at'>): boolean => imageState(node) === 'trashed';

const DAY = 86_400_000;

/** When an image trashed at `trashedAt` is purged: `days` after it went to the trash. */
export function purgeDate(trashedAt: string, days: number): Date {
  return new Date(new Date(trashedAt).getTime() + days * DAY);
}

/** Calendar days from today to `date`, in local time: 0 on the day itself (never negative: a purge may run a little late). */
export function daysLeft(date: Date, now: number = Date.now()): number {
  const midnight = (t: number) => {
    const d = new Date(t);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  };
  return Math.max(0, Math.round((midnight(date.getTime()) - midnight(now)) / DAY));
}

/** "Mar 4, 2026": a day fits a narrow column; the time is in the tooltip. */
export function formatDay(date: Date): string {
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

/** "today", "tomorrow", "in 12 days": how long is left before a purge. */
export function formatDaysLeft(days: number): string {
  if (days <= 0) return 'today';
  if (days === 1) return 'tomorrow';
  return `in ${days} days`;
}
