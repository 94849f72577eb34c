import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { toast } from 'sonner';
import type { NewShare, ShareSummary } from '@/lib/api-client';
import { setCsrfToken } from '@/lib/api-client';
import { apiError, fakeHttp, json, type FakeHttp } from '@/test/fake-http';
import { renderRoute } from '@/test/render-route';
import { ShareButton } from './share-button';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

const KEY = 'Zk3x9Q_aB-c4dE5fG6hI7jK8lM9nO0pQ1rS2tU3vW4x';
const node = { id: 12, url: '/images/sdxl_12.png' };

let http: FakeHttp;

function summary(body: NewShare): ShareSummary {
  return {
    id: 's1',
    node_id: body.node_id,
    scope: body.scope,
    created_at: '2026-03-01T09:00:00Z',
    expires_at: body.expires_in_days === null ? null : '2026-03-02T09:00:00Z',
    has_password: body.password !== undefined,
    allow_download: body.allow_download,
    show_recipe: body.show_recipe,
    revoked_at: null,
    view_count: 0,
    last_viewed_at: null,
    state: 'live',
  };
}

function serve(url = `/s/${KEY}`) {
  http.on('POST', '/api/shares', (req) => json(201, { ...summary(req.body as NewShare), url }));
}

function setClipboard(writeText: ((text: string) => Promise<void>) | undefined) {
  Object.defineProperty(navigator, 'clipboard', { value: writeText ? { writeText } : undefined, configurable: true });
}

function open() {
  const utils = renderRoute(<ShareButton node={node} />, { path: '/image/12', pattern: '/image/:id' });
  return { ...utils, user: userEvent.setup() };
}

const dialog = () => screen.getByRole('dialog', { name: 'Share image #12' });
const sent = () => http.to('/api/shares', 'POST').map((r) => r.body as NewShare);

