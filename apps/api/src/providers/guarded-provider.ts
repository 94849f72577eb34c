import type { ModelName } from '@imageflow/shared';
import { ProviderError } from '../errors.ts';
import { Slots } from '../lib/slots.ts';
import type { Provider, ProviderImage, ProviderRequest, ProviderRunOptions, RemoteHandle } from '../ports/provider.port.ts';

/**
 * Wraps a backend with its per-backend limits: at most `concurrency` generations at once and a
 * `timeoutMs` deadline for each (counted once it runs, not while it waits for a slot).
 */
export class GuardedProvider implements Provider {
  private readonly slots: Slots;

  constructor(
    private readonly inner: Provider,
    private readonly limits: { concurrency: number; timeoutMs: number },
  ) {
    this.slots = new Slots(limits.concurrency);
  }

  get name() {
    return this.inner.name;
  }
  get kind() {
    return this.inner.kind;
  }
  get isAi() {
    return this.inner.isAi;
  }
  get concurrency() {
    return this.limits.concurrency;
  }

  generate(request: ProviderRequest, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    return this.guard(options, (opts) => this.inner.generate(request, opts));
  }

  get resume(): Provider['resume'] {
    const inner = this.inner;
    if (!inner.resume) return undefined;
    return (handle: RemoteHandle, request: ProviderRequest, options: ProviderRunOptions = {}) =>
      this.guard(options, (opts) => inner.resume!(handle, request, opts));
  }

  health() {
    return this.inner.health();
  }

  models(): Promise<ModelName[]> {
    return this.inner.models();
  }

  private async guard(options: ProviderRunOptions, run: (options: ProviderRunOptions) => Promise<ProviderImage[]>) {
    const release = await this.slots.acquire(options.signal);
    const deadline = AbortSignal.timeout(this.limits.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    try {
      return await run({ ...options, signal });
    } catch (err) {
      if (deadline.aborted && !options.signal?.aborted) {
        throw new ProviderError(
          `${this.inner.name} did not finish within ${this.limits.timeoutMs / 1000} s; the run was stopped. Raise timeout_s for this backend in imageflow.config.json if it needs longer.`,
          'provider_timeout',
        );
      }
      throw err;
    } finally {
      release();
    }
  }
}
