/** Sky layers: gradient and glow, nebula, stars, aurora, sun / moon / planet, clouds. */
import { type RGB, WHITE, mix, smoothstep } from './color.ts';
import { type Ctx, type Disc, type RowFn, blend, light } from './ctx.ts';
import { CoarseGrid } from './noise.ts';
import { between, hash3 } from './rng.ts';

function grad3(top: RGB, mid: RGB, bottom: RGB, t: number, out: RGB): void {
  const m = 0.55;
  let a: RGB;
  let b: RGB;
  let k: number;
  if (t < m) {
    a = top;
    b = mid;
    k = t / m;
  } else {
    a = mid;
    b = bottom;
    k = Math.min(1, (t - m) / (1 - m));
  }
  k = k * k * (3 - 2 * k);
  out[0] = a[0] + (b[0] - a[0]) * k;
  out[1] = a[1] + (b[1] - a[1]) * k;
  out[2] = a[2] + (b[2] - a[2]) * k;
}

/** Vertical gradient with soft streaky variation, the sun's glow and a bright horizon band. */
export function sky(c: Ctx): RowFn {
  const { W, H, R, G, B, P, noise } = c;
  const hz = Math.max(1, c.horizon);
  const oct = Math.min(3, c.octaves);
  const rng = c.rng('sky');
  const ox = rng() * 200;
  const oy = rng() * 200;
  const iu = 1 / c.unit;
  const sun = c.sun;
  const gc: RGB = sun?.kind === 'moon' ? mix(P.sun, P.skyHorizon, 0.4) : P.sun;
  const glowK = sun ? P.glow * (sun.kind === 'moon' ? 0.45 : 1) : 0;
  const sx = sun ? sun.x : W / 2;
  const sy = sun ? sun.y : hz;
  const sr = sun ? Math.max(sun.r * iu, 0.02) : 0.05;
  const w1 = 1 / (sr * sr * 5);
  const w2 = 1 / (sr * sr * 60);
  const bandCol: RGB = c.night ? mix(P.skyHorizon, P.accent2, 0.25) : mix(P.skyHorizon, P.sun, 0.5);
  const base: RGB = [0, 0, 0];
  const step = Math.max(2, Math.round(4 * c.px));
  // Smooth parts on a coarse grid: [variation, sun glow, horizon band].
  const field = new CoarseGrid(W, step, 3, (x, y, out, o) => {
    out[o] = 1 + (noise.fbm(x * iu * 1.1 + ox, y * iu * 3.2 + oy, oct) - 0.5) * 0.16;
    const dx = (x - sx) * iu;
    const dy = (y - sy) * iu;
    const d2 = dx * dx + dy * dy;
    out[o + 1] = glowK * (0.5 * Math.exp(-d2 * w1) + 0.5 / (1 + d2 * w2));
    const dyh = (y - hz) / (H * 0.11);
    out[o + 2] = P.horizonGlow * Math.exp(-dyh * dyh) * (sun ? 0.45 + 0.55 * Math.exp(-dx * dx * 3) : 1);
  });
  return (y) => {
    grad3(P.skyTop, P.skyMid, P.skyHorizon, Math.min(1, (y + 0.5) / hz), base);
    const f = field.row(y);
    for (let x = 0, o = 0; x < W; x++, o += 3) {
      const v = f[o]!;
      const glow = f[o + 1]!;
      const hb = f[o + 2]!;
      let r = base[0] * v;
      let g = base[1] * v;
      let b = base[2] * v;
      r += (gc[0] * glow + bandCol[0] * hb) * (1 - r);
      g += (gc[1] * glow + bandCol[1] * hb) * (1 - g);
      b += (gc[2] * glow + bandCol[2] * hb) * (1 - b);
      R[x] = r;
      G[x] = g;
      B[x] = b;
    }
  };
}

