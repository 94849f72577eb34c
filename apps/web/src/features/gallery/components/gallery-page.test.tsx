import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { GalleryPage as GalleryPageData, ImageNode } from '@imageflow/shared';
import { api, ApiError, type GalleryParams } from '@/lib/api-client';
import { createQueryClient } from '@/lib/query-client';
import { GalleryPage } from './gallery-page';

vi.mock('@/lib/api-client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/api-client')>();
  return { ...actual, api: { gallery: vi.fn(), setStarred: vi.fn(), models: vi.fn(), createShare: vi.fn() } };
});
const mocked = api as unknown as Record<'gallery' | 'setStarred' | 'models' | 'createShare', ReturnType<typeof vi.fn>>;

function node(id: number, overrides: Partial<ImageNode> = {}): ImageNode {
  return {
    id,
    is_root: true,
    parent_id: null,
    root_id: id,
    depth: 0,
    prompt: `prompt number ${id}`,
    negative_prompt: '',
    model: 'sdxl',
    provider: 'builtin',
    seed: id,
    spec_json: {},
    request_params: {},
    action_type: 'generate',
    image_path: null,
    filename: `sdxl_${id}.png`,
    url: `/images/sdxl_${id}.png`,
    thumbnail_url: `/thumbs/sdxl_${id}.webp`,
    width: 512,
    height: 512,
    bytes: 1,
    sha256: 'x',
    starred: false,
    deleted_at: null,
    trashed_at: null,
    created_at: '2026-01-01T00:00:00.000Z',
    children_count: 0,
    original: null,
    pending_parent_sha256: null,
    ...overrides,
  };
}

/** `count` images, newest (highest id) first, served in pages of `limit` with numeric cursors. */
function serveImages(count: number) {
  const all = Array.from({ length: count }, (_, i) => node(count - i));
  mocked.gallery.mockImplementation(async (params: GalleryParams): Promise<GalleryPageData> => {
    const start = Number(params.cursor ?? 0);
    const limit = params.limit ?? 50;
    const matching = params.q ? all.filter((n) => n.prompt.includes(params.q!)) : all;
    const items = matching.slice(start, start + limit);
    return { items, next_cursor: start + limit < matching.length ? String(start + limit) : null };
  });
  return all;
}

