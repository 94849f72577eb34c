/**
 * AUTOMATIC1111-style "infotext" (the `parameters` PNG text, the EXIF UserComment of a JPEG/WebP,
 * the stealth-pnginfo payload), as written by A1111, Forge (classic / neo), SD.Next, Fooocus's
 * "a1111" scheme and ComfyUI metadata nodes:
 *
 *   <prompt, may span lines>
 *   Negative prompt: <negative, may span lines>      (absent when empty)
 *   Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x768, ...
 *
 * This is the one reader of infotext (../a1111-parameters.ts only writes it). It follows A1111's
 * own `parse_generation_parameters` (modules/infotext_utils.py) where that is right for a file
 * read back: a repeated key keeps its last value, a line that does not start with "Steps:" is
 * the params line only when it holds at least 3 `Key: value` pairs. It departs from it on purpose
 * in keeping each prompt line as written (A1111 strips every line), in taking the last "Steps:"
 * line however few pairs it holds and even when `Key: value` lines follow it, and in keeping a
 * JSON object/list value whole.
 *
 * It is linear on hostile input: the quoted-string and bracket scans that value parsing needs
 * share one budget proportional to the text, so a crafted params line of unbalanced `{` cannot
 * make it quadratic, and a key is matched without backtracking over its spaces.
 */
import { MAX_TEXT_CHUNK_BYTES } from '../imported-recipe.ts';
import { samplerIdFromA1111, samplerIdFromAnyName } from './samplers.ts';
import {
  RANGES,
  emptyHires,
  emptyRecipe,
  looksLikeJson,
  nameText,
  promptText,
  pushLora,
  putExtra,
  setSeed,
  toInt,
  toNumberIn,
} from './types.ts';
import type { ReadRecipe, RecipeTool } from './types.ts';

const NEGATIVE_MARKER = 'Negative prompt:';
/** The longest infotext read: the bound a compressed PNG text gets (a real one is a few KB). */
export const MAX_INFOTEXT_LENGTH = MAX_TEXT_CHUNK_BYTES;

export interface Infotext {
  /** Untrimmed prompt text (everything before "Negative prompt:" or the params line). */
  prompt: string;
  /** Untrimmed negative prompt text, or null when there is no "Negative prompt:" line. */
  negativePrompt: string | null;
  /** The params line's `Key: value` pairs in order (values unquoted); empty when there is none. */
  params: Array<[string, string]>;
  /** `Key: value` lines after the params line (Dynamic Prompts' "Template:"...). */
  trailing: Array<[string, string]>;
}

// ---------------------------------------------------------------------------
// Params line
// ---------------------------------------------------------------------------

/**
 * A key (A1111 keys look like `\w[\w \-/]+`; extensions add `.`, `+`, `(`, `)`) and what ends it:
 * `:` before a value, `,` or the end after a flag. The key's characters are taken as one atomic
 * run (the lookahead captures the longest run, the backreference consumes it whole), so a long
 * run of spaces not followed by `:` or `,` fails in one pass instead of being retried at every
 * length. The key comes with its trailing spaces; the caller trims it.
 */
const KEY = /(?=(\w[\w \-/.+()]*))\1\s*(:|,|$)/uy;

/** Scans of quoted strings and brackets, bounded by a shared budget of characters. */
class Scanner {
  constructor(private budget: number) {}

  /** Index just past the closing quote of the JSON string at `start`, or -1 (also when out of budget). */
  stringEnd(s: string, start: number): number {
    for (let i = start + 1; i < s.length; i++) {
      if (--this.budget < 0) return -1;
      const c = s[i];
      if (c === '\\') i++;
      else if (c === '"') return i + 1;
    }
    return -1;
  }

