/**
 * The AUTOMATIC1111 / Forge provider: real SDXL and FLUX images through the web UI's `--api`.
 *
 * A1111 answers `POST /sdapi/v1/txt2img` (or img2img) only when the images are done, so there is
 * no job id and nothing to resume. While that request runs, `GET /sdapi/v1/progress` is polled for
 * steps and live previews; cancelling posts `/sdapi/v1/interrupt` (A1111 then answers the original
 * request with unfinished images, which are dropped).
 *
 * Requests go over node:http by default rather than the global fetch: undici's fetch gives up on
 * a response whose headers take more than 300 s, and A1111 sends none until a (possibly queued,
 * possibly large) batch is finished. Deadlines come from the caller's signal instead.
 */
import http from 'node:http';
import https from 'node:https';
import { MODEL_NAMES, type ModelName, type Sampler } from '@imageflow/shared';
import sharp from 'sharp';
import { ProviderError } from '../../errors.ts';
import type {
  Provider,
  ProviderHealth,
  ProviderImage,
  ProviderProgress,
  ProviderRequest,
  ProviderRunOptions,
} from '../../ports/provider.port.ts';
import {
  FORGE_FLUX_SAMPLER,
  IMAGE_MIME,
  backendModelName,
  buildPayload,
  checkPng,
  checkpointName,
  decodeBase64,
  describeA1111Error,
  findCheckpoint,
  hasSampler,
  isLegacySamplerList,
  isRecord,
  listForPeople,
  parseCheckpointList,
  parseInfo,
  parseSamplerList,
  progressFromState,
  samplerFields,
  sniffImage,
  type A1111Checkpoint,
  type A1111SamplerItem,
  type SamplerFields,
} from './a1111-wire.ts';

export interface A1111ModelConfig {
  checkpoint?: string;
  /** Forge FLUX settings */
  flux?: boolean;
}

export interface A1111Options {
  name: string;
  /** e.g. http://127.0.0.1:7860 */
  url: string;
  models: Partial<Record<ModelName, A1111ModelConfig>>;
  /** HTTP Basic (--api-auth) */
  username?: string;
  password?: string;
  /** tests */
  fetch?: typeof fetch;
  /** default 500 */
  progressIntervalMs?: number;
}

type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** A finished HTTP exchange: status and the whole body as text. */
interface Answer {
  status: number;
  text: string;
}

const GET_TIMEOUT_MS = 15_000;
const PROGRESS_TIMEOUT_MS = 10_000;
const INTERRUPT_TIMEOUT_MS = 10_000;
const REFRESH_TIMEOUT_MS = 60_000;
const HEALTH_TIMEOUT_MS = 5_000;
const SAMPLER_CACHE_MS = 5 * 60_000;
const RETRY_DELAY_MS = 250;

export class A1111Provider implements Provider {
  readonly kind = 'a1111';
  readonly isAi = true;
  readonly name: string;

  private readonly base: URL;
  /** The server's address for messages, without credentials. */
  private readonly where: string;
  private readonly authorization: string | undefined;
  private readonly http: FetchLike;
  private readonly intervalMs: number;
  private readonly modelConfig: Partial<Record<ModelName, A1111ModelConfig>>;
  private samplerCache: { at: number; list: A1111SamplerItem[] } | undefined;

  constructor(options: A1111Options) {
    this.name = options.name;
    const url = new URL(options.url);
    const username = options.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const password = options.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
    url.username = '';
    url.password = '';
    url.search = '';
    url.hash = '';
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.base = url;
    this.where = url.href.replace(/\/$/, '');
    this.authorization = username
      ? `Basic ${Buffer.from(`${username}:${password ?? ''}`, 'utf8').toString('base64')}`
      : undefined;
    this.http = options.fetch ?? nodeHttpFetch;
    this.intervalMs = Math.max(1, options.progressIntervalMs ?? 500);
    this.modelConfig = options.models;
  }

  async models(): Promise<ModelName[]> {
    const configured = MODEL_NAMES.filter((m) => this.modelConfig[m] !== undefined);
    return configured.length > 0 ? configured : ['sdxl'];
  }

