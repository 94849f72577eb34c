/**
 * Sampler names of other tools ⇄ our sampler ids (SAMPLERS in @imageflow/shared).
 *
 * Rule: our id names a sampling algorithm; the schedule only chooses between ids where we have
 * both variants (DPM++ 2M plain vs Karras). Elsewhere the schedule is not part of our id and stays
 * in the recipe's `scheduler` ("Euler a" + "Karras" is euler_a). A sampler we have no id for
 * ("DPM++ 2M SDE", "LMS", "LCM"...) maps to null.
 *
 * Our id → tool direction is what our providers send (providers/a1111/a1111-wire.ts
 * A1111_SAMPLER_SCHEDULERS, providers/comfyui/graphs.ts comfySampler); the tests hold these
 * tables equal to theirs, so reading back what we write always gives the id we wrote.
 */
import { SAMPLER_LABELS, isSampler } from '@imageflow/shared';
import type { Sampler } from '@imageflow/shared';

const lower = (s: string): string => s.trim().toLowerCase();

/** Whether an A1111 schedule type means Karras sigmas for this sampler ("Automatic" is its default). */
function a1111ScheduleIsKarras(base: string, scheduleType: string | null): boolean {
  if (scheduleType === null) return false; // before 1.9 the plain name meant the sampler's own schedule
  const s = lower(scheduleType);
  // From 1.9, "Automatic" for DPM++ 2M / DPM++ SDE is Karras (a1111-wire.ts).
  return s === 'karras' || (s === 'automatic' && (base === 'dpm++ 2m' || base === 'dpm++ sde'));
}

/** A1111 display names (lower case, schedule suffix removed) → our id; DPM++ 2M is decided by the schedule. */
const A1111_BASE: Readonly<Record<string, Sampler>> = {
  euler: 'euler',
  'euler a': 'euler_a',
  heun: 'heun',
  dpm2: 'dpm_2',
  'dpm++ 2m': 'dpmpp_2m',
  'dpm++ sde': 'dpmpp_sde',
  ddim: 'ddim',
  unipc: 'uni_pc',
};

/** Schedule suffixes A1111 (before 1.9) and its forks put in a sampler's name. */
const A1111_SCHEDULE_SUFFIXES = ['karras', 'exponential', 'sgm uniform', 'uniform', 'simple', 'normal', 'beta'];

/**
 * Our id for an A1111 / Forge / SD.Next sampler name, with the "Schedule type" when the file
 * states one. Accepts the names with a schedule in them ("DPM++ 2M Karras"); case-insensitive.
 * Also accepts ComfyUI-style names, which ComfyUI metadata nodes write in A1111 text
 * ("euler_ancestral_karras").
 */
export function samplerIdFromA1111(name: string, scheduleType?: string | null): Sampler | null {
  let base = lower(name);
  let schedule: string | null = scheduleType ?? null;
  for (const suffix of A1111_SCHEDULE_SUFFIXES) {
    if (base.endsWith(` ${suffix}`)) {
      base = base.slice(0, -suffix.length - 1);
      schedule ??= suffix;
      break;
    }
  }
  if (!Object.hasOwn(A1111_BASE, base)) return samplerIdFromComfyName(name);
  const id = A1111_BASE[base]!;
  if (id === 'dpmpp_2m') return a1111ScheduleIsKarras(base, schedule) ? 'dpmpp_2m_karras' : 'dpmpp_2m';
  return id;
}

/**
 * Our id → A1111 ≥ 1.9 sampler + schedule type. "Automatic" is the sampler's own default; where
 * that is Karras (DPM++ 2M, DPM++ SDE) the plain variant is "Uniform".
 */
