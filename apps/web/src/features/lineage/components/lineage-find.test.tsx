import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import { serveStudio, singleUser } from '@/test/accounts';
import { fakeHttp } from '@/test/fake-http';
import { serveImages } from '@/test/fake-images';
import { makeNode } from '@/test/image-node';
import { renderApp } from '@/test/render-app';
import { findStatus, NO_MATCH } from './lineage-find';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

//   1 a lighthouse
//   ├─ 2 a lighthouse at night ── 3 a cottage by the sea
//   └─ 4 a harbour, a lighthouse beyond
beforeEach(() => {
  const http = fakeHttp();
  serveStudio(http, singleUser);
  serveImages(http, [
    makeNode({ id: 1, prompt: 'a lighthouse on a cliff' }),
    makeNode({ id: 2, parent_id: 1, depth: 1, action_type: 'variation', prompt: 'a Lighthouse at night' }),
    makeNode({ id: 3, parent_id: 2, depth: 2, action_type: 'remix', prompt: 'a cottage by the sea', seed: 9001 }),
    makeNode({ id: 4, parent_id: 1, depth: 1, action_type: 'remix', prompt: 'a harbour, a lighthouse beyond' }),
  ]);
  vi.stubGlobal('scrollTo', vi.fn());
  vi.stubGlobal(
    'ResizeObserver',
    class {
      observe() {}
      unobserve() {}
      disconnect() {}
    },
  );
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});

const selectedHeading = () => screen.getByRole('complementary', { name: 'Selected image' }).querySelector('h2')?.textContent;

describe('finding in the lineage', () => {
  it('counts the matches, steps through them selecting each, and Escape clears', async () => {
    const { user, where } = renderApp('/lineage/3');
    const box = await screen.findByRole('searchbox', { name: 'Find images in this tree by prompt words, #id or seed' }, { timeout: 10_000 });
    const status = screen.getByTestId('lineage-find-status');
    expect(status.getAttribute('aria-live')).toBe('polite');
    expect(selectedHeading()).toBe('#3');

    // #3 does not match: the first match after it in the tree's order (#4) is selected.
    await user.type(box, 'LIGHTHOUSE');
    await waitFor(() => expect(where()).toBe('/lineage/3?focus=4'));
    expect(screen.getByTestId('lineage-find-count').textContent).toBe('3 of 3');
    expect(status.textContent).toBe('3 of 3 matches');
    expect(selectedHeading()).toBe('#4');

    // Enter wraps round to the first; Shift+Enter and the arrows step too.
    await user.keyboard('{Enter}');
    await waitFor(() => expect(where()).toBe('/lineage/3?focus=1'));
    expect(screen.getByTestId('lineage-find-count').textContent).toBe('1 of 3');
    await user.click(screen.getByRole('button', { name: 'Next match' }));
    await waitFor(() => expect(where()).toBe('/lineage/3?focus=2'));
    expect(status.textContent).toBe('2 of 3 matches');
    await user.click(box);
    await user.keyboard('{Shift>}{Enter}{/Shift}');
    await waitFor(() => expect(where()).toBe('/lineage/3?focus=1'));

    // Narrowing down keeps a selection that still matches.
    await user.type(box, ' cliff');
    expect(screen.getByTestId('lineage-find-count').textContent).toBe('1 of 1');
    expect(where()).toBe('/lineage/3?focus=1');

    await user.keyboard('{Escape}');
    expect((box as HTMLInputElement).value).toBe('');
    expect(document.activeElement).not.toBe(box);
    expect(status.textContent).toBe('');
    expect(where()).toBe('/lineage/3?focus=1');
  }, 30_000);

  it('says when nothing matches, and moves nothing', async () => {
    const { user, where } = renderApp('/lineage/2');
    const box = await screen.findByRole('searchbox', { name: /Find images in this tree/ }, { timeout: 10_000 });
    await user.type(box, 'lighthouse zebra');
    expect(screen.getByTestId('lineage-find-status').textContent).toBe(NO_MATCH);
    expect(screen.getByTestId('lineage-find-none').textContent).toBe(NO_MATCH);
    expect(box.getAttribute('aria-invalid')).toBe('true');
    expect((screen.getByRole('button', { name: 'Next match' }) as HTMLButtonElement).disabled).toBe(true);
    await user.keyboard('{Enter}');
    expect(where()).toBe('/lineage/2');
    expect(selectedHeading()).toBe('#2');
  });

  it('finds by #id and by seed', async () => {
    const { user, where } = renderApp('/lineage/1');
    const box = await screen.findByRole('searchbox', { name: /Find images in this tree/ }, { timeout: 10_000 });
    await user.type(box, '9001');
    await waitFor(() => expect(where()).toBe('/lineage/1?focus=3'));
    await user.clear(box);
    await user.type(box, '#4');
    await waitFor(() => expect(where()).toBe('/lineage/1?focus=4'));
    expect(screen.getByTestId('lineage-find-count').textContent).toBe('1 of 1');
  });

  it('counts every step, however fast they come', async () => {
    const { user, where } = renderApp('/lineage/1');
    const box = await screen.findByRole('searchbox', { name: /Find images in this tree/ }, { timeout: 10_000 });
    await user.type(box, 'lighthouse');
    expect(screen.getByTestId('lineage-find-count').textContent).toBe('1 of 3');
    await user.keyboard('{Enter}{Enter}');
    await waitFor(() => expect(where()).toBe('/lineage/1?focus=4'));
    expect(screen.getByTestId('lineage-find-count').textContent).toBe('3 of 3');
  });

  it('is reached with / and with Ctrl+F', async () => {
    const { user } = renderApp('/lineage/1');
    const box = await screen.findByRole('searchbox', { name: /Find images in this tree/ }, { timeout: 10_000 });
    expect(document.activeElement).not.toBe(box);
    await user.keyboard('/');
    expect(document.activeElement).toBe(box);
    expect((box as HTMLInputElement).value).toBe('');
    box.blur();
    await user.keyboard('{Control>}f{/Control}');
    expect(document.activeElement).toBe(box);
  });
});

describe('findStatus', () => {
  it('shows where the selection is among the matches, or how many there are', () => {
    expect(findStatus(false, 0, -1)).toEqual({ shown: '', announced: '' });
    expect(findStatus(true, 0, -1)).toEqual({ shown: '', announced: NO_MATCH });
    expect(findStatus(true, 17, 2)).toEqual({ shown: '3 of 17', announced: '3 of 17 matches' });
    expect(findStatus(true, 1, -1)).toEqual({ shown: '1 found', announced: '1 match' });
  });
});
