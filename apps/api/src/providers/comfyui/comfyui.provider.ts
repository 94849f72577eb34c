/**
 * The `comfyui` provider: makes SDXL and FLUX images on a ComfyUI server.
 *
 * One run: resolve the model files (configured, or discovered from /object_info), upload the init
 * image for image-to-image (POST /upload/image, using the name the server returns), open the
 * WebSocket /ws?clientId= BEFORE submitting, POST /prompt, follow `progress` / binary previews /
 * `executing {node: null}` for our prompt_id, fall back to polling /history/{id} when the socket
 * is missing or drops, then download every SaveImage output with GET /view and check it is a
 * whole PNG. Aborting reaches ComfyUI (POST /interrupt {prompt_id}, or POST /queue {delete} while
 * still queued). Only GETs are retried; POST /prompt never is.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { MODEL_LABELS, MODEL_NAMES, type ModelName, type Spec } from '@imageflow/shared';
import sharp from 'sharp';
import WebSocket from 'ws';
import { ProviderError } from '../../errors.ts';
import { crc32 } from '../../lib/png-text.ts';
import type {
  Provider,
  ProviderHealth,
  ProviderImage,
  ProviderRequest,
  ProviderRunOptions,
  RemoteHandle,
} from '../../ports/provider.port.ts';
import {
  comboOptions,
  describeExecutionError,
  describeInterrupted,
  describePromptRejection,
  unlistedChoices,
  type ComfyExecutionError,
  type ComfyPromptRejection,
  type DescribeContext,
} from './errors.ts';
import {
  WorkflowError,
  applyWorkflow,
  buildGraph,
  checkWorkflowMode,
  familyOf,
  graphModelName,
  graphSeed,
  parseWorkflow,
  placeholderValues,
  type ApiGraph,
  type ModelFiles,
  type Workflow,
} from './graphs.ts';

// ---------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------

export interface ComfyUiModelConfig {
  /** SDXL (or an all-in-one FLUX fp8 checkpoint): CheckpointLoaderSimple */
  checkpoint?: string;
  /** FLUX split files: UNETLoader / DualCLIPLoader / VAELoader */
  unet?: string;
  clip?: [string, string];
  vae?: string;
  weightDtype?: string;
  /** Path of a user API-format workflow JSON with placeholders; overrides the built-in graph. */
  workflow?: string;
}

export interface ComfyUiOptions {
  /** Backend name from config, e.g. "comfyui" or "gpu-box". */
  name: string;
  /** e.g. http://127.0.0.1:8188 (may have a path prefix; routes are also under /api/). */
  url: string;
  /** Which of our models it serves, and with what files. */
  models: Partial<Record<ModelName, ComfyUiModelConfig>>;
  /** Default: a random uuid. */
  clientId?: string;
  /** For tests; default global fetch. */
  fetch?: typeof fetch;
  /** /history polling when the socket is down (default 1000). */
  pollIntervalMs?: number;
  /** Deadline of one HTTP request other than image downloads (default 30000; downloads get 4×). */
  requestTimeoutMs?: number;
  /** Deadline of the WebSocket handshake before falling back to polling (default 5000). */
  connectTimeoutMs?: number;
}

/** A ComfyUI image. All images of a batch share the KSampler seed: ComfyUI draws the batch's noise from one seed. */
export interface ComfyUiImage extends ProviderImage {
  /** Position in the batch latent (what ComfyUI's batch_index / LatentFromBatch selects). */
  batchIndex: number;
  /** The file name ComfyUI saved it under (output folder). */
  filename: string;
}

/** What onSubmitted hands out and resume() takes back. Plain JSON. */
export interface ComfyUiHandle extends RemoteHandle {
  kind: 'comfyui';
  backend: string;
  url: string;
  prompt_id: string;
  client_id: string;
  number?: number;
  /** SaveImage node ids (empty: every image of the run). */
  output_nodes: string[];
  /** The KSampler node whose progress counts steps (absent for user workflows). */
  sampler_node?: string;
  seed: number;
  backend_model: string;
  workflow?: string;
}

// ---------------------------------------------------------------------------
// PNG checks
// ---------------------------------------------------------------------------

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height of a whole, intact PNG, or why it is not one. */
export function inspectPng(buf: Buffer): { ok: true; width: number; height: number } | { ok: false; reason: string } {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(PNG_SIGNATURE)) {
    const head = buf.subarray(0, 16).toString('latin1').trimStart();
    const what =
      buf.length === 0
        ? 'an empty body'
        : buf[0] === 0xff && buf[1] === 0xd8
          ? 'a JPEG'
          : head.startsWith('<')
            ? 'an HTML/XML page'
            : head.startsWith('{')
              ? 'JSON'
              : `${buf.length} bytes that are not a PNG`;
    return { ok: false, reason: `got ${what} instead of a PNG` };
  }
  let pos = 8;
  let width = 0;
  let height = 0;
  let first = true;
  while (pos + 12 <= buf.length) {
    const length = buf.readUInt32BE(pos);
    const type = buf.toString('latin1', pos + 4, pos + 8);
    const end = pos + 12 + length;
    if (end > buf.length) return { ok: false, reason: `the PNG is truncated (${buf.length} bytes, chunk ${type} runs past the end)` };
    if (buf.readUInt32BE(end - 4) !== crc32(buf.subarray(pos + 4, end - 4))) return { ok: false, reason: `the PNG chunk ${type} is corrupt (bad CRC)` };
    if (first) {
      if (type !== 'IHDR' || length !== 13) return { ok: false, reason: 'the PNG does not start with an IHDR chunk' };
      width = buf.readUInt32BE(pos + 8);
      height = buf.readUInt32BE(pos + 12);
      first = false;
    }
    if (type === 'IEND') {
      if (width === 0 || height === 0) return { ok: false, reason: 'the PNG has no size' };
      return { ok: true, width, height };
    }
    pos = end;
  }
  return { ok: false, reason: `the PNG is truncated (${buf.length} bytes, no IEND chunk)` };
}

