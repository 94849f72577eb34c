import { useEffect, useRef, useState } from 'react';
import { ArrowDownWideNarrow, ArrowUpNarrowWide, CalendarDays, Search, Star, X } from 'lucide-react';
import type { ActionType, ModelInfo } from '@imageflow/shared';
import { inputClass, Select } from '@/components/ui/field';
import { Toggle } from '@/components/ui/toggle';
import { cn } from '@/lib/cn';
import { clearedFilters, hasFilters, type GalleryFilters } from '../filters';
import { ACTION_LABELS } from '@imageflow/shared/constants';

export const SEARCH_DEBOUNCE_MS = 250;

/** Search, filters, order and day headings. The search box updates the URL 250 ms after the last keystroke. */
export function GalleryToolbar({
  filters,
  onChange,
  models,
}: {
  filters: GalleryFilters;
  onChange: (next: GalleryFilters) => void;
  models: readonly ModelInfo[] | undefined;
}) {
  const [text, setText] = useState(filters.q);
  const inputRef = useRef<HTMLInputElement>(null);
  const latest = useRef({ filters, onChange });
  useEffect(() => {
    latest.current = { filters, onChange };
  });

  // Follow the URL when it changes from outside (back button, a link), unless the person is typing.
  useEffect(() => {
    if (document.activeElement !== inputRef.current) setText(filters.q);
  }, [filters.q]);

  useEffect(() => {
    if (text.trim() === latest.current.filters.q.trim()) return;
    const t = setTimeout(() => latest.current.onChange({ ...latest.current.filters, q: text }), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [text]);

  const active = hasFilters(filters);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <div className="relative min-w-0 flex-[1_1_12rem] sm:flex-[1_1_16rem]">
        <Search className="pointer-events-none absolute top-1/2 left-3 h-4 w-4 -translate-y-1/2 text-zinc-400" aria-hidden />
        <input
          ref={inputRef}
          type="search"
          aria-label="Search prompts"
          placeholder="Search prompts…"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') onChange({ ...filters, q: text });
            if (e.key === 'Escape' && text) {
              e.preventDefault();
              setText('');
              onChange({ ...filters, q: '' });
            }
          }}
          maxLength={200}
          className={cn(inputClass, 'h-9 pl-9 [&::-webkit-search-cancel-button]:hidden')}
        />
        {text ? (
          <button
            type="button"
            onClick={() => {
              setText('');
              onChange({ ...filters, q: '' });
              inputRef.current?.focus();
            }}
            aria-label="Clear search"
            className="absolute top-1/2 right-1.5 inline-flex h-6 w-6 -translate-y-1/2 items-center justify-center rounded-md text-zinc-400 hover:bg-zinc-100 hover:text-zinc-700 dark:hover:bg-zinc-800 dark:hover:text-zinc-200"
          >
            <X className="h-3.5 w-3.5" aria-hidden />
          </button>
        ) : null}
      </div>
      <div className="order-2 flex min-w-0 flex-[1_1_auto] items-center gap-2 sm:order-1 sm:flex-none">
        <Select
          aria-label="Model"
          value={filters.model}
          onChange={(e) => onChange({ ...filters, model: e.target.value })}
          className="h-9 min-w-0 flex-1 py-0 sm:w-44 sm:flex-none"
        >
          <option value="">All models</option>
          {(models ?? []).map((m) => (
            <option key={m.name} value={m.name}>
              {m.label}
            </option>
          ))}
          <option value="upload">Uploads</option>
        </Select>
        <Select
          aria-label="Action"
          value={filters.action}
          onChange={(e) => onChange({ ...filters, action: e.target.value as ActionType | '' })}
          className="h-9 min-w-0 flex-1 py-0 sm:w-44 sm:flex-none"
        >
          <option value="">All actions</option>
          {(Object.keys(ACTION_LABELS) as ActionType[]).map((a) => (
            <option key={a} value={a}>
              {ACTION_LABELS[a]}
            </option>
          ))}
        </Select>
        <Toggle pressed={filters.starred} onPressedChange={(starred) => onChange({ ...filters, starred })} aria-label="Starred only" title="Starred only">
          <Star className={cn('h-4 w-4', filters.starred && 'fill-current text-amber-500')} aria-hidden />
          <span className="hidden md:inline">Starred</span>
        </Toggle>
      </div>
      {/* On a phone, beside the search as two icons; from sm on, after the filters. */}
      <div className="order-1 flex items-center gap-2 sm:order-2">
        <Select
          aria-label="Order"
          value={filters.order}
          onChange={(e) => onChange({ ...filters, order: e.target.value === 'asc' ? 'asc' : 'desc' })}
          className="hidden h-9 w-40 py-0 sm:block"
        >
          <option value="desc">Newest first</option>
          <option value="asc">Oldest first</option>
        </Select>
        <Toggle
          size="icon"
          className="sm:hidden"
          pressed={filters.order === 'asc'}
          onPressedChange={(asc) => onChange({ ...filters, order: asc ? 'asc' : 'desc' })}
          aria-label="Oldest first"
          title={filters.order === 'asc' ? 'Oldest first (newest first instead)' : 'Newest first (oldest first instead)'}
        >
          {filters.order === 'asc' ? <ArrowUpNarrowWide className="h-4 w-4" aria-hidden /> : <ArrowDownWideNarrow className="h-4 w-4" aria-hidden />}
        </Toggle>
        <Toggle
          pressed={filters.byDay}
          onPressedChange={(byDay) => onChange({ ...filters, byDay })}
          aria-label="Group by day"
          title="Group by day"
          className="w-9 px-0 md:w-auto md:px-3"
        >
          <CalendarDays className="h-4 w-4" aria-hidden />
          <span className="hidden md:inline">By day</span>
        </Toggle>
      </div>
      {active ? (
        <button
          type="button"
          onClick={() => {
            setText('');
            onChange(clearedFilters(filters));
          }}
          className="order-3 h-9 rounded-lg px-2 text-sm font-medium text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
        >
          Clear filters
        </button>
      ) : null}
    </div>
  );
}
