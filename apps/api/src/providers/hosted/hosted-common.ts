/**
 * What the hosted providers (fal, Replicate, Black Forest Labs, OpenAI) share: the constructor
 * options, HTTP with errors a person can act on, abortable polling with backoff, downloading and
 * checking output images, batch bookkeeping (one remote job per image, so every image's seed is
 * its own and reproducible), and progress read from logs.
 */
import { MAX_SEED, type ModelName } from '@imageflow/shared';
import sharp from 'sharp';
import { ProviderError } from '../../errors.ts';
import type { ProviderImage, ProviderProgress } from '../../ports/provider.port.ts';

/** What the config loader passes to every hosted provider. */
export interface HostedOptions {
  /** The backend's name in configuration. */
  name: string;
  apiKey: string;
  /** Overrides the service's API base URL (tests, proxies). */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Between status polls; default 1000. */
  pollIntervalMs?: number;
  /** Our model name → the service's model id. */
  models?: Partial<Record<ModelName, string>>;
}

/** How messages name a service and its key. */
export interface ServiceInfo {
  /** "fal", "Replicate", "Black Forest Labs", "OpenAI". */
  label: string;
  /** The environment variable its key usually comes from, e.g. FAL_KEY. */
  keyEnv: string;
  /** The backend's name in configuration. */
  backend: string;
}

/** A service refused or failed a call; `retryable` says whether polling may try again. */
export class HostedHttpError extends ProviderError {
  constructor(
    message: string,
    code: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message, code);
  }
}

/** Submitting and cancelling are not tied to the run's signal; they get this long instead. */
export const REQUEST_TIMEOUT_MS = 60_000;
const CANCEL_TIMEOUT_MS = 10_000;
const MAX_POLL_RETRIES = 5;
const MAX_BACKOFF_MS = 30_000;

/** Seeds of a batch: seed, seed + 1, ... wrapping after MAX_SEED to 0. */
export function batchSeed(seed: number, index: number): number {
  return (seed + index) % (MAX_SEED + 1);
}

/** Waits `ms`, rejecting with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The most useful line of an error body: FastAPI `detail`, OpenAI `error.message`, problem+json, or the raw text. */
export function quoteErrorBody(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return '';
  try {
    const body = JSON.parse(trimmed) as Record<string, unknown>;
    const detail = body.detail;
    if (Array.isArray(detail)) {
      const parts = detail.map((d) => {
        const item = d as { loc?: unknown[]; msg?: string };
        const loc = Array.isArray(item.loc) ? item.loc.filter((p) => p !== 'body').join('.') : '';
        return loc ? `${loc}: ${item.msg ?? JSON.stringify(d)}` : (item.msg ?? JSON.stringify(d));
      });
      return clip(parts.join('; '));
    }
    const error = body.error as { message?: unknown } | string | undefined;
    if (error && typeof error === 'object' && typeof error.message === 'string') return clip(error.message);
    if (typeof error === 'string') return clip(error);
    if (typeof detail === 'string') {
      return clip(typeof body.title === 'string' && body.title !== detail ? `${body.title}: ${detail}` : detail);
    }
    if (typeof body.message === 'string') return clip(body.message);
    if (typeof body.title === 'string') return clip(body.title);
  } catch {
    // not JSON: quote the text itself
  }
  return clip(trimmed.replace(/\s+/g, ' '));
}

