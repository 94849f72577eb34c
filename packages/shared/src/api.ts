import { z } from 'zod';
import { ActionType, EditOps, ModelName, Spec, SpecInput, UpscaleFactor, MAX_SEED, MAX_PROMPT_LENGTH } from './recipe.ts';
import { BULK_ACTIONS, GALLERY_ORDERS, MAX_BULK_IMAGES, MAX_DOWNLOAD_IMAGES } from './constants.ts';

export { BULK_ACTIONS, GALLERY_ORDERS, MAX_BULK_IMAGES, MAX_DOWNLOAD_IMAGES, type BulkAction, type GalleryOrder } from './constants.ts';

export const ErrorBody = z.object({
  error: z.object({
    code: z.string().describe('Stable machine-readable code, e.g. "not_found".'),
    message: z.string().describe('What went wrong and what to do about it.'),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * A whole number in a URL (path or query), written the one canonical way: decimal digits, no
 * sign, spaces, leading zeros or hex, so that `/api/images/0x1` and `/api/images/%201` are not
 * another name for image 1.
 */
export function urlInteger(name: string, range: { min: number; max: number }) {
  const between = { error: (issue: { input: unknown }) => `${name} must be between ${range.min} and ${range.max} (got ${String(issue.input)})` };
  return z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, `${name} must be a whole number written in plain digits, like ${range.min}`)
    .transform(Number)
    .pipe(z.number().min(range.min, between).max(range.max, between));
}

export const NodeId = urlInteger('id', { min: 1, max: Number.MAX_SAFE_INTEGER });

/** C0 control characters other than tab, line feed and carriage return, and DEL: no file format or database keeps them faithfully. */
export const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
export const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text that can be stored as it is: in the database, in PNG text chunks, in file names' neighbours. */
export function storableText(name: string, max: number) {
  return z
    .string()
    .max(max, `${name} is limited to ${max} characters`)
    .refine((s) => !CONTROL_CHARACTER.test(s), {
      error: (issue) => {
        const char = CONTROL_CHARACTER.exec(issue.input as string)![0]!;
        return `${name} contains the control character U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}, which cannot be stored; remove it`;
      },
    })
    .refine((s) => !LONE_SURROGATE.test(s), `${name} contains a broken UTF-16 character (a lone surrogate); send valid Unicode text`);
}

const Prompt = storableText('prompt', MAX_PROMPT_LENGTH).transform((s) => s.trim()).pipe(z.string().min(1, 'prompt must not be empty'));
const NegativePrompt = storableText('negative_prompt', MAX_PROMPT_LENGTH);

export const GenerationRequest = z
  .object({
    prompt: Prompt.optional().describe('Required for a new image; derived versions default to the parent prompt.'),
    negative_prompt: NegativePrompt.optional(),
    model: ModelName.optional().describe('Defaults to "sdxl", or to the parent model for derived versions.'),
    spec: SpecInput.optional(),
    parent_id: z.number().int().positive().optional().describe('The image this one derives from.'),
    action_type: ActionType.optional().describe(
      'generate (no parent) or img2img | variation | remix | upscale | edit (with parent_id). Defaults to generate, or img2img when parent_id is set.',
    ),
    upscale: z.object({ factor: UpscaleFactor }).strict().optional().describe('For action_type "upscale".'),
    edit: EditOps.optional().describe('For action_type "edit".'),
  })
  .strict();
export type GenerationRequest = z.infer<typeof GenerationRequest>;

export const ImageNode = z.object({
  id: z.number().int(),
  is_root: z.boolean(),
  parent_id: z.number().int().nullable(),
  root_id: z.number().int(),
  depth: z.number().int(),
  prompt: z.string(),
  negative_prompt: z.string(),
  model: z.string(),
  provider: z.string().describe('"builtin" is the offline procedural renderer, not AI.'),
  seed: z.number().int().nullable(),
  spec_json: Spec.partial().passthrough(),
  request_params: z.record(z.string(), z.unknown()),
  action_type: ActionType,
  image_path: z.string().nullable(),
  filename: z.string(),
  url: z.string().nullable().describe('Shareable URL of the PNG; null once deleted.'),
  thumbnail_url: z.string().nullable(),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string(),
  starred: z.boolean(),
  deleted_at: z.string().nullable(),
  trashed_at: z.string().nullable().describe('When it was moved to the trash (files kept, restorable until purged); null: not in the trash.'),
  created_at: z.string(),
  children_count: z.number().int(),
  original: z
    .object({
      url: z.string().nullable().describe('The file byte for byte as it was uploaded (its format, its metadata); null once deleted.'),
      sha256: z.string(),
      bytes: z.number().int(),
      content_type: z.string(),
    })
    .nullable()
    .describe('An upload\'s original file, kept beside the PNG shown; null for images made here.'),
  pending_parent_sha256: z
    .string()
    .nullable()
    .describe('An image made by ImageFlow elsewhere whose parent is not here yet: the parent\'s image hash. It is attached under the parent when that is uploaded.'),
  base64: z.string().optional(),
});
export type ImageNode = z.infer<typeof ImageNode>;

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export const JobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatus>;
export const TERMINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'canceled'];

export const Job = z.object({
  id: z.string(),
  status: JobStatus,
  progress: z.number().min(0).max(1),
  step: z.number().int().nullable(),
  total_steps: z.number().int().nullable(),
  action_type: ActionType,
  model: z.string(),
  provider: z.string(),
  parent_id: z.number().int().nullable(),
  request: z.record(z.string(), z.unknown()),
  error: ErrorBody.shape.error.nullable(),
  attempts: z.number().int(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  images: z.array(ImageNode),
});
export type Job = z.infer<typeof Job>;

export const JobEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('progress'), job: Job }),
  z.object({ type: z.literal('completed'), job: Job }),
  z.object({ type: z.literal('failed'), job: Job }),
  z.object({ type: z.literal('canceled'), job: Job }),
  z.object({
    type: z.literal('preview'),
    job: Job,
    preview: z.object({ mime: z.string(), data_base64: z.string() }).describe('A live preview of the image being made.'),
  }),
]);
export type JobEvent = z.infer<typeof JobEvent>;

