/**
 * The builtin procedural renderer: a deterministic, offline painter (not AI) that turns a recipe
 * (prompt, negative prompt, size, steps, guidance, seed, sampler, init image + strength) into an
 * RGB raster. Pure: no I/O, no clocks, no Math.random.
 *
 * - words choose motifs, mood and palette (palette.ts); negative words take them away;
 * - the seed chooses the layout: the framing (horizon high or low, the subject on a third or in the
 *   middle, near or far; framing.ts), then positions, sizes and noise;
 * - steps add detail (noise octaves, texture, crisper edges), saturating around 30;
 * - guidance sets contrast and saturation;
 * - the picture is rendered in `steps` bands of rows, so a caller can yield between steps.
 */
import type { ModelName, Sampler } from '@imageflow/shared';
import { abstractArt } from './abstract.ts';
import { beam, headland, lampGlow, planHeadland } from './coast.ts';
import type { Ctx, Disc, RowFn } from './ctx.ts';
import { mist, rain } from './fx.ts';
import { city, hills, mountains } from './land.ts';
import { chooseFraming, framedHorizon } from './framing.ts';
import { ValueNoise } from './noise.ts';
import { type PromptInfo, buildPalette, interpretPrompt } from './palette.ts';
import { flowers, forest, trees } from './plants.ts';
import { between, hash3, mixSeed, mulberry32 } from './rng.ts';
import { aurora, clouds, discs, nebula, sky, stars } from './sky.ts';
import { water } from './water.ts';

export interface RenderInput {
  prompt: string;
  negativePrompt?: string;
  width: number;
  height: number;
  steps: number;
  guidance: number;
  seed: number;
  sampler?: Sampler;
  model?: ModelName;
  /** Image-to-image: the init image as raw RGB bytes, already width×height. */
  init?: Uint8Array;
  /** 0 keeps the init image, 1 ignores it. */
  strength?: number;
}

export interface Raster {
  /** RGB, 3 bytes a pixel, row-major. */
  data: Uint8Array;
  width: number;
  height: number;
}

export interface RenderJob extends Raster {
  readonly steps: number;
  readonly info: PromptInfo;
  /** Render band `step` (0-based, < steps) of rows into `data`. Call in order 0, 1, 2, ... */
  renderStep(step: number): void;
}

/** How much detail a number of steps buys: 0 at 1 step, ~0.97 at 30, saturating. */
export function detailFor(steps: number): number {
  return 1 - Math.exp(-(Math.max(1, steps) - 1) / 8);
}

interface Look {
  grain: number;
  contrast: number;
  sat: number;
  soft: number;
}

const SAMPLER_LOOK: Record<Sampler, Look> = {
  euler: { grain: 1, contrast: 1, sat: 1, soft: 1 },
  euler_a: { grain: 1.35, contrast: 0.98, sat: 1.02, soft: 1.1 },
  heun: { grain: 0.9, contrast: 1.01, sat: 1, soft: 0.85 },
  dpm_2: { grain: 0.9, contrast: 1.02, sat: 1, soft: 0.9 },
  dpmpp_2m: { grain: 0.95, contrast: 1.02, sat: 1.01, soft: 0.95 },
  dpmpp_2m_karras: { grain: 0.85, contrast: 1.04, sat: 1.02, soft: 0.9 },
  dpmpp_sde: { grain: 1.3, contrast: 1.02, sat: 1.03, soft: 1.05 },
  ddim: { grain: 0.8, contrast: 0.99, sat: 0.97, soft: 1 },
  uni_pc: { grain: 0.9, contrast: 1.03, sat: 1.01, soft: 0.9 },
};

const MODEL_LOOK: Record<ModelName, Look> = {
  sdxl: { grain: 1, contrast: 1, sat: 1, soft: 1 },
  'flux-dev': { grain: 0.7, contrast: 1.03, sat: 1.04, soft: 0.9 },
  'flux-schnell': { grain: 0.6, contrast: 1.02, sat: 1.03, soft: 0.95 },
};

const FOG_BY_MOOD: Record<PromptInfo['mood'], number> = {
  day: 0.12,
  golden: 0.2,
  sunset: 0.2,
  dawn: 0.35,
  night: 0.12,
  space: 0,
  neon: 0.25,
  overcast: 0.4,
};

/**
 * Tone curve, as a table: a soft toe and shoulder instead of clipping, so more contrast always
 * means more spread (and no flat black or white patches).
 */
