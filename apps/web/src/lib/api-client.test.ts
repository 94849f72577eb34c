import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiError, fakeHttp, json, noContent, type FakeHttp } from '@/test/fake-http';
import { api, ApiError, getCsrfToken, onUnauthenticated, parseRetryAfter, prefetchJson, setCsrfToken } from './api-client';

const alice = { id: 'u1', username: 'alice', role: 'admin' as const };
const signedIn = (csrf: string) => json(200, { auth: 'on', user: alice, csrf_token: csrf, setup_needed: false });

let http: FakeHttp;

beforeEach(() => {
  setCsrfToken(null);
  http = fakeHttp();
});
afterEach(() => vi.unstubAllGlobals());

describe('CSRF token', () => {
  it('is kept from /api/auth/me and sent on every write, never on reads', async () => {
    http
      .on('GET', '/api/auth/me', signedIn('csrf-1'))
      .on('GET', '/api/images/7', json(200, { id: 7 }))
      .on('PATCH', '/api/images/7', json(200, { id: 7 }))
      .on('DELETE', '/api/images/7', json(200, { id: 7 }))
      .on('POST', '/api/images/7/restore', json(200, { id: 7 }))
      .on('POST', '/api/generations', json(202, { id: 'job' }))
      .on('POST', '/api/images/upload', json(201, { id: 8 }))
      .on('DELETE', '/api/generations/job', json(200, { id: 'job' }));
    await api.me();
    await api.image(7);
    await api.setStarred(7, true);
    await api.trashImage(7);
    await api.restoreImage(7);
    await api.submitGeneration({ prompt: 'a red flower' });
    await api.upload(new File(['x'], 'a.png', { type: 'image/png' }));
    await api.cancelJob('job');

    const csrf = (method: string, path: string) => http.to(path, method)[0]!.headers.get('x-csrf-token');
    expect(csrf('GET', '/api/auth/me')).toBeNull();
    expect(csrf('GET', '/api/images/7')).toBeNull();
    expect(csrf('PATCH', '/api/images/7')).toBe('csrf-1');
    expect(csrf('DELETE', '/api/images/7')).toBe('csrf-1');
    expect(csrf('POST', '/api/images/7/restore')).toBe('csrf-1');
    expect(csrf('POST', '/api/generations')).toBe('csrf-1');
    expect(csrf('POST', '/api/images/upload')).toBe('csrf-1');
    expect(csrf('DELETE', '/api/generations/job')).toBe('csrf-1');
    // The JSON content type survives beside it; the multipart upload keeps its own.
    expect(http.to('/api/images/7', 'PATCH')[0]!.headers.get('content-type')).toBe('application/json');
    expect(http.to('/api/images/upload')[0]!.headers.get('content-type')).toBeNull();
  });

  it('is replaced by the one a login or set-up answers, and dropped on sign-out', async () => {
    http
      .on('GET', '/api/auth/me', json(200, { auth: 'on', user: null, csrf_token: null, setup_needed: false }))
      .on('POST', '/api/auth/login', json(200, { user: alice, csrf_token: 'after-login' }))
      .on('POST', '/api/auth/setup', json(201, { user: alice, csrf_token: 'after-setup' }))
      .on('POST', '/api/auth/logout', noContent())
      .on('POST', '/api/tokens', json(201, { id: 't', name: 'n', token: 'secret', created_at: '' }));
    await api.me();
    expect(getCsrfToken()).toBeNull();

    await api.login('alice', 'correct horse');
    expect(getCsrfToken()).toBe('after-login');
    expect(http.to('/api/auth/login')[0]!.body).toEqual({ username: 'alice', password: 'correct horse' });
    await api.createToken('n');
    expect(http.to('/api/tokens')[0]!.headers.get('x-csrf-token')).toBe('after-login');

    await api.setup('alice', 'correct horse');
    expect(getCsrfToken()).toBe('after-setup');

    await api.logout();
    expect(http.to('/api/auth/logout')[0]!.headers.get('x-csrf-token')).toBe('after-setup');
    expect(getCsrfToken()).toBeNull();
  });

  it('is read again once when the server refuses it as stale (403 csrf_failed), and the write retried', async () => {
    setCsrfToken('stale');
    let attempts = 0;
    http
      .on('GET', '/api/auth/me', signedIn('fresh'))
      .on('PATCH', '/api/images/3', (req) =>
        ++attempts === 1 || req.headers.get('x-csrf-token') !== 'fresh'
          ? apiError(403, 'csrf_failed', 'The CSRF token is missing or wrong.')
          : json(200, { id: 3, starred: true }),
      );
    await expect(api.setStarred(3, true)).resolves.toEqual({ id: 3, starred: true });
    expect(http.to('/api/images/3').map((r) => r.headers.get('x-csrf-token'))).toEqual(['stale', 'fresh']);
  });

  it('retries a refused write only once, and a 403 of another kind not at all', async () => {
    setCsrfToken('stale');
    http
      .on('GET', '/api/auth/me', signedIn('still-wrong'))
      .on('PATCH', '/api/images/3', apiError(403, 'csrf_failed', 'The CSRF token is missing or wrong.'))
      .on('DELETE', '/api/images/3', apiError(403, 'forbidden', 'Not yours.'));
    await expect(api.setStarred(3, true)).rejects.toMatchObject({ status: 403, code: 'csrf_failed' });
    expect(http.to('/api/images/3', 'PATCH')).toHaveLength(2);
    await expect(api.trashImage(3)).rejects.toMatchObject({ status: 403, code: 'forbidden', message: 'Not yours.' });
    expect(http.to('/api/images/3', 'DELETE')).toHaveLength(1);
  });
});

