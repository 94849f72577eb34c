import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type DragEvent, type FormEvent, type KeyboardEvent } from 'react';
import { useSearchParams } from 'react-router';
import { toast } from 'sonner';
import { ImageUp, LoaderCircle, Sparkles } from 'lucide-react';
import type { GenerationRequest, ImageNode, Job, ModelName } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { Field, Select, Textarea } from '@/components/ui/field';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { cn } from '@/lib/cn';
import { useCancelJob, useImageNode, useModels, useSubmitGeneration, useUploadImage } from '../api';
import { GUIDANCE_RANGE, MAX_BATCH, SAMPLERS, SAMPLER_LABELS, STEPS_RANGE, isModelName } from '@imageflow/shared/constants';
import { defaultsFor, formReducer, initialFormState, withLastSettings, type CreateFormState } from '../form-state';
import { useStorageScope } from '../local-store';
import { promptHistory } from '../prompt-history';
import { REVEAL_MARGINS, revealField } from '../reveal-field';
import { describeSettings, lastSettingsStore, settingsFromForm } from '../settings';
import { generateSession, isActiveRun, useGenerateSession, type Run } from '../session';
import { importGaps } from '../import-gaps';
import { useRestoredRuns } from '../restore-runs';
import { useJobEvents } from '../use-job-events';
import { firstInvalidField, randomSeed, validateCreateForm, type CreateFormErrors, type CreateFormField, type FormParent } from '../validation';
import { ModelPicker } from './model-picker';
import { NumberSliderField } from './number-slider-field';
import { PresetsMenu } from './presets-menu';
import { PromptField } from './prompt-field';
import { PromptHistoryMenu } from './prompt-history-menu';
import { ResultsPanel } from './results-panel';
import { SeedField } from './seed-field';
import { SizePicker } from './size-picker';
import { ImportNotes, InitImageField, RemixChip } from './source-chips';

/** The DOM id of each field's control, to focus the first invalid one. */
const FIELD_IDS: Record<CreateFormField, string> = {
  prompt: 'prompt',
  negativePrompt: 'negative-prompt',
  model: 'model',
  width: 'width',
  height: 'height',
  steps: 'steps',
  guidance: 'guidance',
  sampler: 'sampler',
  seed: 'seed',
  batchSize: 'batch-size-1',
  strength: 'strength',
};

// The form as it was left, so a visit to another screen and back keeps the draft.
let savedDraft: CreateFormState | null = null;
/** For tests: forget the saved draft. */
export function resetCreateDraft(): void {
  savedDraft = null;
}

function parseId(value: string | null): number | null {
  if (!value || !/^\d+$/.test(value)) return null;
  const id = Number(value);
  return id > 0 ? id : null;
}

function errorMessage(error: unknown): string | null {
  return error instanceof Error ? error.message : null;
}

