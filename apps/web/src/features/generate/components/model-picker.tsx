import type { ModelInfo, ModelName } from '@imageflow/shared';
import { Field, Select } from '@/components/ui/field';
import { cn } from '@/lib/cn';
import { MODEL_LABELS, MODEL_NAMES } from '@imageflow/shared/constants';

/** The backends a provider is named after when it is set up from the environment, as they call themselves. */
const PROVIDER_LABELS: Record<string, string> = {
  comfyui: 'ComfyUI',
  a1111: 'AUTOMATIC1111',
  fal: 'fal.ai',
  replicate: 'Replicate',
  bfl: 'Black Forest Labs',
  openai: 'OpenAI',
};

/** A provider as a person reads it: "ComfyUI" for `comfyui`; a backend named in the configuration keeps its name. */
export function providerLabel(provider: string): string {
  return Object.hasOwn(PROVIDER_LABELS, provider) ? PROVIDER_LABELS[provider]! : provider;
}

/** How a model's provider reads to a person; the builtin engine is never passed off as AI. */
export function providerDescription(model: Pick<ModelInfo, 'provider' | 'ai' | 'reachable' | 'message'>): string {
  if (!model.reachable) return `${providerLabel(model.provider)} is unreachable${model.message ? `: ${model.message}` : ''}`;
  if (model.provider === 'builtin' || !model.ai) return 'builtin engine — offline procedural renderer, not AI';
  return `served by ${providerLabel(model.provider)}`;
}

function optionText(m: ModelInfo): string {
  if (!m.reachable) return `${m.label} — ${providerLabel(m.provider)} (unreachable)`;
  if (m.provider === 'builtin' || !m.ai) return `${m.label} — builtin engine (not AI)`;
  return `${m.label} — ${providerLabel(m.provider)}`;
}

export function ModelPicker({
  value,
  onChange,
  models,
  loading,
  loadError,
  error,
}: {
  value: string;
  onChange: (model: ModelName) => void;
  models: readonly ModelInfo[] | undefined;
  loading: boolean;
  loadError: string | null;
  error?: string;
}) {
  const selected = models?.find((m) => m.name === value);
  const tone = !selected ? 'neutral' : !selected.reachable ? 'bad' : selected.ai ? 'good' : 'builtin';
  const hint = loadError ? (
    <span className="text-red-600 dark:text-red-400">Could not load the model list: {loadError}</span>
  ) : selected ? (
    <span className="inline-flex items-center gap-1.5">
      <span
        aria-hidden
        className={cn(
          'h-1.5 w-1.5 shrink-0 rounded-full',
          tone === 'good' && 'bg-emerald-500',
          tone === 'builtin' && 'bg-amber-500',
          tone === 'bad' && 'bg-red-500',
        )}
      />
      <span id="model-provider">{providerDescription(selected)}</span>
    </span>
  ) : loading ? (
    'Checking which backend serves each model…'
  ) : null;

  return (
    <Field label="Model" htmlFor="model" error={error} hint={hint}>
      <Select
        id="model"
        value={value}
        onChange={(e) => onChange(e.target.value as ModelName)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'model-error' : selected ? 'model-provider' : undefined}
      >
        {models
          ? models.map((m) => (
              <option key={m.name} value={m.name} disabled={!m.reachable}>
                {optionText(m)}
              </option>
            ))
          : MODEL_NAMES.map((name) => (
              <option key={name} value={name}>
                {MODEL_LABELS[name]}
              </option>
            ))}
      </Select>
    </Field>
  );
}