describe('the trash', () => {
  it('moves to the trash with a plain DELETE, deletes forever with ?forever=true, restores with POST', async () => {
    http
      .on('DELETE', '/api/images/4', (req) => json(200, { id: 4, url: req.url }))
      .on('POST', '/api/images/4/restore', json(200, { id: 4, trashed_at: null }));
    expect(await api.trashImage(4)).toEqual({ id: 4, url: '/api/images/4' });
    expect(await api.deleteImageForever(4)).toEqual({ id: 4, url: '/api/images/4?forever=true' });
    expect(await api.restoreImage(4)).toEqual({ id: 4, trashed_at: null });
    expect(http.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE /api/images/4',
      'DELETE /api/images/4?forever=true',
      'POST /api/images/4/restore',
    ]);
  });

  it('lists the trash a page at a time, passing the cursor back unchanged', async () => {
    http.on('GET', '/api/trash', json(200, { items: [], next_cursor: null, purge_after_days: 30 }));
    await api.trash();
    await api.trash({ limit: 50, cursor: 'dDoyMDI2' });
    expect(http.to('/api/trash').map((r) => r.url)).toEqual(['/api/trash', '/api/trash?limit=50&cursor=dDoyMDI2']);
  });

  it('gives the server’s reason when a restore is refused', async () => {
    http.on('POST', '/api/images/4/restore', apiError(409, 'conflict', 'Image 4 is not in the trash.'));
    await expect(api.restoreImage(4)).rejects.toMatchObject({ status: 409, code: 'conflict', message: 'Image 4 is not in the trash.' });
  });
});

describe('lineage', () => {
  it('asks for nodes in summary form, which is all a tree view draws', async () => {
    http.on('GET', '/api/images/7/lineage', json(200, { root_id: 1, focus_id: 7, path: [1, 7], nodes: [], truncated: false, next_cursor: null }));
    await api.lineage(7, { scope: 'tree', limit: 5000, cursor: 'dDox' });
    expect(http.to('/api/images/7/lineage').map((r) => r.url)).toEqual(['/api/images/7/lineage?scope=tree&limit=5000&cursor=dDox&fields=summary']);
  });
});

