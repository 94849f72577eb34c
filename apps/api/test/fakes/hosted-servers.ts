/**
 * Local fakes of the hosted image services — fal's queue, Replicate's predictions API, Black
 * Forest Labs' API and OpenAI's images API — for the hosted providers' tests. Each is a real HTTP
 * server on 127.0.0.1:0 that speaks the service's wire protocol strictly: its routes, its auth
 * header, its request validation (unknown fields, wrong types and out-of-range values are
 * refused in the service's own error shape), its job states advancing one step per poll, output
 * images it serves itself (made with sharp), its cancel endpoint, and fault knobs (5xx, 429,
 * moderation, failed jobs, truncated or expired outputs, jobs that never finish).
 *
 * Where the real service is more lenient than the fake (e.g. it may ignore an unknown field),
 * the fake refuses: a test passes only when our request would be accepted by the real service.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Spec } from '@imageflow/shared';
import sharp from 'sharp';
import type { ProviderRequest } from '../../src/ports/provider.port.ts';

// ---------------------------------------------------------------------------------------------
// A small HTTP server that records every request
// ---------------------------------------------------------------------------------------------

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON when the body was JSON, the multipart field names for multipart, else undefined. */
  body: unknown;
}

export interface FakeReq {
  method: string;
  path: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  /** Resolves when the client goes away before the answer is sent. */
  disconnected: Promise<void>;
}

export interface FakeRes {
  status: number;
  headers?: Record<string, string>;
  /** A Buffer is sent as is; a string as text; anything else as JSON. */
  body?: unknown;
}

type Handler = (req: FakeReq) => Promise<FakeRes> | FakeRes;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): FakeRes => ({ status, body, headers });

export class FakeHttpServer {
  url = '';
  readonly requests: RecordedRequest[] = [];
  /** Requests whose client went away before the answer (an aborted fetch). */
  readonly disconnects: string[] = [];
  private server?: http.Server;

