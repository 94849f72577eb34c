import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, configure, screen, waitFor, within } from '@testing-library/react';
import { serveStudio, singleUser } from '@/test/accounts';
import { fakeHttp, json, type FakeHttp } from '@/test/fake-http';
import { serveImages } from '@/test/fake-images';
import { a1111Node, comfyNode } from '@/test/imported-nodes';
import { renderApp } from '@/test/render-app';
import { generateSession } from '../session';
import { makeModels } from '../testing';
import { resetCreateDraft } from './create-page';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

// The whole app, its routes loaded on demand: on a busy machine the first screen takes more than a second.
configure({ asyncUtilTimeout: 10_000 });
vi.setConfig({ testTimeout: 30_000 });

let http: FakeHttp;

beforeEach(() => {
  http = fakeHttp();
  serveStudio(http, singleUser).on('GET', '/api/models', json(200, { models: makeModels() }));
  serveImages(http, [a1111Node(), comfyNode()]);
  generateSession.reset();
  resetCreateDraft();
  vi.stubGlobal('scrollTo', vi.fn());
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

const value = (label: string) => (screen.getByLabelText(label, { selector: 'input, textarea, select' }) as HTMLInputElement).value;

describe('sending an uploaded file’s recipe to Create', () => {
  it('fills the form from an AUTOMATIC1111 file, and says the checkpoint has no equivalent here', async () => {
    const { user, where } = renderApp('/image/10');
    await user.click(await screen.findByRole('button', { name: 'Remix' }));
    expect(where()).toBe('/?from=10');
    await waitFor(() => expect(value('Prompt')).toBe('photo of a duck'));
    expect(value('Negative prompt')).toBe('monochrome');
    expect(value('Model')).toBe('sdxl');
    expect(value('Width')).toBe('512');
    expect(value('Height')).toBe('400');
    expect(value('Steps')).toBe('15');
    expect(value('Guidance')).toBe('5');
    expect(value('Sampler')).toBe('uni_pc');
    expect(value('Seed')).toBe('235284042');
    const notes = screen.getByRole('note', { name: 'From the file' });
    expect(within(notes).getByText('Recipe from AUTOMATIC1111')).toBeTruthy();
    expect(within(notes).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Model “realistic_realisticVisionV20_v20” is not one of ours: the model chosen below stands in for it.',
    ]);
  });

  it('takes the model family a ComfyUI file names, its FLUX guidance, and leaves a seed beyond ours to be drawn', async () => {
    const { router } = renderApp('/?from=10');
    await waitFor(() => expect(value('Seed')).toBe('235284042'));
    // Another image's seed does not stay behind in the field.
    await act(() => router.navigate('/?from=11'));
    await waitFor(() => expect(value('Prompt')).toBe('cute anime girl with massive fluffy fennec ears'));
    expect(value('Model')).toBe('flux-dev');
    expect(value('Guidance')).toBe('3.5');
    expect(value('Steps')).toBe('20');
    expect(value('Sampler')).toBe('euler');
    expect(value('Seed')).toBe('');
    expect(screen.getByRole('button', { name: 'Lock' }).getAttribute('aria-pressed')).toBe('false');
    const notes = within(screen.getByRole('note', { name: 'From the file' }));
    expect(notes.getByText(/Seed 972054013131368 is beyond the seeds ImageFlow takes/)).toBeTruthy();
    expect(notes.getByText('CFG scale 1 has no field of its own here: Guidance takes the FLUX guidance, 3.5.')).toBeTruthy();
  });

  it('takes the notes away once the remix is detached', async () => {
    const { user } = renderApp('/?from=10');
    await waitFor(() => expect(value('Prompt')).toBe('photo of a duck'));
    await user.click(screen.getByRole('button', { name: 'Stop remixing #10' }));
    expect(screen.queryByRole('note', { name: 'From the file' })).toBeNull();
  });
});
