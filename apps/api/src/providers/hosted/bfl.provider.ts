/**
 * Black Forest Labs' own API (https://api.bfl.ai).
 *
 * Decision: a thin client of our own, not the Vercel AI SDK. The SDK's generateImage polls
 * internally with no progress and nothing to re-attach to after a restart (and sends the API key
 * along when downloading the result from the delivery host). We `POST /v1/{endpoint}` with
 * `x-key` → {id, polling_url}, poll `polling_url` (Pending, with `progress` when BFL sends it →
 * Ready | Error | Failed | Request Moderated | Content Moderated | Task not found), and download
 * `result.sample` at once, without the key: BFL's delivery links expire about ten minutes after
 * the job is ready.
 *
 * Cancel: BFL's API has no cancel endpoint. Aborting stops polling and rejects at once; the
 * task itself runs to its end on BFL (and is billed).
 *
 * Endpoints: flux-dev (default for flux-dev) and flux-pro take width/height (multiples of 32,
 * 256–1440), steps and guidance; flux-pro-1.1 takes width/height only; flux-kontext-* take an
 * aspect ratio and an `input_image`. FLUX.1 [schnell] and SDXL are not on BFL.
 *
 * Image-to-image: only on a Kontext endpoint (input_image; the prompt then reads as an edit
 * instruction and strength does not apply). flux-dev's `image_prompt` is a Redux-style visual
 * prompt that keeps neither the picture's layout nor any strength, so img2img on flux-dev is
 * refused with a message saying how to get it (map flux-dev to flux-kontext-pro, or route img2img
 * to fal/Replicate/ComfyUI).
 *
 * One task per image with seeds seed, seed + 1, ...; the seed reported is `result.seed` when BFL
 * returns it, else the one sent.
 */
import { type ModelName } from '@imageflow/shared';
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
  requireSize,
  sleep,
  submitAll,
  type HostedOptions,
  type ServiceInfo,
} from './hosted-common.ts';

export const BFL_DEFAULT_BASE_URL = 'https://api.bfl.ai/v1';

/** Only FLUX.1 [dev] by default: BFL serves neither schnell nor SDXL. */
export const BFL_DEFAULT_MODELS: Partial<Record<ModelName, string>> = { 'flux-dev': 'flux-dev' };

const BflJob = z.object({ id: z.string(), polling_url: z.string(), seed: z.number() });
type BflJob = z.infer<typeof BflJob>;

const BflHandle = z.object({ service: z.literal('bfl'), endpoint: z.string(), jobs: z.array(BflJob).min(1) });
type BflHandle = z.infer<typeof BflHandle>;

interface BflResult {
  id?: string;
  status?: string;
  result?: { sample?: string; seed?: number } | null;
  progress?: number | null;
  details?: unknown;
}

type Family = 'steps' | 'sized' | 'kontext';

