import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import { toast } from 'sonner';
import type { ImageNode } from '@imageflow/shared';
import { setCsrfToken } from '@/lib/api-client';
import { alice, serveStudio, signedInAs } from '@/test/accounts';
import { apiError, fakeHttp, type FakeHttp } from '@/test/fake-http';
import { serveImages } from '@/test/fake-images';
import { makeNode } from '@/test/image-node';
import { renderApp } from '@/test/render-app';
import { formatDay, purgeDate } from '../state';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

let http: FakeHttp;
let nodes: Map<number, ImageNode>;
const TRASHED_AT = '2026-03-01T10:00:00.000Z';

const root = makeNode({ id: 1, children_count: 1 });
const current = makeNode({ id: 2, parent_id: 1, depth: 1, action_type: 'variation', seed: 7 });

beforeEach(() => {
  setCsrfToken(null);
  http = fakeHttp();
  serveStudio(http, signedInAs(alice, 'csrf-alice'));
  nodes = serveImages(http, [root, current], { now: () => TRASHED_AT });
  vi.stubGlobal('scrollTo', vi.fn());
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

const banner = () => screen.getByRole('region', { name: /^In the trash/ });
/** The toast that said it moved, and its Undo. */
function movedToast() {
  const call = vi.mocked(toast.success).mock.calls.find(([title]) => title === 'Image #2 moved to the trash');
  expect(call, 'no "moved to the trash" toast').toBeTruthy();
  return call![1] as { description: string; action: { label: string; onClick: () => void } };
}

describe('Move to trash, on the image page', () => {
  it('moves at once (no confirmation), shows the banner, and the toast’s Undo restores it', async () => {
    const { user } = renderApp('/image/2');
    await user.click(await screen.findByRole('button', { name: 'Move to trash' }));

    // A plain DELETE, with the session's CSRF token: the trash, not a tombstone.
    await waitFor(() => expect(http.to('/api/images/2', 'DELETE')).toHaveLength(1));
    const sent = http.to('/api/images/2', 'DELETE')[0]!;
    expect(sent.url).toBe('/api/images/2');
    expect(sent.headers.get('x-csrf-token')).toBe('csrf-alice');
    expect(screen.queryByRole('dialog')).toBeNull();

    // The page now says where it is, and when it goes for good.
    expect(await screen.findByRole('region', { name: /^In the trash/ })).toBeTruthy();
    expect(await within(banner()).findByText(formatDay(purgeDate(TRASHED_AT, 30)))).toBeTruthy();
    expect(screen.getByText('in the trash')).toBeTruthy();
    expect(screen.queryByTestId('tombstone')).toBeNull();
    expect(screen.getByRole('img', { name: /Image #2/ })).toBeTruthy();

    const moved = movedToast();
    expect(moved.action.label).toBe('Undo');
    await act(async () => moved.action.onClick());
    await waitFor(() => expect(http.to('/api/images/2/restore', 'POST')).toHaveLength(1));
    expect(http.to('/api/images/2/restore')[0]!.headers.get('x-csrf-token')).toBe('csrf-alice');
    await waitFor(() => expect(screen.queryByRole('region', { name: /^In the trash/ })).toBeNull());
    expect(screen.getByRole('button', { name: 'Variation' })).toBeTruthy();
    expect(toast.success).toHaveBeenCalledWith('Image #2 restored');
  });

  it('takes the image out of the gallery, and Undo puts it back', async () => {
    const { user, router } = renderApp('/gallery');
    expect(await screen.findByRole('link', { name: /^Image #2:/ })).toBeTruthy();
    await user.click(screen.getByRole('link', { name: /^Image #2:/ }));
    await user.click(await screen.findByRole('button', { name: 'Move to trash' }));
    await screen.findByRole('region', { name: /^In the trash/ });

    await act(() => router.navigate('/gallery'));
    await waitFor(() => expect(screen.queryByRole('link', { name: /^Image #2:/ })).toBeNull());
    expect(screen.getByRole('link', { name: /^Image #1:/ })).toBeTruthy();

    await act(async () => movedToast().action.onClick());
    expect(await screen.findByRole('link', { name: /^Image #2:/ })).toBeTruthy();
  });

  it('says why, in the server’s words, when Undo is refused', async () => {
    http.on('POST', '/api/images/2/restore', apiError(409, 'conflict', 'Image 2 is not in the trash.'));
    const { user } = renderApp('/image/2');
    await user.click(await screen.findByRole('button', { name: 'Move to trash' }));
    await screen.findByRole('region', { name: /^In the trash/ });
    await act(async () => movedToast().action.onClick());
    await waitFor(() => expect(toast.error).toHaveBeenCalledWith('Image 2 is not in the trash.'));
  });
});

describe('a trashed image’s page', () => {
  beforeEach(() => {
    nodes.get(2)!.trashed_at = TRASHED_AT;
  });

  it('says it is in the trash and when it is purged, and hides what would fail', async () => {
    renderApp('/image/2');
    await screen.findByRole('region', { name: /^In the trash/ });
    const purge = formatDay(purgeDate(TRASHED_AT, 30));
    await waitFor(() => expect(banner().querySelector('h2')!.textContent).toBe(`In the trash — purged on ${purge}`));
    expect(within(banner()).getByRole('button', { name: 'Restore' })).toBeTruthy();
    expect(within(banner()).getByRole('button', { name: 'Delete forever' })).toBeTruthy();
    expect(within(banner()).getByRole('link', { name: 'trash' }).getAttribute('href')).toBe('/trash');
    // Branching, starring and sharing are refused by the server until it is restored: not offered.
    for (const name of ['Variation', 'Remix', 'Image to image', 'Upscale ×2', 'Upscale ×4', 'Edit', 'Star', 'Unstar', 'Share', 'Move to trash']) {
      expect(screen.queryByRole('button', { name })).toBeNull();
    }
    // Its files are still there.
    expect(screen.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe('/images/sdxl_2.png');
    expect(screen.getByRole('button', { name: 'Copy recipe' })).toBeTruthy();
    // The purge delay was read from the trash itself.
    expect(http.to('/api/trash')[0]!.url).toBe('/api/trash?limit=1');
  });

  it('uses the server’s purge delay, whatever it is', async () => {
    http.requests.length = 0;
    serveImages(http, [root, { ...current, trashed_at: TRASHED_AT }], { purgeAfterDays: 7 });
    renderApp('/image/2');
    await screen.findByRole('region', { name: /^In the trash/ });
    await waitFor(() => expect(banner().textContent).toContain(`purged on ${formatDay(purgeDate(TRASHED_AT, 7))}`));
  });

  it('restores from the banner: the actions come back', async () => {
    const { user } = renderApp('/image/2');
    await screen.findByRole('region', { name: /^In the trash/ });
    await user.click(within(banner()).getByRole('button', { name: 'Restore' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: /^In the trash/ })).toBeNull());
    expect(http.to('/api/images/2/restore', 'POST')).toHaveLength(1);
    for (const name of ['Variation', 'Star', 'Share', 'Move to trash']) expect(screen.getByRole('button', { name })).toBeTruthy();
    expect(toast.success).toHaveBeenCalledWith('Image #2 restored');
  });

  it('deletes forever from the banner once confirmed, leaving the tombstone', async () => {
    const { user } = renderApp('/image/2');
    await screen.findByRole('region', { name: /^In the trash/ });
    await user.click(within(banner()).getByRole('button', { name: 'Delete forever' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete image #2 forever?' });
    expect(dialog.textContent).toContain('This cannot be undone.');
    await user.click(within(dialog).getByRole('button', { name: 'Delete forever' }));
    expect(await screen.findByText('This image was deleted')).toBeTruthy();
    expect(http.to('/api/images/2', 'DELETE').map((r) => r.url)).toEqual(['/api/images/2?forever=true']);
    expect(screen.queryByRole('region', { name: /^In the trash/ })).toBeNull();
    expect(toast.success).toHaveBeenCalledWith('Image #2 deleted forever', { description: 'Its recipe stays in the lineage.' });
  });
});

describe('Delete forever, on a live image', () => {
  it('asks first, saying it cannot be undone; Cancel sends nothing', async () => {
    const { user } = renderApp('/image/2');
    await user.click(await screen.findByRole('button', { name: 'Delete forever' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete image #2 forever?' });
    expect(dialog.textContent).toContain('This cannot be undone.');
    expect(dialog.textContent).toContain('Its recipe and its place in the lineage stay');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(http.to('/api/images/2', 'DELETE')).toHaveLength(0);
  });

  it('removes the files at once: a tombstone, without the trash in between', async () => {
    const { user } = renderApp('/image/2');
    await user.click(await screen.findByRole('button', { name: 'Delete forever' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Delete image #2 forever?' })).getByRole('button', { name: 'Delete forever' }));
    expect(await screen.findByText('This image was deleted')).toBeTruthy();
    expect(http.to('/api/images/2', 'DELETE').map((r) => r.url)).toEqual(['/api/images/2?forever=true']);
    expect(screen.queryByRole('region', { name: /^In the trash/ })).toBeNull();
    for (const name of ['Move to trash', 'Delete forever', 'Restore']) expect(screen.queryByRole('button', { name })).toBeNull();
  });
});

describe('the lineage around a trashed image', () => {
  it('names trashed versions apart from deleted ones', async () => {
    nodes.get(2)!.trashed_at = TRASHED_AT;
    nodes.set(3, makeNode({ id: 3, parent_id: 1, depth: 1, action_type: 'remix', deleted_at: '2026-03-02T00:00:00.000Z' }));
    renderApp('/image/1');
    const tree = await screen.findByRole('navigation', { name: 'Lineage tree' });
    const trashed = await within(tree).findByRole('link', { name: 'Image #2, variation, in the trash' });
    expect(trashed.getAttribute('data-state')).toBe('trashed');
    const deleted = within(tree).getByRole('link', { name: 'Image #3, remix, deleted' });
    expect(deleted.getAttribute('data-state')).toBe('deleted');
    expect(within(tree).getByRole('link', { name: /Image #1, generate, this image/ }).getAttribute('data-state')).toBe('live');
  });
});
