import { localStore } from './local-store';

/** A prompt generated from in this browser, with the negative prompt it went with. */
export interface PromptEntry {
  prompt: string;
  negativePrompt: string;
  /** When it was last used (ms since the epoch). */
  usedAt: number;
}

/** How many prompts are kept: the oldest go first. */
export const MAX_HISTORY = 100;

function parseHistory(raw: unknown): readonly PromptEntry[] {
  if (!Array.isArray(raw)) return [];
  const out: PromptEntry[] = [];
  for (const item of raw) {
    if (typeof item !== 'object' || item === null) continue;
    const { prompt, negativePrompt, usedAt } = item as Record<string, unknown>;
    if (typeof prompt !== 'string' || !prompt.trim()) continue;
    out.push({
      prompt,
      negativePrompt: typeof negativePrompt === 'string' ? negativePrompt : '',
      usedAt: typeof usedAt === 'number' && Number.isFinite(usedAt) ? usedAt : 0,
    });
  }
  return out.slice(0, MAX_HISTORY);
}

export const historyStore = localStore('prompt-history', parseHistory);

export const promptHistory = {
  /** Records a prompt as just used: first in the list, once (a prompt used again moves up). */
  add(scope: string, prompt: string, negativePrompt: string, now = Date.now()): void {
    const text = prompt.trim();
    if (!text) return;
    historyStore.update(scope, (list) => [{ prompt: text, negativePrompt: negativePrompt.trim(), usedAt: now }, ...list.filter((e) => e.prompt !== text)].slice(0, MAX_HISTORY));
  },
  remove(scope: string, prompt: string): void {
    historyStore.update(scope, (list) => list.filter((e) => e.prompt !== prompt));
  },
  clear(scope: string): void {
    historyStore.set(scope, []);
  },
};

/** The words of a search, lower-cased. */
export function searchWords(query: string): string[] {
  return query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
}

/** Whether every word of the search is in the text, as the gallery's search matches prompts (any case, any order). */
export function matchesSearch(text: string, words: readonly string[]): boolean {
  const hay = text.toLocaleLowerCase();
  return words.every((w) => hay.includes(w));
}

export function searchHistory(entries: readonly PromptEntry[], query: string): readonly PromptEntry[] {
  const words = searchWords(query);
  if (words.length === 0) return entries;
  return entries.filter((e) => matchesSearch(`${e.prompt}\n${e.negativePrompt}`, words));
}
