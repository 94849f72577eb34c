/**
 * AUTOMATIC1111 "parameters" (infotext) formatter: the text we embed in our PNGs and send to an
 * A1111-compatible backend.
 *
 * Layout:
 *   <prompt, may span lines>
 *   Negative prompt: <negative, may span lines>      (written even when empty)
 *   Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 123, Size: 1024x1024, ...
 *
 * The last line is comma-separated `Key: value` pairs; a value containing
 * `,` `:` `"` or a newline is written as a JSON string (A1111's `quote()`).
 *
 * Reading such a text (ours or any other tool's) is ./recipes/a1111.ts (`readA1111`).
 */
import { SAMPLER_LABELS } from '@imageflow/shared';

/** Our sampler ids -> A1111 display names. Unknown ids pass through unchanged. */
export const A1111_SAMPLER_NAMES: Readonly<Record<string, string>> = Object.freeze({ ...SAMPLER_LABELS });

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

const NEGATIVE_MARKER = 'Negative prompt:';

/** Keys we emit ourselves: an extra key may not repeat one. */
const KNOWN_KEYS = ['Steps', 'Sampler', 'CFG scale', 'Seed', 'Size', 'Model', 'Denoising strength'] as const;
const KNOWN_KEY_SET: ReadonlySet<string> = new Set(KNOWN_KEYS);

/** A1111 keys look like `\w[\w \-/]+`; we also allow `.`, `+`, `(`, `)` seen in extensions (the reader does too). */
const KEY_RE = /^\w[\w \-/.+()]*$/u;

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
