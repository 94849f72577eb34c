import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import { toast } from 'sonner';
import { setCsrfToken } from '@/lib/api-client';
import { loadPage } from '@/lib/navigation';
import { alice, bob, serveStudio, signedInAs, singleUser } from '@/test/accounts';
import { apiError, fakeHttp, json, noContent, type FakeHttp } from '@/test/fake-http';
import { renderApp } from '@/test/render-app';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));
vi.mock('@/lib/navigation', () => ({ loadPage: vi.fn() }));

const CURRENT = 'alice password 1';

let http: FakeHttp;

/** The account routes behind the fake API: the password check as the server makes it. */
function serveAccount(me = signedInAs(alice, 'csrf-alice')) {
  return serveStudio(http, me)
    .on('GET', '/api/usage', json(200, { images: 1234, bytes: 3_500_000 }))
    .on('POST', '/api/auth/password', (req) => {
      const { current_password, new_password } = req.body as { current_password: string; new_password: string };
      if (current_password !== CURRENT) return apiError(400, 'validation_error', 'The current password is wrong.');
      if (new_password.length < 8) return apiError(400, 'validation_error', 'password must be 8 to 256 characters.');
      return noContent();
    })
    .on('POST', '/api/auth/logout-everywhere', noContent());
}

beforeEach(() => {
  setCsrfToken(null);
  http = fakeHttp();
  vi.stubGlobal('scrollTo', vi.fn());
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

const storage = () => screen.getByRole('region', { name: 'Storage used' });
const form = () => screen.getByRole('form', { name: 'Change password' });
const field = (label: string) => within(form()).getByLabelText(label) as HTMLInputElement;

describe('the account page', () => {
  it('names who is signed in, with the admin badge, and the storage their images take', async () => {
    serveAccount();
    renderApp('/account');
    expect(await screen.findByRole('heading', { name: 'Account', level: 1 })).toBeTruthy();
    expect(screen.getByText('Signed in as').parentElement!.textContent).toContain('aliceadmin');
    await waitFor(() => expect(storage().textContent).toContain('1,234'));
    expect(storage().textContent).toContain('3.3 MB');
    expect(within(storage()).getByText('3.3 MB').getAttribute('title')).toBe('3,500,000 bytes');
    expect(within(storage()).getByRole('link', { name: /Every account’s storage/ }).getAttribute('href')).toBe('/users');
    expect(screen.getByRole('link', { name: 'API tokens' }).getAttribute('href')).toBe('/tokens');
    expect(document.title).toBe('Account · ImageFlow');
  });

  it('shows no badge and no link to the users for someone who is not an admin', async () => {
    serveAccount(signedInAs(bob));
    renderApp('/account');
    await waitFor(() => expect(storage().textContent).toContain('1,234'));
    expect(screen.getByText('Signed in as').parentElement!.textContent).not.toContain('admin');
    expect(screen.queryByRole('link', { name: /Every account’s storage/ })).toBeNull();
  });

  it('says so when the storage cannot be read, and reads it again on Retry', async () => {
    serveAccount().on('GET', '/api/usage', apiError(503, 'unavailable', 'The database is locked; try again in a moment.'));
    const { user } = renderApp('/account');
    expect((await within(await screen.findByRole('region', { name: 'Storage used' })).findByRole('alert')).textContent).toBe(
      'The database is locked; try again in a moment.',
    );
    http.on('GET', '/api/usage', json(200, { images: 2, bytes: 2048 }));
    await user.click(within(storage()).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(storage().textContent).toContain('2.0 KB'));
  });
});

describe('changing the password', () => {
  it('checks the fields before sending anything', async () => {
    serveAccount();
    const { user } = renderApp('/account');
    await user.click(await screen.findByRole('button', { name: 'Change password' }));
    expect(within(form()).getByText('Enter your current password.')).toBeTruthy();
    expect(within(form()).getByText('Choose a password of at least 8 characters.')).toBeTruthy();
    expect(field('Current password').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(field('Current password'));

    await user.type(field('Current password'), CURRENT);
    await user.type(field('New password'), 'short');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(within(form()).getByText('Use at least 8 characters (this one has 5).')).toBeTruthy();
    expect(within(form()).queryByText('Enter your current password.')).toBeNull();

    await user.clear(field('New password'));
    await user.type(field('New password'), 'a new password');
    await user.type(field('New password again'), 'a new pasword');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect(within(form()).getByText('The two passwords are not the same. Type it again.')).toBeTruthy();
    expect(document.activeElement).toBe(field('New password again'));
    expect(http.to('/api/auth/password')).toHaveLength(0);
  });

  it('sends it with the CSRF token, says it worked, and empties the form', async () => {
    serveAccount();
    const { user } = renderApp('/account');
    await user.type(await screen.findByLabelText('Current password'), CURRENT);
    await user.type(field('New password'), 'a new password');
    await user.type(field('New password again'), 'a new password');
    await user.click(screen.getByRole('button', { name: 'Change password' }));

    await waitFor(() => expect(toast.success).toHaveBeenCalledWith('Password changed. Your other devices have to sign in again.'));
    const sent = http.to('/api/auth/password')[0]!;
    expect(sent.body).toEqual({ current_password: CURRENT, new_password: 'a new password' });
    expect(sent.headers.get('x-csrf-token')).toBe('csrf-alice');
    expect([field('Current password').value, field('New password').value, field('New password again').value]).toEqual(['', '', '']);
    // Still signed in, still here.
    expect(loadPage).not.toHaveBeenCalled();
    expect(screen.getByRole('heading', { name: 'Account', level: 1 })).toBeTruthy();
  });

  it('shows the server’s words when the current password is wrong, in the form, not as a toast', async () => {
    serveAccount();
    const { user } = renderApp('/account');
    await user.type(await screen.findByLabelText('Current password'), 'not my password');
    await user.type(field('New password'), 'a new password');
    await user.type(field('New password again'), 'a new password');
    await user.click(screen.getByRole('button', { name: 'Change password' }));

    expect((await within(form()).findByRole('alert')).textContent).toBe('The current password is wrong.');
    expect(document.activeElement).toBe(field('Current password'));
    expect(field('New password').value).toBe('a new password');
    expect(toast.error).not.toHaveBeenCalled();
    expect(toast.success).not.toHaveBeenCalled();
    // A 400 is the form's answer: nobody is signed out.
    expect(screen.getByRole('heading', { name: 'Account', level: 1 })).toBeTruthy();
  });

  it('after too many attempts, counts down the wait and holds the button', async () => {
    serveAccount().on('POST', '/api/auth/password', apiError(429, 'rate_limited', 'Too many password attempts.', { 'retry-after': '600' }));
    const { user } = renderApp('/account');
    await user.type(await screen.findByLabelText('Current password'), CURRENT);
    await user.type(field('New password'), 'a new password');
    await user.type(field('New password again'), 'a new password');
    await user.click(screen.getByRole('button', { name: 'Change password' }));
    expect((await within(form()).findByRole('alert')).textContent).toMatch(/^Too many attempts\. Try again in (10 min|9 min 5\d s)\.$/);
    expect((screen.getByRole('button', { name: 'Change password' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('signing out everywhere', () => {
  it('asks first, then ends every session and loads the sign-in page afresh', async () => {
    serveAccount();
    const { user } = renderApp('/account');
    await user.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
    let dialog = screen.getByRole('dialog', { name: 'Sign out everywhere?' });
    expect(dialog.textContent).toContain('this one included');
    expect(dialog.textContent).toContain('Your API tokens keep working.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(http.to('/api/auth/logout-everywhere')).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
    dialog = screen.getByRole('dialog', { name: 'Sign out everywhere?' });
    await user.click(within(dialog).getByRole('button', { name: 'Sign out everywhere' }));
    await waitFor(() => expect(loadPage).toHaveBeenCalledWith('/signin'));
    expect(http.to('/api/auth/logout-everywhere')[0]!.headers.get('x-csrf-token')).toBe('csrf-alice');
  });

  it('stays signed in and says why when it fails', async () => {
    serveAccount().on('POST', '/api/auth/logout-everywhere', apiError(503, 'unavailable', 'The database is locked; try again in a moment.'));
    const { user } = renderApp('/account');
    await user.click(await screen.findByRole('button', { name: 'Sign out everywhere' }));
    await user.click(within(screen.getByRole('dialog', { name: 'Sign out everywhere?' })).getByRole('button', { name: 'Sign out everywhere' }));
    await waitFor(() => expect(toast.error).toHaveBeenCalledWith('The database is locked; try again in a moment.'));
    expect(loadPage).not.toHaveBeenCalled();
  });
});

describe('in single-user mode', () => {
  it('shows the storage used, and says there is no account', async () => {
    serveAccount(singleUser);
    renderApp('/account');
    expect(await screen.findByRole('heading', { name: 'Storage used', level: 1 })).toBeTruthy();
    const used = screen.getByRole('region', { name: 'Images and their files' });
    await waitFor(() => expect(used.textContent).toContain('1,234'));
    expect(used.textContent).toContain('3.3 MB');
    expect(screen.getByRole('heading', { name: 'No account in single-user mode' })).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Change password' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Sign out everywhere' })).toBeNull();
    expect(document.title).toBe('Storage used · ImageFlow');
  });

  it('is reached from the single-user note in the header', async () => {
    serveAccount(singleUser);
    const { user, where } = renderApp('/gallery');
    await user.click(await screen.findByRole('button', { name: 'Single-user mode' }));
    await user.click(within(screen.getByRole('note', { name: 'Single-user mode' })).getByRole('link', { name: 'Storage used' }));
    expect(where()).toBe('/account');
    expect(await screen.findByRole('heading', { name: 'Storage used', level: 1 })).toBeTruthy();
    expect(screen.queryByRole('note', { name: 'Single-user mode' })).toBeNull();
  });
});
