/**
 * The `builtin` provider: an offline, deterministic procedural renderer (not AI). It makes every
 * model name work with no GPU backend, honouring every field of the recipe (see render.ts).
 */
import { MAX_SEED, MODEL_NAMES, type ModelName } from '@imageflow/shared';
import sharp from 'sharp';
import type {
  Provider,
  ProviderHealth,
  ProviderImage,
  ProviderRequest,
  ProviderRunOptions,
} from '../../ports/provider.port.ts';
import { createRenderJob } from './render.ts';

export const BUILTIN_BACKEND_MODEL = 'builtin-procedural-v1';

/** Seeds of a batch: seed, seed + 1, ... wrapping after MAX_SEED to 0. */
export function batchSeed(seed: number, index: number): number {
  return (seed + index) % (MAX_SEED + 1);
}

/** PNG bytes of an RGB raster. No metadata, so the same pixels always give the same bytes. */
export async function encodePng(data: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels: 3 },
  })
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
}

/** Decode an init image (any size, any PNG/JPEG/WebP) to width×height RGB, cropped to cover. */
export async function resizeInit(png: Buffer, width: number, height: number): Promise<Uint8Array> {
  const { data, info } = await sharp(png)
    .flatten({ background: '#ffffff' })
    .resize(width, height, { fit: 'cover' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels === 3) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(width * height * 3);
  const ch = info.channels;
  for (let i = 0, j = 0; i < width * height; i++, j += ch) {
    const v = data[j]!;
    out[i * 3] = v;
    out[i * 3 + 1] = ch >= 3 ? data[j + 1]! : v;
    out[i * 3 + 2] = ch >= 3 ? data[j + 2]! : v;
  }
  return out;
}

function abortError(signal: AbortSignal): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class BuiltinProvider implements Provider {
  readonly name = 'builtin';
  readonly kind = 'builtin';
  readonly isAi = false;

  async health(): Promise<ProviderHealth> {
    return { ok: true };
  }

  async models(): Promise<ModelName[]> {
    return [...MODEL_NAMES];
  }

  async generate(request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    const { spec } = request;
    const { signal, onProgress, onPreview, wantsPreview } = options;
    const total = spec.steps * spec.batch_size;
    checkAbort(signal);
    const init =
      request.init && spec.strength < 1 ? await resizeInit(request.init.png, spec.width, spec.height) : undefined;
    const images: ProviderImage[] = [];
    let done = 0;
    for (let b = 0; b < spec.batch_size; b++) {
      checkAbort(signal);
      const seed = batchSeed(spec.seed, b);
      const job = createRenderJob({
        prompt: request.prompt,
        negativePrompt: request.negativePrompt,
        width: spec.width,
        height: spec.height,
        steps: spec.steps,
        guidance: spec.guidance,
        seed,
        sampler: spec.sampler,
        model: request.model,
        init,
        strength: init ? spec.strength : 1,
      });
      // A few previews per image (the picture so far, rows appear top to bottom), each made only
      // when it would be shown: encoding one costs about a quarter of the image's own PNG.
      const previewEvery = Math.max(1, Math.ceil(spec.steps / 4));
      for (let s = 0; s < spec.steps; s++) {
        checkAbort(signal);
        job.renderStep(s);
        done++;
        onProgress?.({ step: done, total });
        if (onPreview && (s + 1) % previewEvery === 0 && s + 1 < spec.steps && (wantsPreview?.() ?? true)) {
          const jpeg = await sharp(Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength), {
            raw: { width: job.width, height: job.height, channels: 3 },
          })
            .resize({ width: Math.min(256, job.width) })
            .jpeg({ quality: 70 })
            .toBuffer();
          checkAbort(signal);
          onPreview({ mime: 'image/jpeg', data: jpeg });
        }
        await tick();
      }
      checkAbort(signal);
      const png = await encodePng(job.data, job.width, job.height);
      // The rendered pixels go along with their PNG: the thumbnail is made from them, not from a decode.
      const pixels = { data: job.data, width: job.width, height: job.height, channels: 3 as const };
      images.push({ png, seed, width: job.width, height: job.height, backendModel: BUILTIN_BACKEND_MODEL, pixels });
    }
    return images;
  }
}
