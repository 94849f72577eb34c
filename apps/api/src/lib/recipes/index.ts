/**
 * Reads the recipe an image's metadata states, whatever tool wrote it, into one ReadRecipe.
 *
 * The format comes from the magic bytes (PNG, JPEG, WebP). For a PNG, the text chunks are read
 * and the readers are tried in order: our own `imageflow` chunk; ComfyUI's `prompt` graph;
 * InvokeAI (`invokeai_metadata`, `sd-metadata`, `Dream`, `invokeai_graph`); NovelAI (`Comment` +
 * `Description`); then `parameters`, which is JSON for Fooocus, RuinedFooocus and SwarmUI, and
 * infotext for A1111 and its forks. A JPEG / WebP's EXIF UserComment is read like `parameters`.
 * Last, and only from `readRecipe` (it decodes pixels), a PNG with an alpha channel and no other
 * recipe is searched for "stealth pnginfo".
 *
 * Nothing here throws on malformed input; a reader that cannot make sense of its text returns null
 * and the next one is tried.
 */
import { isSampler, modelFamily } from '@imageflow/shared';
import { MAX_IMPORTED_TEXT_LENGTH, MAX_TEXT_CHUNK_BYTES } from '../imported-recipe.ts';
import { PNG_SIGNATURE, readPngTextChunks } from '../png-text.ts';
import { readA1111 } from './a1111.ts';
import { readComfyPrompt } from './comfyui.ts';
import { readImageExifTexts } from './exif.ts';
import { isFooocusJson, isRuinedFooocusJson, readFooocus, readRuinedFooocus } from './fooocus.ts';
import { readInvokeDream, readInvokeGraph, readInvokeMetadata, readInvokeSdMetadata } from './invokeai.ts';
import { isNovelAi, readNovelAi } from './novelai.ts';
import type { NovelAiTexts } from './novelai.ts';
import { readStealthText } from './stealth.ts';
import type { StealthOptions } from './stealth.ts';
import { isSwarmJson, readSwarm } from './swarmui.ts';
import {
  MAX_RECIPE_TEXT_LENGTH,
  RANGES,
  emptyRecipe,
  isObject,
  looksLikeJson,
  nameText,
  own,
  parseJson,
  parseJsonObject,
  promptText,
  putExtra,
  rawText,
  setSeed,
  toInt,
  toNumberIn,
} from './types.ts';
import type { ReadRecipe } from './types.ts';

export type { ReadRecipe, RecipeHires, RecipeLora, RecipeTool } from './types.ts';
export { RECIPE_TOOLS } from './types.ts';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface RecipeText {
  keyword: string;
  text: string;
}

export interface ReadRecipeOptions {
  /** Search the alpha channel of a PNG without any other recipe (decodes pixels). Default true. */
  stealth?: boolean | StealthOptions;
}

const MAX_TEXTS = 256;

