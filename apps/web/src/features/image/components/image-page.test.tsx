import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ImageNode, Job, Lineage } from '@imageflow/shared';
import { api, ApiError } from '@/lib/api-client';
import { makeNode } from '@/test/image-node';
import { renderRoute } from '@/test/render-route';
import { jobTracker } from '../job-tracker';
import { ImagePage } from './image-page';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));
vi.mock('@/lib/api-client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/api-client')>();
  return {
    ...actual,
    api: {
      image: vi.fn(),
      lineage: vi.fn(),
      setStarred: vi.fn(),
      submitGeneration: vi.fn(),
      job: vi.fn(() => new Promise(() => {})),
      cancelJob: vi.fn(),
      jobEventsUrl: (id: string) => `/api/generations/${id}/events`,
    },
  };
});

const root = makeNode({ id: 1 });
const current = makeNode({ id: 2, parent_id: 1, depth: 1, action_type: 'variation', seed: 7, children_count: 1 });
const sibling = makeNode({ id: 3, parent_id: 1, depth: 1, action_type: 'remix' });
const child = makeNode({ id: 5, parent_id: 2, depth: 2, action_type: 'upscale', width: 1024, height: 1024 });

function serve(node: ImageNode) {
  vi.mocked(api.image).mockImplementation(async (id) => {
    if (id === node.id) return node;
    throw new ApiError(404, 'not_found', `No image with id ${id}.`);
  });
  vi.mocked(api.lineage).mockImplementation(async (id, params) => {
    const base = { root_id: 1, focus_id: id, path: [1, 2], truncated: false, next_cursor: null };
    return (params?.scope === 'descendants' ? { ...base, nodes: [child] } : { ...base, nodes: [root, node, sibling, child] }) as Lineage;
  });
}

const job = (overrides: Partial<Job> = {}) =>
  ({ id: 'job-1', status: 'queued', progress: 0, step: null, total_steps: null, parent_id: 2, action_type: 'variation', images: [], ...overrides }) as Job;

function open(id = 2) {
  return renderRoute(<ImagePage />, { path: `/image/${id}`, pattern: '/image/:id' });
}

