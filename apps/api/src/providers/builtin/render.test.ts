import { describe, expect, it } from 'vitest';
import { type RenderInput, createRenderJob, detailFor, renderRaster } from './render.ts';

const base: RenderInput = {
  prompt: 'misty pine forest mountains at dawn',
  negativePrompt: '',
  width: 128,
  height: 128,
  steps: 20,
  guidance: 7,
  seed: 1,
};

const render = (over: Partial<RenderInput> = {}) => renderRaster({ ...base, ...over });

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

function luminance(data: Uint8Array): Float64Array {
  const out = new Float64Array(data.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = 0.2126 * data[i * 3]! + 0.7152 * data[i * 3 + 1]! + 0.0722 * data[i * 3 + 2]!;
  return out;
}

function std(v: Float64Array): number {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  return Math.sqrt(s / v.length);
}

/** Mean absolute difference between horizontally and vertically adjacent pixels' luminance. */
function highFrequency(data: Uint8Array, w: number, h: number): number {
  const l = luminance(data);
  let s = 0;
  let n = 0;
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0; x < w - 1; x++) {
      const i = y * w + x;
      s += Math.abs(l[i]! - l[i + 1]!) + Math.abs(l[i]! - l[i + w]!);
      n += 2;
    }
  }
  return s / n;
}

function meanRGB(data: Uint8Array): [number, number, number] {
  const m: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < data.length; i += 3) {
    m[0] += data[i]!;
    m[1] += data[i + 1]!;
    m[2] += data[i + 2]!;
  }
  const n = data.length / 3;
  return [m[0] / n, m[1] / n, m[2] / n];
}

/** Share of pixels where red clearly dominates green and blue. */
function redShare(data: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i]!;
    if (r > 90 && r > data[i + 1]! * 1.6 && r > data[i + 2]! * 1.4) n++;
  }
  return n / (data.length / 3);
}

const PROMPTS = [
  'a lighthouse on a cliff at sunset over the ocean',
  'neon city at night, rain',
  'misty pine forest mountains at dawn',
  'a red flower in a field',
  'abstract',
  'cat astronaut in space, stars, galaxy',
  'moon over a lake with snowy mountains, aurora, clouds',
  'desert dunes, planet, sun',
  'city skyline at sunset with trees',
  'a portrait of a woman',
];

