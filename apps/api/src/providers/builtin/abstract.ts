/**
 * Abstract compositions for prompts with no recognisable subject. The seed picks one of:
 * flowing marbled gradients, layered paper-cut ribbons, or a mesh gradient with bokeh.
 */
import { type RGB, WHITE, mix, scale } from './color.ts';
import { type Ctx, type RowFn, RowIndex, light } from './ctx.ts';
import { CoarseGrid } from './noise.ts';
import { between } from './rng.ts';

/** A 256-entry smooth colour ramp through the palette's ramp colours. */
function buildLut(ramp: RGB[]): Float32Array {
  const lut = new Float32Array(256 * 3);
  const n = ramp.length;
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (n - 1);
    const k = Math.min(n - 2, Math.floor(t));
    let f = t - k;
    f = f * f * (3 - 2 * f);
    const a = ramp[k]!;
    const b = ramp[k + 1]!;
    lut[i * 3] = a[0] + (b[0] - a[0]) * f;
    lut[i * 3 + 1] = a[1] + (b[1] - a[1]) * f;
    lut[i * 3 + 2] = a[2] + (b[2] - a[2]) * f;
  }
  return lut;
}

function lutAt(lut: Float32Array, t: number): RGB {
  const i = (t < 0 ? 0 : t > 1 ? 255 : Math.round(t * 255)) * 3;
  return [lut[i]!, lut[i + 1]!, lut[i + 2]!];
}

export function abstractArt(c: Ctx): RowFn {
  const rng = c.rng('abstract');
  const style = Math.floor(rng() * 3);
  const ramp = c.P.ramp.length >= 2 ? c.P.ramp : [c.P.skyTop, c.P.skyMid, c.P.skyHorizon];
  const lut = buildLut(ramp);
  if (style === 1) return ribbons(c, lut);
  if (style === 2) return meshBokeh(c, ramp);
  return flow(c, lut);
}

/** Marbled, domain-warped fbm through the colour ramp, with a satin sheen. */
function flow(c: Ctx, lut: Float32Array): RowFn {
  const { W, H, noise, R, G, B } = c;
  const rng = c.rng('flow');
  const iu = 1 / c.unit;
  const off = [rng() * 300, rng() * 300, rng() * 300, rng() * 300, rng() * 300];
  const f = between(rng, 0.9, 1.6);
  const warp = between(rng, 2.0, 3.5);
  const tilt = between(rng, -0.6, 0.6);
  const oct = c.octaves;
  const woct = Math.min(3, oct);
  const sheen: RGB = mix(lutAt(lut, 1), WHITE, 0.5);
  const field = new CoarseGrid(W, Math.max(2, Math.round(3 * c.px)), 3, (x, y, out, o) => {
    const px = x * iu;
    const py = y * iu;
    const wx = noise.fbm(px * f + off[0]!, py * f + off[1]!, woct) - 0.5;
    const wy = noise.fbm(px * f + off[2]!, py * f + off[3]!, woct) - 0.5;
    const qx = px + wx * warp * 0.35;
    const qy = py + wy * warp * 0.35;
    const n = noise.fbm(qx * f * 1.3 + off[4]!, qy * f * 1.3, oct);
    const t = (n - 0.5) * 2.4 + 0.5 + (qy - 0.5 * H * iu) * 0.3 + (qx - 0.5 * W * iu) * tilt * 0.3;
    const i = (t < 0 ? 0 : t > 1 ? 255 : (t * 255) | 0) * 3;
    let r = lut[i]!;
    let g = lut[i + 1]!;
    let b = lut[i + 2]!;
    const hl = wx + wy;
    if (hl > 0.12) {
      const k = (hl - 0.12) * 0.9;
      r += (sheen[0] - r) * k;
      g += (sheen[1] - g) * k;
      b += (sheen[2] - b) * k;
    }
    out[o] = r;
    out[o + 1] = g;
    out[o + 2] = b;
  });
  const fineK = 0.08 * c.detail;
  const fineOct = Math.max(1, c.octaves - 3);
  return (y) => {
    const f3 = field.row(y);
    for (let x = 0, i = 0; x < W; x++, i += 3) {
      let k = 1;
      if (fineK > 0) k += (noise.fbm(x * iu * 28 + off[0]!, y * iu * 28, fineOct) - 0.5) * fineK;
      R[x] = f3[i]! * k;
      G[x] = f3[i + 1]! * k;
      B[x] = f3[i + 2]! * k;
    }
  };
}

