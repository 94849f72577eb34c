import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor, within } from '@testing-library/react';
import type { ImageNode, SharedView } from '@imageflow/shared';
import { apiError, fakeHttp, json, noContent, type FakeHttp } from '@/test/fake-http';
import { makeNode } from '@/test/image-node';
import { renderApp } from '@/test/render-app';
import type { SharedLineageProps } from './shared-lineage';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));
// The graph (React Flow) needs a real layout engine; here, a stand-in that shows what it is given.
vi.mock('./shared-lineage', () => ({
  default: ({ nodes, highlight, selected, onSelect }: SharedLineageProps) => (
    <ul aria-label="Lineage graph">
      {nodes.map((n) => (
        <li key={n.id}>
          <button type="button" onClick={() => onSelect(n.id)} aria-pressed={n.id === selected} data-highlight={highlight.includes(n.id) || undefined} data-parent={n.parent_id ?? ''}>
            Node #{n.id}
          </button>
        </li>
      ))}
    </ul>
  ),
}));

const KEY = 'Zk3x9Q_aB-c4dE5fG6hI7jK8lM9nO0pQ1rS2tU3vW4x';
const PAGE = `/s/${KEY}`;
const API = `/api/s/${KEY}`;

function sharedNode(overrides: Partial<ImageNode>): ImageNode {
  const id = overrides.id ?? 1;
  return makeNode({
    url: `/s/${KEY}/images/sdxl_${id}.png`,
    thumbnail_url: `/s/${KEY}/thumbs/sdxl_${id}.webp`,
    image_path: null,
    ...overrides,
  });
}

const parent = sharedNode({ id: 10, root_id: 10, prompt: 'a lighthouse on a cliff at sunset', seed: 42, children_count: 1 });
const child = sharedNode({ id: 11, root_id: 10, parent_id: 10, depth: 1, action_type: 'variation', prompt: 'a lighthouse on a cliff at sunset', seed: 777 });

function view(overrides: Partial<SharedView> = {}, share: Partial<SharedView['share']> = {}): SharedView {
  return {
    share: { scope: 'image', expires_at: '2026-04-01T09:00:00Z', allow_download: true, show_recipe: true, ...share },
    focus_id: 10,
    root_id: 10,
    path: [10],
    nodes: [parent],
    truncated: false,
    ...overrides,
  };
}

let http: FakeHttp;

