/**
 * A local fake of AUTOMATIC1111 / Forge's `--api`, for tests: a real HTTP server on 127.0.0.1 that
 * speaks the wire protocol as the real one does (modules/api/api.py, models.py, processing.py at
 * v1.10; Forge adds `distilled_cfg_scale`), strictly:
 *
 * - Request bodies are validated like A1111's pydantic (v1) models: every field is Optional, values
 *   are coerced the pydantic way ("20" → 20, 20.7 → 20, "yes" → true), a value that cannot be
 *   coerced is a 422 with FastAPI's `{"detail": [{"loc": ["body", field], "msg", "type"}]}`, and
 *   unknown top-level fields are IGNORED (the models use pydantic's default `extra = ignore`); the
 *   fake records them in `generations[i].ignoredFields` so tests can see what a server dropped.
 * - A body sent with a non-JSON content type is not parsed (FastAPI), so it fails as "value is not
 *   a valid dict".
 * - Errors from the handlers go through A1111's api_middleware: `{"error", "detail", "body",
 *   "errors"}` with the exception's status (HTTPException → errors "").
 * - An unknown `sampler_name` silently becomes the default sampler (1.9+); in `legacy` mode (before
 *   1.9) it is a 404 "Sampler not found" and there is no `scheduler` field.
 * - An `override_settings.sd_model_checkpoint` that matches no checkpoint alias is silently ignored
 *   and the loaded checkpoint is used. New checkpoint files appear only after refresh-checkpoints.
 * - `init_images` that do not decode are a 500 "Invalid encoded image".
 * - One generation at a time (A1111's queue lock); `/sdapi/v1/progress` reports `state`
 *   (job_count, job_no, sampling_step, sampling_steps, interrupted, ...) and `current_image`;
 *   `/sdapi/v1/interrupt` stops sampling early and the request is still answered, with the
 *   unfinished images.
 * - Images are real PNGs made with sharp (a gradient whose colours come from the seed, blended with
 *   the init image for img2img) carrying an A1111 `parameters` text chunk.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { formatA1111Parameters } from '../../src/lib/a1111-parameters.ts';
import { writePngTextChunks } from '../../src/lib/png-text.ts';

export interface FakeCheckpoint {
  /** File name under models/Stable-diffusion, e.g. "sd_xl_base_1.0.safetensors" or "XL/x.safetensors". */
  name: string;
  /** Short hash (10 hex digits). */
  hash?: string;
  sha256?: string;
}

export interface FakeA1111Options {
  /** --api-auth user:password */
  auth?: { username: string; password: string };
  checkpoints?: FakeCheckpoint[];
  /** Files added to the models folder after start-up: listed only after POST /sdapi/v1/refresh-checkpoints. */
  unlistedCheckpoints?: FakeCheckpoint[];
  /** Title or name of the loaded checkpoint; default the first. */
  loaded?: string;
  /** Forge: accepts distilled_cfg_scale (FLUX). */
  forge?: boolean;
  /** Before 1.9: Karras samplers have names of their own, no scheduler field, unknown sampler → 404. */
  legacy?: boolean;
  /** Replace the sampler list (names); options follow the real list where known. */
  samplers?: string[];
  /** Milliseconds per sampling step (0: as fast as possible). */
  stepMs?: number;
  /**
   * Each sampling step waits for one GET /sdapi/v1/progress, so progress is observed without timing.
   * A generation nobody polls then never finishes: use it only with a progress listener.
   */
  lockstep?: boolean;
  /** A live preview every N steps (A1111's show_progress_every_n_steps, default 10). */
  previewEvery?: number;
  /** A1111's samples_format: how images (and previews) are encoded. */
  samplesFormat?: 'png' | 'jpeg' | 'webp';
  /** Put a grid first when a batch has more than one image (index_of_first_image 1). */
  returnGrid?: boolean;
  /** Images appended after the batch (as ControlNet appends its detected maps). */
  extraImages?: number;
}

export interface FakeFaults {
  /** 500 from the generation, A1111 style. Default: CUDA out of memory. */
  error500?: boolean | { error: string; errors: string };
  /** A FastAPI validation error for this field. */
  validation422?: { field: string; msg: string; type: string };
  /** 200 with a body that is not JSON. */
  malformedJson?: boolean;
  /** The first image is cut in half. */
  truncatedImage?: boolean;
  /** No `images` key in the answer. */
  missingImages?: boolean;
  /** `info` sent as an object, or as a string that is not JSON. */
  info?: 'object' | 'garbage';
  /** Seeds reported in info.all_seeds (and used to draw) instead of seed, seed + 1, ... */
  infoSeeds?: number[];
  /** Close the connection of the generation request after its first step. */
  dropConnection?: boolean;
  /** Started without --api: every /sdapi route is FastAPI's 404. */
  noApi?: boolean;
}

export interface FakeGeneration {
  kind: 'txt2img' | 'img2img';
  /** The JSON body as sent. */
  body: Record<string, unknown>;
  /** The body after validation (known fields only, coerced, defaults filled). */
  params: Record<string, unknown>;
  /** Top-level fields the server ignored (not part of its request model). */
  ignoredFields: string[];
  /** Title of the checkpoint that made the images. */
  checkpoint: string;
  sampler: string;
  scheduler: string | null;
  seeds: number[];
  interrupted: boolean;
  stepsDone: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: string;
}

type FieldType = 'str' | 'int' | 'float' | 'bool' | 'list' | 'list[str]' | 'dict';

