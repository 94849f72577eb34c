import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  A1111_SAMPLER_NAMES,
  formatA1111Parameters,
  parseA1111Parameters,
  samplerIdFromA1111,
  splitA1111ParamsLine,
} from './a1111-parameters.ts';
import type { A1111FormatInput, A1111Parsed } from './a1111-parameters.ts';
import { readPngTextChunks } from './png-text.ts';
import { FOREIGN_PNG_DIR } from '../../test/fixtures/foreign-png.ts';

const FIXTURE_DIR = FOREIGN_PNG_DIR;

interface Expected {
  prompt: string | null;
  negative_prompt: string | null;
  seed: number | string | null;
  steps: number | null;
  cfg: number | null;
  sampler: string | null;
  model: string | null;
  width: number | null;
  height: number | null;
  denoising_strength: number | null;
}
interface ManifestEntry {
  file: string;
  tool: string;
  format: string;
  chunks: string[];
  expected: Expected;
  expected_extra?: Record<string, unknown> & {
    a1111_parameters_parsed?: { expected: Expected; other_fields: Record<string, string> };
  };
}

const A1111_FAMILY = new Set(['automatic1111', 'forge', 'sdnext', 'fooocus', 'ruinedfooocus']);

function toExpectedShape(p: A1111Parsed): Expected {
  return {
    prompt: p.prompt,
    negative_prompt: p.negativePrompt,
    seed: p.seed,
    steps: p.steps,
    cfg: p.cfgScale,
    sampler: p.sampler,
    model: p.model,
    width: p.width,
    height: p.height,
    denoising_strength: p.denoisingStrength,
  };
}

const FULL: A1111FormatInput = {
  prompt: 'a photo of a cat,\n  wearing a hat: (red:1.2), "quoted"',
  negativePrompt: 'blurry,\nlow quality',
  steps: 30,
  sampler: 'dpmpp_2m_karras',
  cfgScale: 7.5,
  seed: 4294967295,
  width: 1024,
  height: 768,
  model: 'sdxl_base_1.0',
  denoisingStrength: 0.6,
  extra: {
    'Model hash': '31e35c80fc',
    'Lora hashes': 'a: 1, b: 2',
    Tricky: 'say "hi", then: leave',
    'Clip skip': 2,
    Plain: 'no specials here',
  },
};

describe('formatA1111Parameters', () => {
  it('produces the A1111 layout with JSON-quoted values', () => {
    expect(formatA1111Parameters(FULL)).toBe(
      [
        'a photo of a cat,',
        '  wearing a hat: (red:1.2), "quoted"',
        'Negative prompt: blurry,',
        'low quality',
        'Steps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 4294967295, Size: 1024x768, Model: sdxl_base_1.0, ' +
          'Denoising strength: 0.6, Model hash: 31e35c80fc, Lora hashes: "a: 1, b: 2", Tricky: "say \\"hi\\", then: leave", ' +
          'Clip skip: 2, Plain: no specials here',
      ].join('\n'),
    );
  });

  it('always writes the Negative prompt line (ComfyUI\'s importer looks for it); omits Model and Denoising strength when absent', () => {
    const base = { prompt: 'duck', steps: 15, sampler: 'uni_pc', cfgScale: 5, seed: 1, width: 512, height: 400 };
    const expected = 'duck\nNegative prompt: \nSteps: 15, Sampler: UniPC, CFG scale: 5, Seed: 1, Size: 512x400';
    expect(formatA1111Parameters(base)).toBe(expected);
    expect(formatA1111Parameters({ ...base, negativePrompt: '' })).toBe(expected);
  });

  it('maps sampler ids and passes unknown ones through', () => {
    const expected: Record<string, string> = {
      euler: 'Euler',
      euler_a: 'Euler a',
      heun: 'Heun',
      dpm_2: 'DPM2',
      dpmpp_2m: 'DPM++ 2M',
      dpmpp_2m_karras: 'DPM++ 2M Karras',
      dpmpp_sde: 'DPM++ SDE',
      ddim: 'DDIM',
      uni_pc: 'UniPC',
    };
    expect(A1111_SAMPLER_NAMES).toEqual(expected);
    for (const [id, name] of Object.entries(expected)) {
      const text = formatA1111Parameters({ ...FULL, sampler: id, extra: {} });
      expect(parseA1111Parameters(text).sampler).toBe(name);
      expect(samplerIdFromA1111(name)).toBe(id);
    }
    expect(parseA1111Parameters(formatA1111Parameters({ ...FULL, sampler: 'lcm' })).sampler).toBe('lcm');
    expect(samplerIdFromA1111('LCM')).toBeNull();
  });

  it('rejects extra keys that collide with built-ins or would corrupt the line', () => {
    expect(() => formatA1111Parameters({ ...FULL, extra: { Seed: 1 } })).toThrow(/collides/);
    expect(() => formatA1111Parameters({ ...FULL, extra: { 'a,b': 1 } })).toThrow(/invalid A1111 parameter key/);
    expect(() => formatA1111Parameters({ ...FULL, extra: { 'a: b': 1 } })).toThrow(/invalid A1111 parameter key/);
    expect(() => formatA1111Parameters({ ...FULL, extra: { 'Negative prompt': 'x' } })).toThrow(/invalid/);
    expect(() => formatA1111Parameters({ ...FULL, cfgScale: Number.NaN })).toThrow(/finite/);
  });
});