// ---------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------

interface SendOptions {
  query?: Record<string, string>;
  json?: unknown;
  form?: FormData;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Extra attempts on connection errors and 5xx answers (only for requests safe to repeat). */
  retries?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function causeOf(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string; errors?: Array<{ message?: string }> } };
  const cause = e?.cause;
  if (cause?.message) return cause.message;
  if (cause?.errors?.[0]?.message) return cause.errors[0].message;
  if (cause?.code) return cause.code;
  return e?.message ?? String(err);
}

function snippet(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

class ComfyHttp {
  constructor(
    /** Base URL without a trailing slash (may carry a path prefix). */
    readonly base: string,
    private readonly fetchFn: typeof fetch,
    private readonly timeoutMs: number,
    private readonly retryDelayMs: number,
  ) {}

  private isRemote(): boolean {
    const host = new URL(this.base).hostname;
    return !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);
  }

  unreachable(err: unknown): ProviderError {
    const hint = this.isRemote()
      ? ' Is it running, and started with --listen so other machines can reach it?'
      : ' Is it running (python main.py)?';
    return new ProviderError(`ComfyUI at ${this.base} is not reachable: ${causeOf(err)}.${hint}`, 'comfyui_unreachable');
  }

  async send(method: string, path: string, o: SendOptions = {}): Promise<Response> {
    const url = new URL(this.base + path);
    for (const [k, v] of Object.entries(o.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = {};
    let body: string | FormData | undefined;
    if (o.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.json);
    } else if (o.form) {
      body = o.form;
    }
    const retries = o.retries ?? 0;
    const timeoutMs = o.timeoutMs ?? this.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const deadline = AbortSignal.timeout(timeoutMs);
      const signal = o.signal ? AbortSignal.any([o.signal, deadline]) : deadline;
      try {
        const res = await this.fetchFn(url, { method, headers, body, signal });
        if (res.status < 500 || attempt >= retries) return res;
        await res.body?.cancel().catch(() => {});
      } catch (err) {
        if (o.signal?.aborted) throw o.signal.reason;
        if (attempt >= retries) {
          throw deadline.aborted
            ? new ProviderError(
                `ComfyUI at ${this.base} did not answer ${method} ${path} within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}. It may be overloaded or stuck; check its console.`,
                'comfyui_timeout',
              )
            : this.unreachable(err);
        }
      }
      await sleep(this.retryDelayMs * (attempt + 1), o.signal);
    }
  }

  /** A non-2xx answer as a ProviderError naming the route and what came back. */
  async failure(res: Response, method: string, path: string): Promise<ProviderError> {
    const text = await res.text().catch(() => '');
    const hint =
      res.status === 404
        ? ' Is this URL a ComfyUI server (and its path prefix right)?'
        : res.status === 401 || res.status === 403
          ? ' A proxy in front of ComfyUI refused the request, or ComfyUI rejected the Origin header.'
          : res.status >= 500
            ? ' Check the ComfyUI console for the error.'
            : '';
    return new ProviderError(
      `ComfyUI at ${this.base} answered HTTP ${res.status} to ${method} ${path}${text ? `: ${snippet(text)}` : ''}.${hint}`,
      'comfyui_http_error',
    );
  }

  async json<T>(res: Response, method: string, path: string): Promise<T> {
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ProviderError(
        `ComfyUI at ${this.base} answered ${method} ${path} with something that is not JSON (${snippet(text) || 'empty'}). Is this URL a ComfyUI server?`,
        'comfyui_http_error',
      );
    }
  }

  async getJson<T>(path: string, o: SendOptions = {}): Promise<T> {
    const res = await this.send('GET', path, { retries: 2, ...o });
    if (!res.ok) throw await this.failure(res, 'GET', path);
    return this.json<T>(res, 'GET', path);
  }
}

// ---------------------------------------------------------------------------
// WebSocket, shared per client id
// ---------------------------------------------------------------------------

interface SocketListener {
  onMessage(type: string, data: Record<string, unknown>): void;
  onPreview(preview: { mime: string; data: Buffer }): void;
  onClose(): void;
}

const BUFFER_LIMIT = 1000;

/**
 * One WebSocket per client id: ComfyUI keeps a single socket per clientId (a second connection
 * with the same id silently replaces the first), so concurrent runs of one provider share it.
 * Messages are routed by prompt_id; messages for a prompt nobody watches yet (it was just
 * submitted) are kept and replayed when it is watched. Binary previews carry no prompt_id: they
 * belong to the prompt that is executing (ComfyUI runs one at a time).
 */
class ComfySocket {
  private ws: WebSocket | undefined;
  private readonly watchers = new Map<string, Set<SocketListener>>();
  private buffered: Array<{ promptId: string; type: string; data: Record<string, unknown> }> = [];
  private current: string | undefined;
  private users = 0;
  alive = false;
  readonly ready: Promise<boolean>;

