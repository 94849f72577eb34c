import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import { toast } from 'sonner';
import { setCsrfToken } from '@/lib/api-client';
import { loadPage } from '@/lib/navigation';
import { alice, bob, serveStudio, signedInAs } from '@/test/accounts';
import { apiError, fakeHttp, json, noContent, type FakeHttp } from '@/test/fake-http';
import { renderApp } from '@/test/render-app';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));
vi.mock('@/lib/navigation', () => ({ loadPage: vi.fn() }));

let http: FakeHttp;

beforeEach(() => {
  setCsrfToken(null);
  http = fakeHttp();
  vi.stubGlobal('scrollTo', vi.fn());
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe('the account menu', () => {
  it('names who is signed in, with a badge for admins, and leads to API tokens', async () => {
    serveStudio(http, signedInAs(alice));
    const { user, where } = renderApp('/gallery');
    const button = await screen.findByRole('button', { name: 'Account: alice (admin)' });
    expect(button.textContent).toContain('alice');
    expect(button.textContent).toContain('admin');
    await user.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const menu = screen.getByRole('group', { name: 'Account' });
    expect(menu.textContent).toContain('Signed in as');
    await user.click(screen.getByRole('link', { name: 'API tokens' }));
    expect(where()).toBe('/tokens');
    expect(screen.queryByRole('group', { name: 'Account' })).toBeNull();
  });

  it('shows no badge for a user who is not an admin', async () => {
    serveStudio(http, signedInAs(bob));
    renderApp('/gallery');
    const button = await screen.findByRole('button', { name: 'Account: bob' });
    expect(button.textContent).not.toContain('admin');
  });

  it('leads to the account page first, then (for admins) to the users, the links, the trash and the tokens', async () => {
    serveStudio(http, signedInAs(alice)).on('GET', '/api/usage', json(200, { images: 0, bytes: 0 }));
    const { user, where } = renderApp('/gallery');
    await user.click(await screen.findByRole('button', { name: 'Account: alice (admin)' }));
    const menu = screen.getByRole('group', { name: 'Account' });
    expect(within(menu).getAllByRole('link').map((l) => [l.textContent, l.getAttribute('href')])).toEqual([
      ['Account', '/account'],
      ['Users', '/users'],
      // Shown on phones only (sm:hidden), where the header has no room for it.
      ['Import', '/import'],
      ['Shared links', '/shares'],
      ['Trash', '/trash'],
      ['API tokens', '/tokens'],
    ]);
    await user.click(within(menu).getByRole('link', { name: 'Account' }));
    expect(where()).toBe('/account');
    expect(await screen.findByRole('heading', { name: 'Account', level: 1 })).toBeTruthy();
  });

  it('has no Users entry for someone who is not an admin', async () => {
    serveStudio(http, signedInAs(bob));
    const { user } = renderApp('/gallery');
    await user.click(await screen.findByRole('button', { name: 'Account: bob' }));
    const menu = screen.getByRole('group', { name: 'Account' });
    expect(within(menu).getByRole('link', { name: 'Account' })).toBeTruthy();
    expect(within(menu).queryByRole('link', { name: 'Users' })).toBeNull();
  });

  it('signs out with the CSRF token, then loads the sign-in page afresh', async () => {
    serveStudio(http, signedInAs(alice, 'csrf-alice')).on('POST', '/api/auth/logout', noContent());
    const { user } = renderApp('/gallery');
    await user.click(await screen.findByRole('button', { name: 'Account: alice (admin)' }));
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(loadPage).toHaveBeenCalledWith('/signin'));
    expect(http.to('/api/auth/logout')[0]!.headers.get('x-csrf-token')).toBe('csrf-alice');
  });

  it('stays signed in and says why when signing out fails', async () => {
    serveStudio(http, signedInAs(alice)).on('POST', '/api/auth/logout', apiError(503, 'unavailable', 'The database is locked; try again in a moment.'));
    const { user } = renderApp('/gallery');
    await user.click(await screen.findByRole('button', { name: 'Account: alice (admin)' }));
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(toast.error).toHaveBeenCalledWith('The database is locked; try again in a moment.'));
    expect(loadPage).not.toHaveBeenCalled();
  });

  it('closes on Escape and on a click elsewhere', async () => {
    serveStudio(http, signedInAs(alice));
    const { user } = renderApp('/gallery');
    const button = await screen.findByRole('button', { name: 'Account: alice (admin)' });
    await user.click(button);
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('group', { name: 'Account' })).toBeNull();
    expect(document.activeElement).toBe(button);
    await user.click(button);
    await user.click(screen.getByRole('heading', { name: 'Gallery' }));
    expect(screen.queryByRole('group', { name: 'Account' })).toBeNull();
  });
});
