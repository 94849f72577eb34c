import { describe, expect, it } from 'vitest';
import { canvasSize, describeDifference, differenceStats, fitContain } from './difference';

const rgba = (...pixels: Array<[number, number, number]>) => Uint8ClampedArray.from(pixels.flatMap(([r, g, b]) => [r, g, b, 255]));

describe('differenceStats', () => {
  it('is all zero for an image compared with itself (a black difference)', () => {
    expect(differenceStats(rgba([0, 0, 0], [0, 0, 0]))).toEqual({ mean: 0, changed: 0, max: 0 });
    expect(describeDifference(differenceStats(rgba([0, 0, 0])))).toBe('Identical pixels: nothing differs.');
  });

  it('counts the pixels that differ noticeably and the mean difference', () => {
    const stats = differenceStats(rgba([255, 255, 255], [0, 0, 0], [20, 0, 0], [3, 3, 3]));
    expect(stats.max).toBe(1);
    expect(stats.changed).toBe(0.5);
    expect(stats.mean).toBeCloseTo((765 + 20 + 9) / (4 * 3 * 255));
    expect(describeDifference(stats)).toBe('50% of pixels differ noticeably; on average by 26%.');
  });

  it('says when differences are too small to notice', () => {
    expect(describeDifference(differenceStats(rgba([2, 1, 0], [0, 0, 0])))).toBe('No pixel differs noticeably; the largest difference is 0.8%.');
  });
});

describe('canvasSize and fitContain', () => {
  it('keeps the size up to the limit, then scales the longer side to it', () => {
    expect(canvasSize(1024, 768)).toEqual({ width: 1024, height: 768 });
    expect(canvasSize(8192, 4096)).toEqual({ width: 2048, height: 1024 });
  });

  it('fits an image whole and centred', () => {
    expect(fitContain(100, 50, 200, 200)).toEqual({ x: 0, y: 50, width: 200, height: 100 });
    expect(fitContain(512, 512, 1024, 1024)).toEqual({ x: 0, y: 0, width: 1024, height: 1024 });
  });
});