  constructor(
    url: string,
    private readonly connectTimeoutMs: number,
    private readonly onGone: () => void,
  ) {
    this.ready = new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (ok: boolean) => {
        if (!settled) {
          settled = true;
          resolve(ok);
        }
      };
      let ws: WebSocket;
      try {
        ws = new WebSocket(url, { handshakeTimeout: this.connectTimeoutMs, perMessageDeflate: false });
      } catch {
        this.gone();
        settle(false);
        return;
      }
      this.ws = ws;
      ws.on('open', () => {
        this.alive = true;
        settle(true);
      });
      ws.on('message', (data, isBinary) => this.receive(data as Buffer | ArrayBuffer | Buffer[], isBinary));
      ws.on('error', () => {
        /* 'close' follows */
      });
      ws.on('close', () => {
        settle(false);
        this.gone();
      });
    });
  }

  private gone(): void {
    const wasAlive = this.alive;
    this.alive = false;
    this.ws = undefined;
    this.onGone();
    if (!wasAlive) return;
    for (const set of [...this.watchers.values()]) for (const l of [...set]) l.onClose();
  }

  acquire(): void {
    this.users++;
  }

  release(): void {
    this.users--;
    if (this.users <= 0) this.close();
  }

  close(): void {
    const ws = this.ws;
    this.ws = undefined;
    this.alive = false;
    this.watchers.clear();
    this.buffered = [];
    this.onGone();
    if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) ws.terminate();
  }

  /** Follow one prompt's messages; replays what arrived before. Returns the unsubscribe. */
  watch(promptId: string, listener: SocketListener): () => void {
    let set = this.watchers.get(promptId);
    if (!set) this.watchers.set(promptId, (set = new Set()));
    set.add(listener);
    const replay = this.buffered.filter((m) => m.promptId === promptId);
    this.buffered = this.buffered.filter((m) => m.promptId !== promptId);
    for (const m of replay) listener.onMessage(m.type, m.data);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.watchers.delete(promptId);
    };
  }

  private receive(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
    const buf = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (isBinary) return this.receiveBinary(buf);
    let msg: { type?: unknown; data?: unknown };
    try {
      msg = JSON.parse(buf.toString('utf8'));
    } catch {
      return;
    }
    if (typeof msg.type !== 'string' || !msg.data || typeof msg.data !== 'object') return;
    const data = msg.data as Record<string, unknown>;
    // Servers before 2024 sent `progress` without prompt_id: it is the executing prompt's.
    const promptId = typeof data.prompt_id === 'string' ? data.prompt_id : msg.type === 'progress' ? this.current : undefined;
    if (!promptId) return; // status, and the reconnect `executing` without prompt_id
    if (msg.type === 'execution_start' || msg.type === 'progress' || (msg.type === 'executing' && data.node !== null)) {
      this.current = promptId;
    } else if (msg.type === 'executing' && data.node === null && this.current === promptId) {
      this.current = undefined;
    }
    const set = this.watchers.get(promptId);
    if (set && set.size > 0) {
      for (const l of [...set]) l.onMessage(msg.type, data);
    } else {
      this.buffered.push({ promptId, type: msg.type, data });
      if (this.buffered.length > BUFFER_LIMIT) this.buffered.splice(0, this.buffered.length - BUFFER_LIMIT);
    }
  }

  /** [u32 event][...]: event 1 = [u32 format 1 JPEG | 2 PNG][bytes]; event 4 = [u32 len][metadata JSON][bytes]. */
  private receiveBinary(buf: Buffer): void {
    if (buf.length < 8) return;
    const event = buf.readUInt32BE(0);
    let promptId = this.current;
    let mime: string;
    let data: Buffer;
    if (event === 1) {
      const format = buf.readUInt32BE(4);
      mime = format === 2 ? 'image/png' : 'image/jpeg';
      data = buf.subarray(8);
    } else if (event === 4) {
      const length = buf.readUInt32BE(4);
      if (8 + length > buf.length) return;
      try {
        const meta = JSON.parse(buf.toString('utf8', 8, 8 + length)) as { prompt_id?: string; image_type?: string };
        if (meta.prompt_id) promptId = meta.prompt_id;
        mime = meta.image_type ?? 'image/jpeg';
      } catch {
        return;
      }
      data = buf.subarray(8 + length);
    } else {
      return; // 3 = progress text, others unknown
    }
    if (!promptId || data.length === 0) return;
    for (const l of [...(this.watchers.get(promptId) ?? [])]) l.onPreview({ mime, data: Buffer.from(data) });
  }
}

// ---------------------------------------------------------------------------
// History
// ---------------------------------------------------------------------------

interface HistoryImage {
  filename: string;
  subfolder?: string;
  type?: string;
}

interface HistoryEntry {
  outputs?: Record<string, { images?: HistoryImage[] } | undefined>;
  status?: { status_str?: string; completed?: boolean; messages?: Array<[string, Record<string, unknown>]> };
}

interface QueueState {
  running: string[];
  pending: string[];
}

function queueIds(rows: unknown): string[] {
  return Array.isArray(rows) ? rows.map((r) => (Array.isArray(r) ? r[1] : undefined)).filter((x): x is string => typeof x === 'string') : [];
}

// ---------------------------------------------------------------------------
// The provider
// ---------------------------------------------------------------------------

/** A graph ready to submit, and what is needed to turn its outputs into images. */
interface Plan {
  graph: ApiGraph;
  outputNodes: string[];
  samplerNode?: string;
  seed: number;
  backendModel: string;
  workflow?: string;
}

interface Run {
  promptId: string;
  clientId: string;
  outputNodes: string[];
  samplerNode?: string;
  seed: number;
  backendModel: string;
  ctx: DescribeContext;
}

const DEFAULT_POLL_MS = 1000;
/** While the socket is up, /history is still checked this many poll intervals apart (a missed message must not hang a job). */
const SAFETY_POLL_FACTOR = 15;
/** Consecutive polls that may fail to reach the server before the run fails. */
const MAX_POLL_FAILURES = 5;

type Variant = 'dev' | 'schnell';

export class ComfyUiProvider implements Provider {
  readonly kind = 'comfyui';
  readonly isAi = true;
  readonly name: string;
  private readonly http: ComfyHttp;
  private readonly clientId: string;
  private readonly pollMs: number;
  private readonly connectTimeoutMs: number;
  private readonly sockets = new Map<string, ComfySocket>();
  private readonly discovered = new Map<ModelName, ModelFiles>();

