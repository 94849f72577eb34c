import path from 'node:path';
import Database from 'better-sqlite3';
import yauzl from 'yauzl';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

// The gallery and the image viewer, against the single-user API: focus back on the tile an image
// was opened from, the arrow keys through the filtered gallery, zoom and fullscreen, multi-select
// with the mouse and the keyboard and what the selection bar does (star, a .zip, trash and undo,
// compare), newest or oldest first under day headings, and sharing from a tile.

/** A word no other test uses, so the gallery search finds exactly this test's images. */
const word = (name: string) => `${name}${Date.now().toString(36)}`;

async function make(request: APIRequestContext, prompt: string, seed: number): Promise<number> {
  const res = await request.post('/api/images/generate', { data: { prompt, spec: { width: 192, height: 128, steps: 4, seed } } });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).images[0].id;
}

/** `count` images whose prompts hold `token`, oldest first (the gallery shows them the other way round). */
async function makeMany(request: APIRequestContext, token: string, count: number): Promise<number[]> {
  const subjects = ['a lighthouse on a cliff', 'a red fox in the snow', 'neon city street at night', 'a bowl of lemons', 'mossy stones in a creek', 'a field of sunflowers', 'a sailboat at dawn', 'a desert canyon'];
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(await make(request, `${subjects[i % subjects.length]}, ${token}`, 100 + i));
  return ids;
}

const tile = (page: Page, id: number) => page.getByRole('link', { name: new RegExp(`^Image #${id}:`) });
const tiles = (page: Page) => page.getByRole('link', { name: /^Image #\d+:/ });
const focusedLabel = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName);

test('back from an image, focus is on its tile; the arrow keys walk the filtered gallery; the viewer zooms, pans and goes fullscreen', async ({ page, request }) => {
  const token = word('osprey');
  const ids = await makeMany(request, token, 6);
  const newestFirst = [...ids].reverse();
  // Another image the filter leaves out, made in between.
  await make(request, 'a lighthouse on a cliff, unrelated', 7);

  await page.goto(`/gallery?q=${token}`);
  await expect(tiles(page)).toHaveCount(6);
  await tile(page, newestFirst[2]!).focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/image/${newestFirst[2]}$`));
  await expect(page.getByRole('heading', { name: `Image #${newestFirst[2]}` })).toBeVisible();

  // → is the next image of the gallery as filtered, ← the one before; the side buttons say which.
  await expect(page.getByRole('button', { name: `Next image (#${newestFirst[3]})` })).toBeVisible();
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(new RegExp(`/image/${newestFirst[3]}$`));
  // The address changes as the key is pressed; the next press is for the image once it is shown.
  await expect(page.getByRole('button', { name: `Next image (#${newestFirst[4]})` })).toBeVisible();
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(new RegExp(`/image/${newestFirst[4]}$`));
  await expect(page.getByRole('button', { name: `Previous image (#${newestFirst[3]})` })).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('heading', { name: `Image #${newestFirst[3]}` })).toBeVisible();

  // Zoom: buttons, 1:1, the wheel around the pointer, a drag to pan, and fit again.
  const zoomText = page.getByRole('toolbar', { name: 'Zoom and view' }).locator('output');
  const fitted = await zoomText.textContent();
  await page.getByRole('button', { name: 'Zoom in' }).click();
  await expect(zoomText).not.toHaveText(fitted!);
  await page.getByRole('button', { name: 'Actual size (1:1)' }).click();
  await expect(zoomText).toHaveText('100%');
  const stage = page.getByTestId('viewer-stage');
  const box = (await stage.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -600);
  await expect.poll(async () => parseInt((await zoomText.textContent())!, 10)).toBeGreaterThan(100);
  // Larger than the frame, so that there is somewhere to pan to.
  await page.keyboard.press('+');
  await page.keyboard.press('+');
  const image = page.getByTestId('viewer-image');
  await expect.poll(async () => (await image.boundingBox())!.width).toBeGreaterThan(box.width);
  const before = await image.evaluate((el) => el.style.transform);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 30, { steps: 4 });
  await page.mouse.up();
  await expect.poll(() => image.evaluate((el) => el.style.transform)).not.toBe(before);
  await page.keyboard.press('0');
  await expect(zoomText).toHaveText(fitted!);

  // Fullscreen (the Fullscreen API), and out again.
  await page.getByRole('button', { name: 'Fullscreen' }).click();
  await expect.poll(() => page.evaluate(() => document.fullscreenElement?.getAttribute('aria-label'))).toBe(`Image #${newestFirst[3]} viewer`);
  // The arrow keys work there too, and the viewer stays fullscreen.
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(new RegExp(`/image/${newestFirst[4]}$`));
  await expect.poll(() => page.evaluate(() => document.fullscreenElement?.getAttribute('aria-label'))).toBe(`Image #${newestFirst[4]} viewer`);
  await page.getByRole('button', { name: 'Leave fullscreen' }).click();
  await expect.poll(() => page.evaluate(() => document.fullscreenElement)).toBeNull();

  // The PNG downloads from the viewer.
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download the PNG' }).click();
  expect((await download).suggestedFilename()).toMatch(/^sdxl_.*\.png$/);

  // Back: the gallery as it was, focus on the tile of the image last shown.
  await page.goBack();
  await expect(page).toHaveURL(new RegExp(`/gallery\\?q=${token}$`));
  await expect.poll(() => focusedLabel(page)).toMatch(new RegExp(`^Image #${newestFirst[4]}:`));
  await expect(tile(page, newestFirst[4]!)).toBeInViewport();

  // The image page's own way back does the same.
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/image/${newestFirst[4]}$`));
  await page.getByRole('complementary', { name: `Image #${newestFirst[4]} details` }).getByRole('link', { name: 'Gallery' }).click();
  await expect(page).toHaveURL(new RegExp(`/gallery\\?q=${token}$`));
  await expect.poll(() => focusedLabel(page)).toMatch(new RegExp(`^Image #${newestFirst[4]}:`));
});