/** A glowing band of nebula (galaxy), or a faint wash of nebula in deep space. */
export function nebula(c: Ctx, strength: number, band: boolean): RowFn {
  const { W, H, P, noise } = c;
  const rng = c.rng('nebula');
  const iu = 1 / c.unit;
  const angle = between(rng, -0.9, 0.9) + (rng() < 0.5 ? 0 : Math.PI / 2);
  const ca = Math.cos(angle);
  const sa = Math.sin(angle);
  const cx = W * between(rng, 0.3, 0.7) * iu;
  const cy = H * between(rng, 0.25, 0.55) * iu;
  const width = band ? between(rng, 0.09, 0.16) : 0.45;
  const o1 = rng() * 300;
  const o2 = rng() * 300;
  const oct = c.octaves;
  const limit = c.hasGround ? c.horizon : H;
  const salt = c.salt('dust');
  const A = P.nebulaA;
  const Bc = P.nebulaB;
  const core: RGB = mix(P.sun, WHITE, 0.5);
  // The nebula is soft: evaluate it on a coarse grid as [intensity, colour mix, hot core].
  const field = new CoarseGrid(W, Math.max(2, Math.round(3 * c.px)), 3, (x, y, out, o) => {
    out[o] = 0;
    out[o + 1] = 0;
    out[o + 2] = 0;
    const dx = x * iu - cx;
    const dy = y * iu - cy;
    const along = dx * ca + dy * sa;
    let across = -dx * sa + dy * ca;
    if (band && Math.abs(across) > width * 3.4) return;
    const w = noise.fbm(along * 2.2 + o1, across * 2.2 + o2, 3);
    across += (w - 0.5) * width * 1.6;
    const d = across / width;
    const prof = band ? Math.exp(-d * d) : 0.5 + 0.5 * Math.exp(-d * d * 0.5);
    if (prof < 0.005) return;
    const dens = noise.fbm(along * 3.5 + o2, across * 7 + o1, oct);
    let I = prof * smoothstep(0.3, 0.75, dens + 0.15 * prof);
    let hot = 0;
    if (band) {
      const lane = noise.fbm(along * 6 + o1, across * 16 + o2, Math.min(oct, 4));
      const laneK = 1 - 0.5 * smoothstep(0.54, 0.7, lane) * prof;
      I *= laneK;
      hot = prof * prof * 0.35 * smoothstep(0.45, 0.7, dens) * laneK * laneK;
    }
    out[o] = I * strength;
    out[o + 1] = w;
    out[o + 2] = hot * strength;
  });
  return (y) => {
    if (y >= limit) return;
    const fade = c.hasGround ? smoothstep(limit, limit * 0.5, y) : 1;
    const f = field.row(y);
    for (let x = 0, i = 0; x < W; x++, i += 3) {
      const I = f[i]! * fade;
      const hot = f[i + 2]! * fade;
      if (I < 0.002 && hot < 0.002) continue;
      const t = f[i + 1]!;
      light(c, x, A[0] + (Bc[0] - A[0]) * t, A[1] + (Bc[1] - A[1]) * t, A[2] + (Bc[2] - A[2]) * t, I);
      if (band) {
        light(c, x, core[0], core[1], core[2], hot);
        const h = hash3(x, y, salt);
        if ((h & 0xffff) < I * 0.05 * 65536) light(c, x, 1, 1, 1, 0.4 + ((h >>> 16) & 255) / 400);
      }
    }
  };
}

interface BigStar {
  x: number;
  y: number;
  y0: number;
  y1: number;
  s: number;
  r: number;
  col: RGB;
}