  constructor(private readonly options: ComfyUiOptions) {
    this.name = options.name;
    const base = new URL(options.url);
    base.search = '';
    base.hash = '';
    const url = base.toString().replace(/\/+$/, '');
    this.pollMs = Math.max(1, options.pollIntervalMs ?? DEFAULT_POLL_MS);
    this.http = new ComfyHttp(url, options.fetch ?? fetch, options.requestTimeoutMs ?? 30_000, Math.min(500, this.pollMs));
    this.clientId = options.clientId ?? randomUUID();
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  }

  private get url(): string {
    return this.http.base;
  }

  async health(): Promise<ProviderHealth> {
    try {
      const res = await this.http.send('GET', '/system_stats', { timeoutMs: 5000 });
      if (!res.ok) return { ok: false, message: (await this.http.failure(res, 'GET', '/system_stats')).message };
      const stats = await this.http.json<{ system?: unknown }>(res, 'GET', '/system_stats');
      if (!stats || typeof stats !== 'object' || !('system' in stats)) {
        return { ok: false, message: `${this.url} answered /system_stats, but not like ComfyUI does. Is this URL a ComfyUI server?` };
      }
      return { ok: true };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  async models(): Promise<ModelName[]> {
    return MODEL_NAMES.filter((m) => this.options.models[m] !== undefined);
  }

  async generate(request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ComfyUiImage[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    const plan = await this.plan(request, signal);
    const socket = await this.openSocket(this.clientId);
    let promptId: string | undefined;
    let settled = false;
    try {
      signal?.throwIfAborted();
      // Never retried, and not abortable midway: once sent, the job may be queued, and only its id lets us cancel it.
      const submitted = await this.submit(plan, request.model);
      promptId = submitted.prompt_id;
      const handle: ComfyUiHandle = {
        kind: 'comfyui',
        backend: this.name,
        url: this.url,
        prompt_id: promptId,
        client_id: this.clientId,
        number: submitted.number,
        output_nodes: plan.outputNodes,
        ...(plan.samplerNode ? { sampler_node: plan.samplerNode } : {}),
        seed: plan.seed,
        backend_model: plan.backendModel,
        ...(plan.workflow ? { workflow: plan.workflow } : {}),
      };
      try {
        options.onSubmitted?.(handle);
      } catch (err) {
        // Nobody could follow it again: do not leave it running on the GPU.
        await this.cancelRemote(promptId);
        throw err;
      }
      signal?.throwIfAborted();
      const run = this.runOf(handle, request.model, plan.graph);
      const entry = await this.follow(run, socket, options, false);
      settled = true;
      return await this.download(run, entry, signal);
    } catch (err) {
      if (signal?.aborted) {
        if (promptId && !settled) await this.cancelRemote(promptId);
        throw signal.reason;
      }
      throw err;
    } finally {
      socket?.release();
    }
  }

  async resume(handle: RemoteHandle, request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ComfyUiImage[]> {
    const { signal } = options;
    signal?.throwIfAborted();
    const h = handle as Partial<ComfyUiHandle>;
    if (typeof h.prompt_id !== 'string' || !h.prompt_id) {
      throw new ProviderError(`Cannot follow this job on ComfyUI backend '${this.name}' again: its saved handle has no prompt_id. Submit it again.`, 'comfyui_bad_handle');
    }
    const full: ComfyUiHandle = {
      kind: 'comfyui',
      backend: this.name,
      url: this.url,
      prompt_id: h.prompt_id,
      client_id: typeof h.client_id === 'string' && h.client_id ? h.client_id : this.clientId,
      output_nodes: Array.isArray(h.output_nodes) ? h.output_nodes.map(String) : [],
      ...(typeof h.sampler_node === 'string' ? { sampler_node: h.sampler_node } : {}),
      seed: typeof h.seed === 'number' ? h.seed : request.spec.seed,
      backend_model: typeof h.backend_model === 'string' ? h.backend_model : '',
      ...(typeof h.workflow === 'string' ? { workflow: h.workflow } : {}),
    };
    const run = this.runOf(full, request.model, undefined);
    // Reconnecting with the prompt's client id brings its progress back (ComfyUI routes by client id).
    const socket = await this.openSocket(full.client_id);
    let settled = false;
    try {
      const entry = await this.follow(run, socket, options, true);
      settled = true;
      return await this.download(run, entry, signal);
    } catch (err) {
      if (signal?.aborted) {
        if (!settled) await this.cancelRemote(full.prompt_id);
        throw signal.reason;
      }
      throw err;
    } finally {
      socket?.release();
    }
  }

  // ---- Planning -------------------------------------------------------------

  private runOf(h: ComfyUiHandle, model: ModelName, graph: ApiGraph | undefined): Run {
    return {
      promptId: h.prompt_id,
      clientId: h.client_id,
      outputNodes: h.output_nodes,
      samplerNode: h.sampler_node,
      seed: h.seed,
      backendModel: h.backend_model,
      ctx: { url: this.url, backend: this.name, model, graph, workflow: h.workflow },
    };
  }

  private modelConfig(model: ModelName): ComfyUiModelConfig {
    const cfg = this.options.models[model];
    if (!cfg) {
      throw new ProviderError(
        `ComfyUI backend '${this.name}' is not configured to serve ${MODEL_LABELS[model]} (${model}). Add "${model}" to its models in imageflow.config.json.`,
        'comfyui_model_not_configured',
      );
    }
    return cfg;
  }

  private async plan(request: ProviderRequest, signal: AbortSignal | undefined): Promise<Plan> {
    const cfg = this.modelConfig(request.model);
    const family = familyOf(request.model);
    const spec: Spec = request.spec;
    if (cfg.workflow) {
      const workflow = await this.loadWorkflow(cfg.workflow, request.model);
      try {
        checkWorkflowMode(workflow, request.init !== undefined);
      } catch (err) {
        throw new ProviderError((err as Error).message, 'comfyui_workflow_invalid');
      }
      const initImage = request.init ? await this.uploadInit(request.init.png, spec, signal) : undefined;
      const graph = applyWorkflow(workflow, placeholderValues(family, request.prompt, request.negativePrompt, spec, initImage));
      return {
        graph,
        outputNodes: workflow.outputNodes,
        seed: graphSeed(graph) ?? spec.seed,
        backendModel: graphModelName(graph) ?? `workflow:${cfg.workflow.split(/[\\/]/).pop()}`,
        workflow: cfg.workflow,
      };
    }
    const files = await this.modelFiles(request.model, cfg, signal);
    const initImage = request.init ? await this.uploadInit(request.init.png, spec, signal) : undefined;
    const built = buildGraph({ family, files, prompt: request.prompt, negativePrompt: request.negativePrompt, spec, initImage });
    return { graph: built.graph, outputNodes: built.outputNodes, samplerNode: built.samplerNode, seed: built.seed, backendModel: built.backendModel };
  }

  private async loadWorkflow(file: string, model: ModelName): Promise<Workflow> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      throw new ProviderError(
        `Cannot read the ComfyUI workflow file ${file} (models.${model}.workflow of backend '${this.name}'): ${(err as Error).message}`,
        'comfyui_workflow_invalid',
      );
    }
    try {
      return parseWorkflow(text, file);
    } catch (err) {
      if (err instanceof WorkflowError) throw new ProviderError(err.message, 'comfyui_workflow_invalid');
      throw err;
    }
  }

  /** Options of a combo input, from /object_info/{class} ([] when the server lacks the class). */
  private async comboList(classType: string, input: string, signal?: AbortSignal): Promise<string[]> {
    const info = await this.http.getJson<Record<string, { input?: Record<string, Record<string, unknown> | undefined> }>>(
      `/object_info/${encodeURIComponent(classType)}`,
      { signal },
    );
    const inputs = info?.[classType]?.input;
    const spec = inputs?.required?.[input] ?? inputs?.optional?.[input];
    return comboOptions(spec) ?? [];
  }

  private async modelFiles(model: ModelName, cfg: ComfyUiModelConfig, signal?: AbortSignal): Promise<ModelFiles> {
    const family = familyOf(model);
    if (cfg.checkpoint) return { loader: 'checkpoint', checkpoint: cfg.checkpoint };
    if (cfg.unet) {
      const clip = cfg.clip ?? (await this.discoverClip(model, signal));
      const vae = cfg.vae ?? (await this.discoverVae(model, signal));
      return { loader: 'split', unet: cfg.unet, clip, vae, weightDtype: cfg.weightDtype ?? 'default', clipType: family === 'flux' ? 'flux' : 'sdxl' };
    }
    const known = this.discovered.get(model);
    if (known) return known;
    let files: ModelFiles;
    if (family === 'sdxl') {
      const ckpts = await this.comboList('CheckpointLoaderSimple', 'ckpt_name', signal);
      const pick = pickSdxl(ckpts);
      if (!pick) {
        throw new ProviderError(
          `No SDXL checkpoint configured for backend '${this.name}' and none found on the ComfyUI server at ${this.url}; it has: ${ckpts.join(', ') || 'no checkpoints at all'}. Set models.sdxl.checkpoint in imageflow.config.json${ckpts.length ? ' to one of them' : ''}, or put an SDXL checkpoint in ComfyUI's models/checkpoints folder.`,
          'comfyui_model_missing',
        );
      }
      files = { loader: 'checkpoint', checkpoint: pick };
    } else {
      const variant: Variant = model === 'flux-schnell' ? 'schnell' : 'dev';
      const unets = await this.comboList('UNETLoader', 'unet_name', signal);
      const unet = pickFlux(unets, variant);
      if (unet) {
        const clip = cfg.clip ?? (await this.discoverClip(model, signal));
        const vae = cfg.vae ?? (await this.discoverVae(model, signal));
        files = { loader: 'split', unet, clip, vae, weightDtype: cfg.weightDtype ?? 'default', clipType: 'flux' };
      } else {
        const ckpts = await this.comboList('CheckpointLoaderSimple', 'ckpt_name', signal);
        const ckpt = pickFlux(ckpts, variant);
        if (!ckpt) {
          throw new ProviderError(
            `No ${MODEL_LABELS[model]} model configured for backend '${this.name}' and none found on the ComfyUI server at ${this.url}; its diffusion models: ${unets.join(', ') || 'none'}; its checkpoints: ${ckpts.join(', ') || 'none'}. Set models.${model}.unet (with clip and vae) or models.${model}.checkpoint in imageflow.config.json, or put flux1-${variant} in ComfyUI's models/diffusion_models folder.`,
            'comfyui_model_missing',
          );
        }
        files = { loader: 'checkpoint', checkpoint: ckpt };
      }
    }
    this.discovered.set(model, files);
    return files;
  }

  private async discoverClip(model: ModelName, signal?: AbortSignal): Promise<[string, string]> {
    const names = await this.comboList('DualCLIPLoader', 'clip_name1', signal);
    const lower = (n: string) => n.toLowerCase();
    const t5 =
      names.find((n) => lower(n).includes('t5xxl') && lower(n).includes('fp16')) ??
      names.find((n) => lower(n).includes('t5xxl')) ??
      names.find((n) => /(^|[\\/_-])t5/.test(lower(n)));
    const clipL = names.find((n) => lower(n).includes('clip_l'));
    if (!t5 || !clipL) {
      throw new ProviderError(
        `The FLUX text encoders for ${model} on backend '${this.name}' are not configured and ${!t5 && !clipL ? 'neither t5xxl nor clip_l was' : !t5 ? 'no t5xxl encoder was' : 'no clip_l encoder was'} found on the ComfyUI server at ${this.url}; its text encoders: ${names.join(', ') || 'none'}. Set models.${model}.clip to ["t5xxl_fp16.safetensors", "clip_l.safetensors"] (the names it has) in imageflow.config.json, or put them in ComfyUI's models/text_encoders folder.`,
        'comfyui_model_missing',
      );
    }
    return [t5, clipL];
  }

  private async discoverVae(model: ModelName, signal?: AbortSignal): Promise<string> {
    const names = await this.comboList('VAELoader', 'vae_name', signal);
    const lower = (n: string) => n.toLowerCase();
    const vae =
      names.find((n) => /(^|[\\/])ae\.(safetensors|sft|pt|bin)$/.test(lower(n))) ??
      names.find((n) => lower(n).includes('flux') && /(vae|ae)/.test(lower(n))) ??
      names.find((n) => /(^|[\\/_-])ae[._-]/.test(lower(n)));
    if (!vae) {
      throw new ProviderError(
        `The FLUX VAE for ${model} on backend '${this.name}' is not configured and none was found on the ComfyUI server at ${this.url}; its VAEs: ${names.join(', ') || 'none'}. Set models.${model}.vae (usually "ae.safetensors") in imageflow.config.json, or put ae.safetensors in ComfyUI's models/vae folder.`,
        'comfyui_model_missing',
      );
    }
    return vae;
  }

  /** The init image at the recipe's size, uploaded; returns the name the server gave it (it may rename: "x (1).png"). */
  private async uploadInit(png: Buffer, spec: Spec, signal?: AbortSignal): Promise<string> {
    let resized: Buffer;
    try {
      resized = await sharp(png).rotate().flatten({ background: '#ffffff' }).resize(spec.width, spec.height, { fit: 'cover' }).png().toBuffer();
    } catch (err) {
      throw new ProviderError(`The init image could not be read: ${(err as Error).message}`, 'comfyui_bad_init');
    }
    const name = initUploadName(resized);
    // Same content under the same name is reused by ComfyUI, so repeating the upload is harmless.
    const form = () => {
      const f = new FormData();
      f.append('image', new Blob([new Uint8Array(resized)], { type: 'image/png' }), name);
      f.append('type', 'input');
      f.append('overwrite', 'false');
      return f;
    };
    let res: Response | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        res = await this.http.send('POST', '/upload/image', { form: form(), signal, timeoutMs: (this.options.requestTimeoutMs ?? 30_000) * 2 });
      } catch (err) {
        if (attempt === 2 || signal?.aborted || !(err instanceof ProviderError) || err.code !== 'comfyui_unreachable') throw err;
        await sleep(Math.min(500, this.pollMs) * (attempt + 1), signal);
        continue;
      }
      if (res.status < 500 || attempt === 2) break;
      await res.body?.cancel().catch(() => {});
      await sleep(Math.min(500, this.pollMs) * (attempt + 1), signal);
    }
    if (!res!.ok) throw await this.http.failure(res!, 'POST', '/upload/image');
    const body = await this.http.json<{ name?: unknown; subfolder?: unknown; type?: unknown }>(res!, 'POST', '/upload/image');
    if (typeof body.name !== 'string' || !body.name) {
      throw new ProviderError(`ComfyUI at ${this.url} accepted the init image but did not say what it named it.`, 'comfyui_http_error');
    }
    const subfolder = typeof body.subfolder === 'string' && body.subfolder ? `${body.subfolder}/` : '';
    const annotation = typeof body.type === 'string' && body.type !== 'input' ? ` [${body.type}]` : '';
    return `${subfolder}${body.name}${annotation}`;
  }

