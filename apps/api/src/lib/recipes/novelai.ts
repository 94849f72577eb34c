/**
 * NovelAI writes PNG texts `Title` ("AI generated image"), `Description` (the prompt), `Software`
 * ("NovelAI"), `Source` (the model, "Stable Diffusion 1D44365E", "NovelAI Diffusion V4 ...") and
 * `Comment`, a JSON object: steps, sampler (k-diffusion names, "k_euler_ancestral"), seed,
 * strength, noise, scale (CFG), uc (the negative prompt), and in later versions prompt, width,
 * height, noise_schedule, request_type, ... Its stealth (alpha channel) form holds the same texts
 * as one JSON object.
 */
import { samplerIdFromKDiffusion } from './samplers.ts';
import { RANGES, emptyRecipe, nameText, own, parseJsonObject, promptText, putExtra, setSeed, toInt, toNumberIn } from './types.ts';
import type { ReadRecipe } from './types.ts';

export interface NovelAiTexts {
  Title?: string;
  Description?: string;
  Software?: string;
  Source?: string;
  Comment?: string;
}

/** Whether the texts are NovelAI's: Software says so, or Comment is its JSON (has `uc` and `scale`). */
export function isNovelAi(texts: NovelAiTexts): boolean {
  if (texts.Software !== undefined && /^novelai\b/i.test(texts.Software.trim())) return true;
  if (texts.Comment === undefined) return false;
  const comment = parseJsonObject(texts.Comment);
  return comment !== null && Object.hasOwn(comment, 'uc') && Object.hasOwn(comment, 'scale') && texts.Description !== undefined;
}

const MAPPED: ReadonlySet<string> = new Set([
  'prompt',
  'uc',
  'seed',
  'steps',
  'scale',
  'sampler',
  'noise_schedule',
  'width',
  'height',
  'strength',
]);

/**
 * Reads NovelAI's texts; null when there is neither a Comment object nor a Description. `foundIn`
 * defaults to the text the recipe came from.
 */
export function readNovelAi(texts: NovelAiTexts, foundIn?: string): ReadRecipe | null {
  const comment = texts.Comment === undefined ? null : parseJsonObject(texts.Comment);
  if (comment === null && texts.Description === undefined) return null;
  const recipe = emptyRecipe('novelai', foundIn ?? (comment === null ? 'Description' : 'Comment'));
  const { extra } = recipe;
  const get = (key: string): unknown => own(comment, key);
  recipe.prompt = promptText(get('prompt') ?? texts.Description);
  recipe.negative_prompt = promptText(get('uc'));
  recipe.model = nameText(texts.Source);
  putExtra(extra, 'software', texts.Software);
  putExtra(extra, 'title', texts.Title);
  if (comment !== null) {
    setSeed(recipe, get('seed'), texts.Comment);
    recipe.steps = toInt(get('steps'), ...RANGES.steps);
    recipe.cfg = toNumberIn(get('scale'), ...RANGES.cfg);
    recipe.sampler = nameText(get('sampler'));
    recipe.scheduler = nameText(get('noise_schedule'));
    if (recipe.sampler !== null) recipe.sampler_id = samplerIdFromKDiffusion(recipe.sampler, recipe.scheduler);
    recipe.width = toInt(get('width'), ...RANGES.side);
    recipe.height = toInt(get('height'), ...RANGES.side);
    // Later versions state `strength` for text-to-image too; it is the image-to-image strength only
    // when the request was one (or, in v1 files, when no request type is stated).
    const requestType = get('request_type');
    if (requestType === undefined || requestType === 'Img2ImgRequest') {
      recipe.denoising_strength = toNumberIn(get('strength'), ...RANGES.strength);
    } else putExtra(extra, 'strength', get('strength'));
    for (const key of Object.keys(comment)) {
      if (MAPPED.has(key)) continue;
      const value = comment[key];
      if (Array.isArray(value) && value.length === 0) continue;
      putExtra(extra, key, value);
    }
  }
  return recipe;
}