  constructor(private readonly handler: Handler) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    let disconnect!: () => void;
    const disconnected = new Promise<void>((resolve) => (disconnect = resolve));
    res.once('close', () => {
      if (!res.writableFinished) {
        this.disconnects.push(`${req.method} ${url.pathname}`);
        disconnect();
      }
    });
    const contentType = String(req.headers['content-type'] ?? '');
    let body: unknown;
    if (contentType.includes('application/json')) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = raw.toString('utf8');
      }
    } else if (contentType.includes('multipart/form-data')) {
      body = 'multipart';
    }
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body });
    let answer: FakeRes;
    try {
      answer = await this.handler({ method: req.method ?? 'GET', path: url.pathname, url, headers: req.headers, raw, disconnected });
    } catch (err) {
      answer = json(500, { detail: `fake server bug: ${err instanceof Error ? err.stack : String(err)}` });
    }
    if (res.destroyed) return;
    let payload: Buffer;
    const headers: Record<string, string> = { ...answer.headers };
    if (Buffer.isBuffer(answer.body)) payload = answer.body;
    else if (typeof answer.body === 'string') {
      payload = Buffer.from(answer.body);
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else if (answer.body === undefined) payload = Buffer.alloc(0);
    else {
      payload = Buffer.from(JSON.stringify(answer.body));
      headers['content-type'] ??= 'application/json';
    }
    res.writeHead(answer.status, { ...headers, 'content-length': String(payload.length) });
    res.end(payload);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared fake machinery: fault knobs, output images, validation
// ---------------------------------------------------------------------------------------------

export type ImageFormat = 'png' | 'jpeg' | 'webp';

export interface HostedFaults {
  /** The next `count` (default 1) submissions answer this status, in the service's error shape. */
  submitError?: { status: number; count?: number; message?: string };
  /** The next `count` status polls answer this status (transient: 429, 500, 503, ...). */
  pollError?: { status: number; count: number };
  /** Jobs end failed with this error text. */
  failWith?: string;
  /** Jobs are stopped by the service's moderation / safety checker. */
  moderate?: boolean;
  /** Output image files are cut in half. */
  truncate?: boolean;
  /** Output URLs answer this status (default 404) as if they had expired. */
  expire?: boolean | number;
  /** Serve outputs in this format whatever was asked (to test conversion to PNG). */
  serveFormat?: ImageFormat;
  /** Jobs never finish: they stay running until cancelled (for cancel tests). */
  hang?: boolean;
  /** Polls a job spends queued before it runs (default 1). */
  queuePolls?: number;
  /** Polls a job spends running before it finishes (default 2). */
  runPolls?: number;
  /** Running jobs log tqdm-style step counters ("12/28 [..."). */
  stepLogs?: boolean;
  /** The model uses this seed whatever it was sent (to check the seed is read back). */
  forceSeed?: number;
  /** Retry-After sent with 429 and 503 answers, in seconds (default "0": keeps tests fast). */
  retryAfter?: string;
  /** Answers are held this long (OpenAI, which answers on the request). */
  delayMs?: number;
}

/** A plain image of the given size and format; `tint` varies its colour. */
export async function makeImage(width: number, height: number, format: ImageFormat, tint: number): Promise<Buffer> {
  const background = { r: (tint * 67 + 40) % 256, g: (tint * 131 + 90) % 256, b: (tint * 29 + 160) % 256 };
  const img = sharp({ create: { width, height, channels: 3, background } });
  if (format === 'jpeg') return img.jpeg({ quality: 90 }).toBuffer();
  if (format === 'webp') return img.webp({ quality: 90 }).toBuffer();
  return img.png().toBuffer();
}

const MIME: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** Decodes a data URI, raw base64 or http(s) URL input image; undefined when it is not an image. */
export async function readInputImage(value: string): Promise<{ width: number; height: number; format: string } | undefined> {
  let bytes: Buffer;
  if (value.startsWith('data:')) {
    const comma = value.indexOf(',');
    if (comma < 0 || !value.slice(0, comma).endsWith(';base64')) return undefined;
    bytes = Buffer.from(value.slice(comma + 1), 'base64');
  } else if (/^https?:\/\//.test(value)) {
    return { width: 0, height: 0, format: 'url' };
  } else {
    bytes = Buffer.from(value, 'base64');
  }
  try {
    const { info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
    const meta = await sharp(bytes).metadata();
    return { width: info.width, height: info.height, format: meta.format ?? 'unknown' };
  } catch {
    return undefined;
  }
}

export type Rule =
  | { type: 'string'; required?: boolean; nullable?: boolean }
  | { type: 'int'; min?: number; max?: number; multipleOf?: number; required?: boolean; nullable?: boolean }
  | { type: 'number'; min?: number; max?: number; required?: boolean; nullable?: boolean }
  | { type: 'bool'; required?: boolean }
  | { type: 'enum'; values: readonly string[]; required?: boolean }
  | { type: 'image'; required?: boolean; nullable?: boolean }
  | { type: 'image_size'; required?: boolean }
  | { type: 'array'; required?: boolean };
export type Schema = Record<string, Rule>;

export interface Violation {
  field: string;
  type: string;
  msg: string;
}

const FAL_SIZE_PRESETS: Record<string, [number, number]> = {
  square_hd: [1024, 1024],
  square: [512, 512],
  portrait_4_3: [768, 1024],
  portrait_16_9: [576, 1024],
  landscape_4_3: [1024, 768],
  landscape_16_9: [1024, 576],
};

/** Checks an input object against a schema: missing, unknown, mistyped and out-of-range fields. */
export function validate(schema: Schema, input: unknown): Violation[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return [{ field: '', type: 'type_error', msg: 'value is not a valid dict' }];
  const obj = input as Record<string, unknown>;
  const out: Violation[] = [];
  for (const [field, rule] of Object.entries(schema)) {
    if (rule.required && obj[field] === undefined) out.push({ field, type: 'missing', msg: 'field required' });
  }
  for (const [field, value] of Object.entries(obj)) {
    const rule = schema[field];
    if (!rule) {
      out.push({ field, type: 'extra_forbidden', msg: 'extra fields not permitted' });
      continue;
    }
    if (value === null && 'nullable' in rule && rule.nullable) continue;
    switch (rule.type) {
      case 'string':
      case 'image':
        if (typeof value !== 'string') out.push({ field, type: 'string_type', msg: 'str type expected' });
        break;
      case 'bool':
        if (typeof value !== 'boolean') out.push({ field, type: 'bool_type', msg: 'value is not a valid boolean' });
        break;
      case 'array':
        if (!Array.isArray(value)) out.push({ field, type: 'list_type', msg: 'value is not a valid list' });
        break;
      case 'enum':
        if (typeof value !== 'string' || !rule.values.includes(value)) {
          out.push({ field, type: 'enum', msg: `value is not a valid enumeration member; permitted: ${rule.values.map((v) => `'${v}'`).join(', ')}` });
        }
        break;
      case 'int':
      case 'number': {
        if (typeof value !== 'number' || !Number.isFinite(value) || (rule.type === 'int' && !Number.isInteger(value))) {
          out.push({ field, type: `${rule.type}_type`, msg: rule.type === 'int' ? 'value is not a valid integer' : 'value is not a valid float' });
          break;
        }
        if (rule.min !== undefined && value < rule.min) out.push({ field, type: 'greater_than_equal', msg: `ensure this value is greater than or equal to ${rule.min}` });
        if (rule.max !== undefined && value > rule.max) out.push({ field, type: 'less_than_equal', msg: `ensure this value is less than or equal to ${rule.max}` });
        if (rule.type === 'int' && rule.multipleOf && value % rule.multipleOf !== 0) {
          out.push({ field, type: 'multiple_of', msg: `ensure this value is a multiple of ${rule.multipleOf}` });
        }
        break;
      }
      case 'image_size': {
        if (typeof value === 'string') {
          if (!FAL_SIZE_PRESETS[value]) out.push({ field, type: 'enum', msg: `unknown image size preset '${value}'` });
        } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
          const size = value as Record<string, unknown>;
          for (const key of Object.keys(size)) {
            if (key !== 'width' && key !== 'height') out.push({ field: `${field}.${key}`, type: 'extra_forbidden', msg: 'extra fields not permitted' });
          }
          for (const key of ['width', 'height']) {
            const v = size[key];
            if (typeof v !== 'number' || !Number.isInteger(v)) out.push({ field: `${field}.${key}`, type: 'int_type', msg: 'value is not a valid integer' });
            else if (v < 1 || v > 14142) out.push({ field: `${field}.${key}`, type: 'less_than_equal', msg: 'ensure this value is between 1 and 14142' });
          }
        } else {
          out.push({ field, type: 'type_error', msg: 'value is not a valid image size' });
        }
        break;
      }
    }
  }
  return out;
}

interface StoredFile {
  bytes: Buffer;
  mime: string;
}

/** What every fake shares: the server, auth, fault counters, output files and recorded calls. */
abstract class HostedFake {
  readonly http: FakeHttpServer;
  faults: HostedFaults = {};
  /** Remote cancels received, by job id. */
  readonly cancels: string[] = [];
  /** Bodies of accepted submissions. */
  readonly submissions: Array<{ path: string; body: unknown }> = [];
  /** Requests for output files, with whether they carried a key. */
  readonly fileFetches: Array<{ path: string; withKey: boolean }> = [];
  protected readonly files = new Map<string, StoredFile>();
  /** How many answers each injected fault has given (a new fault object starts again). */
  private readonly faultsSent = new WeakMap<object, number>();

  constructor(readonly apiKey: string) {
    this.http = new FakeHttpServer((req) => this.route(req));
  }

  get url(): string {
    return this.http.url;
  }

  get requests(): RecordedRequest[] {
    return this.http.requests;
  }

  async start(): Promise<this> {
    await this.http.start();
    return this;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** Requests whose path matches, e.g. status polls. */
  count(method: string, pathPattern: RegExp): number {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.path)).length;
  }

  protected abstract route(req: FakeReq): Promise<FakeRes> | FakeRes;

  protected retryHeaders(status: number): Record<string, string> {
    return status === 429 || status === 503 ? { 'retry-after': this.faults.retryAfter ?? '0' } : {};
  }

  /** The injected submit failure, if one is due. */
  protected takeSubmitError(): { status: number; message?: string } | undefined {
    const fault = this.faults.submitError;
    if (!fault) return undefined;
    const sent = this.faultsSent.get(fault) ?? 0;
    if (sent >= (fault.count ?? 1)) return undefined;
    this.faultsSent.set(fault, sent + 1);
    return fault;
  }

  protected takePollError(): number | undefined {
    const fault = this.faults.pollError;
    if (!fault) return undefined;
    const sent = this.faultsSent.get(fault) ?? 0;
    if (sent >= fault.count) return undefined;
    this.faultsSent.set(fault, sent + 1);
    return fault.status;
  }

  /** Makes an output image, stores it under `path` and returns its URL. */
  protected async storeOutput(path: string, width: number, height: number, format: ImageFormat, tint: number): Promise<string> {
    const served = this.faults.serveFormat ?? format;
    let bytes = this.faults.moderate ? await blackImage(width, height, served) : await makeImage(width, height, served, tint);
    if (this.faults.truncate) bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
    this.files.set(path, { bytes, mime: MIME[served] });
    return `${this.url}${path}`;
  }

  protected serveFile(req: FakeReq, keyHeader: string): FakeRes | undefined {
    const file = this.files.get(req.path);
    if (!file) return undefined;
    this.fileFetches.push({ path: req.path, withKey: req.headers[keyHeader] !== undefined });
    if (this.faults.expire) {
      const status = typeof this.faults.expire === 'number' ? this.faults.expire : 404;
      return { status, body: '<?xml version="1.0"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>', headers: { 'content-type': 'application/xml' } };
    }
    return { status: 200, body: file.bytes, headers: { 'content-type': file.mime } };
  }
}