describe('renderRaster', () => {
  it('returns exactly width × height RGB pixels, for any allowed shape', () => {
    for (const [width, height] of [
      [64, 64],
      [192, 64],
      [64, 256],
      [136, 96],
    ] as const) {
      const r = render({ width, height });
      expect(r.width).toBe(width);
      expect(r.height).toBe(height);
      expect(r.data.length).toBe(width * height * 3);
    }
  });

  it('is deterministic: the same recipe gives the same pixels', () => {
    for (const prompt of PROMPTS) {
      const a = render({ prompt, seed: 42 });
      const b = render({ prompt, seed: 42 });
      expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    }
  });

  it('renders every prompt without NaN-black or blank output', () => {
    for (const prompt of PROMPTS) {
      const r = render({ prompt, width: 96, height: 96 });
      const l = luminance(r.data);
      expect(std(l)).toBeGreaterThan(3);
    }
  });

  it('lays out differently for a different seed (mean abs difference > 10)', () => {
    for (const prompt of PROMPTS) {
      const a = render({ prompt, seed: 1 });
      const b = render({ prompt, seed: 2 });
      expect(meanAbsDiff(a.data, b.data), prompt).toBeGreaterThan(10);
    }
  });

  it('frames the scene by the seed: the horizon, the subject and its size move, not only the details', () => {
    // The layout as 12×12 blocks of mean luminance: fine detail (windows, grass, waves) averages out.
    const W = 128;
    const H = 96;
    const N = 12;
    const layout = (data: Uint8Array): Float64Array => {
      const l = luminance(data);
      const sum = new Float64Array(N * N);
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) sum[Math.floor((y * N) / H) * N + Math.floor((x * N) / W)]! += l[y * W + x]!;
      return sum.map((v) => v / ((W / N) * (H / N)));
    };
    const scenes = [
      'a lighthouse on a cliff at sunset over the ocean',
      'sunset over the ocean',
      'city skyline at sunset with trees',
      'misty pine forest mountains at dawn',
      'a field of flowers under a blue sky',
    ];
    let total = 0;
    for (const prompt of scenes) {
      const maps = [1, 2, 3, 4, 5, 6, 7, 8].map((seed) => layout(render({ prompt, seed, width: W, height: H }).data));
      let sum = 0;
      let pairs = 0;
      for (let i = 0; i < maps.length; i++)
        for (let j = i + 1; j < maps.length; j++) {
          let d = 0;
          for (let k = 0; k < N * N; k++) d += Math.abs(maps[i]![k]! - maps[j]![k]!);
          sum += d / (N * N);
          pairs++;
        }
      const moved = sum / pairs;
      expect(moved, prompt).toBeGreaterThan(12);
      total += moved;
    }
    // With a fixed framing (only positions jittered within one composition) this was about 18.
    expect(total / scenes.length).toBeGreaterThan(21);
  });

  it('keeps a variation the same scene: other seeds change the framing, not what is in the picture', () => {
    for (const prompt of PROMPTS) {
      const a = createRenderJob({ ...base, prompt, seed: 1 }).info;
      const b = createRenderJob({ ...base, prompt, seed: 77 }).info;
      expect([...b.motifs].sort(), prompt).toEqual([...a.motifs].sort());
      expect(b.mood, prompt).toBe(a.mood);
    }
  });

  it('gives different prompts different pictures, even with unknown words', () => {
    const a = render({ prompt: 'zebra' });
    const b = render({ prompt: 'giraffe' });
    expect(meanAbsDiff(a.data, b.data)).toBeGreaterThan(5);
    const c = render({ prompt: 'mountains at dawn, zebra' });
    const d = render({ prompt: 'mountains at dawn, giraffe' });
    expect(meanAbsDiff(c.data, d.data)).toBeGreaterThan(0.5);
  });

  it('takes colours from the prompt words', () => {
    const red = meanRGB(render({ prompt: 'abstract red crimson', seed: 3 }).data);
    const blue = meanRGB(render({ prompt: 'abstract blue azure', seed: 3 }).data);
    expect(red[0] - red[2]).toBeGreaterThan(blue[0] - blue[2] + 30);
  });

  it('keeps away from colours in the negative prompt', () => {
    const prompt = 'a red flower in a field at sunset';
    const withRed = redShare(render({ prompt, seed: 5, width: 160, height: 160 }).data);
    const noRed = redShare(render({ prompt, negativePrompt: 'red', seed: 5, width: 160, height: 160 }).data);
    expect(withRed).toBeGreaterThan(0.02);
    expect(noRed).toBeLessThan(withRed / 3);
  });

  it('leaves out motifs named in the negative prompt', () => {
    const a = render({ prompt: 'sun over mountains and a lake', seed: 9 });
    const b = render({ prompt: 'sun over mountains and a lake', negativePrompt: 'mountains', seed: 9 });
    expect(meanAbsDiff(a.data, b.data)).toBeGreaterThan(2);
    const job = createRenderJob({ ...base, prompt: 'sun over mountains and a lake', negativePrompt: 'mountains' });
    expect(job.info.motifs.has('mountains')).toBe(false);
    expect(job.info.motifs.has('water')).toBe(true);
  });

  it('adds detail with more steps (more high-frequency energy), saturating', () => {
    for (const prompt of ['misty pine forest mountains at dawn', 'abstract', 'a red flower in a field']) {
      const opts = { prompt, width: 192, height: 192, seed: 4 };
      const one = highFrequency(render({ ...opts, steps: 1 }).data, 192, 192);
      const ten = highFrequency(render({ ...opts, steps: 10 }).data, 192, 192);
      const thirty = highFrequency(render({ ...opts, steps: 30 }).data, 192, 192);
      expect(ten, prompt).toBeGreaterThan(one);
      expect(thirty, prompt).toBeGreaterThan(one * 1.2);
    }
    expect(detailFor(1)).toBe(0);
    expect(detailFor(30)).toBeGreaterThan(0.95);
    expect(detailFor(150)).toBeLessThanOrEqual(1);
  });

  it('raises contrast with guidance (std of luminance grows)', () => {
    for (const prompt of PROMPTS) {
      const s = [0, 3.5, 7, 15, 30].map((guidance) => std(luminance(render({ prompt, guidance }).data)));
      for (let i = 1; i < s.length; i++) expect(s[i]!, `${prompt} @ ${i}`).toBeGreaterThan(s[i - 1]!);
    }
  });

  it('renders in per-step bands and refuses steps out of order', () => {
    const job = createRenderJob({ ...base, steps: 7 });
    expect(() => job.renderStep(1)).toThrow();
    for (let s = 0; s < 7; s++) job.renderStep(s);
    expect(Buffer.from(job.data).equals(Buffer.from(render({ steps: 7 }).data))).toBe(true);
  });

  describe('image to image', () => {
    const w = 96;
    const h = 64;
    const init = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        init[o] = (x * 255) / w;
        init[o + 1] = (y * 255) / h;
        init[o + 2] = (x + y) % 32 < 16 ? 40 : 220;
      }
    const opts = { prompt: 'a lighthouse on a cliff at sunset over the ocean', width: w, height: h };

    it('strength 0 keeps the init image exactly', () => {
      const out = render({ ...opts, init, strength: 0 });
      expect(Buffer.from(out.data).equals(Buffer.from(init))).toBe(true);
    });

    it('strength 1 ignores the init image (same as text to image)', () => {
      const out = render({ ...opts, init, strength: 1 });
      const txt = render({ ...opts });
      expect(Buffer.from(out.data).equals(Buffer.from(txt.data))).toBe(true);
    });

    it('strength in between moves from the init image towards the generated one', () => {
      const txt = render(opts).data;
      const dInit: number[] = [];
      const dTxt: number[] = [];
      for (const strength of [0.25, 0.5, 0.75]) {
        const out = render({ ...opts, init, strength }).data;
        dInit.push(meanAbsDiff(out, init));
        dTxt.push(meanAbsDiff(out, txt));
      }
      expect(dInit[0]!).toBeLessThan(dInit[2]!);
      expect(dTxt[0]!).toBeGreaterThan(dTxt[2]!);
      for (const d of [...dInit, ...dTxt]) expect(d).toBeGreaterThan(1);
    });
  });
});
