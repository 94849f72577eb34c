/**
 * Finding images in a loaded tree: by the words of their prompt (every word, case and accents
 * ignored, a word's start enough), by `#id`, or by seed. The negative prompt is not searched: its
 * words say what an image is not ("blurry"), so matching them would find the opposite.
 *
 * The prompts are normalized once per loaded tree (`buildFindIndex`); each query is then a scan
 * of plain strings, a few milliseconds for 10,000 images.
 */
import type { NodeSummary } from '@imageflow/shared';
import type { TreeIndex } from './tree';

/** Lower case, accents removed: "Café ÉTÉ" → "cafe ete". */
export function normalizeText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** Anything but letters and digits separates words. */
const SEPARATORS = /[^\p{L}\p{N}]+/u;

function words(text: string): string[] {
  return normalizeText(text)
    .split(SEPARATORS)
    .filter((w) => w.length > 0);
}

export interface FindIndex {
  /** Every loaded node, in the tree's depth-first order (as the graph draws it): the order matches are stepped through. */
  ids: number[];
  /** Each node's prompt words, normalized, each preceded by a space: a word starts wherever " " + term is found. */
  texts: string[];
  seeds: Array<number | null>;
  /** Where each id is in `ids`. */
  order: Map<number, number>;
}

/** The searchable form of a tree, built once per load. */
export function buildFindIndex(index: TreeIndex<NodeSummary>): FindIndex {
  const ids: number[] = [];
  const texts: string[] = [];
  const seeds: Array<number | null> = [];
  const order = new Map<number, number>();
  const stack = [...index.roots].reverse();
  while (stack.length) {
    const id = stack.pop()!;
    if (order.has(id)) continue;
    const node = index.byId.get(id);
    if (!node) continue;
    order.set(id, ids.length);
    ids.push(id);
    const w = words(node.prompt);
    texts.push(w.length ? ` ${w.join(' ')}` : '');
    seeds.push(node.seed);
    const kids = index.children.get(id);
    if (kids) for (let k = kids.length - 1; k >= 0; k--) stack.push(kids[k]!);
  }
  return { ids, texts, seeds, order };
}

export type FindTerm = { kind: 'id'; id: number } | { kind: 'word'; text: string; seed: number | null };

/**
 * The terms of a query: `#123` is an image id; any other run of letters and digits is the start
 * of a prompt word, and a number is also a seed.
 */
export function parseQuery(query: string): FindTerm[] {
  const terms: FindTerm[] = [];
  for (const token of query.trim().split(/\s+/)) {
    const id = /^#(\d{1,15})$/.exec(token);
    if (id) {
      terms.push({ kind: 'id', id: Number(id[1]) });
      continue;
    }
    for (const text of words(token)) terms.push({ kind: 'word', text, seed: /^\d{1,15}$/.test(text) ? Number(text) : null });
  }
  return terms;
}

/** The ids of the nodes that match every term, in the tree's order; none for no terms. */
export function findMatches(find: FindIndex, terms: readonly FindTerm[]): number[] {
  if (!terms.length) return [];
  const { ids, texts, seeds } = find;
  const needles = terms.map((t) => (t.kind === 'word' ? ` ${t.text}` : ''));
  const matches: number[] = [];
  outer: for (let i = 0; i < ids.length; i++) {
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t]!;
      if (term.kind === 'id') {
        if (ids[i] !== term.id) continue outer;
      } else if (!texts[i]!.includes(needles[t]!) && (term.seed === null || seeds[i] !== term.seed)) {
        continue outer;
      }
    }
    matches.push(ids[i]!);
  }
  return matches;
}

/** Where `id` is among `matches` (in the tree's order), or -1. */
export function matchIndexOf(find: FindIndex, matches: readonly number[], id: number): number {
  const at = firstAtOrAfter(find, matches, id);
  return at < matches.length && matches[at] === id ? at : -1;
}

/** The first match at or after `id` in the tree's order (`matches.length` when there is none). */
function firstAtOrAfter(find: FindIndex, matches: readonly number[], id: number): number {
  const position = find.order.get(id) ?? -1;
  let lo = 0;
  let hi = matches.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((find.order.get(matches[mid]!) ?? -1) < position) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The match to show after the one at `from` (`direction` 1) or before it (-1), wrapping round.
 * From the selected image when it is not a match (`from` -1): the next match after it in the
 * tree's order, or the one before it; from the selected image itself when it matches and
 * `direction` is 0 (a new query leaves a matching selection where it is).
 */
export function stepMatch(find: FindIndex, matches: readonly number[], selected: number, direction: -1 | 0 | 1): number | null {
  const n = matches.length;
  if (!n) return null;
  const current = matchIndexOf(find, matches, selected);
  if (current >= 0) return matches[(current + direction + n) % n]!;
  const after = firstAtOrAfter(find, matches, selected);
  return direction < 0 ? matches[(after - 1 + n) % n]! : matches[after % n]!;
}