  // ---- Submitting ------------------------------------------------------------

  private async submit(plan: Plan, model: ModelName): Promise<{ prompt_id: string; number?: number }> {
    let res: Response;
    try {
      res = await this.http.send('POST', '/prompt', { json: { prompt: plan.graph, client_id: this.clientId }, retries: 0 });
    } catch (err) {
      if (err instanceof ProviderError && err.code === 'comfyui_timeout') {
        throw new ProviderError(`${err.message} The job may still have been queued there; it was not sent again.`, err.code);
      }
      throw err;
    }
    if (res.status === 400) {
      const text = await res.text();
      let body: ComfyPromptRejection;
      try {
        body = JSON.parse(text) as ComfyPromptRejection;
      } catch {
        throw new ProviderError(`ComfyUI at ${this.url} rejected the job: ${snippet(text) || 'HTTP 400'}`, 'comfyui_rejected');
      }
      const lists = new Map<string, string[]>();
      for (const { classType, inputName } of unlistedChoices(body)) {
        const key = `${classType}.${inputName}`;
        if (!lists.has(key)) lists.set(key, await this.comboList(classType, inputName).catch(() => []));
      }
      this.discovered.delete(model);
      const ctx: DescribeContext = {
        url: this.url,
        backend: this.name,
        model,
        graph: plan.graph,
        workflow: plan.workflow,
        choices: (c, i) => lists.get(`${c}.${i}`),
      };
      throw new ProviderError(describePromptRejection(body, ctx), 'comfyui_rejected');
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new ProviderError(
        `ComfyUI at ${this.url} failed to accept the job: HTTP ${res.status}${text ? ` ${snippet(text)}` : ''}. Check the ComfyUI console for the error.`,
        'comfyui_http_error',
      );
    }
    const body = await this.http.json<{ prompt_id?: unknown; number?: unknown }>(res, 'POST', '/prompt');
    if (typeof body.prompt_id !== 'string' || !body.prompt_id) {
      throw new ProviderError(`ComfyUI at ${this.url} answered POST /prompt without a prompt_id. Is this URL a ComfyUI server?`, 'comfyui_http_error');
    }
    return { prompt_id: body.prompt_id, number: typeof body.number === 'number' ? body.number : undefined };
  }

