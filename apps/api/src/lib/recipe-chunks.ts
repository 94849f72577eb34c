import { z } from 'zod';
import { ACTION_TYPES, MAX_PROMPT_LENGTH, type ActionType } from '@imageflow/shared';
import secureJson from 'secure-json-parse';
import { formatA1111Parameters } from './a1111-parameters.ts';
import { pngWithTextChunks, readPngTextChunks, type PngTextChunk } from './png-text.ts';

export const RECIPE_CHUNK_VERSION = 1;

export interface EmbeddedRecipe {
  nodeId: number;
  parentId: number | null;
  parentSha256: string | null;
  actionType: ActionType;
  model: string;
  provider: string;
  prompt: string;
  negativePrompt: string;
  spec: Record<string, unknown> & {
    width: number;
    height: number;
    steps?: number;
    guidance?: number;
    seed?: number;
    sampler?: string;
    strength?: number;
  };
}

/**
 * Embeds the recipe in the PNG twice: `parameters` in AUTOMATIC1111's layout, which other tools
 * and exiftool read, and `imageflow` with the complete JSON recipe and lineage links. Returns the
 * file as buffers to write in order (views of `png` and the new chunks), so the pixels are not copied.
 */
export function embedRecipe(png: Buffer, recipe: EmbeddedRecipe): Buffer[] {
  const parameters = parametersText(recipe);
  const entries: Array<{ keyword: string; text: string }> = parameters ? [{ keyword: 'parameters', text: parameters }] : [];
  entries.push({
    keyword: 'imageflow',
    text: JSON.stringify({
      version: RECIPE_CHUNK_VERSION,
      node_id: recipe.nodeId,
      parent_id: recipe.parentId,
      parent_sha256: recipe.parentSha256,
      action_type: recipe.actionType,
      model: recipe.model,
      provider: recipe.provider,
      prompt: recipe.prompt,
      negative_prompt: recipe.negativePrompt,
      spec: recipe.spec,
    }),
  });
  return pngWithTextChunks(png, entries);
}

/** `name [hash]`, as AUTOMATIC1111 names a checkpoint that ran. */
const CHECKPOINT_WITH_HASH = /^(.+?) \[([0-9a-f]{8,12})\]$/;

/**
 * The recipe in AUTOMATIC1111's infotext layout, for the tools that read it (A1111, Forge, ComfyUI's
 * importer, Civitai, exiftool); null for an image with no recipe of its own (an upload). Always has
 * a `Negative prompt:` line, which some readers need to find the parameters; names the checkpoint and
 * its hash when the backend told them; an upscale or edit says what was done to which recipe.
 */
export function parametersText(recipe: EmbeddedRecipe): string | null {
  const { spec } = recipe;
  if (spec.steps === undefined || spec.seed === undefined || !recipe.prompt) return null;
  const backendModel = typeof spec.backend_model === 'string' ? spec.backend_model : null;
  const checkpoint = backendModel ? CHECKPOINT_WITH_HASH.exec(backendModel) : null;
  const extra: Record<string, string | number> = {};
  if (checkpoint) extra['Model hash'] = checkpoint[2]!;
  const upscale = spec.upscale as { factor?: unknown } | undefined;
  if (recipe.actionType === 'upscale' && typeof upscale?.factor === 'number') extra['Postprocess upscale by'] = upscale.factor;
  if (recipe.actionType === 'edit' && spec.edit !== undefined) extra['ImageFlow edit'] = JSON.stringify(spec.edit);
  extra['ImageFlow node'] = recipe.nodeId;
  extra['ImageFlow action'] = recipe.actionType;
  extra.Provider = recipe.provider;
  return formatA1111Parameters({
    prompt: recipe.prompt,
    negativePrompt: recipe.negativePrompt,
    steps: spec.steps,
    sampler: spec.sampler ?? 'euler',
    cfgScale: spec.guidance ?? 0,
    seed: spec.seed,
    width: spec.width,
    height: spec.height,
    model: checkpoint ? checkpoint[1]! : (backendModel ?? recipe.model),
    denoisingStrength: recipe.actionType === 'img2img' ? spec.strength : undefined,
    extra,
  });
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Our `imageflow` chunk as read back from a file: held to the API's own limits, since a file can say anything. */
const EmbeddedChunk = z.object({
  version: z.literal(RECIPE_CHUNK_VERSION),
  node_id: z.number().int().positive(),
  parent_id: z.number().int().positive().nullable(),
  parent_sha256: z.string().regex(SHA256).nullable(),
  action_type: z.enum(ACTION_TYPES),
  model: z.string().max(200),
  provider: z.string().max(100),
  prompt: z.string().max(MAX_PROMPT_LENGTH),
  negative_prompt: z.string().max(MAX_PROMPT_LENGTH),
  spec: z.record(z.string(), z.unknown()),
});

/** The most of the `imageflow` chunk that is read. */
const MAX_EMBEDDED_CHUNK_BYTES = 64 * 1024;

/**
 * The lineage an ImageFlow PNG carries in its `imageflow` chunk (the node it was, its parent's image
 * hash, its recipe); null when the file has none or it is not one we wrote. `chunks`: the file's text
 * chunks when already read.
 */
export function readEmbeddedRecipe(png: Buffer, chunks?: readonly PngTextChunk[]): EmbeddedRecipe | null {
  let text: string | undefined;
  try {
    text = (chunks ?? readPngTextChunks(png, { maxInflatedBytes: MAX_EMBEDDED_CHUNK_BYTES })).find((c) => c.keyword === 'imageflow')?.text;
  } catch {
    return null;
  }
  if (!text || text.length > MAX_EMBEDDED_CHUNK_BYTES) return null;
  let json: unknown;
  try {
    json = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    return null;
  }
  const parsed = EmbeddedChunk.safeParse(json);
  if (!parsed.success) return null;
  const c = parsed.data;
  const width = c.spec.width;
  const height = c.spec.height;
  if (typeof width !== 'number' || typeof height !== 'number') return null;
  return {
    nodeId: c.node_id,
    parentId: c.parent_id,
    parentSha256: c.parent_sha256,
    actionType: c.action_type,
    model: c.model,
    provider: c.provider,
    prompt: c.prompt,
    negativePrompt: c.negative_prompt,
    spec: { ...c.spec, width, height },
  };
}
