/** A cliff (headland) on one side of the picture, optionally with a lighthouse and its beam. */
import { type RGB, WHITE, mix, scale, smoothstep } from './color.ts';
import { type Ctx, type RowFn, blend, light } from './ctx.ts';
import { profileOctaves } from './land.ts';
import { between } from './rng.ts';

export interface Headland {
  prof: Float32Array;
  /** Per column: 0 on the grassy top, rising to 1 down the cliff face. */
  face: Float32Array;
  side: -1 | 1;
  top: number;
  /** Lighthouse: position of the lamp and size of the tower, if any. */
  lamp: { x: number; y: number; base: number; height: number } | null;
}

export function planHeadland(c: Ctx, withLighthouse: boolean): Headland {
  const { W, H, noise } = c;
  const rng = c.rng('cliff');
  // The cliff stands on the side of the framing's focus, as large as the framing is near.
  const { focus, zoom } = c.frame;
  const side: -1 | 1 = focus < 0.5 ? -1 : 1;
  const hz = c.horizon;
  const top = Math.max(H * 0.12, hz - H * between(rng, 0.04, 0.1) * zoom);
  const reach = W * Math.min(0.5, (Math.abs(focus - 0.5) + 0.08) * between(rng, 0.8, 1.15) * zoom);
  const faceW = W * between(rng, 0.12, 0.2) * Math.sqrt(zoom);
  const iu = 1 / c.unit;
  const oct = profileOctaves(c, 7, 2 + Math.round(c.detail * 4));
  const prof = new Float32Array(W);
  const face = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    const d = side < 0 ? x : W - 1 - x;
    const jag = (noise.fbm1(x * iu * 7 + 11, 70, oct) - 0.5) * H * 0.05;
    const roll = (noise.fbm1(x * iu * 2.5 + 5, 71, 2) - 0.5) * H * 0.025;
    if (d < reach) {
      prof[x] = top + (d / reach) * (d / reach) * H * 0.025 + roll + jag * 0.15;
    } else if (d < reach + faceW) {
      const t = (d - reach) / faceW;
      face[x] = t;
      prof[x] = top + H * 0.025 + roll + (H - top) * 1.08 * Math.pow(t, 1.6) + jag * Math.min(1, t * 3);
    } else {
      prof[x] = H + 10;
      face[x] = 1;
    }
  }
  let lamp: Headland['lamp'] = null;
  if (withLighthouse) {
    const d = reach * between(rng, 0.45, 0.8);
    const x = side < 0 ? d : W - 1 - d;
    const base = prof[Math.round(x)]! + 2;
    const height = Math.min(top * 0.9, H * between(rng, 0.17, 0.24) * zoom);
    lamp = { x, y: base - height * 0.93, base, height };
  }
  return { prof, face, side, top, lamp };
}

/** The light beam(s) sweeping out over the sea, drawn into the air behind the cliff. */
export function beam(c: Ctx, h: Headland): RowFn {
  const { W, P } = c;
  const lamp = h.lamp;
  if (!lamp) return () => {};
  const rng = c.rng('beam');
  const ang = between(rng, 0.05, 0.22);
  const dir = -h.side;
  const ca = Math.cos(ang) * dir;
  const sa = -Math.sin(ang);
  const spread = between(rng, 0.06, 0.1);
  const strength = c.night ? 0.5 : c.info.mood === 'sunset' || c.info.mood === 'dawn' ? 0.3 : 0.12;
  const col: RGB = mix(P.sun, WHITE, 0.5);
  const reach = W * 0.9;
  return (y) => {
    const dy = y + 0.5 - lamp.y;
    for (let x = 0; x < W; x++) {
      const dx = x + 0.5 - lamp.x;
      const along = dx * ca + dy * sa;
      if (along <= 0) continue;
      const across = -dx * sa * dir + dy * ca * dir;
      const w = along * spread + lamp.height * 0.04;
      const q = across / w;
      if (q > 3 || q < -3) continue;
      const I = Math.exp(-q * q * 1.5) * Math.exp(-along / reach) * strength * smoothstep(0, lamp.height * 0.1, along);
      light(c, x, col[0], col[1], col[2], I);
    }
  };
}