export const IncludeBase64Query = z.object({
  include_base64: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1'),
});

export const ImagesResponse = z.object({ images: z.array(ImageNode) });

export const PatchImage = z.object({ starred: z.boolean() }).strict();

export const LINEAGE_SCOPES = ['tree', 'ancestors', 'descendants'] as const;
export const LINEAGE_FIELDS = ['full', 'summary'] as const;
export const LineageQuery = z.object({
  scope: z.enum(LINEAGE_SCOPES).default('tree'),
  limit: urlInteger('limit', { min: 1, max: 5000 }).default(1000),
  cursor: z.string().max(200).optional().describe('next_cursor of the previous page.'),
  fields: z
    .enum(LINEAGE_FIELDS, { error: 'fields must be "full" (every field of each image) or "summary" (what a tree view draws)' })
    .default('full')
    .describe('full: each node as GET /api/images/{id} gives it; summary: what a tree view draws (NodeSummary), about a half of the bytes, and cheaper to make.'),
});
export const Lineage = z.object({
  root_id: z.number().int(),
  focus_id: z.number().int(),
  path: z.array(z.number().int()).describe('Ids from the root to the focus node.'),
  nodes: z.array(ImageNode),
  truncated: z.boolean().describe('True when more nodes exist; fetch them with next_cursor.'),
  next_cursor: z.string().nullable(),
});
export type Lineage = z.infer<typeof Lineage>;

/** A node as a tree view draws it: no recipe, request parameters or file details (GET /api/images/{id} has them). */
export const NodeSummary = ImageNode.pick({
  id: true,
  parent_id: true,
  depth: true,
  prompt: true,
  model: true,
  provider: true,
  seed: true,
  action_type: true,
  width: true,
  height: true,
  starred: true,
  deleted_at: true,
  trashed_at: true,
  created_at: true,
  children_count: true,
  thumbnail_url: true,
});
export type NodeSummary = z.infer<typeof NodeSummary>;

/** The lineage answer with fields=summary. */
export const LineageSummary = Lineage.extend({ nodes: z.array(NodeSummary) });
export type LineageSummary = z.infer<typeof LineageSummary>;

export const GalleryQuery = z.object({
  limit: urlInteger('limit', { min: 1, max: 200 }).default(50),
  cursor: z.string().max(200).optional(),
  q: storableText('q', 200).transform((s) => s.trim()).optional().describe('Full-text search over prompts.'),
  model: storableText('model', 64).optional(),
  action_type: ActionType.optional(),
  starred: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true')),
  order: z
    .enum(GALLERY_ORDERS, { error: 'order must be "desc" (newest first) or "asc" (oldest first)' })
    .default('desc')
    .describe('desc: newest first (the default); asc: oldest first. A cursor continues in the order it was read in.'),
});
export type GalleryQuery = z.infer<typeof GalleryQuery>;
export const GalleryPage = z.object({ items: z.array(ImageNode), next_cursor: z.string().nullable() });
export type GalleryPage = z.infer<typeof GalleryPage>;