function clip(s: string, max = 400): string {
  const oneLine = s.trim().replace(/\s*\n\s*/g, '; ');
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The error for a non-2xx answer, by status. `what` names the thing asked for, e.g. `model "fal-ai/flux/dev"`. */
export function statusError(svc: ServiceInfo, status: number, bodyText: string, what: string, headers?: Headers): HostedHttpError {
  const quote = quoteErrorBody(bodyText);
  const said = quote ? `: "${quote}"` : '';
  const { label, keyEnv, backend } = svc;
  if (status === 401 || status === 403) {
    return new HostedHttpError(
      `${label} rejected the API key (${keyEnv}) of backend "${backend}" (${status})${said}. Check the key in imageflow.config.json or the ${keyEnv} environment variable.`,
      'provider_auth',
      status,
      false,
    );
  }
  if (status === 402) {
    return new HostedHttpError(
      `${label} refused to run ${what} for billing reasons (402)${said}. Add credit to the ${label} account and try again.`,
      'provider_payment',
      status,
      false,
    );
  }
  if (status === 404) {
    return new HostedHttpError(
      `${label} does not know ${what} (404)${said}. Check the model id configured for backend "${backend}".`,
      'provider_not_found',
      status,
      false,
    );
  }
  if (status === 429) {
    return new HostedHttpError(
      `${label} rate limited ImageFlow (429)${said}; try again later.`,
      'provider_rate_limited',
      status,
      true,
      headers ? retryAfterMs(headers) : undefined,
    );
  }
  if (status >= 500) {
    return new HostedHttpError(
      `${label} had a server error (${status})${said}; try again later.`,
      'provider_unavailable',
      status,
      true,
      headers ? retryAfterMs(headers) : undefined,
    );
  }
  return new HostedHttpError(
    `${label} refused the request for ${what} (${status})${said}.`,
    status === 400 || status === 422 ? 'provider_rejected' : 'provider_error',
    status,
    false,
  );
}

/** Is this the runtime's abort error (as opposed to a real failure)? */
function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

function describeCause(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: string }).code;
    return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return err.message;
}

export interface SendOptions {
  method?: string;
  /** Sent as JSON with Content-Type application/json. */
  json?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Leave the service's key out (output URLs live on other hosts). */
  noAuth?: boolean;
}

/** Fetch with the service's key, and every failure turned into a ProviderError that names the service. */
export class HostedHttp {
  constructor(
    readonly svc: ServiceInfo,
    private readonly fetchFn: typeof fetch,
    private readonly auth: Record<string, string>,
  ) {}

  /** Sends a request. Connection failures become ProviderErrors; an abort rethrows the signal's reason. */
  async send(url: string, options: SendOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(options.noAuth ? {} : this.auth), ...options.headers };
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    }
    try {
      return await this.fetchFn(url, { method: options.method ?? 'GET', headers, body, signal: options.signal });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      let origin = url;
      try {
        origin = new URL(url).origin;
      } catch {
        // keep the URL as it is
      }
      if (isAbortError(err)) {
        throw new HostedHttpError(`${this.svc.label} at ${origin} did not answer in time; try again later.`, 'provider_unreachable', undefined, true);
      }
      throw new HostedHttpError(
        `Could not reach ${this.svc.label} at ${origin} (${describeCause(err)}). Check the network, and base_url of backend "${this.svc.backend}" if set.`,
        'provider_unreachable',
        undefined,
        true,
      );
    }
  }

  /** Sends a request and parses a JSON answer; a non-2xx answer throws the error for its status. */
  async json<T>(url: string, what: string, options: SendOptions = {}): Promise<T> {
    const res = await this.send(url, options);
    const text = await this.readText(res, options.signal);
    if (!res.ok) throw statusError(this.svc, res.status, text, what, res.headers);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new HostedHttpError(
        `${this.svc.label} answered ${what} with something that is not JSON: "${clip(text, 200)}".`,
        'provider_bad_response',
        res.status,
        false,
      );
    }
  }

  async readText(res: Response, signal?: AbortSignal): Promise<string> {
    try {
      return await res.text();
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new HostedHttpError(`${this.svc.label} broke off its answer (${describeCause(err)}); try again.`, 'provider_unreachable', res.status, true);
    }
  }

  /**
   * Status polls only: retries rate limits, server errors and lost connections with exponential
   * backoff (honouring Retry-After). Submissions are never retried, so nothing runs twice.
   */
  async poll<T>(fn: () => Promise<T>, baseMs: number, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        if (!(err instanceof HostedHttpError) || !err.retryable || attempt >= MAX_POLL_RETRIES) throw err;
        const backoff = Math.min(MAX_BACKOFF_MS, Math.max(err.retryAfterMs ?? 0, Math.max(baseMs, 1) * 2 ** attempt));
        await sleep(backoff, signal);
      }
    }
  }

  /** Best-effort remote cancel, bounded in time; failures are ignored (the run is being abandoned anyway). */
  async cancel(url: string, method: string): Promise<void> {
    try {
      const res = await this.send(url, { method, signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) });
      await res.arrayBuffer().catch(() => undefined);
    } catch {
      // nothing more to do
    }
  }

  /**
   * Downloads an output at once (some services' links expire within minutes), without the key,
   * and checks it is a whole PNG, JPEG or WebP image. Non-PNG outputs are converted to PNG.
   */
  async downloadImage(url: string, signal?: AbortSignal): Promise<CheckedImage> {
    if (url.startsWith('data:')) {
      const comma = url.indexOf(',');
      const meta = url.slice(5, comma);
      const data = url.slice(comma + 1);
      const bytes = meta.endsWith(';base64') ? Buffer.from(data, 'base64') : Buffer.from(decodeURIComponent(data), 'latin1');
      return checkImage(this.svc, bytes, 'its inline output image');
    }
    const res = await this.send(url, { noAuth: true, signal });
    if (res.status === 403 || res.status === 404 || res.status === 410) {
      await res.arrayBuffer().catch(() => undefined);
      throw new HostedHttpError(
        `${this.svc.label}'s output image is gone (${res.status} from ${new URL(url).origin}); output links expire, and this one could not be fetched in time. Run the job again.`,
        'provider_output_expired',
        res.status,
        false,
      );
    }
    if (!res.ok) {
      throw statusError(this.svc, res.status, await this.readText(res, signal), 'the output image download', res.headers);
    }
    let bytes: Buffer;
    try {
      bytes = Buffer.from(await res.arrayBuffer());
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new HostedHttpError(
        `${this.svc.label}'s output image download broke off (${describeCause(err)}); run the job again.`,
        'provider_bad_output',
        res.status,
        false,
      );
    }
    return checkImage(this.svc, bytes, `its output image (${res.headers.get('content-type') ?? 'no content type'})`);
  }
}