  async health(): Promise<ProviderHealth> {
    try {
      const answer = await this.call('GET', 'sdapi/v1/sd-models', { timeoutMs: HEALTH_TIMEOUT_MS });
      if (answer.status !== 200) return { ok: false, message: this.httpError(answer, 'sdapi/v1/sd-models', false).message };
      const list = parseCheckpointList(tryJson(answer.text));
      if (!list) {
        return { ok: false, message: `${this.where} answered /sdapi/v1/sd-models with something unexpected; is it an A1111 or Forge server?` };
      }
      const missing = Object.entries(this.modelConfig)
        .filter(([, c]) => c?.checkpoint && !findCheckpoint(list, c.checkpoint))
        .map(([model, c]) => `'${c!.checkpoint}' (for ${model})`);
      if (missing.length > 0) {
        return {
          ok: true,
          message: `reachable, but checkpoint ${missing.join(', ')} is not on the server; it has: ${listForPeople(list.map(checkpointName))}`,
        };
      }
      return { ok: true };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  }

  async generate(request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    const { spec } = request;
    const config = this.modelConfig[request.model] ?? {};
    const flux = config.flux ?? request.model.startsWith('flux');
    const checkpoint = config.checkpoint;

    if (checkpoint) await this.ensureCheckpoint(checkpoint, request.model, signal);
    const sampler = await this.samplerFor(spec.sampler, flux, signal);
    const initBase64 = request.init ? (await prepareInit(request.init.png, spec.width, spec.height)).toString('base64') : undefined;
    signal?.throwIfAborted();

    const payload = buildPayload({
      prompt: request.prompt,
      negativePrompt: request.negativePrompt,
      spec,
      sampler,
      flux,
      ...(checkpoint ? { checkpoint } : {}),
      ...(initBase64 !== undefined ? { initBase64 } : {}),
    });
    const path = initBase64 === undefined ? 'sdapi/v1/txt2img' : 'sdapi/v1/img2img';
    const answer = await this.submit(path, payload, options);
    return this.readImages(answer, request, checkpoint);
  }

  // -------------------------------------------------------------------------
  // Before submitting
  // -------------------------------------------------------------------------

  /**
   * A1111 silently ignores an unknown `sd_model_checkpoint` override and uses whatever is loaded,
   * so the name is checked first (rescanning the models folder once, as A1111 lists it at start-up).
   */
  private async ensureCheckpoint(checkpoint: string, model: ModelName, signal: AbortSignal | undefined): Promise<void> {
    let list = await this.checkpointList(signal);
    if (!list || findCheckpoint(list, checkpoint)) return;
    try {
      await this.call('POST', 'sdapi/v1/refresh-checkpoints', { ...(signal ? { signal } : {}), timeoutMs: REFRESH_TIMEOUT_MS });
      list = (await this.checkpointList(signal)) ?? list;
    } catch {
      if (signal?.aborted) throw signal.reason;
      // The rescan is a courtesy; the error below says what to do either way.
    }
    if (findCheckpoint(list, checkpoint)) return;
    throw new ProviderError(
      `checkpoint '${checkpoint}' is not on the A1111 server; it has: ${listForPeople(list.map(checkpointName))}. ` +
        `Set models.${model}.checkpoint for this backend in imageflow.config.json to one of these, or put the file in ` +
        `the server's models/Stable-diffusion folder (${this.where}).`,
      'provider_model_missing',
    );
  }

  /** The checkpoint list, or null if the server answered something unreadable (then no check is made). */
  private async checkpointList(signal: AbortSignal | undefined): Promise<A1111Checkpoint[] | null> {
    const answer = await this.getWithRetry('sdapi/v1/sd-models', signal);
    if (answer.status === 401 || answer.status === 404) throw this.httpError(answer, 'sdapi/v1/sd-models', false);
    if (answer.status !== 200) return null;
    return parseCheckpointList(tryJson(answer.text));
  }

  private async samplerFor(sampler: Sampler, flux: boolean, signal: AbortSignal | undefined): Promise<SamplerFields> {
    const list = await this.samplerList(signal);
    const legacy = list ? isLegacySamplerList(list) : false;
    const fields: SamplerFields = flux
      ? legacy
        ? { sampler_name: FORGE_FLUX_SAMPLER.sampler }
        : { sampler_name: FORGE_FLUX_SAMPLER.sampler, scheduler: FORGE_FLUX_SAMPLER.scheduler }
      : samplerFields(sampler, legacy);
    // From 1.9 an unknown sampler silently becomes the default one; say so instead.
    if (list && !hasSampler(list, fields.sampler_name)) {
      throw new ProviderError(
        `A1111 at ${this.where} has no sampler '${fields.sampler_name}' (for ${flux ? 'FLUX' : sampler}); it has: ` +
          `${listForPeople(list.map((s) => s.name), 30)}. Pick another sampler.`,
        'provider_rejected',
      );
    }
    return fields;
  }

  /** The server's samplers (cached a few minutes), or null if it would not say. */
  private async samplerList(signal: AbortSignal | undefined): Promise<A1111SamplerItem[] | null> {
    if (this.samplerCache && Date.now() - this.samplerCache.at < SAMPLER_CACHE_MS) return this.samplerCache.list;
    const answer = await this.getWithRetry('sdapi/v1/samplers', signal);
    if (answer.status === 401 || answer.status === 404) throw this.httpError(answer, 'sdapi/v1/samplers', false);
    const list = answer.status === 200 ? parseSamplerList(tryJson(answer.text)) : null;
    if (list && list.length > 0) this.samplerCache = { at: Date.now(), list };
    return list && list.length > 0 ? list : null;
  }

  // -------------------------------------------------------------------------
  // Submitting and following
  // -------------------------------------------------------------------------

  /** POSTs once (never retried: A1111 would make the images twice), polling progress meanwhile. */
  private async submit(path: string, payload: Record<string, unknown>, options: ProviderRunOptions): Promise<unknown> {
    const stop = new AbortController();
    const polling = options.onProgress || options.onPreview ? this.pollProgress(stop.signal, options) : Promise.resolve();
    const posting = (async () => {
      const answer = await this.call('POST', path, { body: payload, signal: stop.signal, generating: true });
      if (answer.status !== 200) throw this.httpError(answer, path, true);
      return this.readJson(answer, path);
    })();
    try {
      return await this.untilAborted(posting, options.signal);
    } finally {
      stop.abort();
      await polling;
    }
  }

  /** `work`, unless `signal` aborts first: then A1111 is told to stop and the signal's reason is thrown. */
  private untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (!signal) return work;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        // A1111 answers the original request with the unfinished images; they are not wanted.
        work.catch(() => undefined);
        void this.interrupt().finally(() => reject(signal.reason));
      };
      const done = (fn: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        fn();
      };
      work.then(
        (value) => done(() => resolve(value)),
        (err: unknown) => done(() => reject(err)),
      );
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Best effort: POST /sdapi/v1/interrupt, never throws. */
  private async interrupt(): Promise<void> {
    try {
      await this.call('POST', 'sdapi/v1/interrupt', { timeoutMs: INTERRUPT_TIMEOUT_MS });
    } catch {
      // The server is gone or busy; there is nothing more to do about the run.
    }
  }

