import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ImageNode } from '@imageflow/shared';
import { fakeHttp, json, type FakeHttp } from '@/test/fake-http';
import { serveImages } from '@/test/fake-images';
import { makeNode } from '@/test/image-node';
import { A1111_RECIPE, a1111Node, comfyNode, importedNode } from '@/test/imported-nodes';
import { renderRoute } from '@/test/render-route';
import { ImagePage } from './image-page';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

let http: FakeHttp;

function open(node: ImageNode, others: ImageNode[] = []) {
  serveImages(http, [node, ...others]);
  http.on('GET', '/api/models', json(200, { models: [] }));
  return renderRoute(<ImagePage />, { path: `/image/${node.id}`, pattern: '/image/:id' });
}

const recipeList = () => screen.getByLabelText('Recipe as the file states it');
/** The value of a row of the recipe as stated ("Steps" → "15"). */
const field = (label: string) => within(recipeList()).getByText(label, { selector: 'dt' }).nextElementSibling!.textContent;

beforeEach(() => {
  http = fakeHttp();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe('the image page of an upload with a recipe', () => {
  it('says which tool made it and shows each field as the file states it', async () => {
    open(a1111Node());
    expect(await screen.findByTestId('made-with')).toBeTruthy();
    expect(screen.getByTestId('made-with').textContent).toContain('Made with AUTOMATIC1111');
    expect(screen.getByTestId('recipe-prompt').textContent).toBe('photo of a duck');
    expect(screen.getByTestId('recipe-negative-prompt').textContent).toBe('monochrome');
    expect(field('Model')).toBe('realistic_realisticVisionV20_v20hash c0d1994c73');
    expect(field('Sampler')).toBe('UniPC');
    expect(field('Steps')).toBe('15');
    expect(field('CFG scale')).toBe('5');
    expect(field('Seed')).toBe('235284042');
    expect(field('Size')).toBe('512 × 400as stated; the file is 1 × 1');
    // No stand-in provider badge: nothing here made it.
    expect(screen.queryByText('upload', { selector: 'span.rounded-full' })).toBeNull();
    const file = screen.getByLabelText('File');
    expect(within(file).getByText('Pixels').nextElementSibling!.textContent).toBe('1 × 1');
    expect(within(file).getByText('Original').nextElementSibling!.textContent).toBe('PNG · 272 B');
  });

  it('offers the original file under its own name beside the PNG', async () => {
    open(a1111Node());
    const png = await screen.findByRole('link', { name: 'Download PNG' });
    expect(png.getAttribute('href')).toBe('/images/upload_10.png');
    expect(png.getAttribute('download')).toBe('upload_10.png');
    const original = screen.getByRole('link', { name: 'Download original (PNG)' });
    expect(original.getAttribute('href')).toBe('/originals/orig_10.png');
    expect(original.getAttribute('download')).toBe('duck.png');
    expect(screen.queryByRole('link', { name: 'Download' })).toBeNull();
  });

  it('shows FLUX guidance apart from CFG, the scheduler, a seed beyond ours, and the rest folded away', async () => {
    const user = userEvent.setup();
    open(comfyNode());
    expect((await screen.findByTestId('made-with')).textContent).toContain('Made with ComfyUI');
    expect(field('Sampler')).toBe('euler · simple');
    expect(field('CFG scale')).toBe('1');
    expect(field('FLUX guidance')).toBe('3.5');
    expect(field('Seed')).toBe('972054013131368');
    expect(field('Model')).toBe('flux1-dev-fp8.safetensorsFLUX.1 [dev] here');
    expect(field('Size')).toBe('1024 × 1024');
    expect(screen.queryByTestId('size-differs')).toBeNull();

    const summary = screen.getByText('Everything the file states');
    const details = summary.closest('details')!;
    expect(details.open).toBe(false);
    expect(summary.parentElement!.textContent).toContain('4 more fields');
    await user.click(summary);
    expect(details.open).toBe(true);
    const extra = within(details);
    expect(extra.getByText('sampler_class').nextElementSibling!.textContent).toBe('KSampler');
    expect(extra.getByText('Read from').nextElementSibling!.textContent).toBe('prompt');
  });

  it('shows hires fix, LoRAs with weights, clip skip, and a sampler named otherwise here', async () => {
    const recipe = {
      ...A1111_RECIPE,
      tool: 'forge',
      tool_version: 'f2.0.1',
      sampler: 'DPM++ 2M SDE',
      sampler_id: null,
      scheduler: 'Karras',
      denoising_strength: 0.3,
      hires: { upscale: 1.5, upscaler: 'ESRGAN', steps: 10, width: null, height: null, sampler: null, scheduler: null, cfg: 6, denoising_strength: 0.3 },
      loras: [{ name: 'add_detail', weight: 0.8 }, { name: 'style', weight: null }],
      clip_skip: 2,
    };
    open(importedNode(recipe, { width: 512, height: 400 }));
    expect((await screen.findByTestId('made-with')).textContent).toContain('Made with Forge f2.0.1');
    expect(field('Sampler')).toBe('DPM++ 2M SDE · Karrasnot offered here');
    expect(field('Hires fix')).toBe('×1.5 · ESRGAN · 10 steps · CFG 6 · denoise 0.3');
    // The one denoise A1111 writes is the hires pass's: not shown twice.
    expect(within(recipeList()).queryByText('Denoise')).toBeNull();
    expect(within(recipeList()).getByText('LoRAs (2)')).toBeTruthy();
    expect(within(recipeList()).getByText('add_detail').parentElement!.textContent).toBe('add_detail0.8');
    expect(field('Clip skip')).toBe('2');
    expect(field('Size')).toBe('512 × 400');
  });

  it('says where an ImageFlow image came from, and what it waits for', async () => {
    const parentHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const relinked = makeNode({
      id: 20,
      root_id: 20,
      action_type: 'upload',
      spec_json: { width: 512, height: 512, steps: 20, guidance: 7, seed: 42, sampler: 'dpmpp_2m_karras', recorded_action: 'variation', imported_from: { tool: 'imageflow', node_id: 7 } },
      pending_parent_sha256: parentHash,
      original: { url: '/originals/o.png', sha256: 'cd'.repeat(32), bytes: 2048, content_type: 'image/png' },
    });
    open(relinked);
    const note = await screen.findByTestId('imported-from');
    expect(note.textContent).toContain('Made by ImageFlow, node #7 elsewhere, as variation');
    expect(within(note).getByTestId('waiting-for-parent').textContent).toBe('Waiting for its parent e3b0c44298fc: upload the parent’s PNG and it will attach here.');
    expect(within(note).getByText('e3b0c44298fc').getAttribute('title')).toBe(parentHash);
    // Our own recipe, in people's words.
    expect(screen.getByText('Sampler').nextElementSibling!.textContent).toBe('DPM++ 2M Karras');
    expect(screen.getByText('Model').nextElementSibling!.textContent).toBe('SDXL');
    expect(screen.queryByTestId('made-with')).toBeNull();
  });

  it('shows an image made here with human sampler and model names', async () => {
    open(makeNode({ id: 3, model: 'flux-schnell', spec_json: { width: 512, height: 512, steps: 4, guidance: 0, seed: 1, sampler: 'euler_a' } }));
    await screen.findByRole('heading', { name: 'Image #3' });
    expect(screen.getByText('Sampler').nextElementSibling!.textContent).toBe('Euler a');
    expect(screen.getByText('Model').nextElementSibling!.textContent).toBe('FLUX.1 [schnell]');
    expect(screen.queryByTestId('imported-from')).toBeNull();
    expect(screen.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe('/images/sdxl_3.png');
  });
});

describe('exporting the lineage', () => {
  it('downloads this image’s branch unless another part is chosen', async () => {
    const user = userEvent.setup();
    open(a1111Node());
    await user.click(await screen.findByRole('button', { name: 'Export lineage (.zip)' }));
    const panel = screen.getByRole('group', { name: 'Export lineage' });
    expect((within(panel).getByRole('radio', { name: /This image and everything made from it/ }) as HTMLInputElement).checked).toBe(true);
    const link = within(panel).getByRole('link', { name: 'Download .zip' });
    expect(link.getAttribute('href')).toBe('/api/images/10/bundle?scope=branch');
    expect(link.hasAttribute('download')).toBe(true);
    await user.click(within(panel).getByRole('radio', { name: /The whole tree/ }));
    expect(link.getAttribute('href')).toBe('/api/images/10/bundle?scope=tree');
    await user.click(within(panel).getByRole('radio', { name: /The path down to this image/ }));
    expect(link.getAttribute('href')).toBe('/api/images/10/bundle?scope=path');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('group', { name: 'Export lineage' })).toBeNull();
  });
});
