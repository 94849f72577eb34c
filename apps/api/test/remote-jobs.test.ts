import { afterEach, describe, expect, it } from 'vitest';
import { BuiltinProvider } from '../src/providers/builtin/builtin.provider.ts';
import type { Provider, ProviderRequest, ProviderRunOptions, RemoteHandle } from '../src/ports/provider.port.ts';
import { makeDataDir, SMALL, startTestApp, type TestApp } from './harness.ts';

/**
 * A stand-in for a remote backend as the job service sees it through the port: it hands out a
 * ticket when a run is submitted, sends previews, and can be re-attached to by ticket.
 */
class TicketBackend implements Provider {
  readonly name = 'remote';
  readonly kind = 'test';
  readonly isAi = true;
  submitted = 0;
  resumed: RemoteHandle[] = [];
  private readonly renderer = new BuiltinProvider();
  private submittedWaiters: Array<() => void> = [];

  constructor(private readonly finishOnSubmit: boolean) {}

  async generate(request: ProviderRequest, options: ProviderRunOptions = {}) {
    this.submitted++;
    options.onSubmitted?.({ ticket: `t${this.submitted}` });
    for (const w of this.submittedWaiters.splice(0)) w();
    // Like a real backend, the first preview comes a moment after the run starts.
    await new Promise((r) => setTimeout(r, 100));
    options.onPreview?.({ mime: 'image/jpeg', data: Buffer.from('preview-bytes') });
    if (!this.finishOnSubmit) {
      await new Promise((_, reject) => {
        if (options.signal?.aborted) reject(options.signal.reason);
        options.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
      });
    }
    return this.renderer.generate(request);
  }

  async resume(handle: RemoteHandle, request: ProviderRequest) {
    this.resumed.push(handle);
    return this.renderer.generate(request);
  }

  waitForSubmit(): Promise<void> {
    return this.submitted > 0 ? Promise.resolve() : new Promise((r) => this.submittedWaiters.push(r));
  }

  async health() {
    return { ok: true };
  }
  async models() {
    return this.renderer.models();
  }
}

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('jobs on remote backends', () => {
  it('after a restart, a submitted job is followed by its handle, not submitted again', async () => {
    const dataDir = await makeDataDir();
    const before = new TicketBackend(false);
    t = await startTestApp({ dataDir, provider: before });
    const job = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'remote', spec: SMALL } })).json();
    expect(job.provider).toBe('remote');
    await before.waitForSubmit();
    await t.close();

    const after = new TicketBackend(true);
    t = await startTestApp({ dataDir, provider: after });
    await t.services.queue.idle();
    const done = (await t.app.inject({ url: `/api/generations/${job.id}` })).json();
    expect(done.status).toBe('succeeded');
    expect(after.resumed).toEqual([{ ticket: 't1' }]);
    expect(after.submitted).toBe(0);
    expect(done.images[0]).toMatchObject({ provider: 'remote', prompt: 'remote' });
  });

  it('sends live previews on the event stream', async () => {
    t = await startTestApp({ provider: new TicketBackend(true) });
    const job = (await t.app.inject({ method: 'POST', url: '/api/generations', payload: { prompt: 'remote', spec: SMALL } })).json();
    const res = await t.app.inject({ url: `/api/generations/${job.id}/events` });
    const preview = res.body.split('\n\n').find((b) => b.startsWith('event: preview'));
    expect(preview).toBeDefined();
    expect(JSON.parse(preview!.split('\n')[1]!.slice(6))).toEqual({
      id: job.id,
      mime: 'image/jpeg',
      data_url: `data:image/jpeg;base64,${Buffer.from('preview-bytes').toString('base64')}`,
    });
    expect(res.body).toMatch(/event: completed/);
  });
});