const A1111_NAMES: Readonly<Record<Sampler, { sampler: string; scheduler: string }>> = {
  euler: { sampler: 'Euler', scheduler: 'Automatic' },
  euler_a: { sampler: 'Euler a', scheduler: 'Automatic' },
  heun: { sampler: 'Heun', scheduler: 'Automatic' },
  dpm_2: { sampler: 'DPM2', scheduler: 'Automatic' },
  dpmpp_2m: { sampler: 'DPM++ 2M', scheduler: 'Uniform' },
  dpmpp_2m_karras: { sampler: 'DPM++ 2M', scheduler: 'Karras' },
  dpmpp_sde: { sampler: 'DPM++ SDE', scheduler: 'Uniform' },
  ddim: { sampler: 'DDIM', scheduler: 'Automatic' },
  uni_pc: { sampler: 'UniPC', scheduler: 'Automatic' },
};

/** A1111 ≥ 1.9 sampler + schedule type for our id (what the A1111 provider sends). */
export function a1111NameFor(id: Sampler): { sampler: string; scheduler: string } {
  return { ...A1111_NAMES[id] };
}

/** The one-name form A1111 used before 1.9 ("DPM++ 2M Karras"), which is also SAMPLER_LABELS. */
export function a1111LegacyNameFor(id: Sampler): string {
  return SAMPLER_LABELS[id];
}

/** ComfyUI sampler_name → our id (DPM++ 2M is decided by the scheduler). */
const COMFY_SAMPLERS: Readonly<Record<string, Sampler>> = {
  euler: 'euler',
  euler_ancestral: 'euler_a',
  heun: 'heun',
  dpm_2: 'dpm_2',
  dpmpp_2m: 'dpmpp_2m',
  dpmpp_sde: 'dpmpp_sde',
  dpmpp_sde_gpu: 'dpmpp_sde',
  ddim: 'ddim',
  uni_pc: 'uni_pc',
};

/** ComfyUI's schedulers (comfy.samplers.SCHEDULER_NAMES), which metadata writers append to names. */
const COMFY_SCHEDULERS = [
  'normal',
  'karras',
  'exponential',
  'sgm_uniform',
  'simple',
  'ddim_uniform',
  'beta',
  'linear_quadratic',
  'kl_optimal',
];

/**
 * Our id for a ComfyUI KSampler sampler_name + scheduler (also what Fooocus, RuinedFooocus and
 * SwarmUI write). Case-insensitive.
 */
export function samplerIdFromComfy(samplerName: string, scheduler?: string | null): Sampler | null {
  const name = lower(samplerName);
  if (!Object.hasOwn(COMFY_SAMPLERS, name)) return null;
  const id = COMFY_SAMPLERS[name]!;
  if (id === 'dpmpp_2m') return scheduler !== undefined && scheduler !== null && lower(scheduler) === 'karras' ? 'dpmpp_2m_karras' : 'dpmpp_2m';
  return id;
}

/** A ComfyUI name that may carry its scheduler ("euler_ancestral_karras", "dpmpp_2m_karras"). */
function samplerIdFromComfyName(name: string): Sampler | null {
  const n = lower(name);
  const direct = samplerIdFromComfy(n);
  if (direct !== null) return direct;
  for (const scheduler of COMFY_SCHEDULERS) {
    if (n.endsWith(`_${scheduler}`)) return samplerIdFromComfy(n.slice(0, -scheduler.length - 1), scheduler);
  }
  return null;
}

export type ComfyFamily = 'sdxl' | 'flux';

/**
 * Our id → ComfyUI sampler_name, and the scheduler where the id fixes one (Karras for DPM++ 2M
 * Karras; A1111's DDIM runs on uniform timesteps, which FLUX has no use for).
 */