describe('ImagePage', () => {
  beforeEach(() => serve(current));
  afterEach(() => {
    for (const t of jobTracker.getSnapshot()) jobTracker.forget(t.job.id);
    vi.clearAllMocks();
  });

  it('shows the image, its whole recipe and every action', async () => {
    open();
    expect(await screen.findByRole('heading', { name: 'Image #2' })).toBeTruthy();
    expect(screen.getByRole('img', { name: /Image #2: a lighthouse/ })).toBeTruthy();
    expect(screen.getByTestId('recipe-prompt').textContent).toBe(current.prompt);
    expect(screen.getByText('builtin · not AI')).toBeTruthy();
    expect(screen.getByText('abababababab')).toBeTruthy();
    for (const name of ['Variation', 'Remix', 'Image to image', 'Upscale ×2', 'Upscale ×4', 'Edit', 'Star', 'Share', 'Copy recipe', 'Move to trash', 'Delete forever']) {
      expect(screen.getByRole('button', { name })).toBeTruthy();
    }
    const download = screen.getByRole('link', { name: 'Download' });
    expect(download.getAttribute('href')).toBe('/images/sdxl_2.png');
    expect(download.hasAttribute('download')).toBe(true);
    expect(screen.getByRole('link', { name: 'Compare with parent' }).getAttribute('href')).toBe('/compare/1/2');
  });

  it('opens the share dialog for this image', async () => {
    const user = userEvent.setup();
    open();
    await user.click(await screen.findByRole('button', { name: 'Share' }));
    const dialog = screen.getByRole('dialog', { name: 'Share image #2' });
    expect(within(dialog).getByRole('radio', { name: 'This image and everything made from it' })).toBeTruthy();
    expect(within(dialog).getByRole('button', { name: 'Create link' })).toBeTruthy();
  });

  it('draws the lineage with the path and this image marked, and lists branches', async () => {
    open();
    const tree = await screen.findByRole('navigation', { name: 'Lineage tree' });
    const here = within(tree).getByRole('link', { name: /Image #2, variation, this image/ });
    expect(here.getAttribute('aria-current')).toBe('page');
    expect(within(tree).getAllByRole('link').map((a) => a.getAttribute('href'))).toEqual(['/image/1', '/image/2', '/image/5', '/image/3']);
    expect(screen.getByRole('link', { name: 'Open full lineage' }).getAttribute('href')).toBe('/lineage/2');
    const branches = screen.getByRole('region', { name: /Branches/ });
    expect(await within(branches).findByRole('link', { name: 'Image #5, upscale' })).toBeTruthy();
  });

  it('says so for an image that does not exist', async () => {
    open(99);
    expect(await screen.findByRole('heading', { name: 'No image #99' })).toBeTruthy();
  });

  it('shows a deleted image as a tombstone, without actions that need its pixels', async () => {
    serve({ ...current, deleted_at: '2025-01-02T00:00:00Z', url: null, thumbnail_url: null, image_path: null });
    open();
    expect(await screen.findByText('This image was deleted')).toBeTruthy();
    expect(screen.getByText('Its recipe and place in the lineage remain.')).toBeTruthy();
    for (const name of ['Move to trash', 'Delete forever', 'Restore', 'Star', 'Share']) expect(screen.queryByRole('button', { name })).toBeNull();
    expect(screen.queryByRole('link', { name: 'Download' })).toBeNull();
    for (const name of ['Image to image', 'Upscale ×2', 'Edit']) expect((screen.getByRole('button', { name }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Variation' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('stars at once, before the server answers', async () => {
    vi.mocked(api.setStarred).mockReturnValue(new Promise(() => {}));
    open();
    await userEvent.click(await screen.findByRole('button', { name: 'Star' }));
    expect(screen.getByRole('button', { name: 'Unstar' })).toBeTruthy();
    expect(api.setStarred).toHaveBeenCalledWith(2, true);
  });

  it('rolls the star back when the server refuses', async () => {
    vi.mocked(api.setStarred).mockRejectedValue(new ApiError(400, 'bad', 'nope'));
    open();
    await userEvent.click(await screen.findByRole('button', { name: 'Star' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Star' })).toBeTruthy());
  });

  it('queues a variation and shows its progress', async () => {
    vi.mocked(api.submitGeneration).mockResolvedValue(job());
    open();
    await userEvent.click(await screen.findByRole('button', { name: 'Variation' }));
    expect(api.submitGeneration).toHaveBeenCalledWith({ parent_id: 2, action_type: 'variation' });
    expect(await screen.findByRole('progressbar', { name: 'Variation progress' })).toBeTruthy();
  });

  it('queues an upscale with its factor', async () => {
    vi.mocked(api.submitGeneration).mockResolvedValue(job({ action_type: 'upscale' }));
    open();
    await userEvent.click(await screen.findByRole('button', { name: 'Upscale ×4' }));
    expect(api.submitGeneration).toHaveBeenCalledWith({ parent_id: 2, action_type: 'upscale', upscale: { factor: 4 } });
  });

  it('sends Remix and Image to image to Create', async () => {
    open();
    await userEvent.click(await screen.findByRole('button', { name: 'Remix' }));
    expect(await screen.findByText('Went to /?from=2')).toBeTruthy();
  });

  it('offers a remix with a prompt instead of a variation when the image has no prompt to repeat', async () => {
    serve(makeNode({ id: 2, action_type: 'upload', provider: 'upload', model: 'upload', prompt: '', spec_json: {} }));
    open();
    const group = await screen.findByRole('group', { name: 'New version from this image' });
    expect(within(group).queryByRole('button', { name: 'Variation' })).toBeNull();
    expect(within(group).queryByRole('button', { name: 'Remix' })).toBeNull();
    expect(group.getAttribute('aria-describedby')).toBe('no-prompt-2');
    expect(document.getElementById('no-prompt-2')?.textContent).toMatch(/No prompt came with this image/);
    await userEvent.click(within(group).getByRole('button', { name: 'Remix with a prompt' }));
    expect(await screen.findByText('Went to /?from=2')).toBeTruthy();
    expect(api.submitGeneration).not.toHaveBeenCalled();
  });

  it('opens Create with this image as the init image', async () => {
    open();
    await userEvent.click(await screen.findByRole('button', { name: 'Image to image' }));
    expect(await screen.findByText('Went to /?init=2')).toBeTruthy();
  });

  it('edits through the dialog, sending only what changed', async () => {
    vi.mocked(api.submitGeneration).mockResolvedValue(job({ action_type: 'edit' }));
    open();
    await userEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit image #2' });
    const apply = within(dialog).getByRole('button', { name: 'Apply edit' }) as HTMLButtonElement;
    expect(apply.disabled).toBe(true);
    await userEvent.click(within(dialog).getByRole('radio', { name: 'Rotate 90°' }));
    await userEvent.click(within(dialog).getByRole('checkbox', { name: /Flop/ }));
    const width = within(dialog).getByRole('spinbutton', { name: 'Crop width' });
    await userEvent.clear(width);
    await userEvent.type(width, '256');
    await userEvent.click(apply);
    expect(api.submitGeneration).toHaveBeenCalledWith({
      parent_id: 2,
      action_type: 'edit',
      edit: { crop: { left: 0, top: 0, width: 256, height: 512 }, rotate: 90, flop: true },
    });
  });

  it('explains a crop that falls outside the image', async () => {
    open();
    await userEvent.click(await screen.findByRole('button', { name: 'Edit' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit image #2' });
    const left = within(dialog).getByRole('spinbutton', { name: 'Crop left' });
    await userEvent.clear(left);
    await userEvent.type(left, '100');
    expect(within(dialog).getByRole('alert').textContent).toMatch(/at most 512/);
    expect((within(dialog).getByRole('button', { name: 'Apply edit' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('copies the recipe as JSON', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    open();
    await userEvent.click(await screen.findByRole('button', { name: 'Copy recipe' }));
    expect(JSON.parse(writeText.mock.calls[0]![0])).toEqual({
      prompt: current.prompt,
      negative_prompt: current.negative_prompt,
      model: 'sdxl',
      spec_json: current.spec_json,
    });
    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
  });
});