/** The image format from the first bytes, or null. */
export function detectImageFormat(data: Buffer): ImageFormat | null {
  if (data.length >= 8 && data.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

// ---------------------------------------------------------------------------
// Our own chunk
// ---------------------------------------------------------------------------

/** Keys of the `imageflow` chunk's spec mapped to recipe fields. */
const IMAGEFLOW_SPEC_MAPPED: ReadonlySet<string> = new Set(['width', 'height', 'steps', 'guidance', 'seed', 'sampler', 'strength']);

/** Reads our own `imageflow` chunk (recipe-chunks.ts); null when it is not its JSON. */
export function readImageflow(text: string, foundIn = 'imageflow'): ReadRecipe | null {
  const chunk = parseJsonObject(text);
  const spec = own(chunk, 'spec');
  if (!chunk || !isObject(spec)) return null;
  const get = (key: string): unknown => own(chunk, key);
  const s = (key: string): unknown => own(spec, key);
  const recipe = emptyRecipe('imageflow', foundIn);
  const { extra } = recipe;
  recipe.prompt = promptText(get('prompt'));
  recipe.negative_prompt = promptText(get('negative_prompt'));
  recipe.model = nameText(get('model'));
  setSeed(recipe, s('seed'), text);
  recipe.steps = toInt(s('steps'), ...RANGES.steps);
  // For FLUX models our guidance is the distilled guidance (FluxGuidance / Forge distilled CFG).
  const guidance = toNumberIn(s('guidance'), ...RANGES.cfg);
  if (recipe.model !== null && modelFamily(recipe.model) === 'flux') recipe.flux_guidance = guidance;
  else recipe.cfg = guidance;
  recipe.sampler = nameText(s('sampler'));
  if (recipe.sampler !== null && isSampler(recipe.sampler)) recipe.sampler_id = recipe.sampler;
  recipe.width = toInt(s('width'), ...RANGES.side);
  recipe.height = toInt(s('height'), ...RANGES.side);
  recipe.denoising_strength = toNumberIn(s('strength'), ...RANGES.strength);
  putExtra(extra, 'recipe_version', get('version'));
  for (const key of ['node_id', 'parent_id', 'parent_sha256', 'action_type', 'provider']) putExtra(extra, key, get(key));
  for (const key of Object.keys(spec)) if (!IMAGEFLOW_SPEC_MAPPED.has(key)) putExtra(extra, key, spec[key]);
  return recipe;
}

// ---------------------------------------------------------------------------
// Texts → recipe
// ---------------------------------------------------------------------------

/**
 * A `parameters`-like text (PNG `parameters`, EXIF UserComment, stealth payload): JSON from
 * SwarmUI, RuinedFooocus or Fooocus (`scheme` is the `fooocus_scheme` text), else A1111 infotext.
 * JSON of no known tool never becomes a prompt: it gives an "unknown" recipe with the text in
 * extra under `foundIn`.
 */
export function readParametersText(text: string, foundIn = 'parameters', scheme?: string): ReadRecipe | null {
  if (text.length > MAX_RECIPE_TEXT_LENGTH) return null;
  if (text.trimStart().startsWith('{')) {
    const obj = parseJsonObject(text);
    if (obj) {
      if (isSwarmJson(obj)) return readSwarm(obj, text, foundIn);
      if (isRuinedFooocusJson(obj)) return readRuinedFooocus(obj, text, foundIn);
      if (isFooocusJson(obj, scheme)) return readFooocus(obj, text, foundIn);
    }
  }
  if (looksLikeJson(text) || parseJson(text) !== undefined) {
    if (text.trim() === '') return null;
    const recipe = emptyRecipe('unknown', foundIn);
    putExtra(recipe.extra, foundIn, rawText(text), MAX_IMPORTED_TEXT_LENGTH);
    return recipe;
  }
  return readA1111(text, foundIn);
}

function textMap(texts: readonly RecipeText[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const { keyword, text } of texts) {
    if (map.size >= MAX_TEXTS) break;
    if (!map.has(keyword)) map.set(keyword, text);
  }
  return map;
}

/** The first reader that understands the texts, and whether it read `parameters`. */
function readTexts(t: ReadonlyMap<string, string>): { recipe: ReadRecipe; readParameters: boolean } | null {
  const found = (recipe: ReadRecipe | null, readParameters = false) => (recipe ? { recipe, readParameters } : null);
  const text = (keyword: string): string | undefined => t.get(keyword);

  const ours = text('imageflow');
  const r1 = ours === undefined ? null : readImageflow(ours);
  if (r1) return found(r1);

  const graph = text('prompt');
  const r2 = graph === undefined ? null : readComfyPrompt(graph);
  if (r2) return found(r2);

  const invokeMeta = text('invokeai_metadata');
  const sdMeta = text('sd-metadata');
  const dream = text('Dream');
  const invokeGraph = text('invokeai_graph');
  const r3 =
    (invokeMeta === undefined ? null : readInvokeMetadata(invokeMeta)) ??
    (sdMeta === undefined ? null : readInvokeSdMetadata(sdMeta, dream)) ??
    (dream === undefined ? null : readInvokeDream(dream)) ??
    (invokeGraph === undefined ? null : readInvokeGraph(invokeGraph));
  if (r3) return found(r3);

  const nai: NovelAiTexts = {
    Title: text('Title'),
    Description: text('Description'),
    Software: text('Software'),
    Source: text('Source'),
    Comment: text('Comment'),
  };
  if (isNovelAi(nai)) {
    const r4 = readNovelAi(nai);
    if (r4) return found(r4);
  }

  const parameters = text('parameters');
  if (parameters !== undefined) return found(readParametersText(parameters, 'parameters', text('fooocus_scheme')), true);
  return null;
}

/**
 * The recipe stated by a set of PNG-style texts (keyword → text; the first of a repeated keyword
 * wins), or null. When the recipe was read from something else, an A1111 `parameters` text beside
 * it (ComfyUI's SaveImageWithMetaData writes both) is kept whole in extra.a1111_parameters.
 */
export function readRecipeFromTexts(texts: readonly RecipeText[]): ReadRecipe | null {
  const t = textMap(texts);
  const result = readTexts(t);
  if (!result) return null;
  const parameters = t.get('parameters');
  if (!result.readParameters && parameters !== undefined && !looksLikeJson(parameters)) {
    putExtra(result.recipe.extra, 'a1111_parameters', rawText(parameters), MAX_IMPORTED_TEXT_LENGTH);
  }
  return result.recipe;
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

function pngTexts(data: Buffer): RecipeText[] {
  try {
    return readPngTextChunks(data, { maxInflatedBytes: MAX_TEXT_CHUNK_BYTES });
  } catch {
    return [];
  }
}

function exifRecipe(data: Buffer): ReadRecipe | null {
  const exif = readImageExifTexts(data);
  if (!exif?.userComment) return null;
  // Fooocus states its scheme in MakerNote beside a JSON UserComment.
  const scheme = exif.makerNote !== null && /^(fooocus|a1111)$/i.test(exif.makerNote.trim()) ? exif.makerNote : undefined;
  return readParametersText(exif.userComment, 'exif:UserComment', scheme);
}

/**
 * The recipe in an image's metadata, without decoding pixels: PNG text chunks, or the EXIF
 * UserComment of a JPEG / WebP. Null when there is none or the format is not one of these.
 */
export function readRecipeSync(data: Buffer): ReadRecipe | null {
  switch (detectImageFormat(data)) {
    case 'png':
      return readRecipeFromTexts(pngTexts(data));
    case 'jpeg':
    case 'webp':
      return exifRecipe(data);
    default:
      return null;
  }
}

/** Reads a stealth payload: NovelAI's JSON of its texts, or a `parameters`-like text. */
function stealthRecipe(text: string, foundIn: string): ReadRecipe | null {
  const obj = text.trimStart().startsWith('{') ? parseJsonObject(text) : null;
  if (obj && (Object.hasOwn(obj, 'Comment') || Object.hasOwn(obj, 'Description'))) {
    const str = (key: string): string | undefined => {
      const v = own(obj, key);
      return typeof v === 'string' ? v : v === undefined ? undefined : JSON.stringify(v);
    };
    const nai: NovelAiTexts = {
      Title: str('Title'),
      Description: str('Description'),
      Software: str('Software'),
      Source: str('Source'),
      Comment: str('Comment'),
    };
    if (isNovelAi(nai)) return readNovelAi(nai, foundIn);
  }
  return readParametersText(text, foundIn);
}

/**
 * The recipe in an image's metadata (see readRecipeSync), and for a PNG with an alpha channel and
 * no other recipe, the "stealth pnginfo" hidden in its alpha bits (extra.stealth_signature tells
 * which). Null when there is none.
 */
export async function readRecipe(data: Buffer, opts: ReadRecipeOptions = {}): Promise<ReadRecipe | null> {
  const recipe = readRecipeSync(data);
  if (recipe || detectImageFormat(data) !== 'png' || opts.stealth === false) return recipe;
  const stealth = await readStealthText(data, typeof opts.stealth === 'object' ? opts.stealth : {});
  if (!stealth) return null;
  const found = stealthRecipe(stealth.text, `alpha:${stealth.signature}`);
  if (found) putExtra(found.extra, 'stealth_signature', stealth.signature);
  return found;
}