export interface CheckedImage {
  png: Buffer;
  width: number;
  height: number;
}

function sniff(bytes: Buffer): 'png' | 'jpeg' | 'webp' | undefined {
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47 && bytes.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/** Decodes the whole image (so a truncated file fails here, not later) and returns PNG bytes. */
export async function checkImage(svc: ServiceInfo, bytes: Buffer, what: string): Promise<CheckedImage> {
  const format = sniff(bytes);
  if (!format) {
    throw new HostedHttpError(
      `${svc.label} sent ${what} that is not a PNG, JPEG or WebP image (${bytes.length} bytes); run the job again.`,
      'provider_bad_output',
      undefined,
      false,
    );
  }
  try {
    const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    const png = format === 'png' ? bytes : await sharp(bytes).png().toBuffer();
    return { png, width: info.width, height: info.height };
  } catch (err) {
    throw new HostedHttpError(
      `${svc.label} sent ${what} as a broken or truncated ${format.toUpperCase()} (${bytes.length} bytes: ${describeCause(err)}); run the job again.`,
      'provider_bad_output',
      undefined,
      false,
    );
  }
}

/** The init image cropped to cover width×height, flattened onto white, as PNG. */
export async function fitInit(png: Buffer, width: number, height: number): Promise<Buffer> {
  return sharp(png).resize(width, height, { fit: 'cover' }).flatten({ background: '#ffffff' }).png().toBuffer();
}

export function pngDataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}

/**
 * The last "x/y" step counter in logs: tqdm bars (` 43%|████▎     | 12/28 [00:01<00:01, 9.8it/s]`)
 * or "step 12/28" / "step 12 of 28". Undefined when the logs carry no step information.
 */
export function stepFromLogs(text: string): { step: number; total: number } | undefined {
  let found: { step: number; total: number } | undefined;
  const patterns = [/(\d+)\/(\d+) \[/g, /\bstep\s+(\d+)\s*(?:\/|of)\s*(\d+)/gi];
  let bestIndex = -1;
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      const step = Number(m[1]);
      const total = Number(m[2]);
      if (total > 0 && step <= total && m.index! >= bestIndex) {
        bestIndex = m.index!;
        found = { step, total };
      }
    }
  }
  return found;
}

