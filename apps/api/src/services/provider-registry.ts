import { MODEL_NAMES, type ModelName } from '@imageflow/shared';
import type { BackendLimits } from '../ports/job.repository.port.ts';
import type { Provider } from '../ports/provider.port.ts';

/** Which provider serves each model. With nothing configured every model goes to `builtin`. */
export class ProviderRegistry {
  constructor(private readonly routes: Record<ModelName, Provider>) {}

  /** Every model served by one provider (the zero-configuration case, and tests). */
  static single(provider: Provider): ProviderRegistry {
    return new ProviderRegistry(Object.fromEntries(MODEL_NAMES.map((m) => [m, provider])) as Record<ModelName, Provider>);
  }

  forModel(model: ModelName): Provider {
    return this.routes[model];
  }

  /** A configured backend by name (e.g. to resume a job it was running). */
  byName(name: string): Provider | undefined {
    return this.all().find((p) => p.name === name);
  }

  /** The backends that run a limited number of jobs at once, with their limits (held across every worker). */
  limits(): BackendLimits {
    return Object.fromEntries(this.all().flatMap((p) => (p.concurrency === undefined ? [] : [[p.name, p.concurrency]])));
  }

  all(): Provider[] {
    return [...new Set(Object.values(this.routes))];
  }
}
