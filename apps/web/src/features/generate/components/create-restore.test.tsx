import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { Job } from '@imageflow/shared';
import { api, type JobPage } from '@/lib/api-client';
import { createQueryClient } from '@/lib/query-client';
import { generateSession } from '../session';
import { FakeEventSource, makeJob, makeModels, makeNode } from '../testing';
import { CreatePage, resetCreateDraft } from './create-page';

vi.mock('@/lib/api-client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/api-client')>();
  return {
    ...actual,
    api: {
      models: vi.fn(),
      submitGeneration: vi.fn(),
      job: vi.fn(),
      jobs: vi.fn(),
      cancelJob: vi.fn(),
      jobEventsUrl: (id: string) => `/api/generations/${id}/events`,
      image: vi.fn(),
      upload: vi.fn(),
    },
  };
});

const mocked = api as unknown as Record<'models' | 'submitGeneration' | 'jobs' | 'cancelJob', ReturnType<typeof vi.fn>>;

function page(items: Job[]): JobPage {
  return { items: items.map((j) => ({ ...j, position: null })), next_cursor: null, counts: { queued: 0, running: 0 } };
}

function renderCreate() {
  const client = createQueryClient();
  const router = createMemoryRouter([{ path: '/', element: <CreatePage /> }], { initialEntries: ['/'] });
  const utils = render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...utils, client, user: userEvent.setup() };
}

const lighthouse = makeJob({
  id: 'job-old',
  status: 'succeeded',
  progress: 1,
  created_at: '2026-01-01T10:00:00.000Z',
  request: { prompt: 'a lighthouse on a cliff', spec: { width: 512, height: 512, seed: 7 } },
  images: [makeNode({ id: 5, prompt: 'a lighthouse on a cliff' }), makeNode({ id: 6, prompt: 'a lighthouse on a cliff' })],
});

beforeEach(() => {
  generateSession.reset();
  resetCreateDraft();
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  mocked.models.mockResolvedValue({ models: makeModels() });
  mocked.submitGeneration.mockImplementation(async () => makeJob({ id: 'job-new', created_at: new Date().toISOString() }));
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe('Create after a reload', { timeout: 20_000 }, () => {
  it('shows the results the server kept, with their images', async () => {
    const upscale = makeJob({ id: 'job-up', status: 'succeeded', action_type: 'upscale', parent_id: 5, created_at: '2026-01-01T11:00:00.000Z', request: { parent_id: 5, action_type: 'upscale' }, images: [makeNode({ id: 8 })] });
    mocked.jobs.mockResolvedValue(page([upscale, lighthouse]));
    renderCreate();
    expect(await screen.findByRole('link', { name: 'Open image #5' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open image #6' })).toBeTruthy();
    expect(screen.getByText('a lighthouse on a cliff')).toBeTruthy();
    expect(mocked.jobs).toHaveBeenCalledWith({ limit: 20 });
    // An upscale made on an image's page is not one of Create's results.
    expect(screen.queryByRole('link', { name: 'Open image #8' })).toBeNull();
    expect(screen.queryByRole('list', { name: 'Example prompts' })).toBeNull();
    // Finished jobs are not followed.
    expect(FakeEventSource.instances).toHaveLength(0);
  });

  it('follows a job still running from where it is, and shows its images when it ends; Generate stays free', async () => {
    const running = makeJob({
      id: 'job-run',
      status: 'running',
      progress: 0.3,
      step: 9,
      total_steps: 30,
      created_at: '2026-01-01T12:00:00.000Z',
      started_at: '2026-01-01T12:00:01.000Z',
      request: { prompt: 'neon city at night', spec: { width: 512, height: 512 } },
    });
    mocked.jobs.mockResolvedValue(page([running, lighthouse]));
    const { user } = renderCreate();
    const current = await screen.findByRole('region', { name: 'Current generation' });
    expect(within(current).getByText('neon city at night')).toBeTruthy();
    expect(within(current).getByRole('progressbar').getAttribute('aria-valuenow')).toBe('30');
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    const stream = FakeEventSource.latest();
    expect(stream.url).toBe('/api/generations/job-run/events');
    act(() => stream.emit('progress', { ...running, progress: 0.5, step: 15 }));
    expect(await within(current).findByText(/step 15 \/ 30/)).toBeTruthy();
    // The earlier results stay in view below.
    expect(screen.getByRole('link', { name: 'Open image #5' })).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Generate' }) as HTMLButtonElement).disabled).toBe(false);

    act(() => stream.emit('completed', { ...running, status: 'succeeded', progress: 1, images: [makeNode({ id: 9, prompt: 'neon city at night' })] }));
    expect(await screen.findByRole('link', { name: 'Open image #9' })).toBeTruthy();
    expect(screen.queryByRole('region', { name: 'Current generation' })).toBeNull();

    // A new run goes first; the restored ones stay.
    await user.type(screen.getByLabelText('Prompt', { selector: 'textarea#prompt' }), 'misty pine forest');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(generateSession.runs().map((r) => r.jobId)).toEqual(['job-new', 'job-run', 'job-old']));
  });

  it('asks nothing when the tab already has runs', async () => {
    generateSession.start(makeJob({ id: 'job-here', status: 'queued' }), { prompt: 'here' });
    renderCreate();
    const current = await screen.findByRole('region', { name: 'Current generation' });
    expect(mocked.jobs).not.toHaveBeenCalled();
    // Waiting its turn: where to see the line it waits in.
    expect(within(current).getByRole('link', { name: '· see the Queue' }).getAttribute('href')).toBe('/queue');
  });

  it('keeps the examples when the server cannot say', async () => {
    mocked.jobs.mockRejectedValue(new Error('Cannot reach the ImageFlow server. Is it running?'));
    renderCreate();
    await waitFor(() => expect(mocked.jobs).toHaveBeenCalledTimes(1));
    expect(screen.getByRole('list', { name: 'Example prompts' })).toBeTruthy();
    expect(generateSession.wantsRestore()).toBe(true);
  });

  it('keeps the examples when nothing was made yet', async () => {
    mocked.jobs.mockResolvedValue(page([]));
    const { unmount } = renderCreate();
    await waitFor(() => expect(generateSession.wantsRestore()).toBe(false));
    expect(screen.getByRole('list', { name: 'Example prompts' })).toBeTruthy();
    unmount();
    // Restored once: a second visit does not ask again.
    renderCreate();
    expect(screen.getByRole('list', { name: 'Example prompts' })).toBeTruthy();
    expect(mocked.jobs).toHaveBeenCalledTimes(1);
  });
});
