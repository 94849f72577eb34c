import { describe, expect, it } from 'vitest';
import { MODEL_DEFAULTS, type ModelName } from '@imageflow/shared';
import type { Provider, ProviderImage, ProviderRunOptions } from '../ports/provider.port.ts';
import { GuardedProvider } from './guarded-provider.ts';

/** A backend whose runs last until released or aborted, recording how many run at once. */
class SlowBackend implements Provider {
  readonly name = 'slow';
  readonly kind = 'test';
  readonly isAi = true;
  running = 0;
  maxRunning = 0;
  private releases: Array<() => void> = [];

  async generate(_: unknown, options: ProviderRunOptions = {}): Promise<ProviderImage[]> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await new Promise<void>((resolve, reject) => {
        this.releases.push(resolve);
        options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
      });
      return [];
    } finally {
      this.running--;
    }
  }
  releaseOne() {
    this.releases.shift()?.();
  }
  async health() {
    return { ok: true };
  }
  async models(): Promise<ModelName[]> {
    return ['sdxl'];
  }
}

const request = { model: 'sdxl' as const, prompt: 'x', negativePrompt: '', spec: { ...MODEL_DEFAULTS.sdxl, seed: 1 } };
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('GuardedProvider', () => {
  it('runs at most `concurrency` generations at once; the rest wait their turn', async () => {
    const backend = new SlowBackend();
    const guarded = new GuardedProvider(backend, { concurrency: 2, timeoutMs: 60_000 });
    const runs = [guarded.generate(request), guarded.generate(request), guarded.generate(request)];
    await tick();
    expect(backend.running).toBe(2);
    backend.releaseOne();
    await tick();
    expect(backend.running).toBe(2);
    backend.releaseOne();
    backend.releaseOne();
    await Promise.all(runs);
    expect(backend.maxRunning).toBe(2);
  });

  it('stops a run past its deadline with a message naming the setting', async () => {
    const guarded = new GuardedProvider(new SlowBackend(), { concurrency: 1, timeoutMs: 20 });
    await expect(guarded.generate(request)).rejects.toThrow('slow did not finish within 0.02 s; the run was stopped. Raise timeout_s');
  });

  it('passes a cancel through, and a cancel while waiting for a slot frees the place', async () => {
    const backend = new SlowBackend();
    const guarded = new GuardedProvider(backend, { concurrency: 1, timeoutMs: 60_000 });
    const first = guarded.generate(request);
    const waiting = new AbortController();
    const second = guarded.generate(request, { signal: waiting.signal });
    waiting.abort(new Error('canceled by request'));
    await expect(second).rejects.toThrow('canceled by request');
    backend.releaseOne();
    await first;
    const third = guarded.generate(request);
    await tick();
    expect(backend.running).toBe(1);
    backend.releaseOne();
    await third;
  });
});
