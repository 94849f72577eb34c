import type { ModelName } from '@imageflow/shared';
import { GUIDANCE_RANGE, MAX_BATCH, MAX_SEED, MAX_SIDE, MIN_SIDE, STEPS_RANGE, isModelName, isSampler, type Sampler } from '@imageflow/shared/constants';
import { modelLabel, samplerLabel } from '@/features/image/imported';
import { DEFAULT_FIELDS, type DefaultField } from './form-state';
import { localStore } from './local-store';
import { validateCreateForm, type CreateFormErrors, type CreateFormValues } from './validation';

/** The recipe settings of the Create form, apart from the prompts: what a preset names and a reload keeps. */
export interface CreateSettings {
  model: ModelName;
  width: number;
  height: number;
  steps: number;
  guidance: number;
  sampler: Sampler;
  batchSize: number;
}

/** The settings of the last run, with its seed when it was locked, and which fields had been chosen by hand. */
export interface LastSettings {
  settings: CreateSettings;
  seed: number | null;
  touched: DefaultField[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const inRange = (v: unknown, min: number, max: number, integer = true): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && (!integer || Number.isInteger(v));
const isSide = (v: unknown): v is number => inRange(v, MIN_SIDE, MAX_SIDE) && v % 8 === 0;

/** Settings read back from storage; null unless every field is one the form accepts. */
export function parseSettings(raw: unknown): CreateSettings | null {
  if (!isRecord(raw)) return null;
  const { model, width, height, steps, guidance, sampler, batchSize } = raw;
  if (typeof model !== 'string' || !isModelName(model)) return null;
  if (typeof sampler !== 'string' || !isSampler(sampler)) return null;
  if (!isSide(width) || !isSide(height)) return null;
  if (!inRange(steps, STEPS_RANGE.min, STEPS_RANGE.max) || !inRange(guidance, GUIDANCE_RANGE.min, GUIDANCE_RANGE.max, false)) return null;
  if (!inRange(batchSize, 1, MAX_BATCH)) return null;
  return { model, width, height, steps, guidance, sampler, batchSize };
}

export function parseLastSettings(raw: unknown): LastSettings | null {
  if (!isRecord(raw)) return null;
  const settings = parseSettings(raw.settings);
  if (!settings) return null;
  const seed = inRange(raw.seed, 0, MAX_SEED) ? raw.seed : null;
  const touched = Array.isArray(raw.touched) ? DEFAULT_FIELDS.filter((f) => (raw.touched as unknown[]).includes(f)) : [];
  return { settings, seed, touched };
}

/** The last run's settings, kept across reloads. */
export const lastSettingsStore = localStore('last-settings', parseLastSettings);

export type SettingsResult = { ok: true; settings: CreateSettings } | { ok: false; errors: CreateFormErrors };

/** The form's settings as they stand, checked as Generate would check them (the prompts and seed aside). */
export function settingsFromForm(values: Omit<CreateFormValues, 'parent'>): SettingsResult {
  const result = validateCreateForm({ ...values, prompt: 'x', negativePrompt: '', seed: '0', parent: null });
  if (!result.ok) return { ok: false, errors: result.errors };
  const spec = result.request.spec!;
  return {
    ok: true,
    settings: {
      model: result.request.model!,
      width: spec.width!,
      height: spec.height!,
      steps: spec.steps!,
      guidance: spec.guidance!,
      sampler: spec.sampler!,
      batchSize: spec.batch_size!,
    },
  };
}

export function sameSettings(a: CreateSettings, b: CreateSettings): boolean {
  return (Object.keys(a) as (keyof CreateSettings)[]).every((k) => a[k] === b[k]);
}

/** "SDXL · 1024 × 1024 · 30 steps · guidance 7 · DPM++ 2M Karras · 2 images", in the words a person reads. */
export function describeSettings(s: CreateSettings): string {
  return [
    modelLabel(s.model),
    `${s.width} × ${s.height}`,
    `${s.steps} ${s.steps === 1 ? 'step' : 'steps'}`,
    `guidance ${s.guidance}`,
    samplerLabel(s.sampler),
    `${s.batchSize} ${s.batchSize === 1 ? 'image' : 'images'}`,
  ].join(' · ');
}
