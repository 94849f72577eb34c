import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import { toast } from 'sonner';
import type { Account, AccountUpdate, NewAccount } from '@/lib/api-client';
import { setCsrfToken } from '@/lib/api-client';
import { alice, bob, serveStudio, signedInAs, singleUser } from '@/test/accounts';
import { apiError, fakeHttp, json, type FakeHttp } from '@/test/fake-http';
import { renderApp } from '@/test/render-app';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

let http: FakeHttp;
let accounts: Account[];

const account = (over: Partial<Account> & Pick<Account, 'id' | 'username'>): Account => ({
  role: 'user',
  created_at: '2026-01-05T10:00:00Z',
  disabled_at: null,
  images: 0,
  bytes: 0,
  ...over,
});

/** The admin routes behind the fake API, with the server's rules: unique names, no disabling or demoting oneself. */
function serveAccounts(me = signedInAs(alice, 'csrf-alice')) {
  return serveStudio(http, me)
    .on('GET', '/api/admin/users', () => json(200, { items: accounts }))
    .on('POST', '/api/admin/users', (req) => {
      const { username, password, role } = req.body as NewAccount;
      if (accounts.some((a) => a.username === username)) return apiError(409, 'conflict', `The username "${username}" is taken.`);
      if (password.length < 8) return apiError(400, 'validation_error', 'password must be 8 to 256 characters.');
      const created = account({ id: `u-${username}`, username, role: role ?? 'user', created_at: '2026-03-01T09:00:00Z' });
      accounts = [...accounts, created];
      return json(201, created);
    })
    .on('PATCH', /^\/api\/admin\/users\/[^/]+$/, (req) => {
      const id = decodeURIComponent(req.path.split('/').pop()!);
      const changes = req.body as AccountUpdate;
      if (id === alice.id && (changes.disabled === true || changes.role === 'user')) {
        return apiError(409, 'conflict', 'You cannot disable your own account or take away your own admin role; ask another admin.');
      }
      accounts = accounts.map((a) =>
        a.id !== id
          ? a
          : {
              ...a,
              ...(changes.role ? { role: changes.role } : {}),
              ...(changes.disabled !== undefined ? { disabled_at: changes.disabled ? '2026-03-02T10:00:00Z' : null } : {}),
            },
      );
      return json(200, accounts.find((a) => a.id === id));
    });
}

