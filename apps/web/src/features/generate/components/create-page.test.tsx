import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, configure, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { GenerationRequest } from '@imageflow/shared';
import { api } from '@/lib/api-client';
import { createQueryClient } from '@/lib/query-client';
import { generateSession } from '../session';
import { FakeEventSource, makeJob, makeModels, makeNode } from '../testing';
import { CreatePage, resetCreateDraft } from './create-page';


// Whole flows through the page, typed and clicked: on a busy machine they outlast the default 5 s,
// and one look through the whole form for an element can take longer than the default second.
vi.setConfig({ testTimeout: 30_000 });
configure({ asyncUtilTimeout: 10_000 });

vi.mock('@/lib/api-client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/api-client')>();
  return {
    ...actual,
    api: {
      models: vi.fn(),
      submitGeneration: vi.fn(),
      job: vi.fn(),
      cancelJob: vi.fn(),
      jobEventsUrl: (id: string) => `/api/generations/${id}/events`,
      image: vi.fn(),
      upload: vi.fn(),
    },
  };
});

const mocked = api as unknown as Record<'models' | 'submitGeneration' | 'job' | 'cancelJob' | 'image' | 'upload', ReturnType<typeof vi.fn>>;

function renderCreate(url = '/') {
  const client = createQueryClient();
  const router = createMemoryRouter(
    [
      { path: '/', element: <CreatePage /> },
      { path: '/image/:id', element: <p>image page</p> },
    ],
    { initialEntries: [url] },
  );
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { client, router, user: userEvent.setup() };
}

const prompt = () => screen.getByLabelText('Prompt', { selector: 'textarea#prompt' });
/** Puts text in a field in one input, as a paste does (typing a long prompt key by key is slow). */
async function fill(user: ReturnType<typeof userEvent.setup>, field: HTMLElement, text: string) {
  await user.click(field);
  await user.paste(text);
}
const submitted = (): GenerationRequest => mocked.submitGeneration.mock.calls.at(-1)![0] as GenerationRequest;

