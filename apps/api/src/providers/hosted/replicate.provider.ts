/**
 * Replicate (https://replicate.com) through its predictions HTTP API.
 *
 * Decision: a thin client of our own, not the Vercel AI SDK. The SDK's generateImage posts with
 * `Prefer: wait` and returns only the output: no progress, no remote cancel, nothing to re-attach
 * to after a restart. We create the prediction without `Prefer: wait` (so we have its id at
 * once), poll `urls.get` (starting → processing → succeeded | failed | canceled), read progress
 * from the tqdm bars in its logs ("12/28 [..."), cancel with `POST urls.cancel`, and resume from
 * the saved id and URLs.
 *
 * Model ids: `owner/name` is an official model, run with `POST /v1/models/{owner}/{name}/predictions
 * {input}`; `owner/name:version` pins a version (community models such as stability-ai/sdxl need
 * one) and is run with `POST /v1/predictions {version, input}`.
 *
 * One prediction per image (num_outputs 1) with seeds seed, seed + 1, ...; the seed reported is
 * the one in the logs ("Using seed: N") or else the one sent. Sizes: Replicate's FLUX models take
 * an aspect_ratio (and megapixels), not width/height, so the closest ratio is used and the image
 * is returned at the size Replicate made; SDXL takes width/height. Image-to-image: `image` (a PNG
 * data URI resized to the spec size) and `prompt_strength` = strength, on flux-dev and SDXL;
 * flux-schnell on Replicate takes no image, so it says so.
 */
import { MODEL_NAMES, type ModelName, type Sampler } from '@imageflow/shared';
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

export const REPLICATE_DEFAULT_BASE_URL = 'https://api.replicate.com';

/** stability-ai/sdxl is a community model: it can only be run by version. */
export const REPLICATE_SDXL_VERSION = '7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc';

export const REPLICATE_DEFAULT_MODELS: Record<ModelName, string> = {
  'flux-dev': 'black-forest-labs/flux-dev',
  'flux-schnell': 'black-forest-labs/flux-schnell',
  sdxl: `stability-ai/sdxl:${REPLICATE_SDXL_VERSION}`,
};

/** The aspect ratios Replicate's FLUX models accept. */
export const REPLICATE_FLUX_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'] as const;

/** Our samplers → the schedulers of the stability-ai/sdxl Cog model (others keep its default). */
const SDXL_SCHEDULERS: Partial<Record<Sampler, string>> = {
  euler: 'K_EULER',
  euler_a: 'K_EULER_ANCESTRAL',
  heun: 'HeunDiscrete',
  dpmpp_2m: 'DPMSolverMultistep',
  dpmpp_2m_karras: 'KarrasDPM',
  ddim: 'DDIM',
};

/** The listed ratio closest to width:height (compared on a log scale). */
export function closestRatio(width: number, height: number, ratios: readonly string[]): string {
  const want = Math.log(width / height);
  let best = ratios[0]!;
  let bestDiff = Infinity;
  for (const r of ratios) {
    const [a, b] = r.split(':').map(Number) as [number, number];
    const diff = Math.abs(Math.log(a / b) - want);
    if (diff < bestDiff) {
      bestDiff = diff;
      best = r;
    }
  }
  return best;
}

const ReplicateJob = z.object({ id: z.string(), get: z.string(), cancel: z.string(), seed: z.number() });
type ReplicateJob = z.infer<typeof ReplicateJob>;

const ReplicateHandle = z.object({ service: z.literal('replicate'), model: z.string(), jobs: z.array(ReplicateJob).min(1) });
type ReplicateHandle = z.infer<typeof ReplicateHandle>;

interface Prediction {
  id?: string;
  status?: string;
  input?: { seed?: unknown };
  output?: unknown;
  error?: unknown;
  logs?: string | null;
  urls?: { get?: string; cancel?: string };
}

export class ReplicateProvider implements Provider {
  readonly kind = 'replicate';
  readonly isAi = true;
  readonly name: string;
  private readonly http: HostedHttp;
  private readonly baseUrl: string;
  private readonly pollMs: number;
  private readonly svc: ServiceInfo;

