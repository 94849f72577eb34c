import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { getCsrfToken, setCsrfToken } from '@/lib/api-client';
import { alice, firstRun, serveStudio, signedInAs, signedOut, singleUser } from '@/test/accounts';
import { apiError, fakeHttp, json, type FakeHttp } from '@/test/fake-http';
import { renderApp } from '@/test/render-app';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

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

const username = () => screen.getByLabelText('Username') as HTMLInputElement;
const password = () => screen.getByLabelText('Password') as HTMLInputElement;
const signInButton = () => screen.getByRole('button', { name: 'Sign in' }) as HTMLButtonElement;

describe('sign in', () => {
  it('is where a signed-out visit lands, and leads back to the page asked for', async () => {
    serveStudio(http, signedOut).on('POST', '/api/auth/login', json(200, { user: alice, csrf_token: 'csrf-new' }));
    const { user, where } = renderApp('/gallery?q=rain');
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(where()).toBe('/signin?next=%2Fgallery%3Fq%3Drain');
    // The studio asked for nothing while signed out.
    expect(http.requests.map((r) => r.path)).toEqual(['/api/auth/me']);
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();

    await user.type(username(), ' alice ');
    await user.type(password(), 'correct horse');
    await user.click(signInButton());

    expect(await screen.findByRole('heading', { name: 'No images match “rain”' })).toBeTruthy();
    expect(where()).toBe('/gallery?q=rain');
    expect(http.to('/api/auth/login')[0]!.body).toEqual({ username: 'alice', password: 'correct horse' });
    expect(http.to('/api/images').at(-1)!.url).toContain('q=rain');
    expect(screen.getByRole('button', { name: 'Account: alice (admin)' })).toBeTruthy();
    expect(getCsrfToken()).toBe('csrf-new');
  });

  it('says when the username or password is wrong, and clears the password', async () => {
    serveStudio(http, signedOut).on('POST', '/api/auth/login', apiError(401, 'invalid_credentials', 'Wrong username or password.'));
    const { user, where } = renderApp('/signin');
    await user.type(await screen.findByLabelText('Username'), 'alice');
    await user.type(password(), 'wrong one');
    await user.click(signInButton());

    expect((await screen.findByRole('alert')).textContent).toBe('Wrong username or password.');
    expect(username().value).toBe('alice');
    expect(password().value).toBe('');
    expect(document.activeElement).toBe(password());
    expect(where()).toBe('/signin');
  });

  it('asks for both fields before sending anything', async () => {
    serveStudio(http, signedOut);
    const { user } = renderApp('/signin');
    await user.click(await screen.findByRole('button', { name: 'Sign in' }));
    expect(screen.getByText('Enter your username.')).toBeTruthy();
    expect(screen.getByText('Enter your password.')).toBeTruthy();
    expect(username().getAttribute('aria-invalid')).toBe('true');
    expect(http.to('/api/auth/login')).toHaveLength(0);
  });

  it('after too many attempts, counts down the seconds the server asks to wait', async () => {
    serveStudio(http, signedOut).on('POST', '/api/auth/login', apiError(429, 'rate_limited', 'Too many sign-in attempts.', { 'retry-after': '2' }));
    const { user } = renderApp('/signin');
    await user.type(await screen.findByLabelText('Username'), 'alice');
    await user.type(password(), 'guess');
    await user.click(signInButton());

    expect((await screen.findByRole('alert')).textContent).toBe('Too many attempts. Try again in 2 s.');
    expect(signInButton().disabled).toBe(true);
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('Too many attempts. Try again in 1 s.'), { timeout: 2000 });
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('You can try again now.'), { timeout: 2500 });
    expect(signInButton().disabled).toBe(false);
  });

  it('says so when the account is disabled (403), in the server’s words', async () => {
    serveStudio(http, signedOut).on(
      'POST',
      '/api/auth/login',
      apiError(403, 'account_disabled', 'This account is disabled. Ask an admin of this ImageFlow to enable it again.'),
    );
    const { user, where } = renderApp('/signin');
    await user.type(await screen.findByLabelText('Username'), 'dana');
    await user.type(password(), 'dana password 1');
    await user.click(signInButton());
    expect((await screen.findByRole('alert')).textContent).toBe('This account is disabled. Ask an admin of this ImageFlow to enable it again.');
    expect(password().value).toBe('');
    expect(http.to('/api/auth/login')).toHaveLength(1);
    expect(where()).toBe('/signin');
  });

  it('shows the server’s words for any other failure', async () => {
    serveStudio(http, signedOut).on('POST', '/api/auth/login', () => {
      throw new TypeError('Failed to fetch');
    });
    const { user } = renderApp('/signin');
    await user.type(await screen.findByLabelText('Username'), 'alice');
    await user.type(password(), 'pw');
    await user.click(signInButton());
    expect((await screen.findByRole('alert')).textContent).toBe('Cannot reach the ImageFlow server. Is it running?');
  });

  it('is skipped in single-user mode', async () => {
    serveStudio(http, singleUser);
    const { where } = renderApp('/signin?next=%2Ftokens');
    expect(await screen.findByRole('heading', { name: 'No API tokens in single-user mode' })).toBeTruthy();
    expect(where()).toBe('/tokens');
  });

  it('is skipped when already signed in', async () => {
    serveStudio(http, signedInAs(alice));
    const { where } = renderApp('/signin?next=%2Ftokens');
    expect(await screen.findByRole('heading', { name: 'API tokens' })).toBeTruthy();
    expect(where()).toBe('/tokens');
  });
});

