/**
 * IMAGEFLOW_PUBLIC_BASE_URL: every URL a response gives for a stored file is absolute under it (the
 * API's public address, or a CDN in front of the API or the bucket); without it, URLs are the API's own,
 * absolute under the address the request came to (see absolute-urls.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { generate, startTestApp, type TestApp } from './harness.ts';
import { injected } from './support/origin.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('public file URLs', () => {
  it('are absolute under the public base URL in every response that names a file', async () => {
    t = await startTestApp({ env: { IMAGEFLOW_PUBLIC_BASE_URL: 'https://cdn.example.com/studio/' } });
    const [root] = await generate(t.app, { prompt: 'a lighthouse at dusk' });
    const base = 'https://cdn.example.com/studio';
    expect(root!.url).toBe(`${base}/images/${root!.filename}`);
    expect(root!.thumbnail_url).toMatch(new RegExp(`^${base}/thumbs/[\\w.-]+\\.webp$`));

    const [child] = await generate(t.app, { prompt: 'a lighthouse at night', parent_id: root!.id, action_type: 'variation' });
    const gallery = (await t.app.inject({ url: '/api/images' })).json();
    const lineage = (await t.app.inject({ url: `/api/images/${child!.id}/lineage` })).json();
    const single = (await t.app.inject({ url: `/api/images/${child!.id}` })).json();
    for (const node of [...gallery.items, ...lineage.nodes, single]) {
      expect(node.url).toBe(`${base}/images/${node.filename}`);
      expect(node.thumbnail_url.startsWith(`${base}/thumbs/`)).toBe(true);
    }

    // The API still serves the file at the path the URL names, for a CDN in front of it to fetch.
    const res = await t.app.inject({ url: new URL(root!.url).pathname.replace('/studio', '') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
  });

  it('are the API\'s own without one, under the address the request came to', async () => {
    t = await startTestApp();
    const [node] = await generate(t.app, { prompt: 'a harbour' });
    expect(node!.url).toBe(injected(`/images/${node!.filename}`));
    expect(node!.thumbnail_url.startsWith(injected('/thumbs/'))).toBe(true);
  });
});