beforeEach(() => {
  http = fakeHttp();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

/** Only the link's own routes: never who is signed in, the models, the gallery or an image of the studio. */
function expectOnlyPublicCalls() {
  for (const req of http.requests) expect(req.path.startsWith(`/api/s/${KEY}`), `${req.method} ${req.url}`).toBe(true);
}

describe('The public page of a share link', () => {
  it('shows a shared image, its recipe and a download, asking the server about this link only', async () => {
    http.on('GET', API, json(200, view()));
    renderApp(PAGE);
    const img = await screen.findByRole('img', { name: /Image #10: a lighthouse/ });
    expect(img.getAttribute('src')).toBe(`/s/${KEY}/images/sdxl_10.png`);
    expect(screen.getByRole('heading', { name: 'Image #10' })).toBeTruthy();
    expect(screen.getByText('Shared image')).toBeTruthy();
    expect(screen.getByText(/link works until/)).toBeTruthy();
    expect(screen.getByTestId('shared-prompt').textContent).toBe('a lighthouse on a cliff at sunset');
    expect(screen.getByText('builtin · not AI')).toBeTruthy();
    expect(screen.getByText('SDXL')).toBeTruthy();
    expect(screen.getByText('42')).toBeTruthy();
    const download = screen.getByRole('link', { name: 'Download' });
    expect(download.getAttribute('href')).toBe(`/s/${KEY}/images/sdxl_10.png?download=1`);
    // No studio around it: no navigation, no account, no lineage for a single image.
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
    expect(screen.queryByRole('list', { name: 'Lineage graph' })).toBeNull();
    expect(document.title).toBe('Shared image · ImageFlow');
    expectOnlyPublicCalls();
    expect(http.to(API)).toHaveLength(1);
  });

  it('offers no download when the owner did not allow it, and no recipe when they hid it', async () => {
    const hidden = { ...parent, prompt: '', negative_prompt: '', seed: null, spec_json: {}, request_params: {} };
    http.on('GET', API, json(200, view({ nodes: [hidden] }, { allow_download: false, show_recipe: false, expires_at: null })));
    renderApp(PAGE);
    expect(await screen.findByRole('heading', { name: 'Image #10' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Download' })).toBeNull();
    expect(screen.queryByRole('heading', { name: 'Recipe' })).toBeNull();
    expect(screen.queryByText('SDXL')).toBeNull();
    expect(screen.getByText(/chose not to show how it was made/)).toBeTruthy();
    expect(screen.getByText(/link does not expire/)).toBeTruthy();
  });

  it('shows a branch as a tree with the shared image highlighted; a click shows a version large', async () => {
    http.on('GET', API, json(200, view({ nodes: [parent, child] }, { scope: 'branch' })));
    const { user, where } = renderApp(PAGE);
    const graph = await screen.findByRole('list', { name: 'Lineage graph' });
    expect(screen.getByText('Shared branch · 2 versions')).toBeTruthy();
    const [first, second] = within(graph).getAllByRole('button');
    expect(first!.textContent).toBe('Node #10');
    expect(first!.getAttribute('aria-pressed')).toBe('true');
    expect(first!.hasAttribute('data-highlight')).toBe(true);
    expect(second!.getAttribute('data-parent')).toBe('10');
    expect(screen.getByText('the shared image')).toBeTruthy();

    await user.click(second!);
    expect(await screen.findByRole('heading', { name: 'Image #11' })).toBeTruthy();
    expect(screen.getByRole('img', { name: /Image #11/ }).getAttribute('src')).toBe(`/s/${KEY}/images/sdxl_11.png`);
    expect(screen.getByRole('link', { name: 'Download' }).getAttribute('href')).toBe(`/s/${KEY}/images/sdxl_11.png?download=1`);
    expect(screen.getByText('777')).toBeTruthy();
    expect(screen.queryByText('the shared image')).toBeNull();
    expect(where()).toBe(`${PAGE}?image=11`);
    // The shared image stays highlighted; selecting reads nothing again.
    expect(within(graph).getByRole('button', { name: 'Node #10' }).hasAttribute('data-highlight')).toBe(true);
    expect(http.to(API)).toHaveLength(1);
    expectOnlyPublicCalls();
  });

  it('highlights the whole path of a path link, focused on the shared image', async () => {
    http.on('GET', API, json(200, view({ nodes: [parent, child], focus_id: 11, path: [10, 11] }, { scope: 'path' })));
    renderApp(PAGE);
    const graph = await screen.findByRole('list', { name: 'Lineage graph' });
    expect(screen.getByRole('heading', { name: 'Image #11' })).toBeTruthy();
    expect(within(graph).getAllByRole('button').map((b) => b.hasAttribute('data-highlight'))).toEqual([true, true]);
    expect(screen.getByText('Shared path · 2 versions')).toBeTruthy();
  });

  it('asks for the password, says when it is wrong, and opens with the right one', async () => {
    let unlocked = false;
    http
      .on('GET', API, () => (unlocked ? json(200, view()) : apiError(401, 'share_password_required', 'This link is protected by a password.')))
      .on('POST', `${API}/unlock`, (req) => {
        if ((req.body as { password: string }).password !== 'open sesame') return apiError(401, 'share_password_wrong', 'The password is wrong.');
        unlocked = true;
        return noContent();
      });
    const { user, where } = renderApp(PAGE);
    expect(await screen.findByRole('heading', { name: 'This link is protected' })).toBeTruthy();
    expect(document.title).toBe('Protected link · ImageFlow');
    // A 401 of a link is not a session that ended: nobody is sent to the sign-in page.
    expect(where()).toBe(PAGE);

    await user.click(screen.getByRole('button', { name: 'Open the link' }));
    expect(screen.getByText('Type the password you were given with the link.', { selector: '[role=alert]' })).toBeTruthy();
    expect(http.to(`${API}/unlock`)).toHaveLength(0);

    const field = screen.getByLabelText('Password');
    await user.type(field, 'sesame');
    await user.click(screen.getByRole('button', { name: 'Open the link' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The password is wrong.');
    expect((field as HTMLInputElement).value).toBe('');
    expect(document.activeElement).toBe(field);

    await user.type(field, 'open sesame');
    await user.click(screen.getByRole('button', { name: 'Open the link' }));
    expect(await screen.findByRole('heading', { name: 'Image #10' })).toBeTruthy();
    expect(http.to(`${API}/unlock`).map((r) => r.body)).toEqual([{ password: 'sesame' }, { password: 'open sesame' }]);
    expectOnlyPublicCalls();
  });

  it('counts down after too many tries, then lets the visitor try again', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    http
      .on('GET', API, apiError(401, 'share_password_required', 'This link is protected by a password.'))
      .on('POST', `${API}/unlock`, apiError(429, 'rate_limited', 'Too many attempts.', { 'retry-after': '90' }));
    const { user } = renderApp(PAGE);
    await user.type(await screen.findByLabelText('Password'), 'guess');
    await user.click(screen.getByRole('button', { name: 'Open the link' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Too many attempts. Try again in 1 min 30 s.');
    const button = screen.getByRole('button', { name: 'Open the link' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await act(async () => {
      vi.advanceTimersByTime(31_000);
    });
    expect(screen.getByRole('alert').textContent).toBe('Too many attempts. Try again in 59 s.');
    await act(async () => {
      vi.advanceTimersByTime(60_000);
    });
    expect(screen.getByRole('alert').textContent).toBe('You can try again now.');
    expect(button.disabled).toBe(false);
  });

  it.each([
    [410, 'share_expired', 'This link has expired'],
    [410, 'share_revoked', 'This link was turned off'],
    [410, 'share_deleted', 'The shared image was deleted'],
    [404, 'not_found', 'This link does not work'],
  ])('says plainly that a dead link is dead (%s %s)', async (status, code, title) => {
    http.on('GET', API, apiError(status, code, 'The server’s words.'));
    renderApp(PAGE);
    expect(await screen.findByRole('heading', { name: title })).toBeTruthy();
    expect(screen.getByText(/ask whoever sent you the link: its owner can make a new one/)).toBeTruthy();
    expect(document.title).toBe('Link unavailable · ImageFlow');
    expectOnlyPublicCalls();
  });

  it('offers to try again when the server cannot be reached', async () => {
    http.on('GET', API, apiError(503, 'unavailable', 'The database is busy; try again in a moment.'));
    const { user } = renderApp(PAGE);
    expect((await screen.findByRole('alert')).textContent).toBe('The database is busy; try again in a moment.');
    http.on('GET', API, json(200, view()));
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Image #10' })).toBeTruthy());
  });
});
