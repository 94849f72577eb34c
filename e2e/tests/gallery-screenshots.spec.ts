import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, test, type Page } from '@playwright/test';
import { SCREENSHOTS_DIR as out, imagesLoaded } from '../screenshots';

// Screenshots of the gallery (day headings, the selection bar) and the image viewer (fit, zoomed,
// fullscreen), light, dark and phone, for a person to look at:
//   E2E_SCREENSHOTS=1 node e2e/run.mjs gallery-screenshots
// Skipped otherwise. PNGs go to test-results/screenshots/.
const VIEWS = [
  { name: 'light', viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { name: 'dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  { name: 'phone', viewport: { width: 360, height: 740 }, colorScheme: 'light' },
  { name: 'phone-dark', viewport: { width: 360, height: 740 }, colorScheme: 'dark' },
] as const;

test('the gallery and the image viewer', async ({ browser, baseURL, request }) => {
  test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to take the screenshots');
  test.setTimeout(600_000);
  const token = `egret${Date.now().toString(36)}`;
  const prompts = [
    'a lighthouse on a cliff at sunset over the ocean',
    'a red fox in a snowy birch forest',
    'neon city street at night in the rain',
    'a bowl of ripe lemons on a wooden table',
    'mossy stones in a mountain creek, green',
    'a field of sunflowers under a blue summer sky',
    'a sailboat on a calm sea at dawn, pink clouds',
    'a desert canyon with red rock walls',
    'autumn maple leaves, orange and gold',
    'an alpine lake with snowy peaks',
    'a lavender field in provence, purple rows',
    'a koi pond with lily pads',
    'a snowy mountain cabin at night, warm windows',
    'a tropical beach with palm trees',
  ];
  const ids: number[] = [];
  for (const [i, prompt] of prompts.entries()) {
    const res = await request.post('/api/images/generate', { data: { prompt: `${prompt}, ${token}`, spec: { width: 384, height: i % 3 === 0 ? 576 : 384, steps: 6, seed: 300 + i } } });
    expect(res.status()).toBe(201);
    ids.push((await res.json()).images[0].id);
  }
  // Three days: the first five five days ago, the next four yesterday, the rest today.
  const db = new Database(path.join(process.env.E2E_DATA_DIR ?? '/tmp/imageflow-e2e', 'imageflow.db'));
  const at = (days: number, i: number) => new Date(Date.now() - days * 86_400_000 + i * 60_000).toISOString();
  ids.forEach((id, i) => {
    if (i < 5) db.prepare('UPDATE image_nodes SET created_at = ? WHERE id = ?').run(at(5, i), id);
    else if (i < 9) db.prepare('UPDATE image_nodes SET created_at = ? WHERE id = ?').run(at(1, i), id);
  });
  db.close();
  const newest = ids.at(-1)!;

  for (const view of VIEWS) {
    const context = await browser.newContext({ viewport: view.viewport, colorScheme: view.colorScheme, baseURL });
    const page = await context.newPage();
    const shot = (name: string, fullPage = false) => page.screenshot({ path: path.join(out, `gallery-${view.name}-${name}.png`), fullPage });

    await page.goto(`/gallery?q=${token}`);
    await expect(page.getByRole('link', { name: new RegExp(`^Image #${newest}:`) })).toBeVisible();
    await imagesLoaded(page);
    await shot('days');

    // A few selected: the bar at the bottom.
    await page.getByRole('checkbox', { name: `Select image #${ids[12]}` }).click();
    await page.getByRole('link', { name: new RegExp(`^Image #${ids[10]}:`) }).click({ modifiers: ['Shift'] });
    await page.getByRole('link', { name: new RegExp(`^Image #${ids[6]}:`) }).click({ modifiers: ['ControlOrMeta'] });
    await expect(page.getByRole('toolbar', { name: 'Selected images' })).toContainText('4 selected');
    await page.mouse.move(0, 0);
    await shot('selection');

    // Scrolled into an earlier day: its heading stays under the toolbar.
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight * 0.45));
    await page.waitForTimeout(300);
    await imagesLoaded(page);
    await shot('sticky-day');
    await page.keyboard.press('Escape');

    // The viewer: fitted, then zoomed in and panned, then fullscreen.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('link', { name: new RegExp(`^Image #${newest}:`) }).click();
    await expect(page.getByRole('heading', { name: `Image #${newest}` })).toBeVisible();
    await imagesLoaded(page);
    await expect(page.getByText('Loading the full image…')).toHaveCount(0);
    await shot('viewer');
    await page.getByRole('button', { name: 'Actual size (1:1)' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await shot('viewer-zoomed');
    await page.getByRole('button', { name: 'Fit to the frame' }).click();
    if (!view.name.startsWith('phone')) {
      await page.getByRole('button', { name: 'Fullscreen' }).click();
      await expect.poll(() => page.evaluate(() => document.fullscreenElement !== null)).toBe(true);
      await page.waitForTimeout(300);
      await shot('viewer-fullscreen');
      await page.getByRole('button', { name: 'Leave fullscreen' }).click();
    }
    await context.close();
  }
});
