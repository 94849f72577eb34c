import { mulberry32 } from './rng.ts';

const SIZE = 256;
const MASK = SIZE - 1;

/**
 * Value noise on a precomputed, wrapping 256×256 lattice of random values, with smoothstep
 * interpolation. Output of `at` is in [0, 1]. Cheap enough to call several times per pixel.
 */
export class ValueNoise {
  private readonly g: Float32Array;

  constructor(seed: number) {
    const rng = mulberry32(seed);
    this.g = new Float32Array(SIZE * SIZE);
    for (let i = 0; i < this.g.length; i++) this.g[i] = rng();
  }

  at(x: number, y: number): number {
    const xf = Math.floor(x);
    const yf = Math.floor(y);
    let tx = x - xf;
    let ty = y - yf;
    tx = tx * tx * (3 - 2 * tx);
    ty = ty * ty * (3 - 2 * ty);
    const x0 = xf & MASK;
    const x1 = (xf + 1) & MASK;
    const r0 = (yf & MASK) << 8;
    const r1 = ((yf + 1) & MASK) << 8;
    const g = this.g;
    const a = g[r0 + x0]!;
    const b = g[r0 + x1]!;
    const c = g[r1 + x0]!;
    const d = g[r1 + x1]!;
    const ab = a + (b - a) * tx;
    const cd = c + (d - c) * tx;
    return ab + (cd - ab) * ty;
  }

  /**
   * Fractal sum of `octaves` layers, each rotated ~37° and doubled in frequency, normalised to
   * [0, 1] (values cluster around 0.5).
   */
  fbm(x: number, y: number, octaves: number): number {
    let sum = 0;
    let amp = 0.5;
    let norm = 0;
    for (let o = 0; o < octaves; o++) {
      sum += amp * this.at(x, y);
      norm += amp;
      amp *= 0.5;
      const nx = 1.6 * x + 1.2 * y + 17.31;
      y = -1.2 * x + 1.6 * y + 5.73;
      x = nx;
    }
    return sum / norm;
  }

  /** fbm with values stretched away from 0.5 so it spans roughly [0, 1]. */
  fbmWide(x: number, y: number, octaves: number): number {
    const v = (this.fbm(x, y, octaves) - 0.5) * 2.4 + 0.5;
    return v < 0 ? 0 : v > 1 ? 1 : v;
  }

  /** 1-D ridged fractal (sharp crests), in [0, 1]. */
  ridge1(x: number, row: number, octaves: number): number {
    let sum = 0;
    let amp = 0.5;
    let norm = 0;
    let f = 1;
    for (let o = 0; o < octaves; o++) {
      const n = 1 - Math.abs(2 * this.at(x * f + o * 31.7, row + o * 13.1) - 1);
      sum += amp * n * n;
      norm += amp;
      amp *= 0.48;
      f *= 2.03;
    }
    return sum / norm;
  }

  /** 1-D smooth fractal in [0, 1]. */
  fbm1(x: number, row: number, octaves: number): number {
    let sum = 0;
    let amp = 0.5;
    let norm = 0;
    let f = 1;
    for (let o = 0; o < octaves; o++) {
      sum += amp * this.at(x * f + o * 19.3, row + o * 7.7);
      norm += amp;
      amp *= 0.5;
      f *= 2.01;
    }
    return sum / norm;
  }
}

/**
 * A smooth field with `channels` values per point, evaluated only every `step` pixels and
 * bilinearly interpolated in between. Rows are asked for in order (any order works, just slower).
 * Use it for low-frequency work (gradients, glows, warps): 1/step² of the cost per pixel.
 */
export class CoarseGrid {
  private readonly cols: number;
  private a: Float32Array;
  private b: Float32Array;
  private ja = -1;
  private jb = -1;
  private readonly ix: Int32Array;
  private readonly fx: Float32Array;
  /** The interpolated row: `channels` interleaved values per pixel. */
  readonly out: Float32Array;

  constructor(
    private readonly width: number,
    private readonly step: number,
    private readonly channels: number,
    /** Write `channels` values for pixel (x, y) into out[o..]. */
    private readonly fn: (x: number, y: number, out: Float32Array, o: number) => void,
  ) {
    this.cols = Math.ceil(width / step) + 2;
    this.a = new Float32Array(this.cols * channels);
    this.b = new Float32Array(this.cols * channels);
    this.out = new Float32Array(width * channels);
    this.ix = new Int32Array(width);
    this.fx = new Float32Array(width);
    for (let x = 0; x < width; x++) {
      const i = Math.floor(x / step);
      this.ix[x] = i;
      this.fx[x] = (x - i * step) / step;
    }
  }

  private fill(row: Float32Array, j: number): void {
    const y = j * this.step;
    const ch = this.channels;
    for (let i = 0; i < this.cols; i++) this.fn(i * this.step, y, row, i * ch);
  }

  row(y: number): Float32Array {
    const j = Math.floor(y / this.step);
    const f = (y - j * this.step) / this.step;
    if (this.ja !== j) {
      if (this.jb === j) {
        const t = this.a;
        this.a = this.b;
        this.b = t;
        this.ja = j;
        this.jb = -1;
      } else {
        this.fill(this.a, j);
        this.ja = j;
      }
    }
    if (this.jb !== j + 1) {
      this.fill(this.b, j + 1);
      this.jb = j + 1;
    }
    const { a, b, out, ix, fx, channels: ch } = this;
    for (let x = 0; x < this.width; x++) {
      const i = ix[x]! * ch;
      const t = fx[x]!;
      for (let k = 0; k < ch; k++) {
        const top = a[i + k]! + (a[i + ch + k]! - a[i + k]!) * t;
        const bot = b[i + k]! + (b[i + ch + k]! - b[i + k]!) * t;
        out[x * ch + k] = top + (bot - top) * f;
      }
    }
    return out;
  }
}
