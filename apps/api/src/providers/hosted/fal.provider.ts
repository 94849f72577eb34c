/**
 * fal (https://fal.ai) through its queue API.
 *
 * Decision: a thin client of our own, not the Vercel AI SDK. The SDK's generateImage waits on
 * fal's synchronous endpoint: no progress, no remote cancel, and nothing to re-attach to after a
 * restart. The queue gives all three: POST https://queue.fal.run/{endpoint} → {request_id,
 * status_url, response_url, cancel_url}; GET status_url?logs=1 → IN_QUEUE (queue_position) |
 * IN_PROGRESS (logs) | COMPLETED; GET response_url → the result (or the app's error with its
 * status code); PUT cancel_url to cancel. We always follow the URLs fal returns: a job sent to
 * `fal-ai/flux/dev` is polled under `fal-ai/flux/requests/...`.
 *
 * One request per image (num_images 1) with seeds seed, seed + 1, ...: every stored image then
 * has a seed that makes it again. Image-to-image goes to the `/image-to-image` sibling endpoint
 * (`image_url` as a PNG data URI, resized to the spec size, and `strength`); flux-schnell has
 * none on fal, so it says so. FLUX takes no negative prompt (it is left out); SDXL does.
 * Progress is reported only when fal's logs carry step counters (most FLUX apps log none) and
 * when a job finishes; queue position is not a step and is not reported as one.
 */
import { MODEL_NAMES, type ModelName } from '@imageflow/shared';
import { z } from 'zod';
import { ProviderError } from '../../errors.ts';
import type {
  Provider,
  ProviderHealth,
  ProviderImage,
  ProviderRequest,
  ProviderRunOptions,
  RemoteHandle,
} from '../../ports/provider.port.ts';
import {
  BatchProgress,
  HostedHttp,
  REQUEST_TIMEOUT_MS,
  batchSeed,
  fitInit,
  followAll,
  pngDataUri,
  sleep,
  stepFromLogs,
  submitAll,
  type HostedOptions,
  type ServiceInfo,
} from './hosted-common.ts';

export const FAL_DEFAULT_BASE_URL = 'https://queue.fal.run';

export const FAL_DEFAULT_MODELS: Record<ModelName, string> = {
  'flux-dev': 'fal-ai/flux/dev',
  'flux-schnell': 'fal-ai/flux/schnell',
  sdxl: 'fal-ai/fast-sdxl',
};

/** Text-to-image endpoint → its image-to-image sibling. */
export const FAL_IMG2IMG: Record<string, string> = {
  'fal-ai/flux/dev': 'fal-ai/flux/dev/image-to-image',
  'fal-ai/fast-sdxl': 'fal-ai/fast-sdxl/image-to-image',
};

const FalJob = z.object({
  request_id: z.string(),
  status_url: z.string(),
  response_url: z.string(),
  cancel_url: z.string(),
  seed: z.number(),
});
type FalJob = z.infer<typeof FalJob>;

const FalHandle = z.object({ service: z.literal('fal'), endpoint: z.string(), jobs: z.array(FalJob).min(1) });
type FalHandle = z.infer<typeof FalHandle>;

interface FalStatus {
  status?: string;
  queue_position?: number;
  logs?: Array<{ message?: string }> | null;
  error?: string | null;
  error_type?: string | null;
}

interface FalResult {
  images?: Array<{ url?: string; width?: number; height?: number; content_type?: string }>;
  image?: { url?: string };
  seed?: number;
  has_nsfw_concepts?: boolean[];
}

export class FalProvider implements Provider {
  readonly kind = 'fal';
  readonly isAi = true;
  readonly name: string;
  private readonly http: HostedHttp;
  private readonly baseUrl: string;
  private readonly pollMs: number;
  private readonly svc: ServiceInfo;

