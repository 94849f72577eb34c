import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MODEL_NAMES, ModelName } from '@imageflow/shared';

/**
 * Which backends exist and which model each one serves, from `imageflow.config.json` and/or the
 * environment. Pure: reading the file is the caller's (`readBackendsConfig`).
 */

const secret = z.string().min(1, 'must not be empty').describe('A value, or "env:NAME" to read it from the environment.');
const common = {
  /** Generations this backend runs at once; more wait for a free slot. */
  concurrency: z.number().int().min(1).max(64).default(1),
  /** A generation on this backend fails after this many seconds. */
  timeout_s: z.number().positive().max(24 * 3600).default(600),
};

const ComfyUiModel = z
  .object({
    checkpoint: z.string().min(1).optional(),
    unet: z.string().min(1).optional(),
    clip: z.tuple([z.string().min(1), z.string().min(1)]).optional(),
    vae: z.string().min(1).optional(),
    weight_dtype: z.string().min(1).optional(),
    workflow: z.string().min(1).optional().describe('An API-format workflow file with {{placeholders}}.'),
  })
  .strict();

const A1111Model = z.object({ checkpoint: z.string().min(1).optional(), flux: z.boolean().optional() }).strict();

const modelMap = <T extends z.ZodType>(value: T) => z.partialRecord(ModelName, value);

export const BackendConfig = z.discriminatedUnion('type', [
  z.object({ type: z.literal('builtin') }).strict(),
  z
    .object({ type: z.literal('comfyui'), url: z.url(), models: modelMap(ComfyUiModel).optional(), ...common })
    .strict(),
  z
    .object({
      type: z.literal('a1111'),
      url: z.url(),
      username: z.string().optional(),
      password: secret.optional(),
      models: modelMap(A1111Model).optional(),
      ...common,
    })
    .strict(),
  ...(['fal', 'replicate', 'bfl', 'openai'] as const).map((type) =>
    z
      .object({
        type: z.literal(type),
        api_key: secret,
        base_url: z.url().optional(),
        models: modelMap(z.string().min(1)).optional().describe("Our model name → the service's model id."),
        ...common,
      })
      .strict(),
  ),
]);
export type BackendConfig = z.infer<typeof BackendConfig>;
export type BackendType = BackendConfig['type'];

const BACKEND_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

export const BackendsFile = z
  .object({
    $schema: z.string().optional(),
    backends: z.record(z.string().regex(BACKEND_NAME, 'backend names are 1-32 of a-z, 0-9, _ and -'), BackendConfig).default({}),
    routes: modelMap(z.string()).optional().describe('Model name → backend name. Models not routed go to the first backend that serves them, else builtin.'),
  })
  .strict();
export type BackendsFile = z.infer<typeof BackendsFile>;

export interface ResolvedBackends {
  backends: Record<string, BackendConfig>;
  /** Every model name, with the backend that serves it ("builtin" when nothing else does). */
  routes: Record<ModelName, string>;
}

export class BackendsConfigError extends Error {
  override name = 'BackendsConfigError';
}

/** The environment variables that define a backend on their own, in routing priority order. */
const ENV_BACKENDS: Array<{ variable: string; name: string; make: (value: string, env: NodeJS.ProcessEnv) => unknown }> = [
  { variable: 'COMFYUI_URL', name: 'comfyui', make: (url) => ({ type: 'comfyui', url }) },
  {
    variable: 'A1111_URL',
    name: 'a1111',
    make: (url, env) => ({ type: 'a1111', url, ...(env.A1111_USERNAME ? { username: env.A1111_USERNAME, password: 'env:A1111_PASSWORD' } : {}) }),
  },
  { variable: 'FAL_KEY', name: 'fal', make: () => ({ type: 'fal', api_key: 'env:FAL_KEY' }) },
  { variable: 'REPLICATE_API_TOKEN', name: 'replicate', make: () => ({ type: 'replicate', api_key: 'env:REPLICATE_API_TOKEN' }) },
  { variable: 'BFL_API_KEY', name: 'bfl', make: () => ({ type: 'bfl', api_key: 'env:BFL_API_KEY' }) },
  { variable: 'OPENAI_API_KEY', name: 'openai', make: () => ({ type: 'openai', api_key: 'env:OPENAI_API_KEY' }) },
];

/** Models a backend serves when its config names none. OpenAI is never SDXL or FLUX: only when routed to. */
export function defaultModels(backend: BackendConfig): readonly ModelName[] {
  switch (backend.type) {
    case 'builtin':
    case 'comfyui':
    case 'fal':
    case 'replicate':
      return MODEL_NAMES;
    case 'a1111':
      return ['sdxl'];
    case 'bfl':
      return ['flux-dev'];
    case 'openai':
      return [];
  }
}

