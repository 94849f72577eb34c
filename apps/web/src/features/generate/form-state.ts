import type { ImageNode, ModelInfo, ModelName } from '@imageflow/shared';
import { MODEL_DEFAULTS, isModelName, isSampler, type ModelDefaults } from '@imageflow/shared/constants';
import { fitSize, sizeForAspect } from './sizes';
import type { CreateFormErrors, CreateFormField, CreateFormValues } from './validation';
import type { CreateSettings, LastSettings } from './settings';

/** The form's own state: the values as typed, and which recipe fields the person chose by hand. */
export interface CreateFormState {
  values: Omit<CreateFormValues, 'parent'>;
  /** Recipe fields changed by hand (or taken from a remixed image): a model switch leaves them alone. */
  touched: ReadonlySet<DefaultField>;
  seedLocked: boolean;
  errors: CreateFormErrors;
}

/** The fields a model's defaults fill in. */
export const DEFAULT_FIELDS = ['width', 'height', 'steps', 'guidance', 'sampler', 'strength'] as const;
export type DefaultField = (typeof DEFAULT_FIELDS)[number];

function isDefaultField(field: CreateFormField): field is DefaultField {
  return (DEFAULT_FIELDS as readonly string[]).includes(field);
}

function defaultValues(defaults: ModelDefaults): Pick<CreateFormState['values'], DefaultField> {
  return {
    width: String(defaults.width),
    height: String(defaults.height),
    steps: String(defaults.steps),
    guidance: String(defaults.guidance),
    sampler: defaults.sampler,
    strength: String(defaults.strength),
  };
}

/** A model's defaults: from GET /api/models when loaded, else the shared table. */
export function defaultsFor(model: ModelName, models?: readonly ModelInfo[]): ModelDefaults {
  return models?.find((m) => m.name === model)?.defaults ?? MODEL_DEFAULTS[model];
}

export function initialFormState(model: ModelName = 'sdxl', models?: readonly ModelInfo[]): CreateFormState {
  return {
    values: {
      prompt: '',
      negativePrompt: '',
      model,
      ...defaultValues(defaultsFor(model, models)),
      seed: '',
      batchSize: '1',
    },
    touched: new Set(),
    seedLocked: false,
    errors: {},
  };
}

export type FormAction =
  | { type: 'set'; field: CreateFormField; value: string; touch?: boolean }
  | { type: 'set-size'; width: number; height: number }
  | { type: 'model'; model: ModelName; defaults: ModelDefaults }
  | { type: 'lock-seed'; locked: boolean }
  | { type: 'remix'; node: ImageNode; models?: readonly ModelInfo[] }
  | { type: 'init'; node: ImageNode; base: number }
  | { type: 'apply-settings'; settings: CreateSettings }
  | { type: 'errors'; errors: CreateFormErrors }
  | { type: 'replace'; state: CreateFormState };

function withoutError(errors: CreateFormErrors, ...fields: CreateFormField[]): CreateFormErrors {
  if (!fields.some((f) => errors[f])) return errors;
  const next = { ...errors };
  for (const f of fields) delete next[f];
  return next;
}