async function blackImage(width: number, height: number, format: ImageFormat): Promise<Buffer> {
  const img = sharp({ create: { width, height, channels: 3, background: { r: 0, g: 0, b: 0 } } });
  return format === 'jpeg' ? img.jpeg().toBuffer() : format === 'webp' ? img.webp().toBuffer() : img.png().toBuffer();
}

function tqdm(step: number, total: number): string {
  const pct = Math.round((step / total) * 100);
  const bar = '█'.repeat(Math.round(pct / 10)).padEnd(10, ' ');
  return `${String(pct).padStart(3)}%|${bar}| ${step}/${total} [00:0${step % 10}<00:02,  9.81it/s]`;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

// ---------------------------------------------------------------------------------------------
// fal: queue.fal.run
// ---------------------------------------------------------------------------------------------

const falCommon: Schema = {
  prompt: { type: 'string', required: true },
  seed: { type: 'int' },
  sync_mode: { type: 'bool' },
  num_images: { type: 'int', min: 1, max: 4 },
  enable_safety_checker: { type: 'bool' },
};
const falFluxOut: Schema = { output_format: { type: 'enum', values: ['jpeg', 'png'] }, acceleration: { type: 'enum', values: ['none', 'regular', 'high'] } };
const falSdxl: Schema = {
  ...falCommon,
  negative_prompt: { type: 'string' },
  image_size: { type: 'image_size' },
  num_inference_steps: { type: 'int', min: 1, max: 65 },
  guidance_scale: { type: 'number', min: 0, max: 20 },
  num_images: { type: 'int', min: 1, max: 8 },
  loras: { type: 'array' },
  embeddings: { type: 'array' },
  safety_checker_version: { type: 'enum', values: ['v1', 'v2'] },
  expand_prompt: { type: 'bool' },
  format: { type: 'enum', values: ['jpeg', 'png'] },
  request_id: { type: 'string' },
};

/** The fal endpoints the fake serves, with their input schemas (from fal's model API pages). */
export const FAL_ENDPOINTS: Record<string, { schema: Schema; family: 'flux' | 'sdxl'; img2img: boolean }> = {
  'fal-ai/flux/dev': {
    family: 'flux',
    img2img: false,
    schema: { ...falCommon, ...falFluxOut, image_size: { type: 'image_size' }, num_inference_steps: { type: 'int', min: 1, max: 50 }, guidance_scale: { type: 'number', min: 1, max: 20 } },
  },
  'fal-ai/flux/dev/image-to-image': {
    family: 'flux',
    img2img: true,
    schema: {
      ...falCommon,
      ...falFluxOut,
      image_url: { type: 'image', required: true },
      strength: { type: 'number', min: 0.01, max: 1 },
      num_inference_steps: { type: 'int', min: 10, max: 50 },
      guidance_scale: { type: 'number', min: 1, max: 20 },
    },
  },
  'fal-ai/flux/schnell': {
    family: 'flux',
    img2img: false,
    schema: { ...falCommon, ...falFluxOut, image_size: { type: 'image_size' }, num_inference_steps: { type: 'int', min: 1, max: 12 } },
  },
  'fal-ai/fast-sdxl': { family: 'sdxl', img2img: false, schema: falSdxl },
  'fal-ai/fast-sdxl/image-to-image': {
    family: 'sdxl',
    img2img: true,
    schema: { ...falSdxl, image_url: { type: 'image', required: true }, strength: { type: 'number', min: 0.05, max: 1 } },
  },
};

export interface FalJobState {
  id: string;
  endpoint: string;
  /** owner/app: what status, response and cancel URLs live under. */
  app: string;
  input: Record<string, unknown>;
  polls: number;
  status: 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';
  canceled: boolean;
  violations: Violation[];
  /** What GET response_url answers once COMPLETED. */
  response?: FakeRes;
  /** The input image as the fake decoded it. */
  inputImage?: { width: number; height: number; format: string };
}

export class FalFake extends HostedFake {
  readonly jobs = new Map<string, FalJobState>();

  static start(apiKey = 'fal-test-key'): Promise<FalFake> {
    return new FalFake(apiKey).start();
  }

  private urls(job: FalJobState) {
    const base = `${this.url}/${job.app}/requests/${job.id}`;
    return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
  }

  protected async route(req: FakeReq): Promise<FakeRes> {
    const file = this.serveFile(req, 'authorization');
    if (file) return file;
    const auth = req.headers.authorization;
    if (!auth) return json(401, { detail: 'Authentication is required to access this application.' });
    if (auth !== `Key ${this.apiKey}`) return json(401, { detail: 'No user found for Key ID and Secret' });

    const path = req.path.replace(/^\/+/, '');
    const m = /^([^/]+\/[^/]+)\/requests\/([^/]+)(\/status|\/cancel)?$/.exec(path);
    if (m) {
      const [, app, id, tail] = m as unknown as [string, string, string, string | undefined];
      const job = this.jobs.get(id);
      if (!job || job.app !== app) return json(404, { detail: `Request ${id} not found` });
      if (tail === '/status' && req.method === 'GET') return this.status(job, req.url.searchParams.get('logs') === '1');
      if (tail === '/cancel' && req.method === 'PUT') return this.cancel(job);
      if (!tail && req.method === 'GET') {
        if (job.status !== 'COMPLETED') return json(400, { detail: 'Request is still in progress' });
        return job.response!;
      }
      return json(405, { detail: 'Method Not Allowed' });
    }
    if (req.method === 'POST') return this.submit(path, req);
    return json(404, { detail: 'Not Found' });
  }

  private async submit(endpoint: string, req: FakeReq): Promise<FakeRes> {
    const spec = FAL_ENDPOINTS[endpoint];
    if (!spec) return json(404, { detail: `Application '${endpoint}' not found` });
    const fault = this.takeSubmitError();
    if (fault) return json(fault.status, { detail: fault.message ?? `fake ${fault.status}` }, this.retryHeaders(fault.status));
    let input: unknown;
    try {
      input = JSON.parse(req.raw.toString('utf8'));
    } catch {
      return json(400, { detail: 'Invalid JSON body' });
    }
    this.submissions.push({ path: endpoint, body: input });
    // fal's queue stores the payload as it is; the app validates it when it runs, and the
    // request then completes with the app's 422.
    const violations = validate(spec.schema, input);
    const id = randomUUID();
    const app = endpoint.split('/').slice(0, 2).join('/');
    const job: FalJobState = { id, endpoint, app, input: input as Record<string, unknown>, polls: 0, status: 'IN_QUEUE', canceled: false, violations };
    if (violations.length === 0 && typeof job.input.image_url === 'string') {
      job.inputImage = await readInputImage(job.input.image_url);
      if (!job.inputImage) violations.push({ field: 'image_url', type: 'image_load_error', msg: 'Failed to load the image. Please ensure the image file is not corrupted and is in a supported format.' });
    }
    this.jobs.set(id, job);
    return json(200, { status: 'IN_QUEUE', request_id: id, ...this.urls(job), queue_position: 0 });
  }

  private async status(job: FalJobState, withLogs: boolean): Promise<FakeRes> {
    const pollError = this.takePollError();
    if (pollError) return json(pollError, { detail: `fake ${pollError}` }, this.retryHeaders(pollError));
    job.polls++;
    const queuePolls = this.faults.queuePolls ?? 1;
    const runPolls = this.faults.runPolls ?? 2;
    if (job.status !== 'COMPLETED') {
      if (job.canceled || job.violations.length > 0) await this.complete(job);
      else if (job.polls <= queuePolls) job.status = 'IN_QUEUE';
      else if (this.faults.hang || job.polls <= queuePolls + runPolls) job.status = 'IN_PROGRESS';
      else await this.complete(job);
    }
    const steps = (job.input.num_inference_steps as number | undefined) ?? 28;
    const ran = Math.min(runPolls, Math.max(0, job.polls - queuePolls));
    const logs = withLogs
      ? [
          { message: 'Loading model weights', level: 'INFO', source: 'USER', timestamp: new Date().toISOString() },
          ...(this.faults.stepLogs && ran > 0
            ? [{ message: tqdm(Math.floor((ran / (runPolls + 1)) * steps), steps), level: 'INFO', source: 'USER', timestamp: new Date().toISOString() }]
            : []),
        ]
      : null;
    const base = { ...this.urls(job), logs };
    if (job.status === 'IN_QUEUE') return json(202, { status: 'IN_QUEUE', queue_position: 0, ...base });
    if (job.status === 'IN_PROGRESS') return json(202, { status: 'IN_PROGRESS', ...base });
    return json(200, { status: 'COMPLETED', ...base, metrics: { inference_time: 1.2 } });
  }

  private async complete(job: FalJobState): Promise<void> {
    job.status = 'COMPLETED';
    if (job.canceled) {
      job.response = json(400, { detail: 'Request was cancelled' }, { 'x-fal-error-type': 'request_cancelled' });
      return;
    }
    if (job.violations.length > 0) {
      job.response = json(
        422,
        { detail: job.violations.map((v) => ({ loc: ['body', ...v.field.split('.')], msg: v.msg, type: v.type })) },
        { 'x-fal-error-type': 'validation_error' },
      );
      return;
    }
    if (this.faults.failWith) {
      job.response = json(500, { detail: this.faults.failWith }, { 'x-fal-error-type': 'internal_error' });
      return;
    }
    const spec = FAL_ENDPOINTS[job.endpoint]!;
    let [width, height] = [1024, 768];
    const size = job.input.image_size;
    if (typeof size === 'string') [width, height] = FAL_SIZE_PRESETS[size]!;
    else if (size && typeof size === 'object') ({ width, height } = size as { width: number; height: number });
    else if (job.inputImage && job.inputImage.width > 0) ({ width, height } = job.inputImage);
    else if (spec.family === 'sdxl') [width, height] = [1024, 1024];
    const format = ((spec.family === 'sdxl' ? job.input.format : job.input.output_format) as ImageFormat | undefined) ?? 'jpeg';
    const seed = this.faults.forceSeed ?? (job.input.seed as number | undefined) ?? randomSeed();
    const count = (job.input.num_images as number | undefined) ?? 1;
    const images = [];
    for (let i = 0; i < count; i++) {
      const ext = (this.faults.serveFormat ?? format) === 'jpeg' ? 'jpg' : (this.faults.serveFormat ?? format);
      const url = await this.storeOutput(`/files/${job.id}/${i}.${ext}`, width, height, format, seed + i);
      images.push({ url, width, height, content_type: MIME[this.faults.serveFormat ?? format] });
    }
    job.response = json(200, {
      images,
      timings: { inference: 1.1 },
      seed,
      has_nsfw_concepts: images.map(() => !!this.faults.moderate),
      prompt: job.input.prompt,
    });
  }

  private cancel(job: FalJobState): FakeRes {
    this.cancels.push(job.id);
    if (job.status === 'COMPLETED') return json(400, { status: 'ALREADY_COMPLETED' });
    job.canceled = true;
    return json(202, { status: 'CANCELLATION_REQUESTED' });
  }
}

// ---------------------------------------------------------------------------------------------
// Replicate: api.replicate.com/v1
// ---------------------------------------------------------------------------------------------

export const REPLICATE_RATIOS = ['1:1', '16:9', '21:9', '3:2', '2:3', '4:5', '5:4', '3:4', '4:3', '9:16', '9:21'] as const;
/** Output size of Replicate's FLUX models at 1 megapixel, by aspect ratio. */
const REPLICATE_FLUX_SIZES: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '16:9': [1344, 768],
  '21:9': [1536, 640],
  '3:2': [1216, 832],
  '2:3': [832, 1216],
  '4:5': [896, 1088],
  '5:4': [1088, 896],
  '3:4': [896, 1152],
  '4:3': [1152, 896],
  '9:16': [768, 1344],
  '9:21': [640, 1536],
};
const replicateFluxCommon: Schema = {
  prompt: { type: 'string', required: true },
  aspect_ratio: { type: 'enum', values: REPLICATE_RATIOS },
  num_outputs: { type: 'int', min: 1, max: 4 },
  seed: { type: 'int' },
  output_format: { type: 'enum', values: ['webp', 'jpg', 'png'] },
  output_quality: { type: 'int', min: 0, max: 100 },
  disable_safety_checker: { type: 'bool' },
  go_fast: { type: 'bool' },
  megapixels: { type: 'enum', values: ['1', '0.25'] },
};