/** A field of stars: many faint ones on a jittered grid, plus a few bright ones with glints. */
export function stars(c: Ctx): RowFn {
  const { W, H, P } = c;
  const space = c.info.mood === 'space';
  const limit = c.hasGround ? c.horizon : H;
  const cell = Math.max(4, Math.round(8 * Math.max(0.6, c.px)));
  const density = (space ? 0.42 : 0.32) * (0.7 + 0.3 * c.detail);
  const salt = c.salt('stars');
  const rad0 = Math.max(0.55, 0.75 * c.px);
  const tints: RGB[] = [WHITE, [0.78, 0.86, 1], [1, 0.92, 0.8], mix(WHITE, P.accent2, 0.3)];
  const rng = c.rng('bigstars');
  const big: BigStar[] = [];
  const nBig = Math.round((space ? 26 : 14) * (W * H) / (1024 * 1024) + 2);
  for (let i = 0; i < nBig; i++) {
    const x = rng() * W;
    const y = rng() * limit * (c.hasGround ? 0.85 : 1);
    const r = (2.5 + rng() * 6) * Math.max(0.5, c.px);
    big.push({ x, y, y0: y - r * 3, y1: y + r * 3, s: 0.35 + rng() * 0.6, r, col: tints[i % tints.length]! });
  }
  return (y) => {
    if (y >= limit) return;
    const fade = c.hasGround ? smoothstep(limit, limit * 0.55, y) : 1;
    if (fade <= 0) return;
    const cy = Math.floor(y / cell);
    const nCells = Math.ceil(W / cell);
    for (let cx = 0; cx < nCells; cx++) {
      const h = hash3(cx, cy, salt);
      if ((h & 0xffff) / 65536 > density) continue;
      const sy = cy * cell + 1 + (((h >>> 16) & 255) / 256) * (cell - 2);
      const dy = y + 0.5 - sy;
      if (dy > 1.8 || dy < -1.8) continue;
      const h2 = hash3(cx, cy, salt ^ 0x5bd1e995);
      const sx = cx * cell + 1 + ((h2 & 255) / 256) * (cell - 2);
      let br = ((h2 >>> 8) & 1023) / 1024;
      br = 0.06 + 0.94 * br * br * br * br;
      const rad = rad0 * (0.7 + br);
      const col = tints[(h2 >>> 20) & 3]!;
      const x0 = Math.max(0, Math.floor(sx - rad - 1));
      const x1 = Math.min(W - 1, Math.ceil(sx + rad));
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - sx;
        const d = Math.sqrt(dx * dx + dy * dy);
        let a = 1 - d / (rad + 0.6);
        if (a <= 0) continue;
        a = a * a * br * fade;
        light(c, x, col[0], col[1], col[2], a);
      }
    }
    for (const s of big) {
      const dy = y + 0.5 - s.y;
      if (dy < -s.r * 3 || dy > s.r * 3) continue;
      const x0 = Math.max(0, Math.floor(s.x - s.r * 3));
      const x1 = Math.min(W - 1, Math.ceil(s.x + s.r * 3));
      const sp = 0.35 * Math.max(0.5, c.px);
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - s.x;
        const d2 = (dx * dx + dy * dy) / (s.r * s.r);
        const glow = Math.exp(-d2 * 6) + 0.25 * Math.exp(-d2 * 0.8);
        const spike =
          0.5 * (Math.exp(-(dy * dy) / (sp * sp * 4)) * Math.exp(-Math.abs(dx) / s.r)) +
          0.5 * (Math.exp(-(dx * dx) / (sp * sp * 4)) * Math.exp(-Math.abs(dy) / s.r));
        const a = (glow + spike * c.detail) * s.s * fade;
        if (a > 0.002) light(c, x, s.col[0], s.col[1], s.col[2], a);
      }
    }
  };
}

