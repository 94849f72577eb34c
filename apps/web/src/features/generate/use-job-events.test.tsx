import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook, waitFor } from '@testing-library/react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api } from '@/lib/api-client';
import { FakeEventSource, makeJob, makeNode } from './testing';
import { useJobEvents } from './use-job-events';

vi.mock('@/lib/api-client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/api-client')>();
  return { ...actual, api: { job: vi.fn(), jobEventsUrl: (id: string) => `/api/generations/${id}/events` } };
});
const jobMock = api.job as unknown as ReturnType<typeof vi.fn>;

function setup(jobId: string | null, onSettled = vi.fn()) {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  const hook = renderHook(({ id }) => useJobEvents(id, { onSettled }), { wrapper, initialProps: { id: jobId } });
  return { client, hook, onSettled };
}

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe('useJobEvents', () => {
  it('opens nothing without a job', () => {
    const { hook } = setup(null);
    expect(FakeEventSource.instances).toHaveLength(0);
    expect(hook.result.current).toEqual({ job: undefined, transport: 'idle', error: null, preview: null });
  });

  it('shows the live previews a remote backend sends while the job runs, and drops them when it ends', async () => {
    const { hook } = setup('j1');
    const stream = FakeEventSource.latest();
    act(() => stream.emit('progress', makeJob({ id: 'j1', status: 'running', step: 1, total_steps: 4, progress: 0.25 })));
    act(() => stream.emitPreview('j1', 'data:image/jpeg;base64,AAAA'));
    await waitFor(() => expect(hook.result.current.preview).toBe('data:image/jpeg;base64,AAAA'));
    act(() => stream.emit('completed', makeJob({ id: 'j1', status: 'succeeded', images: [makeNode({ id: 3 })] })));
    await waitFor(() => expect(hook.result.current.preview).toBeNull());
  });

  it('follows the stream, and on completion caches the nodes, invalidates gallery, lineage and the parent, and closes', async () => {
    const { client, hook, onSettled } = setup('j1');
    client.setQueryData(['gallery', {}], { pages: [] });
    client.setQueryData(['lineage', 4, 'tree'], {});
    client.setQueryData(['image', 4], makeNode({ id: 4 }));
    const stream = FakeEventSource.latest();
    expect(stream.url).toBe('/api/generations/j1/events');
    expect(hook.result.current.transport).toBe('stream');

    act(() => stream.emit('progress', makeJob({ id: 'j1', status: 'running', step: 3, total_steps: 10, progress: 0.3 })));
    await waitFor(() => expect(hook.result.current.job?.step).toBe(3));

    const done = makeJob({ id: 'j1', status: 'succeeded', parent_id: 4, images: [makeNode({ id: 10, parent_id: 4 })] });
    act(() => stream.emit('completed', done));
    await waitFor(() => expect(onSettled).toHaveBeenCalledWith(done));
    expect(onSettled).toHaveBeenCalledTimes(1);
    expect(stream.closed).toBe(true);
    expect(hook.result.current.transport).toBe('idle');
    expect(client.getQueryData(['image', 10])).toEqual(done.images[0]);
    expect(client.getQueryState(['gallery', {}])?.isInvalidated).toBe(true);
    expect(client.getQueryState(['lineage', 4, 'tree'])?.isInvalidated).toBe(true);
    expect(client.getQueryState(['image', 4])?.isInvalidated).toBe(true);
  });

  it('closes the stream on unmount', () => {
    const { hook } = setup('j2');
    const stream = FakeEventSource.latest();
    hook.unmount();
    expect(stream.closed).toBe(true);
  });

  it('polls every second after the stream fails, until the job ends', async () => {
    jobMock
      .mockResolvedValueOnce(makeJob({ id: 'j3', status: 'running', step: 1, total_steps: 2 }))
      .mockResolvedValueOnce(makeJob({ id: 'j3', status: 'failed', error: { code: 'x', message: 'Out of memory.' } }));
    const { hook, onSettled } = setup('j3');
    act(() => FakeEventSource.latest().fail());
    await waitFor(() => expect(hook.result.current.transport).toBe('polling'));
    await waitFor(() => expect(hook.result.current.job?.status).toBe('failed'), { timeout: 3000 });
    expect(jobMock).toHaveBeenCalledTimes(2);
    expect(onSettled).toHaveBeenCalledTimes(1);
    await new Promise((r) => setTimeout(r, 1200));
    expect(jobMock).toHaveBeenCalledTimes(2);
  });
});
