import { MAX_SIDE, MIN_SIDE } from '@imageflow/shared/constants';

export interface Size {
  width: number;
  height: number;
}

export const ASPECT_RATIOS = [
  { id: '1:1', w: 1, h: 1 },
  { id: '4:3', w: 4, h: 3 },
  { id: '3:4', w: 3, h: 4 },
  { id: '16:9', w: 16, h: 9 },
  { id: '9:16', w: 9, h: 16 },
  { id: '3:2', w: 3, h: 2 },
  { id: '2:3', w: 2, h: 3 },
] as const;
export type AspectRatioId = (typeof ASPECT_RATIOS)[number]['id'];

/** Base sizes: the side of a square with the same pixel count. 1024 is native for SDXL and FLUX. */
export const BASE_SIZES = [512, 768, 1024, 1536] as const;

/** Rounds to the nearest multiple of 8 the models accept, within MIN_SIDE…MAX_SIDE. */
export function snapSide(value: number): number {
  return Math.min(MAX_SIDE, Math.max(MIN_SIDE, Math.round(value / 8) * 8));
}

/** The multiples of 8 just below and above a value, for "try 1016 or 1024" hints. */
export function neighbouringMultiplesOf8(value: number): [number, number] {
  const lower = Math.floor(value / 8) * 8;
  return [Math.max(MIN_SIDE, lower), Math.min(MAX_SIDE, lower + 8)];
}

/** A size with the given aspect (width / height) and about base² pixels, each side a multiple of 8. */
export function sizeForAspect(aspect: number, base: number): Size {
  let width = base * Math.sqrt(aspect);
  let height = base / Math.sqrt(aspect);
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  width *= scale;
  height *= scale;
  return { width: snapSide(width), height: snapSide(height) };
}

export function sizeForRatio(ratio: AspectRatioId, base: number): Size {
  const r = ASPECT_RATIOS.find((a) => a.id === ratio)!;
  return sizeForAspect(r.w / r.h, base);
}

/** Which preset (ratio and base) a size is exactly, or null for a custom size. */
export function matchPreset(width: number, height: number): { ratio: AspectRatioId; base: number } | null {
  for (const base of BASE_SIZES) {
    for (const r of ASPECT_RATIOS) {
      const s = sizeForAspect(r.w / r.h, base);
      if (s.width === width && s.height === height) return { ratio: r.id, base };
    }
  }
  return null;
}

/** The preset ratio closest to a size's aspect, within 3%, e.g. for a custom 1000×750. */
export function closestRatio(width: number, height: number): AspectRatioId | null {
  if (!(width > 0 && height > 0)) return null;
  const aspect = width / height;
  let best: { id: AspectRatioId; diff: number } | null = null;
  for (const r of ASPECT_RATIOS) {
    const diff = Math.abs(Math.log(aspect / (r.w / r.h)));
    if (!best || diff < best.diff) best = { id: r.id, diff };
  }
  return best && best.diff < 0.03 ? best.id : null;
}

/** The base size (√(w·h)) of a size, to keep it when switching ratio. */
export function baseOf(width: number, height: number): number {
  return Math.sqrt(width * height);
}

/** The preset base closest to a size's pixel count. */
export function closestBase(width: number, height: number): number {
  const b = baseOf(width, height);
  return BASE_SIZES.reduce((best, x) => (Math.abs(x - b) < Math.abs(best - b) ? x : best), BASE_SIZES[0] as number);
}

/** Scales a size down to fit MAX_SIDE keeping its aspect, each side a multiple of 8 in range (as the server does for a parent's size). */
export function fitSize(width: number, height: number): Size {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const snap = (v: number) => Math.min(MAX_SIDE, Math.max(MIN_SIDE, Math.floor((v * scale) / 8) * 8));
  return { width: snap(width), height: snap(height) };
}
