/**
 * The normalised recipe every reader returns, and the small helpers the readers share to build
 * one from hostile input: every value read from a file is bounded, typed and checked here, and
 * nothing in this folder throws on malformed input.
 */
import secureJson from 'secure-json-parse';
import { MAX_PROMPT_LENGTH } from '@imageflow/shared';
import { MAX_IMPORTED_TEXT_LENGTH, storableImportedText } from '../imported-recipe.ts';

export { RECIPE_TOOLS } from '@imageflow/shared';
export type { ReadRecipe, RecipeHires, RecipeLora, RecipeTool } from '@imageflow/shared';
import type { ReadRecipe, RecipeHires, RecipeLora, RecipeTool } from '@imageflow/shared';

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/** The most characters of one recipe text (JSON graph, infotext) a reader looks at. */
export const MAX_RECIPE_TEXT_LENGTH = 1024 * 1024;
/** The most characters kept of a name (model, sampler, LoRA, file). */
export const MAX_NAME_LENGTH = 512;
/** The most characters kept of one extra value (raw texts kept whole get MAX_IMPORTED_TEXT_LENGTH). */
export const MAX_EXTRA_VALUE_LENGTH = 4096;
export const MAX_EXTRA_KEY_LENGTH = 100;
export const MAX_EXTRA_ENTRIES = 200;
export const MAX_LORAS = 64;

// ---------------------------------------------------------------------------
// Building a recipe
// ---------------------------------------------------------------------------

export function emptyRecipe(tool: RecipeTool, foundIn: string): ReadRecipe {
  return {
    tool,
    tool_version: null,
    found_in: foundIn,
    prompt: null,
    negative_prompt: null,
    seed: null,
    steps: null,
    cfg: null,
    flux_guidance: null,
    sampler: null,
    sampler_id: null,
    scheduler: null,
    model: null,
    model_hash: null,
    width: null,
    height: null,
    denoising_strength: null,
    hires: null,
    loras: [],
    clip_skip: null,
    source_image: null,
    extra: {},
  };
}

export function emptyHires(): RecipeHires {
  return {
    upscale: null,
    upscaler: null,
    steps: null,
    width: null,
    height: null,
    sampler: null,
    scheduler: null,
    cfg: null,
    denoising_strength: null,
  };
}

/** A prompt text: control characters removed, trimmed, cut to MAX_PROMPT_LENGTH. Null unless a string. */
export function promptText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return storableImportedText(value.trim(), MAX_PROMPT_LENGTH).trim();
}

/** A short name: control characters removed, trimmed, cut. Null unless a non-empty string. */
export function nameText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const clean = storableImportedText(value.trim(), MAX_NAME_LENGTH).trim();
  return clean === '' ? null : clean;
}

/** A finite number from a number or a plain decimal string ("7", "1.5", " 0.30 "); else null. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.length > 64) return null;
  const t = value.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** A safe integer in [min, max] from a number or an integer string; else null. */
export function toInt(value: unknown, min: number, max: number): number | null {
  const n = toNumber(value);
  return n !== null && Number.isSafeInteger(n) && n >= min && n <= max ? n : null;
}

/** A finite number in [min, max]; else null. */
export function toNumberIn(value: unknown, min: number, max: number): number | null {
  const n = toNumber(value);
  return n !== null && n >= min && n <= max ? n : null;
}

/** Bounds for the numeric fields: values outside are not believed (kept as text in extra). */
export const RANGES = {
  seed: [-1, Number.MAX_SAFE_INTEGER],
  steps: [0, 10_000],
  cfg: [-1000, 1000],
  side: [1, 65_535],
  strength: [0, 1],
  clipSkip: [0, 64],
  upscale: [0, 64],
} as const satisfies Record<string, readonly [number, number]>;

/**
 * Stores `value` in `extra[key]` as a string: strings as they are, numbers and booleans through
 * String, lists and objects as JSON. Null, undefined and empty strings state nothing and are
 * skipped. Keys and values are bounded; at most MAX_EXTRA_ENTRIES keys.
 */