// Fields of StableDiffusionProcessing (+Txt2Img / +Img2Img) that the API model exposes, and the
// extra API fields (models.py). Default values are those the real models echo in `parameters`.
const COMMON_FIELDS: Record<string, [FieldType, unknown]> = {
  prompt: ['str', ''],
  negative_prompt: ['str', ''],
  styles: ['list[str]', null],
  seed: ['int', -1],
  subseed: ['int', -1],
  subseed_strength: ['float', 0],
  seed_resize_from_h: ['int', -1],
  seed_resize_from_w: ['int', -1],
  seed_enable_extras: ['bool', true],
  sampler_name: ['str', null],
  scheduler: ['str', null],
  batch_size: ['int', 1],
  n_iter: ['int', 1],
  steps: ['int', 50],
  cfg_scale: ['float', 7.0],
  width: ['int', 512],
  height: ['int', 512],
  restore_faces: ['bool', null],
  tiling: ['bool', null],
  do_not_save_samples: ['bool', false],
  do_not_save_grid: ['bool', false],
  eta: ['float', null],
  denoising_strength: ['float', 0.75],
  s_min_uncond: ['float', null],
  s_churn: ['float', null],
  s_tmax: ['float', null],
  s_tmin: ['float', null],
  s_noise: ['float', null],
  override_settings: ['dict', null],
  override_settings_restore_afterwards: ['bool', true],
  refiner_checkpoint: ['str', null],
  refiner_switch_at: ['float', null],
  disable_extra_networks: ['bool', false],
  firstpass_image: ['str', null],
  comments: ['dict', null],
  sampler_index: ['str', 'Euler'],
  script_name: ['str', null],
  script_args: ['list', []],
  send_images: ['bool', true],
  save_images: ['bool', false],
  alwayson_scripts: ['dict', {}],
  force_task_id: ['str', null],
  infotext: ['str', null],
};
const TXT2IMG_FIELDS: Record<string, [FieldType, unknown]> = {
  enable_hr: ['bool', false],
  firstphase_width: ['int', 0],
  firstphase_height: ['int', 0],
  hr_scale: ['float', 2.0],
  hr_upscaler: ['str', null],
  hr_second_pass_steps: ['int', 0],
  hr_resize_x: ['int', 0],
  hr_resize_y: ['int', 0],
  hr_checkpoint_name: ['str', null],
  hr_sampler_name: ['str', null],
  hr_scheduler: ['str', null],
  hr_prompt: ['str', ''],
  hr_negative_prompt: ['str', ''],
};
const IMG2IMG_FIELDS: Record<string, [FieldType, unknown]> = {
  init_images: ['list', null],
  resize_mode: ['int', 0],
  image_cfg_scale: ['float', null],
  mask: ['str', null],
  mask_blur_x: ['int', 4],
  mask_blur_y: ['int', 4],
  mask_blur: ['int', null],
  mask_round: ['bool', true],
  inpainting_fill: ['int', 0],
  inpaint_full_res: ['bool', true],
  inpaint_full_res_padding: ['int', 0],
  inpainting_mask_invert: ['int', 0],
  initial_noise_multiplier: ['float', null],
  latent_mask: ['str', null],
  include_init_images: ['bool', false],
};
const FORGE_FIELDS: Record<string, [FieldType, unknown]> = { distilled_cfg_scale: ['float', 3.5] };
const FORGE_TXT2IMG_FIELDS: Record<string, [FieldType, unknown]> = { hr_distilled_cfg: ['float', 3.5] };

interface SamplerData {
  name: string;
  aliases: string[];
  options: Record<string, string>;
}

/** A1111 1.10's samplers, in its order (the first is the default); `options.scheduler` is the "Automatic" one. */
const MODERN_SAMPLERS: SamplerData[] = [
  { name: 'DPM++ 2M', aliases: ['k_dpmpp_2m'], options: { scheduler: 'karras' } },
  { name: 'DPM++ SDE', aliases: ['k_dpmpp_sde'], options: { scheduler: 'karras', second_order: 'True', brownian_noise: 'True' } },
  { name: 'DPM++ 2M SDE', aliases: ['k_dpmpp_2m_sde'], options: { scheduler: 'exponential', brownian_noise: 'True' } },
  { name: 'DPM++ 2M SDE Heun', aliases: ['k_dpmpp_2m_sde_heun'], options: { scheduler: 'exponential', brownian_noise: 'True', solver_type: 'heun' } },
  { name: 'DPM++ 2S a', aliases: ['k_dpmpp_2s_a'], options: { scheduler: 'karras', uses_ensd: 'True', second_order: 'True' } },
  { name: 'DPM++ 3M SDE', aliases: ['k_dpmpp_3m_sde'], options: { scheduler: 'exponential', discard_next_to_last_sigma: 'True', brownian_noise: 'True' } },
  { name: 'Euler a', aliases: ['k_euler_a', 'k_euler_ancestral'], options: { uses_ensd: 'True' } },
  { name: 'Euler', aliases: ['k_euler'], options: {} },
  { name: 'LMS', aliases: ['k_lms'], options: {} },
  { name: 'Heun', aliases: ['k_heun'], options: { second_order: 'True' } },
  { name: 'DPM2', aliases: ['k_dpm_2'], options: { discard_next_to_last_sigma: 'True', second_order: 'True' } },
  { name: 'DPM2 a', aliases: ['k_dpm_2_a'], options: { discard_next_to_last_sigma: 'True', uses_ensd: 'True', second_order: 'True' } },
  { name: 'DPM fast', aliases: ['k_dpm_fast'], options: { uses_ensd: 'True' } },
  { name: 'DPM adaptive', aliases: ['k_dpm_ad'], options: { uses_ensd: 'True' } },
  { name: 'Restart', aliases: ['restart'], options: { second_order: 'True' } },
  { name: 'DDIM', aliases: ['ddim'], options: {} },
  { name: 'DDIM CFG++', aliases: ['ddim_cfgpp'], options: {} },
  { name: 'PLMS', aliases: ['plms'], options: {} },
  { name: 'UniPC', aliases: ['unipc'], options: {} },
  { name: 'LCM', aliases: ['k_lcm'], options: {} },
];

