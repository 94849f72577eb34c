/** Plants: conifer forests, round trees, flowers (hero rosettes and a scatter of small ones). */
import { type RGB, WHITE, mix, scale, smoothstep } from './color.ts';
import { type Ctx, type RowFn, RowIndex, blend } from './ctx.ts';
import { massAt } from './framing.ts';
import { airColor } from './land.ts';
import { between, hash3 } from './rng.ts';

interface Conifer {
  x: number;
  y0: number;
  y1: number;
  w: number;
  tiers: number;
  phase: number;
  shade: number;
  id: number;
}

/** Receding rows of pine trees, fading into mist at their feet. */
export function forest(c: Ctx, onWater: boolean): RowFn {
  const { W, H, P, noise } = c;
  const rng = c.rng('forest');
  const hz = c.horizon;
  const iu = 1 / c.unit;
  const n = onWater ? 2 : 3;
  const air = airColor(c);
  const green: RGB = scale(P.foliage, 0.62);
  const salt01 = (c.salt('conifer') & 0xffff) / 256;
  const jagF = 0.45 / Math.max(0.5, c.px);
  interface Layer {
    ground: Float32Array;
    index: RowIndex<Conifer>;
    col: RGB;
    haze: number;
    mist: number;
    z: number;
  }
  const layers: Layer[] = [];
  let id = 0;
  for (let i = 0; i < n; i++) {
    const z = (i + 1) / n;
    const floor = onWater ? hz + 1 : hz + (H - hz) * (0.04 + 0.62 * z * z);
    const ground = new Float32Array(W);
    const o = rng() * 400;
    const gAmp = onWater ? H * 0.004 : H * 0.03 * (0.5 + z);
    for (let x = 0; x < W; x++) ground[x] = floor - gAmp * (noise.fbm1(x * iu * 2.5 + o, 40 + i, 3) - 0.35) * 2;
    const th = (onWater ? H * between(rng, 0.045, 0.075) * (0.6 + 0.5 * z) : H * (0.07 + 0.34 * Math.pow(z, 1.6))) * c.frame.zoom;
    const list: Conifer[] = [];
    let x = -rng() * th * 0.3;
    while (x < W + th * 0.3) {
      const clearing = noise.fbm1(x * iu * 1.7 + o, 60 + i, 2);
      // The tallest stand rises around the framing's focus.
      const stand = massAt(c.frame, (x + 0.5) / W, 0.35, 0.5) * 1.25;
      const h = Math.min(floor - H * 0.05, th * between(rng, 0.65, 1.3) * (clearing < 0.38 ? 0.55 : 1) * stand);
      const w = h * between(rng, 0.2, 0.27);
      const gx = ground[Math.max(0, Math.min(W - 1, Math.round(x)))]!;
      list.push({
        x,
        y0: gx - h,
        y1: gx + h * 0.04,
        w,
        tiers: Math.round(between(rng, 5, 9)),
        phase: rng(),
        shade: between(rng, 0.82, 1.12),
        id: id++,
      });
      x += w * between(rng, 0.7, 1.5);
    }
    const haze = onWater ? 0.3 + 0.3 * c.fog : Math.min(0.9, Math.pow(1 - z + 0.12, 1.3) * (0.55 + 0.35 * c.fog) + 0.03);
    layers.push({
      ground,
      index: new RowIndex(list, H),
      col: mix(green, air, haze),
      haze,
      mist: (0.15 + 0.6 * c.fog) * (1 - 0.6 * z),
      z,
    });
  }
  return (y) => {
    for (const L of layers) {
      const { ground, col, mist, haze } = L;
      const aa = c.aa;
      const fy = smoothstep(c.horizon, H, y);
      const gm = mist * (1 - 0.7 * fy);
      const dk = 1 - 0.3 * fy * L.z;
      const gr = (col[0] + (air[0] - col[0]) * gm) * dk;
      const gg = (col[1] + (air[1] - col[1]) * gm) * dk;
      const gb = (col[2] + (air[2] - col[2]) * gm) * dk;
      for (let x = 0; x < W; x++) {
        const d = y + 0.5 - ground[x]!;
        if (d < -aa) continue;
        const a = d / aa + 0.5;
        blend(c, x, gr, gg, gb, a > 1 ? 1 : a);
      }
      const lk = 0.16 * (1 - haze) * c.lightX;
      for (const t of L.index.at(y)) {
        if (y < t.y0 - 1 || y > t.y1) continue;
        const v = (y + 0.5 - t.y0) / (t.y1 - t.y0);
        if (v <= 0) continue;
        const saw = (v * t.tiers + t.phase) % 1;
        const jag = c.detail * 0.22 * (noise.at(t.id * 13.7 + salt01, (y - t.y0) * jagF) - 0.5);
        const hw = t.w * Math.pow(v, 0.9) * (0.58 + 0.42 * saw + jag) + 0.4;
        const m = mist * smoothstep(0.35, 1.05, v) * (1 - 0.7 * fy);
        const s = t.shade * (1 - (1 - dk) * v);
        const r0 = col[0] * s + (air[0] - col[0] * s) * m;
        const g0 = col[1] * s + (air[1] - col[1] * s) * m;
        const b0 = col[2] * s + (air[2] - col[2] * s) * m;
        const x0 = Math.max(0, Math.floor(t.x - hw - aa));
        const x1 = Math.min(W - 1, Math.ceil(t.x + hw + aa));
        for (let x = x0; x <= x1; x++) {
          const u = (x + 0.5 - t.x) / hw;
          const e = (hw - Math.abs(x + 0.5 - t.x)) / aa + 0.5;
          if (e <= 0) continue;
          const k = 1 + lk * (u > 1 ? 1 : u < -1 ? -1 : u);
          blend(c, x, r0 * k, g0 * k, b0 * k, e > 1 ? 1 : e);
        }
      }
    }
  };
}

