/**
 * How the seed frames a scene, as a photographer would between two shots of the same subject:
 * where the horizon sits, where the main subject stands, and how near it is. The prompt keeps
 * choosing what is in the picture and its colours, so two seeds of one recipe are the same scene,
 * composed differently.
 */
import { between, mixSeed, mulberry32 } from './rng.ts';

export interface Framing {
  /** -1: a low horizon under a big sky … 0: level … 1: a high horizon over a big foreground. */
  tilt: number;
  /** Where the main subject stands across the picture, 0..1: on a third, mostly, else near the middle. */
  focus: number;
  /** How near the subject is: below 1 it is farther and smaller, above 1 nearer and larger. */
  zoom: number;
}

export function chooseFraming(seed: number): Framing {
  const rng = mulberry32(mixSeed(seed, 'framing'));
  const shot = rng();
  const tilt = shot < 0.36 ? between(rng, -1, -0.5) : shot < 0.64 ? between(rng, -0.25, 0.25) : between(rng, 0.5, 1);
  const place = rng();
  const focus = place < 0.4 ? between(rng, 0.2, 0.36) : place < 0.8 ? between(rng, 0.64, 0.8) : between(rng, 0.44, 0.56);
  const zoom = Math.exp(between(rng, Math.log(0.7), Math.log(1.45)));
  return { tilt, focus, zoom };
}

/** The horizon, as a share of the height, for a scene whose horizon usually sits within [lo, hi]. */
export function framedHorizon(f: Framing, lo: number, hi: number, jitter: number): number {
  const mid = (lo + hi) / 2 + (jitter - 0.5) * (hi - lo) * 0.5;
  return Math.min(0.84, Math.max(0.3, mid + f.tilt * 0.18));
}

/**
 * How much of the subject's mass stands at column share `u` (0..1): 1 at the focus, falling off
 * to `floor` over about `width` of the picture.
 */
export function massAt(f: Framing, u: number, width: number, floor: number): number {
  const d = (u - f.focus) / width;
  return floor + (1 - floor) * Math.exp(-d * d);
}
