import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { History, LoaderCircle, Search, X } from 'lucide-react';
import { usePopover } from '@/components/ui/popover';
import { formatRelative } from '@/features/image/format';
import { usePromptsFromImages } from '../api';
import { useLocalStore } from '../local-store';
import { historyStore, promptHistory, searchHistory } from '../prompt-history';

export interface PickedPrompt {
  prompt: string;
  negativePrompt: string;
}

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return debounced;
}

/**
 * A menu panel spanning the width of the row that holds its trigger (that row is `relative`):
 * a field's label row, so the panel lies over the field it fills.
 */
export const menuPanelClass =
  'absolute inset-x-0 top-full z-40 mt-1 flex max-h-[min(28rem,70dvh)] flex-col rounded-xl border border-zinc-200 bg-white text-sm shadow-xl dark:border-zinc-700 dark:bg-zinc-900';

export const triggerClass =
  '-my-1 inline-flex h-7 items-center gap-1 rounded-md px-1.5 text-xs font-medium text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 aria-expanded:bg-zinc-100 aria-expanded:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100 dark:aria-expanded:bg-zinc-800 dark:aria-expanded:text-zinc-100';

const pickClass =
  'block w-full min-w-0 rounded-lg px-2.5 py-2 text-left hover:bg-zinc-100 focus-visible:bg-zinc-100 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-indigo-500 dark:hover:bg-zinc-800 dark:focus-visible:bg-zinc-800';

const sectionTitle = 'px-2.5 pt-2 pb-1 text-[11px] font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400';

/** Moves focus between the prompts of the panel with the arrow keys, Home and End. */
function onListKeys(e: KeyboardEvent<HTMLElement>, search: HTMLInputElement | null) {
  if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(e.key)) return;
  const items = Array.from(e.currentTarget.querySelectorAll<HTMLButtonElement>('[data-prompt-pick]'));
  if (items.length === 0) return;
  const at = items.indexOf(document.activeElement as HTMLButtonElement);
  let next: HTMLElement | null;
  if (e.key === 'Home') next = items[0]!;
  else if (e.key === 'End') next = items.at(-1)!;
  else if (e.key === 'ArrowDown') next = items[at + 1] ?? (at === -1 ? items[0]! : items.at(-1)!);
  else next = at <= 0 ? search : items[at - 1]!;
  e.preventDefault();
  next?.focus();
}

/**
 * "History" beside the prompt: the prompts generated from in this browser, newest first, and
 * those of my stored images, searchable; picking one puts it (and its negative prompt, if it
 * had one) in the form.
 */