/** The cliff itself and the lighthouse standing on it. */
export function headland(c: Ctx, h: Headland): RowFn {
  const { W, H, P, noise } = c;
  const iu = 1 / c.unit;
  const ambient = c.night ? 0.32 : c.info.mood === 'sunset' ? 0.75 : c.info.mood === 'dawn' ? 0.85 : 1;
  const rockBase: RGB = scale(mix(P.rock, P.skyMid, 0.3), ambient * 1.1);
  const grass: RGB = scale(mix(P.stem, P.sun, 0.12), c.night ? 0.5 : 0.9);
  const rim: RGB = mix(P.sun, WHITE, 0.3);
  const oct = Math.max(2, Math.min(4, c.octaves));
  const lamp = h.lamp;
  const stripe = c.night ? scale(P.stripe, 0.45) : P.stripe;
  const white: RGB = c.night ? scale(mix(WHITE, P.skyHorizon, 0.3), 0.5) : mix(WHITE, P.skyHorizon, 0.2);
  const dark: RGB = scale(P.building, 0.6);
  const lampCol: RGB = mix(P.sun, WHITE, 0.6);
  const faceLit = c.lightX === -h.side ? 1 : -1;
  const rimW = 3 * Math.max(0.7, c.px);
  return (y) => {
    const aa = c.aa;
    const ao = 1 - 0.4 * smoothstep(h.top, H, y);
    for (let x = 0; x < W; x++) {
      const p = h.prof[x]!;
      const d = y + 0.5 - p;
      if (d < -aa) continue;
      const a = d / aa + 0.5;
      const f = h.face[x]!;
      const n = noise.fbm(x * iu * 9, y * iu * 13, oct);
      const strata = Math.sin(y * iu * 75 + n * 9) * 0.1 * f;
      const k = (0.82 + (n - 0.5) * 0.8 + strata) * ao * (1 + 0.2 * faceLit * f);
      let r = rockBase[0] * k;
      let g = rockBase[1] * k;
      let b = rockBase[2] * k;
      const gk = (1 - f) * (1 - smoothstep(c.unit * 0.006, c.unit * 0.022, d + (n - 0.5) * c.unit * 0.03));
      r += (grass[0] - r) * gk;
      g += (grass[1] - g) * gk;
      b += (grass[2] - b) * gk;
      if (d < rimW) {
        const rimK = (1 - d / rimW) * 0.3 * P.glow;
        r += rim[0] * rimK;
        g += rim[1] * rimK;
        b += rim[2] * rimK;
      }
      blend(c, x, r, g, b, a > 1 ? 1 : a);
    }
    if (!lamp) return;
    const Lh = lamp.height;
    const top = lamp.base - Lh;
    if (y < top - Lh * 0.2 || y > lamp.base) return;
    const hwB = Lh * 0.085;
    const hwT = Lh * 0.058;
    const t = (y + 0.5 - top) / Lh;
    let hw: number;
    let kind: 'tower' | 'gallery' | 'lantern' | 'roof';
    if (t >= 0.08) {
      hw = hwT + (hwB - hwT) * ((t - 0.08) / 0.92);
      kind = 'tower';
    } else if (t >= 0.05) {
      hw = hwT * 1.45;
      kind = 'gallery';
    } else if (t >= -0.06) {
      hw = hwT * 0.8;
      kind = 'lantern';
    } else {
      const rt = (t + 0.14) / 0.08;
      if (rt < 0) return;
      hw = hwT * 0.95 * rt;
      kind = 'roof';
    }
    const x0 = Math.max(0, Math.floor(lamp.x - hw - aa));
    const x1 = Math.min(W - 1, Math.ceil(lamp.x + hw + aa));
    const band = Math.floor(((t - 0.08) / 0.92) * 5) % 2 === 0;
    for (let x = x0; x <= x1; x++) {
      const u = (x + 0.5 - lamp.x) / hw;
      const e = (hw - Math.abs(x + 0.5 - lamp.x)) / aa + 0.5;
      if (e <= 0) continue;
      const cyl = (0.55 + 0.45 * Math.sqrt(Math.max(0, 1 - u * u)) + 0.18 * u * c.lightX) * (0.6 + 0.4 * ambient);
      let col: RGB;
      if (kind === 'tower') col = band ? stripe : white;
      else if (kind === 'lantern') col = Math.abs(u) > 0.75 || Math.abs((((u + 1) * 2) % 1) - 0.5) > 0.42 ? dark : lampCol;
      else col = dark;
      const k = kind === 'lantern' && col === lampCol ? 1 : cyl;
      blend(c, x, col[0] * k, col[1] * k, col[2] * k, e > 1 ? 1 : e);
    }
  };
}

/** A soft glow around the lighthouse lamp. */
export function lampGlow(c: Ctx, h: Headland): RowFn {
  const lamp = h.lamp;
  if (!lamp) return () => {};
  const { W, P } = c;
  const R = lamp.height * 0.45;
  const col: RGB = mix(P.sun, WHITE, 0.4);
  const k = c.night ? 0.9 : 0.55;
  return (y) => {
    const dy = y + 0.5 - lamp.y;
    if (Math.abs(dy) > R) return;
    const x0 = Math.max(0, Math.floor(lamp.x - R));
    const x1 = Math.min(W - 1, Math.ceil(lamp.x + R));
    const s = lamp.height * 0.035;
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - lamp.x;
      const r2 = dx * dx + dy * dy;
      if (r2 >= R * R) continue;
      const d2 = r2 / (s * s);
      const fall = 1 - Math.sqrt(r2) / R;
      light(c, x, col[0], col[1], col[2], k * (Math.exp(-d2 * 0.5) * 0.9 + 0.35 / (1 + d2 * 0.08)) * fall);
    }
  };
}