interface RoundTree {
  x: number;
  base: number;
  y0: number;
  y1: number;
  r: number;
  blobs: { x: number; y: number; r: number }[];
  col: RGB;
  trunk: RGB;
}

/** Broad-leaved trees dotted over the land (or along a far shore). */
export function trees(c: Ctx, onWater: boolean): RowFn {
  const { W, H, P, noise } = c;
  const rng = c.rng('trees');
  const hz = c.horizon;
  const air = airColor(c);
  const leaf: RGB = mix(P.foliage, P.sun, 0.08);
  const bark: RGB = scale(P.bark, c.night ? 0.35 : 0.85);
  const list: RoundTree[] = [];
  const count = onWater ? Math.round(between(rng, 8, 16)) : Math.round(between(rng, 3, 8));
  for (let i = 0; i < count; i++) {
    const pz = onWater ? 0.02 : Math.pow(rng(), 1.4) * 0.85 + 0.06;
    const base = onWater ? hz + 1 : hz + (H - hz) * pz;
    const r = (onWater ? H * between(rng, 0.015, 0.03) : H * (0.035 + 0.17 * pz) * between(rng, 0.75, 1.2)) * c.frame.zoom;
    // Most trees gather around the framing's focus; a few stand anywhere.
    const x = rng() < 0.7 ? W * (c.frame.focus + (rng() - 0.5) * 0.5) : rng() * W;
    const blobs: RoundTree['blobs'] = [];
    const cy = base - r * 1.75;
    const nb = 5;
    for (let j = 0; j < nb; j++) {
      const a = (j / nb) * Math.PI * 2 + rng();
      blobs.push({ x: x + Math.cos(a) * r * 0.45, y: cy + Math.sin(a) * r * 0.32 - r * 0.05, r: r * between(rng, 0.48, 0.66) });
    }
    blobs.push({ x, y: cy - r * 0.3, r: r * 0.62 });
    const haze = Math.min(0.85, Math.pow(1 - pz, 2) * (0.5 + 0.4 * c.fog));
    list.push({ x, base, y0: cy - r * 1.1, y1: base, r, blobs, col: mix(leaf, air, haze), trunk: mix(bark, air, haze) });
  }
  list.sort((a, b) => a.base - b.base);
  const index = new RowIndex(list, H);
  const iu = 1 / c.unit;
  const oct = Math.max(1, c.octaves - 2);
  return (y) => {
    const aa = c.aa;
    for (const t of index.at(y)) {
      if (y < t.y0 || y > t.y1) continue;
      // trunk
      const tw = t.r * 0.07;
      if (y > t.base - t.r * 1.5) {
        const flare = 1 + 1.5 * smoothstep(t.base - t.r * 0.3, t.base, y);
        const x0 = Math.max(0, Math.floor(t.x - tw * flare - aa));
        const x1 = Math.min(W - 1, Math.ceil(t.x + tw * flare + aa));
        for (let x = x0; x <= x1; x++) {
          const e = (tw * flare - Math.abs(x + 0.5 - t.x)) / aa + 0.5;
          if (e > 0) blend(c, x, t.trunk[0], t.trunk[1], t.trunk[2], e > 1 ? 1 : e);
        }
      }
      for (const b of t.blobs) {
        const dy = y + 0.5 - b.y;
        if (dy <= -b.r - aa || dy >= b.r + aa) continue;
        const half = Math.sqrt(Math.max(0, (b.r + aa) * (b.r + aa) - dy * dy));
        const x0 = Math.max(0, Math.floor(b.x - half));
        const x1 = Math.min(W - 1, Math.ceil(b.x + half));
        for (let x = x0; x <= x1; x++) {
          const dx = x + 0.5 - b.x;
          const dist = Math.sqrt(dx * dx + dy * dy);
          const leafy = (noise.fbm(x * iu * 28, y * iu * 28, oct) - 0.5) * b.r * 0.35 * c.detail;
          const e = (b.r + leafy - dist) / aa + 0.5;
          if (e <= 0) continue;
          const lit = (dx * c.lightX - dy) / (b.r * 2.2);
          const k = 0.78 + 0.38 * (lit + 0.5) + (noise.at(x * iu * 90, y * iu * 90) - 0.5) * 0.2 * c.detail;
          blend(c, x, t.col[0] * k, t.col[1] * k, t.col[2] * k, e > 1 ? 1 : e);
        }
      }
    }
  };
}