  /** Polls /sdapi/v1/progress every interval until `stop`; errors skip a tick. */
  private async pollProgress(stop: AbortSignal, options: ProviderRunOptions): Promise<void> {
    const { onProgress, onPreview } = options;
    const path = `sdapi/v1/progress?skip_current_image=${onPreview ? 'false' : 'true'}`;
    let last: ProviderProgress | undefined;
    let lastImage: string | undefined;
    while (await sleep(this.intervalMs, stop)) {
      let body: unknown;
      try {
        const answer = await this.call('GET', path, { signal: stop, timeoutMs: PROGRESS_TIMEOUT_MS });
        if (answer.status !== 200) continue;
        body = tryJson(answer.text);
      } catch {
        continue;
      }
      if (stop.aborted) return;
      const progress = progressFromState(body);
      if (!progress) continue;
      if (onProgress && (!last || progress.total !== last.total || progress.step > last.step)) {
        last = progress;
        quietly(() => onProgress(progress));
      }
      const image = isRecord(body) ? body.current_image : undefined;
      if (onPreview && typeof image === 'string' && image !== lastImage) {
        lastImage = image;
        const data = decodeBase64(image);
        const kind = data ? sniffImage(data) : null;
        if (data && kind) quietly(() => onPreview({ mime: IMAGE_MIME[kind], data }));
      }
    }
  }

  // -------------------------------------------------------------------------
  // The answer
  // -------------------------------------------------------------------------

