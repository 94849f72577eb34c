/** Day groups of the gallery, in the person's own time zone and language. */

/** A run of images made on one day, in gallery order. */
export interface DayGroup {
  /** The local day, YYYY-MM-DD. */
  day: string;
  /** Index of its first image in the gallery's list. */
  start: number;
  count: number;
}

/** The local calendar day of a time, as YYYY-MM-DD ('' for a time that cannot be read). */
export function localDay(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/**
 * Consecutive images of the same local day, in the order given. Newest or oldest first, a day is
 * one run; an image whose time is out of step with its neighbours (an imported one keeps the time
 * it was made) starts a run of its own rather than being moved out of order.
 */
export function groupByDay(items: ReadonlyArray<{ created_at: string }>): DayGroup[] {
  const groups: DayGroup[] = [];
  let current: DayGroup | undefined;
  items.forEach((item, index) => {
    const day = localDay(item.created_at);
    if (current && current.day === day) current.count++;
    else groups.push((current = { day, start: index, count: 1 }));
  });
  return groups;
}

function fromDay(day: string): Date | null {
  const match = /^(\d{4})-(\d\d)-(\d\d)$/.exec(day);
  return match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : null;
}

function capitalised(text: string, locale: string | undefined): string {
  return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
}

/**
 * A day as a person says it, in their language: "Today", "Yesterday", "Monday, March 3" this
 * year, "March 3, 2025" before.
 */
export function dayLabel(day: string, now: Date = new Date(), locale?: string): string {
  const date = fromDay(day);
  if (!date) return 'Unknown date';
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const daysAgo = Math.round((today.getTime() - date.getTime()) / 86_400_000);
  if (daysAgo === 0 || daysAgo === 1) {
    return capitalised(new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(-daysAgo, 'day'), locale);
  }
  const options: Intl.DateTimeFormatOptions =
    date.getFullYear() === now.getFullYear() ? { weekday: 'long', month: 'long', day: 'numeric' } : { year: 'numeric', month: 'long', day: 'numeric' };
  return date.toLocaleDateString(locale, options);
}