export function CreatePage() {
  const modelsQuery = useModels();
  const models = modelsQuery.data?.models;
  const [params, setParams] = useSearchParams();
  const fromId = parseId(params.get('from'));
  const initId = parseId(params.get('init'));
  // ?init wins over ?from: the init image is the parent; the form keeps whatever recipe it holds.
  const parent = useMemo<FormParent | null>(
    () => (initId ? { id: initId, mode: 'img2img' } : fromId ? { id: fromId, mode: 'remix' } : null),
    [initId, fromId],
  );
  const source = useImageNode(parent?.id ?? null);

  const scope = useStorageScope();
  // The draft left on this visit to another screen, else a fresh form with the last run's settings.
  const [state, dispatch] = useReducer(formReducer, undefined, () => {
    if (savedDraft) return savedDraft;
    const last = lastSettingsStore.get(scope);
    return withLastSettings(initialFormState(last?.settings.model), last);
  });
  const { values, errors, seedLocked } = state;
  const stateRef = useRef(state);
  useEffect(() => {
    stateRef.current = state;
  });
  useEffect(() => () => void (savedDraft = stateRef.current), []);

  // Once the model list arrives, don't sit on a model that can't be reached.
  useEffect(() => {
    if (!models) return;
    const current = models.find((m) => m.name === stateRef.current.values.model);
    if (current?.reachable) return;
    const next = models.find((m) => m.reachable);
    if (next) dispatch({ type: 'model', model: next.name, defaults: next.defaults });
  }, [models]);

  // ?from=<id> fills the whole form with that image's recipe, once per id.
  const filledFrom = useRef<string | null>(null);
  useEffect(() => {
    const node = source.data;
    if (!parent || !node || node.id !== parent.id) return;
    const key = `${parent.mode}:${node.id}`;
    if (filledFrom.current === key) return;
    filledFrom.current = key;
    if (parent.mode === 'remix') dispatch({ type: 'remix', node, models });
    else {
      const base = Math.sqrt(Number(stateRef.current.values.width) * Number(stateRef.current.values.height)) || 1024;
      dispatch({ type: 'init', node, base: Math.min(1024, base) });
    }
  }, [parent, source.data, models]);

  const setParent = useCallback(
    (next: { from?: number; init?: number } | null) => {
      setParams(
        (p) => {
          const out = new URLSearchParams(p);
          out.delete('from');
          out.delete('init');
          if (next?.from) out.set('from', String(next.from));
          if (next?.init) out.set('init', String(next.init));
          return out;
        },
        { replace: true },
      );
    },
    [setParams],
  );

  // --- running a generation --------------------------------------------------------------
  useRestoredRuns();
  const runs = useGenerateSession();
  const latest = runs[0];
  const active = isActiveRun(latest) ? latest : undefined;
  const submit = useSubmitGeneration();
  const cancel = useCancelJob();
  const upload = useUploadImage();
  const resultsRef = useRef<HTMLDivElement>(null);

  const onSettled = useCallback((job: Job) => {
    if (!generateSession.settle(job)) return;
    if (job.status === 'failed') toast.error(job.error?.message ?? 'The generation failed.');
  }, []);
  const events = useJobEvents(active?.jobId ?? null, { onSettled });
  // Polling failed too (e.g. the server no longer knows the job): stop waiting, say why.
  useEffect(() => {
    if (active && events.error && generateSession.fail(active.jobId, events.error.message)) toast.error(events.error.message);
  }, [active, events.error]);

  // A run found on the server after a reload is followed, but a new one may start beside it.
  const busy = submit.isPending || (active !== undefined && !active.restored);

  function start(request: GenerationRequest, fromForm = false) {
    submit.mutate(request, {
      onSuccess: () => {
        if (request.prompt) promptHistory.add(scope, request.prompt, request.negative_prompt ?? '');
        if (fromForm) rememberSettings(request);
        // On one column the results are under the form: bring the progress into view.
        if (!window.matchMedia?.('(min-width: 1024px)').matches) {
          requestAnimationFrame(() => resultsRef.current?.scrollIntoView?.({ behavior: 'smooth', block: 'start' }));
        }
      },
    });
  }

  // What the next visit starts from: this run's settings, and its seed only if it was locked.
  function rememberSettings(request: GenerationRequest) {
    const settings = settingsFromForm(stateRef.current.values);
    if (!settings.ok || !request.spec) return;
    lastSettingsStore.set(scope, {
      settings: settings.settings,
      seed: seedLocked && request.spec.seed !== undefined ? request.spec.seed : null,
      touched: [...stateRef.current.touched],
    });
  }

  function showErrors(errors: CreateFormErrors) {
    dispatch({ type: 'errors', errors });
    const first = firstInvalidField(errors);
    if (!first) return;
    // This form's field, scrolled after the render that shows the message, so the scroll makes room for it too.
    const field = document.getElementById(FIELD_IDS[first]);
    requestAnimationFrame(() => {
      if (field?.isConnected) revealField(field);
    });
  }

  function onSubmit(event?: FormEvent) {
    event?.preventDefault();
    if (busy) return;
    // Unlocked: each run draws a new seed, shown in the field once the run is on its way.
    const seed = seedLocked ? values.seed : String(randomSeed());
    const result = validateCreateForm({ ...values, seed, parent }, { models });
    if (result.ok && !seedLocked) dispatch({ type: 'set', field: 'seed', value: seed, touch: false });
    if (!result.ok) {
      showErrors(result.errors);
      return;
    }
    start(result.request, true);
  }

  function onFormKeyDown(event: KeyboardEvent<HTMLFormElement>) {
    if (event.key === 'Enter' && (event.metaKey || event.ctrlKey)) {
      event.preventDefault();
      onSubmit();
    }
  }

  // --- init image: upload, drop, paste -------------------------------------------------------
  const takeFile = (file: File) => {
    if (!file.type.startsWith('image/')) {
      toast.error(`“${file.name}” is not an image. Choose a PNG, JPEG or WebP file.`);
      return;
    }
    upload.mutate(file, {
      onSuccess: (node) => {
        setParent({ init: node.id });
        toast.success(`Uploaded as image #${node.id}`);
      },
    });
  };
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

  const startFromResult = (node: ImageNode) => {
    setParent({ init: node.id });
    document.getElementById('prompt')?.focus();
  };

  // Remixing an uploaded file: what its recipe states that the form could not take.
  const gaps = useMemo(() => (parent?.mode === 'remix' && source.data?.id === parent.id ? importGaps(source.data) : null), [parent, source.data]);

  const set = (field: CreateFormField) => (value: string) => dispatch({ type: 'set', field, value });
  const builtinOnly = !!models && models.every((m) => !m.ai);

  return (
    <div className="mx-auto max-w-7xl px-4 py-6 sm:px-6 lg:py-8">
      <h1 className="sr-only">Create an image</h1>
      <div className="grid gap-8 lg:grid-cols-[400px_minmax(0,1fr)] lg:gap-10">
        <form
          aria-label="Create an image"
          noValidate
          onSubmit={onSubmit}
          onKeyDown={onFormKeyDown}
          onPaste={(e) => {
            const file = Array.from(e.clipboardData.files).find((f) => f.type.startsWith('image/'));
            if (file) {
              e.preventDefault();
              takeFile(file);
            }
          }}
          onDragEnter={(e) => {
            if (!hasFiles(e)) return;
            dragDepth.current += 1;
            setDragging(true);
          }}
          onDragLeave={() => {
            dragDepth.current = Math.max(0, dragDepth.current - 1);
            if (dragDepth.current === 0) setDragging(false);
          }}
          onDragOver={(e) => {
            if (hasFiles(e)) e.preventDefault();
          }}
          onDrop={(e) => {
            if (!hasFiles(e)) return;
            e.preventDefault();
            dragDepth.current = 0;
            setDragging(false);
            const file = e.dataTransfer.files[0];
            if (file) takeFile(file);
          }}
          className={cn('relative min-w-0', REVEAL_MARGINS)}
        >
          <div className="space-y-6 rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm sm:p-5 dark:border-zinc-800 dark:bg-zinc-900/40">
            {parent?.mode === 'remix' ? (
              <RemixChip id={parent.id} node={source.data} error={errorMessage(source.error)} onDetach={() => setParent(null)} />
            ) : null}
            {gaps ? <ImportNotes gaps={gaps} /> : null}

            <PromptField
              value={values.prompt}
              error={errors.prompt}
              onChange={set('prompt')}
              history={
                <PromptHistoryMenu
                  scope={scope}
                  onPick={(picked) => {
                    dispatch({ type: 'set', field: 'prompt', value: picked.prompt });
                    if (picked.negativePrompt) dispatch({ type: 'set', field: 'negativePrompt', value: picked.negativePrompt });
                    requestAnimationFrame(() => {
                      const el = document.getElementById('prompt') as HTMLTextAreaElement | null;
                      el?.focus();
                      el?.setSelectionRange(el.value.length, el.value.length);
                    });
                  }}
                />
              }
            />

            <Field label="Negative prompt" htmlFor="negative-prompt" error={errors.negativePrompt}>
              <Textarea
                id="negative-prompt"
                rows={2}
                placeholder="What to keep out: blurry, text, watermark…"
                value={values.negativePrompt}
                onChange={(e) => set('negativePrompt')(e.target.value)}
                aria-invalid={errors.negativePrompt ? true : undefined}
                aria-describedby={errors.negativePrompt ? 'negative-prompt-error' : undefined}
              />
            </Field>

            <div className="relative flex items-center justify-between gap-2 border-t border-zinc-100 pt-5 dark:border-zinc-800">
              <h2 className="text-sm font-semibold text-zinc-900 dark:text-zinc-100">Settings</h2>
              <PresetsMenu
                scope={scope}
                current={() => settingsFromForm(values)}
                onApply={(preset) => {
                  dispatch({ type: 'apply-settings', settings: preset.settings });
                  toast.success(`Preset “${preset.name}” applied`, { description: describeSettings(preset.settings) });
                }}
                onInvalid={(result) => {
                  toast.error('These settings can’t be saved yet', { description: 'Fix the fields marked in red, then save the preset again.' });
                  showErrors(result.errors);
                }}
              />
            </div>

            <ModelPicker
              value={values.model}
              models={models}
              loading={modelsQuery.isPending}
              loadError={errorMessage(modelsQuery.error)}
              error={errors.model}
              onChange={(model: ModelName) => {
                if (isModelName(model)) dispatch({ type: 'model', model, defaults: defaultsFor(model, models) });
              }}
            />

            <InitImageField
              id={parent?.mode === 'img2img' ? parent.id : null}
              node={parent?.mode === 'img2img' ? source.data : undefined}
              error={parent?.mode === 'img2img' ? errorMessage(source.error) : null}
              uploading={upload.isPending}
              strength={values.strength}
              strengthError={errors.strength}
              onStrength={set('strength')}
              onRemove={() => setParent(null)}
              onFile={takeFile}
            />

            <div className="border-t border-zinc-100 pt-6 dark:border-zinc-800">
              <SizePicker
                width={values.width}
                height={values.height}
                onWidth={set('width')}
                onHeight={set('height')}
                onSize={(width, height) => dispatch({ type: 'set-size', width, height })}
                widthError={errors.width}
                heightError={errors.height}
              />
            </div>

            <div className="grid grid-cols-2 gap-5">
              <NumberSliderField id="steps" label="Steps" value={values.steps} onChange={set('steps')} min={STEPS_RANGE.min} max={STEPS_RANGE.max} step={1} error={errors.steps} />
              <NumberSliderField id="guidance" label="Guidance" value={values.guidance} onChange={set('guidance')} min={GUIDANCE_RANGE.min} max={GUIDANCE_RANGE.max} step={0.5} error={errors.guidance} />
            </div>

            <div className="grid gap-5 sm:grid-cols-2 lg:grid-cols-1">
              <Field label="Sampler" htmlFor="sampler" error={errors.sampler}>
                <Select id="sampler" value={values.sampler} onChange={(e) => set('sampler')(e.target.value)} aria-invalid={errors.sampler ? true : undefined}>
                  {SAMPLERS.map((s) => (
                    <option key={s} value={s}>
                      {SAMPLER_LABELS[s]}
                    </option>
                  ))}
                </Select>
              </Field>
              <SeedField
                value={values.seed}
                locked={seedLocked}
                error={errors.seed}
                onChange={set('seed')}
                onLockedChange={(locked) => dispatch({ type: 'lock-seed', locked })}
                onRandomise={() => {
                  dispatch({ type: 'set', field: 'seed', value: String(randomSeed()), touch: false });
                  dispatch({ type: 'lock-seed', locked: true });
                }}
              />
            </div>

            <div className="space-y-1.5">
              <SegmentedControl
                label="Batch size"
                showLegend
                name="batch-size"
                value={values.batchSize}
                onChange={set('batchSize')}
                options={Array.from({ length: MAX_BATCH }, (_, i) => ({
                  value: String(i + 1),
                  label: <span className="tabular-nums">{i + 1}</span>,
                  ariaLabel: i === 0 ? '1 image' : `${i + 1} images`,
                }))}
              />
              {errors.batchSize ? (
                <p role="alert" className="text-xs text-red-600 dark:text-red-400">
                  {errors.batchSize}
                </p>
              ) : null}
            </div>
          </div>

          {/* Opaque, busy or not: the fields scrolling under it never show through. A short fade above it eases the edge. */}
          <div
            data-testid="generate-bar"
            className="sticky bottom-0 z-10 -mx-1 mt-4 bg-white px-1 pt-3 pb-4 before:pointer-events-none before:absolute before:inset-x-0 before:-top-4 before:h-4 before:bg-gradient-to-t before:from-white before:to-white/0 dark:bg-zinc-950 dark:before:from-zinc-950 dark:before:to-zinc-950/0"
          >
            <Button
              type="submit"
              variant="primary"
              disabled={busy}
              aria-keyshortcuts="Control+Enter Meta+Enter"
              className="h-11 w-full justify-center text-[15px] disabled:bg-indigo-400! disabled:opacity-100! dark:disabled:bg-indigo-900! dark:disabled:text-indigo-200"
            >
              {busy ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <Sparkles className="h-4 w-4" aria-hidden />}
              Generate
            </Button>
          </div>

          {dragging ? (
            <div
              aria-hidden
              className="pointer-events-none absolute inset-0 z-20 rounded-2xl border-2 border-dashed border-indigo-400 bg-indigo-50/90 text-indigo-700 backdrop-blur-sm dark:border-indigo-500 dark:bg-indigo-950/80 dark:text-indigo-200"
            >
              <div className="sticky top-40 flex flex-col items-center gap-2 pt-32">
                <ImageUp className="h-8 w-8" />
                <p className="text-sm font-medium">Drop to use as the init image</p>
              </div>
            </div>
          ) : null}
        </form>

        <div ref={resultsRef} className="min-w-0 scroll-mt-20 lg:sticky lg:top-20 lg:max-h-[calc(100dvh-6rem)] lg:self-start lg:overflow-y-auto lg:pb-4">
          <ResultsPanel
            runs={runs}
            activeJob={events.job}
            preview={events.preview}
            isActive={active !== undefined}
            canceling={cancel.isPending}
            onCancel={() => active && cancel.mutate(active.jobId)}
            onRetry={(run: Run) => start(run.request)}
            onUseAsInit={startFromResult}
            onPickExample={(prompt) => {
              dispatch({ type: 'set', field: 'prompt', value: prompt });
              document.getElementById('prompt')?.focus();
            }}
            builtinOnly={builtinOnly}
          />
        </div>
      </div>
    </div>
  );
}
