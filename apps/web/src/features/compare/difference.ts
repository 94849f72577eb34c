/** The pixel arithmetic of the difference view, apart from the canvas that draws it. */

export interface DifferenceStats {
  /** Mean of |A − B| over every channel of every pixel, 0..1. */
  mean: number;
  /** Share of pixels where some channel differs by at least NOTICEABLE levels, 0..1. */
  changed: number;
  /** The largest difference of any channel, 0..1. */
  max: number;
}

/** A difference of 16 levels of 255 (about 6%) is one a person notices side by side. */
export const NOTICEABLE = 16;

/** Statistics of a difference image (RGBA, as a canvas gives it; alpha is ignored). */
export function differenceStats(rgba: ArrayLike<number>): DifferenceStats {
  const pixels = Math.floor(rgba.length / 4);
  if (pixels === 0) return { mean: 0, changed: 0, max: 0 };
  let sum = 0;
  let changed = 0;
  let max = 0;
  for (let i = 0; i < pixels * 4; i += 4) {
    const r = rgba[i]!;
    const g = rgba[i + 1]!;
    const b = rgba[i + 2]!;
    sum += r + g + b;
    const m = r > g ? (r > b ? r : b) : g > b ? g : b;
    if (m >= NOTICEABLE) changed++;
    if (m > max) max = m;
  }
  return { mean: sum / (pixels * 3 * 255), changed: changed / pixels, max: max / 255 };
}

const percent = (share: number) => {
  const p = share * 100;
  if (p > 0 && p < 0.1) return 'under 0.1%';
  return `${p < 10 ? p.toFixed(1).replace(/\.0$/, '') : Math.round(p)}%`;
};

/** The statistics in a sentence: "Identical pixels." or "38% of pixels differ noticeably; on average by 4.2%." */
export function describeDifference(stats: DifferenceStats): string {
  if (stats.max === 0) return 'Identical pixels: nothing differs.';
  if (stats.changed === 0) return `No pixel differs noticeably; the largest difference is ${percent(stats.max)}.`;
  return `${percent(stats.changed)} of pixels differ noticeably; on average by ${percent(stats.mean)}.`;
}

/** The canvas size for comparing at `width`×`height`: that size, its longer side at most `limit`. */
export function canvasSize(width: number, height: number, limit = 2048): { width: number; height: number } {
  const scale = Math.min(1, limit / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Where an image of `w`×`h` lands fitted whole (centred, aspect kept) in a `W`×`H` box. */
export function fitContain(w: number, h: number, W: number, H: number): { x: number; y: number; width: number; height: number } {
  const scale = Math.min(W / w, H / h);
  const width = w * scale;
  const height = h * scale;
  return { x: (W - width) / 2, y: (H - height) / 2, width, height };
}