/** Layered paper-cut waves, each casting a soft shadow on the one behind. */
function ribbons(c: Ctx, lut: Float32Array): RowFn {
  const { W, H, noise, R, G, B } = c;
  const rng = c.rng('ribbons');
  const iu = 1 / c.unit;
  const n = Math.round(between(rng, 5, 8));
  const amp = H * between(rng, 0.06, 0.13);
  const bounds: Float32Array[] = [];
  const cols: RGB[] = [];
  const light0 = rng() < 0.5;
  for (let k = 0; k < n; k++) {
    const b = new Float32Array(W);
    const f = between(rng, 0.8, 2.2);
    const o = rng() * 400;
    const base = H * ((k + 0.6) / (n + 0.2));
    for (let x = 0; x < W; x++) b[x] = base + amp * (noise.fbm1(x * iu * f + o, k * 7.3, 3) - 0.5) * 2.6;
    bounds.push(b);
    const t = (k + 1) / (n + 1);
    cols.push(lutAt(lut, light0 ? 1 - t : t));
  }
  const bg0 = lutAt(lut, light0 ? 1 : 0);
  const bg1 = lutAt(lut, light0 ? 0.85 : 0.15);
  const sh = H * 0.03;
  const fineK = 0.05 * c.detail;
  return (y) => {
    const v = y / H;
    const br = bg0[0] + (bg1[0] - bg0[0]) * v;
    const bgc = bg0[1] + (bg1[1] - bg0[1]) * v;
    const bb = bg0[2] + (bg1[2] - bg0[2]) * v;
    const aa = c.aa;
    for (let x = 0; x < W; x++) {
      let r = br;
      let g = bgc;
      let b = bb;
      let top = -1e9;
      for (let k = 0; k < n; k++) {
        const yk = bounds[k]![x]!;
        const d = y + 0.5 - yk;
        if (d < -aa) {
          // shadow cast by this (nearer) layer onto what is behind it
          const s = 0.28 * Math.exp((d + aa) / sh);
          r *= 1 - s;
          g *= 1 - s;
          b *= 1 - s;
          break;
        }
        const a = Math.min(1, d / aa + 0.5);
        top = yk;
        const col = cols[k]!;
        const lift = 1 + 0.1 * Math.exp(-(y - top) / (sh * 1.5));
        r += (col[0] * lift - r) * a;
        g += (col[1] * lift - g) * a;
        b += (col[2] * lift - b) * a;
      }
      if (fineK > 0) {
        const k = 1 + (noise.at(x * iu * 160, y * iu * 160) - 0.5) * fineK;
        r *= k;
        g *= k;
        b *= k;
      }
      R[x] = r;
      G[x] = g;
      B[x] = b;
    }
  };
}

interface Bokeh {
  x: number;
  y: number;
  y0: number;
  y1: number;
  r: number;
  a: number;
  col: RGB;
}

/** A soft mesh gradient between a few coloured anchors, with out-of-focus lights over it. */
function meshBokeh(c: Ctx, ramp: RGB[]): RowFn {
  const { W, H, noise, R, G, B } = c;
  const rng = c.rng('mesh');
  const iu = 1 / c.unit;
  const n = 5;
  const anchors = Array.from({ length: n }, (_, i) => ({
    x: between(rng, -0.1, 1.1) * W * iu,
    y: between(rng, -0.1, 1.1) * H * iu,
    col: ramp[Math.round((((i * 3) % n) / (n - 1)) * (ramp.length - 1))]!,
  }));
  const off = rng() * 300;
  const oct = Math.min(3, c.octaves);
  const field = new CoarseGrid(W, Math.max(2, Math.round(4 * c.px)), 3, (x, y, out, o) => {
    const px = x * iu + (noise.fbm(x * iu * 1.2 + off, y * iu * 1.2, oct) - 0.5) * 0.5;
    const py = y * iu + (noise.fbm(x * iu * 1.2, y * iu * 1.2 + off, oct) - 0.5) * 0.5;
    let sw = 0;
    let r = 0;
    let g = 0;
    let b = 0;
    for (const a of anchors) {
      const dx = px - a.x;
      const dy = py - a.y;
      const d2 = dx * dx + dy * dy + 0.01;
      const w = 1 / (d2 * d2 * Math.sqrt(d2));
      sw += w;
      r += a.col[0] * w;
      g += a.col[1] * w;
      b += a.col[2] * w;
    }
    out[o] = r / sw;
    out[o + 1] = g / sw;
    out[o + 2] = b / sw;
  });
  const lights: Bokeh[] = [];
  const count = Math.round(between(rng, 14, 30) * (0.5 + 0.5 * c.detail));
  const bright = mix(ramp[ramp.length - 1]!, WHITE, 0.4);
  for (let i = 0; i < count; i++) {
    const r = c.unit * between(rng, 0.015, 0.08);
    const x = rng() * W;
    const y = rng() * H;
    lights.push({ x, y, y0: y - r - 2, y1: y + r + 2, r, a: between(rng, 0.08, 0.3), col: rng() < 0.5 ? bright : scale(mix(ramp[Math.floor(rng() * ramp.length)]!, WHITE, 0.3), 1) });
  }
  lights.sort((p, q) => p.r - q.r);
  const index = new RowIndex(lights, H);
  return (y) => {
    const f3 = field.row(y);
    for (let x = 0, i = 0; x < W; x++, i += 3) {
      R[x] = f3[i]!;
      G[x] = f3[i + 1]!;
      B[x] = f3[i + 2]!;
    }
    const edge = Math.max(1, c.aa * 1.5);
    for (const l of index.at(y)) {
      const dy = y + 0.5 - l.y;
      if (dy < -l.r - 1 || dy > l.r + 1) continue;
      const half = Math.sqrt(Math.max(0, (l.r + 1) * (l.r + 1) - dy * dy));
      const x0 = Math.max(0, Math.floor(l.x - half));
      const x1 = Math.min(W - 1, Math.ceil(l.x + half));
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - l.x;
        const d = Math.sqrt(dx * dx + dy * dy);
        const e = (l.r - d) / edge + 0.5;
        if (e <= 0) continue;
        const ring = 1 + 0.5 * Math.exp(-(l.r - d) / (l.r * 0.12));
        light(c, x, l.col[0], l.col[1], l.col[2], (e > 1 ? 1 : e) * l.a * ring);
      }
    }
  };
}