  // ---- Following -------------------------------------------------------------

  private async openSocket(clientId: string): Promise<ComfySocket | undefined> {
    let socket = this.sockets.get(clientId);
    if (!socket) {
      const ws = new URL(`${this.url}/ws`);
      ws.protocol = ws.protocol === 'https:' ? 'wss:' : 'ws:';
      ws.searchParams.set('clientId', clientId);
      const created: ComfySocket = new ComfySocket(ws.toString(), this.connectTimeoutMs, () => {
        if (this.sockets.get(clientId) === created) this.sockets.delete(clientId);
      });
      socket = created;
      this.sockets.set(clientId, socket);
    }
    socket.acquire();
    const ok = await socket.ready;
    if (!ok) {
      socket.release();
      return undefined; // polling /history instead
    }
    return socket;
  }

  /**
   * Resolves with the prompt's /history entry once it finished well; rejects with a ProviderError
   * when it failed, or with the signal's reason on abort. Socket events drive it; /history is
   * polled when the socket is absent or dropped, right after the socket says "done" (the entry
   * is written a moment after execution_success), and now and then as a safety net.
   */
  private follow(run: Run, socket: ComfySocket | undefined, options: ProviderRunOptions, pollFirst: boolean): Promise<HistoryEntry> {
    const { signal, onProgress, onPreview } = options;
    return new Promise<HistoryEntry>((resolve, reject) => {
      let settled = false;
      let socketUp = socket?.alive === true;
      let doneSignalled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let polling = false;
      let misses = 0;
      let failures = 0;
      let unwatch: (() => void) | undefined;

      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        unwatch?.();
        signal?.removeEventListener('abort', onAbort);
        settle();
      };
      const fail = (err: unknown) => finish(() => reject(err));
      const onAbort = () => fail(signal!.reason);

      const delay = () => (doneSignalled ? Math.min(this.pollMs, 50) : socketUp ? this.pollMs * SAFETY_POLL_FACTOR : this.pollMs);
      const schedule = (ms = delay()) => {
        if (settled) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void poll(), ms);
      };

      const outcome = (entry: HistoryEntry): void => {
        const messages = entry.status?.messages ?? [];
        if (entry.status?.status_str === 'error') {
          const error = messages.find(([t]) => t === 'execution_error');
          const interrupted = messages.some(([t]) => t === 'execution_interrupted');
          if (error) fail(new ProviderError(describeExecutionError(error[1] as ComfyExecutionError, run.ctx), 'comfyui_execution_error'));
          else if (interrupted) fail(signal?.aborted ? signal.reason : new ProviderError(describeInterrupted(run.ctx), 'comfyui_interrupted'));
          else fail(new ProviderError(`ComfyUI at ${this.url} reports that prompt ${run.promptId} failed, without saying why. Check the ComfyUI console.`, 'comfyui_execution_error'));
          return;
        }
        finish(() => resolve(entry));
      };

      const poll = async () => {
        if (settled || polling) return;
        polling = true;
        try {
          const history = await this.http.getJson<Record<string, HistoryEntry | undefined>>(`/history/${encodeURIComponent(run.promptId)}`, { signal });
          if (settled) return;
          failures = 0;
          const entry = history?.[run.promptId];
          if (entry && typeof entry === 'object') {
            outcome(entry);
            return;
          }
          const queue = await this.queueState(signal);
          if (settled) return;
          if (queue.running.includes(run.promptId) || queue.pending.includes(run.promptId)) {
            misses = 0;
          } else if (++misses >= 2) {
            fail(
              new ProviderError(
                doneSignalled
                  ? `ComfyUI at ${this.url} reported prompt ${run.promptId} finished, but /history/${run.promptId} has no record of it (its history may have been cleared, or it is limited with --max-history). Submit the job again.`
                  : `ComfyUI at ${this.url} no longer knows prompt ${run.promptId}: it is neither queued nor in its history (ComfyUI was probably restarted, which empties both). Submit the job again.`,
                'comfyui_lost',
              ),
            );
            return;
          }
          schedule(misses > 0 ? Math.min(this.pollMs, 50) : delay());
        } catch (err) {
          if (settled) return;
          if (signal?.aborted) return fail(signal.reason);
          if (++failures >= MAX_POLL_FAILURES || !(err instanceof ProviderError) || (err.code !== 'comfyui_unreachable' && err.code !== 'comfyui_timeout' && err.code !== 'comfyui_http_error')) {
            return fail(err);
          }
          schedule(this.pollMs);
        } finally {
          polling = false;
        }
      };

      // `executing {node: null}` comes after the /history entry is written; execution_success comes
      // just before it, so it only arms a short fallback in case the final `executing` is lost.
      const done = (final: boolean) => {
        if (doneSignalled && !final) return;
        doneSignalled = true;
        schedule(final ? 0 : Math.min(this.pollMs, 100));
      };

      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }

