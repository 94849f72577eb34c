import type { ModelName } from '@imageflow/shared';
import type { Provider } from '../ports/provider.port.ts';

/** Which provider serves each model. With nothing configured every model goes to `builtin`. */
export class ProviderRegistry {
  constructor(
    private readonly fallback: Provider,
    private readonly routes: Partial<Record<ModelName, Provider>> = {},
  ) {}

  forModel(model: ModelName): Provider {
    return this.routes[model] ?? this.fallback;
  }

  all(): Provider[] {
    return [...new Set([this.fallback, ...Object.values(this.routes)])];
  }
}