export const REPLICATE_SDXL_VERSION = '7762fd07cf82c948538e41f63f77d685e02b063e37e496e96eefd46c929f9bdc';

/** Official models (run by name) and versions (run by version id) the fake serves. */
export const REPLICATE_MODELS: Record<string, { schema: Schema; family: 'flux' | 'sdxl'; official: boolean; version: string }> = {
  'black-forest-labs/flux-dev': {
    family: 'flux',
    official: true,
    version: 'flux-dev-latest',
    schema: {
      ...replicateFluxCommon,
      image: { type: 'image' },
      prompt_strength: { type: 'number', min: 0, max: 1 },
      num_inference_steps: { type: 'int', min: 1, max: 50 },
      guidance: { type: 'number', min: 0, max: 10 },
    },
  },
  'black-forest-labs/flux-schnell': {
    family: 'flux',
    official: true,
    version: 'flux-schnell-latest',
    schema: { ...replicateFluxCommon, num_inference_steps: { type: 'int', min: 1, max: 4 } },
  },
  'stability-ai/sdxl': {
    family: 'sdxl',
    official: false,
    version: REPLICATE_SDXL_VERSION,
    schema: {
      prompt: { type: 'string' },
      negative_prompt: { type: 'string' },
      image: { type: 'image' },
      mask: { type: 'image' },
      width: { type: 'int' },
      height: { type: 'int' },
      num_outputs: { type: 'int', min: 1, max: 4 },
      scheduler: { type: 'enum', values: ['DDIM', 'DPMSolverMultistep', 'HeunDiscrete', 'KarrasDPM', 'K_EULER_ANCESTRAL', 'K_EULER', 'PNDM'] },
      num_inference_steps: { type: 'int', min: 1, max: 500 },
      guidance_scale: { type: 'number', min: 1, max: 50 },
      prompt_strength: { type: 'number', min: 0, max: 1 },
      seed: { type: 'int' },
      refine: { type: 'enum', values: ['no_refiner', 'expert_ensemble_refiner', 'base_image_refiner'] },
      high_noise_frac: { type: 'number', min: 0, max: 1 },
      refine_steps: { type: 'int' },
      apply_watermark: { type: 'bool' },
      lora_scale: { type: 'number', min: 0, max: 1 },
      replicate_weights: { type: 'string' },
      disable_safety_checker: { type: 'bool' },
    },
  },
};

