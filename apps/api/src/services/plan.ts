import {
  MODEL_DEFAULTS,
  MODEL_NAMES,
  MAX_SEED,
  MAX_SIDE,
  MAX_UPSCALED_SIDE,
  MIN_SIDE,
  ROOT_ACTIONS,
  Spec,
  type ActionType,
  type EditOps,
  type GenerationRequest,
  type ModelName,
} from '@imageflow/shared';
import { ValidationError } from '../errors.ts';
import type { GenerationPlan } from '../ports/job.repository.port.ts';

export type { GenerationPlan };

export interface ParentRecipe {
  id: number;
  model: string;
  prompt: string;
  negativePrompt: string;
  spec: Record<string, unknown>;
  seed: number | null;
  actionType: ActionType;
  deleted: boolean;
  width: number;
  height: number;
}

/** Actions that read the parent's pixels (and so need its file to still exist). */
export const ACTIONS_USING_PARENT_IMAGE: readonly ActionType[] = ['img2img', 'upscale', 'edit'];
/** Actions done with image operations on the parent rather than by a model. */
export const IMAGE_OP_ACTIONS: readonly ActionType[] = ['upscale', 'edit'];
/** The provider recorded for image operations, which run with sharp wherever the job runs. */
export const IMAGE_OP_PROVIDER = 'builtin';

function isModelName(m: string): m is ModelName {
  return (MODEL_NAMES as readonly string[]).includes(m);
}

export function resolvePlan(
  request: GenerationRequest,
  parent: ParentRecipe | null,
  newSeed: () => number,
): GenerationPlan {
  const action: ActionType = request.action_type ?? (request.parent_id !== undefined ? 'img2img' : 'generate');

  if (action === 'upload') {
    throw new ValidationError('action_type "upload" is made by POST /api/images/upload, not by a generation.');
  }
  if (ROOT_ACTIONS.includes(action)) {
    if (request.parent_id !== undefined) {
      throw new ValidationError(
        `action_type "${action}" makes a new root image and takes no parent_id; use img2img, variation, remix, upscale or edit to derive from image ${request.parent_id}.`,
      );
    }
  } else if (!parent) {
    throw new ValidationError(`action_type "${action}" needs parent_id: the id of the image to derive from.`);
  }
  if (parent?.deleted && ACTIONS_USING_PARENT_IMAGE.includes(action)) {
    throw new ValidationError(
      `image ${parent.id} was deleted, so its pixels are gone; ${action} needs them. A variation or remix still works from its recipe.`,
    );
  }
  if (request.upscale && action !== 'upscale') throw new ValidationError('upscale is only used with action_type "upscale".');
  if (request.edit && action !== 'edit') throw new ValidationError('edit is only used with action_type "edit".');
  if (action === 'edit' && !request.edit) {
    throw new ValidationError('action_type "edit" needs edit, e.g. {"rotate": 90} or {"crop": {"left": 0, "top": 0, "width": 512, "height": 512}}.');
  }

  if (parent && action === 'upscale') checkUpscale(parent, request.upscale?.factor ?? 2);
  if (parent && request.edit?.crop) checkCrop(parent, request.edit.crop);

  // An imported image names the family it was made with in its recipe (spec.model), like ours do.
  const recordedModel = typeof parent?.spec.model === 'string' ? parent.spec.model : '';
  const parentModel = parent && isModelName(parent.model) ? parent.model : isModelName(recordedModel) ? recordedModel : undefined;
  const model: ModelName = request.model ?? parentModel ?? 'sdxl';
  const prompt = request.prompt ?? parent?.prompt ?? '';
  if (!prompt && !IMAGE_OP_ACTIONS.includes(action)) {
    throw new ValidationError(
      parent ? `image ${parent.id} has no prompt to reuse; send a prompt for the ${action}.` : 'prompt is required.',
    );
  }

  const inherited = parent ? inheritableSpec(parent.spec) : {};
  const base = { ...MODEL_DEFAULTS[model], ...inherited, batch_size: 1 };
  const sent = request.spec ?? {};
  const keepsParentSeed = action === 'remix' || IMAGE_OP_ACTIONS.includes(action);
  let seed = sent.seed ?? (keepsParentSeed && parent?.seed != null ? parent.seed : newSeed());
  if (action === 'variation' && sent.seed === undefined && parent?.seed != null && seed === parent.seed) {
    seed = (seed + 1) % (MAX_SEED + 1);
  }
  const spec = Spec.parse({ ...base, ...sent, seed });

  if (IMAGE_OP_ACTIONS.includes(action) && spec.batch_size !== 1) {
    throw new ValidationError(`${action} makes exactly one image; leave spec.batch_size at 1.`);
  }

  return {
    action,
    model,
    prompt,
    negativePrompt: request.negative_prompt ?? parent?.negativePrompt ?? '',
    spec,
    parentId: parent?.id ?? null,
    ...(action === 'upscale' ? { upscale: request.upscale ?? { factor: 2 } } : {}),
    ...(action === 'edit' ? { edit: request.edit } : {}),
  };
}

function checkUpscale(parent: ParentRecipe, factor: number): void {
  const width = parent.width * factor;
  const height = parent.height * factor;
  if (Math.max(width, height) > MAX_UPSCALED_SIDE) {
    throw new ValidationError(
      `upscaling image ${parent.id} (${parent.width}x${parent.height}) by ${factor} would give ${width}x${height}; the largest side allowed is ${MAX_UPSCALED_SIDE}. Use a smaller factor.`,
    );
  }
}

function checkCrop(parent: ParentRecipe, crop: NonNullable<EditOps['crop']>): void {
  if (crop.left + crop.width > parent.width || crop.top + crop.height > parent.height) {
    throw new ValidationError(
      `crop ${crop.width}x${crop.height} at (${crop.left}, ${crop.top}) falls outside the ${parent.width}x${parent.height} image ${parent.id}.`,
    );
  }
}

/** The parent's recipe fields that are valid here; its size fitted to what models accept. */
function inheritableSpec(spec: Record<string, unknown>): Partial<Spec> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(Spec.shape)) {
    const parsed = field.safeParse(spec[key]);
    if (parsed.success) out[key] = parsed.data;
  }
  if (typeof spec.width === 'number' && typeof spec.height === 'number') Object.assign(out, fitSize(spec.width, spec.height));
  return out as Partial<Spec>;
}

/** Scales a size down to fit MAX_SIDE, keeping its aspect, with each side a multiple of 8 in range. */
export function fitSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const snap = (v: number) => Math.min(MAX_SIDE, Math.max(MIN_SIDE, Math.floor((v * scale) / 8) * 8));
  return { width: snap(width), height: snap(height) };
}
