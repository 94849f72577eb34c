/** What every layer of the procedural renderer shares, plus small compositing helpers. */
import type { Framing } from './framing.ts';
import type { ValueNoise } from './noise.ts';
import type { Palette, PromptInfo } from './palette.ts';
import type { Rng } from './rng.ts';

/** A light or body in the sky. */
export interface Disc {
  kind: 'sun' | 'moon' | 'planet';
  x: number;
  y: number;
  r: number;
}

export interface Ctx {
  W: number;
  H: number;
  /** sqrt(W*H): the size unit, so features keep their proportions at any resolution. */
  unit: number;
  /** unit / 1024: scale for features measured in pixels at the reference size. */
  px: number;
  seed: number;
  /** 0..1, grows with steps and saturates. */
  detail: number;
  /** Noise octaves for fine texture, 1..6, from detail. */
  octaves: number;
  /** Edge softness in pixels (wide at low detail). */
  aa: number;
  /** Horizon row; H when the picture has no ground. */
  horizon: number;
  /** The seed's framing: the horizon's tilt, where the subject stands, how near it is. */
  frame: Framing;
  hasGround: boolean;
  noise: ValueNoise;
  P: Palette;
  info: PromptInfo;
  /** The row being composited, colours 0..1 (may exceed 1 before tone mapping). */
  R: Float32Array;
  G: Float32Array;
  B: Float32Array;
  /** The main light (sun, else moon), if any. */
  sun: Disc | null;
  discs: Disc[];
  /** -1: light from the left, +1: from the right. */
  lightX: number;
  /** 0..1: how misty the air is. */
  fog: number;
  /** Dark scene (night, space, neon). */
  night: boolean;
  /** A seeded generator for one part of the layout (depends on seed and salt only). */
  rng(salt: string): Rng;
  /** A 32-bit salt for per-pixel hashing, from the seed. */
  salt(name: string): number;
}

/** Draws its contribution to row y into ctx.R/G/B. */
export type RowFn = (y: number) => void;

/** Alpha-blend a colour into pixel x of the current row. */
export function blend(c: Ctx, x: number, r: number, g: number, b: number, a: number): void {
  const R = c.R;
  const G = c.G;
  const B = c.B;
  R[x] = R[x]! + (r - R[x]!) * a;
  G[x] = G[x]! + (g - G[x]!) * a;
  B[x] = B[x]! + (b - B[x]!) * a;
}

/** Screen-blend light into pixel x (never darkens, saturates gracefully). */
export function light(c: Ctx, x: number, r: number, g: number, b: number, k: number): void {
  const R = c.R;
  const G = c.G;
  const B = c.B;
  const rv = R[x]!;
  const gv = G[x]!;
  const bv = B[x]!;
  R[x] = rv + r * k * (rv < 1 ? 1 - rv : 0);
  G[x] = gv + g * k * (gv < 1 ? 1 - gv : 0);
  B[x] = bv + b * k * (bv < 1 ? 1 - bv : 0);
}

/** Fill the horizontal span [xa, xb] (subpixel) with a colour, soft edges of width aa. */
export function span(c: Ctx, xa: number, xb: number, r: number, g: number, b: number, alpha: number): void {
  const aa = c.aa;
  const x0 = Math.max(0, Math.floor(xa - aa));
  const x1 = Math.min(c.W - 1, Math.ceil(xb + aa));
  const inv = 1 / aa;
  for (let x = x0; x <= x1; x++) {
    const px = x + 0.5;
    const d = Math.min(px - xa, xb - px);
    let a = d * inv + 0.5;
    if (a <= 0) continue;
    if (a > 1) a = 1;
    blend(c, x, r, g, b, a * alpha);
  }
}

/** Sprites bucketed by rows so a row only looks at the sprites that can touch it. */
export class RowIndex<T extends { y0: number; y1: number }> {
  private readonly buckets: T[][];
  private static readonly SHIFT = 4;

  constructor(items: T[], height: number) {
    const n = (height >> RowIndex.SHIFT) + 1;
    this.buckets = Array.from({ length: n }, () => []);
    for (const it of items) {
      const a = Math.max(0, Math.floor(it.y0) >> RowIndex.SHIFT);
      const b = Math.min(n - 1, Math.ceil(it.y1) >> RowIndex.SHIFT);
      for (let i = a; i <= b; i++) this.buckets[i]!.push(it);
    }
  }

  at(y: number): readonly T[] {
    return this.buckets[y >> RowIndex.SHIFT] ?? [];
  }
}