export interface ReplicatePrediction {
  id: string;
  model: string;
  version: string;
  input: Record<string, unknown>;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  logs: string;
  output: string[] | null;
  error: string | null;
  polls: number;
  created_at: string;
  inputImage?: { width: number; height: number; format: string };
}

export class ReplicateFake extends HostedFake {
  readonly predictions = new Map<string, ReplicatePrediction>();

  static start(apiKey = 'r8_test_token'): Promise<ReplicateFake> {
    return new ReplicateFake(apiKey).start();
  }

  private problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): FakeRes {
    return { status, body: { title, detail, status, ...extra }, headers: { 'content-type': 'application/problem+json', ...this.retryHeaders(status) } };
  }

  private view(p: ReplicatePrediction): Record<string, unknown> {
    const base = `${this.url}/v1/predictions/${p.id}`;
    return {
      id: p.id,
      model: p.model,
      version: p.version,
      input: p.input,
      logs: p.logs,
      output: p.output,
      data_removed: false,
      error: p.error,
      status: p.status,
      source: 'api',
      created_at: p.created_at,
      started_at: p.status === 'starting' ? null : p.created_at,
      completed_at: ['succeeded', 'failed', 'canceled'].includes(p.status) ? new Date().toISOString() : null,
      urls: { cancel: `${base}/cancel`, get: base, stream: `${this.url}/stream/${p.id}`, web: `https://replicate.com/p/${p.id}` },
      metrics: p.status === 'succeeded' ? { predict_time: 1.5, total_time: 2.1 } : {},
    };
  }

  protected async route(req: FakeReq): Promise<FakeRes> {
    const file = this.serveFile(req, 'authorization');
    if (file) return file;
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${this.apiKey}` && auth !== `Token ${this.apiKey}`) {
      return this.problem(401, 'Unauthenticated', 'You did not pass a valid authentication token');
    }
    if (req.method === 'GET' && req.path === '/v1/account') {
      return json(200, { type: 'user', username: 'imageflow-test', name: 'ImageFlow Test', github_url: null });
    }
    let m = /^\/v1\/models\/([^/]+\/[^/]+)\/predictions$/.exec(req.path);
    if (m && req.method === 'POST') {
      const model = REPLICATE_MODELS[m[1]!];
      if (!model || !model.official) return this.problem(404, 'Not found', 'The requested resource could not be found.');
      return this.create(req, m[1]!, false);
    }
    if (req.path === '/v1/predictions' && req.method === 'POST') return this.create(req, undefined, true);
    m = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(req.path);
    if (m) {
      const p = this.predictions.get(m[1]!);
      if (!p) return this.problem(404, 'Not found', 'The requested resource could not be found.');
      if (m[2] && req.method === 'POST') {
        this.cancels.push(p.id);
        if (!['succeeded', 'failed', 'canceled'].includes(p.status)) p.status = 'canceled';
        return json(200, this.view(p));
      }
      if (!m[2] && req.method === 'GET') return this.poll(p);
      return this.problem(405, 'Method not allowed', 'Method not allowed');
    }
    return this.problem(404, 'Not found', 'The requested resource could not be found.');
  }

  private async create(req: FakeReq, modelName: string | undefined, byVersion: boolean): Promise<FakeRes> {
    const fault = this.takeSubmitError();
    if (fault) return this.problem(fault.status, fault.status === 429 ? 'Request was throttled.' : 'Error', fault.message ?? `fake ${fault.status}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return this.problem(400, 'Bad request', 'Request body is not valid JSON');
    }
    const allowed = new Set(['input', 'webhook', 'webhook_events_filter', 'stream', ...(byVersion ? ['version'] : [])]);
    const extra = Object.keys(body).filter((k) => !allowed.has(k));
    if (extra.length > 0) return this.problem(422, 'Invalid request', `- (root): Additional property ${extra[0]} is not allowed\n`);
    if (byVersion) {
      const version = body.version;
      const found = Object.entries(REPLICATE_MODELS).find(([, m]) => m.version === version);
      if (typeof version !== 'string' || !found) {
        return this.problem(422, 'Invalid version or not permitted', "The specified version does not exist (or perhaps you don't have permission to use it?)");
      }
      modelName = found[0];
    }
    const model = REPLICATE_MODELS[modelName!]!;
    if (typeof body.input !== 'object' || body.input === null) return this.problem(422, 'Input validation failed', '- input: Invalid type. Expected: object\n');
    const input = body.input as Record<string, unknown>;
    const violations = validate(model.schema, input);
    let inputImage: ReplicatePrediction['inputImage'];
    if (violations.length === 0 && typeof input.image === 'string') {
      inputImage = await readInputImage(input.image);
      if (!inputImage) violations.push({ field: 'image', type: 'format', msg: 'Does not match format "uri" (or is not a readable image)' });
    }
    if (violations.length > 0) {
      return this.problem(
        422,
        'Input validation failed',
        violations.map((v) => `- input${v.field ? `.${v.field}` : ''}: ${v.type === 'extra_forbidden' ? `Additional property ${v.field} is not allowed` : v.msg}\n`).join(''),
        { invalid_fields: violations.map((v) => ({ type: v.type, field: `input.${v.field}`, description: v.msg })) },
      );
    }
    this.submissions.push({ path: req.path, body });
    const p: ReplicatePrediction = {
      id: randomUUID().replace(/-/g, '').slice(0, 26),
      model: modelName!,
      version: model.version,
      input,
      status: 'starting',
      logs: '',
      output: null,
      error: null,
      polls: 0,
      created_at: new Date().toISOString(),
      inputImage,
    };
    this.predictions.set(p.id, p);
    return json(201, this.view(p));
  }

  private async poll(p: ReplicatePrediction): Promise<FakeRes> {
    const pollError = this.takePollError();
    if (pollError) return this.problem(pollError, pollError === 429 ? 'Request was throttled.' : 'Internal server error', `fake ${pollError}`);
    p.polls++;
    if (p.status === 'starting' || p.status === 'processing') {
      const queuePolls = this.faults.queuePolls ?? 1;
      const runPolls = this.faults.runPolls ?? 2;
      const seed = this.faults.forceSeed ?? (p.input.seed as number | undefined) ?? randomSeed();
      const steps = (p.input.num_inference_steps as number | undefined) ?? 28;
      if (p.polls > queuePolls) {
        if (p.status === 'starting') {
          p.status = 'processing';
          p.logs = `Using seed: ${seed}\nRunning prediction\n`;
        }
        const ran = p.polls - queuePolls;
        if (this.faults.stepLogs !== false && ran <= runPolls) p.logs += `${tqdm(Math.floor((ran / (runPolls + 1)) * steps), steps)}\r`;
        if (!this.faults.hang && ran > runPolls) await this.finish(p, seed, steps);
      }
    }
    return json(200, this.view(p));
  }

  private async finish(p: ReplicatePrediction, seed: number, steps: number): Promise<void> {
    if (this.faults.failWith) {
      p.status = 'failed';
      p.error = this.faults.failWith;
      p.logs += `Traceback (most recent call last):\n  ...\n${this.faults.failWith}\n`;
      return;
    }
    if (this.faults.moderate) {
      p.status = 'failed';
      p.error = 'All generated images contained NSFW content. Try running it again with a different prompt.';
      return;
    }
    const model = REPLICATE_MODELS[p.model]!;
    let width: number;
    let height: number;
    let format: ImageFormat;
    if (model.family === 'sdxl') {
      [width, height] = p.inputImage ? [p.inputImage.width, p.inputImage.height] : [(p.input.width as number) ?? 1024, (p.input.height as number) ?? 1024];
      format = 'png';
    } else {
      if (p.inputImage) [width, height] = [p.inputImage.width, p.inputImage.height];
      else {
        [width, height] = REPLICATE_FLUX_SIZES[(p.input.aspect_ratio as string) ?? '1:1']!;
        if (p.input.megapixels === '0.25') [width, height] = [Math.round(width / 32) * 16, Math.round(height / 32) * 16];
      }
      const asked = (p.input.output_format as string | undefined) ?? 'webp';
      format = asked === 'jpg' ? 'jpeg' : (asked as ImageFormat);
    }
    const count = (p.input.num_outputs as number | undefined) ?? 1;
    const output: string[] = [];
    for (let i = 0; i < count; i++) {
      const served = this.faults.serveFormat ?? format;
      output.push(await this.storeOutput(`/delivery/${p.id}/out-${i}.${served === 'jpeg' ? 'jpg' : served}`, width, height, format, seed + i));
    }
    p.logs += `${tqdm(steps, steps)}\n`;
    p.status = 'succeeded';
    p.output = output;
  }
}

