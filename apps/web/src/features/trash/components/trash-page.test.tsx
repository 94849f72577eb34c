import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import { toast } from 'sonner';
import type { ImageNode } from '@imageflow/shared';
import { setCsrfToken } from '@/lib/api-client';
import { alice, serveStudio, signedInAs, singleUser } from '@/test/accounts';
import { apiError, fakeHttp, json, type FakeHttp } from '@/test/fake-http';
import { serveImages } from '@/test/fake-images';
import { makeNode } from '@/test/image-node';
import { renderApp } from '@/test/render-app';
import { TRASH_PAGE_SIZE } from '../api';
import { formatDay, purgeDate } from '../state';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

let http: FakeHttp;
let nodes: Map<number, ImageNode>;

/** Trashed `hoursAgo` hours ago (so the newest trashed sorts first). */
const trashed = (id: number, hoursAgo: number, overrides: Partial<ImageNode> = {}) =>
  makeNode({ id, root_id: id, trashed_at: new Date(Date.now() - hoursAgo * 3600_000).toISOString(), ...overrides });

beforeEach(() => {
  setCsrfToken(null);
  http = fakeHttp();
  serveStudio(http, signedInAs(alice, 'csrf-alice'));
  nodes = serveImages(http, [makeNode({ id: 1 }), trashed(4, 2), trashed(7, 30), trashed(9, 24 * 28, { prompt: 'an old harbour at dawn' })]);
  vi.stubGlobal('scrollTo', vi.fn());
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

const list = () => screen.getByRole('list', { name: 'Images in the trash' });
const card = (id: number) => within(list()).getByRole('link', { name: new RegExp(`^Image #${id}:`) }).closest('li')!;
const cardIds = () => within(list()).queryAllByRole('listitem').map((li) => Number(li.getAttribute('data-trash-id')));
const fact = (li: HTMLElement, label: string) => within(li).getByText(label, { selector: 'dt' }).nextElementSibling!;

describe('the Trash page', () => {
  it('lists trashed images, most recently trashed first, with when each was trashed and will be purged', async () => {
    renderApp('/trash');
    await screen.findByRole('list', { name: 'Images in the trash' });
    expect(cardIds()).toEqual([4, 7, 9]);
    expect(screen.getByText(/Each is purged 30 days after it was trashed/)).toBeTruthy();
    expect(screen.getByText(/^3 images · most recently trashed first/)).toBeTruthy();

    const four = card(4);
    expect(within(four).getByRole('link', { name: /^Image #4:/ }).getAttribute('href')).toBe('/image/4');
    expect(four.querySelector('img')!.getAttribute('src')).toBe('/thumbs/sdxl_4.webp');
    expect(fact(four, 'Trashed').textContent).toBe('2 hours ago');
    expect(fact(four, 'Purged').textContent).toBe(formatDay(purgeDate(nodes.get(4)!.trashed_at!, 30)));
    expect(fact(card(7), 'Trashed').textContent).toBe('yesterday');
    // Two days left: said in red, the last chance.
    expect(fact(card(9), 'Purged').className).toContain('text-red-600');
    expect(fact(four, 'Purged').className).not.toContain('text-red-600');
    // A live image is not in the trash.
    expect(within(list()).queryByRole('link', { name: /^Image #1:/ })).toBeNull();
  });

  it('restores an image: it leaves the trash, and says so', async () => {
    const { user } = renderApp('/trash');
    await screen.findByRole('list', { name: 'Images in the trash' });
    await user.click(within(card(7)).getByRole('button', { name: 'Restore image #7' }));
    await waitFor(() => expect(cardIds()).toEqual([4, 9]));
    expect(http.to('/api/images/7/restore', 'POST')[0]!.headers.get('x-csrf-token')).toBe('csrf-alice');
    expect(toast.success).toHaveBeenCalledWith('Image #7 restored');
    expect(nodes.get(7)!.trashed_at).toBeNull();
  });

  it('deletes one image forever only once confirmed', async () => {
    const { user } = renderApp('/trash');
    await screen.findByRole('list', { name: 'Images in the trash' });
    await user.click(within(card(4)).getByRole('button', { name: 'Delete image #4 forever' }));
    let dialog = screen.getByRole('dialog', { name: 'Delete image #4 forever?' });
    expect(dialog.textContent).toContain('This cannot be undone.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(http.to('/api/images/4', 'DELETE')).toHaveLength(0);
    expect(cardIds()).toEqual([4, 7, 9]);

    await user.click(within(card(4)).getByRole('button', { name: 'Delete image #4 forever' }));
    dialog = screen.getByRole('dialog', { name: 'Delete image #4 forever?' });
    await user.click(within(dialog).getByRole('button', { name: 'Delete forever' }));
    await waitFor(() => expect(cardIds()).toEqual([7, 9]));
    expect(http.to('/api/images/4', 'DELETE').map((r) => r.url)).toEqual(['/api/images/4?forever=true']);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says the trash is empty, and for how long it keeps images', async () => {
    for (const n of nodes.values()) n.trashed_at = null;
    renderApp('/trash');
    expect(await screen.findByRole('heading', { name: 'The trash is empty' })).toBeTruthy();
    expect(screen.getByText(/wait here for 30 days/)).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open the gallery' }).getAttribute('href')).toBe('/gallery');
    expect(screen.queryByRole('button', { name: 'Empty trash' })).toBeNull();
  });

  it('says what went wrong when the trash cannot be loaded', async () => {
    http.on('GET', '/api/trash', apiError(503, 'unavailable', 'The database is locked; try again in a moment.'));
    renderApp('/trash');
    expect((await screen.findByRole('alert')).textContent).toBe('The database is locked; try again in a moment.');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});

describe('a long trash', () => {
  beforeEach(() => {
    for (let i = 0; i < TRASH_PAGE_SIZE + 5; i++) nodes.set(100 + i, trashed(100 + i, 100 + i));
  });

  it('is paged with next_cursor', async () => {
    const { user } = renderApp('/trash');
    await screen.findByRole('list', { name: 'Images in the trash' });
    expect(cardIds()).toHaveLength(TRASH_PAGE_SIZE);
    expect(screen.getByText(`${TRASH_PAGE_SIZE} images+ · most recently trashed first`)).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Show more' }));
    await waitFor(() => expect(cardIds()).toHaveLength(TRASH_PAGE_SIZE + 8));
    expect(http.to('/api/trash').map((r) => r.url)).toEqual([`/api/trash?limit=${TRASH_PAGE_SIZE}`, `/api/trash?limit=${TRASH_PAGE_SIZE}&cursor=${TRASH_PAGE_SIZE}`]);
    expect(screen.getByText(`All ${TRASH_PAGE_SIZE + 8} images in the trash shown`)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Show more' })).toBeNull();
  });

  it('empties the trash: every page counted first, each image deleted forever once confirmed', async () => {
    const { user } = renderApp('/trash');
    await screen.findByRole('list', { name: 'Images in the trash' });
    await user.click(screen.getByRole('button', { name: 'Empty trash' }));
    const dialog = screen.getByRole('dialog', { name: 'Empty the trash?' });
    // The rest of the trash is read, so the count is exact.
    const confirm = await within(dialog).findByRole('button', { name: `Delete ${TRASH_PAGE_SIZE + 8} images forever` });
    expect(dialog.textContent).toContain('This cannot be undone.');
    expect(http.to('/api/images/4', 'DELETE')).toHaveLength(0);

    await user.click(confirm);
    expect(await screen.findByRole('heading', { name: 'The trash is empty' })).toBeTruthy();
    const deletes = http.requests.filter((r) => r.method === 'DELETE');
    expect(deletes).toHaveLength(TRASH_PAGE_SIZE + 8);
    expect(deletes.every((r) => r.url.endsWith('?forever=true'))).toBe(true);
    expect(new Set(deletes.map((r) => r.path)).size).toBe(TRASH_PAGE_SIZE + 8);
    expect(nodes.get(1)!.deleted_at).toBeNull();
    expect(toast.success).toHaveBeenCalledWith('Trash emptied', { description: `${TRASH_PAGE_SIZE + 8} images deleted forever. Their recipes stay in the lineage.` });
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('emptying the trash', () => {
  it('goes on past an image the server refuses, and says which failed and why', async () => {
    http.on('DELETE', '/api/images/7', apiError(503, 'unavailable', 'The image store is not answering.'));
    const { user } = renderApp('/trash');
    await screen.findByRole('list', { name: 'Images in the trash' });
    await user.click(screen.getByRole('button', { name: 'Empty trash' }));
    await user.click(await within(screen.getByRole('dialog', { name: 'Empty the trash?' })).findByRole('button', { name: 'Delete 3 images forever' }));
    await waitFor(() => expect(toast.error).toHaveBeenCalledWith('1 image could not be deleted', { description: 'The image store is not answering. (2 others deleted forever.)' }));
    await waitFor(() => expect(cardIds()).toEqual([7]));
  });

  it('deletes nothing when cancelled', async () => {
    const { user } = renderApp('/trash');
    await screen.findByRole('list', { name: 'Images in the trash' });
    await user.click(screen.getByRole('button', { name: 'Empty trash' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Empty the trash?' })).getByRole('button', { name: 'Cancel' }));
    expect(http.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(cardIds()).toEqual([4, 7, 9]);
  });
});

describe('the way to the Trash', () => {
  it('is in the account menu with accounts on', async () => {
    const { user, where } = renderApp('/gallery');
    await user.click(await screen.findByRole('button', { name: 'Account: alice (admin)' }));
    await user.click(screen.getByRole('link', { name: 'Trash' }));
    expect(where()).toBe('/trash');
    expect(await screen.findByRole('heading', { name: 'Trash' })).toBeTruthy();
    expect(within(screen.getByRole('navigation', { name: 'Main' })).queryByRole('link', { name: 'Trash' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'More' })).toBeNull();
  });

  it('is in the main navigation in single-user mode, and in its More menu (shown on phones)', async () => {
    http.on('GET', '/api/auth/me', () => json(200, singleUser));
    const { user, where } = renderApp('/gallery');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    await user.click(await within(nav).findByRole('link', { name: 'Trash' }));
    expect(where()).toBe('/trash');
    expect(await screen.findByRole('list', { name: 'Images in the trash' })).toBeTruthy();

    await user.click(within(nav).getByRole('button', { name: 'More' }));
    const more = screen.getByRole('group', { name: 'More' });
    expect(within(more).getByRole('link', { name: 'Shared links' }).getAttribute('href')).toBe('/shares');
    await user.click(within(more).getByRole('link', { name: 'Trash' }));
    expect(screen.queryByRole('group', { name: 'More' })).toBeNull();
  });
});