  constructor(private readonly opts: HostedOptions) {
    this.name = opts.name;
    this.svc = { label: 'Replicate', keyEnv: 'REPLICATE_API_TOKEN', backend: opts.name };
    this.http = new HostedHttp(this.svc, opts.fetch ?? fetch, { authorization: `Bearer ${opts.apiKey}` });
    this.baseUrl = (opts.baseUrl ?? REPLICATE_DEFAULT_BASE_URL).replace(/\/+$/, '').replace(/\/v1$/, '');
    this.pollMs = opts.pollIntervalMs ?? 1000;
  }

  async models(): Promise<ModelName[]> {
    const configured = MODEL_NAMES.filter((m) => this.opts.models?.[m] !== undefined);
    return configured.length > 0 ? configured : [...MODEL_NAMES];
  }

  async health(): Promise<ProviderHealth> {
    if (!this.opts.apiKey) return { ok: false, message: 'No Replicate API token is set (REPLICATE_API_TOKEN).' };
    try {
      await this.http.json(`${this.baseUrl}/v1/account`, 'the account', { signal: AbortSignal.timeout(10_000) });
      return { ok: true };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  async generate(request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    const model = this.opts.models?.[request.model] ?? REPLICATE_DEFAULT_MODELS[request.model];
    const input = await this.inputFor(request, model);
    const jobs = await submitAll(
      request.spec.batch_size,
      (i) => this.submit(model, { ...input, seed: batchSeed(request.spec.seed, i) }),
      (job) => this.cancel(job),
      options.signal,
    );
    const handle: ReplicateHandle = { service: 'replicate', model, jobs };
    options.onSubmitted?.(handle as unknown as RemoteHandle);
    return this.follow(handle, request, options);
  }

  async resume(handle: RemoteHandle, request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    const parsed = ReplicateHandle.safeParse(handle);
    if (!parsed.success) {
      throw new ProviderError(`Cannot resume on Replicate backend "${this.name}": the saved job handle is not a Replicate prediction handle.`, 'provider_bad_handle');
    }
    return this.follow(parsed.data, request, options);
  }

  /** The model's input, by family: Replicate's FLUX and SDXL models take different fields. */
  private async inputFor(request: ProviderRequest, model: string): Promise<Record<string, unknown>> {
    const { spec } = request;
    const init = request.init ? pngDataUri(await fitInit(request.init.png, spec.width, spec.height)) : undefined;
    if (request.model === 'sdxl') {
      const scheduler = SDXL_SCHEDULERS[spec.sampler];
      return {
        prompt: request.prompt,
        ...(request.negativePrompt ? { negative_prompt: request.negativePrompt } : {}),
        width: spec.width,
        height: spec.height,
        num_outputs: 1,
        num_inference_steps: spec.steps,
        guidance_scale: spec.guidance,
        ...(scheduler ? { scheduler } : {}),
        ...(init ? { image: init, prompt_strength: spec.strength } : {}),
      };
    }
    if (init && request.model === 'flux-schnell') {
      throw new ProviderError(
        `Replicate's ${model} takes no input image, so it cannot do img2img. Use flux-dev for img2img on Replicate, or route flux-schnell to another backend.`,
        'provider_unsupported',
      );
    }
    return {
      prompt: request.prompt,
      // In img2img mode the output takes the input image's aspect ratio; ours is already resized.
      ...(init ? { image: init, prompt_strength: spec.strength } : { aspect_ratio: closestRatio(spec.width, spec.height, REPLICATE_FLUX_RATIOS) }),
      megapixels: spec.width * spec.height <= 512 * 512 * 1.5 ? '0.25' : '1',
      num_outputs: 1,
      num_inference_steps: spec.steps,
      ...(request.model === 'flux-dev' ? { guidance: spec.guidance } : {}),
      output_format: 'png',
    };
  }

  private async submit(model: string, input: Record<string, unknown>): Promise<ReplicateJob> {
    const colon = model.indexOf(':');
    const [url, body] =
      colon >= 0
        ? [`${this.baseUrl}/v1/predictions`, { version: model.slice(colon + 1), input }]
        : [`${this.baseUrl}/v1/models/${model}/predictions`, { input }];
    const prediction = await this.http.json<Prediction>(url, `model "${model}"`, {
      method: 'POST',
      json: body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!prediction.id) {
      throw new ProviderError(`Replicate accepted the prediction for "${model}" but its answer has no id.`, 'provider_bad_response');
    }
    return {
      id: prediction.id,
      get: prediction.urls?.get ?? `${this.baseUrl}/v1/predictions/${prediction.id}`,
      cancel: prediction.urls?.cancel ?? `${this.baseUrl}/v1/predictions/${prediction.id}/cancel`,
      seed: input.seed as number,
    };
  }

  private cancel(job: ReplicateJob): Promise<void> {
    return this.http.cancel(job.cancel, 'POST');
  }

  private follow(handle: ReplicateHandle, request: ProviderRequest, options: ProviderRunOptions): Promise<ProviderImage[]> {
    const progress = new BatchProgress(handle.jobs.length, request.spec.steps, options.onProgress);
    return followAll(
      handle.jobs,
      (job, i, signal) => this.followOne(handle.model, job, i, progress, signal),
      (job) => this.cancel(job),
      options.signal,
    );
  }

  private async followOne(model: string, job: ReplicateJob, index: number, progress: BatchProgress, signal: AbortSignal): Promise<ProviderImage> {
    let prediction: Prediction;
    for (;;) {
      prediction = await this.http.poll(() => this.http.json<Prediction>(job.get, `prediction ${job.id}`, { signal }), this.pollMs, signal);
      const logs = prediction.logs ?? '';
      if (prediction.status === 'succeeded') break;
      if (prediction.status === 'failed') {
        const error = typeof prediction.error === 'string' ? prediction.error : JSON.stringify(prediction.error ?? 'no error given');
        const nsfw = /nsfw|safety|sensitive/i.test(error);
        throw new ProviderError(
          nsfw
            ? `Replicate's safety checker stopped prediction ${job.id} (${model}): "${error.trim()}". Change the prompt and try again.`
            : `Replicate prediction ${job.id} (${model}) failed: "${error.trim()}".`,
          nsfw ? 'provider_moderated' : 'provider_failed',
        );
      }
      if (prediction.status === 'canceled') {
        throw new ProviderError(`Replicate prediction ${job.id} (${model}) was canceled on Replicate.`, 'provider_canceled');
      }
      if (prediction.status !== 'starting' && prediction.status !== 'processing') {
        throw new ProviderError(`Replicate reported an unexpected status "${prediction.status}" for prediction ${job.id}.`, 'provider_bad_response');
      }
      const steps = stepFromLogs(logs);
      if (steps) progress.report(index, steps.step / steps.total);
      await sleep(this.pollMs, signal);
    }
    const output = prediction.output;
    const url = Array.isArray(output) ? output.find((o) => typeof o === 'string') : output;
    if (typeof url !== 'string' || !url) {
      throw new ProviderError(`Replicate prediction ${job.id} (${model}) succeeded without an output image.`, 'provider_bad_output');
    }
    const checked = await this.http.downloadImage(url, signal);
    progress.finish(index);
    return { png: checked.png, width: checked.width, height: checked.height, seed: seedUsed(prediction, job.seed), backendModel: model };
  }
}

/** The seed the model says it used ("Using seed: 123" in its logs), else the one in its input. */
function seedUsed(prediction: Prediction, sent: number): number {
  const matches = [...(prediction.logs ?? '').matchAll(/\bseed\b\s*[:=]?\s*(\d+)/gi)];
  const fromLogs = matches.length > 0 ? Number(matches[matches.length - 1]![1]) : NaN;
  if (Number.isSafeInteger(fromLogs)) return fromLogs;
  const fromInput = prediction.input?.seed;
  return typeof fromInput === 'number' && Number.isSafeInteger(fromInput) ? fromInput : sent;
}