function familyOf(endpoint: string): Family {
  if (endpoint.startsWith('flux-kontext')) return 'kontext';
  if (endpoint === 'flux-dev' || endpoint === 'flux-pro') return 'steps';
  return 'sized';
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

export class BflProvider implements Provider {
  readonly kind = 'bfl';
  readonly isAi = true;
  readonly name: string;
  private readonly http: HostedHttp;
  private readonly baseUrl: string;
  private readonly pollMs: number;
  private readonly svc: ServiceInfo;

  constructor(private readonly opts: HostedOptions) {
    this.name = opts.name;
    this.svc = { label: 'Black Forest Labs', keyEnv: 'BFL_API_KEY', backend: opts.name };
    this.http = new HostedHttp(this.svc, opts.fetch ?? fetch, { 'x-key': opts.apiKey });
    this.baseUrl = (opts.baseUrl ?? BFL_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.pollMs = opts.pollIntervalMs ?? 1000;
  }

  private get modelMap(): Partial<Record<ModelName, string>> {
    const configured = this.opts.models ?? {};
    return Object.keys(configured).length > 0 ? configured : BFL_DEFAULT_MODELS;
  }

  async models(): Promise<ModelName[]> {
    return (Object.keys(this.modelMap) as ModelName[]).filter((m) => this.modelMap[m] !== undefined);
  }

  async health(): Promise<ProviderHealth> {
    if (!this.opts.apiKey) return { ok: false, message: 'No Black Forest Labs API key is set (BFL_API_KEY).' };
    try {
      const { credits } = await this.http.json<{ credits?: number }>(`${this.baseUrl}/credits`, 'the credit balance', {
        signal: AbortSignal.timeout(10_000),
      });
      if (typeof credits === 'number' && credits <= 0) {
        return { ok: false, message: `The Black Forest Labs account of backend "${this.name}" has no credits left.` };
      }
      return { ok: true };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  async generate(request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    const endpoint = this.modelMap[request.model];
    if (!endpoint) {
      throw new ProviderError(
        `Black Forest Labs' API does not serve ${request.model}${request.model === 'flux-dev' ? '' : ' (it has FLUX.1 [dev] and the pro models)'}; route ${request.model} to another backend, or map it to a BFL endpoint in the models of backend "${this.name}".`,
        'provider_unsupported',
      );
    }
    const body = await this.bodyFor(request, endpoint);
    const jobs = await submitAll(
      request.spec.batch_size,
      (i) => this.submit(endpoint, { ...body, seed: batchSeed(request.spec.seed, i) }),
      async () => undefined, // no cancel API: an accepted task runs to its end
      options.signal,
    );
    const handle: BflHandle = { service: 'bfl', endpoint, jobs };
    options.onSubmitted?.(handle as unknown as RemoteHandle);
    return this.follow(handle, request, options);
  }

  async resume(handle: RemoteHandle, request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    const parsed = BflHandle.safeParse(handle);
    if (!parsed.success) {
      throw new ProviderError(`Cannot resume on Black Forest Labs backend "${this.name}": the saved job handle is not a BFL task handle.`, 'provider_bad_handle');
    }
    return this.follow(parsed.data, request, options);
  }

  private async bodyFor(request: ProviderRequest, endpoint: string): Promise<Record<string, unknown>> {
    const { spec } = request;
    const family = familyOf(endpoint);
    if (family === 'kontext') {
      const g = gcd(spec.width, spec.height);
      const init = request.init ? (await fitInit(request.init.png, spec.width, spec.height)).toString('base64') : undefined;
      return {
        prompt: request.prompt,
        aspect_ratio: `${spec.width / g}:${spec.height / g}`,
        output_format: 'png',
        ...(init ? { input_image: init } : {}),
      };
    }
    if (request.init) {
      throw new ProviderError(
        `Black Forest Labs' ${endpoint} has no image-to-image with strength (its image_prompt is a Redux-style visual prompt that keeps neither layout nor strength). Map ${request.model} to "flux-kontext-pro" in backend "${this.name}" to edit images on BFL, or route img2img to fal, Replicate or ComfyUI.`,
        'provider_unsupported',
      );
    }
    requireSize(this.svc, endpoint, spec.width, spec.height, { multiple: 32, min: 256, max: 1440 });
    return {
      prompt: request.prompt,
      width: spec.width,
      height: spec.height,
      ...(family === 'steps' ? { steps: spec.steps, guidance: spec.guidance } : {}),
      output_format: 'png',
    };
  }

  private async submit(endpoint: string, body: Record<string, unknown>): Promise<BflJob> {
    const res = await this.http.json<{ id?: string; polling_url?: string }>(`${this.baseUrl}/${endpoint}`, `endpoint "${endpoint}"`, {
      method: 'POST',
      json: body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (!res.id) throw new ProviderError(`Black Forest Labs accepted the task for "${endpoint}" but its answer has no id.`, 'provider_bad_response');
    const polling = new URL(res.polling_url ?? `${this.baseUrl}/get_result`);
    if (!polling.searchParams.has('id')) polling.searchParams.set('id', res.id);
    return { id: res.id, polling_url: polling.toString(), seed: body.seed as number };
  }

  private follow(handle: BflHandle, request: ProviderRequest, options: ProviderRunOptions): Promise<ProviderImage[]> {
    const progress = new BatchProgress(handle.jobs.length, request.spec.steps, options.onProgress);
    // No cancel callback: BFL cannot cancel, so aborting only stops polling.
    return followAll(handle.jobs, (job, i, signal) => this.followOne(handle.endpoint, job, i, progress, signal), undefined, options.signal);
  }

  private async followOne(endpoint: string, job: BflJob, index: number, progress: BatchProgress, signal: AbortSignal): Promise<ProviderImage> {
    let answer: BflResult;
    for (;;) {
      answer = await this.http.poll(() => this.http.json<BflResult>(job.polling_url, `task ${job.id}`, { signal }), this.pollMs, signal);
      const status = answer.status;
      if (status === 'Ready') break;
      const details = answer.details == null ? '' : `: ${JSON.stringify(answer.details)}`;
      if (status === 'Request Moderated' || status === 'Content Moderated') {
        throw new ProviderError(
          `Black Forest Labs' moderation stopped task ${job.id} (${endpoint}): ${status}${details}. ${status === 'Request Moderated' ? 'Change the prompt or input image' : 'Change the prompt'} and try again.`,
          'provider_moderated',
        );
      }
      if (status === 'Error' || status === 'Failed') {
        throw new ProviderError(`Black Forest Labs task ${job.id} (${endpoint}) failed (${status})${details}.`, 'provider_failed');
      }
      if (status === 'Task not found') {
        throw new ProviderError(
          `Black Forest Labs no longer knows task ${job.id} (${endpoint}): it expired or was never accepted. Run the job again.`,
          'provider_failed',
        );
      }
      if (status !== 'Pending') {
        throw new ProviderError(`Black Forest Labs reported an unexpected status "${status}" for task ${job.id}.`, 'provider_bad_response');
      }
      if (typeof answer.progress === 'number') progress.report(index, answer.progress > 1 ? answer.progress / 100 : answer.progress);
      await sleep(this.pollMs, signal);
    }
    const sample = answer.result?.sample;
    if (typeof sample !== 'string' || !sample) {
      throw new ProviderError(`Black Forest Labs finished task ${job.id} (${endpoint}) without result.sample.`, 'provider_bad_output');
    }
    const checked = await this.http.downloadImage(sample, signal);
    progress.finish(index);
    const seed = answer.result?.seed;
    return {
      png: checked.png,
      width: checked.width,
      height: checked.height,
      seed: typeof seed === 'number' && Number.isSafeInteger(seed) ? seed : job.seed,
      backendModel: endpoint,
    };
  }
}
