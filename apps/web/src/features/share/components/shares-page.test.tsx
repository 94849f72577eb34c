import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import { toast } from 'sonner';
import type { ShareSummary } from '@/lib/api-client';
import { setCsrfToken } from '@/lib/api-client';
import { alice, serveStudio, signedInAs, singleUser } from '@/test/accounts';
import { apiError, fakeHttp, json, type FakeHttp } from '@/test/fake-http';
import { makeNode } from '@/test/image-node';
import { renderApp } from '@/test/render-app';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

let http: FakeHttp;
let shares: ShareSummary[];

const base: Omit<ShareSummary, 'id' | 'node_id'> = {
  scope: 'image',
  created_at: '2026-03-01T09:00:00Z',
  expires_at: null,
  has_password: false,
  allow_download: true,
  show_recipe: true,
  revoked_at: null,
  view_count: 0,
  last_viewed_at: null,
  state: 'live',
};

function serveShares() {
  serveStudio(http, signedInAs(alice, 'csrf-alice'))
    .on('GET', '/api/shares', () => json(200, { items: shares }))
    .on('GET', /^\/api\/images\/\d+$/, (req) => {
      const id = Number(req.path.split('/').pop());
      return json(200, makeNode({ id }));
    })
    .on('DELETE', /^\/api\/shares\/[^/]+$/, (req) => {
      const id = decodeURIComponent(req.path.split('/').pop()!);
      shares = shares.map((s) => (s.id === id ? { ...s, state: 'revoked', revoked_at: '2026-03-05T10:00:00Z' } : s));
      return json(200, shares.find((s) => s.id === id));
    });
}

beforeEach(() => {
  setCsrfToken(null);
  http = fakeHttp();
  shares = [
    {
      ...base,
      id: 'a1',
      node_id: 12,
      scope: 'branch',
      expires_at: '2027-03-02T09:00:00Z',
      has_password: true,
      view_count: 3,
      last_viewed_at: new Date(Date.now() - 2 * 3600_000).toISOString(),
      allow_download: false,
    },
    { ...base, id: 'a2', node_id: 7, scope: 'path', show_recipe: false },
    { ...base, id: 'a3', node_id: 5, expires_at: '2026-01-02T09:00:00Z', state: 'expired', view_count: 1, last_viewed_at: '2026-01-01T10:00:00Z' },
    { ...base, id: 'a4', node_id: 4, state: 'revoked', revoked_at: '2026-02-01T10:00:00Z' },
  ];
  serveShares();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

const list = () => screen.getByRole('list', { name: 'Your shared links' });
const row = (nodeId: number) => within(list()).getByRole('link', { name: `Image #${nodeId}` }).closest('li')!;
const fact = (li: HTMLElement, label: string) => within(li).getByText(label, { selector: 'dt' }).nextElementSibling!.textContent;

describe('Shared links page', () => {
  it('lists each link: scope, state, created, expires, password, views, last viewed, and a link to the image', async () => {
    renderApp('/shares');
    await screen.findByRole('list', { name: 'Your shared links' });
    expect(within(list()).getAllByRole('listitem')).toHaveLength(4);
    expect(screen.getByText('2 of 4 links working')).toBeTruthy();

    const branch = row(12);
    expect(within(branch).getByRole('link', { name: 'Image #12' }).getAttribute('href')).toBe('/image/12');
    expect(branch.textContent).toContain('Branch');
    expect(within(branch).getByText('Live').getAttribute('data-state')).toBe('live');
    expect(fact(branch, 'Created')).toMatch(/2026/);
    expect(fact(branch, 'Expires')).toMatch(/2027/);
    expect(fact(branch, 'Password')).toBe('Yes');
    expect(fact(branch, 'Views')).toBe('3');
    expect(fact(branch, 'Last viewed')).toBe('2 hours ago');
    expect(branch.textContent).toContain('No download · recipe shown');

    const path = row(7);
    expect(path.textContent).toContain('Path');
    expect(fact(path, 'Expires')).toBe('Never');
    expect(fact(path, 'Password')).toBe('No');
    expect(fact(path, 'Last viewed')).toBe('Never');
    expect(path.textContent).toContain('Download allowed · recipe hidden');

    expect(within(row(5)).getByText('Expired', { selector: '[data-state]' })).toBeTruthy();
    expect(fact(row(5), 'Expired')).toMatch(/2026/);
    expect(within(row(4)).getByText('Revoked', { selector: '[data-state]' })).toBeTruthy();
    expect(fact(row(4), 'Revoked')).toMatch(/2026/);
    // Only a working link can be revoked.
    expect(within(row(5)).queryByRole('button', { name: /Revoke/ })).toBeNull();
    expect(within(row(4)).queryByRole('button', { name: /Revoke/ })).toBeNull();
    // Thumbnails come from the studio's own images.
    await waitFor(() => expect(branch.querySelector('img')?.getAttribute('src')).toBe('/thumbs/sdxl_12.webp'));
  });

  it('revokes a link only once confirmed, and shows it revoked', async () => {
    const { user } = renderApp('/shares');
    await screen.findByRole('list', { name: 'Your shared links' });

    await user.click(within(row(12)).getByRole('button', { name: 'Revoke the link to image #12' }));
    let dialog = screen.getByRole('dialog', { name: 'Revoke the link to image #12?' });
    expect(dialog.textContent).toContain('Whoever opens it from now on is told that it was revoked.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(http.to('/api/shares/a1', 'DELETE')).toHaveLength(0);

    await user.click(within(row(12)).getByRole('button', { name: 'Revoke the link to image #12' }));
    dialog = screen.getByRole('dialog', { name: 'Revoke the link to image #12?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke link' }));
    await waitFor(() => expect(within(row(12)).getByText('Revoked', { selector: '[data-state]' })).toBeTruthy());
    expect(within(row(12)).queryByRole('button', { name: /Revoke/ })).toBeNull();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(http.to('/api/shares/a1', 'DELETE')[0]!.headers.get('x-csrf-token')).toBe('csrf-alice');
    expect(toast.success).toHaveBeenCalledWith('Link to image #12 revoked');
  });

  it('says where to share from when there are no links', async () => {
    shares = [];
    renderApp('/shares');
    expect(await screen.findByRole('heading', { name: 'No shared links yet' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open the gallery' }).getAttribute('href')).toBe('/gallery');
  });

  it('says what went wrong when the list cannot be loaded', async () => {
    http.on('GET', '/api/shares', apiError(503, 'unavailable', 'The database is locked; try again in a moment.'));
    renderApp('/shares');
    expect((await screen.findByRole('alert')).textContent).toBe('The database is locked; try again in a moment.');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it('is in the account menu with accounts on', async () => {
    const { user, where } = renderApp('/gallery');
    await user.click(await screen.findByRole('button', { name: 'Account: alice (admin)' }));
    await user.click(screen.getByRole('link', { name: 'Shared links' }));
    expect(where()).toBe('/shares');
    expect(await screen.findByRole('heading', { name: 'Shared links' })).toBeTruthy();
    // Not in the main navigation: that is for single-user mode, which has no account menu.
    expect(within(screen.getByRole('navigation', { name: 'Main' })).queryByRole('link', { name: 'Shared links' })).toBeNull();
  });

  it('is in the main navigation in single-user mode', async () => {
    serveStudio(http, singleUser);
    const { user, where } = renderApp('/gallery');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    await user.click(await within(nav).findByRole('link', { name: 'Shared links' }));
    expect(where()).toBe('/shares');
    expect(await screen.findByRole('list', { name: 'Your shared links' })).toBeTruthy();
  });
});