// ---------------------------------------------------------------------------------------------
// Black Forest Labs: api.bfl.ai/v1
// ---------------------------------------------------------------------------------------------

const bflDelivery: Schema = {
  seed: { type: 'int', nullable: true },
  prompt_upsampling: { type: 'bool' },
  safety_tolerance: { type: 'int', min: 0, max: 6 },
  output_format: { type: 'enum', values: ['jpeg', 'png'] },
  webhook_url: { type: 'string', nullable: true },
  webhook_secret: { type: 'string', nullable: true },
};
const bflSized: Schema = {
  prompt: { type: 'string' },
  image_prompt: { type: 'image', nullable: true },
  width: { type: 'int', min: 256, max: 1440, multipleOf: 32 },
  height: { type: 'int', min: 256, max: 1440, multipleOf: 32 },
  ...bflDelivery,
};

/** The BFL endpoints the fake serves, with their request schemas (from api.bfl.ai/openapi.json). */
export const BFL_ENDPOINTS: Record<string, Schema> = {
  'flux-dev': { ...bflSized, steps: { type: 'int', min: 1, max: 50, nullable: true }, guidance: { type: 'number', min: 1.5, max: 5, nullable: true } },
  'flux-pro-1.1': bflSized,
  'flux-kontext-pro': {
    prompt: { type: 'string', required: true },
    input_image: { type: 'image', nullable: true },
    aspect_ratio: { type: 'string', nullable: true },
    ...bflDelivery,
  },
};

export interface BflTask {
  id: string;
  endpoint: string;
  body: Record<string, unknown>;
  polls: number;
  status: 'Pending' | 'Ready' | 'Error' | 'Request Moderated' | 'Content Moderated';
  result: Record<string, unknown> | null;
  details: unknown;
  inputImage?: { width: number; height: number; format: string };
}

export class BflFake extends HostedFake {
  readonly tasks = new Map<string, BflTask>();
  credits = 42.5;

  static start(apiKey = 'bfl-test-key'): Promise<BflFake> {
    return new BflFake(apiKey).start();
  }

  protected async route(req: FakeReq): Promise<FakeRes> {
    const file = this.serveFile(req, 'x-key');
    if (file) return file;
    const key = req.headers['x-key'];
    if (!key) return json(403, { detail: 'Not authenticated' });
    if (key !== this.apiKey) return json(403, { detail: 'Invalid API key' });
    if (req.method === 'GET' && req.path === '/v1/credits') return json(200, { credits: this.credits });
    // Polling URLs point at a regional host in real life; here, a path of its own.
    if (req.method === 'GET' && (req.path === '/v1/get_result' || req.path === '/region-eu1/v1/get_result')) {
      return this.getResult(req.url.searchParams.get('id'));
    }
    const m = /^\/v1\/([a-z0-9.-]+)$/.exec(req.path);
    if (m && req.method === 'POST') return this.submit(m[1]!, req);
    return json(404, { detail: 'Not Found' });
  }

