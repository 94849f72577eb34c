// Types only from '@imageflow/shared': its values come with zod, which the first page must not carry.
import type { ImageNode, ReadRecipe, RecipeHires, RecipeTool } from '@imageflow/shared';

export type { RecipeTool };
import { MODEL_LABELS, SAMPLER_LABELS, isModelName, isSampler } from '@imageflow/shared/constants';

/**
 * The recipe another tool wrote into an uploaded file, as the server read it (`spec_json.imported`):
 * every field is what the file states, null when it says nothing.
 */
export type ImportedRecipe = ReadRecipe;
export type ImportedHires = RecipeHires;


/** How each tool calls itself; one entry for every tool the shared RECIPE_TOOLS lists (the type checks it). */
export const TOOL_LABELS: Record<RecipeTool, string> = {
  automatic1111: 'AUTOMATIC1111',
  forge: 'Forge',
  sdnext: 'SD.Next',
  comfyui: 'ComfyUI',
  invokeai: 'InvokeAI',
  fooocus: 'Fooocus',
  ruinedfooocus: 'RuinedFooocus',
  novelai: 'NovelAI',
  swarmui: 'SwarmUI',
  imageflow: 'ImageFlow',
  unknown: 'an unrecognised tool',
};

const isTool = (value: unknown): value is RecipeTool => typeof value === 'string' && Object.hasOwn(TOOL_LABELS, value);
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function readHires(value: unknown): ImportedHires | null {
  if (!isObject(value)) return null;
  return {
    upscale: num(value.upscale),
    upscaler: str(value.upscaler),
    steps: num(value.steps),
    width: num(value.width),
    height: num(value.height),
    sampler: str(value.sampler),
    scheduler: str(value.scheduler),
    cfg: num(value.cfg),
    denoising_strength: num(value.denoising_strength),
  };
}

/** The recipe read from an uploaded file, or null (made here, re-linked from another ImageFlow, or a file with none). */
export function importedRecipeOf(node: Pick<ImageNode, 'spec_json'>): ImportedRecipe | null {
  const raw = (node.spec_json as Record<string, unknown>).imported;
  if (!isObject(raw) || !isTool(raw.tool)) return null;
  const extra: Record<string, string> = {};
  if (isObject(raw.extra)) for (const [k, v] of Object.entries(raw.extra)) if (typeof v === 'string') extra[k] = v;
  const loras = Array.isArray(raw.loras)
    ? raw.loras.flatMap((l: unknown) => (isObject(l) && str(l.name) ? [{ name: l.name as string, weight: num(l.weight) }] : []))
    : [];
  const samplerId = str(raw.sampler_id);
  return {
    tool: raw.tool,
    tool_version: str(raw.tool_version),
    found_in: str(raw.found_in) ?? '',
    prompt: text(raw.prompt),
    negative_prompt: text(raw.negative_prompt),
    seed: num(raw.seed),
    steps: num(raw.steps),
    cfg: num(raw.cfg),
    flux_guidance: num(raw.flux_guidance),
    sampler: str(raw.sampler),
    sampler_id: samplerId && isSampler(samplerId) ? samplerId : null,
    scheduler: str(raw.scheduler),
    model: str(raw.model),
    model_hash: str(raw.model_hash),
    width: num(raw.width),
    height: num(raw.height),
    denoising_strength: num(raw.denoising_strength),
    hires: readHires(raw.hires),
    loras,
    clip_skip: num(raw.clip_skip),
    source_image: str(raw.source_image),
    extra,
  };
}

/** An image ImageFlow made elsewhere and that was uploaded here: the node it was there. */
export interface ImportedFrom {
  nodeId: number | null;
  /** How it was made there (variation, upscale...); until its parent is here it is an upload here. */
  recordedAction: string | null;
}

export function importedFromOf(node: Pick<ImageNode, 'spec_json'>): ImportedFrom | null {
  const raw = (node.spec_json as Record<string, unknown>).imported_from;
  if (!isObject(raw) || raw.tool !== 'imageflow') return null;
  return { nodeId: num(raw.node_id), recordedAction: str((node.spec_json as Record<string, unknown>).recorded_action) };
}

/** "AUTOMATIC1111 v1.10.1", "ComfyUI". */
export function toolName(recipe: Pick<ImportedRecipe, 'tool' | 'tool_version'>): string {
  const name = TOOL_LABELS[recipe.tool];
  return recipe.tool_version && recipe.tool !== 'unknown' ? `${name} ${recipe.tool_version}` : name;
}

/** The tool an upload's recipe came from, for lists: "AUTOMATIC1111", "ImageFlow", or null when the file states none. */
export function recognisedTool(node: Pick<ImageNode, 'spec_json'>): string | null {
  const recipe = importedRecipeOf(node);
  if (recipe) return recipe.tool === 'unknown' ? 'Unrecognised tool' : TOOL_LABELS[recipe.tool];
  return importedFromOf(node) ? 'ImageFlow' : null;
}

/** A sampler id of ours as people name it ("DPM++ 2M Karras"); anything else as it is. */
export function samplerLabel(id: unknown): string | undefined {
  if (typeof id !== 'string') return undefined;
  return isSampler(id) ? SAMPLER_LABELS[id] : id;
}

/** A model of ours by its name ("FLUX.1 [dev]"); "upload" is a file brought in; anything else as it is. */
export function modelLabel(name: string): string {
  if (isModelName(name)) return MODEL_LABELS[name];
  if (name === 'upload') return 'None (uploaded file)';
  return name;
}

/** A number as a recipe states it: no trailing zeros, no grouping ("7", "0.35", "972054013131368"). */
export function formatStated(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/** The original file's name as it was uploaded, when the upload recorded it. */
export function originalFilename(node: Pick<ImageNode, 'request_params' | 'original'>): string | undefined {
  const name = node.request_params.original_filename;
  return typeof name === 'string' && name.trim() !== '' ? name : undefined;
}

const FORMAT_NAMES: Record<string, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/webp': 'WebP' };

/** "JPEG", "PNG", "WebP" from a content type. */
export function formatName(contentType: string): string {
  return FORMAT_NAMES[contentType] ?? (contentType.split('/')[1]?.toUpperCase() || 'file');
}
