import { describe, expect, it } from 'vitest';
import type { ImageNode } from '@imageflow/shared';
import { diffParams, diffWords, spaceBefore } from './recipe-diff';

describe('diffWords', () => {
  it('marks identical prompts as one unchanged run', () => {
    expect(diffWords('a red fox', 'a  red\nfox')).toEqual([{ type: 'same', text: 'a red fox' }]);
  });

  it('finds added and removed words', () => {
    expect(diffWords('a lighthouse at sunset over the ocean', 'a lighthouse at night over the calm ocean')).toEqual([
      { type: 'same', text: 'a lighthouse at' },
      { type: 'removed', text: 'sunset' },
      { type: 'added', text: 'night' },
      { type: 'same', text: 'over the' },
      { type: 'added', text: 'calm' },
      { type: 'same', text: 'ocean' },
    ]);
  });

  it('treats punctuation as words of its own, keeping it next to its word', () => {
    expect(diffWords('blurry', 'blurry, people')).toEqual([
      { type: 'same', text: 'blurry' },
      { type: 'added', text: ', people' },
    ]);
    expect(diffWords('a cliff at sunset, warm light', 'stormy sea, a cliff, dramatic waves')).toEqual([
      { type: 'added', text: 'stormy sea,' },
      { type: 'same', text: 'a cliff' },
      { type: 'removed', text: 'at sunset' },
      { type: 'same', text: ',' },
      { type: 'removed', text: 'warm light' },
      { type: 'added', text: 'dramatic waves' },
    ]);
  });

  it('keeps hyphenated words and weights readable', () => {
    const segments = diffWords('(masterpiece:1.2), top-down view', '(masterpiece:1.4), top-down view');
    expect(segments.map((s) => s.type)).toEqual(['same', 'removed', 'added', 'same']);
    expect(segments[0]!.text).toBe('(masterpiece:1.');
    expect(segments[3]!.text).toBe('), top-down view');
  });

  it('handles empty sides', () => {
    expect(diffWords('', '')).toEqual([]);
    expect(diffWords('', 'new words')).toEqual([{ type: 'added', text: 'new words' }]);
    expect(diffWords('old words', '')).toEqual([{ type: 'removed', text: 'old words' }]);
  });

  it('keeps the longest common subsequence when words move', () => {
    const segments = diffWords('cat dog bird fish', 'dog cat bird fish');
    const kept = segments.filter((s) => s.type === 'same').map((s) => s.text).join(' ');
    expect(kept.split(' ')).toHaveLength(3);
    // Reading the removed+same words gives A; reading added+same gives B.
    const side = (skip: string) => segments.filter((s) => s.type !== skip).map((s) => s.text).join(' ');
    expect(side('added')).toBe('cat dog bird fish');
    expect(side('removed')).toBe('dog cat bird fish');
  });

  it('reconstructs both prompts on long inputs', () => {
    const a = Array.from({ length: 600 }, (_, i) => `w${i % 37}`).join(' ');
    const b = Array.from({ length: 600 }, (_, i) => `w${(i * 7) % 41}`).join(' ');
    const segments = diffWords(a, b);
    expect(segments.filter((s) => s.type !== 'added').map((s) => s.text).join(' ')).toBe(a);
    expect(segments.filter((s) => s.type !== 'removed').map((s) => s.text).join(' ')).toBe(b);
  });
});

describe('spaceBefore', () => {
  it('keeps punctuation next to the word before it', () => {
    expect(spaceBefore(', people')).toBe(false);
    expect(spaceBefore('people')).toBe(true);
  });
});

describe('diffParams', () => {
  const base = {
    model: 'sdxl',
    provider: 'builtin',
    seed: 42,
    width: 512,
    height: 512,
    action_type: 'generate',
    spec_json: { steps: 20, guidance: 7, sampler: 'euler', strength: 0.6, seed: 42 },
  } as unknown as ImageNode;

  it('lists every parameter, marking what changed', () => {
    const b = { ...base, seed: 7, action_type: 'variation', spec_json: { ...base.spec_json, guidance: 4.5 } } as ImageNode;
    const rows = diffParams(base, b);
    expect(rows.map((r) => r.key)).toEqual(['model', 'provider', 'seed', 'width', 'height', 'steps', 'guidance', 'sampler', 'strength', 'action_type']);
    expect(rows.filter((r) => r.changed).map((r) => r.key)).toEqual(['seed', 'guidance', 'action_type']);
    expect(rows.find((r) => r.key === 'guidance')).toEqual({ key: 'guidance', a: 7, b: 4.5, changed: true });
  });

  it('gives a strength only to an image to image, where it was used', () => {
    const redrawn = { ...base, action_type: 'img2img', spec_json: { ...base.spec_json, strength: 0.45 } } as ImageNode;
    expect(diffParams(base, redrawn).find((r) => r.key === 'strength')).toEqual({ key: 'strength', a: null, b: 0.45, changed: true });
    expect(diffParams(base, base).find((r) => r.key === 'strength')).toEqual({ key: 'strength', a: null, b: null, changed: false });
  });

  it('gives a file brought in the model its recipe states, and says "upload" when it states none', () => {
    const uploaded = { ...base, model: 'upload', provider: 'upload', action_type: 'upload', spec_json: {} } as unknown as ImageNode;
    const stated = { ...uploaded, spec_json: { imported: { tool: 'automatic1111', model: 'sd_xl_base_1.0' } } } as unknown as ImageNode;
    expect(diffParams(uploaded, stated).find((r) => r.key === 'model')).toEqual({ key: 'model', a: 'upload', b: 'sd_xl_base_1.0', changed: true });
    expect(diffParams(base, stated).find((r) => r.key === 'model')).toMatchObject({ a: 'sdxl', b: 'sd_xl_base_1.0' });
  });

  it('falls back to the recipe seed and to null for missing values', () => {
    const a = { ...base, seed: null, spec_json: { seed: 9 } } as unknown as ImageNode;
    const rows = diffParams(a, a);
    expect(rows.find((r) => r.key === 'seed')).toMatchObject({ a: 9, changed: false });
    expect(rows.find((r) => r.key === 'steps')).toMatchObject({ a: null, b: null, changed: false });
  });
});
