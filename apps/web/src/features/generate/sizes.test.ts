import { describe, expect, it } from 'vitest';
import { ASPECT_RATIOS, BASE_SIZES, closestBase, closestRatio, matchPreset, neighbouringMultiplesOf8, sizeForAspect, sizeForRatio, snapSide } from './sizes';

describe('sizes', () => {
  it('every preset is a valid size: multiples of 8 within 64–2048', () => {
    for (const base of BASE_SIZES) {
      for (const r of ASPECT_RATIOS) {
        const { width, height } = sizeForRatio(r.id, base);
        for (const side of [width, height]) {
          expect(side % 8).toBe(0);
          expect(side).toBeGreaterThanOrEqual(64);
          expect(side).toBeLessThanOrEqual(2048);
        }
        expect(width / height).toBeCloseTo(r.w / r.h, 1);
      }
    }
  });

  it('keeps about base² pixels', () => {
    expect(sizeForRatio('1:1', 1024)).toEqual({ width: 1024, height: 1024 });
    expect(sizeForRatio('16:9', 1024)).toEqual({ width: 1368, height: 768 });
    expect(sizeForRatio('9:16', 1024)).toEqual({ width: 768, height: 1368 });
    expect(sizeForRatio('4:3', 512)).toEqual({ width: 592, height: 440 });
  });

  it('scales down to fit 2048 on the long side', () => {
    const s = sizeForAspect(16 / 9, 1536 * 1.5);
    expect(s.width).toBe(2048);
    expect(s.height).toBe(1152);
  });

  it('recognises presets and custom sizes', () => {
    expect(matchPreset(1368, 768)).toEqual({ ratio: '16:9', base: 1024 });
    expect(matchPreset(512, 512)).toEqual({ ratio: '1:1', base: 512 });
    expect(matchPreset(1000, 750)).toBeNull();
    expect(closestRatio(1000, 750)).toBe('4:3');
    expect(closestRatio(1000, 100)).toBeNull();
    expect(closestBase(1000, 750)).toBe(768);
  });

  it('snaps to multiples of 8 and names the neighbours', () => {
    expect(snapSide(1021)).toBe(1024);
    expect(snapSide(10)).toBe(64);
    expect(snapSide(5000)).toBe(2048);
    expect(neighbouringMultiplesOf8(1020)).toEqual([1016, 1024]);
  });
});
