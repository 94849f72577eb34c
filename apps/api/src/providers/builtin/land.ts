/** Land layers: mountain ranges, rolling hills / dunes / snow fields, city skylines. */
import { type RGB, WHITE, clamp01, mix, scale, smoothstep } from './color.ts';
import { type Ctx, type RowFn, blend } from './ctx.ts';
import { massAt } from './framing.ts';
import { between, hash3 } from './rng.ts';

interface Ridge {
  prof: Float32Array;
  /** Per column: how lit the slope is (-1 shadow .. 1 lit), from a smoothed profile. */
  lit: Float32Array;
  /** Per column: the row above which there is snow (-1: none). */
  snowLine: Float32Array;
  col: RGB;
  snowCol: RGB;
  haze: number;
  mist: number;
  amp: number;
  z: number;
}

/** The colour far things take on: the air near the horizon. */
export function airColor(c: Ctx): RGB {
  return mix(c.P.fog, c.P.skyHorizon, 0.45);
}

/** Octaves for a 1-D profile at base frequency f (per unit), keeping the finest wiggle ≥ ~3 px. */
export function profileOctaves(c: Ctx, f: number, wanted: number): number {
  const maxOct = Math.floor(Math.log2(c.unit / (3 * f))) + 1;
  return Math.max(1, Math.min(wanted, maxOct));
}

/** Layered mountain ranges with atmospheric perspective, valley mist, lit slopes, snow caps. */
export function mountains(c: Ctx, onWater: boolean): RowFn {
  const { W, H, P, noise } = c;
  const rng = c.rng('mountains');
  const hz = c.horizon;
  const n = rng() < 0.5 ? 3 : 4;
  const iu = 1 / c.unit;
  const snowy = c.info.motifs.has('snow') || (rng() < 0.45 && !c.info.motifs.has('desert'));
  const air = airColor(c);
  const dark: RGB = scale(mix(P.land, P.skyTop, 0.2), 0.62);
  const layers: Ridge[] = [];
  for (let i = 0; i < n; i++) {
    const z = i / (n - 1);
    const amp = Math.min(hz * 0.8, H * between(rng, 0.14, 0.24) * (1.1 - 0.5 * z) * (onWater ? 0.8 + 0.3 * z : 1) * c.frame.zoom);
    const floor = onWater ? hz + 2 : hz + (H - hz) * (0.04 + 0.5 * z * z * z);
    const f = between(rng, 1.4, 2.4) * (1.25 - 0.45 * z);
    const oct = profileOctaves(c, f, 2 + Math.round(c.detail * 6));
    const o = rng() * 500;
    const prof = new Float32Array(W);
    const smooth = new Float32Array(W);
    for (let x = 0; x < W; x++) {
      const xf = x * iu * f + o;
      // The highest peaks rise around the framing's focus; the range falls away from it.
      const broad = (0.4 + 0.75 * noise.fbm1(x * iu * f * 0.35 + o, i * 5.1 + 50, 2)) * massAt(c.frame, (x + 0.5) / W, 0.3 + 0.25 * z, 0.45) * 1.35;
      const v = clamp01((noise.ridge1(xf, i * 17.7 + 3.3, oct) - 0.18) / 0.72);
      const vs = clamp01((noise.ridge1(xf, i * 17.7 + 3.3, Math.min(oct, 3)) - 0.18) / 0.72);
      prof[x] = floor - amp * (0.25 + 0.75 * v) * broad;
      smooth[x] = floor - amp * (0.25 + 0.75 * vs) * broad;
    }
    const lit = new Float32Array(W);
    const snowLine = new Float32Array(W);
    const sw = Math.max(3, Math.round(8 * c.px));
    const line = 0.5 + between(rng, -0.08, 0.1);
    for (let x = 0; x < W; x++) {
      const a = smooth[Math.max(0, x - sw)]!;
      const b = smooth[Math.min(W - 1, x + sw)]!;
      const slope = (b - a) / (2 * sw);
      lit[x] = Math.max(-1, Math.min(1, slope * c.lightX * 2.2));
    }
    // soften the light/shadow boundaries
    const tmp = Float32Array.from(lit);
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let k = -sw; k <= sw; k += 2) s += tmp[Math.max(0, Math.min(W - 1, x + k))]!;
      lit[x] = s / (sw + 1);
    }
    for (let x = 0; x < W; x++) {
      const wob = (noise.fbm1(x * iu * 3 + o, 9.1, 3) - 0.5) * 0.25;
      snowLine[x] = snowy && z < 0.99 ? floor - amp * (line + wob) : -1;
    }
    const haze = Math.min(0.92, Math.pow(1 - z, 1.25) * (0.62 + 0.3 * c.fog) + 0.05);
    const col = mix(dark, air, haze);
    const snowCol = mix(mix(P.snow, P.skyMid, 0.15), air, haze * 0.75);
    layers.push({ prof, lit, snowLine, col, snowCol, haze, mist: (0.18 + 0.6 * c.fog) * (1 - 0.55 * z), amp, z });
  }
  const rimCol: RGB = mix(P.sun, WHITE, 0.2);
  const rimK = 0.45 * P.glow;
  const rimW = 2.5 * Math.max(0.6, c.px);
  return (y) => {
    for (let i = 0; i < n; i++) {
      const L = layers[i]!;
      const next = layers[i + 1];
      const { prof, col, snowCol } = L;
      const aa = c.aa;
      const texK = 0.1 * (1 - L.haze) * c.detail;
      for (let x = 0; x < W; x++) {
        const p = prof[x]!;
        const d = y + 0.5 - p;
        if (d < -aa) continue;
        if (next && y - 1 > next.prof[x]! + aa) continue;
        const a = d / aa + 0.5;
        const t = d / L.amp;
        // faces: the light/shadow split runs diagonally down from the crests
        const lx = x + Math.round(d * 0.55 * c.lightX);
        const lv = L.lit[lx < 0 ? 0 : lx >= W ? W - 1 : lx]!;
        let shade = 1 + 0.26 * lv * (1 - L.haze) * Math.max(0, 1 - t * 1.4);
        let tex = 0;
        if (texK > 0.005 || L.snowLine[x]! > 0) tex = noise.at(x * iu * 26, y * iu * 20) - 0.5;
        shade += tex * texK;
        let r = col[0] * shade;
        let g = col[1] * shade;
        let b = col[2] * shade;
        const sl = L.snowLine[x]!;
        if (sl > 0) {
          const above = sl - y + tex * L.amp * 0.22;
          if (above > 0) {
            const k = Math.min(1, above / (L.amp * 0.06 + 1));
            const s = 0.9 + 0.16 * lv;
            r += (snowCol[0] * s - r) * k;
            g += (snowCol[1] * s - g) * k;
            b += (snowCol[2] * s - b) * k;
          }
        }
        const m = L.mist * smoothstep(0.05, 1.0, t);
        r += (air[0] - r) * m;
        g += (air[1] - g) * m;
        b += (air[2] - b) * m;
        if (lv > 0 && d < rimW * 2) {
          const rk = rimK * lv * (1 - d / (rimW * 2)) * (1 - L.haze * 0.7);
          r += rimCol[0] * rk;
          g += rimCol[1] * rk;
          b += rimCol[2] * rk;
        }
        blend(c, x, r, g, b, a > 1 ? 1 : a);
      }
    }
  };
}