/** Curtains of aurora above the horizon. */
export function aurora(c: Ctx): RowFn {
  const { W, H, P, noise } = c;
  const rng = c.rng('aurora');
  const iu = 1 / c.unit;
  const limit = c.hasGround ? c.horizon : H;
  const baseY = new Float32Array(W);
  const rays = new Float32Array(W);
  const o = rng() * 100;
  const b0 = limit * between(rng, 0.45, 0.65);
  const amp = H * between(rng, 0.08, 0.16);
  const oct = Math.max(2, c.octaves);
  for (let x = 0; x < W; x++) {
    baseY[x] = b0 + amp * (noise.fbm1(x * iu * 1.3 + o, 3.3, 3) - 0.5) * 2.5;
    const r = noise.fbm1(x * iu * 18 + o, 7.7, oct);
    rays[x] = 0.35 + 0.9 * r * r;
  }
  const height = H * 0.3;
  return (y) => {
    if (y >= limit) return;
    const fade = c.hasGround ? smoothstep(limit, limit * 0.8, y) : 1;
    for (let x = 0; x < W; x++) {
      const t = (baseY[x]! - y) / height;
      if (t < -0.15 || t > 1.6) continue;
      const I = (t < 0 ? Math.exp(t * 30) : Math.exp(-t * 1.8) * (1 - Math.exp(-(t + 0.02) * 25))) * rays[x]! * 0.75 * fade;
      const k = smoothstep(0.05, 0.9, t);
      light(
        c,
        x,
        P.aurora[0] + (P.aurora2[0] - P.aurora[0]) * k,
        P.aurora[1] + (P.aurora2[1] - P.aurora[1]) * k,
        P.aurora[2] + (P.aurora2[2] - P.aurora[2]) * k,
        I,
      );
    }
  };
}

/** Sun, moon and planets. */
export function discs(c: Ctx): RowFn {
  const draws = c.discs.map((d) => (d.kind === 'planet' ? planet(c, d) : d.kind === 'moon' ? moon(c, d) : sunDisc(c, d)));
  return (y) => {
    for (const f of draws) f(y);
  };
}

function sunDisc(c: Ctx, d: Disc): RowFn {
  const { W, P } = c;
  const core: RGB = mix(P.sun, WHITE, 0.6);
  const rim: RGB = c.horizon - d.y < d.r * 3 ? mix(P.sun, P.skyHorizon, 0.35) : P.sun;
  const aa = Math.max(c.aa, 1);
  return (y) => {
    const dy = y + 0.5 - d.y;
    if (Math.abs(dy) > d.r + aa) return;
    const half = Math.sqrt(Math.max(0, (d.r + aa) ** 2 - dy * dy));
    const x0 = Math.max(0, Math.floor(d.x - half));
    const x1 = Math.min(W - 1, Math.ceil(d.x + half));
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - d.x;
      const dist = Math.sqrt(dx * dx + dy * dy);
      let a = (d.r - dist) / aa + 0.5;
      if (a <= 0) continue;
      if (a > 1) a = 1;
      const k = (dist / d.r) ** 2;
      blend(c, x, core[0] + (rim[0] - core[0]) * k, core[1] + (rim[1] - core[1]) * k, core[2] + (rim[2] - core[2]) * k, a);
    }
  };
}

function moon(c: Ctx, d: Disc): RowFn {
  const { W, P, noise } = c;
  const rng = c.rng('moon');
  const base: RGB = mix(mix(P.sun, WHITE, 0.35), P.skyHorizon, 0.08);
  const crescent = rng() < 0.5;
  const phase = between(rng, 0.45, 0.8) * (rng() < 0.5 ? -1 : 1);
  const o = rng() * 100;
  const aa = Math.max(c.aa, 1);
  const oct = Math.max(2, c.octaves);
  return (y) => {
    const dy = y + 0.5 - d.y;
    if (Math.abs(dy) > d.r + aa) return;
    const half = Math.sqrt(Math.max(0, (d.r + aa) ** 2 - dy * dy));
    const x0 = Math.max(0, Math.floor(d.x - half));
    const x1 = Math.min(W - 1, Math.ceil(d.x + half));
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - d.x;
      const dist = Math.sqrt(dx * dx + dy * dy);
      let a = (d.r - dist) / aa + 0.5;
      if (a <= 0) continue;
      if (a > 1) a = 1;
      let lit = 1;
      if (crescent) {
        const sx = dx - phase * d.r;
        const sd = Math.sqrt(sx * sx + dy * dy);
        const s = (d.r * 1.02 - sd) / (aa * 2 + d.r * 0.06) + 0.5;
        lit = 1 - 0.93 * (s < 0 ? 0 : s > 1 ? 1 : s);
      }
      const n = noise.fbm(dx / d.r * 1.8 + o, dy / d.r * 1.8 + o, oct);
      const mare = 1 - 0.28 * smoothstep(0.45, 0.62, n);
      const limb = 0.82 + 0.18 * Math.sqrt(Math.max(0, 1 - (dist / d.r) ** 2));
      const k = mare * limb * lit;
      blend(c, x, base[0] * k, base[1] * k, base[2] * k, a * (0.15 + 0.85 * lit));
    }
  };
}

