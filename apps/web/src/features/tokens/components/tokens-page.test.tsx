import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import { toast } from 'sonner';
import type { ApiToken } from '@/lib/api-client';
import { setCsrfToken } from '@/lib/api-client';
import { alice, serveStudio, signedInAs, singleUser } from '@/test/accounts';
import { apiError, fakeHttp, json, noContent, type FakeHttp } from '@/test/fake-http';
import { renderApp } from '@/test/render-app';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

const SECRET = 'ift_3f9a1c2b7d6e5f4a3b2c1d0e9f8a7b6c';

let http: FakeHttp;
let tokens: ApiToken[];

/** A token store behind the fake API, as the server keeps it. */
function serveTokens() {
  serveStudio(http, signedInAs(alice, 'csrf-alice'))
    .on('GET', '/api/tokens', () => json(200, { items: tokens }))
    .on('POST', '/api/tokens', (req) => {
      const { name } = req.body as { name: string };
      const created = { id: `t${tokens.length + 1}`, name, created_at: '2026-03-01T09:00:00Z' };
      tokens = [...tokens, { ...created, last_used_at: null }];
      return json(201, { ...created, token: SECRET });
    })
    .on('DELETE', /^\/api\/tokens\/[^/]+$/, (req) => {
      const id = decodeURIComponent(req.path.split('/').pop()!);
      tokens = tokens.filter((t) => t.id !== id);
      return noContent();
    });
}

function setClipboard(writeText: ((text: string) => Promise<void>) | undefined) {
  Object.defineProperty(navigator, 'clipboard', { value: writeText ? { writeText } : undefined, configurable: true });
}