const COMFY_NAMES: Readonly<Record<Sampler, { sampler_name: string; scheduler?: Readonly<Record<ComfyFamily, string>> }>> = {
  euler: { sampler_name: 'euler' },
  euler_a: { sampler_name: 'euler_ancestral' },
  heun: { sampler_name: 'heun' },
  dpm_2: { sampler_name: 'dpm_2' },
  dpmpp_2m: { sampler_name: 'dpmpp_2m' },
  dpmpp_2m_karras: { sampler_name: 'dpmpp_2m', scheduler: { sdxl: 'karras', flux: 'karras' } },
  dpmpp_sde: { sampler_name: 'dpmpp_sde' },
  ddim: { sampler_name: 'ddim', scheduler: { sdxl: 'ddim_uniform', flux: 'simple' } },
  uni_pc: { sampler_name: 'uni_pc' },
};
/** The family's usual schedule: "normal" for SDXL, "simple" for FLUX. */
const COMFY_DEFAULT_SCHEDULER: Readonly<Record<ComfyFamily, string>> = { sdxl: 'normal', flux: 'simple' };

/** ComfyUI sampler_name + scheduler for our id (what our ComfyUI provider sends for that family). */
export function comfyFor(id: Sampler, family: ComfyFamily = 'sdxl'): { sampler_name: string; scheduler: string } {
  const m = COMFY_NAMES[id];
  return { sampler_name: m.sampler_name, scheduler: m.scheduler?.[family] ?? COMFY_DEFAULT_SCHEDULER[family] };
}

/** InvokeAI scheduler names (its "scheduler" is the sampler; `_k` = Karras sigmas) → our id. */
const INVOKE_SCHEDULERS: Readonly<Record<string, Sampler>> = {
  euler: 'euler',
  euler_k: 'euler',
  euler_a: 'euler_a',
  heun: 'heun',
  heun_k: 'heun',
  kdpm_2: 'dpm_2',
  kdpm_2_k: 'dpm_2',
  dpmpp_2m: 'dpmpp_2m',
  dpmpp_2m_k: 'dpmpp_2m_karras',
  dpmpp_sde: 'dpmpp_sde',
  dpmpp_sde_k: 'dpmpp_sde',
  ddim: 'ddim',
  unipc: 'uni_pc',
  unipc_k: 'uni_pc',
};

const INVOKE_NAMES: Readonly<Record<Sampler, string>> = {
  euler: 'euler',
  euler_a: 'euler_a',
  heun: 'heun',
  dpm_2: 'kdpm_2',
  dpmpp_2m: 'dpmpp_2m',
  dpmpp_2m_karras: 'dpmpp_2m_k',
  dpmpp_sde: 'dpmpp_sde',
  ddim: 'ddim',
  uni_pc: 'unipc',
};

/** Our id for an InvokeAI 3+ scheduler name ("dpmpp_2m_k", "euler_a", "unipc"). */
export function samplerIdFromInvoke(scheduler: string): Sampler | null {
  const n = lower(scheduler);
  return Object.hasOwn(INVOKE_SCHEDULERS, n) ? INVOKE_SCHEDULERS[n]! : null;
}

/** InvokeAI scheduler name for our id. */
export function invokeNameFor(id: Sampler): string {
  return INVOKE_NAMES[id];
}

/**
 * Our id for a k-diffusion style name ("k_euler_ancestral", "k_dpmpp_2m", "k_lms"), as written by
 * NovelAI and InvokeAI 2.x, with NovelAI's noise_schedule when stated.
 */
export function samplerIdFromKDiffusion(name: string, noiseSchedule?: string | null): Sampler | null {
  const n = lower(name);
  const bare = n.startsWith('k_') ? n.slice(2) : n;
  const direct = samplerIdFromComfy(bare, noiseSchedule);
  if (direct !== null) return direct;
  return samplerIdFromComfyName(bare);
}

/** Our id for a sampler name from any of the tools above (used when the tool is not known). */
export function samplerIdFromAnyName(name: string, scheduler?: string | null): Sampler | null {
  return (
    samplerIdFromComfy(name, scheduler) ??
    samplerIdFromKDiffusion(name, scheduler) ??
    (isSampler(name) ? name : null) ??
    samplerIdFromInvoke(name) ??
    samplerIdFromA1111(name, scheduler)
  );
}
