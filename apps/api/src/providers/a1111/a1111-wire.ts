/**
 * Pure pieces of the AUTOMATIC1111 / Forge adapter: request bodies, reading `info`, progress and
 * error bodies, checkpoint lookup and image checks. No I/O; a1111.provider.ts does the talking.
 *
 * Facts from A1111's own code (modules/api/api.py, models.py, processing.py, sd_samplers.py):
 * - The request models are pydantic models generated from the processing classes with the default
 *   config, so unknown top-level fields are IGNORED (not rejected) and values are coerced
 *   (pydantic v1: "20" → 20, 20.7 → 20 for int fields).
 * - From 1.9 a sampler name may carry its scheduler ("DPM++ 2M Karras" → "DPM++ 2M" + "Karras"),
 *   and an unknown sampler name silently falls back to the first sampler ("DPM++ 2M"); "DPM++ 2M"
 *   and "DPM++ SDE" default to the Karras scheduler under "Automatic".
 * - An `override_settings.sd_model_checkpoint` that matches no checkpoint alias is silently dropped
 *   and the loaded checkpoint is used (process_images), so the adapter checks the name first.
 * - `info` is `json.dumps(Processed.js())`; `all_seeds[i]` is `seed + i` for a batch.
 */
import type { Sampler, Spec } from '@imageflow/shared';
import { A1111_SAMPLER_NAMES } from '../../lib/a1111-parameters.ts';
import { PNG_SIGNATURE, crc32 } from '../../lib/png-text.ts';
import type { ProviderProgress } from '../../ports/provider.port.ts';
import { a1111NameFor } from '../../lib/recipes/samplers.ts';

// ---------------------------------------------------------------------------
// Samplers
// ---------------------------------------------------------------------------

/** FLUX on Forge: the settings its users and the Forge FLUX presets use. */
export const FORGE_FLUX_SAMPLER = { sampler: 'Euler', scheduler: 'Simple' } as const;

export interface SamplerFields {
  sampler_name: string;
  /** Absent for servers older than 1.9, which have no `scheduler` field. */
  scheduler?: string;
}

/**
 * The sampler fields to send. `legacy` is for servers before 1.9 (their sampler list still has
 * "DPM++ 2M Karras" as a name of its own): they take the combined display name and no scheduler.
 */
export function samplerFields(sampler: Sampler, legacy: boolean): SamplerFields {
  if (legacy) return { sampler_name: A1111_SAMPLER_NAMES[sampler] ?? sampler };
  const mapped = a1111NameFor(sampler);
  return { sampler_name: mapped.sampler, scheduler: mapped.scheduler };
}

export interface A1111SamplerItem {
  name: string;
  aliases: string[];
}

/** Reads `GET /sdapi/v1/samplers` (`[{name, aliases, options}]`); null if it is not that shape. */
export function parseSamplerList(body: unknown): A1111SamplerItem[] | null {
  if (!Array.isArray(body)) return null;
  const out: A1111SamplerItem[] = [];
  for (const item of body) {
    if (!isRecord(item) || typeof item.name !== 'string') return null;
    const aliases = Array.isArray(item.aliases) ? item.aliases.filter((a): a is string => typeof a === 'string') : [];
    out.push({ name: item.name, aliases });
  }
  return out;
}

/** True when the server is older than 1.9: Karras variants are samplers of their own. */
export function isLegacySamplerList(list: readonly A1111SamplerItem[]): boolean {
  return list.some((s) => s.name === 'DPM++ 2M Karras');
}

/** Whether `name` is one of the server's samplers (A1111 looks names up in `all_samplers_map`, by name only). */
export function hasSampler(list: readonly A1111SamplerItem[], name: string): boolean {
  return list.some((s) => s.name === name);
}

// ---------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------

export interface PayloadInput {
  prompt: string;
  negativePrompt: string;
  spec: Spec;
  sampler: SamplerFields;
  /** Forge FLUX: cfg_scale 1 and the guidance goes to distilled_cfg_scale. */
  flux: boolean;
  checkpoint?: string;
  /** img2img: the init image as raw base64 (no data: prefix), already at the spec's size. */
  initBase64?: string;
}