beforeEach(() => {
  setCsrfToken(null);
  http = fakeHttp();
  tokens = [
    { id: 't1', name: 'nightly backup', created_at: '2026-01-05T10:00:00Z', last_used_at: new Date(Date.now() - 3 * 60_000).toISOString() },
    { id: 't2', name: 'laptop script', created_at: '2026-02-10T10:00:00Z', last_used_at: null },
  ];
  serveTokens();
});
afterEach(() => {
  setClipboard(undefined);
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

const list = () => screen.getByRole('list', { name: 'Your tokens' });
const row = (name: string) => within(list()).getByText(name).closest('li')!;

describe('API tokens', () => {
  it('lists each token with when it was made and last used', async () => {
    renderApp('/tokens');
    await screen.findByRole('list', { name: 'Your tokens' });
    expect(within(list()).getAllByRole('listitem')).toHaveLength(2);
    expect(row('nightly backup').textContent).toMatch(/Created .*2026.*Last used 3 minutes ago/);
    expect(row('laptop script').textContent).toContain('Never used');
    expect(row('nightly backup').querySelector('time')!.getAttribute('datetime')).toBe('2026-01-05T10:00:00Z');
  });

  it('creates a token and shows it once, with a copy button, and never again', async () => {
    const { user } = renderApp('/tokens');
    // After renderApp: userEvent.setup() puts a clipboard of its own in place.
    const writeText = vi.fn().mockResolvedValue(undefined);
    setClipboard(writeText);
    await screen.findByRole('list', { name: 'Your tokens' });

    await user.type(screen.getByLabelText('Name'), '  ci deploy ');
    await user.click(screen.getByRole('button', { name: 'Create token' }));

    const panel = await screen.findByRole('region', { name: 'Token “ci deploy” created' });
    expect(panel.textContent).toContain('Copy it now: it will not be shown again.');
    const field = within(panel).getByLabelText('New API token') as HTMLInputElement;
    expect(field.value).toBe(SECRET);
    expect(field.readOnly).toBe(true);
    expect(document.activeElement).toBe(field);
    const create = http.to('/api/tokens', 'POST')[0]!;
    expect(create.body).toEqual({ name: 'ci deploy' });
    expect(create.headers.get('x-csrf-token')).toBe('csrf-alice');
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('');

    await user.click(within(panel).getByRole('button', { name: 'Copy token' }));
    expect(writeText).toHaveBeenCalledWith(SECRET);
    expect(toast.success).toHaveBeenCalledWith('Token copied');
    expect(within(panel).getByRole('button', { name: 'Copied' })).toBeTruthy();

    // The list shows the new one, by name only.
    await waitFor(() => expect(within(list()).getAllByRole('listitem')).toHaveLength(3));
    expect(row('ci deploy').textContent).not.toContain(SECRET);

    await user.click(within(panel).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('region', { name: /created/ })).toBeNull();
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it('selects the token for copying by hand when the browser blocks the clipboard', async () => {
    const { user } = renderApp('/tokens');
    setClipboard(vi.fn().mockRejectedValue(new DOMException('denied', 'NotAllowedError')));
    await user.type(await screen.findByLabelText('Name'), 'ci');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    const panel = await screen.findByRole('region', { name: 'Token “ci” created' });
    await user.click(within(panel).getByRole('button', { name: 'Copy token' }));
    expect(within(panel).getByRole('alert').textContent).toContain('The token is selected: press Ctrl+C');
    const field = within(panel).getByLabelText('New API token') as HTMLInputElement;
    expect(document.activeElement).toBe(field);
    expect([field.selectionStart, field.selectionEnd]).toEqual([0, SECRET.length]);
  });

  it('asks for a name, and shows the server’s refusal beside the field', async () => {
    http.on('POST', '/api/tokens', apiError(400, 'invalid_request', 'A token name is at most 100 characters.'));
    const { user } = renderApp('/tokens');
    await user.click(await screen.findByRole('button', { name: 'Create token' }));
    expect(screen.getByText('Name the token after what will use it.')).toBeTruthy();
    expect(http.to('/api/tokens', 'POST')).toHaveLength(0);

    await user.type(screen.getByLabelText('Name'), 'x');
    await user.click(screen.getByRole('button', { name: 'Create token' }));
    expect((await screen.findByRole('alert')).textContent).toBe('A token name is at most 100 characters.');
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(toast.error).not.toHaveBeenCalled();
  });

  it('revokes a token only once confirmed', async () => {
    const { user } = renderApp('/tokens');
    await screen.findByRole('list', { name: 'Your tokens' });

    await user.click(within(row('nightly backup')).getByRole('button', { name: 'Revoke token “nightly backup”' }));
    let dialog = screen.getByRole('dialog', { name: 'Revoke “nightly backup”?' });
    expect(dialog.textContent).toContain('Scripts that use this token are refused from now on.');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(http.to('/api/tokens/t1', 'DELETE')).toHaveLength(0);

    await user.click(within(row('nightly backup')).getByRole('button', { name: 'Revoke token “nightly backup”' }));
    dialog = screen.getByRole('dialog', { name: 'Revoke “nightly backup”?' });
    await user.click(within(dialog).getByRole('button', { name: 'Revoke token' }));
    await waitFor(() => expect(within(list()).getAllByRole('listitem')).toHaveLength(1));
    expect(within(list()).queryByText('nightly backup')).toBeNull();
    expect(screen.queryByRole('dialog')).toBeNull();
    const revoke = http.to('/api/tokens/t1', 'DELETE')[0]!;
    expect(revoke.headers.get('x-csrf-token')).toBe('csrf-alice');
    expect(toast.success).toHaveBeenCalledWith('Token “nightly backup” revoked');
  });

  it('invites to create the first one when there are none', async () => {
    tokens = [];
    renderApp('/tokens');
    expect(await screen.findByText(/No tokens yet/)).toBeTruthy();
  });

  it('says what went wrong when the list cannot be loaded', async () => {
    http.on('GET', '/api/tokens', apiError(503, 'unavailable', 'The database is locked; try again in a moment.'));
    renderApp('/tokens');
    expect((await screen.findByRole('alert')).textContent).toBe('The database is locked; try again in a moment.');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });

  it('explains that single-user mode has no tokens', async () => {
    serveStudio(http, singleUser);
    renderApp('/tokens');
    expect(await screen.findByRole('heading', { name: 'No API tokens in single-user mode' })).toBeTruthy();
    expect(http.to('/api/tokens')).toHaveLength(0);
  });
});