function planet(c: Ctx, d: Disc): RowFn {
  const { W, P, noise } = c;
  const rng = c.rng('planet');
  const tilt = between(rng, -0.5, 0.5);
  const ct = Math.cos(tilt);
  const st = Math.sin(tilt);
  const lx = c.lightX * between(rng, 0.6, 0.9);
  const ly = between(rng, -0.5, 0.2);
  const lz = between(rng, 0.25, 0.55);
  const ln = Math.sqrt(lx * lx + ly * ly + lz * lz);
  const ring = rng() < 0.55;
  const squash = between(rng, 0.18, 0.32);
  const r1 = 1.3;
  const r2 = between(rng, 1.9, 2.3);
  const o = rng() * 100;
  const c1 = P.accent;
  const c2 = mix(P.nebulaB, P.skyHorizon, 0.3);
  const c3 = mix(P.accent2, WHITE, 0.35);
  const ringCol: RGB = mix(mix(P.sun, P.accent2, 0.3), WHITE, 0.2);
  const atm: RGB = mix(P.accent2, WHITE, 0.3);
  const aa = Math.max(c.aa, 1);
  const reach = ring ? d.r * r2 : d.r * 1.15;
  const oct = Math.max(2, c.octaves);
  return (y) => {
    const dy = y + 0.5 - d.y;
    if (Math.abs(dy) > reach + aa) return;
    const x0 = Math.max(0, Math.floor(d.x - reach - aa));
    const x1 = Math.min(W - 1, Math.ceil(d.x + reach + aa));
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - d.x;
      const nxp = dx / d.r;
      const nyp = dy / d.r;
      const dist = Math.sqrt(nxp * nxp + nyp * nyp);
      // ring geometry in the tilted frame
      let ringA = 0;
      let front = false;
      if (ring) {
        const u = nxp * ct + nyp * st;
        const w = -nxp * st + nyp * ct;
        const rr = Math.sqrt(u * u + (w / squash) * (w / squash));
        if (rr > r1 && rr < r2) {
          const band = 0.55 + 0.45 * Math.sin(rr * 38 + 3 * noise.at(rr * 9 + o, 1.5));
          const edge = Math.min(rr - r1, r2 - rr) * 12;
          ringA = band * Math.min(1, edge) * 0.8;
          front = w > 0;
          // the planet's shadow falls on the back of the ring
          if (!front && dist < 1.02) ringA = 0;
        }
      }
      if (ringA > 0 && !front) blend(c, x, ringCol[0], ringCol[1], ringCol[2], ringA);
      if (dist < 1 + (aa / d.r) * 0.5 + 0.08) {
        const cover = Math.min(1, Math.max(0, ((1 - dist) * d.r) / aa + 0.5));
        const nz = Math.sqrt(Math.max(0, 1 - dist * dist));
        const shade = Math.max(0, (nxp * lx + nyp * ly + nz * lz) / ln);
        if (cover > 0) {
          const v = nyp * ct - nxp * st;
          const bands = noise.fbm(v * 5 + o, nxp * 0.8 + noise.at(v * 3, nxp * 3) * 0.6, oct);
          const t = smoothstep(0.3, 0.7, bands);
          const col = t < 0.5 ? mix(c1, c2, t * 2) : mix(c2, c3, t * 2 - 2 * 0.5);
          const k = 0.04 + 0.96 * Math.pow(shade, 0.8);
          const rim = Math.exp(-nz * 7) * Math.min(1, shade * 2 + 0.1);
          blend(c, x, col[0] * k + atm[0] * rim, col[1] * k + atm[1] * rim, col[2] * k + atm[2] * rim, cover);
        }
        if (dist > 0.98) {
          const halo = Math.exp(-(dist - 1) * 25) * 0.5 * Math.min(1, shade * 3 + 0.15);
          light(c, x, atm[0], atm[1], atm[2], halo);
        }
      }
      if (ringA > 0 && front) blend(c, x, ringCol[0], ringCol[1], ringCol[2], ringA);
    }
  };
}