const IDS_TEXT = 'ids must be image ids: whole numbers from 1, like [12, 15]';
/** POST /api/images/download: the images to put in one .zip, in this order. */
export const DownloadImages = z
  .object({
    ids: z
      .array(z.number({ error: IDS_TEXT }).int(IDS_TEXT).min(1, IDS_TEXT).max(Number.MAX_SAFE_INTEGER, IDS_TEXT), {
        error: IDS_TEXT,
      })
      .min(1, 'ids must name at least one image')
      .max(MAX_DOWNLOAD_IMAGES, `ids may name at most ${MAX_DOWNLOAD_IMAGES} images at once; download them in parts`),
  })
  .strict();
export type DownloadImages = z.infer<typeof DownloadImages>;

const BULK_ACTION_TEXT = `action must be one of ${BULK_ACTIONS.map((a) => `"${a}"`).join(', ')}`;
/**
 * POST /api/images/bulk: one action on many images at once. An id named twice counts once. Every id
 * is checked first: when one cannot take the action, nothing changes (see the route).
 */
export const BulkImages = z
  .object({
    ids: z
      .array(z.number({ error: IDS_TEXT }).int(IDS_TEXT).min(1, IDS_TEXT).max(Number.MAX_SAFE_INTEGER, IDS_TEXT), {
        error: IDS_TEXT,
      })
      .min(1, 'ids must name at least one image')
      .max(MAX_BULK_IMAGES, `ids may name at most ${MAX_BULK_IMAGES} images at once; send the rest in another request`),
    action: z.enum(BULK_ACTIONS, { error: BULK_ACTION_TEXT }),
  })
  .strict();
export type BulkImages = z.infer<typeof BulkImages>;
/** The images as they are after the action, in the order of `ids` (each once). */
export const BulkImagesResult = z.object({ items: z.array(ImageNode) });
export type BulkImagesResult = z.infer<typeof BulkImagesResult>;

/** Request body of the diffusers-style routes `/api/{sdxl,flux}/{txt2img,img2img}`. */
export const DiffusersTxt2Img = z
  .object({
    prompt: Prompt,
    negative_prompt: NegativePrompt.optional(),
    width: z.number().int().optional(),
    height: z.number().int().optional(),
    num_inference_steps: z.number().int().optional(),
    guidance_scale: z.number().optional(),
    seed: z.number().int().min(0).max(MAX_SEED).nullable().optional(),
    num_images: z.number().int().optional(),
    model: z.enum(['flux-dev', 'flux-schnell']).optional().describe('FLUX variant (flux routes only).'),
  })
  .strict();
export const DiffusersImg2Img = DiffusersTxt2Img.extend({
  image: z.string().optional().describe('Init image as base64 or a data URL.'),
  parent_id: z.number().int().positive().optional().describe('Use a stored image as the init image.'),
  strength: z.number().min(0).max(1).optional(),
}).strict();
export const DiffusersResponse = z.object({
  images: z.array(z.object({ id: z.number().int(), base64: z.string(), url: z.string(), filename: z.string() })),
});

export const Health = z.object({
  status: z.literal('ok'),
  version: z.string(),
  database: z.string(),
  providers: z.record(z.string(), z.object({ ok: z.boolean(), ai: z.boolean() })),
});

export const ModelInfo = z.object({
  name: ModelName,
  label: z.string(),
  family: z.enum(['sdxl', 'flux']),
  provider: z.string().describe('Which backend serves the model.'),
  ai: z.boolean().describe('False for the builtin procedural renderer, which is not AI.'),
  reachable: z.boolean(),
  message: z.string().nullable(),
  defaults: Spec.omit({ seed: true }),
});
export type ModelInfo = z.infer<typeof ModelInfo>;
export const ModelList = z.object({ models: z.array(ModelInfo) });
export type ModelList = z.infer<typeof ModelList>;

export const TrashQuery = z.object({
  limit: urlInteger('limit', { min: 1, max: 200 }).default(50),
  cursor: z.string().max(200).optional(),
});
export type TrashQuery = z.infer<typeof TrashQuery>;

export const TrashPage = z.object({
  items: z.array(ImageNode).describe('My images in the trash, most recently trashed first.'),
  next_cursor: z.string().nullable(),
  purge_after_days: z.number().int().describe('Days an image stays in the trash before its files are removed for good.'),
});
export type TrashPage = z.infer<typeof TrashPage>;

export const DeleteImageQuery = z.object({
  forever: z.enum(['true', 'false']).default('false').describe('true: remove the files now (cannot be undone); else move to the trash.'),
});
