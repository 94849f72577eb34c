/**
 * AUTOMATIC1111 "parameters" (infotext) formatter and parser.
 *
 * Layout:
 *   <prompt, may span lines>
 *   Negative prompt: <negative, may span lines>      (written even when empty)
 *   Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 123, Size: 1024x1024, ...
 *
 * The last line is comma-separated `Key: value` pairs; a value containing
 * `,` `:` `"` or a newline is written as a JSON string (A1111's `quote()`).
 */
import { SAMPLER_LABELS } from '@imageflow/shared';

/** Our sampler ids -> A1111 display names. Unknown ids pass through unchanged. */
export const A1111_SAMPLER_NAMES: Readonly<Record<string, string>> = Object.freeze({ ...SAMPLER_LABELS });

/** Reverse of A1111_SAMPLER_NAMES: A1111 display name -> our id, or null if unknown. */
export function samplerIdFromA1111(name: string): string | null {
  for (const [id, display] of Object.entries(A1111_SAMPLER_NAMES)) if (display === name) return id;
  return null;
}

export interface A1111FormatInput {
  prompt: string;
  negativePrompt?: string;
  steps: number;
  sampler: string;
  cfgScale: number;
  seed: number;
  width: number;
  height: number;
  model?: string;
  denoisingStrength?: number;
  extra?: Record<string, string | number>;
}

export interface A1111Parsed {
  prompt: string;
  negativePrompt: string | null;
  steps: number | null;
  sampler: string | null;
  cfgScale: number | null;
  seed: number | null;
  width: number | null;
  height: number | null;
  model: string | null;
  denoisingStrength: number | null;
  /** Every params-line field not mapped above (values unquoted), e.g. "Model hash", "Schedule type". */
  extra: Record<string, string>;
}

const NEGATIVE_MARKER = 'Negative prompt:';

/** Keys we emit / map ourselves. */
const KNOWN_KEYS = ['Steps', 'Sampler', 'CFG scale', 'Seed', 'Size', 'Model', 'Denoising strength'] as const;
const KNOWN_KEY_SET: ReadonlySet<string> = new Set(KNOWN_KEYS);

/** A1111 keys look like `\w[\w \-/]+`; we also accept `.`, `+`, `(`, `)` seen in extensions. */
const KEY_RE = /^\w[\w \-/.+()]*$/u;

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

