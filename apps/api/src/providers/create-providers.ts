import path from 'node:path';
import { MODEL_NAMES, type ModelName } from '@imageflow/shared';
import type { Provider } from '../ports/provider.port.ts';
import { ProviderRegistry } from '../services/provider-registry.ts';
import { servedModels, type BackendConfig, type ResolvedBackends } from './backends-config.ts';
import { BuiltinProvider } from './builtin/builtin.provider.ts';
import { GuardedProvider } from './guarded-provider.ts';

/** Only the models a backend was configured for (or all it serves by default). */
function pickModels<T>(models: Partial<Record<ModelName, T>> | undefined, backend: BackendConfig): Partial<Record<ModelName, T>> {
  if (models && Object.keys(models).length > 0) return models;
  return Object.fromEntries(servedModels(backend).map((m) => [m, {} as T])) as Partial<Record<ModelName, T>>;
}

/**
 * Each backend's module (and the SDK or client it uses: the AI SDK for OpenAI, ws for ComfyUI) is loaded
 * only when a backend of its type is configured; the builtin engine alone is always there.
 */
async function makeProvider(name: string, backend: BackendConfig, configDir: string | null): Promise<Provider> {
  switch (backend.type) {
    case 'builtin':
      return new BuiltinProvider();
    case 'comfyui': {
      const models = pickModels(backend.models, backend);
      for (const model of Object.values(models)) {
        if (model?.workflow && configDir) model.workflow = path.resolve(configDir, model.workflow);
      }
      const { ComfyUiProvider } = await import('./comfyui/comfyui.provider.ts');
      return new ComfyUiProvider({
        name,
        url: backend.url,
        models: Object.fromEntries(
          Object.entries(models).map(([m, c]) => [m, { checkpoint: c?.checkpoint, unet: c?.unet, clip: c?.clip, vae: c?.vae, weightDtype: c?.weight_dtype, workflow: c?.workflow }]),
        ),
      });
    }
    case 'a1111': {
      const { A1111Provider } = await import('./a1111/a1111.provider.ts');
      return new A1111Provider({ name, url: backend.url, username: backend.username, password: backend.password, models: pickModels(backend.models, backend) });
    }
    case 'fal': {
      const { FalProvider } = await import('./hosted/fal.provider.ts');
      return new FalProvider({ name, apiKey: backend.api_key, baseUrl: backend.base_url, models: backend.models });
    }
    case 'replicate': {
      const { ReplicateProvider } = await import('./hosted/replicate.provider.ts');
      return new ReplicateProvider({ name, apiKey: backend.api_key, baseUrl: backend.base_url, models: backend.models });
    }
    case 'bfl': {
      const { BflProvider } = await import('./hosted/bfl.provider.ts');
      return new BflProvider({ name, apiKey: backend.api_key, baseUrl: backend.base_url, models: backend.models });
    }
    case 'openai': {
      const { OpenAiProvider } = await import('./hosted/openai.provider.ts');
      return new OpenAiProvider({ name, apiKey: backend.api_key, baseUrl: backend.base_url, models: backend.models });
    }
  }
}

/** One provider per configured backend, each behind its concurrency limit and timeout, routed by model. */
export async function createProviderRegistry(resolved: ResolvedBackends, configDir: string | null): Promise<ProviderRegistry> {
  const byName = new Map<string, Provider>();
  for (const [name, backend] of Object.entries(resolved.backends)) {
    const provider = await makeProvider(name, backend, configDir);
    byName.set(name, backend.type === 'builtin' ? provider : new GuardedProvider(provider, { concurrency: backend.concurrency, timeoutMs: backend.timeout_s * 1000 }));
  }
  return new ProviderRegistry(Object.fromEntries(MODEL_NAMES.map((m) => [m, byName.get(resolved.routes[m])!])) as Record<ModelName, Provider>);
}