  /** Index just past the bracket matching the `{`/`[` at `start` (strings respected), or -1. */
  bracketEnd(s: string, start: number): number {
    let depth = 0;
    for (let i = start; i < s.length; i++) {
      if (--this.budget < 0) return -1;
      const c = s[i];
      if (c === '"') {
        const e = this.stringEnd(s, i);
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
}

function followedByCommaOrEnd(s: string, pos: number): boolean {
  let i = pos;
  while (i < s.length && /\s/.test(s[i]!)) i++;
  return i >= s.length || s[i] === ',';
}

/** A1111 `unquote()`: JSON-decode a `"..."` value, falling back to the raw text. */
function unquote(raw: string): string {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'string' ? v : raw;
  } catch {
    return raw;
  }
}

/**
 * Splits a params line into `[key, value]` pairs. A value is a JSON-quoted string (unquoted
 * here), a JSON object/list (`Hashes: {"model": "x"}`, kept as written), or bare text up to the
 * next comma. A bare item without `:` is a flag and maps to itself. Null if an item is malformed.
 */
export function splitParamsLine(line: string): Array<[string, string]> | null {
  return splitWith(line, new Scanner(4 * line.length + 1024));
}

function splitWith(line: string, scanner: Scanner): Array<[string, string]> | null {
  const pairs: Array<[string, string]> = [];
  const n = line.length;
  let pos = 0;
  const skipWs = (): void => {
    while (pos < n && /\s/.test(line[pos]!)) pos++;
  };
  skipWs();
  if (pos >= n) return null;
  while (pos < n) {
    KEY.lastIndex = pos;
    const m = KEY.exec(line);
    if (!m) return null;
    const key = m[1]!.trim();
    pos = KEY.lastIndex;
    if (m[2] !== ':') {
      pairs.push([key, key]);
      skipWs();
      continue;
    }
    skipWs();
    const ch = line[pos];
    const quoteEnd = ch === '"' ? scanner.stringEnd(line, pos) : -1;
    const bracketEnd = ch === '{' || ch === '[' ? scanner.bracketEnd(line, pos) : -1;
    let value: string;
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
    }
  }
  return pairs;
}

/** The params line: the last line starting with "Steps:" that splits cleanly, else A1111's own rule. */
function findParamsLine(lines: readonly string[], scanner: Scanner): { index: number; pairs: Array<[string, string]> } | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i]!.trim();
    if (!t.startsWith('Steps:')) continue;
    const pairs = splitWith(t, scanner);
    if (pairs) return { index: i, pairs };
  }
  // Forks that do not lead with Steps: the last non-blank line, when it holds >= 3 `Key: value`
  // pairs and nothing else (A1111's parse_generation_parameters rule).
  for (let i = lines.length - 1; i >= 0; i--) {
    const t = lines[i]!.trim();
    if (t === '') continue;
    if (t.startsWith(NEGATIVE_MARKER)) return null;
    const pairs = splitWith(t, scanner);
    if (pairs && pairs.length >= 3 && pairs.every(([k, v]) => k !== v)) return { index: i, pairs };
    return null;
  }
  return null;
}

/** Splits an infotext into prompt, negative prompt and params. Never throws. */
export function parseInfotext(text: string): Infotext {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const scanner = new Scanner(4 * text.length + 1024);
  const found = findParamsLine(lines, scanner);
  const body = found ? lines.slice(0, found.index) : lines;
  const negIndex = body.findIndex((l) => l.trimStart().startsWith(NEGATIVE_MARKER));
  let prompt: string;
  let negativePrompt: string | null = null;
  if (negIndex >= 0) {
    prompt = body.slice(0, negIndex).join('\n');
    const first = body[negIndex]!.trimStart().slice(NEGATIVE_MARKER.length);
    negativePrompt = [first, ...body.slice(negIndex + 1)].join('\n');
  } else {
    prompt = body.join('\n');
  }
  const trailing: Array<[string, string]> = [];
  if (found) {
    for (const line of lines.slice(found.index + 1)) {
      const m = /^\s*(\w[\w \-/.+()]*?):\s?(.*)$/u.exec(line);
      if (m) trailing.push([m[1]!, m[2]!.trim()]);
    }
  }
  return { prompt, negativePrompt, params: found?.pairs ?? [], trailing };
}

// ---------------------------------------------------------------------------
// Recipe
// ---------------------------------------------------------------------------

/** The tool, from what the infotext says about itself. */
export function infotextTool(params: ReadonlyMap<string, string>): RecipeTool {
  const app = params.get('App');
  if (app !== undefined && /^sd\.?next$/i.test(app.trim())) return 'sdnext';
  const version = params.get('Version')?.trim();
  if (version !== undefined) {
    // Forge: "f2.0.1v1.10.1-previous-...", "f0.0.17v1.8.0rc-latest-..."; Forge Classic / Neo write
    // "classic" / "neo"; Fooocus's A1111 scheme writes "Fooocus v2.5.5".
    if (/^f\d/.test(version) || /^(classic|neo)$/i.test(version)) return 'forge';
    if (/^fooocus\b/i.test(version)) return 'fooocus';
  }
  return 'automatic1111';
}

const SIZE = /^(\d{1,6})\s*x\s*(\d{1,6})$/;
const LORA_TAG = /<(lora|lyco):([^:<>]{1,512})(?::([^<>]{0,64}))?>/g;

/** `<lora:name:weight>` / `<lyco:name:weight>` tags of an A1111 prompt. */
export function promptLoras(prompt: string): Array<{ name: string; weight: number | null }> {
  const out: Array<{ name: string; weight: number | null }> = [];
  for (const m of prompt.matchAll(LORA_TAG)) {
    // The weight is the first field after the name ("<lora:x:0.8>", "<lora:x:0.8:0.5>" = unet:te).
    const weight = m[3] === undefined ? null : toNumberIn(m[3].split(':')[0], -100, 100);
    pushLora(out, m[2], weight);
  }
  return out;
}

