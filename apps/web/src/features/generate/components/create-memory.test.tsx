import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, configure, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { GenerationRequest } from '@imageflow/shared';
import { api } from '@/lib/api-client';
import { createQueryClient } from '@/lib/query-client';
import { meKey } from '@/features/auth/api';
import { generateSession } from '../session';
import { FakeEventSource, makeJob, makeModels, makeNode } from '../testing';
import { CreatePage, resetCreateDraft } from './create-page';

// What the Create screen remembers in this browser: the prompts used, named presets, the last settings.

const toasts = vi.hoisted(() => ({ calls: [] as { message: string; options?: { action?: { label: string; onClick: () => void } } }[] }));

// Whole flows through the page, typed and clicked: on a busy machine they outlast the default 5 s,
// and one look through the whole form for an element can take longer than the default second.
vi.setConfig({ testTimeout: 30_000 });
configure({ asyncUtilTimeout: 10_000 });

vi.mock('sonner', () => {
  const record = (message: string, options?: object) => void toasts.calls.push({ message, options: options as never });
  return { toast: Object.assign(vi.fn(record), { success: vi.fn(record), error: vi.fn(record) }), Toaster: () => null };
});

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
      gallery: vi.fn(),
    },
  };
});

const mocked = api as unknown as Record<'models' | 'submitGeneration' | 'gallery', ReturnType<typeof vi.fn>>;

function renderCreate(options: { userId?: string } = {}) {
  const client = createQueryClient();
  const defaults = client.getDefaultOptions();
  client.setDefaultOptions({ ...defaults, queries: { ...defaults.queries, retry: false } });
  client.setQueryData(meKey, options.userId ? { auth: 'on', user: { id: options.userId, username: options.userId, role: 'user' }, csrf_token: 't', setup_needed: false } : { auth: 'off', user: null, csrf_token: null, setup_needed: false });
  const router = createMemoryRouter([{ path: '/', element: <CreatePage /> }], { initialEntries: ['/'] });
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { client, user: userEvent.setup() };
}

/** A reload: the page, its draft and its session are gone; only this browser's storage is left. */
function reload(options: { userId?: string } = {}) {
  cleanup();
  resetCreateDraft();
  generateSession.reset();
  return renderCreate(options);
}

const prompt = () => screen.getByLabelText('Prompt', { selector: 'textarea#prompt' }) as HTMLTextAreaElement;
const field = (label: string) => screen.getByLabelText(label, { selector: 'input, textarea, select' }) as HTMLInputElement;
const submitted = (): GenerationRequest => mocked.submitGeneration.mock.calls.at(-1)![0] as GenerationRequest;

async function fill(user: ReturnType<typeof userEvent.setup>, el: HTMLElement, text: string) {
  await user.clear(el);
  await user.click(el);
  await user.paste(text);
}

async function generate(user: ReturnType<typeof userEvent.setup>, text: string, negative = '') {
  await fill(user, prompt(), text);
  if (negative) await fill(user, field('Negative prompt'), negative);
  else await user.clear(field('Negative prompt'));
  const calls = mocked.submitGeneration.mock.calls.length;
  await user.click(screen.getByRole('button', { name: 'Generate' }));
  await waitFor(() => expect(mocked.submitGeneration).toHaveBeenCalledTimes(calls + 1));
  await waitFor(() => expect(FakeEventSource.instances.length).toBeGreaterThan(0));
  act(() => FakeEventSource.latest().emit('completed', makeJob({ id: `job-${calls}`, status: 'succeeded', images: [makeNode({ id: 100 + calls })] })));
  await waitFor(() => expect((screen.getByRole('button', { name: 'Generate' }) as HTMLButtonElement).disabled).toBe(false));
}