/** Rolling hills (meadow), dunes (desert) or snow fields, in a few receding layers. */
export function hills(c: Ctx, style: 'grass' | 'sand' | 'snow'): RowFn {
  const { W, H, P, noise } = c;
  const rng = c.rng('hills');
  const hz = c.horizon;
  const n = 3;
  const iu = 1 / c.unit;
  const oct = Math.max(1, c.octaves - 1);
  const air = airColor(c);
  const baseCol = style === 'sand' ? P.sand : style === 'snow' ? P.snow : P.land;
  interface Hill {
    prof: Float32Array;
    lit: Float32Array;
    col: RGB;
    haze: number;
    z: number;
  }
  const layers: Hill[] = [];
  for (let i = 0; i < n; i++) {
    const z = (i + 1) / n;
    const floor = hz + (H - hz) * (0.03 + 0.55 * z * z);
    const amp = H * (0.025 + 0.06 * z) * between(rng, 0.7, 1.3);
    const f = between(rng, 1.0, 2.0) / (0.5 + z);
    const o = rng() * 500;
    const prof = new Float32Array(W);
    for (let x = 0; x < W; x++) {
      const v =
        style === 'sand'
          ? Math.pow(noise.ridge1(x * iu * f + o, i * 9.3, 3), 1.3) * 1.6
          : noise.fbm1(x * iu * f + o, i * 9.3, 3);
      prof[x] = floor - amp * (v - 0.2) * 2.2;
    }
    const lit = new Float32Array(W);
    const sw = Math.max(2, Math.round(4 * c.px));
    for (let x = 0; x < W; x++) {
      const slope = (prof[Math.min(W - 1, x + sw)]! - prof[Math.max(0, x - sw)]!) / (2 * sw);
      lit[x] = Math.max(-1, Math.min(1, slope * c.lightX * (style === 'sand' ? 6 : 3)));
    }
    const tmp = Float32Array.from(lit);
    for (let x = 0; x < W; x++) {
      let s = 0;
      for (let k = -sw; k <= sw; k++) s += tmp[Math.max(0, Math.min(W - 1, x + k))]!;
      lit[x] = s / (2 * sw + 1);
    }
    const haze = Math.pow(1 - z + 0.15, 1.6) * (0.55 + 0.35 * c.fog);
    const warm = mix(baseCol, P.sun, 0.12 * z);
    const col = mix(scale(warm, (style === 'grass' ? 0.8 : 0.72) + 0.22 * z), air, Math.min(0.85, haze));
    layers.push({ prof, lit, col, haze, z });
  }
  const sunK = c.night ? 0.05 : 0.16;
  return (y) => {
    for (let i = 0; i < n; i++) {
      const L = layers[i]!;
      const next = layers[i + 1];
      const { prof, col } = L;
      const aa = c.aa;
      const texK = 0.14 * L.z * (0.3 + 0.7 * c.detail);
      const pd = Math.max(2, y + 0.5 - hz + H * 0.03);
      const pu = 1 / pd;
      const pv = (c.unit / pd) * 2.2;
      for (let x = 0; x < W; x++) {
        const p = prof[x]!;
        const d = y + 0.5 - p;
        if (d < -aa) continue;
        if (next && y - 1 > next.prof[x]! + aa) continue;
        const a = d / aa + 0.5;
        const t = d / (H * 0.2);
        const lx = x + Math.round(d * 1.2 * c.lightX);
        const lv = L.lit[lx < 0 ? 0 : lx >= W ? W - 1 : lx]!;
        let k = 1 + sunK * (1 - smoothstep(0, 0.7, t)) + (style === 'sand' ? 0.3 : 0.08) * lv * (1 - smoothstep(0, 0.8, t));
        if (texK > 0.01) {
          if (style === 'grass') {
            const nv = noise.fbm((x - W * 0.5) * pu * 9 + 50, pv, oct);
            k += (nv - 0.5) * texK * 2.6;
          } else if (style === 'sand') {
            const w = Math.sin(y * iu * 260 * (0.4 + L.z) + noise.at(x * iu * 9, y * iu * 9) * 9);
            k += w * texK * 0.35;
          } else {
            const nv = noise.at(x * iu * 30, y * iu * 30);
            k += (nv - 0.5) * texK * 0.5;
          }
        }
        blend(c, x, col[0] * k, col[1] * k, col[2] * k, a > 1 ? 1 : a);
      }
    }
  };
}