export function PromptHistoryMenu({ scope, onPick }: { scope: string; onPick: (picked: PickedPrompt) => void }) {
  const { open, setOpen, panelId, wrapper, trigger } = usePopover();
  const [query, setQuery] = useState('');
  const search = useRef<HTMLInputElement>(null);

  const entries = useLocalStore(historyStore, scope);
  const local = searchHistory(entries, query);
  const debounced = useDebounced(query, 250);
  const fromImages = usePromptsFromImages(debounced, open);
  const known = new Set(entries.map((e) => e.prompt));
  const stored = (fromImages.data ?? []).filter((p) => !known.has(p.prompt)).slice(0, 20);
  const searching = query.trim() !== '';
  const loadingImages = fromImages.isFetching && (debounced !== query || !fromImages.data);

  useEffect(() => {
    if (open) search.current?.focus();
    else setQuery('');
  }, [open]);

  const pick = (picked: PickedPrompt) => {
    setOpen(false);
    onPick(picked);
  };

  const empty = local.length === 0 && stored.length === 0 && !loadingImages;

  return (
    <div ref={wrapper}>
      <button
        ref={trigger}
        type="button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-haspopup="dialog"
        onClick={() => setOpen((o) => !o)}
        title="Prompts you used before"
        className={triggerClass}
      >
        <History className="h-3.5 w-3.5" aria-hidden />
        History
      </button>
      {open ? (
        <div
          id={panelId}
          role="dialog"
          aria-label="Prompt history"
          onKeyDown={(e) => onListKeys(e, search.current)}
          className={menuPanelClass}
        >
          <div className="relative border-b border-zinc-100 p-1.5 dark:border-zinc-800">
            <Search className="pointer-events-none absolute top-1/2 left-4 h-4 w-4 -translate-y-1/2 text-zinc-400" aria-hidden />
            <input
              ref={search}
              type="search"
              aria-label="Search prompts"
              placeholder="Search your prompts"
              value={query}
              autoComplete="off"
              onChange={(e) => setQuery(e.target.value)}
              onKeyDown={(e) => {
                // Enter takes the first prompt found, and never submits the Create form around it.
                if (e.key !== 'Enter') return;
                e.preventDefault();
                const first = local[0] ?? stored[0];
                if (first) pick({ prompt: first.prompt, negativePrompt: first.negativePrompt });
              }}
              className="h-9 w-full rounded-lg border-0 bg-zinc-50 pr-3 pl-8 text-sm text-zinc-900 ring-1 ring-zinc-200 ring-inset placeholder:text-zinc-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none dark:bg-zinc-950 dark:text-zinc-100 dark:ring-zinc-700"
            />
          </div>
          <div className="min-h-0 flex-1 overflow-y-auto overscroll-contain p-1.5">
            {local.length > 0 ? (
              <Section title="Used in this browser">
                {local.map((entry) => (
                  <li key={entry.prompt} className="group flex items-start gap-1">
                    <button type="button" data-prompt-pick className={pickClass} onClick={() => pick(entry)}>
                      <PromptText prompt={entry.prompt} negative={entry.negativePrompt} />
                      <span className="mt-0.5 block text-xs text-zinc-500 dark:text-zinc-400">{formatRelative(new Date(entry.usedAt).toISOString())}</span>
                    </button>
                    <button
                      type="button"
                      onClick={() => {
                        promptHistory.remove(scope, entry.prompt);
                        search.current?.focus();
                      }}
                      aria-label={`Remove “${entry.prompt.slice(0, 60)}” from the history`}
                      title="Remove from the history"
                      className="mt-1.5 inline-flex h-7 w-7 shrink-0 items-center justify-center rounded-md text-zinc-400 hover:bg-zinc-100 hover:text-zinc-800 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
                    >
                      <X className="h-3.5 w-3.5" aria-hidden />
                    </button>
                  </li>
                ))}
              </Section>
            ) : null}
            {stored.length > 0 ? (
              <Section title={searching ? 'In your images' : 'From your latest images'}>
                {stored.map((p) => (
                  <li key={p.prompt}>
                    <button type="button" data-prompt-pick className={pickClass} onClick={() => pick(p)}>
                      <PromptText prompt={p.prompt} negative={p.negativePrompt} />
                      <span className="mt-0.5 block text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
                        image #{p.node.id} · {formatRelative(p.node.created_at)}
                      </span>
                    </button>
                  </li>
                ))}
              </Section>
            ) : null}
            {loadingImages ? (
              <p className="flex items-center gap-2 px-2.5 py-2 text-xs text-zinc-500 dark:text-zinc-400">
                <LoaderCircle className="h-3.5 w-3.5 animate-spin" aria-hidden />
                Searching your images…
              </p>
            ) : null}
            {empty ? (
              <p className="px-2.5 py-6 text-center text-sm text-zinc-500 dark:text-zinc-400" role="status">
                {searching ? `No prompt has “${query.trim()}”.` : 'No prompts yet: each one you generate with is kept here.'}
              </p>
            ) : null}
            {fromImages.isError ? (
              <p className="px-2.5 py-2 text-xs text-red-600 dark:text-red-400">Could not search your images: {fromImages.error.message}</p>
            ) : null}
          </div>
          {entries.length > 0 ? (
            <div className="flex justify-end border-t border-zinc-100 p-1.5 dark:border-zinc-800">
              <button
                type="button"
                onClick={() => {
                  promptHistory.clear(scope);
                  search.current?.focus();
                }}
                title="Forget the prompts kept in this browser (your images keep theirs)"
                className="rounded-md px-2 py-1 text-xs font-medium text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
              >
                Clear this browser’s history
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id}>
      <h3 id={id} className={sectionTitle}>
        {title}
      </h3>
      <ul className="space-y-0.5">{children}</ul>
    </section>
  );
}

function PromptText({ prompt, negative }: { prompt: string; negative: string }) {
  return (
    <>
      <span className="line-clamp-2 text-sm text-zinc-800 dark:text-zinc-100">{prompt}</span>
      {negative ? (
        <span className="mt-0.5 line-clamp-1 text-xs text-zinc-500 dark:text-zinc-400">
          <span className="font-medium">Negative:</span> {negative}
        </span>
      ) : null}
    </>
  );
}
