import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { GalleryPage as GalleryPageData, ImageNode } from '@imageflow/shared';
import { api, ApiError, type GalleryParams } from '@/lib/api-client';
import { createQueryClient } from '@/lib/query-client';
import { rememberOpened } from '../return-focus';
import { GalleryPage } from './gallery-page';

vi.mock('@/lib/api-client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/api-client')>();
  return {
    ...actual,
    api: { gallery: vi.fn(), setStarred: vi.fn(), models: vi.fn(), createShare: vi.fn(), bulkImages: vi.fn(), downloadImages: vi.fn() },
  };
});
const mocked = api as unknown as Record<
  'gallery' | 'setStarred' | 'models' | 'createShare' | 'bulkImages' | 'downloadImages',
  ReturnType<typeof vi.fn>
>;

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

/** Ids moved to the trash in a test: the server leaves them out of the gallery. */
const trashed = new Set<number>();

/** `count` images, newest (highest id) first (or oldest, order=asc), served in pages of `limit` with numeric cursors. */
function serveImages(count: number, made: (id: number) => Partial<ImageNode> = () => ({})) {
  const all = Array.from({ length: count }, (_, i) => node(count - i, made(count - i)));
  mocked.gallery.mockImplementation(async (params: GalleryParams): Promise<GalleryPageData> => {
    const start = Number(params.cursor ?? 0);
    const limit = params.limit ?? 50;
    const ordered = (params.order === 'asc' ? [...all].reverse() : all).filter((n) => !trashed.has(n.id));
    const matching = params.q ? ordered.filter((n) => n.prompt.includes(params.q!)) : ordered;
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
      { path: '/compare/:a/:b', element: <p>compare page</p> },
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
  trashed.clear();
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

describe('Gallery selection', () => {
  const checked = () =>
    screen
      .getAllByRole('checkbox', { name: /^Select image #/ })
      .filter((c) => c.getAttribute('aria-checked') === 'true')
      .map((c) => Number(c.getAttribute('aria-label')!.match(/#(\d+)/)![1]));
  const tile = (id: number) => screen.getByRole('link', { name: new RegExp(`^Image #${id}:`) });

  it('selects with Ctrl/Cmd-click, ranges with Shift-click, toggles with a plain click once selecting, and clears with Esc', async () => {
    serveImages(8);
    const { user, router } = renderGallery();
    await waitFor(() => expect(tiles()).toHaveLength(8));

    await user.keyboard('{Control>}');
    await user.click(tile(7));
    await user.keyboard('{/Control}');
    expect(router.state.location.pathname).toBe('/gallery');
    expect(checked()).toEqual([7]);
    await user.keyboard('{Shift>}');
    await user.click(tile(4));
    await user.keyboard('{/Shift}');
    expect(checked()).toEqual([7, 6, 5, 4]);
    // A second range from the same anchor replaces the first.
    await user.keyboard('{Shift>}');
    await user.click(tile(6));
    await user.keyboard('{/Shift}');
    expect(checked()).toEqual([7, 6]);
    await user.keyboard('{Meta>}');
    await user.click(tile(2));
    await user.keyboard('{/Meta}');
    expect(checked()).toEqual([7, 6, 2]);
    // While selecting, a plain click selects too, and the checkbox works alone.
    await user.click(tile(1));
    await user.click(screen.getByRole('checkbox', { name: 'Select image #7' }));
    expect(checked()).toEqual([6, 2, 1]);
    expect(screen.getByRole('toolbar', { name: 'Selected images' }).textContent).toContain('3 selected');
    expect(router.state.location.pathname).toBe('/gallery');

    await user.keyboard('{Escape}');
    expect(checked()).toEqual([]);
    expect(screen.queryByRole('toolbar', { name: 'Selected images' })).toBeNull();
    // Nothing selected: a click opens the image again.
    await user.click(tile(3));
    await waitFor(() => expect(router.state.location.pathname).toBe('/image/3'));
  });

  it('selects from the keyboard: Space toggles, Shift+arrows extend, Ctrl+A selects all', async () => {
    serveImages(6);
    const { user } = renderGallery();
    await waitFor(() => expect(tiles()).toHaveLength(6));
    tile(6).focus();
    await user.keyboard(' ');
    expect(checked()).toEqual([6]);
    await user.keyboard('{ArrowRight}{ArrowRight} ');
    expect(checked()).toEqual([6, 4]);
    await user.keyboard('{Shift>}{ArrowRight}{ArrowRight}{/Shift}');
    expect(checked()).toEqual([6, 4, 3, 2]);
    expect(document.activeElement).toBe(tile(2));
    await user.keyboard('{Shift>}{ArrowLeft}{/Shift}');
    expect(checked()).toEqual([6, 4, 3]);
    await user.keyboard('{Control>}a{/Control}');
    expect(checked()).toEqual([6, 5, 4, 3, 2, 1]);
    await user.click(screen.getByRole('button', { name: 'Clear the selection' }));
    expect(checked()).toEqual([]);
  });

  it('stars, downloads, compares and moves to the trash the selected images, in gallery order, each action one request', async () => {
    serveImages(5);
    mocked.bulkImages.mockImplementation(async (ids: number[], action: string) => {
      if (action === 'trash') for (const id of ids) trashed.add(id);
      if (action === 'restore') for (const id of ids) trashed.delete(id);
      return { items: ids.map((id) => node(id, action === 'trash' ? { trashed_at: '2026-01-02T00:00:00.000Z' } : { starred: action === 'star' })) };
    });
    mocked.downloadImages.mockResolvedValue({ blob: new Blob(['zip']), filename: 'imageflow-2-images.zip' });
    const createObjectURL = vi.fn(() => 'blob:zip');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() }));
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('imageflow-2-images.zip');
      expect(this.href).toBe('blob:zip');
    });
    const { user, router } = renderGallery();
    await waitFor(() => expect(tiles()).toHaveLength(5));
    await user.click(screen.getByRole('checkbox', { name: 'Select image #2' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select image #4' }));
    const bar = screen.getByRole('toolbar', { name: 'Selected images' });

    await user.click(within(bar).getByRole('button', { name: 'Star' }));
    await waitFor(() => expect(mocked.bulkImages).toHaveBeenCalledTimes(1));
    expect(mocked.bulkImages).toHaveBeenCalledWith([4, 2], 'star');
    expect(mocked.setStarred).not.toHaveBeenCalled();
    expect(await screen.findByRole('button', { name: 'Unstar image #4' })).toBeTruthy();
    expect(within(bar).getByRole('button', { name: 'Unstar' })).toBeTruthy();

    await user.click(within(bar).getByRole('button', { name: 'Download' }));
    await waitFor(() => expect(clicked).toHaveBeenCalledTimes(1));
    expect(mocked.downloadImages).toHaveBeenCalledWith([4, 2]);
    clicked.mockRestore();

    await user.click(within(bar).getByRole('button', { name: 'Move to trash' }));
    await waitFor(() => expect(tiles()).toHaveLength(3));
    expect(mocked.bulkImages).toHaveBeenCalledTimes(2);
    expect(mocked.bulkImages).toHaveBeenLastCalledWith([4, 2], 'trash');
    expect(screen.queryByRole('toolbar', { name: 'Selected images' })).toBeNull();

    await user.click(screen.getByRole('checkbox', { name: 'Select image #5' }));
    const compare = () => within(screen.getByRole('toolbar', { name: 'Selected images' })).getByRole('button', { name: 'Compare' }) as HTMLButtonElement;
    expect(compare().disabled).toBe(true);
    await user.click(screen.getByRole('checkbox', { name: 'Select image #1' }));
    await user.click(compare());
    await waitFor(() => expect(router.state.location.pathname).toBe('/compare/1/5'));
  });
});

describe('Gallery order and days', () => {
  const day = (d: number, h = 12) => new Date(2026, 2, d, h).toISOString();

  it('groups images under a heading per day, and sorts oldest first on request', async () => {
    // Images 6 and 5 on March 5, 4 to 2 on March 3, 1 on March 1.
    const days: Record<number, number> = { 6: 5, 5: 5, 4: 3, 3: 3, 2: 3, 1: 1 };
    serveImages(6, (id) => ({ created_at: day(days[id]!) }));
    const { user, router } = renderGallery();
    await waitFor(() => expect(tiles()).toHaveLength(6));
    const headings = () => screen.getAllByRole('heading', { level: 2 }).map((h) => h.textContent);
    const march = (d: number) => new Date(2026, 2, d).toLocaleDateString(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
    const expectedLabel = (d: number) => (new Date().getFullYear() === 2026 ? march(d) : new Date(2026, 2, d).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' }));
    expect(headings()).toEqual([`${expectedLabel(5)}2`, `${expectedLabel(3)}3`, `${expectedLabel(1)}1`]);

    // A day's images are selected from its heading.
    await user.click(screen.getByRole('button', { name: `Select the images of ${expectedLabel(3)}` }));
    expect(screen.getByRole('toolbar', { name: 'Selected images' }).textContent).toContain('3 selected');
    await user.keyboard('{Escape}');

    await user.selectOptions(screen.getByLabelText('Order'), 'asc');
    await waitFor(() => expect(router.state.location.search).toBe('?order=asc'));
    await waitFor(() => expect(tiles()[0]!.getAttribute('aria-label')).toBe('Image #1: prompt number 1'));
    expect(mocked.gallery).toHaveBeenLastCalledWith({ limit: 120, order: 'asc', cursor: undefined });
    expect(headings()).toEqual([`${expectedLabel(1)}1`, `${expectedLabel(3)}3`, `${expectedLabel(5)}2`]);

    await user.click(screen.getByRole('button', { name: 'Group by day' }));
    await waitFor(() => expect(router.state.location.search).toBe('?order=asc&days=0'));
    expect(screen.queryAllByRole('heading', { level: 2 })).toEqual([]);
    expect(tiles()).toHaveLength(6);
  });
});

describe('Back from an image', () => {
  it('puts focus on the tile of the image last opened from the gallery', async () => {
    serveImages(12);
    const { user, router } = renderGallery();
    await waitFor(() => expect(tiles()).toHaveLength(12));
    await user.click(screen.getByRole('link', { name: /^Image #9:/ }));
    await waitFor(() => expect(router.state.location.pathname).toBe('/image/9'));
    // What the tile's link carries: the gallery it came from.
    expect(router.state.location.state).toEqual({ gallery: '' });
    // The image page remembers the image it shows (its arrow keys may have moved on).
    rememberOpened(7);
    await router.navigate(-1);
    await waitFor(() => expect(document.activeElement?.getAttribute('aria-label')).toBe('Image #7: prompt number 7'));
  });
});
