import type { Sampler } from './constants.ts';

/**
 * A recipe read from an uploaded image's metadata (`spec_json.imported`), in one flat shape
 * whatever tool wrote it. The API's readers fill it; the web app shows it.
 */
export const RECIPE_TOOLS = [
  'automatic1111',
  'forge',
  'sdnext',
  'comfyui',
  'invokeai',
  'fooocus',
  'ruinedfooocus',
  'novelai',
  'swarmui',
  'imageflow',
  'unknown',
] as const;
export type RecipeTool = (typeof RECIPE_TOOLS)[number];

export interface RecipeLora {
  name: string;
  /** The model (UNet) weight as stated; null when the tool states none (its default applies). */
  weight: number | null;
}

/** A second, upscaling pass (A1111 "Hires fix", InvokeAI "hrf", SwarmUI refiner upscale). */
export interface RecipeHires {
  upscale: number | null;
  upscaler: string | null;
  steps: number | null;
  width: number | null;
  height: number | null;
  sampler: string | null;
  scheduler: string | null;
  cfg: number | null;
  denoising_strength: number | null;
}

/**
 * A recipe read from an image's metadata, in one flat shape whatever tool wrote it. Every field is
 * what the file states (null when it says nothing); nothing is guessed or filled with defaults.
 */
export interface ReadRecipe {
  tool: RecipeTool;
  /** The tool's version as stated (A1111 "Version", InvokeAI app_version, Fooocus version...). */
  tool_version: string | null;
  /** Where the recipe was read: PNG text keyword(s), "exif:UserComment", or "alpha:<signature>". */
  found_in: string;
  /** Prompt texts, trimmed of leading/trailing whitespace only (and cut to MAX_PROMPT_LENGTH). */
  prompt: string | null;
  negative_prompt: string | null;
  /** A safe integer; a seed beyond 2^53 is null here and kept exactly in extra.seed. */
  seed: number | null;
  steps: number | null;
  /** Classifier-free guidance scale (A1111 "CFG scale", ComfyUI cfg, InvokeAI cfg_scale...). */
  cfg: number | null;
  /** FLUX distilled guidance (ComfyUI FluxGuidance, Forge "Distilled CFG Scale"), apart from cfg. */
  flux_guidance: number | null;
  /** The sampler as the tool names it ("DPM++ 2M", "euler_ancestral", "k_lms", "dpmpp_2m_k"). */
  sampler: string | null;
  /** Our equivalent sampler id, or null when we have none. */
  sampler_id: Sampler | null;
  /** The noise schedule as the tool names it ("Karras", "normal", "simple"). */
  scheduler: string | null;
  model: string | null;
  model_hash: string | null;
  /** The size the tool states it generated (before any hires pass); not the file's pixel size. */
  width: number | null;
  height: number | null;
  /**
   * The denoising strength as stated: the img2img strength, or for A1111-style text with hires
   * fix (which writes one "Denoising strength") the hires pass's, also in hires.denoising_strength.
   */
  denoising_strength: number | null;
  hires: RecipeHires | null;
  loras: RecipeLora[];
  /** A1111 convention: 1 = last CLIP layer, 2 = one before it (ComfyUI stop_at_clip_layer -2). */
  clip_skip: number | null;
  /** The img2img input image's name, when the recipe states it. */
  source_image: string | null;
  /** Everything else the file states, as strings (numbers as written by String, lists as JSON). */
  extra: Record<string, string>;
}