describe('parseA1111Parameters', () => {
  it('round-trips format -> parse', () => {
    const parsed = parseA1111Parameters(formatA1111Parameters(FULL));
    expect(parsed).toEqual({
      prompt: FULL.prompt,
      negativePrompt: 'blurry,\nlow quality',
      steps: 30,
      sampler: 'DPM++ 2M Karras',
      cfgScale: 7.5,
      seed: 4294967295,
      width: 1024,
      height: 768,
      model: 'sdxl_base_1.0',
      denoisingStrength: 0.6,
      extra: {
        'Model hash': '31e35c80fc',
        'Lora hashes': 'a: 1, b: 2',
        Tricky: 'say "hi", then: leave',
        'Clip skip': '2',
        Plain: 'no specials here',
      },
    } satisfies A1111Parsed);
  });

  it('round-trips minimal input (no negative, model, denoise, extra): the negative reads back empty', () => {
    const text = formatA1111Parameters({ prompt: 'x', steps: 1, sampler: 'euler', cfgScale: 1, seed: 0, width: 64, height: 64 });
    expect(parseA1111Parameters(text)).toEqual({
      prompt: 'x',
      negativePrompt: '',
      steps: 1,
      sampler: 'Euler',
      cfgScale: 1,
      seed: 0,
      width: 64,
      height: 64,
      model: null,
      denoisingStrength: null,
      extra: {},
    });
  });

  it('round-trips an empty prompt with a negative prompt', () => {
    const text = formatA1111Parameters({ ...FULL, prompt: '', extra: {} });
    expect(text.startsWith('Negative prompt: ')).toBe(true);
    const p = parseA1111Parameters(text);
    expect(p.prompt).toBe('');
    expect(p.negativePrompt).toBe(FULL.negativePrompt);
  });

  it('keeps inner newlines and trailing spaces inside lines, trims only the ends', () => {
    const text = '  line one, \nline two\n\nNegative prompt:  neg one, \n neg two \n\nSteps: 5, Seed: 9';
    const p = parseA1111Parameters(text);
    expect(p.prompt).toBe('line one, \nline two');
    expect(p.negativePrompt).toBe('neg one, \n neg two');
    expect(p.steps).toBe(5);
    expect(p.seed).toBe(9);
  });

  it('returns "" (not null) for an empty Negative prompt line', () => {
    expect(parseA1111Parameters('p\nNegative prompt: \nSteps: 2').negativePrompt).toBe('');
  });

  it('does not mistake a prompt ending in ":" for parameters', () => {
    const p = parseA1111Parameters('beautiful, detailed:\nSteps: 20, CFG scale: 7, Seed: 1, Size: 640x1216');
    expect(p.prompt).toBe('beautiful, detailed:');
    expect(p.negativePrompt).toBeNull();
    expect(p.sampler).toBeNull();
    expect([p.width, p.height]).toEqual([640, 1216]);
  });

  it('uses the LAST Steps line (a prompt may contain one too)', () => {
    const text = 'copy of Steps: 1, Seed: 2\nSteps: 3, Seed: 4\nNegative prompt: n\nSteps: 5, Seed: 6';
    const p = parseA1111Parameters(text);
    expect(p.prompt).toBe('copy of Steps: 1, Seed: 2\nSteps: 3, Seed: 4');
    expect(p.negativePrompt).toBe('n');
    expect([p.steps, p.seed]).toEqual([5, 6]);
  });

  it('puts Key: value lines after the params line (e.g. Dynamic Prompts templates) into extra', () => {
    const p = parseA1111Parameters('a {red|blue} car\nSteps: 20, Seed: 7\nTemplate: a {red|blue} car\nNegative Template: ugly');
    expect(p.prompt).toBe('a {red|blue} car');
    expect(p.negativePrompt).toBeNull();
    expect(p.steps).toBe(20);
    expect(p.extra).toEqual({ Template: 'a {red|blue} car', 'Negative Template': 'ugly' });
  });

  it('falls back to A1111\'s ">= 3 pairs on the last line" rule when the line does not start with Steps', () => {
    const p = parseA1111Parameters('a prompt\nSampler: Euler, Seed: 3, Size: 8x16');
    expect(p.prompt).toBe('a prompt');
    expect([p.sampler, p.seed, p.width, p.height]).toEqual(['Euler', 3, 8, 16]);
    // but not for a plain prompt line or fewer than 3 pairs
    expect(parseA1111Parameters('a, b, c').prompt).toBe('a, b, c');
    expect(parseA1111Parameters('hello\nStyle: x, Mood: y').prompt).toBe('hello\nStyle: x, Mood: y');
  });

  it('handles text without any params line', () => {
    expect(parseA1111Parameters('just a prompt\nNegative prompt: bad')).toEqual({
      prompt: 'just a prompt',
      negativePrompt: 'bad',
      steps: null,
      sampler: null,
      cfgScale: null,
      seed: null,
      width: null,
      height: null,
      model: null,
      denoisingStrength: null,
      extra: {},
    });
    expect(parseA1111Parameters('').prompt).toBe('');
  });

  it('keeps unparseable mapped values in extra instead of losing them', () => {
    const p = parseA1111Parameters('p\nSteps: many, Seed: 18446744073709551615, Size: big, CFG scale: 7');
    expect([p.steps, p.seed, p.width, p.height, p.cfgScale]).toEqual([null, null, null, null, 7]);
    expect(p.extra).toEqual({ Steps: 'many', Seed: '18446744073709551615', Size: 'big' });
  });

  it('tolerates CRLF line endings', () => {
    const p = parseA1111Parameters('cat\r\nNegative prompt: dog\r\nSteps: 4, Seed: 5\r\nTemplate: t\r\n');
    expect(p.prompt).toBe('cat');
    expect(p.negativePrompt).toBe('dog');
    expect([p.steps, p.seed]).toEqual([4, 5]);
    expect(p.extra).toEqual({ Template: 't' });
  });
});