interface Building {
  x0: number;
  x1: number;
  top: number;
  id: number;
  shade: number;
  neon: number;
}

/** City skyline: receding rows of buildings, lit windows at night, neon signs in neon scenes. */
export function city(c: Ctx, onWater: boolean): RowFn {
  const { W, H, P } = c;
  const rng = c.rng('city');
  const hz = c.horizon;
  const n = 3;
  const air = airColor(c);
  const neonScene = c.info.mood === 'neon';
  const nightish = c.night || c.info.mood === 'sunset';
  const salt = c.salt('windows');
  interface Row {
    top: Float32Array;
    bid: Int32Array;
    bs: Building[];
    col: RGB;
    z: number;
    haze: number;
    ww: number;
    wh: number;
  }
  const rows: Row[] = [];
  let id = 1;
  for (let i = 0; i < n; i++) {
    const z = i / (n - 1);
    const base = onWater ? hz + 1 : hz + (H - hz) * 0.12 * z;
    const top = new Float32Array(W).fill(H + 10);
    const bid = new Int32Array(W).fill(-1);
    const bs: Building[] = [];
    let x = -rng() * c.unit * 0.05;
    const hmax = (onWater ? 0.3 : 0.36) * (1.05 - 0.35 * z);
    while (x < W) {
      let w = c.unit * between(rng, 0.028, 0.075) * (0.7 + 0.5 * z);
      let h = H * between(rng, 0.06, hmax) * Math.min(1.4, c.frame.zoom) * massAt(c.frame, (x + w / 2) / W, 0.28, 0.45) * 1.3;
      if (rng() < 0.14) {
        h *= 1.55;
        w *= 0.8;
      }
      h = Math.min(h, base * 0.9);
      const x0 = x;
      const x1 = x + w;
      const t = base - h;
      const b: Building = { x0, x1, top: t, id: id++, shade: between(rng, 0.85, 1.12), neon: -1 };
      if (neonScene && z > 0.3 && rng() < 0.35) b.neon = rng() < 0.5 ? 0 : 1;
      const setback = rng() < 0.3;
      const antenna = h > H * 0.22 && rng() < 0.5;
      for (let px = Math.max(0, Math.floor(x0)); px < Math.min(W, Math.ceil(x1)); px++) {
        let ty = t;
        const f = (px + 0.5 - x0) / w;
        if (setback && (f < 0.18 || f > 0.82)) ty = t + h * 0.12;
        if (antenna && Math.abs(px + 0.5 - (x0 + x1) / 2) < Math.max(0.6, c.px * 1.2)) ty = t - h * 0.18;
        if (ty < top[px]!) {
          top[px] = ty;
          bid[px] = bs.length;
        }
      }
      bs.push(b);
      x = x1 + (rng() < 0.3 ? rng() * w * 0.3 : -rng() * w * 0.2);
    }
    const haze = Math.pow(1 - z, 1.3) * (0.6 + 0.3 * c.fog) + 0.04;
    const bc = c.night ? P.building : mix(P.building, P.skyTop, 0.15);
    const col = mix(scale(bc, 0.9 - 0.25 * z), air, Math.min(0.9, haze));
    const ww = Math.max(2, 8 * c.px * (0.5 + 0.7 * z));
    rows.push({ top, bid, bs, col, z, haze, ww, wh: ww * 1.45 });
  }
  const litProb = c.night ? 0.5 : nightish ? 0.35 : 0.5;
  const winNight: RGB[] = [P.window, mix(P.window, WHITE, 0.4), mix(P.window, P.accent, 0.5)];
  const signCols: RGB[] = [P.accent, P.accent2];
  const signHot: RGB[] = signCols.map((sc) => mix(sc, WHITE, 0.5));
  return (y) => {
    for (const L of rows) {
      const { top, bid, bs, col, z, haze, ww, wh } = L;
      const aa = Math.min(c.aa, 1.5);
      const winK = 1 - haze * 0.9;
      for (let x = 0; x < W; x++) {
        const t = top[x]!;
        const d = y + 0.5 - t;
        if (d < -aa) continue;
        const a = Math.min(1, d / aa + 0.5);
        const bi = bid[x]!;
        const b = bi >= 0 ? bs[bi] : undefined;
        const s = b ? b.shade : 1;
        let r = col[0] * s;
        let g = col[1] * s;
        let bl = col[2] * s;
        if (b && winK > 0.15) {
          const lx = x + 0.5 - b.x0 - ww * 0.5;
          const ly = y + 0.5 - b.top - wh * 0.8;
          if (lx > 0 && ly > 0 && b.x1 - x > ww * 0.6) {
            const cx = Math.floor(lx / ww);
            const cy = Math.floor(ly / wh);
            const fx = lx / ww - cx;
            const fy = ly / wh - cy;
            if (fx > 0.22 && fx < 0.78 && fy > 0.25 && fy < 0.72) {
              const h = hash3(cx + b.id * 131, cy, salt);
              const floor = hash3(b.id, cy >> 1, salt ^ 0x2545f491) & 255;
              const busy = b.shade > 1.05 ? 0.15 : floor < 90 ? 0.05 : 1;
              if ((h & 1023) / 1024 < litProb * busy) {
                if (nightish) {
                  const wc = winNight[(h >>> 10) % 3]!;
                  const k = (0.55 + ((h >>> 12) & 255) / 400) * winK;
                  r += (wc[0] - r) * k;
                  g += (wc[1] - g) * k;
                  bl += (wc[2] - bl) * k;
                } else {
                  const k = 0.25 * winK * (0.5 + ((h >>> 12) & 255) / 512);
                  r += (P.skyHorizon[0] - r) * k;
                  g += (P.skyHorizon[1] - g) * k;
                  bl += (P.skyHorizon[2] - bl) * k;
                }
              }
            }
          }
          if (b.neon >= 0) {
            const sx0 = b.x0 + (b.x1 - b.x0) * 0.7;
            const sw = Math.max(1.5, ww * 0.9);
            const sy0 = b.top + (H - b.top) * 0.08;
            const sy1 = sy0 + (b.x1 - b.x0) * 2.2;
            if (y > sy0 && y < sy1) {
              const dx = Math.abs(x + 0.5 - sx0);
              const sc = dx < sw * 0.4 ? signHot[b.neon]! : signCols[b.neon]!;
              const k = (dx < sw ? 0.95 : Math.exp(-(dx - sw) / (sw * 1.5)) * 0.5) * winK;
              r += (sc[0] - r) * k;
              g += (sc[1] - g) * k;
              bl += (sc[2] - bl) * k;
            }
          }
        }
        if (z < 1 && c.fog > 0) {
          const m = c.fog * 0.5 * smoothstep(0, H * 0.25, d) * (1 - z);
          r += (air[0] - r) * m;
          g += (air[1] - g) * m;
          bl += (air[2] - bl) * m;
        }
        blend(c, x, r, g, bl, a);
      }
    }
  };
}