  constructor(private readonly opts: HostedOptions) {
    this.name = opts.name;
    this.svc = { label: 'fal', keyEnv: 'FAL_KEY', backend: opts.name };
    this.http = new HostedHttp(this.svc, opts.fetch ?? fetch, { authorization: `Key ${opts.apiKey}` });
    this.baseUrl = (opts.baseUrl ?? FAL_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.pollMs = opts.pollIntervalMs ?? 1000;
  }

  async models(): Promise<ModelName[]> {
    const configured = MODEL_NAMES.filter((m) => this.opts.models?.[m] !== undefined);
    return configured.length > 0 ? configured : [...MODEL_NAMES];
  }

  async health(): Promise<ProviderHealth> {
    if (!this.opts.apiKey) return { ok: false, message: 'No fal API key is set (FAL_KEY).' };
    // fal has no account endpoint on the queue host; asking for the status of a request that
    // does not exist is free, proves the host answers, and is refused when the key is wrong.
    const endpoint = this.opts.models?.['flux-dev'] ?? FAL_DEFAULT_MODELS['flux-dev'];
    const app = endpoint.split('/').slice(0, 2).join('/');
    const url = `${this.baseUrl}/${app}/requests/00000000-0000-0000-0000-000000000000/status`;
    try {
      const res = await this.http.send(url, { signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status === 401 || res.status === 403) {
        return { ok: false, message: `fal rejected the API key (FAL_KEY) of backend "${this.name}" (${res.status}).` };
      }
      if (res.status >= 500) return { ok: false, message: `fal answered ${res.status}; it may be down.` };
      return { ok: true };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  async generate(request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    const { signal } = options;
    const endpoint = this.endpointFor(request);
    const input = await this.inputFor(request);
    const jobs = await submitAll(
      request.spec.batch_size,
      (i) => this.submit(endpoint, { ...input, seed: batchSeed(request.spec.seed, i) }),
      (job) => this.cancel(job),
      signal,
    );
    const handle: FalHandle = { service: 'fal', endpoint, jobs };
    options.onSubmitted?.(handle as unknown as RemoteHandle);
    return this.follow(handle, request, options);
  }

  async resume(handle: RemoteHandle, request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    const parsed = FalHandle.safeParse(handle);
    if (!parsed.success) {
      throw new ProviderError(`Cannot resume on fal backend "${this.name}": the saved job handle is not a fal queue handle.`, 'provider_bad_handle');
    }
    return this.follow(parsed.data, request, options);
  }

  private endpointFor(request: ProviderRequest): string {
    const txt2img = this.opts.models?.[request.model] ?? FAL_DEFAULT_MODELS[request.model];
    if (!request.init) return txt2img;
    if (txt2img.endsWith('/image-to-image')) return txt2img;
    const img2img = FAL_IMG2IMG[txt2img];
    if (!img2img) {
      throw new ProviderError(
        `fal has no image-to-image endpoint ImageFlow knows for ${request.model} ("${txt2img}"). Use flux-dev or sdxl for img2img on fal, or route ${request.model} to another backend.`,
        'provider_unsupported',
      );
    }
    return img2img;
  }

  /** The request body, by model family (fal's FLUX and SDXL apps take different fields). */
  private async inputFor(request: ProviderRequest): Promise<Record<string, unknown>> {
    const { spec } = request;
    const imageSize = { width: spec.width, height: spec.height };
    const init = request.init ? pngDataUri(await fitInit(request.init.png, spec.width, spec.height)) : undefined;
    if (request.model === 'sdxl') {
      return {
        prompt: request.prompt,
        ...(request.negativePrompt ? { negative_prompt: request.negativePrompt } : {}),
        image_size: imageSize,
        num_inference_steps: spec.steps,
        guidance_scale: spec.guidance,
        num_images: 1,
        format: 'png',
        ...(init ? { image_url: init, strength: spec.strength } : {}),
      };
    }
    const common = {
      prompt: request.prompt,
      num_inference_steps: spec.steps,
      num_images: 1,
      output_format: 'png',
    };
    const guidance = request.model === 'flux-dev' ? { guidance_scale: spec.guidance } : {};
    // fal's FLUX image-to-image takes no image_size: the output follows the (resized) input.
    if (init) return { ...common, ...guidance, image_url: init, strength: spec.strength };
    return { ...common, ...guidance, image_size: imageSize };
  }

  private async submit(endpoint: string, input: Record<string, unknown>): Promise<FalJob> {
    const res = await this.http.json<Partial<FalJob>>(`${this.baseUrl}/${endpoint}`, `model "${endpoint}"`, {
      method: 'POST',
      json: input,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!res.request_id || !res.status_url || !res.response_url || !res.cancel_url) {
      throw new ProviderError(`fal accepted the job for "${endpoint}" but its answer lacks request_id/status_url/response_url/cancel_url.`, 'provider_bad_response');
    }
    return {
      request_id: res.request_id,
      status_url: res.status_url,
      response_url: res.response_url,
      cancel_url: res.cancel_url,
      seed: input.seed as number,
    };
  }

  private cancel(job: FalJob): Promise<void> {
    return this.http.cancel(job.cancel_url, 'PUT');
  }

  private follow(handle: FalHandle, request: ProviderRequest, options: ProviderRunOptions): Promise<ProviderImage[]> {
    const progress = new BatchProgress(handle.jobs.length, request.spec.steps, options.onProgress);
    return followAll(
      handle.jobs,
      (job, i, signal) => this.followOne(handle.endpoint, job, i, progress, signal),
      (job) => this.cancel(job),
      options.signal,
    );
  }

  private async followOne(endpoint: string, job: FalJob, index: number, progress: BatchProgress, signal: AbortSignal): Promise<ProviderImage> {
    const statusUrl = new URL(job.status_url);
    statusUrl.searchParams.set('logs', '1');
    for (;;) {
      const status = await this.http.poll(
        () => this.http.json<FalStatus>(statusUrl.toString(), `request ${job.request_id}`, { signal }),
        this.pollMs,
        signal,
      );
      if (status.status === 'COMPLETED') break;
      if (status.status === 'IN_PROGRESS') {
        const logs = (status.logs ?? []).map((l) => l.message ?? '').join('\n');
        const steps = stepFromLogs(logs);
        if (steps) progress.report(index, steps.step / steps.total);
      } else if (status.status !== 'IN_QUEUE') {
        throw new ProviderError(`fal reported an unexpected status "${status.status}" for request ${job.request_id}.`, 'provider_bad_response');
      }
      await sleep(this.pollMs, signal);
    }
    // A failed request is COMPLETED too; its response then carries the app's error and status code.
    const result = await this.http.json<FalResult>(job.response_url, `request ${job.request_id} (${endpoint})`, { signal });
    const image = result.images?.[0] ?? result.image;
    if (!image?.url) {
      throw new ProviderError(`fal finished request ${job.request_id} (${endpoint}) without an image in its result.`, 'provider_bad_output');
    }
    if (result.has_nsfw_concepts?.[0]) {
      throw new ProviderError(
        `fal's safety checker flagged the image of request ${job.request_id} (${endpoint}) as NSFW and blanked it. Change the prompt and try again.`,
        'provider_moderated',
      );
    }
    const checked = await this.http.downloadImage(image.url, signal);
    progress.finish(index);
    return {
      png: checked.png,
      width: checked.width,
      height: checked.height,
      seed: typeof result.seed === 'number' ? result.seed : job.seed,
      backendModel: endpoint,
    };
  }
}
