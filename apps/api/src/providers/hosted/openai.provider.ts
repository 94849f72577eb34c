/**
 * OpenAI images (gpt-image-1 and friends).
 *
 * Decision: through the Vercel AI SDK (`generateImage` from 'ai' with `createOpenAI({ apiKey,
 * baseURL, fetch })`). OpenAI's image API answers on the request: there is no remote job, so no
 * progress, no remote cancel and nothing to resume — the SDK covers it, and it also covers image
 * edits (`prompt: { text, images }` → multipart `POST /v1/images/edits`), so no thin client is
 * needed. Aborting the signal aborts the HTTP request. Retries are off (maxRetries 0): a retried
 * image request is a second, billed generation.
 *
 * Models: OpenAI is neither SDXL nor FLUX, so nothing is mapped by default; routing one of our
 * model names to this backend means "use gpt-image-1 for it" (or the id mapped in its config).
 * models() lists only what is mapped in config.
 *
 * What OpenAI does not do: seeds (images are not reproducible; each image reports the seed the
 * recipe asked for, seed + i, which OpenAI ignored), negative prompts (left out), steps,
 * guidance, samplers, and sizes other than its few fixed ones (the closest is used and the image
 * comes back at the size OpenAI made). Image-to-image is an edit: the init image (resized to
 * that size) and the prompt; strength does not apply.
 */
import { type ModelName, MODEL_NAMES } from '@imageflow/shared';
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, NoImageGeneratedError, RetryError, generateImage } from 'ai';
import { ProviderError } from '../../errors.ts';
import type { Provider, ProviderHealth, ProviderImage, ProviderRequest, ProviderRunOptions } from '../../ports/provider.port.ts';
import {
  HostedHttp,
  HostedHttpError,
  batchSeed,
  checkImage,
  fitInit,
  quoteErrorBody,
  statusError,
  type HostedOptions,
  type ServiceInfo,
} from './hosted-common.ts';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** What a model name routed to OpenAI runs on when its config maps no id. */
export const OPENAI_DEFAULT_IMAGE_MODEL = 'gpt-image-1';

type Size = `${number}x${number}`;

/** The sizes each OpenAI image model accepts. */
export function openAiSizes(model: string): Size[] {
  if (model.startsWith('dall-e-2')) return ['256x256', '512x512', '1024x1024'];
  if (model.startsWith('dall-e-3')) return ['1024x1024', '1792x1024', '1024x1792'];
  return ['1024x1024', '1536x1024', '1024x1536'];
}

/** The accepted size closest in shape (then in area) to width×height. */
export function closestOpenAiSize(model: string, width: number, height: number): Size {
  const want = Math.log(width / height);
  const area = width * height;
  let best = openAiSizes(model)[0]!;
  let bestScore = Infinity;
  for (const size of openAiSizes(model)) {
    const [w, h] = size.split('x').map(Number) as [number, number];
    const score = Math.abs(Math.log(w / h) - want) * 10 + Math.abs(Math.log((w * h) / area));
    if (score < bestScore) {
      bestScore = score;
      best = size;
    }
  }
  return best;
}

export class OpenAiProvider implements Provider {
  readonly kind = 'openai';
  readonly isAi = true;
  readonly name: string;
  private readonly svc: ServiceInfo;
  private readonly baseUrl: string;
  private readonly http: HostedHttp;

  constructor(private readonly opts: HostedOptions) {
    this.name = opts.name;
    this.svc = { label: 'OpenAI', keyEnv: 'OPENAI_API_KEY', backend: opts.name };
    this.baseUrl = (opts.baseUrl ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.http = new HostedHttp(this.svc, opts.fetch ?? fetch, { authorization: `Bearer ${opts.apiKey}` });
  }

  async models(): Promise<ModelName[]> {
    return MODEL_NAMES.filter((m) => this.opts.models?.[m] !== undefined);
  }

  private modelId(model: ModelName): string {
    return this.opts.models?.[model] ?? OPENAI_DEFAULT_IMAGE_MODEL;
  }

  async health(): Promise<ProviderHealth> {
    if (!this.opts.apiKey) return { ok: false, message: 'No OpenAI API key is set (OPENAI_API_KEY).' };
    const ids = [...new Set([...MODEL_NAMES.map((m) => this.opts.models?.[m]).filter((id): id is string => !!id), OPENAI_DEFAULT_IMAGE_MODEL])];
    const id = ids[0]!;
    try {
      await this.http.json(`${this.baseUrl}/models/${encodeURIComponent(id)}`, `model "${id}"`, { signal: AbortSignal.timeout(10_000) });
      return { ok: true };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  async generate(request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    const { signal } = options;
    const id = this.modelId(request.model);
    const size = closestOpenAiSize(id, request.spec.width, request.spec.height);
    const [w, h] = size.split('x').map(Number) as [number, number];
    const init = request.init ? await fitInit(request.init.png, w, h) : undefined;
    const gptImage = id.startsWith('gpt-image');
    const openai = createOpenAI({ apiKey: this.opts.apiKey, baseURL: this.baseUrl, ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}) });
    let files: Array<{ uint8Array: Uint8Array }>;
    try {
      const result = await generateImage({
        model: openai.image(id),
        prompt: init ? { text: request.prompt, images: [init] } : request.prompt,
        n: request.spec.batch_size,
        size,
        // gpt-image models always answer in base64 and take output_format; dall-e takes neither.
        providerOptions: gptImage ? { openai: { outputFormat: 'png' } } : {},
        maxRetries: 0,
        abortSignal: signal,
      });
      files = result.images;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw this.toProviderError(err, id);
    }
    if (signal?.aborted) throw signal.reason;
    return Promise.all(
      files.map(async (file, i) => {
        const checked = await checkImage(this.svc, Buffer.from(file.uint8Array), `its image ${i + 1} of ${files.length}`);
        return {
          png: checked.png,
          width: checked.width,
          height: checked.height,
          seed: batchSeed(request.spec.seed, i),
          backendModel: id,
        };
      }),
    );
  }

  private toProviderError(err: unknown, id: string): ProviderError {
    const cause = RetryError.isInstance(err) ? err.lastError : err;
    if (APICallError.isInstance(cause)) {
      const body = cause.responseBody ?? '';
      if (cause.statusCode === undefined) {
        return new HostedHttpError(
          `Could not reach OpenAI at ${safeOrigin(cause.url)} (${cause.message}). Check the network, and base_url of backend "${this.name}" if set.`,
          'provider_unreachable',
          undefined,
          true,
        );
      }
      if (/moderation_blocked|safety system/i.test(body)) {
        return new ProviderError(`OpenAI's safety system refused the request to ${id}: "${quoteErrorBody(body)}". Change the prompt and try again.`, 'provider_moderated');
      }
      return statusError(this.svc, cause.statusCode, body, `model "${id}"`);
    }
    if (NoImageGeneratedError.isInstance(cause)) {
      return new ProviderError(`OpenAI answered without any image from ${id}; run the job again.`, 'provider_bad_output');
    }
    if (cause instanceof ProviderError) return cause;
    return new ProviderError(`OpenAI image generation with ${id} failed: ${cause instanceof Error ? cause.message : String(cause)}`, 'provider_error');
  }
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