  private async submit(endpoint: string, req: FakeReq): Promise<FakeRes> {
    const schema = BFL_ENDPOINTS[endpoint];
    if (!schema) return json(404, { detail: 'Not Found' });
    const fault = this.takeSubmitError();
    if (fault) return json(fault.status, { detail: fault.message ?? `fake ${fault.status}` }, this.retryHeaders(fault.status));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(422, { detail: [{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error', input: {} }] });
    }
    const violations = validate(schema, body);
    let inputImage: BflTask['inputImage'];
    const image = body.input_image ?? body.image_prompt;
    if (violations.length === 0 && typeof image === 'string') {
      inputImage = await readInputImage(image);
      if (!inputImage) violations.push({ field: body.input_image ? 'input_image' : 'image_prompt', type: 'value_error', msg: 'Value error, invalid base64 image' });
    }
    if (violations.length > 0) {
      return json(422, { detail: violations.map((v) => ({ type: v.type, loc: ['body', v.field], msg: v.msg, input: body[v.field] })) });
    }
    this.submissions.push({ path: req.path, body });
    const id = randomUUID();
    this.tasks.set(id, { id, endpoint, body, polls: 0, status: 'Pending', result: null, details: null, inputImage });
    return json(200, { id, polling_url: `${this.url}/region-eu1/v1/get_result?id=${id}`, cost: 2.5, input_mp: 0, output_mp: 1.05 });
  }

  private async getResult(id: string | null): Promise<FakeRes> {
    if (!id) return json(422, { detail: [{ type: 'missing', loc: ['query', 'id'], msg: 'Field required', input: null }] });
    const pollError = this.takePollError();
    if (pollError) return json(pollError, { detail: `fake ${pollError}` }, this.retryHeaders(pollError));
    const task = this.tasks.get(id);
    if (!task) return json(200, { id, status: 'Task not found', result: null, progress: null, details: null, preview: null });
    task.polls++;
    const queuePolls = this.faults.queuePolls ?? 1;
    const runPolls = this.faults.runPolls ?? 2;
    let progress: number | null = null;
    if (task.status === 'Pending') {
      const ran = task.polls - queuePolls;
      if (ran > 0) progress = Math.min(0.99, ran / (runPolls + 1));
      if (!this.faults.hang && ran > runPolls) await this.finish(task);
    }
    return json(200, {
      id,
      status: task.status,
      result: task.result,
      progress: task.status === 'Pending' ? progress : null,
      details: task.details,
      preview: null,
    });
  }

  private async finish(task: BflTask): Promise<void> {
    if (this.faults.moderate) {
      task.status = task.inputImage ? 'Request Moderated' : 'Content Moderated';
      task.details = { 'Moderation Reasons': ['Derivative Works Filter'] };
      return;
    }
    if (this.faults.failWith) {
      task.status = 'Error';
      task.details = { error: this.faults.failWith };
      return;
    }
    let width = (task.body.width as number | undefined) ?? 1024;
    let height = (task.body.height as number | undefined) ?? 768;
    if (task.endpoint.startsWith('flux-kontext')) {
      if (task.inputImage) [width, height] = [task.inputImage.width, task.inputImage.height];
      else {
        const [a, b] = String(task.body.aspect_ratio ?? '1:1').split(':').map(Number) as [number, number];
        width = Math.round(Math.sqrt((1024 * 1024 * a) / b) / 16) * 16;
        height = Math.round((width * b) / a / 16) * 16;
      }
    }
    const seed = this.faults.forceSeed ?? (task.body.seed as number | undefined) ?? randomSeed();
    const format = (task.body.output_format as ImageFormat | undefined) ?? 'jpeg';
    const served = this.faults.serveFormat ?? format;
    const sample = await this.storeOutput(`/delivery/${task.id}/sample.${served === 'jpeg' ? 'jpg' : served}`, width, height, format, seed);
    task.status = 'Ready';
    task.result = { sample, prompt: task.body.prompt, seed, start_time: Date.now() / 1000 - 3, end_time: Date.now() / 1000, duration: 3 };
  }
}

// ---------------------------------------------------------------------------------------------
// OpenAI: api.openai.com/v1 images
// ---------------------------------------------------------------------------------------------

const OPENAI_MODELS: Record<string, { sizes: readonly string[]; maxN: number; gptImage: boolean }> = {
  'gpt-image-1': { sizes: ['1024x1024', '1536x1024', '1024x1536', 'auto'], maxN: 10, gptImage: true },
  'dall-e-3': { sizes: ['1024x1024', '1792x1024', '1024x1792'], maxN: 1, gptImage: false },
};

export interface OpenAiCall {
  endpoint: 'generations' | 'edits';
  fields: Record<string, unknown>;
  /** Edits: the images received, decoded. */
  images: Array<{ width: number; height: number; format: string }>;
}

export class OpenAiFake extends HostedFake {
  readonly calls: OpenAiCall[] = [];

  static start(apiKey = 'sk-test-key'): Promise<OpenAiFake> {
    return new OpenAiFake(apiKey).start();
  }

  private error(status: number, message: string, type: string, code: string | null, param: string | null = null): FakeRes {
    return json(status, { error: { message, type, param, code } }, this.retryHeaders(status));
  }

  protected async route(req: FakeReq): Promise<FakeRes> {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) {
      return this.error(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth.", 'invalid_request_error', null);
    }
    if (auth !== `Bearer ${this.apiKey}`) {
      return this.error(401, `Incorrect API key provided: ${auth.slice(7, 10)}****. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key');
    }
    const m = /^\/v1\/models\/(.+)$/.exec(req.path);
    if (m && req.method === 'GET') {
      const id = decodeURIComponent(m[1]!);
      if (!OPENAI_MODELS[id]) return this.error(404, `The model '${id}' does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
      return json(200, { id, object: 'model', created: 1714000000, owned_by: 'system' });
    }
    if (req.method === 'POST' && req.path === '/v1/images/generations') return this.images(req, 'generations');
    if (req.method === 'POST' && req.path === '/v1/images/edits') return this.images(req, 'edits');
    return this.error(404, `Invalid URL (${req.method} ${req.path})`, 'invalid_request_error', null);
  }

  private async images(req: FakeReq, endpoint: 'generations' | 'edits'): Promise<FakeRes> {
    const contentType = String(req.headers['content-type'] ?? '');
    let fields: Record<string, unknown>;
    const images: OpenAiCall['images'] = [];
    if (endpoint === 'generations') {
      if (!contentType.includes('application/json')) return this.error(400, 'Invalid Content-Type header; expected application/json.', 'invalid_request_error', null);
      try {
        fields = JSON.parse(req.raw.toString('utf8')) as Record<string, unknown>;
      } catch {
        return this.error(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
      }
    } else {
      if (!contentType.includes('multipart/form-data')) return this.error(400, 'Invalid Content-Type header; expected multipart/form-data.', 'invalid_request_error', null);
      const form = await new Response(new Uint8Array(req.raw), { headers: { 'content-type': contentType } }).formData();
      fields = {};
      for (const [key, value] of form.entries()) {
        if (typeof value === 'string') {
          // multipart carries text: numbers arrive as strings and are parsed by the API
          fields[key] = /^\d+$/.test(value) && key === 'n' ? Number(value) : value;
        } else {
          fields[key] = 'file';
          if (key === 'image' || key === 'image[]') {
            const bytes = Buffer.from(await value.arrayBuffer());
            try {
              const meta = await sharp(bytes).metadata();
              images.push({ width: meta.width ?? 0, height: meta.height ?? 0, format: meta.format ?? 'unknown' });
            } catch {
              return this.error(400, `Invalid image file or mode for image ${images.length + 1}, please check your image file.`, 'invalid_request_error', 'invalid_image_file', key);
            }
          }
        }
      }
      if (images.length === 0) return this.error(400, "Missing required parameter: 'image'.", 'invalid_request_error', 'missing_required_parameter', 'image');
    }
    const model = OPENAI_MODELS[String(fields.model ?? 'dall-e-2')];
    if (!model) {
      return this.error(400, `Invalid value: '${String(fields.model)}'. Supported values are: ${Object.keys(OPENAI_MODELS).map((k) => `'${k}'`).join(', ')}.`, 'invalid_request_error', 'invalid_value', 'model');
    }
    const allowed = new Set([
      'model',
      'prompt',
      'n',
      'size',
      'quality',
      'background',
      'output_format',
      'output_compression',
      'user',
      ...(endpoint === 'generations' ? ['moderation', 'partial_images', 'stream', 'style', 'response_format'] : ['image', 'image[]', 'mask', 'input_fidelity']),
    ]);
    for (const key of Object.keys(fields)) {
      const gptOnly = ['output_format', 'output_compression', 'background', 'moderation', 'input_fidelity', 'partial_images'];
      const dalleOnly = ['response_format', 'style'];
      if (!allowed.has(key) || (model.gptImage && dalleOnly.includes(key)) || (!model.gptImage && gptOnly.includes(key))) {
        return this.error(400, `Unknown parameter: '${key}'.`, 'invalid_request_error', 'unknown_parameter', key);
      }
    }
    if (typeof fields.prompt !== 'string' || !fields.prompt) return this.error(400, "Missing required parameter: 'prompt'.", 'invalid_request_error', 'missing_required_parameter', 'prompt');
    const n = fields.n ?? 1;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > model.maxN) {
      return this.error(400, `Invalid 'n': integer between 1 and ${model.maxN} expected.`, 'invalid_request_error', 'invalid_value', 'n');
    }
    const size = String(fields.size ?? model.sizes[0]);
    if (!model.sizes.includes(size)) {
      return this.error(400, `Invalid value: '${size}'. Supported values are: ${model.sizes.map((s) => `'${s}'`).join(', ')}.`, 'invalid_request_error', 'invalid_value', 'size');
    }
    if (fields.output_format !== undefined && !['png', 'jpeg', 'webp'].includes(String(fields.output_format))) {
      return this.error(400, `Invalid value: '${String(fields.output_format)}'. Supported values are: 'png', 'jpeg', and 'webp'.`, 'invalid_request_error', 'invalid_value', 'output_format');
    }
    if (!model.gptImage && fields.response_format !== 'b64_json') {
      return this.error(400, 'This fake only answers dall-e requests with response_format b64_json.', 'invalid_request_error', 'invalid_value', 'response_format');
    }
    const fault = this.takeSubmitError();
    if (fault) {
      const type = fault.status === 429 ? 'requests' : fault.status >= 500 ? 'server_error' : 'invalid_request_error';
      return this.error(fault.status, fault.message ?? (fault.status === 429 ? 'Rate limit reached for images per minute.' : 'The server had an error while processing your request.'), type, null);
    }
    this.calls.push({ endpoint, fields, images });
    if (this.faults.delayMs) {
      await Promise.race([new Promise((r) => setTimeout(r, this.faults.delayMs)), req.disconnected]);
    }
    if (this.faults.moderate) {
      return this.error(400, 'Your request was rejected as a result of our safety system. Your request may contain content that is not allowed by our safety system.', 'image_generation_user_error', 'moderation_blocked');
    }
    const [width, height] = size === 'auto' ? [1024, 1024] : (size.split('x').map(Number) as [number, number]);
    const format = (fields.output_format as ImageFormat | undefined) ?? 'png';
    const data = [];
    for (let i = 0; i < n; i++) {
      let bytes = await makeImage(width, height, this.faults.serveFormat ?? format, this.calls.length * 10 + i);
      if (this.faults.truncate) bytes = bytes.subarray(0, Math.floor(bytes.length / 2));
      data.push({ b64_json: bytes.toString('base64') });
    }
    return json(200, {
      created: Math.floor(Date.now() / 1000),
      data,
      ...(model.gptImage
        ? {
            background: 'opaque',
            output_format: format,
            quality: 'medium',
            size,
            usage: { input_tokens: 50, output_tokens: 1056 * n, total_tokens: 50 + 1056 * n, input_tokens_details: { image_tokens: images.length * 323, text_tokens: 50 } },
          }
        : {}),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Test helpers
// ---------------------------------------------------------------------------------------------

/** A provider request with a small recipe; `spec` fields and request fields may be overridden. */
export function hostedRequest(spec: Partial<Spec> = {}, extra: Partial<ProviderRequest> = {}): ProviderRequest {
  return {
    model: 'flux-dev',
    prompt: 'a lighthouse on a cliff at dusk',
    negativePrompt: '',
    spec: { width: 256, height: 256, steps: 20, guidance: 3.5, seed: 1234, sampler: 'euler', strength: 0.6, batch_size: 1, ...spec },
    ...extra,
  };
}

/** An init image for img2img, of a size unlike the recipe's (providers resize it). */
export function initPng(width = 300, height = 200): Promise<Buffer> {
  return makeImage(width, height, 'png', 7);
}

/** Is this PNG data, and of what size? */
export async function pngInfo(png: Buffer): Promise<{ format: string | undefined; width: number | undefined; height: number | undefined }> {
  const meta = await sharp(png).metadata();
  return { format: meta.format, width: meta.width, height: meta.height };
}

/** Waits until `check` is true (polling every few ms), failing after `ms`. */
export async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