/**
 * Reads an infotext into a recipe. Null when the text is JSON (never a prompt), longer than
 * MAX_INFOTEXT_LENGTH, or states nothing: a text without a params line is only a prompt, and then
 * the tool is "unknown".
 */
export function readA1111(text: string, foundIn = 'parameters'): ReadRecipe | null {
  if (text.length > MAX_INFOTEXT_LENGTH || looksLikeJson(text)) return null;
  const info = parseInfotext(text);
  const params = new Map<string, string>();
  // A repeated key keeps its last value, as in A1111 (its parsed fields are a dict).
  for (const [k, v] of info.params) params.set(k, v);

  const hasParams = info.params.length > 0;
  const recipe = emptyRecipe(hasParams ? infotextTool(params) : 'unknown', foundIn);
  recipe.prompt = promptText(info.prompt);
  recipe.negative_prompt = info.negativePrompt === null ? null : promptText(info.negativePrompt);
  if (!hasParams && (recipe.prompt === null || recipe.prompt === '')) return null;
  recipe.loras = promptLoras(recipe.prompt ?? '');

  const { extra } = recipe;
  /** Puts the raw value in extra when a mapped field's value does not parse. */
  const mapped = <T>(key: string, value: string, parsed: T | null, set: (v: T) => void): void => {
    if (parsed === null) putExtra(extra, key, value);
    else set(parsed);
  };
  let hiresStated = false;
  const hires = emptyHires();

  for (const [key, value] of params) {
    switch (key) {
      case 'Steps':
        mapped(key, value, toInt(value, ...RANGES.steps), (v) => (recipe.steps = v));
        break;
      case 'Sampler':
        recipe.sampler = nameText(value);
        break;
      case 'Schedule type':
        recipe.scheduler = nameText(value);
        break;
      case 'CFG scale':
        mapped(key, value, toNumberIn(value, ...RANGES.cfg), (v) => (recipe.cfg = v));
        break;
      case 'Distilled CFG Scale':
        mapped(key, value, toNumberIn(value, ...RANGES.cfg), (v) => (recipe.flux_guidance = v));
        break;
      case 'Seed':
        setSeed(recipe, value);
        break;
      case 'Size': {
        const m = SIZE.exec(value.trim());
        const w = m ? toInt(m[1], ...RANGES.side) : null;
        const h = m ? toInt(m[2], ...RANGES.side) : null;
        if (w !== null && h !== null) {
          recipe.width = w;
          recipe.height = h;
        } else putExtra(extra, key, value);
        break;
      }
      case 'Model':
        recipe.model = nameText(value);
        break;
      case 'Model hash':
        recipe.model_hash = nameText(value);
        break;
      case 'Denoising strength':
        mapped(key, value, toNumberIn(value, ...RANGES.strength), (v) => (recipe.denoising_strength = v));
        break;
      case 'Clip skip':
        mapped(key, value, toInt(value, ...RANGES.clipSkip), (v) => (recipe.clip_skip = v));
        break;
      case 'Version':
        recipe.tool_version = nameText(value);
        break;
      case 'Hires upscale':
        hiresStated = true;
        mapped(key, value, toNumberIn(value, ...RANGES.upscale), (v) => (hires.upscale = v));
        break;
      case 'Hires upscaler':
        hiresStated = true;
        hires.upscaler = nameText(value);
        break;
      case 'Hires steps':
        hiresStated = true;
        mapped(key, value, toInt(value, ...RANGES.steps), (v) => (hires.steps = v));
        break;
      case 'Hires resize': {
        hiresStated = true;
        const m = SIZE.exec(value.trim());
        const w = m ? toInt(m[1], ...RANGES.side) : null;
        const h = m ? toInt(m[2], ...RANGES.side) : null;
        if (w !== null && h !== null) {
          hires.width = w;
          hires.height = h;
        } else putExtra(extra, key, value);
        break;
      }
      case 'Hires sampler':
        hiresStated = true;
        hires.sampler = nameText(value);
        break;
      case 'Hires schedule type':
        hiresStated = true;
        hires.scheduler = nameText(value);
        break;
      case 'Hires CFG Scale':
        hiresStated = true;
        mapped(key, value, toNumberIn(value, ...RANGES.cfg), (v) => (hires.cfg = v));
        break;
      default:
        putExtra(extra, key, value);
    }
  }
  for (const [key, value] of info.trailing) if (!Object.hasOwn(extra, key)) putExtra(extra, key, value);

  if (hiresStated) {
    // A1111 writes one "Denoising strength": with hires fix on a txt2img it is the hires pass's.
    hires.denoising_strength = recipe.denoising_strength;
    recipe.hires = hires;
  }
  if (recipe.sampler !== null) {
    recipe.sampler_id = samplerIdFromA1111(recipe.sampler, recipe.scheduler) ?? samplerIdFromAnyName(recipe.sampler, recipe.scheduler);
  }
  return recipe;
}