describe('splitA1111ParamsLine', () => {
  it('splits quoted values with commas and escaped quotes', () => {
    expect(splitA1111ParamsLine('Steps: 1, Lora hashes: "a: 1, b: 2", Q: "x \\"y\\", z", Last: v')).toEqual([
      ['Steps', '1'],
      ['Lora hashes', 'a: 1, b: 2'],
      ['Q', 'x "y", z'],
      ['Last', 'v'],
    ]);
  });
  it('keeps bare JSON object/array values whole, even with inner commas', () => {
    expect(splitA1111ParamsLine('Steps: 1, Hashes: {"model": "aa", "vae": "bb"}, L: [1, 2], End: x')).toEqual([
      ['Steps', '1'],
      ['Hashes', '{"model": "aa", "vae": "bb"}'],
      ['L', '[1, 2]'],
      ['End', 'x'],
    ]);
  });
  it('treats bare flags as key == value and tolerates a trailing comma', () => {
    expect(splitA1111ParamsLine('Steps: 1, NGMS, Seed: 2,')).toEqual([
      ['Steps', '1'],
      ['NGMS', 'NGMS'],
      ['Seed', '2'],
    ]);
  });
  it('rejects non key-value text', () => {
    expect(splitA1111ParamsLine('')).toBeNull();
    expect(splitA1111ParamsLine('Steps: 1, (masterpiece:1.2)')).toBeNull();
  });
});

// ---------------------------------------------------------------------------
// Real files from other tools
// ---------------------------------------------------------------------------