/** Soft, horizontally stretched clouds lit from above (and by the sun when it is near). */
export function clouds(c: Ctx): RowFn {
  const { W, H, P, noise } = c;
  const rng = c.rng('clouds');
  const iu = 1 / c.unit;
  const ox = rng() * 300;
  const oy = rng() * 300;
  const words = c.info.words;
  const heavy = c.info.mood === 'overcast' || words.some((w) => w.startsWith('storm') || w === 'cloudy');
  const cover = heavy ? between(rng, 0.36, 0.44) : between(rng, 0.49, 0.56);
  const limit = c.hasGround ? c.horizon : H;
  const top = limit * between(rng, 0.0, 0.15);
  const bottom = limit * between(rng, 0.72, 0.92);
  const fx = between(rng, 0.9, 1.5) * iu;
  const fy = fx * between(rng, 2.6, 3.6);
  const lift = 0.012 * c.unit;
  const oct = c.octaves;
  const sun = c.sun;
  const sunCol = P.sun;
  const lit: RGB = P.cloud;
  const shade: RGB = P.cloudShade;
  const field = new CoarseGrid(W, Math.max(2, Math.round(3 * c.px)), 2, (x, y, out, o) => {
    out[o] = noise.fbm(x * fx + ox, y * fy + oy, oct);
    out[o + 1] = noise.fbm(x * fx + ox, (y - lift) * fy + oy, oct);
  });
  return (y) => {
    if (y < top - H * 0.05 || y > bottom) return;
    const vm = smoothstep(top - H * 0.05, top + H * 0.12, y) * smoothstep(bottom, bottom - H * 0.18, y);
    if (vm <= 0) return;
    const f = field.row(y);
    const fine = 0.035 * c.detail;
    for (let x = 0; x < W; x++) {
      let n = f[x * 2]!;
      if (n < cover - 0.03) continue;
      if (fine > 0) n += (noise.at(x * fx * 20, y * fy * 14) - 0.5) * fine;
      const dens = smoothstep(cover, cover + 0.2, n) * vm;
      if (dens <= 0.003) continue;
      const nu = f[x * 2 + 1]!;
      let s = 0.5 + (n - nu) * 9;
      s = s < 0 ? 0 : s > 1 ? 1 : s;
      s = 0.25 + 0.75 * s * (0.6 + 0.4 * smoothstep(cover, cover + 0.3, n));
      let r = shade[0] + (lit[0] - shade[0]) * s;
      let g = shade[1] + (lit[1] - shade[1]) * s;
      let b = shade[2] + (lit[2] - shade[2]) * s;
      if (sun) {
        const dx = (x - sun.x) * iu;
        const dy = (y - sun.y) * iu;
        const near = Math.exp(-(dx * dx + dy * dy) * 12) * (1 - dens * 0.6) * P.glow;
        r += sunCol[0] * near;
        g += sunCol[1] * near;
        b += sunCol[2] * near;
      }
      blend(c, x, r, g, b, dens * 0.95);
    }
  };
}