export function servedModels(backend: BackendConfig): readonly ModelName[] {
  if (backend.type !== 'builtin' && backend.models && Object.keys(backend.models).length > 0) {
    return MODEL_NAMES.filter((m) => backend.models![m] !== undefined);
  }
  return defaultModels(backend);
}

function describeIssue(where: string, error: z.ZodError): string {
  const issue = error.issues[0]!;
  const at = issue.path.length ? issue.path.join('.') : '(top level)';
  // A bad record key nests the reason one level down.
  const message = issue.code === 'invalid_key' ? `${issue.issues[0]?.message ?? issue.message}` : issue.message;
  return `${where}: ${at}: ${message}`;
}

/** Replaces every "env:NAME" string with that variable's value. */
function resolveSecrets(value: unknown, env: NodeJS.ProcessEnv, at: string): unknown {
  if (typeof value === 'string' && value.startsWith('env:')) {
    const name = value.slice(4);
    const found = env[name];
    if (!found) throw new BackendsConfigError(`${at} refers to the environment variable ${name}, which is not set.`);
    return found;
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, env, `${at}[${i}]`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveSecrets(v, env, `${at}.${k}`)]));
  }
  return value;
}

/**
 * Merges the file (if any) and the environment into backends and a route for every model.
 * The file wins over environment shortcuts of the same name; `IMAGEFLOW_ROUTES` ("sdxl=gpu,flux-dev=fal")
 * wins over the file's routes.
 */
export function resolveBackends(file: unknown, env: NodeJS.ProcessEnv, source = 'imageflow.config.json'): ResolvedBackends {
  const parsedFile = BackendsFile.safeParse(file ?? {});
  if (!parsedFile.success) throw new BackendsConfigError(describeIssue(source, parsedFile.error));

  const raw: Record<string, unknown> = {};
  for (const { variable, name, make } of ENV_BACKENDS) {
    if (env[variable]) raw[name] = make(env[variable]!, env);
  }
  for (const [name, backend] of Object.entries((file as { backends?: Record<string, unknown> } | undefined)?.backends ?? {})) raw[name] = backend;

  const backends: Record<string, BackendConfig> = { builtin: { type: 'builtin' } };
  for (const [name, value] of Object.entries(raw)) {
    if (name === 'builtin') continue;
    const parsed = BackendConfig.safeParse(resolveSecrets(value, env, `backends.${name}`));
    if (!parsed.success) throw new BackendsConfigError(describeIssue(`${source}: backends.${name}`, parsed.error));
    backends[name] = parsed.data;
  }

  const explicit: Partial<Record<ModelName, string>> = { ...parsedFile.data.routes, ...parseRoutesVariable(env.IMAGEFLOW_ROUTES) };
  const routes = {} as Record<ModelName, string>;
  const candidates = Object.keys(backends).filter((n) => n !== 'builtin');
  for (const model of MODEL_NAMES) {
    const chosen = explicit[model];
    if (chosen !== undefined) {
      if (!backends[chosen]) {
        throw new BackendsConfigError(
          `The route for ${model} names backend "${chosen}", which is not defined; defined: ${Object.keys(backends).join(', ')}.`,
        );
      }
      routes[model] = chosen;
      continue;
    }
    routes[model] = candidates.find((name) => servedModels(backends[name]!).includes(model)) ?? 'builtin';
  }
  return { backends, routes };
}

function parseRoutesVariable(value: string | undefined): Partial<Record<ModelName, string>> {
  if (!value) return {};
  const routes: Partial<Record<ModelName, string>> = {};
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [model, backend] = part.split('=').map((s) => s.trim());
    const parsed = ModelName.safeParse(model);
    if (!parsed.success || !backend) {
      throw new BackendsConfigError(
        `Invalid IMAGEFLOW_ROUTES entry "${part}": use model=backend pairs separated by commas, models being ${MODEL_NAMES.join(', ')}.`,
      );
    }
    routes[parsed.data] = backend;
  }
  return routes;
}

/** Reads the backends file; relative paths inside it (workflow files) are resolved against its folder. */
export function readBackendsConfig(file: string | null, env: NodeJS.ProcessEnv): ResolvedBackends & { dir: string | null } {
  if (file === null) return { ...resolveBackends(undefined, env), dir: null };
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : (err as Error).message;
    throw new BackendsConfigError(`Cannot read ${file}: ${reason}.`);
  }
  return { ...resolveBackends(json, env, file), dir: path.dirname(file) };
}
