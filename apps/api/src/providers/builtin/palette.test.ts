import { describe, expect, it } from 'vitest';
import { luma, rgbToHsl, hueDelta } from './color.ts';
import { buildPalette, interpretPrompt, lookup, tokenize, wordColor } from './palette.ts';

describe('prompt interpretation', () => {
  it('tokenizes to lower-case words, dropping weights and punctuation', () => {
    expect(tokenize('A (Red:1.3) flower, 4k!')).toEqual(['a', 'red', 'flower', 'k']);
  });

  it('finds plural forms', () => {
    expect(lookup('mountains')?.key).toBe('mountain');
    expect(lookup('flowers')?.key).toBe('flower');
    expect(lookup('skies')?.key).toBe('sky');
    expect(lookup('zebra')).toBeUndefined();
  });

  it('maps words to motifs and a mood', () => {
    const i = interpretPrompt('a lighthouse on a cliff at sunset over the ocean');
    expect([...i.motifs].sort()).toEqual(['cliff', 'lighthouse', 'sun', 'water']);
    expect(i.mood).toBe('sunset');
    expect(i.abstract).toBe(false);
    expect(interpretPrompt('neon city at night, rain').mood).toBe('neon');
    expect(interpretPrompt('cat astronaut in space, stars, galaxy').motifs.has('galaxy')).toBe(true);
    expect(interpretPrompt('a quiet night').motifs.has('stars')).toBe(true);
  });

  it('falls back to an abstract composition when nothing figurative is named', () => {
    expect(interpretPrompt('a portrait of a woman').abstract).toBe(true);
    expect(interpretPrompt('red').abstract).toBe(true);
    expect(interpretPrompt('abstract mountains').abstract).toBe(true);
    expect(interpretPrompt('mountains').abstract).toBe(false);
  });

  it('removes motifs, moods and colours named in the negative prompt', () => {
    const i = interpretPrompt('sun over the mountains and the sea, red sky', 'mountains, red');
    expect(i.motifs.has('mountains')).toBe(false);
    expect(i.motifs.has('water')).toBe(true);
    expect(i.colorWords).not.toContain('red');
    expect(i.avoidHues.length).toBe(1);
    const night = interpretPrompt('a starry night over a lake', 'night');
    expect(night.mood).not.toBe('night');
    // negating a time of day keeps the sun itself
    expect(interpretPrompt('sun over the sea', 'sunset').motifs.has('sun')).toBe(true);
    // negating a thing does not take away the mood it suggests
    const moon = interpretPrompt('night sky over a lake', 'moon');
    expect(moon.mood).toBe('night');
    expect(moon.motifs.has('moon')).toBe(false);
    expect(interpretPrompt('forest', 'grain, vignette')).toMatchObject({ grain: false, vignette: false });
  });

  it('keeps unknown words, which colour the picture through a stable hash', () => {
    const i = interpretPrompt('cat astronaut zebra');
    expect(i.unknownWords).toEqual(['cat', 'zebra']);
    expect(wordColor('zebra')).toEqual(wordColor('zebra'));
    expect(wordColor('zebra')).not.toEqual(wordColor('giraffe'));
    const a = buildPalette(interpretPrompt('zebra'), 1);
    const b = buildPalette(interpretPrompt('giraffe'), 1);
    expect(a.ramp).not.toEqual(b.ramp);
  });
});

describe('palette', () => {
  it('uses the named colour as the accent', () => {
    const p = buildPalette(interpretPrompt('a red flower in a field'), 1);
    const [h, s] = rgbToHsl(p.accent);
    expect(Math.abs(hueDelta(h, 352))).toBeLessThan(15);
    expect(s).toBeGreaterThan(0.5);
  });

  it('pushes every colour out of an avoided hue', () => {
    const p = buildPalette(interpretPrompt('a flower at sunset over the sea', 'red, orange'), 1);
    const redHue = rgbToHsl([0.843, 0.149, 0.239])[0];
    const orangeHue = rgbToHsl([0.949, 0.549, 0.157])[0];
    for (const [k, v] of Object.entries(p)) {
      if (!Array.isArray(v) || typeof v[0] !== 'number') continue;
      const [h, s] = rgbToHsl(v as [number, number, number]);
      if (s < 0.2) continue;
      expect(Math.abs(hueDelta(h, redHue)), k).toBeGreaterThan(40);
      expect(Math.abs(hueDelta(h, orangeHue)), k).toBeGreaterThan(40);
    }
  });

  it('reads "black and white" as monochrome', () => {
    const i = interpretPrompt('black and white mountains');
    expect(i.modifiers.has('mono')).toBe(true);
    expect(i.colorWords).toEqual([]);
    const p = buildPalette(i, 1);
    for (const c of [p.skyTop, p.skyMid, p.land, p.accent, p.foliage]) expect(rgbToHsl(c)[1]).toBeLessThan(0.01);
  });

  it('night is darker than day', () => {
    const night = buildPalette(interpretPrompt('mountains at night'), 1);
    const day = buildPalette(interpretPrompt('mountains at noon'), 1);
    expect(luma(night.skyMid)).toBeLessThan(luma(day.skyMid));
  });
});