/** A1111 `quote()`: JSON-encode values containing `,` `:` `"` or a newline. */
export function quoteA1111Value(value: string): string {
  return /[,:"\n\r]/.test(value) ? JSON.stringify(value) : value;
}

function formatNumber(key: string, n: number): string {
  if (!Number.isFinite(n)) throw new Error(`A1111 parameter ${JSON.stringify(key)} must be a finite number`);
  return String(n);
}

export function formatA1111Parameters(r: A1111FormatInput): string {
  const pairs: Array<[string, string]> = [
    ['Steps', formatNumber('Steps', r.steps)],
    ['Sampler', A1111_SAMPLER_NAMES[r.sampler] ?? r.sampler],
    ['CFG scale', formatNumber('CFG scale', r.cfgScale)],
    ['Seed', formatNumber('Seed', r.seed)],
    ['Size', `${formatNumber('width', r.width)}x${formatNumber('height', r.height)}`],
  ];
  if (r.model !== undefined && r.model !== '') pairs.push(['Model', r.model]);
  if (r.denoisingStrength !== undefined) {
    pairs.push(['Denoising strength', formatNumber('Denoising strength', r.denoisingStrength)]);
  }
  for (const [key, value] of Object.entries(r.extra ?? {})) {
    if (KNOWN_KEY_SET.has(key)) throw new Error(`A1111 extra key ${JSON.stringify(key)} collides with a built-in field`);
    if (key === 'Negative prompt' || !KEY_RE.test(key) || key !== key.trim()) {
      throw new Error(`invalid A1111 parameter key ${JSON.stringify(key)}`);
    }
    pairs.push([key, typeof value === 'number' ? formatNumber(key, value) : value]);
  }
  const paramsLine = pairs.map(([k, v]) => `${k}: ${quoteA1111Value(v)}`).join(', ');
  // Written even when empty: some readers (ComfyUI's importer) find the parameters by this line.
  const negative = `\n${NEGATIVE_MARKER} ${r.negativePrompt ?? ''}`;
  // Same as A1111's create_infotext: f"{prompt}{negative}\n{params}".strip()
  return `${r.prompt}${negative}\n${paramsLine}`.trim();
}

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

/**
 * Splits a params line into `[key, value]` pairs. Values may be JSON-quoted
 * strings (unquoted here), bare text up to the next comma, or a bare JSON
 * object/array (`Hashes: {"a": "x", "b": "y"}`), whose inner commas are kept.
 * A bare item without `: ` (A1111 writes flags as just the key) maps to itself.
 * Returns null if any item is not well formed.
 */
export function splitA1111ParamsLine(line: string): Array<[string, string]> | null {
  const pairs: Array<[string, string]> = [];
  let pos = 0;
  const n = line.length;
  const skipWs = (): void => {
    while (pos < n && /\s/.test(line[pos]!)) pos++;
  };
  skipWs();
  if (pos >= n) return null;
  while (pos < n) {
    const keyMatch = /(\w[\w \-/.+()]*?)\s*(:|,|$)/uy;
    keyMatch.lastIndex = pos;
    const m = keyMatch.exec(line);
    if (!m) return null;
    const key = m[1]!.trim();
    if (m[2] !== ':') {
      // bare flag item ("k if k == v" in A1111)
      pairs.push([key, key]);
      pos = keyMatch.lastIndex;
      skipWs();
      continue;
    }
    pos = keyMatch.lastIndex;
    skipWs();
    let value: string;
    const ch = line[pos];
    const bracketEnd = ch === '{' || ch === '[' ? balancedEnd(line, pos) : -1;
    const quoteEnd = ch === '"' ? scanJsonString(line, pos) : -1;
    if (quoteEnd >= 0 && followedByCommaOrEnd(line, quoteEnd)) {
      value = unquote(line.slice(pos, quoteEnd));
      pos = quoteEnd;
    } else if (bracketEnd >= 0 && followedByCommaOrEnd(line, bracketEnd)) {
      value = line.slice(pos, bracketEnd);
      pos = bracketEnd;
    } else {
      const comma = line.indexOf(',', pos);
      const end = comma < 0 ? n : comma;
      value = line.slice(pos, end).trim();
      pos = end;
    }
    pairs.push([key, value]);
    skipWs();
    if (pos < n) {
      if (line[pos] !== ',') return null;
      pos++;
      skipWs();
      if (pos >= n) break; // tolerate a trailing comma
    }
  }
  return pairs;
}

/** Index just past the closing quote of the JSON string starting at `start`, or -1. */
function scanJsonString(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') i++;
    else if (c === '"') return i + 1;
  }
  return -1;
}

/** Index just past the bracket matching the `{`/`[` at `start` (JSON strings respected), or -1. */
function balancedEnd(s: string, start: number): number {
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      const e = scanJsonString(s, i);
      if (e < 0) return -1;
      i = e - 1;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function followedByCommaOrEnd(s: string, pos: number): boolean {
  return /^\s*(,|$)/.test(s.slice(pos));
}

/** A1111 `unquote()`: JSON-decode a `"..."` value, fall back to the raw text. */
function unquote(raw: string): string {
  if (raw.length < 2 || !raw.startsWith('"') || !raw.endsWith('"')) return raw;
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'string' ? v : raw;
  } catch {
    return raw;
  }
}

function emptyResult(prompt: string): A1111Parsed {
  return {
    prompt,
    negativePrompt: null,
    steps: null,
    sampler: null,
    cfgScale: null,
    seed: null,
    width: null,
    height: null,
    model: null,
    denoisingStrength: null,
    extra: {},
  };
}