export function putExtra(
  extra: Record<string, string>,
  key: string,
  value: unknown,
  maxLength: number = MAX_EXTRA_VALUE_LENGTH,
): void {
  if (value === null || value === undefined) return;
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else if (typeof value === 'object') {
    try {
      text = JSON.stringify(value) ?? '';
    } catch {
      return; // too deep to write back: nothing kept
    }
  } else return;
  if (text === '') return;
  const k = storableImportedText(key, MAX_EXTRA_KEY_LENGTH);
  if (k === '') return;
  if (!Object.hasOwn(extra, k) && Object.keys(extra).length >= MAX_EXTRA_ENTRIES) return;
  // An own data property, so even a key like "__proto__" cannot reach the prototype.
  Object.defineProperty(extra, k, {
    value: storableImportedText(text, maxLength),
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Adds a LoRA unless the list is full or the name is empty. */
export function pushLora(loras: RecipeLora[], name: unknown, weight: unknown): void {
  const n = nameText(name);
  if (n === null || loras.length >= MAX_LORAS) return;
  loras.push({ name: n, weight: toNumberIn(weight, -100, 100) });
}

// ---------------------------------------------------------------------------
// Reading JSON
// ---------------------------------------------------------------------------

export type JsonObject = Record<string, unknown>;

/** A plain JSON object (not an array, not null). */
export function isObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The own property `key` of a plain object, or undefined (never an inherited one). */
export function own(obj: unknown, key: string): unknown {
  return isObject(obj) && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/**
 * Parses a JSON text with `__proto__` and `constructor.prototype` keys removed; undefined when it
 * is not JSON or longer than `maxLength`.
 */
export function parseJson(text: string, maxLength: number = MAX_RECIPE_TEXT_LENGTH): unknown {
  if (text.length > maxLength) return undefined;
  try {
    const value: unknown = secureJson.parse(text, null, { protoAction: 'remove', constructorAction: 'remove' });
    return value;
  } catch {
    return undefined;
  }
}

/** A JSON object from `text`, or null. */
export function parseJsonObject(text: string, maxLength?: number): JsonObject | null {
  const value = parseJson(text, maxLength);
  return isObject(value) ? value : null;
}

/**
 * Whether a text is (or starts like) a JSON object or list, and so must never be taken for a
 * prompt: a parsed object/list, or `{"`, `{}`, `[{`, `["`, `[]` at the start (a cut JSON text).
 */
export function looksLikeJson(text: string): boolean {
  return /^\s*(\{\s*["}]|\[\s*[{["\]])/.test(text);
}

/**
 * The exact digits of an integer beyond 2^53 as written in a JSON text (JSON.parse rounds them),
 * looked up by the rounded value; null when the text has no such literal. `jsonText` is a text
 * that parsed as JSON.
 */
export function exactIntegerLiteral(rounded: number, jsonText: string): string | null {
  if (!Number.isFinite(rounded) || Number.isSafeInteger(rounded)) return null;
  // Whole tokens: strings are matched (and skipped) so digits inside them are not taken for
  // numbers, and a number is matched whole so no run of digits is scanned twice.
  const token = /"(?:[^"\\]|\\.)*"|-?\d+(\.\d+)?([eE][+-]?\d+)?/g;
  for (let m = token.exec(jsonText); m; m = token.exec(jsonText)) {
    const t = m[0];
    if (t.startsWith('"') || m[1] !== undefined || m[2] !== undefined || t.length < 16) continue;
    if (Number(t) === rounded) return t;
  }
  return null;
}

/**
 * Sets `recipe.seed` from a stated value: a safe integer goes to `seed`; anything else stated (a
 * seed beyond 2^53, a string of digits) is kept exactly in `extra.seed`.
 */
export function setSeed(recipe: ReadRecipe, value: unknown, jsonText?: string): void {
  if (value === null || value === undefined || value === '') return;
  const n = toInt(value, RANGES.seed[0], RANGES.seed[1]);
  if (n !== null) {
    recipe.seed = n;
    return;
  }
  if (typeof value === 'number' && jsonText !== undefined) {
    const exact = exactIntegerLiteral(value, jsonText);
    if (exact !== null) {
      putExtra(recipe.extra, 'seed', exact);
      return;
    }
  }
  putExtra(recipe.extra, 'seed', value);
}

/** Cuts a raw recipe text kept in extra. */
export function rawText(text: string): string {
  return storableImportedText(text, MAX_IMPORTED_TEXT_LENGTH);
}
