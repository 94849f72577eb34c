/**
 * The A1111 infotext reader on the layouts real files have: where the params line is, what is
 * prompt and what is negative, how a params line splits into `Key: value` pairs, and that crafted
 * params lines are read in one pass. Where it departs from A1111's own parse_generation_parameters
 * on purpose, the test says so.
 */
import { describe, expect, it } from 'vitest';
import { parseInfotext, readA1111, splitParamsLine } from './a1111.ts';
import { emptyRecipe } from './types.ts';

describe('parseInfotext and readA1111', () => {
  it('keeps inner newlines and spaces inside lines, trimming only the ends (A1111 strips every line; we keep the text as written)', () => {
    const text = '  line one, \nline two\n\nNegative prompt:  neg one, \n neg two \n\nSteps: 5, Seed: 9';
    const info = parseInfotext(text);
    expect(info.prompt).toBe('  line one, \nline two\n');
    expect(info.negativePrompt).toBe('  neg one, \n neg two \n');
    const r = readA1111(text)!;
    expect(r.prompt).toBe('line one, \nline two');
    expect(r.negative_prompt).toBe('neg one, \n neg two');
    expect([r.steps, r.seed]).toEqual([5, 9]);
  });

  it('reads an empty Negative prompt line as "" and no Negative prompt line as null', () => {
    expect(parseInfotext('p\nNegative prompt: \nSteps: 2').negativePrompt).toBe(' '); // untrimmed
    expect(readA1111('p\nNegative prompt: \nSteps: 2')!.negative_prompt).toBe('');
    expect(readA1111('p\nSteps: 2')!.negative_prompt).toBeNull();
  });

  it('does not mistake a prompt ending in ":" for parameters', () => {
    const r = readA1111('beautiful, detailed:\nSteps: 20, CFG scale: 7, Seed: 1, Size: 640x1216')!;
    expect(r.prompt).toBe('beautiful, detailed:');
    expect(r.negative_prompt).toBeNull();
    expect(r.sampler).toBeNull();
    expect([r.steps, r.cfg, r.seed, r.width, r.height]).toEqual([20, 7, 1, 640, 1216]);
  });

  it('uses the LAST Steps line (a prompt may contain one too)', () => {
    const r = readA1111('copy of Steps: 1, Seed: 2\nSteps: 3, Seed: 4\nNegative prompt: n\nSteps: 5, Seed: 6')!;
    expect(r.prompt).toBe('copy of Steps: 1, Seed: 2\nSteps: 3, Seed: 4');
    expect(r.negative_prompt).toBe('n');
    expect([r.steps, r.seed]).toEqual([5, 6]);
  });

  it('puts Key: value lines after the params line (Dynamic Prompts templates) into extra (A1111 reads only the last line)', () => {
    const text = 'a {red|blue} car\nSteps: 20, Seed: 7\nTemplate: a {red|blue} car\nNegative Template: ugly';
    expect(parseInfotext(text).trailing).toEqual([
      ['Template', 'a {red|blue} car'],
      ['Negative Template', 'ugly'],
    ]);
    const r = readA1111(text)!;
    expect(r.prompt).toBe('a {red|blue} car');
    expect(r.negative_prompt).toBeNull();
    expect([r.steps, r.seed]).toEqual([20, 7]);
    expect(r.extra).toEqual({ Template: 'a {red|blue} car', 'Negative Template': 'ugly' });
  });

  it('keeps the params line\'s value when a line after it repeats the key', () => {
    expect(readA1111('p\nSteps: 20, Eta: 1\nEta: 2')!.extra).toEqual({ Eta: '1' });
  });

  it('keeps the last value of a key the params line repeats, as A1111 does', () => {
    const r = readA1111('p\nSteps: 1, Seed: 2, Eta: a, Seed: 3, Eta: b')!;
    expect(r.seed).toBe(3);
    expect(r.extra).toEqual({ Eta: 'b' });
  });

  it('falls back to A1111\'s ">= 3 pairs on the last line" rule when the line does not start with Steps', () => {
    const r = readA1111('a prompt\nSampler: Euler, Seed: 3, Size: 8x16')!;
    expect(r.tool).toBe('automatic1111');
    expect(r.prompt).toBe('a prompt');
    expect([r.sampler, r.seed, r.width, r.height]).toEqual(['Euler', 3, 8, 16]);
    // but not for a plain prompt line, fewer than 3 pairs, or a line with a bare item
    for (const text of ['a, b, c', 'hello\nStyle: x, Mood: y', 'hello\nStyle: x, Mood: y, calm, Light: z']) {
      const bare = readA1111(text)!;
      expect(bare.tool, text).toBe('unknown');
      expect(bare.prompt, text).toBe(text);
      expect(parseInfotext(text).params, text).toEqual([]);
    }
  });

  it('reads a text without a params line as a bare prompt with the tool unknown', () => {
    expect(readA1111('just a prompt\nNegative prompt: bad')).toEqual({
      ...emptyRecipe('unknown', 'parameters'),
      prompt: 'just a prompt',
      negative_prompt: 'bad',
    });
    expect(parseInfotext('')).toEqual({ prompt: '', negativePrompt: null, params: [], trailing: [] });
  });

  it('reads no recipe from an empty text (it states nothing)', () => {
    expect(readA1111('')).toBeNull();
    expect(readA1111(' \n ')).toBeNull();
  });

  it('keeps unparseable mapped values in extra, a seed beyond 2^53 under "seed" as every reader does', () => {
    const r = readA1111('p\nSteps: many, Seed: 18446744073709551615, Size: big, CFG scale: 7')!;
    expect([r.steps, r.seed, r.width, r.height, r.cfg]).toEqual([null, null, null, null, 7]);
    expect(r.extra).toEqual({ Steps: 'many', seed: '18446744073709551615', Size: 'big' });
  });

  it('tolerates CRLF line endings', () => {
    const r = readA1111('cat\r\nNegative prompt: dog\r\nSteps: 4, Seed: 5\r\nTemplate: t\r\n')!;
    expect(r.prompt).toBe('cat');
    expect(r.negative_prompt).toBe('dog');
    expect([r.steps, r.seed]).toEqual([4, 5]);
    expect(r.extra).toEqual({ Template: 't' });
  });
});

