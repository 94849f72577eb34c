import path from 'node:path';
import { MODEL_NAMES, type ModelName } from '@imageflow/shared';
import type { Provider } from '../ports/provider.port.ts';
import { ProviderRegistry } from '../services/provider-registry.ts';
import { servedModels, type BackendConfig, type ResolvedBackends } from './backends-config.ts';
import { BuiltinProvider } from './builtin/builtin.provider.ts';
import { GuardedProvider } from './guarded-provider.ts';
import { ComfyUiProvider } from './comfyui/comfyui.provider.ts';
import { A1111Provider } from './a1111/a1111.provider.ts';
import { FalProvider } from './hosted/fal.provider.ts';
import { ReplicateProvider } from './hosted/replicate.provider.ts';
import { BflProvider } from './hosted/bfl.provider.ts';
import { OpenAiProvider } from './hosted/openai.provider.ts';

/** Only the models a backend was configured for (or all it serves by default). */
function pickModels<T>(models: Partial<Record<ModelName, T>> | undefined, backend: BackendConfig): Partial<Record<ModelName, T>> {
  if (models && Object.keys(models).length > 0) return models;
  return Object.fromEntries(servedModels(backend).map((m) => [m, {} as T])) as Partial<Record<ModelName, T>>;
}

function makeProvider(name: string, backend: BackendConfig, configDir: string | null): Provider {
  switch (backend.type) {
    case 'builtin':
      return new BuiltinProvider();
    case 'comfyui': {
      const models = pickModels(backend.models, backend);
      for (const model of Object.values(models)) {
        if (model?.workflow && configDir) model.workflow = path.resolve(configDir, model.workflow);
      }
      return new ComfyUiProvider({
        name,
        url: backend.url,
        models: Object.fromEntries(
          Object.entries(models).map(([m, c]) => [m, { checkpoint: c?.checkpoint, unet: c?.unet, clip: c?.clip, vae: c?.vae, weightDtype: c?.weight_dtype, workflow: c?.workflow }]),
        ),
      });
    }
    case 'a1111':
      return new A1111Provider({ name, url: backend.url, username: backend.username, password: backend.password, models: pickModels(backend.models, backend) });
    case 'fal':
      return new FalProvider({ name, apiKey: backend.api_key, baseUrl: backend.base_url, models: backend.models });
    case 'replicate':
      return new ReplicateProvider({ name, apiKey: backend.api_key, baseUrl: backend.base_url, models: backend.models });
    case 'bfl':
      return new BflProvider({ name, apiKey: backend.api_key, baseUrl: backend.base_url, models: backend.models });
    case 'openai':
      return new OpenAiProvider({ name, apiKey: backend.api_key, baseUrl: backend.base_url, models: backend.models });
  }
}

/** One provider per configured backend, each behind its concurrency limit and timeout, routed by model. */
export function createProviderRegistry(resolved: ResolvedBackends, configDir: string | null): ProviderRegistry {
  const byName = new Map<string, Provider>();
  for (const [name, backend] of Object.entries(resolved.backends)) {
    const provider = makeProvider(name, backend, configDir);
    byName.set(name, backend.type === 'builtin' ? provider : new GuardedProvider(provider, { concurrency: backend.concurrency, timeoutMs: backend.timeout_s * 1000 }));
  }
  return new ProviderRegistry(Object.fromEntries(MODEL_NAMES.map((m) => [m, byName.get(resolved.routes[m])!])) as Record<ModelName, Provider>);
}