interface Flower {
  x: number;
  y: number;
  y0: number;
  y1: number;
  R: number;
  k: number;
  rot: number;
  squash: number;
  col: RGB;
  bend: number;
  leaf: number;
}

interface Dot {
  x: number;
  y: number;
  y0: number;
  y1: number;
  r: number;
  col: RGB;
}

/** Flowers: one or a few big rosettes on stems in the foreground, and small dots across the field. */
export function flowers(c: Ctx, scatter: boolean): RowFn {
  const { W, H, P } = c;
  const rng = c.rng('flowers');
  const hz = c.hasGround ? c.horizon : H * 0.6;
  const plural = c.info.words.some((w) => w === 'flowers' || w === 'garden' || w.endsWith('flowers') || w === 'roses' || w === 'tulips');
  const count = plural ? Math.round(between(rng, 4, 7)) : rng() < 0.7 ? 1 : 2;
  const heads: Flower[] = [];
  const cols: RGB[] = [P.accent, mix(P.accent, P.accent2, 0.35), mix(P.accent, WHITE, 0.25)];
  for (let i = 0; i < count; i++) {
    let x: number;
    let y: number;
    let R: number;
    // The flowers stand around the framing's focus, as large as the framing is near.
    const { focus, zoom } = c.frame;
    if (count <= 2) {
      const beside = focus < 0.5 ? 1 : -1;
      x = W * (focus + (i === 0 ? between(rng, -0.05, 0.05) : beside * between(rng, 0.18, 0.28)));
      y = H * between(rng, 0.42, 0.62);
      R = c.unit * between(rng, 0.1, 0.14) * (i === 1 ? 0.75 : 1) * zoom;
    } else {
      const spread = Math.min(0.95, Math.max(0.45, 0.84 / zoom));
      x = W * Math.min(0.96, Math.max(0.04, focus + ((i + rng() * 0.8) / count - 0.5) * spread));
      y = hz + (H - hz) * between(rng, 0.1, 0.75);
      R = c.unit * (0.025 + 0.09 * ((y - hz) / (H - hz))) * zoom;
    }
    const squash = between(rng, 0.7, 0.95);
    heads.push({
      x,
      y,
      y0: y - R * 1.1,
      y1: H,
      R,
      k: Math.round(between(rng, 5, 9)),
      rot: rng() * Math.PI,
      squash,
      col: cols[i % cols.length]!,
      bend: between(rng, -0.5, 0.5) * R * 2,
      leaf: between(rng, 0.35, 0.6),
    });
  }
  heads.sort((a, b) => a.y - b.y);
  const headIndex = new RowIndex(heads, H);
  const dots: Dot[] = [];
  if (scatter && c.hasGround) {
    const nDots = Math.round(((W * (H - hz)) / (c.unit * c.unit)) * 900 * (0.4 + 0.6 * c.detail));
    const dcols: RGB[] = [P.accent, P.accent2, mix(WHITE, P.accent, 0.15), P.pollen];
    for (let i = 0; i < nDots; i++) {
      const pz = Math.pow(rng(), 0.8);
      const y = hz + (H - hz) * (0.03 + 0.97 * pz);
      const r = Math.max(0.7, c.unit * (0.0015 + 0.009 * pz * pz) * between(rng, 0.6, 1.3));
      const col = mix(dcols[i % (i % 5 === 0 ? 4 : 2)]!, airColor(c), Math.pow(1 - pz, 3) * 0.6);
      dots.push({ x: rng() * W, y, y0: y - r, y1: y + r, r, col });
    }
    dots.sort((a, b) => a.y - b.y);
  }
  const dotIndex = new RowIndex(dots, H);
  const stem = P.stem;
  const pollen = P.pollen;
  return (y) => {
    const aa = c.aa;
    for (const d of dotIndex.at(y)) {
      const dy = y + 0.5 - d.y;
      if (dy < -d.r - 1 || dy > d.r + 1) continue;
      const half = Math.sqrt(Math.max(0, (d.r + 0.7) * (d.r + 0.7) - dy * dy));
      const x0 = Math.max(0, Math.floor(d.x - half));
      const x1 = Math.min(W - 1, Math.ceil(d.x + half));
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - d.x;
        const e = d.r + 0.5 - Math.sqrt(dx * dx + dy * dy);
        if (e > 0) blend(c, x, d.col[0], d.col[1], d.col[2], e > 1 ? 1 : e);
      }
    }
    for (const f of headIndex.at(y)) {
      if (y < f.y0) continue;
      const R = f.R;
      // stem (and a leaf), drawn under the head
      if (y > f.y) {
        const v = (y - f.y) / (H - f.y + 1);
        const sx = f.x + f.bend * v * v;
        const sw = Math.max(0.8, R * 0.055) * (1 + v * 0.4);
        const x0 = Math.max(0, Math.floor(sx - sw - aa));
        const x1 = Math.min(W - 1, Math.ceil(sx + sw + aa));
        for (let x = x0; x <= x1; x++) {
          const u = (x + 0.5 - sx) / sw;
          const e = (sw - Math.abs(x + 0.5 - sx)) / aa + 0.5;
          if (e <= 0) continue;
          const k = 0.85 + 0.3 * u * c.lightX;
          blend(c, x, stem[0] * k, stem[1] * k, stem[2] * k, e > 1 ? 1 : e);
        }
        // a leaf: a pointed lens shape leaning out from the stem
        const ly = f.y + (H - f.y) * f.leaf;
        const len = R * 1.1;
        const lv = (y - ly) / len;
        if (lv > -1 && lv < 0.15) {
          const along = -lv;
          const side = f.bend >= 0 ? -1 : 1;
          const cx = sx + side * along * len * 0.9;
          const wdt = Math.sin(Math.min(1, along) * Math.PI) * R * 0.22 + 0.01;
          const xa = Math.min(sx, cx) - wdt;
          const xb = Math.max(sx, cx) + wdt;
          const x0l = Math.max(0, Math.floor(xa - aa));
          const x1l = Math.min(W - 1, Math.ceil(xb + aa));
          for (let x = x0l; x <= x1l; x++) {
            const e = (wdt - Math.abs(x + 0.5 - cx)) / aa + 0.5;
            if (e <= 0) continue;
            const k = 0.9 + 0.25 * ((x + 0.5 - cx) / wdt) * side;
            blend(c, x, stem[0] * k * 1.1, stem[1] * k * 1.1, stem[2] * k * 1.1, e > 1 ? 1 : e);
          }
        }
      }
      // the head
      const dyh = (y + 0.5 - f.y) / f.squash;
      if (dyh < -R * 1.05 || dyh > R * 1.05) continue;
      const half = Math.sqrt(Math.max(0, R * R * 1.1 - dyh * dyh));
      const x0 = Math.max(0, Math.floor(f.x - half - aa));
      const x1 = Math.min(W - 1, Math.ceil(f.x + half + aa));
      const k2 = f.k / 2;
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - f.x;
        const d = Math.sqrt(dx * dx + dyh * dyh);
        if (d > R * 1.02 + aa) continue;
        const th = Math.atan2(dyh, dx);
        const back = R * (0.5 + 0.5 * Math.sqrt(Math.abs(Math.cos(k2 * th + f.rot + Math.PI / (2 * k2)))));
        const front = R * 0.78 * (0.45 + 0.55 * Math.sqrt(Math.abs(Math.cos(k2 * th + f.rot)))) ;
        const rc = R * 0.2;
        let r: number;
        let g: number;
        let b: number;
        let a: number;
        if (d < rc + aa) {
          const speck = hash3(x, y, 77) & 3 ? 1 : 0.75;
          const k = (0.7 + 0.4 * (1 - d / rc)) * speck;
          r = pollen[0] * k;
          g = pollen[1] * k * 0.92;
          b = pollen[2] * k * 0.7;
          a = 1;
          const e = (rc - d) / aa + 0.5;
          if (e < 1) {
            const pk = 0.75 + 0.3 * (d / front);
            const t = e < 0 ? 0 : e;
            r = f.col[0] * pk + (r - f.col[0] * pk) * t;
            g = f.col[1] * pk + (g - f.col[1] * pk) * t;
            b = f.col[2] * pk + (b - f.col[2] * pk) * t;
          }
        } else if (d < front + aa) {
          const vein = 1 + 0.05 * c.detail * Math.cos(th * f.k * 6);
          const pk = (0.68 + 0.45 * (d / front)) * vein;
          r = f.col[0] * pk;
          g = f.col[1] * pk;
          b = f.col[2] * pk;
          const e = (front - d) / aa + 0.5;
          if (e < 1) {
            const bk = 0.62 + 0.3 * (d / back);
            const t = e < 0 ? 0 : e;
            r = f.col[0] * bk + (r - f.col[0] * bk) * t;
            g = f.col[1] * bk + (g - f.col[1] * bk) * t;
            b = f.col[2] * bk + (b - f.col[2] * bk) * t;
          }
          a = 1;
        } else {
          const bk = 0.62 + 0.3 * (d / back);
          r = f.col[0] * bk;
          g = f.col[1] * bk;
          b = f.col[2] * bk;
          const e = (back - d) / aa + 0.5;
          if (e <= 0) continue;
          a = e > 1 ? 1 : e;
        }
        // a little light from the side of the sun
        const lk = 1 + 0.1 * (dx / R) * c.lightX - 0.08 * (dyh / R);
        blend(c, x, r * lk, g * lk, b * lk, a);
      }
    }
  };
}