/** Before 1.9 (e.g. 1.6): Karras variants are samplers of their own; the first is "Euler a". */
const LEGACY_SAMPLERS: SamplerData[] = [
  'Euler a', 'Euler', 'LMS', 'Heun', 'DPM2', 'DPM2 a', 'DPM++ 2S a', 'DPM++ 2M', 'DPM++ SDE', 'DPM++ 2M SDE',
  'DPM fast', 'DPM adaptive', 'LMS Karras', 'DPM2 Karras', 'DPM2 a Karras', 'DPM++ 2S a Karras', 'DPM++ 2M Karras',
  'DPM++ SDE Karras', 'DPM++ 2M SDE Karras', 'DDIM', 'PLMS', 'UniPC',
].map((name): SamplerData => ({ name, aliases: [], options: name.endsWith(' Karras') ? { scheduler: 'karras' } : {} }));

interface SchedulerData {
  name: string;
  label: string;
  aliases?: string[];
}

const SCHEDULERS: SchedulerData[] = [
  { name: 'automatic', label: 'Automatic' },
  { name: 'uniform', label: 'Uniform' },
  { name: 'karras', label: 'Karras' },
  { name: 'exponential', label: 'Exponential' },
  { name: 'polyexponential', label: 'Polyexponential' },
  { name: 'sgm_uniform', label: 'SGM Uniform', aliases: ['SGMUniform'] },
  { name: 'kl_optimal', label: 'KL Optimal' },
  { name: 'align_your_steps', label: 'Align Your Steps' },
  { name: 'simple', label: 'Simple' },
  { name: 'normal', label: 'Normal' },
  { name: 'ddim', label: 'DDIM' },
  { name: 'beta', label: 'Beta' },
];

const DEFAULT_CHECKPOINTS: FakeCheckpoint[] = [
  { name: 'sd_xl_base_1.0.safetensors', hash: '31e35c80fc', sha256: '31e35c80fc4829d14f90153f4c74cd59c90b779f6afe05a74cd6120b893f7e5b' },
  { name: 'flux1-dev-bnb-nf4-v2.safetensors', hash: 'f0770152fb', sha256: 'f0770152fb8b0e8b0d1a0c1c9e0b5d4a3c2b1a09f8e7d6c5b4a3928170605040' },
];

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

/** What A1111's api_middleware answers for an exception. */
function a1111Error(status: number, type: string, detail: string, errors = ''): HttpError {
  return new HttpError(status, { error: type, detail, body: '', errors });
}

/** The first colour of the fake's gradient for a seed (the image's top-left pixel). */
export function fakeSeedColor(seed: number): [number, number, number] {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ (seed >>> 13)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return [h & 0xff, (h >>> 8) & 0xff, (h >>> 16) & 0xff];
}

export class FakeA1111Server {
  readonly requests: FakeRequest[] = [];
  readonly generations: FakeGeneration[] = [];
  faults: FakeFaults = {};
  interrupts = 0;
  progressPolls = 0;
  refreshes = 0;

  private readonly server: http.Server;
  private readonly opts: FakeA1111Options;
  private checkpoints: FakeCheckpoint[];
  private loaded: FakeCheckpoint;
  private readonly samplers: SamplerData[];
  private port = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly state = {
    skipped: false,
    interrupted: false,
    stopping_generation: false,
    job: '',
    job_count: 0,
    job_timestamp: '0',
    job_no: 0,
    sampling_step: 0,
    sampling_steps: 0,
  };
  private currentImage: Buffer | null = null;
  private timeStart = 0;
  private pollCredits = 0;
  private wake: (() => void) | undefined;