/** The JSON body for `POST /sdapi/v1/txt2img` (or img2img when `initBase64` is given). */
export function buildPayload(input: PayloadInput): Record<string, unknown> {
  const { spec } = input;
  const body: Record<string, unknown> = {
    prompt: input.prompt,
    negative_prompt: input.negativePrompt,
    seed: spec.seed,
    steps: spec.steps,
    cfg_scale: input.flux ? 1 : spec.guidance,
    width: spec.width,
    height: spec.height,
    ...input.sampler,
    batch_size: spec.batch_size,
    n_iter: 1,
    // Left unset these follow the server's global settings and would change the picture.
    restore_faces: false,
    tiling: false,
    send_images: true,
    save_images: false,
  };
  if (input.flux) body.distilled_cfg_scale = spec.guidance;
  if (input.checkpoint) {
    body.override_settings = { sd_model_checkpoint: input.checkpoint };
    body.override_settings_restore_afterwards = true;
  }
  if (input.initBase64 !== undefined) {
    body.init_images = [input.initBase64];
    body.denoising_strength = spec.strength;
  }
  return body;
}

// ---------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------

export interface A1111Info {
  /** `all_seeds`, one per image of the batch (grids excluded). */
  seeds: number[];
  modelName: string | null;
  modelHash: string | null;
  /** How many grid images come before the batch's images. */
  indexOfFirstImage: number;
}

/**
 * Reads the `info` field: a JSON string (a plain object is accepted too). Null when it cannot be
 * read; the caller then falls back to the seeds it asked for (A1111 uses seed, seed + 1, ...).
 */
export function parseInfo(info: unknown): A1111Info | null {
  let obj: unknown = info;
  if (typeof info === 'string') {
    try {
      obj = JSON.parse(info);
    } catch {
      return null;
    }
  }
  if (!isRecord(obj)) return null;
  const seeds = Array.isArray(obj.all_seeds) ? obj.all_seeds.filter(isSafeInt) : [];
  if (seeds.length === 0 && isSafeInt(obj.seed)) seeds.push(obj.seed);
  const first = obj.index_of_first_image;
  return {
    seeds,
    modelName: nonEmptyString(obj.sd_model_name),
    modelHash: nonEmptyString(obj.sd_model_hash),
    indexOfFirstImage: isSafeInt(first) && first > 0 ? first : 0,
  };
}

/** The backend's name for the model that ran: "sd_xl_base_1.0 [31e35c80fc]" style. */
export function backendModelName(info: A1111Info | null, fallback: string): string {
  const name = info?.modelName ?? null;
  const hash = info?.modelHash ?? null;
  if (name && hash) return `${name} [${hash}]`;
  return name ?? hash ?? fallback;
}

/**
 * Progress from a `GET /sdapi/v1/progress` body: steps over the whole run, counting earlier
 * jobs (`job_no`) at `sampling_steps` each. Null while nothing is sampling (idle: job_count 0;
 * starting: job_count -1).
 */
export function progressFromState(body: unknown): ProviderProgress | null {
  if (!isRecord(body) || !isRecord(body.state)) return null;
  const { job_count: jobCount, job_no: jobNo, sampling_step: step, sampling_steps: steps } = body.state;
  if (!isSafeInt(jobCount) || !isSafeInt(steps) || jobCount <= 0 || steps <= 0) return null;
  const done = Math.min(Math.max(isSafeInt(jobNo) ? jobNo : 0, 0), jobCount - 1);
  const current = Math.min(Math.max(isSafeInt(step) ? step : 0, 0), steps);
  return { step: done * steps + current, total: jobCount * steps };
}

/**
 * A person-readable message from an A1111 error body. A1111's own handler answers
 * `{"error": <exception type>, "detail", "body", "errors": str(exception)}`; FastAPI's validation
 * handler answers `{"detail": [{"loc": ["body", field], "msg", "type"}]}`.
 */
export function describeA1111Error(body: unknown): string | null {
  if (!isRecord(body)) return null;
  const { detail, error, errors } = body;
  if (Array.isArray(detail)) {
    const parts = detail.map((d) => {
      if (!isRecord(d)) return String(d);
      const loc = Array.isArray(d.loc) ? d.loc.filter((p) => p !== 'body').join('.') : '';
      const msg = typeof d.msg === 'string' ? d.msg : JSON.stringify(d);
      return loc ? `${loc}: ${msg}` : msg;
    });
    return parts.length ? clip(parts.join('; ')) : null;
  }
  const detailText = typeof detail === 'string' ? detail.trim() : '';
  const errorsText = typeof errors === 'string' ? errors.trim() : '';
  const type = typeof error === 'string' ? error.trim() : '';
  if (detailText && errorsText && !errorsText.includes(detailText)) return clip(`${detailText} (${errorsText})`);
  if (detailText) return clip(detailText);
  if (errorsText) return clip(type && type !== 'HTTPException' ? `${type}: ${errorsText}` : errorsText);
  if (type) return type;
  if (isRecord(detail)) return clip(JSON.stringify(detail));
  return null;
}

// ---------------------------------------------------------------------------
// Checkpoints
// ---------------------------------------------------------------------------