/** Finds the index of the params line, or -1. */
function findParamsLine(lines: readonly string[]): { index: number; pairs: Array<[string, string]> } | null {
  // Primary: the last line that starts with "Steps:" and splits cleanly into pairs.
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i]!.trim();
    if (!/^Steps:/.test(t)) continue;
    const pairs = splitA1111ParamsLine(t);
    if (pairs) return { index: i, pairs };
  }
  // Fallback (forks that don't lead with Steps): A1111's own rule — the last
  // non-blank line, if it holds at least 3 `Key: value` pairs.
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i]!.trim();
    if (t === '') continue;
    if (t.startsWith(NEGATIVE_MARKER)) return null;
    const pairs = splitA1111ParamsLine(t);
    if (pairs && pairs.filter(([k, v]) => k !== v).length >= 3 && pairs.every(([k, v]) => k !== v)) {
      return { index: i, pairs };
    }
    return null;
  }
  return null;
}

function parseIntStrict(s: string): number | null {
  if (!/^[+-]?\d+$/.test(s.trim())) return null;
  const n = Number(s.trim());
  return Number.isSafeInteger(n) ? n : null;
}

function parseFloatStrict(s: string): number | null {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/**
 * Parses an A1111-style `parameters` text. Robust to real files:
 * - the params line is the last line that starts with `Steps:` and parses as
 *   `Key: value` pairs (falling back to A1111's "last line with >= 3 pairs");
 * - prompt is everything before the first `Negative prompt:` line (or before
 *   the params line), with only leading/trailing whitespace trimmed;
 * - negative is from `Negative prompt:` up to the params line (null if absent);
 * - lines after the params line (e.g. Dynamic Prompts' `Template:` lines) are
 *   added to `extra` when they look like `Key: value`;
 * - a mapped field whose value does not parse (e.g. a seed beyond 2^53) is
 *   returned as null and its raw text kept in `extra` under the original key.
 */
export function parseA1111Parameters(text: string): A1111Parsed {
  const lines = text.split('\n');
  const found = findParamsLine(lines);
  const bodyLines = found ? lines.slice(0, found.index) : lines;

  let negIndex = -1;
  for (let i = 0; i < bodyLines.length; i++) {
    if (bodyLines[i]!.trimStart().startsWith(NEGATIVE_MARKER)) {
      negIndex = i;
      break;
    }
  }

  let prompt: string;
  let negativePrompt: string | null = null;
  if (negIndex >= 0) {
    prompt = bodyLines.slice(0, negIndex).join('\n').trim();
    const first = bodyLines[negIndex]!.trimStart().slice(NEGATIVE_MARKER.length);
    negativePrompt = [first, ...bodyLines.slice(negIndex + 1)].join('\n').trim();
  } else {
    prompt = bodyLines.join('\n').trim();
  }

  const result = emptyResult(prompt);
  result.negativePrompt = negativePrompt;
  if (!found) return result;

  const extra: Record<string, string> = {};
  const keep = (k: string, v: string): void => {
    extra[k] = v;
  };
  for (const [key, value] of found.pairs) {
    switch (key) {
      case 'Steps': {
        result.steps = parseIntStrict(value);
        if (result.steps === null) keep(key, value);
        break;
      }
      case 'Sampler':
        result.sampler = value;
        break;
      case 'CFG scale': {
        result.cfgScale = parseFloatStrict(value);
        if (result.cfgScale === null) keep(key, value);
        break;
      }
      case 'Seed': {
        result.seed = parseIntStrict(value);
        if (result.seed === null) keep(key, value);
        break;
      }
      case 'Size': {
        const m = /^(\d+)\s*x\s*(\d+)$/.exec(value.trim());
        if (m) {
          result.width = Number(m[1]);
          result.height = Number(m[2]);
        } else {
          keep(key, value);
        }
        break;
      }
      case 'Model':
        result.model = value;
        break;
      case 'Denoising strength': {
        result.denoisingStrength = parseFloatStrict(value);
        if (result.denoisingStrength === null) keep(key, value);
        break;
      }
      default:
        keep(key, value);
    }
  }

  for (const line of lines.slice(found.index + 1)) {
    const m = /^\s*(\w[\w \-/.+()]*?):\s?(.*)$/u.exec(line.replace(/\r$/, ''));
    if (m) keep(m[1]!, m[2]!.trim());
  }

  result.extra = extra;
  return result;
}