beforeEach(() => {
  localStorage.clear();
  generateSession.reset();
  resetCreateDraft();
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  mocked.models.mockResolvedValue({ models: makeModels() });
  mocked.submitGeneration.mockImplementation(async () => makeJob());
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe('Create form validation', () => {
  it('shows an inline error, focuses the prompt and does not submit when the prompt is empty', async () => {
    const { user } = renderCreate();
    await user.click(screen.getByRole('button', { name: 'Generate' }));

    expect(screen.getByText('Describe the image you want: the prompt must not be empty.')).toBeTruthy();
    expect(prompt().getAttribute('aria-invalid')).toBe('true');
    expect(prompt().getAttribute('aria-describedby')).toBe('prompt-error');
    await waitFor(() => expect(document.activeElement).toBe(prompt()));
    expect(mocked.submitGeneration).not.toHaveBeenCalled();
  });

  it('shows a size error under its field, and clears it once fixed', async () => {
    const { user } = renderCreate();
    await fill(user, prompt(), 'neon city at night, rain');
    const width = screen.getByLabelText('Width');
    await user.clear(width);
    await user.type(width, '1020');
    await user.click(screen.getByRole('button', { name: 'Generate' }));

    expect(screen.getByText('Width must be a multiple of 8 — try 1016 or 1024.')).toBeTruthy();
    expect(width.getAttribute('aria-invalid')).toBe('true');
    expect(mocked.submitGeneration).not.toHaveBeenCalled();

    await user.type(width, '{Backspace}4');
    expect(screen.queryByText(/Width must be/)).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    expect(submitted().spec).toMatchObject({ width: 1024 });
  });

  it('reports steps out of range', async () => {
    const { user } = renderCreate();
    await fill(user, prompt(), 'a red flower in a field');
    const steps = screen.getByLabelText('Steps');
    await user.clear(steps);
    await user.type(steps, '500');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    expect(screen.getByText('Steps must be between 1 and 150.')).toBeTruthy();
    expect(mocked.submitGeneration).not.toHaveBeenCalled();
  });
});

describe('Create: an invalid field is brought into view', () => {
  it('scrolls the first invalid field into view clear of the sticky bars, focuses it and shows its message', async () => {
    const scrolled: Element[] = [];
    const scrollIntoView = vi.fn(function (this: Element) {
      // Only this render's fields: a frame an earlier test asked for may still come, for a field now gone.
      if (this.isConnected) scrolled.push(this);
    });
    Object.defineProperty(HTMLElement.prototype, 'scrollIntoView', { configurable: true, value: scrollIntoView });
    try {
      const { user } = renderCreate();
      await fill(user, prompt(), 'a red flower in a field');
      const width = screen.getByLabelText('Width');
      await user.clear(width);
      await user.type(width, '13');
      await user.click(screen.getByRole('button', { name: 'Generate' }));

      expect(screen.getByText('Width must be between 64 and 2048 pixels.').getAttribute('role')).toBe('alert');
      await waitFor(() => expect(document.activeElement).toBe(width));
      expect(scrolled).toEqual([width]);
      expect(scrollIntoView).toHaveBeenCalledWith(expect.objectContaining({ block: 'nearest' }));
      // The margins that keep it clear of the header above and the Generate bar below.
      const form = screen.getByRole('form', { name: 'Create an image' });
      expect(form.className).toContain('[&_:is(input,select,textarea)]:scroll-mt-28');
      expect(form.className).toContain('[&_:is(input,select,textarea)]:scroll-mb-40');
      expect(mocked.submitGeneration).not.toHaveBeenCalled();
    } finally {
      delete (HTMLElement.prototype as { scrollIntoView?: unknown }).scrollIntoView;
    }
  });
});

describe('Create: the Generate bar', () => {
  it('stays opaque while a run is going: a solid background, and a disabled button that is not see-through', async () => {
    const { user } = renderCreate();
    await fill(user, prompt(), 'neon city at night, rain');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    const button = screen.getByRole('button', { name: 'Generate' }) as HTMLButtonElement;
    await waitFor(() => expect(button.disabled).toBe(true));
    const bar = screen.getByTestId('generate-bar');
    expect(bar.contains(button)).toBe(true);
    const barClasses = bar.className.split(/\s+/);
    expect(barClasses).toContain('bg-white');
    expect(barClasses).toContain('dark:bg-zinc-950');
    // No see-through background of its own (a gradient to transparent, or a colour with alpha).
    expect(barClasses.filter((c) => /^(dark:)?(bg-|from-|via-|to-)/.test(c) && /\/\d+$/.test(c))).toEqual([]);
    const buttonClasses = button.className.split(/\s+/);
    expect(buttonClasses).toContain('disabled:opacity-100!');
    expect(buttonClasses).toContain('disabled:bg-indigo-400!');
    expect(buttonClasses).toContain('dark:disabled:bg-indigo-900!');
  });
});

describe('Create: generating', () => {
  it('submits with Ctrl+Enter, shows the drawn seed, progress, and the images the moment the job completes', async () => {
    const { user, client } = renderCreate();
    client.setQueryData(['gallery', { limit: 120 }], { pages: [], pageParams: [] });
    await fill(user, prompt(), 'a lighthouse on a cliff at sunset over the ocean');
    await user.keyboard('{Control>}{Enter}{/Control}');

    await waitFor(() => expect(mocked.submitGeneration).toHaveBeenCalledTimes(1));
    const request = submitted();
    expect(request).toEqual({
      prompt: 'a lighthouse on a cliff at sunset over the ocean',
      negative_prompt: '',
      model: 'sdxl',
      spec: { width: 1024, height: 1024, steps: 30, guidance: 7, sampler: 'dpmpp_2m_karras', seed: expect.any(Number), batch_size: 1 },
    });
    expect((screen.getByLabelText('Seed') as HTMLInputElement).value).toBe(String(request.spec!.seed));

    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    const stream = FakeEventSource.latest();
    expect(stream.url).toBe('/api/generations/job-1/events');
    act(() => stream.emit('progress', makeJob({ status: 'running', progress: 0.4, step: 12, total_steps: 30 })));
    expect(await screen.findByText(/step 12 \/ 30/)).toBeTruthy();
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('40');
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Generate' }) as HTMLButtonElement).disabled).toBe(true);

    const images = [makeNode({ id: 5 }), makeNode({ id: 6 })];
    act(() => stream.emit('completed', makeJob({ status: 'succeeded', progress: 1, images })));

    const open = await screen.findByRole('link', { name: 'Open image #5' });
    expect(open.getAttribute('href')).toBe('/image/5');
    expect(screen.getByRole('button', { name: 'Use image #6 as init image' })).toBeTruthy();
    // Each result can be shared from where it appears.
    await user.click(screen.getByRole('button', { name: 'Share image #6' }));
    expect(screen.getByRole('dialog', { name: 'Share image #6' })).toBeTruthy();
    await user.click(within(screen.getByRole('dialog', { name: 'Share image #6' })).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(stream.closed).toBe(true);
    expect(client.getQueryData(['image', 6])).toEqual(images[1]);
    expect(client.getQueryState(['gallery', { limit: 120 }])?.isInvalidated).toBe(true);
    expect(mocked.job).not.toHaveBeenCalled();
    expect((screen.getByRole('button', { name: 'Generate' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('reuses a locked seed (typing a seed locks it)', async () => {
    const { user } = renderCreate();
    await fill(user, prompt(), 'misty pine forest mountains at dawn');
    await user.type(screen.getByLabelText('Seed'), '1234');
    expect(screen.getByRole('button', { name: 'Lock' }).getAttribute('aria-pressed')).toBe('true');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(submitted().spec?.seed).toBe(1234));
  });

  it('shows a failure inline with the server’s message', async () => {
    const { user } = renderCreate();
    await fill(user, prompt(), 'neon city at night, rain');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    act(() =>
      FakeEventSource.latest().emit('failed', makeJob({ status: 'failed', error: { code: 'provider_error', message: 'The GPU ran out of memory.' } })),
    );
    const failed = await screen.findByRole('region', { name: 'Failed generation' });
    expect(within(failed).getByText(/The GPU ran out of memory\./)).toBeTruthy();
    expect(within(failed).getByRole('button', { name: 'Try again' })).toBeTruthy();
  });

  it('falls back to polling the job when the event stream breaks', async () => {
    mocked.job.mockResolvedValue(makeJob({ status: 'succeeded', images: [makeNode({ id: 9 })] }));
    const { user } = renderCreate();
    await fill(user, prompt(), 'neon city at night, rain');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    act(() => FakeEventSource.latest().fail());
    expect(FakeEventSource.latest().closed).toBe(true);
    expect(await screen.findByRole('link', { name: 'Open image #9' })).toBeTruthy();
    expect(mocked.job).toHaveBeenCalledWith('job-1');
  });

  it('cancels a running job', async () => {
    mocked.cancelJob.mockResolvedValue(makeJob({ status: 'canceled' }));
    const { user } = renderCreate();
    await fill(user, prompt(), 'neon city at night, rain');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await user.click(await screen.findByRole('button', { name: 'Cancel' }));
    expect(mocked.cancelJob).toHaveBeenCalledWith('job-1');
    expect(await screen.findByText('Canceled. Nothing was saved.')).toBeTruthy();
  });
});

describe('Create: models', () => {
  it('names each model’s provider, says plainly when it is the builtin engine, and disables unreachable ones', async () => {
    mocked.models.mockResolvedValue({
      models: makeModels({
        'flux-dev': { provider: 'comfyui', ai: true, reachable: false, message: 'connection refused' },
        'flux-schnell': { provider: 'comfyui', ai: true },
      }),
    });
    renderCreate();
    const select = screen.getByLabelText('Model') as HTMLSelectElement;
    await waitFor(() => expect(within(select).getByRole('option', { name: 'SDXL — builtin engine (not AI)' })).toBeTruthy());
    const dev = within(select).getByRole('option', { name: 'FLUX.1 [dev] — ComfyUI (unreachable)' }) as HTMLOptionElement;
    expect(dev.disabled).toBe(true);
    expect(within(select).getByRole('option', { name: 'FLUX.1 [schnell] — ComfyUI' })).toBeTruthy();
    expect(screen.getByText('builtin engine — offline procedural renderer, not AI')).toBeTruthy();
  });

  it('names a backend as people know it, not by its configuration key', async () => {
    mocked.models.mockResolvedValue({ models: makeModels({ sdxl: { provider: 'a1111', ai: true }, 'flux-dev': { provider: 'studio-gpu', ai: true } }) });
    const { user } = renderCreate();
    expect(await screen.findByText('served by AUTOMATIC1111')).toBeTruthy();
    const select = screen.getByLabelText('Model');
    // A backend the configuration names keeps the name it was given.
    expect(within(select).getByRole('option', { name: 'FLUX.1 [dev] — studio-gpu' })).toBeTruthy();
    expect(screen.queryByText(/a1111/)).toBeNull();

    await fill(user, prompt(), 'a red flower in a field');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(FakeEventSource.instances).toHaveLength(1));
    act(() => FakeEventSource.latest().emit('completed', makeJob({ status: 'succeeded', images: [makeNode({ id: 4, provider: 'a1111' })] })));
    await screen.findByRole('link', { name: 'Open image #4' });
    expect(screen.getByText('AUTOMATIC1111', { selector: 'span' })).toBeTruthy();
    expect(screen.queryByText('a1111')).toBeNull();
  });

  it('applies a model’s defaults when switching, except to fields changed by hand', async () => {
    const { user } = renderCreate();
    const select = screen.getByLabelText('Model');
    await waitFor(() => expect(within(select).getAllByRole('option')[0]!.textContent).toMatch(/builtin/));
    await user.selectOptions(select, 'flux-schnell');
    expect((screen.getByLabelText('Steps') as HTMLInputElement).value).toBe('4');
    expect((screen.getByLabelText('Guidance') as HTMLInputElement).value).toBe('0');
    expect((screen.getByLabelText('Sampler') as HTMLSelectElement).value).toBe('euler');

    const steps = screen.getByLabelText('Steps');
    await user.clear(steps);
    await user.type(steps, '12');
    await user.selectOptions(select, 'sdxl');
    expect((screen.getByLabelText('Steps') as HTMLInputElement).value).toBe('12');
    expect((screen.getByLabelText('Guidance') as HTMLInputElement).value).toBe('7');
  });
});

describe('Create: from other screens', () => {
  it('?from=<id> fills the form with that recipe and submits a remix; ✕ detaches', async () => {
    mocked.image.mockResolvedValue(
      makeNode({
        id: 7,
        prompt: 'neon city at night, rain',
        negative_prompt: 'people',
        model: 'flux-dev',
        seed: 99,
        width: 768,
        height: 512,
        spec_json: { width: 768, height: 512, steps: 20, guidance: 5, seed: 99, sampler: 'euler' },
      }),
    );
    const { user, router } = renderCreate('/?from=7');
    await waitFor(() => expect((prompt() as HTMLTextAreaElement).value).toBe('neon city at night, rain'));
    expect(screen.getByText(/Remixing/)).toBeTruthy();
    expect((screen.getByLabelText('Negative prompt') as HTMLTextAreaElement).value).toBe('people');
    expect((screen.getByLabelText('Width') as HTMLInputElement).value).toBe('768');
    expect((screen.getByLabelText('Seed') as HTMLInputElement).value).toBe('99');

    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() =>
      expect(submitted()).toEqual({
        prompt: 'neon city at night, rain',
        negative_prompt: 'people',
        model: 'flux-dev',
        spec: { width: 768, height: 512, steps: 20, guidance: 5, sampler: 'euler', seed: 99, batch_size: 1 },
        parent_id: 7,
        action_type: 'remix',
      }),
    );

    act(() => FakeEventSource.latest().emit('completed', makeJob({ status: 'succeeded', parent_id: 7, images: [makeNode({ id: 8 })] })));
    await user.click(screen.getByRole('button', { name: 'Stop remixing #7' }));
    expect(screen.queryByText(/Remixing/)).toBeNull();
    expect(router.state.location.search).toBe('');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(mocked.submitGeneration).toHaveBeenCalledTimes(2));
    expect(submitted()).not.toHaveProperty('parent_id');
  });

  it('?init=<id> uses that image as the init image with a strength', async () => {
    mocked.image.mockResolvedValue(makeNode({ id: 3, prompt: 'stormy sea', width: 1024, height: 768 }));
    const { user } = renderCreate('/?init=3');
    await waitFor(() => expect((prompt() as HTMLTextAreaElement).value).toBe('stormy sea'));
    expect(screen.getByRole('button', { name: 'Remove init image' })).toBeTruthy();
    const strength = screen.getByLabelText('Strength');
    await user.clear(strength);
    await user.type(strength, '0.35');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(submitted()).toMatchObject({ parent_id: 3, action_type: 'img2img', prompt: 'stormy sea', spec: { strength: 0.35 } }));
    // The output keeps the init image's 4:3 shape.
    expect(submitted().spec).toMatchObject({ width: 1184, height: 888 });
  });

  it('?from=<id> of an image without a prompt asks for one instead of failing at the server', async () => {
    mocked.image.mockResolvedValue(makeNode({ id: 12, action_type: 'upload', provider: 'upload', model: 'upload', prompt: '', spec_json: {} }));
    const { user } = renderCreate('/?from=12');
    expect(await screen.findByText('It came without a prompt: write one below')).toBeTruthy();
    expect((prompt() as HTMLTextAreaElement).value).toBe('');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    expect(screen.getByText('Describe the image you want: the prompt must not be empty.')).toBeTruthy();
    expect(mocked.submitGeneration).not.toHaveBeenCalled();
    await fill(user, prompt(), 'a watercolour of this');
    await user.click(screen.getByRole('button', { name: 'Generate' }));
    await waitFor(() => expect(submitted()).toMatchObject({ prompt: 'a watercolour of this', parent_id: 12, action_type: 'remix' }));
  });

  it('an uploaded file becomes the init image', async () => {
    const uploaded = makeNode({ id: 12, action_type: 'upload', provider: 'upload', model: 'upload', prompt: '' });
    mocked.upload.mockResolvedValue(uploaded);
    const { user, router } = renderCreate();
    await user.upload(screen.getByLabelText('Init image file'), new File(['png'], 'photo.png', { type: 'image/png' }));
    await waitFor(() => expect(router.state.location.search).toBe('?init=12'));
    expect(mocked.image).not.toHaveBeenCalled();
    expect(await screen.findByRole('button', { name: 'Remove init image' })).toBeTruthy();
  });
});