export interface A1111Checkpoint {
  title: string;
  modelName: string;
  hash: string | null;
  sha256: string | null;
  filename: string;
}

/** Reads `GET /sdapi/v1/sd-models` (`[{title, model_name, hash, sha256, filename, config}]`). */
export function parseCheckpointList(body: unknown): A1111Checkpoint[] | null {
  if (!Array.isArray(body)) return null;
  const out: A1111Checkpoint[] = [];
  for (const item of body) {
    if (!isRecord(item) || typeof item.title !== 'string') return null;
    out.push({
      title: item.title,
      modelName: typeof item.model_name === 'string' ? item.model_name : '',
      hash: nonEmptyString(item.hash),
      sha256: nonEmptyString(item.sha256),
      filename: typeof item.filename === 'string' ? item.filename : '',
    });
  }
  return out;
}

/** The checkpoint's file name relative to the models folder: the title without " [hash]". */
export function checkpointName(c: A1111Checkpoint): string {
  return c.hash && c.title.endsWith(` [${c.hash}]`) ? c.title.slice(0, -(c.hash.length + 3)) : c.title;
}

/**
 * The names A1111 accepts for a checkpoint (its `checkpoint_aliases`): title, file name, model
 * name, file stem, short hash and sha256.
 */
export function checkpointAliases(c: A1111Checkpoint): string[] {
  const name = checkpointName(c);
  const base = c.filename.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/\.[^.]*$/, '');
  return [c.title, name, c.modelName, stem, c.hash ?? '', c.sha256 ?? ''].filter((a) => a !== '');
}

export function findCheckpoint(list: readonly A1111Checkpoint[], wanted: string): A1111Checkpoint | undefined {
  return list.find((c) => checkpointAliases(c).includes(wanted));
}

/** "a.safetensors, b.safetensors and 3 more" */
export function listForPeople(items: readonly string[], max = 12): string {
  if (items.length === 0) return 'none';
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

// ---------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------

export type ImageKind = 'png' | 'jpeg' | 'webp';

/** The format of an encoded image by its first bytes (A1111 encodes in its `samples_format`). */
export function sniffImage(data: Buffer): ImageKind | null {
  if (data.length >= 8 && data.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') {
    return 'webp';
  }
  return null;
}

export const IMAGE_MIME: Readonly<Record<ImageKind, string>> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/**
 * Checks that a PNG is whole: the signature, IHDR first, every chunk inside the buffer with a
 * good CRC, at least one IDAT, and IEND at the end. Returns the size from IHDR, or why it failed.
 */
export function checkPng(png: Buffer): { ok: true; width: number; height: number } | { ok: false; reason: string } {
  if (png.length < 8 || !png.subarray(0, 8).equals(PNG_SIGNATURE)) return { ok: false, reason: 'not a PNG' };
  let pos = 8;
  let index = 0;
  let sawIdat = false;
  let width = 0;
  let height = 0;
  while (pos < png.length) {
    if (pos + 12 > png.length) return { ok: false, reason: 'cut off inside a chunk header' };
    const length = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const end = pos + 12 + length;
    if (length > 0x7fffffff || end > png.length) return { ok: false, reason: `cut off inside its ${type} chunk` };
    if (crc32(png.subarray(pos + 4, end - 4)) !== png.readUInt32BE(end - 4)) {
      return { ok: false, reason: `bad checksum in its ${type} chunk` };
    }
    if (index === 0) {
      if (type !== 'IHDR' || length !== 13) return { ok: false, reason: 'no IHDR chunk' };
      width = png.readUInt32BE(pos + 8);
      height = png.readUInt32BE(pos + 12);
    }
    if (type === 'IDAT') sawIdat = true;
    if (type === 'IEND') {
      if (!sawIdat) return { ok: false, reason: 'no image data' };
      if (width === 0 || height === 0) return { ok: false, reason: 'zero size' };
      return { ok: true, width, height };
    }
    pos = end;
    index++;
  }
  return { ok: false, reason: 'cut off before IEND' };
}

/** Raw base64 (A1111 sends no data: prefix, but a data URL is tolerated). Null if not base64. */
export function decodeBase64(text: unknown): Buffer | null {
  if (typeof text !== 'string') return null;
  const raw = text.startsWith('data:') ? text.slice(text.indexOf(',') + 1) : text;
  const compact = raw.replace(/\s+/g, '');
  if (compact.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return null;
  return Buffer.from(compact, 'base64');
}

// ---------------------------------------------------------------------------
// Small things
// ---------------------------------------------------------------------------

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSafeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

function nonEmptyString(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

function clip(text: string, max = 600): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