      if (socket && socketUp) {
        unwatch = socket.watch(run.promptId, {
          onMessage: (type, data) => {
            if (settled) return;
            switch (type) {
              case 'progress': {
                if (run.samplerNode && data.node !== undefined && data.node !== null && String(data.node) !== run.samplerNode) return;
                const value = Number(data.value);
                const max = Number(data.max);
                if (Number.isFinite(value) && Number.isFinite(max) && max > 0) onProgress?.({ step: value, total: max });
                return;
              }
              case 'executing':
                if (data.node === null) done(true);
                return;
              case 'execution_success':
                done(false);
                return;
              case 'execution_error':
                fail(new ProviderError(describeExecutionError(data as ComfyExecutionError, run.ctx), 'comfyui_execution_error'));
                return;
              case 'execution_interrupted':
                fail(signal?.aborted ? signal.reason : new ProviderError(describeInterrupted(run.ctx), 'comfyui_interrupted'));
                return;
            }
          },
          onPreview: (preview) => {
            if (!settled) onPreview?.(preview);
          },
          onClose: () => {
            socketUp = false;
            schedule(0);
          },
        });
      }
      schedule(pollFirst || !socketUp ? 0 : delay());
    });
  }

  private async queueState(signal?: AbortSignal): Promise<QueueState> {
    const q = await this.http.getJson<{ queue_running?: unknown; queue_pending?: unknown }>('/queue', { signal });
    return { running: queueIds(q?.queue_running), pending: queueIds(q?.queue_pending) };
  }

  /** Best effort: interrupt it if it runs, take it off the queue if it waits. Never throws. */
  private async cancelRemote(promptId: string): Promise<void> {
    const quick = { timeoutMs: 5000 };
    const state = await this.queueState().catch(() => undefined);
    const interrupt = () => this.http.send('POST', '/interrupt', { ...quick, json: { prompt_id: promptId } }).then((r) => r.body?.cancel()).catch(() => {});
    const dequeue = () => this.http.send('POST', '/queue', { ...quick, json: { delete: [promptId] } }).then((r) => r.body?.cancel()).catch(() => {});
    if (!state) {
      await Promise.all([interrupt(), dequeue()]);
      return;
    }
    if (state.running.includes(promptId)) await interrupt();
    if (state.pending.includes(promptId)) {
      await dequeue();
      // It may have started between the two requests.
      const after = await this.queueState().catch(() => undefined);
      if (!after || after.running.includes(promptId)) await interrupt();
    }
  }

  // ---- Downloading -----------------------------------------------------------

  private async download(run: Run, entry: HistoryEntry, signal?: AbortSignal): Promise<ComfyUiImage[]> {
    const outputs = entry.outputs ?? {};
    const nodes = run.outputNodes.length > 0 ? run.outputNodes : Object.keys(outputs);
    const files = nodes.flatMap((id) => outputs[id]?.images ?? []).filter((img) => img && typeof img.filename === 'string');
    const wanted = run.outputNodes.length > 0 ? files.filter((img) => (img.type ?? 'output') === 'output') : files;
    if (wanted.length === 0) {
      throw new ProviderError(
        `ComfyUI at ${this.url} finished prompt ${run.promptId} without saving any image${run.ctx.workflow ? ` (does the workflow ${run.ctx.workflow} end in a SaveImage node?)` : ''}.`,
        'comfyui_no_output',
      );
    }
    const images: ComfyUiImage[] = [];
    for (const [index, img] of wanted.entries()) {
      signal?.throwIfAborted();
      const query = { filename: img.filename, subfolder: img.subfolder ?? '', type: img.type ?? 'output' };
      const res = await this.http.send('GET', '/view', { query, signal, retries: 2, timeoutMs: (this.options.requestTimeoutMs ?? 30_000) * 4 });
      if (!res.ok) throw await this.http.failure(res, 'GET', `/view?filename=${img.filename}`);
      let png: Buffer;
      try {
        png = Buffer.from(await res.arrayBuffer());
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        throw new ProviderError(`ComfyUI returned a damaged image ${img.filename} for prompt ${run.promptId}: the download broke off (${causeOf(err)}).`, 'comfyui_bad_output');
      }
      const check = inspectPng(png);
      if (!check.ok) {
        throw new ProviderError(
          `ComfyUI returned a damaged image ${img.filename} for prompt ${run.promptId}: ${check.reason}. Check the ComfyUI console and the free disk space of its output folder, then retry.`,
          'comfyui_bad_output',
        );
      }
      images.push({ png, seed: run.seed, width: check.width, height: check.height, backendModel: run.backendModel, batchIndex: index, filename: img.filename });
    }
    return images;
  }
}

