import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { SCREENSHOTS_DIR as out, imagesLoaded } from '../screenshots';

// Screenshots of Compare's labels, a toast on the Create screen of a phone, and the header of a
// narrow phone (single-user and signed in, a "99+" queue), light and dark, for a person to look at:
//   E2E_SCREENSHOTS=1 node e2e/run.mjs polish-screenshots
// Skipped otherwise. PNGs go to test-results/screenshots/polish-*.png.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const authURL = `http://127.0.0.1:${process.env.E2E_AUTH_PORT}`;
const THEMES = ['light', 'dark'] as const;
type Theme = (typeof THEMES)[number];

async function make(request: APIRequestContext, data: unknown): Promise<{ id: number }> {
  const res = await request.post('/api/images/generate', { data });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).images[0];
}

/** Once the element has stopped moving: the same box a few frames apart. */
async function settled(locator: Locator) {
  await expect
    .poll(() =>
      locator.evaluate(async (el) => {
        const before = el.getBoundingClientRect();
        for (let i = 0; i < 5; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
        const after = el.getBoundingClientRect();
        return before.top === after.top && before.left === after.left && getComputedStyle(el).opacity === '1';
      }),
    )
    .toBe(true);
}

async function themedContext(browser: Browser, theme: Theme, viewport: { width: number; height: number }, baseURL?: string, storageState?: Awaited<ReturnType<BrowserContext['storageState']>>) {
  const context = await browser.newContext({ viewport, baseURL, storageState, colorScheme: theme, deviceScaleFactor: 2 });
  await context.addInitScript((t) => localStorage.setItem('imageflow-theme', t), theme);
  return context;
}

/** Every job count the header asks for says 142 queued and running: the Queue's badge reads "99+". */
async function manyActiveJobs(context: BrowserContext) {
  await context.route(/\/api\/generations\?/, async (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.get('limit') !== '1') return route.continue();
    const response = await route.fetch();
    const json = await response.json();
    await route.fulfill({ response, json: { ...json, counts: { ...json.counts, queued: 140, running: 2 } } });
  });
}

test('Compare, a toast on a phone, and the narrow header, light and dark', async ({ browser, baseURL, request }) => {
  test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to take the screenshots');
  test.setTimeout(300_000);

  // Compare: an image and its image-to-image, side by side, with the settings table.
  const root = await make(request, { prompt: 'a lighthouse on a cliff at sunset over the ocean', spec: { width: 768, height: 512, steps: 12, seed: 42 } });
  const redrawn = await make(request, { parent_id: root.id, action_type: 'img2img', prompt: 'a lighthouse on a cliff at night, stars', spec: { strength: 0.55 } });
  for (const theme of THEMES) {
    for (const [device, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const context = await themedContext(browser, theme, viewport, baseURL);
      const page = await context.newPage();
      await page.goto(`/compare/${root.id}/${redrawn.id}`);
      await expect(page.getByRole('table')).toBeVisible();
      await imagesLoaded(page);
      await page.screenshot({ path: path.join(out, `polish-compare-${device}-${theme}.png`), fullPage: true });
      await context.close();
    }
  }

  // A toast on Create, on a phone: at the top, clear of the Generate button; scrolled down, still below the header.
  for (const theme of THEMES) {
    const context = await themedContext(browser, theme, { width: 390, height: 844 }, baseURL);
    const page = await context.newPage();
    await page.goto('/');
    await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeInViewport();
    await page.getByLabel('Init image file').setInputFiles({ name: 'holiday notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
    const toast = page.locator('[data-sonner-toast]');
    await expect(toast).toBeVisible();
    await settled(toast);
    await page.screenshot({ path: path.join(out, `polish-toast-phone-${theme}.png`) });
    await toast.getByRole('button', { name: 'Close toast' }).click();
    await expect(toast).toHaveCount(0);
    await page.evaluate(() => window.scrollBy(0, 500));
    await page.getByLabel('Init image file').setInputFiles({ name: 'shopping list.txt', mimeType: 'text/plain', buffer: Buffer.from('eggs') });
    await expect(toast).toBeVisible();
    await settled(toast);
    await page.screenshot({ path: path.join(out, `polish-toast-phone-scrolled-${theme}.png`) });
    await context.close();
  }

  // The header at 320 and 360 px with a "99+" queue: single-user, then signed in.
  const username = `pat-${Date.now().toString(36)}`;
  const password = 'screenshot password 1';
  const made = spawnSync('npm', ['run', 'user', '-w', '@imageflow/api', '--', 'create', username, '--admin'], {
    cwd: repo,
    input: `${password}\n`,
    encoding: 'utf8',
    env: { ...process.env, IMAGEFLOW_DATA_DIR: process.env.E2E_AUTH_DATA_DIR, IMAGEFLOW_AUTH: 'on', IMAGEFLOW_LOG_LEVEL: 'warn' },
  });
  expect(made.status, `npm run user failed:\n${made.stdout}\n${made.stderr}`).toBe(0);
  const signIn = await browser.newContext({ baseURL: authURL });
  const first = await signIn.newPage();
  await first.goto('/');
  await first.getByLabel('Username').fill(username);
  await first.getByLabel('Password', { exact: true }).fill(password);
  await first.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(first.getByRole('button', { name: new RegExp(`^Account: ${username}`) })).toBeVisible();
  const session = await signIn.storageState();
  await signIn.close();

  for (const [mode, url, storageState] of [
    ['single-user', baseURL, undefined],
    ['accounts', authURL, session],
  ] as const) {
    for (const theme of THEMES) {
      for (const width of [320, 360]) {
        const context = await themedContext(browser, theme, { width, height: 640 }, url, storageState);
        await manyActiveJobs(context);
        const page = await context.newPage();
        await page.goto('/queue');
        await expect(page.getByTestId('queue-badge')).toHaveText('99+');
        await imagesLoaded(page);
        expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
        const header = await page.getByRole('banner').boundingBox();
        await page.screenshot({ path: path.join(out, `polish-header-${mode}-${width}-${theme}.png`), clip: { x: 0, y: 0, width, height: header!.y + header!.height + 24 } });
        // The menu that holds the rest of the places, open.
        await page.getByRole('button', { name: mode === 'accounts' ? /^Account:/ : 'More', exact: true }).click();
        await expect(page.getByRole('link', { name: 'Trash', exact: true })).toBeVisible();
        await page.screenshot({ path: path.join(out, `polish-header-${mode}-${width}-${theme}-menu.png`) });
        await context.unrouteAll({ behavior: 'ignoreErrors' });
        await context.close();
      }
    }
  }
});