/** The names of the entries of a .zip on disk. */
function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

test('multi-select with Shift-click, Ctrl-click and the keyboard; star, download a .zip, trash and undo, compare', async ({ page, request }) => {
  const token = word('heron');
  const ids = await makeMany(request, token, 6);
  const shown = [...ids].reverse();
  const selectedCount = () => page.getByRole('toolbar', { name: 'Selected images' }).locator('p');
  // Each action on the selection is one request to the bulk route, not one per image.
  const bulkActions: string[] = [];
  const perImage: string[] = [];
  page.on('request', (req) => {
    const { pathname } = new URL(req.url());
    if (pathname === '/api/images/bulk') bulkActions.push((req.postDataJSON() as { action: string }).action);
    else if (/^\/api\/images\/\d+(\/restore)?$/.test(pathname) && req.method() !== 'GET') perImage.push(`${req.method()} ${pathname}`);
  });

  await page.goto(`/gallery?q=${token}`);
  await expect(tiles(page)).toHaveCount(6);
  await page.getByRole('checkbox', { name: `Select image #${shown[1]}` }).click();
  await tile(page, shown[4]!).click({ modifiers: ['Shift'] });
  await expect(selectedCount()).toHaveText('4 selected');
  await tile(page, shown[3]!).click({ modifiers: ['ControlOrMeta'] });
  await expect(selectedCount()).toHaveText('3 selected');
  for (const [i, id] of shown.entries()) {
    await expect(page.getByRole('checkbox', { name: `Select image #${id}` })).toHaveAttribute('aria-checked', String([1, 2, 4].includes(i)));
  }
  await expect(page).toHaveURL(new RegExp(`/gallery\\?q=${token}$`));

  // Star them all.
  const bar = page.getByRole('toolbar', { name: 'Selected images' });
  await bar.getByRole('button', { name: 'Star', exact: true }).click();
  await expect(bar.getByRole('button', { name: 'Unstar', exact: true })).toBeVisible();
  await expect
    .poll(async () => ((await (await request.get(`/api/images?q=${token}&starred=true`)).json()).items as Array<{ id: number }>).map((n) => n.id))
    .toEqual([shown[1], shown[2], shown[4]]);

  // Download them as one .zip, named by id and prompt, in gallery order.
  const downloading = page.waitForEvent('download');
  await bar.getByRole('button', { name: 'Download' }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('imageflow-3-images.zip');
  const entries = await zipEntries(await download.path());
  expect(entries.map((e) => Number(e.split('-')[0]))).toEqual([shown[1], shown[2], shown[4]]);
  for (const entry of entries) expect(entry).toMatch(new RegExp(`^\\d+-[a-z0-9-]+-${token}\\.png$`));

  // Into the trash, gone from the gallery; Undo brings them back.
  await bar.getByRole('button', { name: 'Move to trash' }).click();
  await expect(tiles(page)).toHaveCount(3);
  await expect(page.getByText('3 images moved to the trash')).toBeVisible();
  await expect(bar).toBeHidden();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByText('3 images restored')).toBeVisible();
  await expect(tiles(page)).toHaveCount(6);
  expect(bulkActions).toEqual(['star', 'trash', 'restore']);
  expect(perImage).toEqual([]);

  // The keyboard: Space selects, Shift+arrows extend, Esc clears, Ctrl+A selects all.
  await tile(page, shown[0]!).focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await expect(selectedCount()).toHaveText('3 selected');
  await page.keyboard.press('Escape');
  await expect(bar).toBeHidden();
  await page.keyboard.press('ControlOrMeta+a');
  await expect(selectedCount()).toHaveText('6 selected');
  await bar.getByRole('button', { name: 'Clear the selection' }).click();

  // Exactly two: compare them, the older as A.
  await page.getByRole('checkbox', { name: `Select image #${shown[0]}` }).click();
  await expect(bar.getByRole('button', { name: 'Compare' })).toBeDisabled();
  await tile(page, shown[5]!).click();
  await bar.getByRole('button', { name: 'Compare' }).click();
  await expect(page).toHaveURL(new RegExp(`/compare/${shown[5]}/${shown[0]}$`));
});

