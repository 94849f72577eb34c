/**
 * Every real file in shared/fixtures/foreign-png is read and checked against what its
 * MANIFEST.json says the file states: the tool, every `expected` field (null ones included: a
 * field the file does not state must stay null) and every `expected_extra` key.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readA1111 } from './a1111.ts';
import { readRecipe, readRecipeSync } from './index.ts';
import type { ReadRecipe } from './types.ts';
import { FOREIGN_PNG_DIR } from '../../../test/fixtures/foreign-png.ts';

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
  expected: Expected;
  expected_extra?: Record<string, unknown>;
}

/**
 * Stated fields this reader cannot recover, as `file → [field or expected_extra key]`, each with
 * its reason. Empty: every stated field of every fixture is recovered.
 */
const UNRECOVERABLE: Readonly<Record<string, readonly string[]>> = {};

/**
 * Where an `expected_extra` key lands when it maps to a field of the recipe; every other key is
 * in `extra` under its own name.
 */
const FIELD_OF_KEY: Readonly<Record<string, (r: ReadRecipe) => unknown>> = {
  'Model hash': (r) => r.model_hash,
  model_hash: (r) => r.model_hash,
  base_model_hash: (r) => r.model_hash,
  'Schedule type': (r) => r.scheduler,
  scheduler: (r) => r.scheduler,
  Version: (r) => r.tool_version,
  version: (r) => r.tool_version,
  app_version: (r) => r.tool_version,
  'Clip skip': (r) => r.clip_skip,
  clip_skip: (r) => r.clip_skip,
  'Hires upscale': (r) => r.hires?.upscale,
  'Hires steps': (r) => r.hires?.steps,
  'Hires upscaler': (r) => r.hires?.upscaler,
  'Hires CFG Scale': (r) => r.hires?.cfg,
  flux_guidance: (r) => r.flux_guidance,
  // ComfyUI's denoise is the img2img strength when the latent is an encoded image, else extra.
  denoise: (r) => r.extra.denoise ?? r.denoising_strength,
};

/** Compares a stated value with what the recipe holds (numbers by value, lists/objects as JSON). */
function expectStated(actual: unknown, stated: unknown, what: string): void {
  if (typeof stated === 'number') {
    expect(typeof actual === 'string' ? Number(actual) : actual, what).toBe(stated);
  } else if (typeof stated === 'string') {
    expect(typeof actual === 'number' ? String(actual) : actual, what).toBe(stated);
  } else {
    expect(typeof actual === 'string' ? (JSON.parse(actual) as unknown) : actual, what).toEqual(stated);
  }
}

function expectFields(recipe: ReadRecipe, expected: Expected, skip: readonly string[], label: string): void {
  for (const [field, value] of Object.entries(expected) as Array<[keyof Expected, Expected[keyof Expected]]>) {
    if (skip.includes(field)) continue;
    const what = `${label}: ${field}`;
    if (field === 'seed' && typeof value === 'string') {
      // A seed beyond 2^53 (stated as a string) cannot be a number: it is kept exactly in extra.
      expect(recipe.seed, what).toBeNull();
      expect(recipe.extra.seed, what).toBe(value);
    } else {
      expect(recipe[field], what).toBe(value);
    }
  }
}

describe('recipes of foreign files', () => {
    const manifest = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'MANIFEST.json'), 'utf8')) as ManifestEntry[];

    it('covers all 22 files', () => {
      expect(manifest).toHaveLength(22);
    });

    for (const entry of manifest) {
      it(`${entry.file}: tool, every expected field and every expected_extra key`, async () => {
        const data = readFileSync(path.join(FIXTURE_DIR, entry.file));
        const recipe = await readRecipe(data);
        expect(recipe, 'a recipe is found').not.toBeNull();
        const r = recipe!;
        const skip = UNRECOVERABLE[entry.file] ?? [];
        expect(r.tool).toBe(entry.tool);
        expectFields(r, entry.expected, skip, entry.file);

        for (const [key, stated] of Object.entries(entry.expected_extra ?? {})) {
          if (skip.includes(key)) continue;
          if (key === 'a1111_parameters_parsed') {
            // The A1111 text beside the graph is kept whole; read on its own it states this.
            const parsed = stated as { expected: Expected; other_fields: Record<string, string> };
            const text = r.extra.a1111_parameters;
            expect(text, 'a1111_parameters kept').toBeTypeOf('string');
            const other = readA1111(text!)!;
            expectFields(other, parsed.expected, [], `${entry.file} (parameters)`);
            for (const [k, v] of Object.entries(parsed.other_fields)) {
              expectStated((FIELD_OF_KEY[k] ?? ((x: ReadRecipe) => x.extra[k]))(other), v, `${entry.file} (parameters): ${k}`);
            }
            continue;
          }
          const actual = (FIELD_OF_KEY[key] ?? ((x: ReadRecipe) => x.extra[key]))(r);
          expectStated(actual, stated, `${entry.file}: ${key}`);
        }
      });
    }

    it('reads the stealth recipe only when pixels may be decoded', async () => {
      const data = readFileSync(path.join(FIXTURE_DIR, 'tricky_a1111_stealth_pnginfo_alpha.png'));
      expect(readRecipeSync(data)).toBeNull();
      expect(await readRecipe(data, { stealth: false })).toBeNull();
      expect((await readRecipe(data))?.found_in).toBe('alpha:stealth_pngcomp');
    });

    it('never puts JSON into a prompt', async () => {
      for (const entry of manifest) {
        const r = await readRecipe(readFileSync(path.join(FIXTURE_DIR, entry.file)));
        for (const text of [r?.prompt, r?.negative_prompt]) {
          if (text) expect(text.trimStart().startsWith('{"'), entry.file).toBe(false);
        }
      }
    });
  },
);