beforeEach(() => {
  localStorage.clear();
  toasts.calls = [];
  generateSession.reset();
  resetCreateDraft();
  FakeEventSource.instances = [];
  vi.stubGlobal('EventSource', FakeEventSource);
  mocked.models.mockResolvedValue({ models: makeModels() });
  let n = 0;
  mocked.submitGeneration.mockImplementation(async () => makeJob({ id: `job-${n++}` }));
  mocked.gallery.mockResolvedValue({ items: [], next_cursor: null });
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe('Create: prompt history', () => {
  it('keeps the prompts generated with, newest first, searchable, and puts a picked one back with its negative prompt', async () => {
    const { user } = renderCreate();
    await generate(user, 'a lighthouse on a cliff at sunset', 'blurry, text');
    await generate(user, 'neon city at night, rain');
    await generate(user, 'a lighthouse on a cliff at sunset', 'blurry, text');

    // Survives a reload: it is kept in this browser.
    const again = reload();
    const trigger = await screen.findByRole('button', { name: 'History' });
    await again.user.click(trigger);
    const panel = screen.getByRole('dialog', { name: 'Prompt history' });
    const local = within(panel).getByRole('region', { name: 'Used in this browser' });
    // Used twice, listed once, first.
    expect(within(local).getAllByRole('button', { name: /^(a lighthouse|neon)/ }).map((b) => b.textContent)).toEqual([
      expect.stringMatching(/^a lighthouse on a cliff at sunsetNegative: blurry, text/),
      expect.stringMatching(/^neon city at night, rain/),
    ]);
    expect(document.activeElement).toBe(within(panel).getByRole('searchbox', { name: 'Search prompts' }));

    await again.user.type(within(panel).getByRole('searchbox', { name: 'Search prompts' }), 'RAIN night');
    expect(within(local).getAllByRole('button', { name: /^(a lighthouse|neon)/ })).toHaveLength(1);
    await again.user.click(within(local).getByRole('button', { name: /^neon city at night, rain/ }));
    expect(screen.queryByRole('dialog', { name: 'Prompt history' })).toBeNull();
    expect(prompt().value).toBe('neon city at night, rain');
    await waitFor(() => expect(document.activeElement).toBe(prompt()));

    // A prompt with a negative prompt brings it along.
    await again.user.click(screen.getByRole('button', { name: 'History' }));
    await again.user.click(within(screen.getByRole('dialog', { name: 'Prompt history' })).getByRole('button', { name: /^a lighthouse on a cliff at sunset/ }));
    expect(prompt().value).toBe('a lighthouse on a cliff at sunset');
    expect(field('Negative prompt').value).toBe('blurry, text');
  });

  it('searches the prompts of my stored images too, each once, and lets a prompt be removed from this browser', async () => {
    mocked.gallery.mockImplementation(async ({ q }: { q?: string }) => ({
      items: q
        ? [makeNode({ id: 31, prompt: 'a red flower in a field, macro' })]
        : [makeNode({ id: 30, prompt: 'misty pine forest at dawn' }), makeNode({ id: 29, prompt: 'misty pine forest at dawn' }), makeNode({ id: 28, prompt: '' })],
      next_cursor: null,
    }));
    const { user } = renderCreate();
    await generate(user, 'neon city at night, rain');
    await user.click(screen.getByRole('button', { name: 'History' }));
    const panel = screen.getByRole('dialog', { name: 'Prompt history' });
    const stored = await within(panel).findByRole('region', { name: 'From your latest images' });
    expect(within(stored).getAllByRole('button').map((b) => b.textContent)).toEqual([expect.stringMatching(/^misty pine forest at dawnimage #30/)]);

    await user.type(within(panel).getByRole('searchbox'), 'flower');
    const found = await within(panel).findByRole('region', { name: 'In your images' });
    await waitFor(() => expect(mocked.gallery).toHaveBeenLastCalledWith({ limit: 60, q: 'flower' }));
    expect(within(panel).queryByRole('region', { name: 'Used in this browser' })).toBeNull();
    // Enter takes the first prompt found, and does not submit the form.
    await user.keyboard('{Enter}');
    expect(prompt().value).toBe('a red flower in a field, macro');
    expect(mocked.submitGeneration).toHaveBeenCalledTimes(1);
    expect(found.isConnected).toBe(false);

    await user.click(screen.getByRole('button', { name: 'History' }));
    await user.click(screen.getByRole('button', { name: 'Remove “neon city at night, rain” from the history' }));
    expect(screen.queryByRole('region', { name: 'Used in this browser' })).toBeNull();
    expect(localStorage.getItem('imageflow.create.prompt-history.local')).toBe('[]');
  });

  it('keeps each signed-in person’s prompts apart', async () => {
    const ann = renderCreate({ userId: 'ann' });
    await generate(ann.user, 'ann’s secret prompt');
    const bob = reload({ userId: 'bob' });
    await bob.user.click(screen.getByRole('button', { name: 'History' }));
    expect(await screen.findByText('No prompts yet: each one you generate with is kept here.')).toBeTruthy();
    expect(screen.queryByText('ann’s secret prompt')).toBeNull();
  });
});

describe('Create: presets', () => {
  it('saves the settings under a name, applies them, renames and deletes them (with undo), in human words', async () => {
    const { user } = renderCreate();
    await waitFor(() => expect(within(field('Model') as unknown as HTMLSelectElement).getAllByRole('option')[0]!.textContent).toMatch(/builtin/));
    await user.selectOptions(field('Model'), 'flux-schnell');
    await user.click(screen.getByRole('radio', { name: 'Aspect ratio 3:4' }));
    await fill(user, field('Steps'), '6');
    await user.selectOptions(field('Sampler'), 'dpmpp_2m_karras');
    await user.click(screen.getByRole('radio', { name: '4 images' }));

    await user.click(screen.getByRole('button', { name: 'Presets' }));
    let panel = screen.getByRole('dialog', { name: 'Presets' });
    expect(within(panel).getByText(/No presets yet/)).toBeTruthy();
    const name = within(panel).getByLabelText('Save the current settings as');
    expect(document.activeElement).toBe(name);
    // A name is needed; Enter saves without submitting the form.
    await user.keyboard('{Enter}');
    expect(within(panel).getByRole('alert').textContent).toBe('Give the preset a name.');
    await user.type(name, 'Portrait drafts{Enter}');
    expect(mocked.submitGeneration).not.toHaveBeenCalled();
    const item = within(panel).getByRole('button', { name: 'Apply preset “Portrait drafts”' });
    const summary = item.textContent!;
    expect(summary).toContain('FLUX.1 [schnell] · 888 × 1184 · 6 steps · guidance 0 · DPM++ 2M Karras · 4 images');
    expect(summary).toContain('in use');
    expect(summary).not.toMatch(/dpmpp|flux-schnell/);
    // The same name twice is refused.
    await user.type(name, 'portrait DRAFTS{Enter}');
    expect(within(panel).getByRole('alert').textContent).toBe('A preset is already called “portrait DRAFTS”.');
    await user.clear(name);
    await user.click(screen.getByRole('button', { name: 'Presets, 1 saved' }));
    expect(screen.queryByRole('dialog', { name: 'Presets' })).toBeNull();

    // Change everything, then apply the preset.
    await user.selectOptions(field('Model'), 'sdxl');
    await user.click(screen.getByRole('radio', { name: 'Base size 512' }));
    await fill(user, field('Steps'), '30');
    await user.click(screen.getByRole('radio', { name: '1 image' }));
    await user.click(screen.getByRole('button', { name: 'Presets, 1 saved' }));
    await user.click(screen.getByRole('button', { name: 'Apply preset “Portrait drafts”' }));
    expect(field('Model').value).toBe('flux-schnell');
    expect(field('Width').value).toBe('888');
    expect(field('Height').value).toBe('1184');
    expect(field('Steps').value).toBe('6');
    expect(field('Sampler').value).toBe('dpmpp_2m_karras');
    expect((screen.getByRole('radio', { name: '4 images' }) as HTMLInputElement).checked).toBe(true);
    expect(toasts.calls.at(-1)?.message).toBe('Preset “Portrait drafts” applied');

    // Rename, after a reload.
    const again = reload();
    await again.user.click(await screen.findByRole('button', { name: 'Presets, 1 saved' }));
    panel = screen.getByRole('dialog', { name: 'Presets' });
    await again.user.click(within(panel).getByRole('button', { name: 'Rename preset “Portrait drafts”' }));
    const rename = within(panel).getByRole('textbox', { name: 'New name for preset “Portrait drafts”' });
    await again.user.clear(rename);
    await again.user.type(rename, 'Tall sketches{Enter}');
    expect(within(panel).getByRole('button', { name: 'Apply preset “Tall sketches”' })).toBeTruthy();

    // Delete, and undo.
    await again.user.click(within(panel).getByRole('button', { name: 'Delete preset “Tall sketches”' }));
    expect(within(panel).queryByRole('button', { name: /Apply preset/ })).toBeNull();
    const deleted = toasts.calls.at(-1)!;
    expect(deleted.message).toBe('Preset “Tall sketches” deleted');
    act(() => deleted.options!.action!.onClick());
    expect(within(panel).getByRole('button', { name: 'Apply preset “Tall sketches”' })).toBeTruthy();
  });

  it('refuses to save settings the form would refuse, and points at the field', async () => {
    const { user } = renderCreate();
    await fill(user, field('Width'), '13');
    await user.click(screen.getByRole('button', { name: 'Presets' }));
    await user.type(screen.getByLabelText('Save the current settings as'), 'Broken{Enter}');
    expect(screen.queryByRole('dialog', { name: 'Presets' })).toBeNull();
    expect(screen.getByText('Width must be between 64 and 2048 pixels.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(field('Width')));
    expect(localStorage.getItem('imageflow.create.presets.local')).toBeNull();
  });
});

describe('Create: the last settings', () => {
  it('come back after a reload — model, size, steps, guidance, sampler, count — but not an unlocked seed', async () => {
    const { user } = renderCreate();
    await waitFor(() => expect(within(field('Model') as unknown as HTMLSelectElement).getAllByRole('option')[0]!.textContent).toMatch(/builtin/));
    await user.selectOptions(field('Model'), 'flux-dev');
    await user.click(screen.getByRole('radio', { name: 'Aspect ratio 16:9' }));
    await fill(user, field('Steps'), '12');
    await fill(user, field('Guidance'), '4.5');
    await user.selectOptions(field('Sampler'), 'uni_pc');
    await user.click(screen.getByRole('radio', { name: '3 images' }));
    await generate(user, 'a red flower in a field');
    const sent = submitted();

    reload();
    await waitFor(() => expect(field('Model').value).toBe('flux-dev'));
    expect(field('Width').value).toBe(String(sent.spec!.width));
    expect(field('Height').value).toBe(String(sent.spec!.height));
    expect(field('Steps').value).toBe('12');
    expect(field('Guidance').value).toBe('4.5');
    expect(field('Sampler').value).toBe('uni_pc');
    expect((screen.getByRole('radio', { name: '3 images' }) as HTMLInputElement).checked).toBe(true);
    expect(field('Seed').value).toBe('');
    expect(screen.getByRole('button', { name: 'Lock' }).getAttribute('aria-pressed')).toBe('false');
    // The prompt is not a setting: the form starts empty.
    expect(prompt().value).toBe('');
  });

  it('keep a locked seed', async () => {
    const { user } = renderCreate();
    await user.type(field('Seed'), '4242');
    await generate(user, 'a red flower in a field');
    expect(submitted().spec!.seed).toBe(4242);
    reload();
    expect(field('Seed').value).toBe('4242');
    expect(screen.getByRole('button', { name: 'Lock' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('are ignored when what is stored is not something the form accepts', async () => {
    localStorage.setItem('imageflow.create.last-settings.local', JSON.stringify({ settings: { model: 'sd15', width: 13, steps: 9000 }, seed: 1 }));
    renderCreate();
    expect(field('Model').value).toBe('sdxl');
    expect(field('Width').value).toBe('1024');
    expect(field('Steps').value).toBe('30');
    expect(field('Seed').value).toBe('');
  });
});