const TONE_LO = -0.6;
const TONE_HI = 2.2;
const TONE_N = 8192;
const TONE_MAX = TONE_N - 1;
const TONE_SCALE = TONE_N / (TONE_HI - TONE_LO);
const TONE = new Float32Array(TONE_N);
for (let i = 0; i < TONE_N; i++) {
  let v = TONE_LO + (i + 0.5) / TONE_SCALE;
  if (v < 0.06) v = 0.06 * Math.exp((v - 0.06) / 0.06);
  else if (v > 0.8) v = 0.8 + 0.2 * (1 - Math.exp((0.8 - v) * 5));
  TONE[i] = v;
}

const GROUND_MOTIFS = ['mountains', 'hills', 'desert', 'snow', 'city', 'water', 'forest', 'trees', 'cliff', 'lighthouse'] as const;

export function createRenderJob(input: RenderInput): RenderJob {
  const W = input.width | 0;
  const H = input.height | 0;
  if (W < 1 || H < 1) throw new RangeError('width and height must be positive');
  const steps = Math.max(1, Math.floor(input.steps));
  const seed = input.seed >>> 0;
  const info = interpretPrompt(input.prompt, input.negativePrompt ?? '');
  const P = buildPalette(info, seed);
  const m = info.motifs;
  const look = SAMPLER_LOOK[input.sampler ?? 'euler'] ?? SAMPLER_LOOK.euler;
  const mlook = MODEL_LOOK[input.model ?? 'sdxl'] ?? MODEL_LOOK.sdxl;
  const unit = Math.sqrt(W * H);
  const detail = detailFor(steps);
  const lay = mulberry32(mixSeed(seed, 'layout'));
  const frame = chooseFraming(seed);

  const space = info.mood === 'space';
  const groundy = GROUND_MOTIFS.some((g) => m.has(g));
  const hasGround = !info.abstract && (groundy || !space);
  // A city at night or in the rain stands on a wet, reflecting street.
  const street = m.has('city') && !m.has('water') && (m.has('rain') || info.mood === 'neon' || info.mood === 'night');
  let horizon = H;
  if (hasGround) {
    let lo = 0.55;
    let hi = 0.7;
    if (m.has('water')) [lo, hi] = [0.46, 0.6];
    else if (m.has('cliff')) [lo, hi] = [0.5, 0.62];
    else if (m.has('city')) [lo, hi] = street ? [0.7, 0.8] : [0.6, 0.74];
    else if (m.has('mountains')) [lo, hi] = [0.58, 0.72];
    else if (m.has('flowers')) [lo, hi] = [0.5, 0.62];
    horizon = Math.round(H * framedHorizon(frame, lo, hi, lay()));
  } else lay();

  let fog = FOG_BY_MOOD[info.mood];
  if (m.has('fog')) fog += 0.45;
  if (m.has('rain')) fog += 0.2;
  fog = Math.min(1, fog);

  // Bodies in the sky.
  const discList: Disc[] = [];
  const low = info.mood === 'sunset' || info.mood === 'dawn';
  let sunDisc: Disc | null = null;
  // The sun stands at the focus, or across from a cliff that takes it.
  const sunAt = m.has('cliff') ? 1 - frame.focus : frame.focus;
  if (m.has('sun') && !info.abstract) {
    const r = unit * (low ? between(lay, 0.05, 0.08) : between(lay, 0.035, 0.06)) * Math.sqrt(frame.zoom);
    const x = W * Math.min(0.88, Math.max(0.12, sunAt + between(lay, -0.08, 0.08)));
    let y: number;
    if (!hasGround) y = H * between(lay, 0.15, 0.85);
    else if (low) y = horizon - r * between(lay, -0.3, 2.6);
    else if (info.mood === 'golden') y = horizon - H * between(lay, 0.08, 0.22);
    else y = Math.min(horizon - r * 2, H * between(lay, 0.1, 0.3));
    sunDisc = { kind: 'sun', x, y, r };
    discList.push(sunDisc);
  } else lay();
  let moonDisc: Disc | null = null;
  if (m.has('moon') && !info.abstract) {
    const r = unit * between(lay, 0.035, 0.06);
    let x = W * Math.min(0.88, Math.max(0.12, sunAt + between(lay, -0.1, 0.1)));
    if (sunDisc) x = sunDisc.x < W / 2 ? W * between(lay, 0.6, 0.85) : W * between(lay, 0.15, 0.4);
    const y = Math.min((hasGround ? horizon : H) * 0.7, H * between(lay, 0.1, 0.35));
    moonDisc = { kind: 'moon', x, y, r };
    discList.push(moonDisc);
  }
  if (m.has('planet') && !info.abstract) {
    const r = unit * between(lay, 0.13, 0.28);
    const x = W * between(lay, 0.1, 0.9);
    const y = hasGround ? H * between(lay, 0.12, 0.4) : H * between(lay, 0.2, 0.8);
    discList.unshift({ kind: 'planet', x, y, r });
  }
  const lightSrc = sunDisc ?? moonDisc;
  const lightX = lightSrc ? (lightSrc.x >= W / 2 ? 1 : -1) : lay() < 0.5 ? -1 : 1;

  const R = new Float32Array(W);
  const G = new Float32Array(W);
  const B = new Float32Array(W);
  const ctx: Ctx = {
    W,
    H,
    unit,
    px: unit / 1024,
    seed,
    detail,
    octaves: 1 + Math.round(detail * 5),
    aa: Math.max(0.5, (0.75 + 3.2 * (1 - detail)) * Math.min(2, Math.max(0.35, unit / 1024)) * look.soft * mlook.soft),
    horizon,
    frame,
    hasGround,
    noise: new ValueNoise(mixSeed(seed, 'noise')),
    P,
    info,
    R,
    G,
    B,
    sun: lightSrc,
    discs: discList,
    lightX,
    fog,
    night: info.mood === 'night' || info.mood === 'space' || info.mood === 'neon',
    rng: (salt) => mulberry32(mixSeed(seed, salt)),
    salt: (name) => mixSeed(seed, name),
  };

  // The layers, back to front. `back` is what water reflects.
  const back: RowFn[] = [];
  const front: RowFn[] = [];
  let scene: Float32Array | null = null;
  if (info.abstract) {
    back.push(abstractArt(ctx));
  } else {
    back.push(sky(ctx));
    if (m.has('galaxy')) back.push(nebula(ctx, space ? 0.9 : 0.6, true));
    else if (space) back.push(nebula(ctx, 0.3, false));
    const starsAsked = info.words.some((w) => w.startsWith('star'));
    if (m.has('stars') && (starsAsked || !m.has('rain'))) back.push(stars(ctx));
    if (m.has('aurora')) back.push(aurora(ctx));
    if (discList.length > 0) back.push(discs(ctx));
    const autoClouds =
      !info.negatedMotifs.has('clouds') && !ctx.night && hasGround && lay() < 0.55 && !m.has('fog');
    if (m.has('clouds') || autoClouds) back.push(clouds(ctx));
    const onWater = m.has('water');
    if (m.has('mountains')) back.push(mountains(ctx, onWater));
    const otherGround = GROUND_MOTIFS.some((g) => g !== 'snow' && g !== 'desert' && g !== 'hills' && m.has(g));
    if (hasGround && !onWater && !street && (m.has('hills') || m.has('desert') || !otherGround || (m.has('snow') && !otherGround)))
      back.push(hills(ctx, m.has('desert') ? 'sand' : m.has('snow') ? 'snow' : 'grass'));
    if (m.has('city')) back.push(city(ctx, onWater || street));
    if (m.has('forest')) back.push(forest(ctx, onWater));
    if (m.has('trees')) back.push(trees(ctx, onWater));
    if ((onWater || street) && hasGround) {
      scene = new Float32Array(W * horizon * 3);
      front.push(water(ctx, scene, !onWater));
    }
    if (fog > 0.3 && hasGround) front.push(mist(ctx));
    if (m.has('cliff') && hasGround) {
      const h = planHeadland(ctx, m.has('lighthouse'));
      front.push(beam(ctx, h), headland(ctx, h), lampGlow(ctx, h));
    }
    if (m.has('flowers')) front.push(flowers(ctx, !onWater && hasGround));
    if (m.has('rain')) front.push(rain(ctx));
  }

  // Finishing: guidance → contrast and saturation; vignette; grain; dither; img2img blend.
  const gK = 1 - Math.exp(-Math.max(0, input.guidance) / 6);
  const contrast = (0.86 + 0.42 * gK) * look.contrast * mlook.contrast;
  const sat = (0.9 + 0.32 * gK) * look.sat * mlook.sat;
  const pivot = 0.42;
  const grain = info.grain ? 0.024 * detail * look.grain * mlook.grain : 0;
  const vig = info.vignette ? 0.3 : 0;
  const vx = new Float32Array(W);
  for (let x = 0; x < W; x++) {
    const u = ((x + 0.5) / W - 0.5) * 2;
    vx[x] = u * u * 0.5;
  }
  const strength = input.strength === undefined ? 1 : Math.min(1, Math.max(0, input.strength));
  const init = input.init && strength < 1 ? input.init : undefined;
  if (init && init.length < W * H * 3) throw new RangeError('init image must be width×height RGB');
  const data = new Uint8Array(W * H * 3);
  // Writing through a clamped view rounds and clamps for free.
  const out = new Uint8ClampedArray(data.buffer);
  const dsalt = mixSeed(seed, 'dither');

  const finishRow = (y: number): void => {
    const v = ((y + 0.5) / H - 0.5) * 2;
    const vy = v * v * 0.5;
    let o = y * W * 3;
    for (let x = 0; x < W; x++, o += 3) {
      let r = R[x]!;
      let g = G[x]!;
      let b = B[x]!;
      r = pivot + (r - pivot) * contrast;
      g = pivot + (g - pivot) * contrast;
      b = pivot + (b - pivot) * contrast;
      const l = 0.2126 * r + 0.7152 * g + 0.0722 * b;
      r = l + (r - l) * sat;
      g = l + (g - l) * sat;
      b = l + (b - l) * sat;
      const d2 = vx[x]! + vy;
      const vk = 1 - vig * d2 * (0.35 + 0.65 * d2);
      const h = hash3(x, y, dsalt);
      const gr = (((h & 0xffff) / 65536) - 0.5) * grain;
      r = r * vk + gr;
      g = g * vk + gr;
      b = b * vk + gr;
      let ti = ((r - TONE_LO) * TONE_SCALE) | 0;
      r = TONE[ti < 0 ? 0 : ti > TONE_MAX ? TONE_MAX : ti]!;
      ti = ((g - TONE_LO) * TONE_SCALE) | 0;
      g = TONE[ti < 0 ? 0 : ti > TONE_MAX ? TONE_MAX : ti]!;
      ti = ((b - TONE_LO) * TONE_SCALE) | 0;
      b = TONE[ti < 0 ? 0 : ti > TONE_MAX ? TONE_MAX : ti]!;
      if (init) {
        if (r < 0) r = 0;
        if (g < 0) g = 0;
        if (b < 0) b = 0;
        const ir = init[o]! / 255;
        const ig = init[o + 1]! / 255;
        const ib = init[o + 2]! / 255;
        const li = 0.2126 * ir + 0.7152 * ig + 0.0722 * ib;
        const lg = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        const dl = li - lg;
        // "stylised": the init image's light and shade in the generated colours
        const sr = Math.min(1, Math.max(0, r + dl));
        const sg = Math.min(1, Math.max(0, g + dl));
        const sb = Math.min(1, Math.max(0, b + dl));
        if (strength < 0.5) {
          const t = strength * 2;
          r = ir + (sr - ir) * t;
          g = ig + (sg - ig) * t;
          b = ib + (sb - ib) * t;
        } else {
          const t = (strength - 0.5) * 2;
          r = sr + (r - sr) * t;
          g = sg + (g - sg) * t;
          b = sb + (b - sb) * t;
        }
        if (strength === 0) {
          data[o] = init[o]!;
          data[o + 1] = init[o + 1]!;
          data[o + 2] = init[o + 2]!;
          continue;
        }
      }
      const dz = ((h >>> 16) & 255) / 256 - 0.5;
      out[o] = r * 255 + dz;
      out[o + 1] = g * 255 + dz;
      out[o + 2] = b * 255 + dz;
    }
  };

  let next = 0;
  const renderStep = (step: number): void => {
    if (step !== next) throw new Error(`renderStep(${step}) out of order, expected ${next}`);
    next++;
    const y0 = Math.floor((step * H) / steps);
    const y1 = Math.floor(((step + 1) * H) / steps);
    for (let y = y0; y < y1; y++) {
      R.fill(0);
      G.fill(0);
      B.fill(0);
      for (const f of back) f(y);
      if (scene && y < horizon) {
        const o = y * W * 3;
        for (let x = 0; x < W; x++) {
          scene[o + x * 3] = R[x]!;
          scene[o + x * 3 + 1] = G[x]!;
          scene[o + x * 3 + 2] = B[x]!;
        }
      }
      for (const f of front) f(y);
      finishRow(y);
    }
  };

  return { data, width: W, height: H, steps, info, renderStep };
}

/** Render a whole picture at once (all steps). */
export function renderRaster(input: RenderInput): Raster {
  const job = createRenderJob(input);
  for (let s = 0; s < job.steps; s++) job.renderStep(s);
  return { data: job.data, width: job.width, height: job.height };
}
