import { CONTROL_CHARACTER, LONE_SURROGATE } from '@imageflow/shared';

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