beforeEach(() => {
  setCsrfToken('csrf-alice');
  http = fakeHttp();
  serve();
});
afterEach(() => {
  setCsrfToken(null);
  setClipboard(undefined);
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

describe('Share dialog', () => {
  it('offers the scopes, expiry, password, download and recipe, with the defaults of the API but visible', async () => {
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'Share' }));
    const d = dialog();
    expect((within(d).getByRole('radio', { name: 'This image' }) as HTMLInputElement).checked).toBe(true);
    expect(within(d).getByRole('radio', { name: 'This image and everything made from it' })).toBeTruthy();
    expect(within(d).getByRole('radio', { name: 'The path from the first image to this one' })).toBeTruthy();
    // 30 days by default; "never" is offered but not chosen.
    expect((within(d).getByRole('radio', { name: 'Expires after 30 days' }) as HTMLInputElement).checked).toBe(true);
    expect((within(d).getByRole('radio', { name: 'Never expires' }) as HTMLInputElement).checked).toBe(false);
    for (const name of ['Expires after 1 day', 'Expires after 7 days', 'Expires after 1 year']) expect(within(d).getByRole('radio', { name })).toBeTruthy();
    expect((within(d).getByLabelText('Password (optional)') as HTMLInputElement).value).toBe('');
    expect((within(d).getByRole('checkbox', { name: 'Download the image' }) as HTMLInputElement).checked).toBe(true);
    expect((within(d).getByRole('checkbox', { name: 'See the recipe' }) as HTMLInputElement).checked).toBe(true);

    await user.click(within(d).getByRole('button', { name: 'Create link' }));
    await screen.findByRole('region', { name: 'Link created' });
    expect(sent()).toEqual([{ node_id: 12, scope: 'image', expires_in_days: 30, allow_download: true, show_recipe: true }]);
    expect(http.to('/api/shares', 'POST')[0]!.headers.get('x-csrf-token')).toBe('csrf-alice');
  });

  it('sends each choice: a branch, for a day, with a password, no download, no recipe', async () => {
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'Share' }));
    const d = dialog();
    await user.click(within(d).getByRole('radio', { name: 'This image and everything made from it' }));
    await user.click(within(d).getByRole('radio', { name: 'Expires after 1 day' }));
    await user.type(within(d).getByLabelText('Password (optional)'), 'open sesame');
    await user.click(within(d).getByRole('checkbox', { name: 'Download the image' }));
    await user.click(within(d).getByRole('checkbox', { name: 'See the recipe' }));
    await user.click(within(d).getByRole('button', { name: 'Create link' }));
    const panel = await screen.findByRole('region', { name: 'Link created' });
    expect(sent()).toEqual([{ node_id: 12, scope: 'branch', expires_in_days: 1, password: 'open sesame', allow_download: false, show_recipe: false }]);
    expect(within(panel).getByRole('list', { name: 'How it is shared' }).textContent).toMatch(/everything made from it.*Expires .*Password required.*No download.*Recipe hidden/);
  });

  it('can make a link that never expires, and says so before', async () => {
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'Share' }));
    await user.click(within(dialog()).getByRole('radio', { name: 'Never expires' }));
    expect(within(dialog()).getByText('The link works until you revoke it.')).toBeTruthy();
    await user.click(within(dialog()).getByRole('button', { name: 'Create link' }));
    const panel = await screen.findByRole('region', { name: 'Link created' });
    expect(sent()[0]!.expires_in_days).toBeNull();
    expect(panel.textContent).toContain('Never expires');
  });

  it('shows the whole link once, absolute, selected, with a copy button, and never again', async () => {
    const { user } = open();
    const writeText = vi.fn().mockResolvedValue(undefined);
    setClipboard(writeText);
    await user.click(screen.getByRole('button', { name: 'Share' }));
    await user.click(within(dialog()).getByRole('button', { name: 'Create link' }));

    const panel = await screen.findByRole('region', { name: 'Link created' });
    expect(panel.textContent).toContain('Copy it now: it will not be shown again.');
    const field = within(panel).getByLabelText('Share link') as HTMLInputElement;
    const link = `${window.location.origin}/s/${KEY}`;
    expect(field.value).toBe(link);
    expect(field.readOnly).toBe(true);
    expect(document.activeElement).toBe(field);
    expect([field.selectionStart, field.selectionEnd]).toEqual([0, link.length]);
    expect(within(dialog()).getByRole('link', { name: 'Open' }).getAttribute('href')).toBe(link);

    await user.click(within(panel).getByRole('button', { name: 'Copy link' }));
    expect(writeText).toHaveBeenCalledWith(link);
    expect(toast.success).toHaveBeenCalledWith('Share link copied');
    expect(within(panel).getByRole('button', { name: 'Copied' })).toBeTruthy();

    await user.click(within(dialog()).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.body.innerHTML).not.toContain(KEY);
    // Opened again: a fresh form, the link is gone.
    await user.click(screen.getByRole('button', { name: 'Share' }));
    expect(within(dialog()).getByRole('button', { name: 'Create link' })).toBeTruthy();
    expect(document.body.innerHTML).not.toContain(KEY);
  });

  it('keeps a link the server made absolute as it is', async () => {
    serve(`https://img.example.com/s/${KEY}`);
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'Share' }));
    await user.click(within(dialog()).getByRole('button', { name: 'Create link' }));
    const panel = await screen.findByRole('region', { name: 'Link created' });
    expect((within(panel).getByLabelText('Share link') as HTMLInputElement).value).toBe(`https://img.example.com/s/${KEY}`);
  });

  it('selects the link for copying by hand when the browser blocks the clipboard', async () => {
    const { user } = open();
    setClipboard(vi.fn().mockRejectedValue(new DOMException('denied', 'NotAllowedError')));
    await user.click(screen.getByRole('button', { name: 'Share' }));
    await user.click(within(dialog()).getByRole('button', { name: 'Create link' }));
    const panel = await screen.findByRole('region', { name: 'Link created' });
    await user.click(within(panel).getByRole('button', { name: 'Copy link' }));
    expect(within(panel).getByRole('alert').textContent).toContain('The link is selected: press Ctrl+C');
    expect(document.activeElement).toBe(within(panel).getByLabelText('Share link'));
  });

  it('refuses a password under 4 characters before sending, and shows the server’s refusal in the dialog', async () => {
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'Share' }));
    const password = within(dialog()).getByLabelText('Password (optional)');
    await user.type(password, 'abc');
    await user.click(within(dialog()).getByRole('button', { name: 'Create link' }));
    expect(within(dialog()).getByRole('alert').textContent).toContain('Use at least 4 characters (this one has 3)');
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(password);
    expect(sent()).toHaveLength(0);

    http.on('POST', '/api/shares', apiError(404, 'not_found', 'Image 12 was deleted; there is nothing to share.'));
    await user.type(password, 'd');
    await user.click(within(dialog()).getByRole('button', { name: 'Create link' }));
    await waitFor(() => expect(within(dialog()).getByRole('alert').textContent).toBe('Image 12 was deleted; there is nothing to share.'));
    expect(toast.error).not.toHaveBeenCalled();
    expect(screen.queryByRole('region', { name: 'Link created' })).toBeNull();
  });

  it('shows and hides the password being typed', async () => {
    const { user } = open();
    await user.click(screen.getByRole('button', { name: 'Share' }));
    const password = within(dialog()).getByLabelText('Password (optional)');
    expect(password.getAttribute('type')).toBe('password');
    await user.click(within(dialog()).getByRole('button', { name: 'Show password' }));
    expect(password.getAttribute('type')).toBe('text');
  });

  it('still offers the file’s direct link, apart', async () => {
    const { user } = open();
    const writeText = vi.fn().mockResolvedValue(undefined);
    setClipboard(writeText);
    await user.click(screen.getByRole('button', { name: 'Share' }));
    await user.click(within(dialog()).getByRole('button', { name: 'copy the file’s direct link' }));
    const url = `${window.location.origin}/images/sdxl_12.png`;
    expect(writeText).toHaveBeenCalledWith(url);
    expect(toast.success).toHaveBeenCalledWith('Link copied', { description: url });
    expect(sent()).toHaveLength(0);
  });
});
