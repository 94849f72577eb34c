import { CONTROL_CHARACTER, LONE_SURROGATE, MAX_PROMPT_LENGTH, MAX_SEED } from '@imageflow/shared';
import { parseA1111Parameters } from './a1111-parameters.ts';
import { readPngTextChunks } from './png-text.ts';

/**
 * The most a compressed text chunk of an uploaded image may inflate to. A recipe is a few KB; a
 * chunk that inflates past this is skipped before its text exists, so a small file cannot become
 * a huge prompt.
 */
export const MAX_TEXT_CHUNK_BYTES = 64 * 1024;
/** The most of a recipe's raw text kept beside the fields read from it. */
export const MAX_IMPORTED_TEXT_LENGTH = 16 * 1024;
/** The most of a file name kept with an upload. */
export const MAX_ORIGINAL_FILENAME_LENGTH = 255;

export interface ImportedRecipe {
  prompt: string;
  negativePrompt: string;
  seed: number | null;
  /** The recipe text as it was found, cut to MAX_IMPORTED_TEXT_LENGTH. */
  raw: string;
}

// The characters the API refuses in a prompt, to be removed (or replaced) everywhere in a text.
const CONTROL_CHARACTERS = new RegExp(CONTROL_CHARACTER.source, 'g');
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/**
 * Text read from a file, made to obey what the API accepts from a person: no control characters,
 * valid Unicode, and at most `max` characters (never cutting a character in two).
 */
export function storableImportedText(text: string, max: number): string {
  let clean = text.replace(CONTROL_CHARACTERS, '').replace(LONE_SURROGATES, '\uFFFD');
  if (clean.length > max) {
    const cut = /[\uD800-\uDBFF]/.test(clean[max - 1]!) ? max - 1 : max;
    clean = clean.slice(0, cut);
  }
  return clean;
}

/** An AUTOMATIC1111-style recipe from a PNG's `parameters` chunk, held to the API's limits; null when there is none. */
export function importedA1111Recipe(data: Buffer): ImportedRecipe | null {
  let text: string | undefined;
  try {
    text = readPngTextChunks(data, { maxInflatedBytes: MAX_TEXT_CHUNK_BYTES }).find((c) => c.keyword === 'parameters')?.text;
  } catch {
    return null;
  }
  if (!text) return null;
  const raw = storableImportedText(text, MAX_IMPORTED_TEXT_LENGTH);
  const parsed = parseA1111Parameters(raw);
  const seed = parsed.seed !== null && Number.isInteger(parsed.seed) && parsed.seed >= 0 && parsed.seed <= MAX_SEED ? parsed.seed : null;
  return {
    prompt: storableImportedText(parsed.prompt, MAX_PROMPT_LENGTH).trim(),
    negativePrompt: storableImportedText(parsed.negativePrompt ?? '', MAX_PROMPT_LENGTH),
    seed,
    raw,
  };
}