  private constructor(options: FakeA1111Options) {
    this.opts = options;
    this.checkpoints = [...(options.checkpoints ?? DEFAULT_CHECKPOINTS)];
    const loaded = options.loaded ? this.findCheckpoint(options.loaded) : this.checkpoints[0];
    if (!loaded) throw new Error('the fake A1111 needs at least one checkpoint');
    this.loaded = loaded;
    const base = options.legacy ? LEGACY_SAMPLERS : MODERN_SAMPLERS;
    this.samplers = options.samplers
      ? options.samplers.map((name) => base.find((s) => s.name === name) ?? { name, aliases: [], options: {} })
      : base;
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  static async start(options: FakeA1111Options = {}): Promise<FakeA1111Server> {
    const fake = new FakeA1111Server(options);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The title of the loaded checkpoint. */
  get loadedCheckpoint(): string {
    return checkpointTitle(this.loaded);
  }

  /** Requests to one path (without the query). */
  calls(path: string, method?: string): FakeRequest[] {
    return this.requests.filter((r) => r.path === path && (!method || r.method === method));
  }

  async stop(): Promise<void> {
    this.state.interrupted = true;
    this.wake?.();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // -------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.search });
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch {
      return;
    }
    try {
      const answer = await this.route(method, url, req, raw, res);
      if (answer === undefined) return; // answered (or dropped) already
      send(res, 200, answer);
    } catch (err) {
      if (err instanceof HttpError) send(res, err.status, err.body);
      else send(res, 500, { error: err instanceof Error ? err.name : 'Exception', detail: '', body: '', errors: String(err) });
    }
  }

  private async route(
    method: string,
    url: URL,
    req: http.IncomingMessage,
    raw: Buffer,
    res: http.ServerResponse,
  ): Promise<unknown> {
    const path = url.pathname;
    const routes: Record<string, string[]> = {
      '/sdapi/v1/txt2img': ['POST'],
      '/sdapi/v1/img2img': ['POST'],
      '/sdapi/v1/progress': ['GET'],
      '/sdapi/v1/interrupt': ['POST'],
      '/sdapi/v1/skip': ['POST'],
      '/sdapi/v1/options': ['GET', 'POST'],
      '/sdapi/v1/samplers': ['GET'],
      '/sdapi/v1/sd-models': ['GET'],
      '/sdapi/v1/refresh-checkpoints': ['POST'],
      ...(this.opts.legacy ? {} : { '/sdapi/v1/schedulers': ['GET'] }),
    };
    const allowed = routes[path];
    if (!allowed || this.faults.noApi) throw new HttpError(404, { detail: 'Not Found' });
    if (!allowed.includes(method)) throw new HttpError(405, { detail: 'Method Not Allowed' });
    this.checkAuth(req);

    switch (path) {
      case '/sdapi/v1/txt2img':
      case '/sdapi/v1/img2img':
        return this.generate(path === '/sdapi/v1/txt2img' ? 'txt2img' : 'img2img', req, raw, res);
      case '/sdapi/v1/progress':
        return this.progress(url.searchParams.get('skip_current_image'));
      case '/sdapi/v1/interrupt':
        this.interrupts++;
        this.state.interrupted = true;
        this.wake?.();
        return {};
      case '/sdapi/v1/skip':
        this.state.skipped = true;
        this.wake?.();
        return null;
      case '/sdapi/v1/options':
        if (method === 'POST') return null;
        return {
          sd_model_checkpoint: checkpointTitle(this.loaded),
          samples_format: this.opts.samplesFormat ?? 'png',
          show_progress_every_n_steps: this.opts.previewEvery ?? 10,
          live_previews_enable: true,
          return_grid: true,
          ...(this.opts.forge ? { forge_preset: 'flux', forge_additional_modules: [] } : {}),
        };
      case '/sdapi/v1/samplers':
        return this.samplers.map((s) => ({ name: s.name, aliases: s.aliases, options: s.options }));
      case '/sdapi/v1/schedulers':
        return SCHEDULERS.map((s) => ({
          name: s.name,
          label: s.label,
          aliases: s.aliases ?? null,
          default_rho: s.name === 'karras' ? 7 : -1,
          need_inner_model: ['uniform', 'sgm_uniform', 'simple', 'normal', 'ddim', 'beta'].includes(s.name),
        }));
      case '/sdapi/v1/sd-models':
        return this.checkpoints.map((c) => ({
          title: checkpointTitle(c),
          model_name: c.name.replace(/\.[^.]*$/, '').replace(/[\\/]/g, '_'),
          hash: c.hash ?? null,
          sha256: c.sha256 ?? null,
          filename: `/webui/models/Stable-diffusion/${c.name}`,
          config: null,
        }));
      case '/sdapi/v1/refresh-checkpoints':
        this.refreshes++;
        for (const c of this.opts.unlistedCheckpoints ?? []) if (!this.checkpoints.includes(c)) this.checkpoints.push(c);
        return null;
    }
    throw new HttpError(404, { detail: 'Not Found' });
  }

  private checkAuth(req: http.IncomingMessage): void {
    const auth = this.opts.auth;
    if (!auth) return;
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (!m) throw a1111Error(401, 'HTTPException', 'Not authenticated');
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw a1111Error(401, 'HTTPException', 'Invalid authentication credentials');
    if (decoded.slice(0, colon) !== auth.username || decoded.slice(colon + 1) !== auth.password) {
      throw a1111Error(401, 'HTTPException', 'Incorrect username or password');
    }
  }

  private progress(skipParam: string | null): unknown {
    this.progressPolls++;
    const skip = skipParam !== null && ['1', 'true', 'on', 't', 'yes', 'y'].includes(skipParam.toLowerCase());
    const s = this.state;
    let body: Record<string, unknown>;
    if (s.job_count === 0) {
      body = { progress: 0, eta_relative: 0, state: { ...s }, current_image: null, textinfo: null, current_task: null };
    } else {
      let progress = 0.01;
      if (s.job_count > 0) progress += s.job_no / s.job_count;
      if (s.sampling_steps > 0 && s.job_count > 0) progress += ((1 / s.job_count) * s.sampling_step) / s.sampling_steps;
      const elapsed = (Date.now() - this.timeStart) / 1000;
      body = {
        progress: Math.min(progress, 1),
        eta_relative: elapsed / progress - elapsed,
        state: { ...s },
        current_image: this.currentImage && !skip ? this.currentImage.toString('base64') : null,
        textinfo: null,
        // A1111 imports current_task by value (`from modules.progress import current_task`): always null.
        current_task: null,
      };
    }
    this.pollCredits++;
    if (this.opts.lockstep) this.wake?.();
    return body;
  }

  // -------------------------------------------------------------------------
  // Generation
  // -------------------------------------------------------------------------

  private fieldsFor(kind: 'txt2img' | 'img2img'): Record<string, [FieldType, unknown]> {
    const fields: Record<string, [FieldType, unknown]> = {
      ...COMMON_FIELDS,
      ...(kind === 'txt2img' ? TXT2IMG_FIELDS : IMG2IMG_FIELDS),
      ...(this.opts.forge ? FORGE_FIELDS : {}),
      ...(this.opts.forge && kind === 'txt2img' ? FORGE_TXT2IMG_FIELDS : {}),
    };
    if (this.opts.legacy) {
      delete fields.scheduler;
      delete fields.hr_scheduler;
    }
    return fields;
  }

  private async generate(
    kind: 'txt2img' | 'img2img',
    req: http.IncomingMessage,
    raw: Buffer,
    res: http.ServerResponse,
  ): Promise<unknown> {
    const body = parseJsonBody(req, raw);
    const fields = this.fieldsFor(kind);
    const { params, errors } = validate(body, fields);
    if (errors.length > 0) throw new HttpError(422, { detail: errors });
    const fault422 = this.faults.validation422;
    if (fault422) throw new HttpError(422, { detail: [{ loc: ['body', fault422.field], msg: fault422.msg, type: fault422.type }] });
    const ignoredFields = Object.keys(body).filter((k) => !(k in fields));

    const { sampler, scheduler } = this.resolveSampler(params);
    if (kind === 'img2img' && params.init_images === null) throw a1111Error(404, 'HTTPException', 'Init image not found');

    // A1111's queue lock: one generation at a time, in order.
    const turn = this.queue.then(() =>
      this.runJob(kind, body, params, ignoredFields, sampler, scheduler, res),
    );
    this.queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /** Mirrors sd_samplers.get_sampler_and_scheduler (1.9+) and validate_sampler_name (before). */
  private resolveSampler(params: Record<string, unknown>): { sampler: string; scheduler: string | null } {
    const requested = (params.sampler_name as string | null) || (params.sampler_index as string | null);
    const map = new Map(this.samplers.map((s) => [s.name, s]));
    if (this.opts.legacy) {
      const found = requested ? map.get(requested) : this.samplers[0];
      if (!found) throw a1111Error(404, 'HTTPException', 'Sampler not found');
      return { sampler: found.name, scheduler: null };
    }
    const byName = new Map<string, SchedulerData>();
    for (const s of SCHEDULERS) {
      byName.set(s.name, s);
      byName.set(s.label, s);
    }
    const automatic = SCHEDULERS[0]!;
    const requestedScheduler = params.scheduler as string | null;
    let found = (requestedScheduler && byName.get(requestedScheduler)) || automatic;
    let name = requested || this.samplers[0]!.name;
    for (const s of SCHEDULERS) {
      for (const option of [s.label, s.name, ...(s.aliases ?? [])]) {
        if (name.endsWith(` ${option}`)) {
          found = s;
          name = name.slice(0, -(option.length + 1));
          break;
        }
      }
    }
    const sampler = map.get(name) ?? this.samplers[0]!;
    if (sampler.options.scheduler === found.name) found = automatic;
    // api.py: `if not populate.scheduler and scheduler != "Automatic": populate.scheduler = scheduler`
    const used = requestedScheduler ? requestedScheduler : found.label !== 'Automatic' ? found.label : null;
    return { sampler: sampler.name, scheduler: used };
  }

  private async runJob(
    kind: 'txt2img' | 'img2img',
    body: Record<string, unknown>,
    params: Record<string, unknown>,
    ignoredFields: string[],
    sampler: string,
    scheduler: string | null,
    res: http.ServerResponse,
  ): Promise<unknown> {
    const width = Math.max(8, Math.floor(num(params.width, 512) / 8) * 8);
    const height = Math.max(8, Math.floor(num(params.height, 512) / 8) * 8);
    const batchSize = Math.max(1, num(params.batch_size, 1));
    const nIter = Math.max(1, num(params.n_iter, 1));
    const steps = Math.max(1, num(params.steps, 50));
    const strength = kind === 'img2img' ? num(params.denoising_strength, 0.75) : 1;

    // p.init_images = [decode_base64_to_image(x) for x in init_images] (inside the lock, before processing)
    let init: Buffer | undefined;
    if (kind === 'img2img') {
      const images = params.init_images as unknown[];
      const decoded: Buffer[] = [];
      for (const item of images) {
        const raw = decodeImageString(item);
        try {
          if (!raw) throw new Error('not base64');
          decoded.push(await sharp(raw).flatten({ background: '#ffffff' }).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer());
        } catch {
          throw a1111Error(500, 'HTTPException', 'Invalid encoded image');
        }
      }
      init = decoded[0];
    }

    // process_images: an override naming no known checkpoint is dropped, the loaded one is used.
    const before = this.loaded;
    const override = (params.override_settings as Record<string, unknown> | null)?.sd_model_checkpoint;
    const wanted = typeof override === 'string' ? this.findCheckpoint(override) : undefined;
    if (wanted) this.loaded = wanted;
    const checkpoint = this.loaded;

    const s = this.state;
    const previewEvery = Math.max(1, this.opts.previewEvery ?? 10);
    const record: FakeGeneration = {
      kind,
      body,
      params,
      ignoredFields,
      checkpoint: checkpointTitle(checkpoint),
      sampler,
      scheduler,
      seeds: [],
      interrupted: false,
      stepsDone: 0,
    };
    this.generations.push(record);

    // state.begin()
    Object.assign(s, { sampling_step: 0, job_count: -1, job_no: 0, skipped: false, interrupted: false, job: `scripts_${kind}` });
    s.job_timestamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    this.timeStart = Date.now();
    this.currentImage = null;
    this.pollCredits = 0;
    try {
      const seed = num(params.seed, -1) === -1 ? Math.floor(Math.random() * 4294967294) : num(params.seed, 0);
      const variation = num(params.subseed_strength, 0) !== 0;
      const count = batchSize * nIter;
      const seeds = this.faults.infoSeeds ?? Array.from({ length: count }, (_, i) => seed + (variation ? 0 : i));
      record.seeds = seeds;
      s.job_count = nIter;

      // img2img samples int(min(strength, 0.999) * steps) + 1 steps
      const samplingSteps = kind === 'img2img' ? Math.floor(Math.min(strength, 0.999) * steps) + 1 : steps;
      const images: Buffer[] = [];
      for (let n = 0; n < nIter; n++) {
        if (s.interrupted) break;
        s.job_no = n;
        s.sampling_steps = samplingSteps;
        s.sampling_step = 0;
        for (let step = 0; step < samplingSteps; step++) {
          if (s.interrupted || s.skipped) break;
          await this.waitStep();
          if (s.interrupted || s.skipped) break;
          s.sampling_step = step + 1;
          record.stepsDone++;
          if (this.faults.error500 && record.stepsDone >= 1) {
            const e = this.faults.error500 === true
              ? { error: 'OutOfMemoryError', errors: 'CUDA out of memory. Tried to allocate 2.50 GiB. GPU 0 has a total capacity of 8.00 GiB of which 1.12 GiB is free.' }
              : this.faults.error500;
            throw a1111Error(500, e.error, '', e.errors);
          }
          if (this.faults.dropConnection) {
            res.socket?.destroy();
            return undefined;
          }
          if ((step + 1) % previewEvery === 0) {
            const t = (step + 1) / samplingSteps;
            this.currentImage = await this.encode(
              renderRaw(Math.max(8, width >> 2), Math.max(8, height >> 2), seeds[n * batchSize] ?? seed, undefined, 0, t),
              Math.max(8, width >> 2),
              Math.max(8, height >> 2),
            );
          }
        }
        const progressT = s.sampling_steps > 0 ? s.sampling_step / s.sampling_steps : 1;
        for (let b = 0; b < batchSize; b++) {
          const imageSeed = seeds[n * batchSize + b] ?? seed;
          const raw = renderRaw(width, height, imageSeed, init, strength, progressT);
          images.push(await this.encodeWithInfo(raw, width, height, this.infotext(kind, params, sampler, scheduler, imageSeed, checkpoint)));
        }
      }
      record.interrupted = s.interrupted;

      const infotexts = seeds.slice(0, images.length).map((sd) => this.infotext(kind, params, sampler, scheduler, sd, checkpoint));
      let indexOfFirstImage = 0;
      if (this.opts.returnGrid && images.length > 1) {
        const cols = Math.ceil(Math.sqrt(images.length));
        const rows = Math.ceil(images.length / cols);
        const gw = width * cols;
        const gh = height * rows;
        const gridText = this.infotext(kind, params, sampler, scheduler, seeds[0] ?? seed, checkpoint);
        images.unshift(await this.encodeWithInfo(renderRaw(gw, gh, 424242, undefined, 1, 1), gw, gh, gridText));
        infotexts.unshift(gridText);
        indexOfFirstImage = 1;
      }
      for (let i = 0; i < (this.opts.extraImages ?? 0); i++) {
        images.push(await this.encode(renderRaw(width, height, 777 + i, undefined, 1, 1), width, height));
      }

      const info = {
        prompt: params.prompt,
        all_prompts: seeds.map(() => params.prompt),
        negative_prompt: params.negative_prompt,
        all_negative_prompts: seeds.map(() => params.negative_prompt),
        seed: seeds[0] ?? seed,
        all_seeds: seeds,
        subseed: 1234567,
        all_subseeds: seeds.map((_, i) => 1234567 + i),
        subseed_strength: params.subseed_strength,
        width,
        height,
        sampler_name: sampler,
        cfg_scale: params.cfg_scale,
        steps,
        batch_size: batchSize,
        restore_faces: params.restore_faces ?? false,
        face_restoration_model: null,
        sd_model_name: checkpointStem(checkpoint),
        sd_model_hash: checkpoint.hash ?? null,
        sd_vae_name: null,
        sd_vae_hash: null,
        seed_resize_from_w: -1,
        seed_resize_from_h: -1,
        denoising_strength: params.denoising_strength,
        extra_generation_params: {
          ...(scheduler ? { 'Schedule type': scheduler } : {}),
          ...(this.opts.forge && params.distilled_cfg_scale !== null ? { 'Distilled CFG Scale': params.distilled_cfg_scale } : {}),
        },
        index_of_first_image: indexOfFirstImage,
        infotexts,
        styles: params.styles ?? [],
        job_timestamp: s.job_timestamp,
        clip_skip: 1,
        is_using_inpainting_conditioning: false,
        version: this.opts.forge ? 'f2.0.1v1.10.1-previous-313-g1ce3ebe' : 'v1.10.1',
      };

      const parameters: Record<string, unknown> = { ...params };
      if (kind === 'img2img' && !params.include_init_images) {
        parameters.init_images = null;
        parameters.mask = null;
      }
      let encodedImages = params.send_images === false ? [] : images.map((b) => b.toString('base64'));
      if (this.faults.truncatedImage && encodedImages.length > 0) {
        const first = images[0]!;
        encodedImages = [first.subarray(0, Math.floor(first.length / 2)).toString('base64'), ...encodedImages.slice(1)];
      }
      const answer: Record<string, unknown> = {
        ...(this.faults.missingImages ? {} : { images: encodedImages }),
        parameters,
        info: this.faults.info === 'object' ? info : this.faults.info === 'garbage' ? 'Steps: 20, Sampler: Euler' : JSON.stringify(info),
      };
      if (this.faults.malformedJson) {
        const text = JSON.stringify(answer);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text.slice(0, Math.floor(text.length / 2)));
        return undefined;
      }
      return answer;
    } finally {
      if (params.override_settings_restore_afterwards !== false) this.loaded = before;
      // state.end()
      Object.assign(s, { job: '', job_count: 0 });
      this.currentImage = null;
    }
  }

  /** One sampling step's worth of time: lockstep waits for a progress poll, else stepMs. */
  private async waitStep(): Promise<void> {
    if (this.opts.lockstep) {
      while (this.pollCredits === 0 && !this.state.interrupted && !this.state.skipped) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
      if (this.pollCredits > 0) this.pollCredits--;
      return;
    }
    const ms = this.opts.stepMs ?? 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private infotext(
    kind: 'txt2img' | 'img2img',
    params: Record<string, unknown>,
    sampler: string,
    scheduler: string | null,
    seed: number,
    checkpoint: FakeCheckpoint,
  ): string {
    return formatA1111Parameters({
      prompt: String(params.prompt ?? ''),
      negativePrompt: String(params.negative_prompt ?? ''),
      steps: num(params.steps, 50),
      sampler,
      cfgScale: typeof params.cfg_scale === 'number' ? params.cfg_scale : 7,
      seed,
      width: num(params.width, 512),
      height: num(params.height, 512),
      model: checkpointStem(checkpoint),
      ...(kind === 'img2img' ? { denoisingStrength: typeof params.denoising_strength === 'number' ? params.denoising_strength : 0.75 } : {}),
      extra: {
        ...(scheduler ? { 'Schedule type': scheduler } : {}),
        ...(checkpoint.hash ? { 'Model hash': checkpoint.hash } : {}),
        ...(this.opts.forge && typeof params.distilled_cfg_scale === 'number' ? { 'Distilled CFG Scale': params.distilled_cfg_scale } : {}),
        Version: this.opts.forge ? 'f2.0.1v1.10.1-previous-313-g1ce3ebe' : 'v1.10.1',
      },
    });
  }

  /** encode_pil_to_base64: the samples_format, with the `parameters` text for PNG. */
  private async encodeWithInfo(raw: Buffer, width: number, height: number, parameters: string): Promise<Buffer> {
    const encoded = await this.encode(raw, width, height);
    return (this.opts.samplesFormat ?? 'png') === 'png' ? writePngTextChunks(encoded, [{ keyword: 'parameters', text: parameters }]) : encoded;
  }

  private async encode(raw: Buffer, width: number, height: number): Promise<Buffer> {
    const img = sharp(raw, { raw: { width, height, channels: 3 } });
    switch (this.opts.samplesFormat ?? 'png') {
      case 'jpeg':
        return img.jpeg({ quality: 90 }).toBuffer();
      case 'webp':
        return img.webp({ quality: 90 }).toBuffer();
      default:
        return img.png({ compressionLevel: 1 }).toBuffer();
    }
  }

  private findCheckpoint(alias: string): FakeCheckpoint | undefined {
    // sd_models.checkpoint_aliases: hash, model_name, title, name, name_for_extra, "name [hash]", sha256
    return this.checkpoints.find((c) =>
      [
        checkpointTitle(c),
        c.name,
        c.name.replace(/\.[^.]*$/, '').replace(/[\\/]/g, '_'),
        checkpointStem(c),
        c.hash,
        c.sha256,
      ].includes(alias),
    );
  }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

function checkpointTitle(c: FakeCheckpoint): string {
  return c.hash ? `${c.name} [${c.hash}]` : c.name;
}

/** name_for_extra: the file name without folder and extension. */
function checkpointStem(c: FakeCheckpoint): string {
  return (c.name.split(/[\\/]/).pop() ?? c.name).replace(/\.[^.]*$/, '');
}

function num(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/**
 * RGB pixels: a horizontal gradient between two colours from the seed, darker towards the bottom;
 * `t` < 1 mixes in grey noise (an unfinished image); img2img blends the init in by (1 - strength).
 */
function renderRaw(width: number, height: number, seed: number, init: Buffer | undefined, strength: number, t: number): Buffer {
  const a = fakeSeedColor(seed);
  const b = fakeSeedColor(seed ^ 0x5bd1e995);
  const out = Buffer.alloc(width * height * 3);
  let noise = (seed ^ 0x2545f491) >>> 0;
  for (let y = 0; y < height; y++) {
    const shade = 1 - (0.5 * y) / Math.max(1, height - 1);
    for (let x = 0; x < width; x++) {
      const u = x / Math.max(1, width - 1);
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        let v = (a[c]! * (1 - u) + b[c]! * u) * (x === 0 && y === 0 ? 1 : shade);
        if (t < 1) {
          noise = (Math.imul(noise, 1664525) + 1013904223) >>> 0;
          v = v * t + (noise >>> 24) * (1 - t);
        }
        if (init) v = init[i + c]! * (1 - strength) + v * strength;
        out[i + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return out;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-process-time': '0.0012' });
  res.end(text);
}

/** decode_base64_to_image's input handling: a data: URL prefix is stripped; http(s) URLs are refused here. */
function decodeImageString(item: unknown): Buffer | null {
  if (typeof item !== 'string') return null;
  let s = item;
  if (s.startsWith('data:image/')) s = s.split(';')[1]?.split(',')[1] ?? '';
  const compact = s.replace(/\s+/g, '');
  if (!compact || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return null;
  return Buffer.from(compact, 'base64');
}

/** FastAPI's body handling: JSON when the content type is JSON (or absent), else the raw bytes. */
function parseJsonBody(req: http.IncomingMessage, raw: Buffer): Record<string, unknown> {
  if (raw.length === 0) throw new HttpError(422, { detail: [{ loc: ['body'], msg: 'field required', type: 'value_error.missing' }] });
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const isJson = type === '' || type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
  if (!isJson) throw new HttpError(422, { detail: [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }] });
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    const msg = err instanceof Error ? err.message : 'Expecting value';
    throw new HttpError(422, { detail: [{ loc: ['body', 0], msg, type: 'value_error.jsondecode' }] });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(422, { detail: [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }] });
  }
  return body as Record<string, unknown>;
}

interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** pydantic v1 validation of Optional fields with default coercion; unknown keys are dropped. */
function validate(
  body: Record<string, unknown>,
  fields: Record<string, [FieldType, unknown]>,
): { params: Record<string, unknown>; errors: FieldError[] } {
  const params: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  for (const [key, [type, fallback]] of Object.entries(fields)) {
    if (!(key in body)) {
      params[key] = fallback;
      continue;
    }
    const value = body[key];
    if (value === null) {
      params[key] = null;
      continue;
    }
    const result = coerce(type, value, ['body', key]);
    if ('errors' in result) errors.push(...result.errors);
    else params[key] = result.value;
  }
  return { params, errors };
}

const INT_TEXT = /^\s*[+-]?\d+(_\d+)*\s*$/;
const FLOAT_TEXT = /^\s*[+-]?(((\d+(_\d+)*)?\.?\d+(_\d+)*|\d+(_\d+)*\.)([eE][+-]?\d+)?|inf(inity)?|nan)\s*$/i;
const BOOL_TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const BOOL_FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

function coerce(type: FieldType, value: unknown, loc: (string | number)[]): { value: unknown } | { errors: FieldError[] } {
  const fail = (msg: string, t: string) => ({ errors: [{ loc, msg, type: t }] });
  switch (type) {
    case 'int': {
      if (typeof value === 'boolean') return { value: value ? 1 : 0 };
      if (typeof value === 'number' && Number.isFinite(value)) return { value: Math.trunc(value) };
      if (typeof value === 'string' && INT_TEXT.test(value)) return { value: Number(value.replace(/_/g, '').trim()) };
      return fail('value is not a valid integer', 'type_error.integer');
    }
    case 'float': {
      if (typeof value === 'boolean') return { value: value ? 1 : 0 };
      if (typeof value === 'number') return { value };
      if (typeof value === 'string' && FLOAT_TEXT.test(value)) {
        const t = value.replace(/_/g, '').trim().toLowerCase();
        if (/^[+-]?inf/.test(t)) return { value: t.startsWith('-') ? -Infinity : Infinity };
        return { value: t.endsWith('nan') ? NaN : Number(t) };
      }
      return fail('value is not a valid float', 'type_error.float');
    }
    case 'bool': {
      if (typeof value === 'boolean') return { value };
      if (value === 0 || value === 1) return { value: value === 1 };
      if (typeof value === 'string') {
        const t = value.toLowerCase();
        if (BOOL_TRUE.has(t)) return { value: true };
        if (BOOL_FALSE.has(t)) return { value: false };
      }
      return fail('value could not be parsed to a boolean', 'type_error.bool');
    }
    case 'str': {
      if (typeof value === 'string') return { value };
      if (typeof value === 'boolean') return { value: value ? 'True' : 'False' };
      if (typeof value === 'number') return { value: String(value) };
      return fail('str type expected', 'type_error.str');
    }
    case 'list':
      return Array.isArray(value) ? { value } : fail('value is not a valid list', 'type_error.list');
    case 'list[str]': {
      if (!Array.isArray(value)) return fail('value is not a valid list', 'type_error.list');
      const out: unknown[] = [];
      const errors: FieldError[] = [];
      value.forEach((item, i) => {
        const r = coerce('str', item, [...loc, i]);
        if ('errors' in r) errors.push(...r.errors);
        else out.push(r.value);
      });
      return errors.length ? { errors } : { value: out };
    }
    case 'dict': {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { value };
      if (Array.isArray(value) && value.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string')) {
        return { value: Object.fromEntries(value as [string, unknown][]) };
      }
      return fail('value is not a valid dict', 'type_error.dict');
    }
  }
}