describe('splitParamsLine', () => {
  it('splits quoted values with commas and escaped quotes', () => {
    expect(splitParamsLine('Steps: 1, Lora hashes: "a: 1, b: 2", Q: "x \\"y\\", z", Last: v')).toEqual([
      ['Steps', '1'],
      ['Lora hashes', 'a: 1, b: 2'],
      ['Q', 'x "y", z'],
      ['Last', 'v'],
    ]);
  });

  it('allows any whitespace between a quoted value and its comma', () => {
    expect(splitParamsLine('Steps: 1, Q: "a, b"\u3000, R: "c"\t')).toEqual([
      ['Steps', '1'],
      ['Q', 'a, b'],
      ['R', 'c'],
    ]);
  });

  it('keeps bare JSON object/array values whole, even with inner commas (A1111 would cut them at the first comma)', () => {
    expect(splitParamsLine('Steps: 1, Hashes: {"model": "aa", "vae": "bb"}, L: [1, 2], End: x')).toEqual([
      ['Steps', '1'],
      ['Hashes', '{"model": "aa", "vae": "bb"}'],
      ['L', '[1, 2]'],
      ['End', 'x'],
    ]);
  });

  it('treats bare flags as key == value and tolerates a trailing comma', () => {
    expect(splitParamsLine('Steps: 1, NGMS, Seed: 2,')).toEqual([
      ['Steps', '1'],
      ['NGMS', 'NGMS'],
      ['Seed', '2'],
    ]);
  });

  it('rejects non key-value text', () => {
    expect(splitParamsLine('')).toBeNull();
    expect(splitParamsLine('   ')).toBeNull();
    expect(splitParamsLine('Steps: 1, (masterpiece:1.2)')).toBeNull();
    expect(splitParamsLine(`Steps: 1, a${' '.repeat(1000)}{`)).toBeNull();
  });
});

describe('crafted params lines', () => {
  // Each value that opens a `{`, `[` or `"` it never closes would send a naive scan to the end of
  // the line, once per value; a long run of spaces inside a key would be retried at every length.
  // The reader reads each of these in one pass; what they read as is pinned here.

  it('reads unclosed `{` and `[` values as bare text up to the next comma', () => {
    for (const open of ['{', '[']) {
      const text = `Steps: 1, ${`a: ${open}, `.repeat(10_000)}Seed: 5`;
      const r = readA1111(text)!;
      expect(r.tool).toBe('automatic1111');
      expect(r.prompt).toBe('');
      expect([r.steps, r.seed]).toEqual([1, 5]);
      expect(r.extra).toEqual({ a: open });
      expect(parseInfotext(text).params).toHaveLength(10_002);
    }
  });

  it('reads `"` values as the quoted text between them, as A1111 does', () => {
    const text = `Steps: 1, ${'a: ", '.repeat(10_000)}Seed: 5`;
    const r = readA1111(text)!;
    expect([r.steps, r.seed]).toEqual([1, 5]);
    expect(r.extra).toEqual({ a: ', a: ' });
    expect(parseInfotext(text).params).toHaveLength(5_002);
  });

  it('reads nested unclosed brackets, a long key of spaces and many Steps lines', () => {
    const nested = readA1111(`p\nSteps: 1, ${'k: {"a": [1, {'.repeat(4_000)}`)!;
    expect(nested.tool).toBe('unknown');
    expect(nested.steps).toBeNull();

    const spaces = `p\nSteps: 1, a${' '.repeat(60_000)}{`;
    expect(readA1111(spaces)!.tool).toBe('unknown');
    expect(parseInfotext(spaces)).toEqual({ prompt: spaces, negativePrompt: null, params: [], trailing: [] });

    const manySteps = readA1111('Steps: {\n'.repeat(7_000))!;
    expect(manySteps.steps).toBeNull();
    expect(manySteps.extra.Steps).toBe('{');
  });
});
