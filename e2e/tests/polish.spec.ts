import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type APIRequestContext, type Browser, type BrowserContext, type Page } from '@playwright/test';

// Three things a person sees at once: Compare speaks in the names the rest of the app uses, toasts
// on a phone leave the Create form's Generate button alone, and the header keeps to one line on the
// narrowest phones, with accounts off (the first API) and on (the second).

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const authURL = `http://127.0.0.1:${process.env.E2E_AUTH_PORT}`;

async function make(request: APIRequestContext, data: unknown): Promise<{ id: number }> {
  const res = await request.post('/api/images/generate', { data });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).images[0];
}

/** Codes the API sends that a person should never read as a label on the Compare screen ("Variation" is the name). */
const CODES = ['generate', 'upload', 'img2img', 'variation', 'remix', 'upscale', 'edit', 'dpmpp_2m_karras', 'dpmpp_2m', 'euler_a', 'sdxl', 'flux-dev', 'builtin', 'comfyui'];
/** The screen's text, piece by piece (a label, a cell), for the pieces that are a bare code. */
const codesIn = (text: string) => text.split(/[\n\t]/).map((piece) => piece.trim()).filter((piece) => CODES.includes(piece));

test('Compare names actions, models, samplers and providers as the image page does, never by their codes', async ({ page, request }) => {
  const root = await make(request, { prompt: 'a stone harbour wall at dawn', spec: { width: 256, height: 192, steps: 4, seed: 4294967295 } });
  const variation = await make(request, { parent_id: root.id, action_type: 'variation' });
  const remix = await make(request, { parent_id: root.id, action_type: 'remix', model: 'flux-dev', prompt: 'a stone harbour wall at dusk', spec: { steps: 4 } });
  const redrawn = await make(request, { parent_id: root.id, action_type: 'img2img', prompt: 'a stone harbour wall in fog', spec: { strength: 0.5 } });
  const upscaled = await make(request, { parent_id: variation.id, action_type: 'upscale', upscale: { factor: 2 } });

  const cases = [
    { a: root.id, b: variation.id, tags: ['Generated', 'Variation'], relation: 'B is a variation of A' },
    { a: root.id, b: remix.id, tags: ['Generated', 'Remix'], relation: 'B is a remix of A' },
    { a: root.id, b: redrawn.id, tags: ['Generated', 'Image to image'], relation: 'B was made from A (image to image)' },
    { a: upscaled.id, b: variation.id, tags: ['Upscale', 'Variation'], relation: 'A is an upscale of B' },
    { a: variation.id, b: remix.id, tags: ['Variation', 'Remix'], relation: `Siblings: both from #${root.id}` },
  ];
  for (const c of cases) {
    await page.goto(`/compare/${c.a}/${c.b}`);
    await expect(page.getByRole('heading', { name: `Compare #${c.a} and #${c.b}` })).toBeVisible();
    const figures = page.getByRole('figure');
    await expect(figures).toHaveCount(2);
    await expect(figures.nth(0).getByTestId('action-tag')).toHaveText(c.tags[0]!);
    await expect(figures.nth(1).getByTestId('action-tag')).toHaveText(c.tags[1]!);
    await expect(page.getByRole('main').getByText(c.relation)).toBeVisible();
    const settings = page.getByRole('table');
    await expect(settings.getByRole('row', { name: /Sampler/ })).toContainText('DPM++ 2M Karras');
    await expect(settings.getByRole('row', { name: /Model/ })).toContainText('SDXL');
    // Every string on the screen, in every view: no code among them.
    for (const view of ['', '?view=slider', '?view=difference', '?view=onion']) {
      if (view) await page.goto(`/compare/${c.a}/${c.b}${view}`);
      await expect(page.getByRole('table')).toBeVisible();
      const text = await page.getByRole('main').innerText();
      expect(text, `compare/${c.a}/${c.b}${view}`).toContain('Recipe changes');
      expect(codesIn(text), `compare/${c.a}/${c.b}${view}`).toEqual([]);
    }
  }
  // On the narrowest phone a ten-digit seed stays whole, on one line, inside its cell.
  await page.setViewportSize({ width: 320, height: 700 });
  await page.goto(`/compare/${root.id}/${variation.id}`);
  const seeds = page.getByRole('table').getByRole('row', { name: /Seed/ }).getByRole('cell');
  await expect(seeds).toHaveCount(2);
  for (const cell of await seeds.all()) {
    const fit = await cell.evaluate((td) => {
      const range = document.createRange();
      range.selectNodeContents(td);
      return { lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size, inside: td.scrollWidth <= td.clientWidth };
    });
    expect(fit).toEqual({ lines: 1, inside: true });
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await page.setViewportSize({ width: 1280, height: 800 });

  // The remix was made with FLUX.1 [dev] on another engine: both said by name.
  await page.goto(`/compare/${root.id}/${remix.id}`);
  const model = page.getByRole('table').getByRole('row', { name: /Model/ });
  await expect(model.getByRole('cell')).toHaveText(['SDXL', 'FLUX.1 [dev]']);
  await expect(page.getByRole('table').getByRole('row', { name: /Provider/ }).getByRole('cell').first()).toHaveText('Builtin (not AI)');
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
const overlaps = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** Gives Create's init-image picker a text file: the toast says it is not an image. */
async function toastOnCreate(page: Page, name: string) {
  await page.getByLabel('Init image file').setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  const toast = page.locator('[data-sonner-toast]').filter({ hasText: `“${name}” is not an image` });
  await expect(toast).toBeVisible();
  return toast;
}

test('on a phone a toast comes in below the header and leaves the Generate button uncovered; on a wide screen it keeps to the corner', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  const generate = page.getByRole('button', { name: 'Generate', exact: true });
  await expect(generate).toBeInViewport();

  const toast = await toastOnCreate(page, 'notes.txt');
  // Announced: the toasts sit in a polite live region.
  await expect(page.getByRole('region', { name: /^Notifications/ })).toHaveAttribute('aria-live', 'polite');
  const header = (await page.getByRole('banner').boundingBox())!;
  // Once it has slid in, it lies below the header, above the form's bottom, clear of Generate.
  await expect
    .poll(async () => {
      const box = (await toast.boundingBox())!;
      const button = (await generate.boundingBox())!;
      return { belowHeader: box.y >= header.y + header.height, clearOfGenerate: !overlaps(box, button), onScreen: box.x >= 0 && box.x + box.width <= 390 };
    })
    .toEqual({ belowHeader: true, clearOfGenerate: true, onScreen: true });
  // Nothing lies over Generate while the toast shows: a press would reach it.
  await generate.click({ trial: true });

  // Dismissed with its close button, from the keyboard too.
  const close = toast.getByRole('button', { name: 'Close toast' });
  await close.focus();
  await page.keyboard.press('Enter');
  await expect(toast).toHaveCount(0);

  // Scrolled down the form, the next one still sits just below the header.
  await page.evaluate(() => window.scrollBy(0, 600));
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBeGreaterThan(0);
  const again = await toastOnCreate(page, 'again.txt');
  await expect
    .poll(async () => {
      const box = (await again.boundingBox())!;
      const top = (await page.getByRole('banner').boundingBox())!;
      return box.y >= top.y + top.height && !overlaps(box, (await generate.boundingBox())!);
    })
    .toBe(true);
  await again.getByRole('button', { name: 'Close toast' }).click();
  await expect(again).toHaveCount(0);

  // A wide screen, where Create's form is a column of its own: the corner below right, as before.
  await page.setViewportSize({ width: 1280, height: 800 });
  const wide = await toastOnCreate(page, 'wide.txt');
  await expect
    .poll(async () => {
      const box = (await wide.boundingBox())!;
      return box.x > 640 && box.y > 400;
    })
    .toBe(true);
});

/** Every job count the header asks for says 142 queued and running, so the Queue's badge reads "99+". */
async function manyActiveJobs(context: BrowserContext | Page) {
  await context.route(/\/api\/generations\?/, async (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.get('limit') !== '1') return route.continue();
    const response = await route.fetch();
    const json = await response.json();
    await route.fulfill({ response, json: { ...json, counts: { ...json.counts, queued: 140, running: 2 } } });
  });
}

/** The header at this width keeps to one line: nothing past either edge, no sideways scroll, every control on the one row. */
async function expectHeaderFits(page: Page, width: number, label: string) {
  const header = page.getByRole('banner');
  await expect(page.getByTestId('queue-badge'), label).toHaveText('99+');
  const fit = await header.evaluate((el) => {
    const bar = el.getBoundingClientRect();
    const row = el.firstElementChild as HTMLElement;
    const controls = [...el.querySelectorAll<HTMLElement>('a, button')].filter((c) => c.getBoundingClientRect().width > 0);
    const outside = controls
      .filter((c) => {
        const r = c.getBoundingClientRect();
        return r.left < 0 || r.right > window.innerWidth || r.top < bar.top || r.bottom > bar.bottom;
      })
      .map((c) => c.getAttribute('aria-label') ?? c.textContent);
    // What sticks out past the right edge, named, so a failure says what made the page scroll sideways.
    const past = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${String(e.className).slice(0, 80)} "${(e.textContent ?? '').slice(0, 40)}"`);
    return {
      pageScrolls: document.documentElement.scrollWidth > window.innerWidth ? past : false,
      rowScrolls: row.scrollWidth > row.clientWidth,
      height: Math.round(bar.height),
      outside,
      controls: controls.length,
    };
  });
  expect(fit, label).toMatchObject({ pageScrolls: false, rowScrolls: false, height: 57, outside: [] });
  expect(fit.controls, label).toBeGreaterThanOrEqual(6);
  expect(await page.evaluate(() => window.innerWidth), label).toBe(width);
}

/** Create, Gallery and Queue in the bar; Import, Shared links and Trash in `menu` (More, or the account menu): each opens its page. */
async function expectEveryPlaceReachable(page: Page, openMenu: () => Promise<void>, menu: string) {
  for (const [name, url] of [
    ['Gallery', /\/gallery$/],
    ['Queue, 142 active', /\/queue$/],
    ['Create', /\/$/],
  ] as const) {
    const link = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
    await expect(link).toBeInViewport();
    await link.click();
    await expect(page).toHaveURL(url);
  }
  for (const [name, url] of [
    ['Import', /\/import$/],
    ['Shared links', /\/shares$/],
    ['Trash', /\/trash$/],
  ] as const) {
    await openMenu();
    const link = page.getByRole('group', { name: menu }).getByRole('link', { name, exact: true });
    await expect(link).toBeInViewport({ ratio: 1 });
    await link.click();
    await expect(page).toHaveURL(url);
  }
}

async function themed(browser: Browser, theme: 'light' | 'dark', width: number, baseURL?: string, storageState?: Awaited<ReturnType<BrowserContext['storageState']>>) {
  const context = await browser.newContext({ viewport: { width, height: 700 }, baseURL, storageState });
  await context.addInitScript((t) => localStorage.setItem('imageflow-theme', t), theme);
  await manyActiveJobs(context);
  const page = await context.newPage();
  return { context, page };
}

test('a result on Create keeps its actions on a 320 px screen, whatever its number', async ({ page }) => {
  await page.setViewportSize({ width: 320, height: 700 });
  // An image of this test's own, finished; then Create, reloaded, shows it as its newest result with a
  // six-digit number: the widest caption a result gets (this was wider than the screen from #42 up).
  const res = await page.request.post('/api/generations', { data: { prompt: 'a harbour wall, narrow screen', model: 'sdxl', spec: { width: 256, height: 256, steps: 4 } } });
  expect(res.status(), await res.text()).toBe(202);
  const job = (await res.json()) as { id: string };
  await expect.poll(async () => ((await (await page.request.get(`/api/generations/${job.id}`)).json()) as { status: string }).status).toBe('succeeded');
  await page.route(/\/api\/generations\?limit=/, async (route) => {
    const response = await route.fetch();
    const json = (await response.json()) as { items: Array<{ id: string; images: Array<{ id: number }> }> };
    const items = json.items.filter((j) => j.id === job.id).map((j) => ({ ...j, images: j.images.map((n) => ({ ...n, id: 999_999 })) }));
    await route.fulfill({ response, json: { ...json, items } });
  });
  await page.goto('/');
  for (const control of [
    page.getByRole('link', { name: 'Open image #999999' }),
    page.getByRole('button', { name: 'Use image #999999 as init image' }),
    page.getByRole('button', { name: 'Share image #999999' }),
  ]) {
    await control.scrollIntoViewIfNeeded();
    await expect(control).toBeInViewport({ ratio: 1 });
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(320);
});

test('the header keeps to one line at 320 and 360 px, single-user, light and dark, with "99+" queued', async ({ browser, baseURL }) => {
  for (const theme of ['light', 'dark'] as const) {
    for (const width of [320, 360]) {
      const label = `single-user, ${theme}, ${width} px`;
      const { context, page } = await themed(browser, theme, width, baseURL);
      await page.goto('/');
      await expect(page.locator('html'), label).toHaveClass(theme === 'dark' ? /\bdark\b/ : /^(?!.*\bdark\b)/);
      await expect(page.getByRole('button', { name: theme === 'dark' ? 'Switch to light mode' : 'Switch to dark mode' })).toBeInViewport({ ratio: 1 });
      await expect(page.getByRole('button', { name: 'More', exact: true })).toBeInViewport({ ratio: 1 });
      await expectHeaderFits(page, width, label);
      await expectEveryPlaceReachable(page, () => page.getByRole('button', { name: 'More', exact: true }).click(), 'More');
      await expectHeaderFits(page, width, `${label}, on the Trash`);
      await context.unrouteAll({ behavior: 'ignoreErrors' });
      await context.close();
    }
  }
});

test('the header keeps to one line from tablet to laptop widths, single-user, with "99+" queued', async ({ browser, baseURL }) => {
  // Between the phone layout and the full labels, each step shows more words: none may push the theme switch off.
  for (const width of [640, 768, 900, 1024, 1280]) {
    const label = `single-user, ${width} px`;
    const { context, page } = await themed(browser, 'light', width, baseURL);
    await page.goto('/trash');
    await expect(page.getByRole('heading', { name: 'Trash', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Switch to dark mode' })).toBeInViewport({ ratio: 1 });
    await expectHeaderFits(page, width, label);
    await context.unrouteAll({ behavior: 'ignoreErrors' });
    await context.close();
  }
});

test('the header keeps to one line at 320 and 360 px, signed in with accounts on, light and dark, with "99+" queued', async ({ browser }) => {
  test.setTimeout(120_000);
  // An account of its own on the accounts API, made on the command line as an administrator would.
  const username = `polish-${Date.now().toString(36)}`;
  const password = 'polish password 1';
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
  const accountName = `Account: ${username} (admin)`;
  await expect(first.getByRole('button', { name: accountName })).toBeVisible();
  const session = await signIn.storageState();
  await signIn.close();

  for (const theme of ['light', 'dark'] as const) {
    for (const width of [320, 360]) {
      const label = `accounts, ${theme}, ${width} px`;
      const { context, page } = await themed(browser, theme, width, authURL, session);
      await page.goto('/');
      const account = page.getByRole('button', { name: accountName });
      await expect(account, label).toBeInViewport({ ratio: 1 });
      await expect(page.getByRole('button', { name: theme === 'dark' ? 'Switch to light mode' : 'Switch to dark mode' })).toBeInViewport({ ratio: 1 });
      await expectHeaderFits(page, width, label);
      await expectEveryPlaceReachable(page, () => account.click(), 'Account');
      await expectHeaderFits(page, width, `${label}, on the Trash`);
      await context.unrouteAll({ behavior: 'ignoreErrors' });
      await context.close();
    }
  }
});