/**
 * Fixtures in scope (A1111-family tool, or carrying a `parameters` chunk) that
 * deliberately are NOT checked against the A1111 parser, and why. Kept as an
 * explicit list so that a new fixture can't be skipped silently.
 */
const EXPECTED_SKIPS: Record<string, string> = {
  // Fooocus writes `parameters` as a JSON object (with a `fooocus_scheme` chunk), not A1111 infotext.
  'fooocus_v2.4.3_1x1.png': 'parameters chunk is Fooocus JSON, not A1111 layout',
  // RuinedFooocus uses the same `parameters` key but also JSON ("Prompt"/"Negative" keys).
  'ruinedfooocus_txt2img.png': 'parameters chunk is RuinedFooocus JSON, not A1111 layout',
  // A1111 JPEG: the infotext lives in EXIF UserComment (UTF-16BE), not in a PNG chunk.
  'tricky_a1111_jpeg_exif_usercomment.jpg': 'JPEG (EXIF UserComment), no PNG text chunks',
  // stealth-pnginfo: the infotext is hidden in alpha-channel LSBs; no text chunk exists.
  'tricky_a1111_stealth_pnginfo_alpha.png': 'no parameters chunk (stealth pnginfo in alpha LSBs)',
};

type Plan =
  | { kind: 'check'; text: string; expected: Expected; extra: Record<string, unknown> }
  | { kind: 'skip'; reason: string };

function plan(entry: ManifestEntry): Plan {
  if (entry.format !== 'png') return { kind: 'skip', reason: `JPEG (EXIF UserComment), no PNG text chunks` };
  const png = readFileSync(path.join(FIXTURE_DIR, entry.file));
  const chunk = readPngTextChunks(png).find((c) => c.keyword === 'parameters');
  if (!chunk) return { kind: 'skip', reason: 'no parameters chunk (stealth pnginfo in alpha LSBs)' };
  const text = chunk.text.trim();
  // Detect JSON `parameters` (Fooocus / RuinedFooocus) rather than trusting the tool name.
  if (text.startsWith('{')) {
    try {
      JSON.parse(text);
      return { kind: 'skip', reason: `parameters chunk is ${entry.tool === 'ruinedfooocus' ? 'RuinedFooocus' : 'Fooocus'} JSON, not A1111 layout` };
    } catch {
      // not JSON after all: treat as A1111 text
    }
  }
  // ComfyUI + SaveImageWithMetaData: `expected` describes the ComfyUI graph; the
  // A1111-style `parameters` chunk's own values are under expected_extra.a1111_parameters_parsed.
  const alt = entry.expected_extra?.a1111_parameters_parsed;
  if (alt) return { kind: 'check', text: chunk.text, expected: alt.expected, extra: alt.other_fields };
  const { a1111_parameters_parsed: _ignored, ...extra } = entry.expected_extra ?? {};
  return { kind: 'check', text: chunk.text, expected: entry.expected, extra };
}

describe('A1111 parameters from foreign fixtures', () => {
    const manifest = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'MANIFEST.json'), 'utf8')) as ManifestEntry[];
    const inScope = manifest.filter((e) => A1111_FAMILY.has(e.tool) || e.chunks.includes('parameters'));
    const plans = new Map(inScope.map((e) => [e.file, plan(e)] as const));

    it('skips exactly the known non-A1111-layout fixtures', () => {
      const skipped = Object.fromEntries([...plans].flatMap(([f, p]) => (p.kind === 'skip' ? [[f, p.reason]] : [])));
      expect(skipped).toEqual(EXPECTED_SKIPS);
      expect([...plans.values()].filter((p) => p.kind === 'check').length).toBeGreaterThanOrEqual(7);
    });

    for (const entry of inScope) {
      const p = plans.get(entry.file)!;
      if (p.kind === 'skip') {
        it.skip(`${entry.file}: ${p.reason}`, () => {});
        continue;
      }
      it(`${entry.file} (${entry.tool}): parsed fields equal manifest expected`, () => {
        const parsed = parseA1111Parameters(p.text);
        expect(toExpectedShape(parsed)).toEqual(p.expected);
        // every other params-line field lands in `extra`, unquoted, exactly as the manifest lists
        expect(parsed.extra).toEqual(p.extra);
      });
    }
  },
);
