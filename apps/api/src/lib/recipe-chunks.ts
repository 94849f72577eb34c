import type { ActionType } from '@imageflow/shared';
import { formatA1111Parameters } from './a1111-parameters.ts';
import { pngWithTextChunks } from './png-text.ts';

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
  const { spec } = recipe;
  const hasRecipe = spec.steps !== undefined && spec.seed !== undefined;
  const entries: Array<{ keyword: string; text: string }> = [];
  if (hasRecipe && recipe.prompt) {
    entries.push({
      keyword: 'parameters',
      text: formatA1111Parameters({
        prompt: recipe.prompt,
        negativePrompt: recipe.negativePrompt || undefined,
        steps: spec.steps!,
        sampler: spec.sampler ?? 'euler',
        cfgScale: spec.guidance ?? 0,
        seed: spec.seed!,
        width: spec.width,
        height: spec.height,
        model: recipe.model,
        denoisingStrength: recipe.actionType === 'img2img' ? spec.strength : undefined,
        extra: { 'ImageFlow node': recipe.nodeId, 'ImageFlow action': recipe.actionType, Provider: recipe.provider },
      }),
    });
  }
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
      spec,
    }),
  });
  return pngWithTextChunks(png, entries);
}