describe('first-run set-up', () => {
  const confirm = () => screen.getByLabelText('Password again') as HTMLInputElement;
  const createButton = () => screen.getByRole('button', { name: 'Create account and sign in' });

  it('creates the first admin, password typed twice, and signs them in', async () => {
    serveStudio(http, firstRun).on('POST', '/api/auth/setup', json(201, { user: { id: 'u1', username: 'root', role: 'admin' }, csrf_token: 'csrf-setup' }));
    const { user, where } = renderApp('/tokens');
    expect(await screen.findByRole('heading', { name: 'Create the admin account' })).toBeTruthy();
    expect(screen.getByText('At least 8 characters.')).toBeTruthy();

    await user.type(username(), 'root');
    await user.type(password(), 'short');
    await user.type(confirm(), 'short');
    await user.click(createButton());
    expect(screen.getByText('Use at least 8 characters (this one has 5).')).toBeTruthy();
    expect(document.activeElement).toBe(password());

    await user.clear(password());
    await user.type(password(), 'long enough');
    await user.clear(confirm());
    await user.type(confirm(), 'long enougg');
    await user.click(createButton());
    expect(screen.getByText('The two passwords are not the same. Type it again.')).toBeTruthy();
    expect(http.to('/api/auth/setup')).toHaveLength(0);

    await user.clear(confirm());
    await user.type(confirm(), 'long enough');
    await user.click(createButton());
    expect(await screen.findByRole('heading', { name: 'API tokens' })).toBeTruthy();
    expect(where()).toBe('/tokens');
    expect(http.to('/api/auth/setup')[0]!.body).toEqual({ username: 'root', password: 'long enough' });
    expect(screen.getByRole('button', { name: 'Account: root (admin)' })).toBeTruthy();
    expect(getCsrfToken()).toBe('csrf-setup');
  });

  it('turns into the sign-in form when someone else set up first (409)', async () => {
    let me = firstRun;
    serveStudio(http, firstRun)
      .on('GET', '/api/auth/me', () => json(200, me))
      .on('POST', '/api/auth/setup', () => {
        me = signedOut;
        return apiError(409, 'already_set_up', 'An account exists already.');
      });
    const { user } = renderApp('/signin');
    await user.type(await screen.findByLabelText('Username'), 'root');
    await user.type(password(), 'long enough');
    await user.type(confirm(), 'long enough');
    await user.click(createButton());
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeTruthy();
    expect(screen.getByText(/An admin account was created meanwhile/)).toBeTruthy();
  });
});