function renderGallery(url = '/gallery') {
  const client = createQueryClient();
  client.setDefaultOptions({ ...client.getDefaultOptions(), queries: { ...client.getDefaultOptions().queries, retry: false } });
  const router = createMemoryRouter(
    [
      { path: '/gallery', element: <GalleryPage /> },
      { path: '/image/:id', element: <p>image page</p> },
      { path: '/', element: <p>create page</p> },
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

const tiles = () => screen.getAllByRole('link', { name: /^Image #/ });

beforeEach(() => {
  mocked.models.mockResolvedValue({ models: [] });
  vi.stubGlobal('scrollTo', vi.fn());
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe('Gallery', () => {
  it('shows thumbnails newest first, each a link named by its prompt', async () => {
    serveImages(30);
    renderGallery();
    await waitFor(() => expect(tiles().length).toBeGreaterThan(0));
    const first = tiles()[0]!;
    expect(first.getAttribute('aria-label')).toBe('Image #30: prompt number 30');
    expect(first.getAttribute('href')).toBe('/image/30');
    const img = first.querySelector('img')!;
    expect(img.getAttribute('src')).toBe('/thumbs/sdxl_30.webp');
    expect(img.getAttribute('loading')).toBe('lazy');
    expect(mocked.gallery).toHaveBeenCalledWith({ limit: 120, cursor: undefined });
  });

  it('renders only the rows near the viewport, and fetches the next page near the end', async () => {
    serveImages(300);
    renderGallery();
    await waitFor(() => expect(mocked.gallery).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(tiles().length).toBeGreaterThan(0));
    expect(tiles().length).toBeLessThan(60);
    expect(screen.getByText('120+ images')).toBeTruthy();
    expect(mocked.gallery).toHaveBeenCalledTimes(1);

    // A tall window shows the last rows of the first page: the next one is fetched with its cursor.
    vi.stubGlobal('innerHeight', 8000);
    window.dispatchEvent(new Event('resize'));
    await waitFor(() => expect(mocked.gallery).toHaveBeenCalledWith({ limit: 120, cursor: '120' }));
    await waitFor(() => expect(screen.getByText('240+ images')).toBeTruthy());
  });

  it('searches prompts after a pause in typing, and keeps the query in the URL', async () => {
    serveImages(30);
    const { user, router } = renderGallery();
    await waitFor(() => expect(tiles().length).toBeGreaterThan(0));
    await user.type(screen.getByLabelText('Search prompts'), 'number 2');
    await waitFor(() => expect(router.state.location.search).toBe('?q=number+2'));
    await waitFor(() => expect(tiles()[0]!.getAttribute('aria-label')).toBe('Image #29: prompt number 29'));
    const queries = mocked.gallery.mock.calls.map(([p]) => (p as GalleryParams).q);
    expect(queries).toEqual([undefined, 'number 2']);
  });

  it('reads its filters from the URL', async () => {
    serveImages(3);
    renderGallery('/gallery?q=rain&model=sdxl&action=remix&starred=1');
    await waitFor(() =>
      expect(mocked.gallery).toHaveBeenCalledWith({ limit: 120, q: 'rain', model: 'sdxl', action_type: 'remix', starred: true, cursor: undefined }),
    );
    expect((screen.getByLabelText('Search prompts') as HTMLInputElement).value).toBe('rain');
    expect((screen.getByLabelText('Action') as HTMLSelectElement).value).toBe('remix');
    expect(screen.getByRole('button', { name: 'Starred only' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('says when a search finds nothing, naming the query', async () => {
    serveImages(3);
    renderGallery('/gallery?q=zebra');
    expect(await screen.findByRole('heading', { name: 'No images match “zebra”' })).toBeTruthy();
  });

  it('invites to create when there are no images yet', async () => {
    serveImages(0);
    renderGallery();
    expect(await screen.findByRole('heading', { name: 'No images yet' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Create your first image' }).getAttribute('href')).toBe('/');
  });

  it('shows the server’s message when loading fails, and retries', async () => {
    mocked.gallery.mockRejectedValueOnce(new ApiError(503, 'unavailable', 'The database is locked; try again in a moment.'));
    const { user } = renderGallery();
    expect(await screen.findByText('The database is locked; try again in a moment.')).toBeTruthy();
    serveImages(2);
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(tiles()).toHaveLength(2));
  });

  it('stars at once, and rolls back when the server refuses', async () => {
    serveImages(3);
    let reject!: (e: Error) => void;
    mocked.setStarred.mockImplementation(() => new Promise((_, r) => (reject = r)));
    const { user } = renderGallery();
    await user.click(await screen.findByRole('button', { name: 'Star image #2' }));
    expect(screen.getByRole('button', { name: 'Unstar image #2' })).toBeTruthy();
    expect(mocked.setStarred).toHaveBeenCalledWith(2, true);
    reject(new ApiError(404, 'not_found', 'No image with id 2.'));
    expect(await screen.findByRole('button', { name: 'Star image #2' })).toBeTruthy();
  });

  it('moves focus with the arrow keys, Home and End, and stars with "s"', async () => {
    serveImages(12);
    mocked.setStarred.mockImplementation(async (id: number, starred: boolean) => node(id, { starred }));
    const { user } = renderGallery();
    await waitFor(() => expect(tiles()).toHaveLength(12));
    const columns = tiles().filter((t) => t.closest('.grid') === tiles()[0]!.closest('.grid')).length;
    const focusedId = () => document.activeElement?.getAttribute('aria-label')?.match(/#(\d+)/)?.[1];

    tiles()[0]!.focus();
    await user.keyboard('{ArrowRight}');
    expect(focusedId()).toBe('11');
    await user.keyboard('{ArrowDown}');
    expect(focusedId()).toBe(String(11 - columns));
    await user.keyboard('{ArrowLeft}{ArrowUp}');
    expect(focusedId()).toBe('12');
    await user.keyboard('{End}');
    expect(focusedId()).toBe('1');
    await user.keyboard('{Home}');
    expect(focusedId()).toBe('12');

    await user.keyboard('s');
    await waitFor(() => expect(mocked.setStarred).toHaveBeenCalledWith(12, true));
    expect(screen.getByRole('button', { name: 'Unstar image #12' })).toBeTruthy();
  });

  it('shares a tile’s image from its hover action, without opening it', async () => {
    serveImages(3);
    mocked.createShare.mockImplementation(async (body: { node_id: number }) => ({ id: 's1', node_id: body.node_id, scope: 'image', url: '/s/k3y' }));
    const { user, router } = renderGallery();
    await user.click(await screen.findByRole('button', { name: 'Share image #2' }));
    const dialog = screen.getByRole('dialog', { name: 'Share image #2' });
    expect(router.state.location.pathname).toBe('/gallery');
    await user.click(within(dialog).getByRole('button', { name: 'Create link' }));
    expect(await within(dialog).findByLabelText('Share link')).toBeTruthy();
    expect(mocked.createShare).toHaveBeenCalledWith(expect.objectContaining({ node_id: 2, scope: 'image', expires_in_days: 30 }));
    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('opens an image with Enter', async () => {
    serveImages(3);
    const { user, router } = renderGallery();
    await waitFor(() => expect(tiles()).toHaveLength(3));
    tiles()[1]!.focus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(router.state.location.pathname).toBe('/image/2'));
  });
});