describe('401', () => {
  it('from any call tells the listeners, with the server’s error', async () => {
    const listener = vi.fn();
    const stop = onUnauthenticated(listener);
    http.on('GET', '/api/images', apiError(401, 'unauthenticated', 'Sign in to continue.'));
    await expect(api.gallery({})).rejects.toMatchObject({ status: 401, code: 'unauthenticated', message: 'Sign in to continue.' });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]![0]).toBeInstanceOf(ApiError);
    stop();
    await expect(api.gallery({})).rejects.toThrow();
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('from a wrong password is the login’s own answer, not a session that ended', async () => {
    const listener = vi.fn();
    const stop = onUnauthenticated(listener);
    http.on('POST', '/api/auth/login', apiError(401, 'invalid_credentials', 'Wrong username or password.'));
    await expect(api.login('alice', 'nope')).rejects.toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect(listener).not.toHaveBeenCalled();
    stop();
  });
});

describe('errors', () => {
  it('carry Retry-After as seconds', async () => {
    http.on('POST', '/api/auth/login', apiError(429, 'rate_limited', 'Too many attempts.', { 'retry-after': '42' }));
    await expect(api.login('alice', 'x')).rejects.toMatchObject({ status: 429, retryAfter: 42, message: 'Too many attempts.' });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('say so plainly when the body is not the API’s JSON', async () => {
    http.on('GET', '/api/tokens', () => new Response('<html>Bad gateway</html>', { status: 502 }));
    await expect(api.tokens()).rejects.toMatchObject({ status: 502, code: 'http_error', message: 'The server answered 502.' });
  });
});

describe('accounts', () => {
  it('treat an API without /api/auth/me as single-user mode', async () => {
    await expect(api.me()).resolves.toEqual({ auth: 'off', user: null, csrf_token: null, setup_needed: false });
  });

  it('list, create and revoke tokens on their routes', async () => {
    http
      .on('GET', '/api/tokens', json(200, { items: [] }))
      .on('POST', '/api/tokens', json(201, { id: 'a/b', name: 'ci', token: 'if_secret', created_at: '2026-01-01T00:00:00Z' }))
      .on('DELETE', '/api/tokens/a%2Fb', noContent());
    await expect(api.tokens()).resolves.toEqual({ items: [] });
    await expect(api.createToken('ci')).resolves.toMatchObject({ token: 'if_secret' });
    expect(http.to('/api/tokens', 'POST')[0]!.body).toEqual({ name: 'ci' });
    await expect(api.revokeToken('a/b')).resolves.toBeUndefined();
  });

  it('change my password, sign out everywhere, and manage accounts on their routes, with the CSRF token', async () => {
    setCsrfToken('csrf-1');
    const dana = { id: 'u/2', username: 'dana', role: 'user', created_at: '2026-01-01T00:00:00Z', disabled_at: null, images: 0, bytes: 0 };
    http
      .on('GET', '/api/usage', json(200, { images: 3, bytes: 1234 }))
      .on('POST', '/api/auth/password', noContent())
      .on('GET', '/api/admin/users', json(200, { items: [dana] }))
      .on('POST', '/api/admin/users', json(201, dana))
      .on('PATCH', '/api/admin/users/u%2F2', json(200, { ...dana, disabled_at: '2026-02-01T00:00:00Z' }))
      .on('POST', '/api/auth/logout-everywhere', noContent());
    await expect(api.usage()).resolves.toEqual({ images: 3, bytes: 1234 });
    await api.changePassword({ current_password: 'old password', new_password: 'new password' });
    expect(http.to('/api/auth/password')[0]!.body).toEqual({ current_password: 'old password', new_password: 'new password' });
    await expect(api.accounts()).resolves.toEqual({ items: [dana] });
    await api.createAccount({ username: 'dana', password: 'dana password', role: 'user' });
    expect(http.to('/api/admin/users', 'POST')[0]!.body).toEqual({ username: 'dana', password: 'dana password', role: 'user' });
    await expect(api.updateAccount('u/2', { disabled: true })).resolves.toMatchObject({ disabled_at: '2026-02-01T00:00:00Z' });
    expect(http.to('/api/admin/users/u%2F2')[0]!.body).toEqual({ disabled: true });
    for (const req of http.requests.filter((r) => r.method !== 'GET')) expect(req.headers.get('x-csrf-token')).toBe('csrf-1');

    await api.signOutEverywhere();
    expect(http.to('/api/auth/logout-everywhere')[0]!.headers.get('x-csrf-token')).toBe('csrf-1');
    expect(getCsrfToken()).toBeNull();
  });

  it('keep a wrong current password the form’s own answer (400), and a disabled sign-in a 403 with its words', async () => {
    const listener = vi.fn();
    const off = onUnauthenticated(listener);
    http
      .on('POST', '/api/auth/password', apiError(400, 'validation_error', 'The current password is wrong.'))
      .on('POST', '/api/auth/login', apiError(403, 'account_disabled', 'This account is disabled. Ask an admin of this ImageFlow to enable it again.'));
    await expect(api.changePassword({ current_password: 'nope', new_password: 'new password' })).rejects.toMatchObject({ status: 400, message: 'The current password is wrong.' });
    await expect(api.login('dana', 'dana password')).rejects.toMatchObject({ status: 403, code: 'account_disabled' });
    expect(http.to('/api/auth/login')).toHaveLength(1);
    expect(listener).not.toHaveBeenCalled();
    off();
  });
});

describe('answers index.html asked for early', () => {
  afterEach(() => delete window.__imageflowEarly);

  it('are taken by the first GET of the same path, once, with everything a fetched answer gets', async () => {
    http.on('GET', '/api/auth/me', signedIn('csrf-late'));
    window.__imageflowEarly = { '/api/auth/me': Promise.resolve(signedIn('csrf-early')) };
    await expect(api.me()).resolves.toMatchObject({ user: alice });
    expect(getCsrfToken()).toBe('csrf-early');
    expect(http.to('/api/auth/me')).toHaveLength(0);
    // Taken once: the next one is asked for.
    await api.me();
    expect(getCsrfToken()).toBe('csrf-late');
    expect(http.to('/api/auth/me')).toHaveLength(1);
  });

  it('are errors like any other (a 401 tells the listeners), and one that never reached the server is asked again', async () => {
    const heard = vi.fn();
    const stop = onUnauthenticated(heard);
    const path = '/api/images/7/lineage?scope=tree&limit=5000&fields=summary';
    window.__imageflowEarly = { [path]: Promise.resolve(apiError(401, 'unauthenticated', 'Sign in first.')) };
    await expect(api.lineage(7, { scope: 'tree', limit: 5000 })).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(heard).toHaveBeenCalledTimes(1);
    stop();

    http.on('GET', '/api/images/7/lineage', json(200, { root_id: 7, nodes: [] }));
    window.__imageflowEarly = { [path]: Promise.reject(new TypeError('Failed to fetch')) };
    await expect(api.lineage(7, { scope: 'tree', limit: 5000 })).resolves.toMatchObject({ root_id: 7 });
    expect(http.to('/api/images/7/lineage')).toHaveLength(1);
  });

  it('are not taken by a write, nor by a GET of another path', async () => {
    const early = Promise.resolve(json(200, { id: 7, early: true }));
    window.__imageflowEarly = { '/api/images/7': early };
    http.on('PATCH', '/api/images/7', json(200, { id: 7 })).on('GET', '/api/images/8', json(200, { id: 8 }));
    await api.setStarred(7, true);
    await expect(api.image(8)).resolves.toEqual({ id: 8 });
    expect(window.__imageflowEarly).toHaveProperty(['/api/images/7']);
    await expect(api.image(7)).resolves.toEqual({ id: 7, early: true });
  });

  it('prefetchJson answers null for a refusal and tells nobody', async () => {
    const heard = vi.fn();
    const stop = onUnauthenticated(heard);
    http.on('GET', '/api/auth/me', apiError(401, 'unauthenticated', 'Sign in first.'));
    await expect(prefetchJson('/api/auth/me')).resolves.toBeNull();
    window.__imageflowEarly = { '/api/x': Promise.reject(new TypeError('Failed to fetch')) };
    await expect(prefetchJson('/api/x')).resolves.toBeNull();
    window.__imageflowEarly = { '/api/y': Promise.resolve(json(200, { y: 1 })) };
    await expect(prefetchJson('/api/y')).resolves.toEqual({ y: 1 });
    expect(heard).not.toHaveBeenCalled();
    stop();
  });
});
