import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen } from '@testing-library/react';
import { serveStudio, singleUser } from '@/test/accounts';
import { fakeHttp } from '@/test/fake-http';
import { serveImages } from '@/test/fake-images';
import { makeNode } from '@/test/image-node';
import { renderApp } from '@/test/render-app';

vi.mock('sonner', () => ({ toast: Object.assign(vi.fn(), { success: vi.fn(), error: vi.fn() }), Toaster: () => null }));

beforeEach(() => {
  const http = fakeHttp();
  serveStudio(http, singleUser);
  serveImages(http, [makeNode({ id: 1 }), makeNode({ id: 2, parent_id: 1, depth: 1, action_type: 'variation' })]);
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

describe('the lineage page', () => {
  it('exports the whole tree as a bundle, with a plain download link', async () => {
    renderApp('/lineage/2');
    const link = await screen.findByRole('link', { name: 'Export lineage (.zip)' }, { timeout: 5000 });
    expect(link.getAttribute('href')).toBe('/api/images/1/bundle?scope=tree');
    expect(link.hasAttribute('download')).toBe(true);
  });
});