beforeEach(() => {
  setCsrfToken(null);
  http = fakeHttp();
  vi.stubGlobal('scrollTo', vi.fn());
  accounts = [
    account({ id: alice.id, username: 'alice', role: 'admin', created_at: '2025-12-01T08:00:00Z', images: 12, bytes: 3_500_000 }),
    account({ id: bob.id, username: 'bob', images: 1, bytes: 900_000 }),
    account({ id: 'u-carol', username: 'carol', disabled_at: '2026-02-10T12:00:00Z' }),
  ];
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

const list = () => screen.getByRole('list', { name: 'Accounts' });
const row = (name: string) => within(list()).getByText(name, { selector: 'span' }).closest('li')!;
const manage = (name: string) => within(row(name)).getByRole('button', { name: `Manage “${name}”` });

async function openMenu(user: ReturnType<typeof renderApp>['user'], name: string) {
  await user.click(manage(name));
  return screen.getByRole('group', { name: `Manage “${name}”` });
}

describe('the users page', () => {
  it('lists every account: name, role, status, when it was made, its images and storage', async () => {
    serveAccounts();
    renderApp('/users');
    await screen.findByRole('list', { name: 'Accounts' });
    expect(within(list()).getAllByRole('listitem')).toHaveLength(3);
    expect(screen.getByText(/3 accounts · 1 disabled · 4\.2 MB in all/)).toBeTruthy();

    expect(row('alice').textContent).toContain('(you)');
    expect(row('alice').textContent).toContain('admin');
    expect(row('alice').textContent).toContain('12 images');
    expect(row('alice').textContent).toContain('3.3 MB');
    expect(row('alice').querySelector('time')!.getAttribute('datetime')).toBe('2025-12-01T08:00:00Z');
    expect(row('bob').textContent).toContain('1 image');
    expect(row('bob').textContent).not.toContain('admin');
    expect(row('bob').textContent).not.toContain('Disabled');
    expect(row('carol').textContent).toContain('Disabled');
    expect(document.title).toBe('Users · ImageFlow');
  });

  it('offers no way to disable or demote oneself, only a link to one’s own account page', async () => {
    serveAccounts();
    renderApp('/users');
    await screen.findByRole('list', { name: 'Accounts' });
    expect(within(row('alice')).queryByRole('button')).toBeNull();
    expect(within(row('alice')).getByRole('link', { name: 'Your account' }).getAttribute('href')).toBe('/account');
    expect(manage('bob')).toBeTruthy();
  });

  it('makes a new account, with the role chosen, and lists it', async () => {
    serveAccounts();
    const { user } = renderApp('/users');
    await screen.findByRole('list', { name: 'Accounts' });
    await user.click(screen.getByRole('button', { name: 'New account' }));
    const dialog = screen.getByRole('dialog', { name: 'New account' });
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Username'));

    await user.type(within(dialog).getByLabelText('Username'), ' Dana ');
    await user.type(within(dialog).getByLabelText('Password'), 'dana password 1');
    await user.click(within(dialog).getByRole('radio', { name: 'Admin' }));
    expect(dialog.textContent).toContain('Sees and manages everything in this ImageFlow');
    await user.click(within(dialog).getByRole('button', { name: 'Create account' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const sent = http.to('/api/admin/users', 'POST')[0]!;
    expect(sent.body).toEqual({ username: 'dana', password: 'dana password 1', role: 'admin' });
    expect(sent.headers.get('x-csrf-token')).toBe('csrf-alice');
    expect(toast.success).toHaveBeenCalledWith('Account “dana” created. Give them their password.');
    await waitFor(() => expect(within(list()).getAllByRole('listitem')).toHaveLength(4));
    expect(row('dana').textContent).toContain('admin');
  });

  it('checks a new account before sending it, and says beside the name when it is taken', async () => {
    serveAccounts();
    const { user } = renderApp('/users');
    await user.click(await screen.findByRole('button', { name: 'New account' }));
    const dialog = screen.getByRole('dialog', { name: 'New account' });
    await user.click(within(dialog).getByRole('button', { name: 'Create account' }));
    expect(within(dialog).getByText('Choose a username.')).toBeTruthy();
    expect(within(dialog).getByText('Choose a password of at least 8 characters.')).toBeTruthy();

    await user.type(within(dialog).getByLabelText('Username'), 'dana smith');
    await user.type(within(dialog).getByLabelText('Password'), 'short');
    await user.click(within(dialog).getByRole('button', { name: 'Create account' }));
    expect(within(dialog).getByText(/^Use letters, digits/)).toBeTruthy();
    expect(within(dialog).getByText('Use at least 8 characters (this one has 5).')).toBeTruthy();
    expect(http.to('/api/admin/users', 'POST')).toHaveLength(0);

    await user.clear(within(dialog).getByLabelText('Username'));
    await user.type(within(dialog).getByLabelText('Username'), 'bob');
    await user.clear(within(dialog).getByLabelText('Password'));
    await user.type(within(dialog).getByLabelText('Password'), 'bob password 2');
    await user.click(within(dialog).getByRole('button', { name: 'Create account' }));
    expect(await within(dialog).findByText('The username "bob" is taken.')).toBeTruthy();
    expect(within(dialog).getByLabelText('Username').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(within(dialog).getByLabelText('Username'));
    expect((within(dialog).getByRole('button', { name: 'Create account' }) as HTMLButtonElement).disabled).toBe(false);
    expect(toast.error).not.toHaveBeenCalled();
  });

  it('shows the server’s other refusals in the dialog', async () => {
    serveAccounts().on('POST', '/api/admin/users', apiError(400, 'validation_error', 'username must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit.'));
    const { user } = renderApp('/users');
    await user.click(await screen.findByRole('button', { name: 'New account' }));
    const dialog = screen.getByRole('dialog', { name: 'New account' });
    await user.type(within(dialog).getByLabelText('Username'), 'dana');
    await user.type(within(dialog).getByLabelText('Password'), 'dana password 1');
    await user.click(within(dialog).getByRole('button', { name: 'Create account' }));
    expect((await within(dialog).findByRole('alert')).textContent).toMatch(/^username must be 1 to 64 letters/);
    expect(toast.error).not.toHaveBeenCalled();
  });

  it('makes someone an admin, and a user again', async () => {
    serveAccounts();
    const { user } = renderApp('/users');
    await screen.findByRole('list', { name: 'Accounts' });
    let menu = await openMenu(user, 'bob');
    await user.click(within(menu).getByRole('button', { name: 'Make admin' }));
    await waitFor(() => expect(row('bob').textContent).toContain('admin'));
    expect(http.to('/api/admin/users/u-bob', 'PATCH')[0]!.body).toEqual({ role: 'admin' });
    expect(http.to('/api/admin/users/u-bob', 'PATCH')[0]!.headers.get('x-csrf-token')).toBe('csrf-alice');
    expect(toast.success).toHaveBeenCalledWith('“bob” is now an admin.');
    expect(screen.queryByRole('group', { name: 'Manage “bob”' })).toBeNull();

    menu = await openMenu(user, 'bob');
    await user.click(within(menu).getByRole('button', { name: 'Make user' }));
    await waitFor(() => expect(row('bob').textContent).not.toContain('admin'));
    expect(http.to('/api/admin/users/u-bob', 'PATCH')[1]!.body).toEqual({ role: 'user' });
  });

  it('disables an account only once confirmed, saying what that does; enables it at once', async () => {
    serveAccounts();
    const { user } = renderApp('/users');
    await screen.findByRole('list', { name: 'Accounts' });
    await user.click(within(await openMenu(user, 'bob')).getByRole('button', { name: 'Disable account' }));
    let dialog = screen.getByRole('dialog', { name: 'Disable “bob”?' });
    expect(dialog.textContent).toContain('signed out everywhere at once');
    expect(dialog.textContent).toContain('their API tokens stop working');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(http.to('/api/admin/users/u-bob', 'PATCH')).toHaveLength(0);

    await user.click(within(await openMenu(user, 'bob')).getByRole('button', { name: 'Disable account' }));
    dialog = screen.getByRole('dialog', { name: 'Disable “bob”?' });
    await user.click(within(dialog).getByRole('button', { name: 'Disable account' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(http.to('/api/admin/users/u-bob', 'PATCH')[0]!.body).toEqual({ disabled: true });
    expect(row('bob').textContent).toContain('Disabled');
    expect(toast.success).toHaveBeenCalledWith('“bob” is disabled.');

    await user.click(within(await openMenu(user, 'bob')).getByRole('button', { name: 'Enable account' }));
    await waitFor(() => expect(row('bob').textContent).not.toContain('Disabled'));
    expect(http.to('/api/admin/users/u-bob', 'PATCH')[1]!.body).toEqual({ disabled: false });
    expect(toast.success).toHaveBeenCalledWith('“bob” can sign in again.');
  });

  it('says why when a change is refused', async () => {
    serveAccounts().on('PATCH', '/api/admin/users/u-bob', apiError(404, 'not_found', 'No account with id "u-bob".'));
    const { user } = renderApp('/users');
    await screen.findByRole('list', { name: 'Accounts' });
    await user.click(within(await openMenu(user, 'bob')).getByRole('button', { name: 'Make admin' }));
    await waitFor(() => expect(toast.error).toHaveBeenCalledWith('No account with id "u-bob".'));
    expect(row('bob').textContent).not.toContain('admin');
  });

  it('sets a new password for someone who forgot theirs', async () => {
    serveAccounts();
    const { user } = renderApp('/users');
    await screen.findByRole('list', { name: 'Accounts' });
    await user.click(within(await openMenu(user, 'bob')).getByRole('button', { name: 'Set new password' }));
    const dialog = screen.getByRole('dialog', { name: 'New password for “bob”' });
    expect(dialog.textContent).toContain('Every sign-in of theirs ends at once');
    const input = within(dialog).getByLabelText('New password') as HTMLInputElement;
    expect(document.activeElement).toBe(input);

    await user.type(input, 'short');
    await user.click(within(dialog).getByRole('button', { name: 'Set password' }));
    expect(within(dialog).getByText('Use at least 8 characters (this one has 5).')).toBeTruthy();
    expect(http.to('/api/admin/users/u-bob')).toHaveLength(0);

    // The admin may look at it before sending it.
    expect(input.type).toBe('password');
    await user.click(within(dialog).getByRole('button', { name: 'Show password' }));
    expect(input.type).toBe('text');

    await user.clear(input);
    await user.type(input, 'bob new password');
    await user.click(within(dialog).getByRole('button', { name: 'Set password' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(http.to('/api/admin/users/u-bob', 'PATCH')[0]!.body).toEqual({ password: 'bob new password' });
    expect(toast.success).toHaveBeenCalledWith('New password set for “bob”. Their sign-ins have ended.');
  });

  it('shows the server’s refusal of a new password in its dialog', async () => {
    serveAccounts().on('PATCH', '/api/admin/users/u-bob', apiError(400, 'validation_error', 'password must be 8 to 256 characters.'));
    const { user } = renderApp('/users');
    await screen.findByRole('list', { name: 'Accounts' });
    await user.click(within(await openMenu(user, 'bob')).getByRole('button', { name: 'Set new password' }));
    const dialog = screen.getByRole('dialog', { name: 'New password for “bob”' });
    await user.type(within(dialog).getByLabelText('New password'), 'bob new password');
    await user.click(within(dialog).getByRole('button', { name: 'Set password' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('password must be 8 to 256 characters.');
    expect(toast.error).not.toHaveBeenCalled();
  });

  it('says what went wrong when the list cannot be loaded', async () => {
    serveAccounts().on('GET', '/api/admin/users', apiError(503, 'unavailable', 'The database is locked; try again in a moment.'));
    renderApp('/users');
    expect((await screen.findByRole('alert')).textContent).toBe('The database is locked; try again in a moment.');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it('is for admins only: anyone else is told so, and nothing is asked of the server', async () => {
    serveAccounts(signedInAs(bob));
    renderApp('/users');
    expect(await screen.findByRole('heading', { name: 'Only admins manage accounts' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'your account page' }).getAttribute('href')).toBe('/account');
    expect(http.to('/api/admin/users')).toHaveLength(0);
  });

  it('explains that single-user mode has no accounts', async () => {
    serveAccounts(singleUser);
    renderApp('/users');
    expect(await screen.findByRole('heading', { name: 'No accounts in single-user mode' })).toBeTruthy();
    expect(http.to('/api/admin/users')).toHaveLength(0);
  });
});
