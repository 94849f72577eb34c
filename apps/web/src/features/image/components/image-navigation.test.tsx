import { afterEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { QueryClientProvider } from '@tanstack/react-query';
import { createMemoryRouter, RouterProvider } from 'react-router';
import type { GalleryPage, ImageNode, Lineage } from '@imageflow/shared';
import { api, ApiError, type GalleryParams } from '@/lib/api-client';
import { createQueryClient } from '@/lib/query-client';
import { makeNode } from '@/test/image-node';
import { lastOpened } from '@/features/gallery/return-focus';
import { ImagePage } from './image-page';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));
vi.mock('@/lib/api-client', async (importOriginal) => {
  const actual = await importOriginal<typeof import('@/lib/api-client')>();
  return { ...actual, api: { image: vi.fn(), lineage: vi.fn(), gallery: vi.fn(), job: vi.fn(() => new Promise(() => {})) } };
});

// The gallery "lighthouse", newest first: 30 to 21, in pages of 4 (see `serve`).
const nodes = Array.from({ length: 10 }, (_, i) => makeNode({ id: 30 - i, prompt: `a lighthouse, take ${30 - i}` }));

function serve() {
  vi.mocked(api.image).mockImplementation(async (id) => {
    const node = nodes.find((n) => n.id === id);
    if (!node) throw new ApiError(404, 'not_found', `No image with id ${id}.`);
    return node;
  });
  vi.mocked(api.lineage).mockImplementation(async (id) => ({ root_id: id, focus_id: id, path: [id], nodes: [nodes.find((n) => n.id === id)!], truncated: false, next_cursor: null }) as Lineage);
  vi.mocked(api.gallery).mockImplementation(async (params: GalleryParams): Promise<GalleryPage> => {
    const ordered = params.order === 'asc' ? [...nodes].reverse() : nodes;
    const matching = params.q ? ordered.filter((n) => n.prompt.includes(params.q!)) : [];
    const start = Number(params.cursor ?? 0);
    const items = matching.slice(start, start + 4);
    return { items, next_cursor: start + 4 < matching.length ? String(start + 4) : null };
  });
}

function open(id: number, gallery?: string) {
  const client = createQueryClient();
  client.setDefaultOptions({ ...client.getDefaultOptions(), queries: { ...client.getDefaultOptions().queries, retry: false } });
  const router = createMemoryRouter(
    [
      { path: '/image/:id', element: <ImagePage /> },
      { path: '/gallery', element: <p>gallery</p> },
    ],
    { initialEntries: [{ pathname: `/image/${id}`, state: gallery === undefined ? null : { gallery } }] },
  );
  render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { router, user: userEvent.setup() };
}

const heading = (id: number) => screen.findByRole('heading', { name: `Image #${id}` });

afterEach(() => vi.clearAllMocks());

describe('the image page in its gallery', () => {
  it('walks the gallery it was opened from with the arrow keys, reading pages as it goes, and links back to it', async () => {
    serve();
    const { router, user } = open(27, 'q=lighthouse');
    await heading(27);
    // Image 27 is the last of the first page: the next page is read for what follows.
    await waitFor(() => expect(api.gallery).toHaveBeenCalledWith({ limit: 120, q: 'lighthouse', cursor: '4' }));
    await screen.findByRole('button', { name: 'Next image (#26)' });
    await user.keyboard('{ArrowRight}');
    await heading(26);
    expect(router.state.location.pathname).toBe('/image/26');
    // Replaced, not pushed, and still in the same gallery.
    expect(router.state.historyAction).toBe('REPLACE');
    expect(router.state.location.state).toEqual({ gallery: 'q=lighthouse' });
    expect(lastOpened()).toBe(26);
    await user.keyboard('{ArrowLeft}{ArrowLeft}');
    await heading(28);
    expect(screen.getByRole('link', { name: 'Gallery' }).getAttribute('href')).toBe('/gallery?q=lighthouse');
    // Shown at once from the gallery's pages, not asked for again.
    expect(api.image).toHaveBeenCalledTimes(1);
  });

  it('finds an image deep in its gallery, oldest first too', async () => {
    serve();
    const { user } = open(24, 'q=lighthouse&order=asc');
    await heading(24);
    // Oldest first: 21, 22, 23, 24 | 25, ...
    await screen.findByRole('button', { name: 'Next image (#25)' });
    expect(screen.getByRole('button', { name: 'Previous image (#23)' })).toBeTruthy();
    await user.keyboard('{ArrowLeft}');
    await heading(23);
  });

  it('has no neighbours for an image in the trash', async () => {
    serve();
    nodes[0] = { ...nodes[0]!, trashed_at: '2026-01-01T00:00:00.000Z' } as ImageNode;
    try {
      open(30, 'q=lighthouse');
      await heading(30);
      expect(api.gallery).not.toHaveBeenCalled();
      expect(screen.queryByRole('button', { name: /^Next image/ })).toBeNull();
    } finally {
      nodes[0] = { ...nodes[0]!, trashed_at: null } as ImageNode;
    }
  });
});
