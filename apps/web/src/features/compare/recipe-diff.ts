import type { ImageNode } from '@imageflow/shared';
import { importedRecipeOf } from '@/features/image/imported';

export type DiffType = 'same' | 'added' | 'removed';

export interface DiffSegment {
  type: DiffType;
  /** The words of this run, joined by single spaces. */
  text: string;
}

/**
 * A word-level diff from `a` to `b` (longest common subsequence of words). Punctuation
 * marks are words of their own, so "blurry" and "blurry," share "blurry". Consecutive
 * words of the same kind are merged into one segment, spaced as in the source (a comma
 * keeps to its word); where a run was replaced, the removed words come before the added.
 */
export function diffWords(a: string, b: string): DiffSegment[] {
  const x = tokenize(a);
  const y = tokenize(b);
  const xs = x.map((t) => t.word);
  const ys = y.map((t) => t.word);

  // Trim the common prefix and suffix: prompts usually differ in a few words.
  let start = 0;
  while (start < xs.length && start < ys.length && xs[start] === ys[start]) start++;
  let endX = xs.length;
  let endY = ys.length;
  while (endX > start && endY > start && xs[endX - 1] === ys[endY - 1]) {
    endX--;
    endY--;
  }

  const out: Array<{ type: DiffType; token: Token }> = [];
  for (let i = 0; i < start; i++) out.push({ type: 'same', token: x[i]! });
  for (const step of lcsDiff(xs.slice(start, endX), ys.slice(start, endY))) {
    out.push({ type: step.type, token: step.type === 'added' ? y[start + step.index]! : x[start + step.index]! });
  }
  for (let i = endX; i < xs.length; i++) out.push({ type: 'same', token: x[i]! });

  const segments: DiffSegment[] = [];
  for (const { type, token } of out) {
    const last = segments.at(-1);
    if (last && last.type === type) last.text += (token.space ? ' ' : '') + token.word;
    else segments.push({ type, text: token.word });
  }
  return segments;
}

/** Whether a segment is written apart from the one before it (punctuation keeps to its word). */
export function spaceBefore(text: string): boolean {
  return !/^[,.;:!?)\]}%]/.test(text);
}

interface Token {
  word: string;
  /** Preceded by whitespace in its text. */
  space: boolean;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}_'’-]+|[^\s\p{L}\p{N}_'’-]/gu)) {
    const at = match.index;
    tokens.push({ word: match[0], space: at > 0 && /\s/.test(text[at - 1]!) });
  }
  return tokens;
}

/** The edit script between two word lists: each step names the index in its own list. */
function lcsDiff(x: readonly string[], y: readonly string[]): Array<{ type: DiffType; index: number }> {
  const n = x.length;
  const m = y.length;
  if (n === 0) return y.map((_, index) => ({ type: 'added' as const, index }));
  if (m === 0) return x.map((_, index) => ({ type: 'removed' as const, index }));
  // lengths[i][j] = LCS length of x[i..] and y[j..], in one flat typed array.
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] =
        x[i] === y[j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const removed: number[] = [];
  const added: number[] = [];
  const out: Array<{ type: DiffType; index: number }> = [];
  const flush = () => {
    for (const index of removed) out.push({ type: 'removed', index });
    for (const index of added) out.push({ type: 'added', index });
    removed.length = 0;
    added.length = 0;
  };
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      flush();
      out.push({ type: 'same', index: i });
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) {
      removed.push(i++);
    } else {
      added.push(j++);
    }
  }
  while (i < n) removed.push(i++);
  while (j < m) added.push(j++);
  flush();
  return out;
}

export const DIFF_PARAM_KEYS = [
  'model',
  'provider',
  'seed',
  'width',
  'height',
  'steps',
  'guidance',
  'sampler',
  'strength',
  'action_type',
] as const;
export type DiffParamKey = (typeof DIFF_PARAM_KEYS)[number];
export type ParamValue = string | number | null;

export interface ParamDiff {
  key: DiffParamKey;
  a: ParamValue;
  b: ParamValue;
  changed: boolean;
}

type RecipeFields = Pick<ImageNode, 'model' | 'provider' | 'seed' | 'width' | 'height' | 'action_type' | 'spec_json'>;

function paramOf(node: RecipeFields, key: DiffParamKey): ParamValue {
  const spec = node.spec_json as Record<string, unknown>;
  const fromSpec = (k: string): ParamValue => {
    const v = spec[k];
    return typeof v === 'string' || typeof v === 'number' ? v : null;
  };
  switch (key) {
    case 'model':
      // A file brought in: the model its recipe states, if it states one.
      return node.model === 'upload' ? (importedRecipeOf(node)?.model ?? node.model) : node.model;
    case 'provider':
    case 'action_type':
      return node[key];
    case 'seed':
      return node.seed ?? fromSpec('seed');
    case 'width':
    case 'height':
      return node[key];
    case 'strength':
      // Only an image to image starts from pixels; elsewhere the stored strength did nothing.
      return node.action_type === 'img2img' ? fromSpec(key) : null;
    default:
      return fromSpec(key);
  }
}

/** The recipe parameters of two images side by side, each marked changed or not. */
export function diffParams(a: RecipeFields, b: RecipeFields): ParamDiff[] {
  return DIFF_PARAM_KEYS.map((key) => {
    const va = paramOf(a, key);
    const vb = paramOf(b, key);
    return { key, a: va, b: vb, changed: va !== vb };
  });
}
