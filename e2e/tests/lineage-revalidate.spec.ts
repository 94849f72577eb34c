import { expect, test, type APIRequestContext } from '@playwright/test';

/**
 * The browser keeps a lineage answer and asks again with If-None-Match: a tree opened again while it is
 * unchanged costs a 304 with no body, and a change to the tree is seen on the next open all the same.
 * Single-user API.
 */

async function make(request: APIRequestContext, data: unknown): Promise<number> {
  const res = await request.post('/api/images/generate', { data });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).images[0].id as number;
}

/** A lineage answer as the browser got it: what it asked with, and what came over the network. */
interface Answer {
  ifNoneMatch: string | undefined;
  etag: string | undefined;
  /** Body bytes received from the server: none when it answered 304 and the browser used the answer it kept. */
  bodyBytes: number;
}

test('a tree opened again is revalidated with a 304; a change to it is seen on the next open', async ({ page, request }) => {
  const root = await make(request, { prompt: 'a lighthouse kept by the browser', spec: { width: 64, height: 64, steps: 1 } });
  await make(request, { parent_id: root, action_type: 'variation' });
  let answers: Array<Promise<Answer>> = [];
  page.on('requestfinished', (req) => {
    if (!/\/api\/images\/\d+\/lineage/.test(req.url())) return;
    answers.push(
      (async () => {
        const [headers, response, sizes] = await Promise.all([req.allHeaders(), req.response(), req.sizes()]);
        return { ifNoneMatch: headers['if-none-match'], etag: (await response?.allHeaders())?.etag, bodyBytes: sizes.responseBodySize };
      })(),
    );
  });
  const taken = async () => {
    const all = await Promise.all(answers);
    answers = [];
    expect(all.length).toBeGreaterThan(0);
    return all;
  };
  const ready = page.locator('[data-lineage-ready]');

  await page.goto(`/lineage/${root}`);
  await expect(ready).toHaveAttribute('data-node-count', '2');
  const first = await taken();
  for (const answer of first) {
    expect(answer.ifNoneMatch).toBeUndefined();
    expect(answer.etag).toMatch(/^W\/"/);
    expect(answer.bodyBytes).toBeGreaterThan(0);
  }
  const tags = new Set(first.map((a) => a.etag));

  // Unchanged: asked with the tags the browser kept, answered with no body (a 304), the same tree shown.
  await page.reload();
  await expect(ready).toHaveAttribute('data-node-count', '2');
  for (const answer of await taken()) {
    expect(tags.has(answer.ifNoneMatch)).toBe(true);
    expect(answer.bodyBytes).toBe(0);
  }

  // Grown meanwhile: the old tag no longer holds; a whole answer, the new node on the screen.
  await make(request, { parent_id: root, action_type: 'variation' });
  await page.reload();
  await expect(ready).toHaveAttribute('data-node-count', '3');
  for (const answer of await taken()) {
    expect(tags.has(answer.ifNoneMatch)).toBe(true);
    expect(tags.has(answer.etag)).toBe(false);
    expect(answer.bodyBytes).toBeGreaterThan(0);
  }
});
