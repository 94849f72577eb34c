import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { toast } from 'sonner';
import { setCsrfToken } from '@/lib/api-client';
import { loadPage } from '@/lib/navigation';
import { alice, bob, serveStudio, signedInAs, signedOut, singleUser } from '@/test/accounts';
import { apiError, fakeHttp, json, type FakeHttp } from '@/test/fake-http';
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

const token = { id: 't1', name: 'nightly backup', created_at: '2026-01-01T10:00:00Z', last_used_at: null };

/** Signs in on the sign-in page showing now. */
async function signIn(user: ReturnType<typeof renderApp>['user'], name: string) {
  await user.type(await screen.findByLabelText('Username'), name);
  await user.type(screen.getByLabelText('Password'), 'correct horse');
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('the gate', () => {
  it('shows nothing of the studio, and asks nothing else, until it knows who is signed in', async () => {
    let answer!: (r: Response) => void;
    serveStudio(http, signedInAs(alice)).on('GET', '/api/auth/me', () => new Promise<Response>((r) => (answer = r)));
    renderApp('/tokens');
    expect(screen.getByRole('status', { name: 'Loading' })).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
    await new Promise((r) => setTimeout(r, 50));
    expect(http.requests.map((r) => r.path)).toEqual(['/api/auth/me']);

    answer(json(200, signedInAs(alice)));
    expect(await screen.findByRole('heading', { name: 'API tokens' })).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeTruthy();
  });

  it('lets everyone in with accounts off, and says it is single-user mode', async () => {
    serveStudio(http, singleUser);
    const { user, where } = renderApp('/gallery');
    expect(await screen.findByRole('heading', { name: 'Gallery' })).toBeTruthy();
    expect(where()).toBe('/gallery');
    expect(screen.queryByRole('button', { name: /^Account/ })).toBeNull();

    const note = screen.getByRole('button', { name: 'Single-user mode' });
    await user.click(note);
    expect(note.getAttribute('aria-expanded')).toBe('true');
    expect(screen.getByRole('note', { name: 'Single-user mode' }).textContent).toContain('Anyone who can reach this address can use this ImageFlow');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('note')).toBeNull();
    expect(document.activeElement).toBe(note);
  });

  it('says why when the server cannot be reached, and tries again', async () => {
    let up = false;
    serveStudio(http, signedInAs(alice)).on('GET', '/api/auth/me', () => {
      if (!up) throw new TypeError('Failed to fetch');
      return json(200, signedInAs(alice));
    });
    const { user } = renderApp('/tokens');
    expect(await screen.findByRole('heading', { name: 'ImageFlow could not start' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe('Cannot reach the ImageFlow server. Is it running?');
    up = true;
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByRole('heading', { name: 'API tokens' })).toBeTruthy();
  });
});

describe('a session that ends while the studio is open', () => {
  it('leads to the sign-in page and back to the same place, without an error toast', async () => {
    let me = signedInAs(alice);
    let expired = false;
    serveStudio(http, me)
      .on('GET', '/api/auth/me', () => json(200, me))
      .on('GET', '/api/tokens', () => (expired ? apiError(401, 'unauthenticated', 'Sign in to continue.') : json(200, { items: [token] })))
      .on('DELETE', '/api/tokens/t1', () => {
        expired = true;
        me = signedOut;
        return apiError(401, 'unauthenticated', 'Sign in to continue.');
      })
      .on('POST', '/api/auth/login', () => {
        expired = false;
        me = signedInAs(alice, 'csrf-2');
        return json(200, { user: alice, csrf_token: 'csrf-2' });
      });
    const { user, where } = renderApp('/tokens');
    await user.click(await screen.findByRole('button', { name: 'Revoke token “nightly backup”' }));
    await user.click(screen.getByRole('button', { name: 'Revoke token' }));

    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(where()).toBe('/signin?next=%2Ftokens');
    expect(screen.getByText('Your session has ended. Sign in again to continue where you were.')).toBeTruthy();
    expect(toast.error).not.toHaveBeenCalled();

    await signIn(user, 'alice');
    expect(await screen.findByRole('heading', { name: 'API tokens' })).toBeTruthy();
    expect(where()).toBe('/tokens');
    // What was fetched for the session before is fetched again, with the new one.
    await waitFor(() => expect(screen.getByText('nightly backup')).toBeTruthy());
    expect(http.to('/api/tokens', 'GET').length).toBeGreaterThanOrEqual(2);
    expect(loadPage).not.toHaveBeenCalled();
  });

  it('reloads the page when someone else signs in, so nothing of the first person stays', async () => {
    let me = signedInAs(alice);
    serveStudio(http, me)
      .on('GET', '/api/auth/me', () => json(200, me))
      .on('GET', '/api/tokens', () => {
        me = signedOut;
        return apiError(401, 'unauthenticated', 'Sign in to continue.');
      })
      .on('POST', '/api/auth/login', json(200, { user: bob, csrf_token: 'csrf-bob' }));
    const { user, where } = renderApp('/tokens');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(where()).toBe('/signin?next=%2Ftokens');
    await signIn(user, 'bob');
    await waitFor(() => expect(loadPage).toHaveBeenCalledWith('/tokens'));
  });
});