/** The upload name of an init image: its content hash, so ComfyUI reuses an identical earlier upload. */
export function initUploadName(png: Buffer): string {
  return `imageflow-init-${createHash('sha256').update(png).digest('hex').slice(0, 16)}.png`;
}

// ---------------------------------------------------------------------------
// Discovery heuristics
// ---------------------------------------------------------------------------

const NOT_SDXL = /refiner|flux|sd3|sd_3|sd3\.5|svd|video|hunyuan|wan2|ltx|cascade|inpaint|v1-5|sd15|sd_15|1\.5|v2-1|sd21|t5xxl|qwen|hidream|lumina|chroma|kolors/;

/** The obvious SDXL checkpoint: "sd_xl_base_1.0" first, then names saying sdxl / xl; not refiners or other families. */
export function pickSdxl(names: string[]): string | undefined {
  let best: { name: string; score: number } | undefined;
  for (const name of names) {
    const n = name.toLowerCase();
    if (NOT_SDXL.test(n)) continue;
    let score = 0;
    if (/sd_?xl_?base/.test(n)) score = 5;
    else if (/sd_?xl|sdxl/.test(n)) score = 3;
    else if (/xl/.test(n) || /pony|illustrious|noobai/.test(n)) score = 2;
    if (score === 0) continue;
    if (/turbo|lightning|hyper|lcm/.test(n)) score -= 1;
    if (!best || score > best.score) best = { name, score };
  }
  return best?.name;
}

const NOT_PLAIN_FLUX = /fill|canny|depth|redux|kontext|lora|controlnet|flux[._-]?2|krea/;

/** The obvious FLUX.1 dev or schnell model file: named flux + the variant, not a tool variant (fill, canny, ...). */
export function pickFlux(names: string[], variant: Variant): string | undefined {
  const candidates = names.filter((name) => {
    const n = name.toLowerCase();
    return n.includes('flux') && n.includes(variant) && !NOT_PLAIN_FLUX.test(n);
  });
  return candidates.find((n) => /flux[._-]?1/i.test(n)) ?? candidates[0];
}
