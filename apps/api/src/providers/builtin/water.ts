/** Water below the horizon: wavy reflection of everything above, depth colour, sun glitter. */
import { type RGB, WHITE, mix, scale } from './color.ts';
import { type Ctx, type RowFn } from './ctx.ts';
import { airColor } from './land.ts';
import { between, hash3 } from './rng.ts';

/** `scene` holds the finished background rows (RGB floats), which the water mirrors. */
export function water(c: Ctx, scene: Float32Array, street = false): RowFn {
  const { W, H, P, R, G, B, noise } = c;
  const rng = c.rng('water');
  const hz = Math.floor(c.horizon);
  const iu = 1 / c.unit;
  const ox = rng() * 300;
  const oz = rng() * 300;
  const calm = c.info.words.some((w) => w === 'lake' || w === 'pond' || w === 'calm' || w === 'reflection');
  const rough = c.info.words.some((w) => w.startsWith('wave') || w.startsWith('storm'));
  const amp = street ? 0.5 : (calm ? 0.35 : rough ? 1.6 : 1) * between(rng, 0.8, 1.2);
  const oct = Math.max(1, Math.min(3, c.octaves - 1));
  const deep: RGB = street ? scale(P.building, 0.7) : P.water;
  const fresBase = street ? 0.18 : 0.3;
  const fresTop = street ? 0.5 : 0.62;
  const crestCol: RGB = mix(P.skyHorizon, WHITE, 0.2);
  const air = airColor(c);
  const sun = c.sun && c.sun.y < hz ? c.sun : null;
  const glit: RGB = mix(P.sun, WHITE, 0.4);
  const salt = c.salt('glitter');
  const glitK = sun ? (sun.kind === 'sun' ? 1.1 : 0.6) * (0.4 + 0.6 * P.glow) : 0;
  return (y) => {
    if (y < hz) return;
    const dy = y + 0.5 - hz;
    const pz = dy / (H - hz);
    const Z = c.unit / dy;
    const zz = Z * 0.9 + oz;
    const sx = 1 / dy;
    const fres = fresBase + fresTop * (1 - pz) * (1 - pz);
    const dr = deep[0] * (1 - 0.3 * pz);
    const dg = deep[1] * (1 - 0.3 * pz);
    const db = deep[2] * (1 - 0.3 * pz);
    const gw = c.unit * (0.015 + 0.14 * pz);
    const hazeK = Math.exp(-dy / (H * 0.01)) * 0.4;
    for (let x = 0; x < W; x++) {
      const X = (x - W * 0.5) * sx * 2.2 + ox;
      const n = street ? noise.fbm(x * iu * 40 + ox, zz * 0.15, oct) : noise.fbm(X * 0.35, zz, oct);
      const wv = (n - 0.5) * amp;
      let yr = Math.round(hz - dy - wv * dy * 0.7 - 1);
      if (yr < 0) yr = 0;
      if (yr >= hz) yr = hz - 1;
      let xr = Math.round(x + wv * 6 * c.px);
      if (xr < 0) xr = 0;
      if (xr >= W) xr = W - 1;
      const i = (yr * W + xr) * 3;
      const sh = 1 + (n - 0.5) * 0.5;
      let r = dr * sh + (scene[i]! * 0.88 - dr * sh) * fres;
      let g = dg * sh + (scene[i + 1]! * 0.88 - dg * sh) * fres;
      let b = db * sh + (scene[i + 2]! * 0.88 - db * sh) * fres;
      const crest = wv > 0.12 * amp ? (wv - 0.12 * amp) * 1.2 * (0.4 + 0.6 * pz) : 0;
      r += crestCol[0] * crest;
      g += crestCol[1] * crest;
      b += crestCol[2] * crest;
      if (sun) {
        const gx = (x + 0.5 - sun.x) / gw;
        if (gx > -2.5 && gx < 2.5) {
          const h = hash3(x, y, salt) & 1023;
          const sparkle = Math.min(0.8, n > 0.5 ? (n - 0.5) * 6 : 0) + (h < 50 ? 0.5 : 0);
          const gl = Math.exp(-gx * gx) * sparkle * glitK;
          r += glit[0] * gl;
          g += glit[1] * gl;
          b += glit[2] * gl;
        }
      }
      r += (air[0] - r) * hazeK;
      g += (air[1] - g) * hazeK;
      b += (air[2] - b) * hazeK;
      R[x] = r;
      G[x] = g;
      B[x] = b;
    }
  };
}