export function formReducer(state: CreateFormState, action: FormAction): CreateFormState {
  switch (action.type) {
    case 'set': {
      const touch = action.touch !== false && isDefaultField(action.field);
      return {
        ...state,
        values: { ...state.values, [action.field]: action.value },
        touched: touch ? new Set([...state.touched, action.field as DefaultField]) : state.touched,
        // Typing a seed means wanting that seed: lock it so the next run uses it.
        seedLocked: action.field === 'seed' && action.touch !== false ? action.value.trim() !== '' : state.seedLocked,
        errors: withoutError(state.errors, action.field),
      };
    }
    case 'set-size':
      return {
        ...state,
        values: { ...state.values, width: String(action.width), height: String(action.height) },
        touched: new Set([...state.touched, 'width', 'height']),
        errors: withoutError(state.errors, 'width', 'height'),
      };
    case 'model': {
      const defaults = defaultValues(action.defaults);
      const values = { ...state.values, model: action.model };
      for (const f of DEFAULT_FIELDS) if (!state.touched.has(f)) values[f] = defaults[f];
      return { ...state, values, errors: withoutError(state.errors, 'model', ...DEFAULT_FIELDS) };
    }
    case 'lock-seed':
      return { ...state, seedLocked: action.locked, errors: action.locked ? state.errors : withoutError(state.errors, 'seed') };
    case 'remix':
      return remixState(state, action.node, action.models);
    case 'init': {
      const { node } = action;
      const values = { ...state.values };
      const touched = new Set(state.touched);
      if (!values.prompt.trim() && node.prompt) values.prompt = node.prompt;
      // Keep the init image's shape unless a size was chosen by hand.
      if (!touched.has('width') && !touched.has('height') && node.width > 0 && node.height > 0) {
        const size = sizeForAspect(node.width / node.height, action.base);
        values.width = String(size.width);
        values.height = String(size.height);
      }
      return { ...state, values, touched, errors: withoutError(state.errors, 'prompt', 'width', 'height') };
    }
    case 'apply-settings':
      return {
        ...state,
        values: { ...state.values, ...settingsValues(action.settings) },
        touched: new Set([...state.touched, ...DEFAULT_FIELDS.filter((f) => f !== 'strength')]),
        errors: withoutError(state.errors, 'model', 'batchSize', ...DEFAULT_FIELDS),
      };
    case 'errors':
      return { ...state, errors: action.errors };
    case 'replace':
      return action.state;
  }
}

function settingsValues(s: CreateSettings): Pick<CreateFormState['values'], 'model' | 'width' | 'height' | 'steps' | 'guidance' | 'sampler' | 'batchSize'> {
  return {
    model: s.model,
    width: String(s.width),
    height: String(s.height),
    steps: String(s.steps),
    guidance: String(s.guidance),
    sampler: s.sampler,
    batchSize: String(s.batchSize),
  };
}

/** A fresh form with the last run's settings (and its seed, had it been locked), as they were chosen. */
export function withLastSettings(state: CreateFormState, last: LastSettings | null): CreateFormState {
  if (!last) return state;
  return {
    ...state,
    values: { ...state.values, ...settingsValues(last.settings), ...(last.seed !== null ? { seed: String(last.seed) } : {}) },
    touched: new Set(last.touched),
    seedLocked: last.seed !== null,
  };
}

/** The whole form from a node's recipe, for "Remix": the recipe fields count as chosen. */
function remixState(state: CreateFormState, node: ImageNode, models?: readonly ModelInfo[]): CreateFormState {
  const spec = node.spec_json;
  // Ours by name; an upload by the model family its file states (spec_json.model); else the one chosen.
  const stated = typeof spec.model === 'string' && isModelName(spec.model) ? spec.model : null;
  const model = isModelName(node.model) ? node.model : (stated ?? (state.values.model as ModelName));
  const fallback = defaultValues(defaultsFor(model, models));
  const num = (v: unknown, dflt: string) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : dflt);
  const seed = typeof spec.seed === 'number' ? spec.seed : node.seed;
  const size = fitSize(
    typeof spec.width === 'number' ? spec.width : node.width,
    typeof spec.height === 'number' ? spec.height : node.height,
  );
  return {
    values: {
      ...state.values,
      prompt: node.prompt,
      negativePrompt: node.negative_prompt,
      model,
      width: String(size.width),
      height: String(size.height),
      steps: num(spec.steps, fallback.steps),
      guidance: num(spec.guidance, fallback.guidance),
      sampler: typeof spec.sampler === 'string' && isSampler(spec.sampler) ? spec.sampler : fallback.sampler,
      // No seed of ours in the recipe (none stated, or beyond ours): the field says "Random", not another image's seed.
      seed: seed !== null && seed !== undefined ? String(seed) : '',
    },
    touched: new Set(DEFAULT_FIELDS.filter((f) => f !== 'strength')),
    seedLocked: seed !== null && seed !== undefined,
    errors: {},
  };
}