test('newest or oldest first, grouped by day under headings in the person’s language', async ({ page, request }) => {
  const token = word('plover');
  const [oldest, middle, newest] = await makeMany(request, token, 3);
  // Made on other days: their times are moved back in the database itself.
  const db = new Database(path.join(process.env.E2E_DATA_DIR ?? '/tmp/imageflow-e2e', 'imageflow.db'));
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  db.prepare('UPDATE image_nodes SET created_at = ? WHERE id = ?').run(daysAgo(40), oldest);
  db.prepare('UPDATE image_nodes SET created_at = ? WHERE id = ?').run(daysAgo(1), middle);
  db.close();
  const label = (days: number) =>
    page.evaluate((d) => {
      const date = new Date(Date.now() - d * 86_400_000);
      if (d === 0) return 'Today';
      if (d === 1) return 'Yesterday';
      const options: Intl.DateTimeFormatOptions =
        date.getFullYear() === new Date().getFullYear() ? { weekday: 'long', month: 'long', day: 'numeric' } : { year: 'numeric', month: 'long', day: 'numeric' };
      return date.toLocaleDateString(undefined, options);
    }, days);

  await page.goto(`/gallery?q=${token}`);
  const headings = page.getByRole('list', { name: /^Images matching/ }).getByRole('heading', { level: 2 });
  await expect(headings).toHaveCount(3);
  await expect(headings).toHaveText([`Today1`, `Yesterday1`, `${await label(40)}1`]);
  await expect(tiles(page).first()).toHaveAccessibleName(new RegExp(`^Image #${newest}:`));

  await page.getByLabel('Order').selectOption('asc');
  await expect(page).toHaveURL(new RegExp(`order=asc`));
  await expect(tiles(page).first()).toHaveAccessibleName(new RegExp(`^Image #${oldest}:`));
  await expect(headings).toHaveText([`${await label(40)}1`, `Yesterday1`, `Today1`]);
  // The order is kept on reload, in the URL.
  await page.reload();
  await expect(tiles(page).first()).toHaveAccessibleName(new RegExp(`^Image #${oldest}:`));

  await page.getByRole('button', { name: 'Group by day' }).click();
  await expect(headings).toHaveCount(0);
  await expect(tiles(page)).toHaveCount(3);
  await expect(page).toHaveURL(/days=0/);
});

test('a tile shares its image from its hover action', async ({ page, request }) => {
  const token = word('tern');
  const [id] = await makeMany(request, token, 1);
  await page.goto(`/gallery?q=${token}`);
  await tile(page, id!).hover();
  await page.getByRole('button', { name: `Share image #${id}` }).click();
  const dialog = page.getByRole('dialog', { name: `Share image #${id}` });
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const link = dialog.getByLabel('Share link');
  await expect(link).toBeVisible();
  const url = await link.inputValue();
  expect(url).toMatch(/\/s\/[A-Za-z0-9_-]+$/);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page).toHaveURL(new RegExp(`/gallery\\?q=${token}$`));
  // The link opens the image for anyone.
  const shared = await request.get(url.replace(/^.*\/s\//, '/api/s/'));
  expect(shared.status()).toBe(200);
});
