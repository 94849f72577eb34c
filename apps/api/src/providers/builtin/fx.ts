/** Atmosphere: ground mist and rain. */
import { mix } from './color.ts';
import { type Ctx, type RowFn, blend, light } from './ctx.ts';
import { airColor } from './land.ts';
import { between, hash3 } from './rng.ts';

/** Low-lying mist around the horizon, in soft drifting wisps. */
export function mist(c: Ctx): RowFn {
  const { W, H, noise } = c;
  const rng = c.rng('mist');
  const hz = c.horizon;
  const iu = 1 / c.unit;
  const ox = rng() * 300;
  const oy = rng() * 300;
  const air = airColor(c);
  const k = c.fog * 0.6;
  const spread = H * (0.06 + 0.08 * c.fog);
  const centre = hz + H * 0.02;
  return (y) => {
    const d = (y - centre) / (y > centre ? spread * 2.2 : spread);
    const band = Math.exp(-d * d) * k;
    if (band < 0.01) return;
    for (let x = 0; x < W; x++) {
      const n = noise.fbm(x * iu * 1.6 + ox, y * iu * 7 + oy, 3);
      const a = band * (0.45 + 1.1 * (n - 0.5) + 0.55);
      blend(c, x, air[0], air[1], air[2], a > 1 ? 1 : a < 0 ? 0 : a);
    }
  };
}

/** Slanted streaks of rain over everything. */
export function rain(c: Ctx): RowFn {
  const { W, P } = c;
  const rng = c.rng('rain');
  const slant = between(rng, 0.08, 0.22) * (rng() < 0.5 ? -1 : 1);
  const sp = Math.max(3, 7 * c.px);
  const period = c.unit * 0.12;
  const salt = c.salt('rain');
  const col = mix(P.fog, [1, 1, 1], 0.5);
  const alpha = c.night ? 0.2 : 0.14;
  return (y) => {
    for (let x = 0; x < W; x++) {
      const u = x + y * slant;
      const ci = Math.floor(u / sp);
      const h = hash3(ci, 0, salt);
      if ((h & 3) < 2) continue;
      const cx = (ci + 0.2 + ((h >>> 2) & 255) / 420) * sp;
      const dist = Math.abs(u - cx);
      if (dist > 1.2) continue;
      const ph = ((h >>> 10) & 1023) / 1024;
      const len = 0.08 + ((h >>> 20) & 255) / 700;
      const v = (y / (period * (0.7 + ph * 0.6)) + ph) % 1;
      if (v > len) continue;
      const a = (1 - dist / 1.2) * alpha * (0.5 + v / len);
      if (c.night) light(c, x, col[0], col[1], col[2], a);
      else blend(c, x, col[0], col[1], col[2], a);
    }
  };
}
