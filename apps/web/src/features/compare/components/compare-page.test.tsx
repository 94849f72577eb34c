import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { api, ApiError } from '@/lib/api-client';
import { makeNode } from '@/test/image-node';
import { renderRoute } from '@/test/render-route';
import ComparePage from './compare-page';

vi.mock('@/lib/api-client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/api-client')>();
  return { ...actual, api: { image: vi.fn() } };
});

const a = makeNode({ id: 1, model: 'sdxl', spec_json: { width: 512, height: 512, steps: 20, guidance: 7, seed: 42, sampler: 'dpmpp_2m_karras', strength: 0.6, batch_size: 1 } });
const b = makeNode({
  id: 2,
  parent_id: 1,
  model: 'flux-dev',
  action_type: 'img2img',
  seed: 7,
  spec_json: { width: 512, height: 512, steps: 28, guidance: 3.5, seed: 7, sampler: 'euler_a', strength: 0.5, batch_size: 1 },
});

function open(path = '/compare/1/2') {
  return renderRoute(<ComparePage />, { path, pattern: '/compare/:a/:b' });
}

describe('ComparePage', () => {
  beforeEach(() => {
    vi.mocked(api.image).mockImplementation(async (id) => {
      const node = [a, b].find((n) => n.id === id);
      if (!node) throw new ApiError(404, 'not_found', `No image with id ${id}.`);
      return node;
    });
  });
  afterEach(() => vi.clearAllMocks());

  it('offers four views, switched with the arrow keys, and keeps the view in the address', async () => {
    const user = userEvent.setup();
    const { router } = open();
    const tabs = await screen.findByRole('tablist', { name: 'Comparison view' });
    expect(within(tabs).getAllByRole('tab').map((t) => t.textContent)).toEqual(['Side by side', 'Slider', 'Difference', 'Onion skin']);
    expect(screen.getByRole('tab', { name: 'Side by side' }).getAttribute('aria-selected')).toBe('true');

    screen.getByRole('tab', { name: 'Side by side' }).focus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('slider', { name: 'Divider between A and B' })).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'Slider' }));

    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('img', { name: /Difference between A \(#1\) and B \(#2\)/ })).toBeTruthy();
    expect(screen.getByRole('button', { name: /Amplify/ }).getAttribute('aria-pressed')).toBe('false');
    expect(router.state.location.search).toBe('?view=difference');

    await user.keyboard('{End}');
    expect(screen.getByRole('slider', { name: 'Opacity of A' })).toBeTruthy();
    expect(router.state.location.search).toBe('?view=onion');

    await user.keyboard('{Home}');
    expect(router.state.location.search).toBe('');
    expect(screen.getAllByRole('figure')).toHaveLength(2);
  });

  it('opens the view the address names, and keeps it when A and B are swapped', async () => {
    const user = userEvent.setup();
    const { router } = open('/compare/1/2?view=onion');
    expect(await screen.findByRole('slider', { name: 'Opacity of A' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Swap A and B' }));
    expect(router.state.location.pathname).toBe('/compare/2/1');
    expect(router.state.location.search).toBe('?view=onion');
  });

  it('onion skin: the slider sets how much of A lies over B', async () => {
    open('/compare/1/2?view=onion');
    const slider = await screen.findByRole('slider', { name: 'Opacity of A' });
    expect(slider.getAttribute('type')).toBe('range');
    expect(screen.getByTestId('onion-skin-a').style.opacity).toBe('0.5');
    fireEvent.change(slider, { target: { value: '52' } });
    expect(screen.getByTestId('onion-skin-a').style.opacity).toBe('0.52');
    expect(slider.getAttribute('aria-valuetext')).toBe('A at 52% over B');
    fireEvent.change(slider, { target: { value: '0' } });
    expect(screen.getByTestId('onion-skin-a').style.opacity).toBe('0');
    expect(screen.getByText('0%')).toBeTruthy();
  });

  it('names models, samplers, actions and the builtin engine as people do, not by their codes', async () => {
    open();
    const table = await screen.findByRole('table');
    const cells = (name: RegExp) => within(within(table).getByRole('row', { name })).getAllByRole('cell').map((c) => c.textContent);
    expect(cells(/Model/)).toEqual(['SDXL', 'FLUX.1 [dev]']);
    expect(cells(/Sampler/)).toEqual(['DPM++ 2M Karras', 'Euler a']);
    expect(cells(/Action/)).toEqual(['Generated', 'Image to image']);
    expect(cells(/Provider/)).toEqual(['Builtin (not AI)', 'Builtin (not AI)']);
    expect(within(table).queryByText('dpmpp_2m_karras')).toBeNull();
    expect(within(table).getByText('DPM++ 2M Karras').getAttribute('title')).toBe('dpmpp_2m_karras');
  });

  it('says under each side, and in how A and B are related, how it was made by its name, not its code', async () => {
    open();
    const figures = await screen.findAllByRole('figure');
    expect(figures.map((f) => within(f).getByTestId('action-tag').textContent)).toEqual(['Generated', 'Image to image']);
    expect(screen.getByText('B was made from A (image to image)')).toBeTruthy();
    for (const code of ['generate', 'img2img']) expect(screen.queryByText(code)).toBeNull();
  });

  it('a variation, a remix and an upscale read as such', async () => {
    const cases = [
      ['variation', 'B is a variation of A', 'Variation'],
      ['remix', 'B is a remix of A', 'Remix'],
      ['upscale', 'B is an upscale of A', 'Upscale'],
    ] as const;
    for (const [action, relation, tag] of cases) {
      vi.mocked(api.image).mockImplementation(async (id) => (id === 1 ? a : { ...b, action_type: action }));
      const { unmount } = open();
      expect(await screen.findByText(relation)).toBeTruthy();
      expect(screen.getAllByTestId('action-tag')[1]!.textContent).toBe(tag);
      unmount();
    }
  });

  it('difference of a deleted image says its pixels are gone', async () => {
    vi.mocked(api.image).mockImplementation(async (id) => (id === 1 ? a : { ...b, url: null, thumbnail_url: null, deleted_at: '2025-02-01T00:00:00.000Z' }));
    open('/compare/1/2?view=difference');
    expect(await screen.findByText('#2 was deleted, so there are no pixels to compare.')).toBeTruthy();
    expect(screen.queryByTestId('difference-canvas')).toBeNull();
    expect(screen.getByRole('button', { name: /Amplify/ })).toHaveProperty('disabled', true);
  });
});
