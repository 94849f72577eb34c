import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { SCREENSHOTS_DIR as out, imagesLoaded } from '../screenshots';

// Screenshots of the trash screens, desktop and phone, for a person to look at:
//   E2E_SCREENSHOTS=1 node e2e/run.mjs trash-screenshots
// Skipped otherwise. PNGs go to test-results/screenshots/. Runs on the single-user API, and
// empties its trash first (it deletes forever whatever other tests left there).
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

test('trash screens, desktop and phone', async ({ browser }) => {
  test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to take the screenshots');
  test.setTimeout(240_000);

  const context = await browser.newContext({ viewport: VIEWPORTS[0] });
  const page = await context.newPage();
  const post = async (url: string, data: unknown) => {
    const res = await page.request.post(url, { data });
    expect(res.status(), await res.text()).toBeLessThan(300);
    return res.json();
  };
  const make = async (data: unknown) => (await post('/api/images/generate', data)).images[0];
  const trash = async (id: number) => expect((await page.request.delete(`/api/images/${id}`)).status()).toBe(200);
  const purge = async (id: number) => expect((await page.request.delete(`/api/images/${id}?forever=true`)).status()).toBe(200);

  // An empty trash to begin with.
  for (let items = [{ id: 0 }]; items.length; ) {
    items = (await (await page.request.get('/api/trash?limit=200')).json()).items;
    for (const item of items) await purge(item.id);
  }
  for (const vp of VIEWPORTS) {
    await page.setViewportSize({ width: vp.width, height: vp.height });
    await page.goto('/trash');
    await expect(page.getByRole('heading', { name: 'The trash is empty' })).toBeVisible();
    await page.screenshot({ path: path.join(out, `${vp.name}-trash-empty.png`) });
  }

  // A small tree with a trashed and a deleted version, and a few more images in the trash.
  const root = await make({ prompt: 'a lighthouse on a cliff at sunset over the ocean', negative_prompt: 'blurry', spec: { width: 768, height: 512, steps: 12, seed: 42 } });
  const v1 = await make({ parent_id: root.id, action_type: 'variation' });
  const v2 = await make({ parent_id: root.id, action_type: 'variation' });
  await make({ parent_id: v1.id, action_type: 'remix', prompt: 'a lighthouse on a cliff at night, stars, aurora' });
  const live = await make({ prompt: 'a red fox in a snowy birch forest', spec: { width: 512, height: 512, steps: 10, seed: 5 } });
  const prompts = ['a field of sunflowers under a blue summer sky', 'neon city street at night in the rain', 'a bowl of ripe lemons on a wooden table', 'mossy stones in a mountain creek, green'];
  const others = [];
  for (const [i, prompt] of prompts.entries()) others.push(await make({ prompt, spec: { width: 512, height: 512, steps: 10, seed: 100 + i } }));
  for (const n of others) await trash(n.id);
  await trash(v1.id);
  await trash(v2.id);
  await purge(v2.id);

  for (const vp of VIEWPORTS) {
    const shot = (name: string, fullPage = false) => page.screenshot({ path: path.join(out, `${vp.name}-${name}.png`), fullPage });
    await page.setViewportSize({ width: vp.width, height: vp.height });

    await page.goto('/trash');
    await expect(page.getByRole('list', { name: 'Images in the trash' })).toBeVisible();
    await imagesLoaded(page);
    await shot('trash-page');
    await shot('trash-page-full', true);
    await page.getByRole('button', { name: 'Empty trash' }).click();
    await expect(page.getByRole('button', { name: /^Delete \d+ images forever$/ })).toBeVisible();
    await shot('trash-empty-dialog');
    await page.getByRole('dialog', { name: 'Empty the trash?' }).getByRole('button', { name: 'Cancel' }).click();

    await page.goto(`/image/${v1.id}`);
    await expect(page.getByRole('region', { name: /^In the trash — purged on/ })).toBeVisible();
    await imagesLoaded(page);
    await shot('trashed-banner');
    await shot('trashed-banner-full', true);

    await page.goto(`/image/${live.id}`);
    await imagesLoaded(page);
    await shot('image-actions');
    await page.getByRole('button', { name: 'Delete forever' }).click();
    await expect(page.getByRole('dialog', { name: `Delete image #${live.id} forever?` })).toBeVisible();
    await shot('delete-forever-dialog');
    await page.getByRole('dialog', { name: `Delete image #${live.id} forever?` }).getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await expect(page.getByRole('button', { name: 'Undo' })).toBeVisible();
    await expect(page.getByRole('region', { name: /^In the trash — purged on/ })).toBeVisible();
    await imagesLoaded(page);
    await page.waitForTimeout(600); // the toast slides in
    await shot('undo-toast');
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect(page.getByRole('region', { name: /^In the trash/ })).toHaveCount(0);

    await page.goto(`/lineage/${root.id}`);
    await expect(page.getByTestId(`lineage-node-${v1.id}`)).toBeVisible();
    await imagesLoaded(page);
    await page.getByTestId(`lineage-node-${v1.id}`).click();
    await shot('lineage-trash');

    if (vp.name === 'phone') {
      await page.goto('/gallery');
      await page.getByRole('button', { name: 'More', exact: true }).click();
      await expect(page.getByRole('group', { name: 'More' })).toBeVisible();
      await shot('header-more');
    } else {
      await page.goto('/gallery');
      await imagesLoaded(page);
      await shot('header');
    }
  }
  // The header between phone and desktop: one line, nothing cut off.
  for (const width of [640, 768, 1024]) {
    await page.setViewportSize({ width, height: 400 });
    await page.goto('/trash');
    await expect(page.getByRole('heading', { name: 'Trash', exact: true })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: path.join(out, `header-${width}.png`), clip: { x: 0, y: 0, width, height: 60 } });
  }
  await context.close();
});