/**
 * Steps over a batch of remote jobs, each counted as `perImage` steps. Only what the service
 * reported is counted (a finished job counts whole); nothing is guessed, so it may jump.
 */
export class BatchProgress {
  private readonly done: number[];
  private last = -1;

  constructor(
    count: number,
    private readonly perImage: number,
    private readonly onProgress?: (progress: ProviderProgress) => void,
  ) {
    this.done = new Array<number>(count).fill(0);
  }

  /** A job reported `fraction` (0..1) of its work done. */
  report(index: number, fraction: number): void {
    const steps = Math.floor(Math.min(1, Math.max(0, fraction)) * this.perImage);
    if (steps > this.done[index]!) {
      this.done[index] = steps;
      this.emit();
    }
  }

  finish(index: number): void {
    this.report(index, 1);
  }

  private emit(): void {
    const step = this.done.reduce((a, b) => a + b, 0);
    if (step === this.last) return;
    this.last = step;
    this.onProgress?.({ step, total: this.perImage * this.done.length });
  }
}

/**
 * Submits one remote job per image, in order. Submissions do not use the run's signal (an
 * aborted POST may still have been accepted, and then could not be cancelled); instead the abort
 * is checked after each, and every job already accepted is cancelled.
 */
export async function submitAll<J>(
  count: number,
  submit: (index: number) => Promise<J>,
  cancel: (job: J) => Promise<void>,
  signal?: AbortSignal,
): Promise<J[]> {
  const jobs: J[] = [];
  try {
    for (let i = 0; i < count; i++) {
      if (signal?.aborted) throw signal.reason;
      jobs.push(await submit(i));
    }
    if (signal?.aborted) throw signal.reason;
    return jobs;
  } catch (err) {
    await Promise.all(jobs.map((job) => cancel(job)));
    throw signal?.aborted ? signal.reason : err;
  }
}

/**
 * Follows every job of a batch to its image. When one fails, or the run is aborted, the others
 * stop polling and the unfinished ones are cancelled remotely; an abort rejects with the signal's
 * reason.
 */
export async function followAll<J>(
  jobs: J[],
  follow: (job: J, index: number, signal: AbortSignal) => Promise<ProviderImage>,
  cancel: ((job: J) => Promise<void>) | undefined,
  signal?: AbortSignal,
): Promise<ProviderImage[]> {
  if (signal?.aborted) {
    if (cancel) await Promise.all(jobs.map((job) => cancel(job)));
    throw signal.reason;
  }
  const stop = new AbortController();
  const inner = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const finished = new Set<number>();
  try {
    return await Promise.all(
      jobs.map(async (job, i) => {
        const image = await follow(job, i, inner);
        finished.add(i);
        return image;
      }),
    );
  } catch (err) {
    stop.abort(err);
    if (cancel) await Promise.all(jobs.filter((_, i) => !finished.has(i)).map((job) => cancel(job)));
    throw signal?.aborted ? signal.reason : err;
  }
}

/** Width and height the service supports, or a clear error; for services with fixed rules. */
export function requireSize(
  svc: ServiceInfo,
  model: string,
  width: number,
  height: number,
  rule: { multiple: number; min: number; max: number },
): void {
  const ok = (v: number) => v % rule.multiple === 0 && v >= rule.min && v <= rule.max;
  if (ok(width) && ok(height)) return;
  const round = (v: number) => Math.min(rule.max, Math.max(rule.min, Math.round(v / rule.multiple) * rule.multiple));
  throw new ProviderError(
    `${svc.label}'s ${model} needs width and height that are multiples of ${rule.multiple} between ${rule.min} and ${rule.max}; ${width}×${height} is not. Try ${round(width)}×${round(height)}.`,
    'provider_unsupported',
  );
}

/** Turns anything thrown in a run into what the caller should see: the abort reason, or the error itself. */
export function settleError(err: unknown, signal?: AbortSignal): unknown {
  return signal?.aborted ? signal.reason : err;
}
