import { describe, expect, it } from 'vitest';
import { centredView, clampView, fitScale, fitView, panBy, scaleLimits, scaleText, wheelScale, zoomAround } from './zoom';

const frame = { width: 800, height: 600 };
const big = { width: 8192, height: 8192 };
const small = { width: 200, height: 100 };

describe('zoom', () => {
  it('fits the whole image, with a margin, and limits zoom between fit and 1:1 and 8× beyond', () => {
    expect(fitScale(big, frame)).toBeCloseTo(600 / 8192);
    expect(fitScale(big, frame, 20)).toBeCloseTo(560 / 8192);
    expect(fitScale(small, frame)).toBe(4);
    expect(fitView(big, frame)).toEqual({ scale: 600 / 8192, x: 100, y: 0 });
    expect(scaleLimits(big, frame)).toEqual({ min: 600 / 8192, max: 8 });
    // A small image fits larger than life: 1:1 is smaller than fit, and allowed.
    expect(scaleLimits(small, frame)).toEqual({ min: 1, max: 32 });
    expect(fitScale({ width: 0, height: 0 }, frame)).toBe(1);
    // Room kept below for the viewer's bar: the image fits above it.
    const bar = { top: 20, right: 20, bottom: 64, left: 20 };
    expect(fitScale(big, frame, bar)).toBeCloseTo(516 / 8192);
    expect(fitView(big, frame, bar)).toEqual({ scale: 516 / 8192, x: 400 - 258, y: 20 });
  });

  it('keeps the point under the pointer still while zooming', () => {
    const limits = scaleLimits(big, frame);
    const start = fitView(big, frame);
    const at = { x: 500, y: 200 };
    const imagePoint = { x: (at.x - start.x) / start.scale, y: (at.y - start.y) / start.scale };
    const zoomed = zoomAround(start, 1, at, big, frame, limits);
    expect(zoomed.scale).toBe(1);
    expect(zoomed.x + imagePoint.x * zoomed.scale).toBeCloseTo(at.x);
    expect(zoomed.y + imagePoint.y * zoomed.scale).toBeCloseTo(at.y);
    // Never past the limits.
    expect(zoomAround(start, 100, at, big, frame, limits).scale).toBe(8);
    expect(zoomAround(start, 0.0001, at, big, frame, limits)).toEqual(start);
  });

  it('pans only as far as the image reaches, and centres what is smaller than the frame', () => {
    const view = centredView(big, frame, 1);
    expect(view).toEqual({ scale: 1, x: 400 - 4096, y: 300 - 4096 });
    expect(panBy(view, 1e6, 1e6, big, frame)).toEqual({ scale: 1, x: 0, y: 0 });
    expect(panBy(view, -1e6, -1e6, big, frame)).toEqual({ scale: 1, x: 800 - 8192, y: 600 - 8192 });
    expect(clampView({ scale: 1, x: -50, y: 900 }, small, frame)).toEqual({ scale: 1, x: 300, y: 250 });
  });

  it('turns wheel deltas into scales, faster for a pinch, by lines and pages too', () => {
    expect(wheelScale(1, -100, 0, false)).toBeGreaterThan(1);
    expect(wheelScale(1, 100, 0, false)).toBeLessThan(1);
    expect(wheelScale(1, -10, 0, true)).toBeCloseTo(wheelScale(1, -50, 0, false));
    expect(wheelScale(1, -3, 1, false)).toBeCloseTo(wheelScale(1, -48, 0, false));
    expect(scaleText(0.0732)).toBe('7%');
    expect(scaleText(1)).toBe('100%');
  });
});