  private async readImages(answer: unknown, request: ProviderRequest, checkpoint: string | undefined): Promise<ProviderImage[]> {
    if (!isRecord(answer)) throw this.badResponse('an answer that is not a JSON object');
    const { images } = answer;
    if (!Array.isArray(images) || images.length === 0) {
      throw new ProviderError(
        `A1111 at ${this.where} answered without images. An extension or script may have taken them; check the A1111 console.`,
        'provider_bad_response',
      );
    }
    const info = parseInfo(answer.info);
    const first = info?.indexOfFirstImage ?? 0;
    const wanted = request.spec.batch_size;
    // Grids come first (index_of_first_image); extensions such as ControlNet append their maps last.
    const mine = images.slice(first, first + wanted);
    if (mine.length < wanted) {
      throw new ProviderError(
        `A1111 at ${this.where} returned ${mine.length} image(s) for a batch of ${wanted}.`,
        'provider_bad_response',
      );
    }
    const backendModel = backendModelName(info, checkpoint ?? 'a1111');
    return Promise.all(
      mine.map(async (encoded, i) => {
        const image = await this.toPng(encoded);
        return { ...image, seed: info?.seeds[i] ?? request.spec.seed + i, backendModel };
      }),
    );
  }

  /** A1111 encodes in its `samples_format` setting: PNG normally, JPEG or WebP if so set. */
  private async toPng(encoded: unknown): Promise<{ png: Buffer; width: number; height: number }> {
    const data = decodeBase64(encoded);
    if (!data) throw this.damaged('not base64');
    const kind = sniffImage(data);
    if (kind === 'png') {
      const check = checkPng(data);
      if (!check.ok) throw this.damaged(check.reason);
      return { png: data, width: check.width, height: check.height };
    }
    if (kind === null) throw this.damaged('not a PNG, JPEG or WebP image');
    try {
      const { data: png, info } = await sharp(data).png().toBuffer({ resolveWithObject: true });
      return { png, width: info.width, height: info.height };
    } catch (err) {
      throw this.damaged(`${kind.toUpperCase()} that does not decode: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private damaged(reason: string): ProviderError {
    return new ProviderError(
      `A1111 returned a damaged image (${reason}). Try again; if it keeps happening, check the A1111 console and anything (a proxy) between.`,
      'provider_bad_response',
    );
  }

  private badResponse(what: string): ProviderError {
    return new ProviderError(
      `A1111 at ${this.where} sent ${what}. Is something other than A1111 or Forge answering at that address?`,
      'provider_bad_response',
    );
  }

  private readJson(answer: Answer, path: string): unknown {
    try {
      return JSON.parse(answer.text);
    } catch {
      const snippet = answer.text.trim().slice(0, 120);
      throw this.badResponse(`a reply to /${path} that is not JSON${snippet ? ` ("${snippet}${answer.text.length > 120 ? '…' : ''}")` : ' (it was empty)'}`);
    }
  }

  // -------------------------------------------------------------------------
  // HTTP
  // -------------------------------------------------------------------------

  private async getWithRetry(path: string, signal: AbortSignal | undefined): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.call('GET', path, { ...(signal ? { signal } : {}), timeoutMs: GET_TIMEOUT_MS });
        if (answer.status < 500 || attempt >= 2) return answer;
      } catch (err) {
        if (signal?.aborted || attempt >= 2) throw err;
      }
      if (!(await sleep(RETRY_DELAY_MS, signal))) throw signal!.reason;
    }
  }

  /** One request; the body is read whole. Network failures become ProviderErrors; aborts throw the reason. */
  private async call(
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; signal?: AbortSignal; timeoutMs?: number; generating?: boolean } = {},
  ): Promise<Answer> {
    const timeout = options.timeoutMs !== undefined ? AbortSignal.timeout(options.timeoutMs) : undefined;
    const signals = [options.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.authorization) headers.authorization = this.authorization;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    try {
      const res = await this.http(new URL(path, this.base).href, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(signal ? { signal } : {}),
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (timeout?.aborted) throw this.unreachable(`no answer within ${Math.round(options.timeoutMs! / 1000)} s`);
      throw this.connectionError(err, options.generating ?? false);
    }
  }

  private unreachable(detail: string): ProviderError {
    return new ProviderError(`A1111 at ${this.where} is not reachable: ${detail}. Is it running with --api?`, 'provider_unreachable');
  }

  private connectionError(err: unknown, generating: boolean): ProviderError {
    const code = errorCode(err);
    const detail = describeNetworkError(err, code);
    if (generating && code !== 'ECONNREFUSED' && code !== 'ENOTFOUND' && code !== 'EAI_AGAIN' && code !== 'EHOSTUNREACH') {
      return new ProviderError(
        `A1111 at ${this.where} dropped the connection while generating (${detail}). It may have crashed or restarted; check its console.`,
        'provider_unreachable',
      );
    }
    return this.unreachable(detail);
  }

  private httpError(answer: Answer, path: string, generating: boolean): ProviderError {
    const body = tryJson(answer.text);
    if (answer.status === 401) {
      return this.authorization
        ? new ProviderError(
            `A1111 at ${this.where} refused the username and password (--api-auth); check them in imageflow.config.json.`,
            'provider_auth',
          )
        : new ProviderError(
            `A1111 at ${this.where} needs a username and password (--api-auth); set them in imageflow.config.json.`,
            'provider_auth',
          );
    }
    // FastAPI's own "no such route" (A1111's handler would add an "error" field).
    if (answer.status === 404 && isRecord(body) && body.detail === 'Not Found' && !('error' in body)) {
      return new ProviderError(
        `A1111 at ${this.where} has no /${path.split('?')[0]}: start it with --api (add it to COMMANDLINE_ARGS), or check the URL.`,
        'provider_unreachable',
      );
    }
    const message = (describeA1111Error(body) ?? (answer.text.trim().slice(0, 300) || `HTTP ${answer.status}`)).replace(/\.+$/, '');
    if (answer.status >= 500) {
      const hint = /out of memory/i.test(message) ? ' The GPU ran out of memory: try a smaller size or batch.' : '';
      return new ProviderError(
        `A1111 failed ${generating ? 'while generating' : `to answer /${path}`}: ${message}.${hint}`,
        'provider_failed',
      );
    }
    return new ProviderError(`A1111 refused the request: ${message} (HTTP ${answer.status}).`, 'provider_rejected');
  }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** The init image at the spec's size (cropped to cover, transparency on white), as PNG. */
async function prepareInit(png: Buffer, width: number, height: number): Promise<Buffer> {
  try {
    return await sharp(png).flatten({ background: '#ffffff' }).resize(width, height, { fit: 'cover' }).png().toBuffer();
  } catch (err) {
    throw new ProviderError(
      `The init image could not be read: ${err instanceof Error ? err.message : String(err)}.`,
      'provider_bad_input',
    );
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // A listener's failure must not stop the run.
  }
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

const NETWORK_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  UND_ERR_SOCKET: 'connection closed',
};

function describeNetworkError(err: unknown, code: string | undefined): string {
  if (code && NETWORK_WORDS[code]) return `${NETWORK_WORDS[code]} (${code})`;
  let message = err instanceof Error ? err.message : String(err);
  const cause = (err as { cause?: unknown })?.cause;
  if (message === 'fetch failed' && cause instanceof Error) message = cause.message;
  return code ? `${message} (${code})` : message;
}

const MAX_BODY_BYTES = 1024 * 1024 * 1024;

/**
 * A fetch for plain HTTP(S) over node:http with no header or body deadline of its own (the
 * caller's signal is the deadline). Only what this provider uses: string bodies, whole answers.
 */
export function nodeHttpFetch(url: string, init: RequestInit = {}): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') {
      reject(new TypeError('nodeHttpFetch only sends string bodies'));
      return;
    }
    const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : undefined;
    const target = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, key) => {
      headers[key] = value;
    });
    if (body) headers['content-length'] = String(body.length);

    let finished = false;
    const finish = (fn: () => void) => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const method = (init.method ?? 'GET').toUpperCase();
    // A POST is never retried, so it must not land on a pooled keep-alive socket that the server
    // closed meanwhile (a restarted A1111): it gets a connection of its own. GETs reuse the pool.
    const req = (target.protocol === 'https:' ? https : http).request(target, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { agent: false }),
    });
    const onAbort = () => {
      req.destroy();
      finish(() => reject(signal!.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => finish(() => reject(err)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) req.destroy(new Error('the answer is larger than 1 GiB'));
        else chunks.push(chunk);
      });
      res.on('error', (err) => finish(() => reject(err)));
      res.on('close', () => {
        if (!res.complete) {
          finish(() => reject(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' })));
        }
      });
      res.on('end', () =>
        finish(() => {
          try {
            const status = res.statusCode ?? 0;
            const responseHeaders = new Headers();
            for (const [key, value] of Object.entries(res.headers)) {
              if (Array.isArray(value)) for (const v of value) responseHeaders.append(key, v);
              else if (value !== undefined) responseHeaders.set(key, value);
            }
            const empty = status === 204 || status === 205 || status === 304;
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
          } catch (err) {
            reject(err);
          }
        }),
      );
    });
    req.end(body);
  });
}
