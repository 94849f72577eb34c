import path from 'node:path';
import sharp from 'sharp';
import { expect, test, type Page } from '@playwright/test';
import { SCREENSHOTS_DIR as out, imagesLoaded } from '../screenshots';

// Screenshots of the Create screen, light, dark and phone, for a person to look at:
//   E2E_SCREENSHOTS=1 node e2e/run.mjs create-screenshots
// Skipped otherwise. PNGs go to test-results/screenshots/.
const VIEWS = [
  { name: 'light', viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { name: 'dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  { name: 'phone', viewport: { width: 360, height: 740 }, colorScheme: 'light' },
  { name: 'phone-dark', viewport: { width: 360, height: 740 }, colorScheme: 'dark' },
] as const;

/** Once a smooth scroll has stopped: the same position a few frames apart. */
async function scrollSettled(page: Page) {
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const before = window.scrollY;
        for (let i = 0; i < 5; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
        return before > 0 && window.scrollY === before;
      }),
    )
    .toBe(true);
}

for (const view of VIEWS) {
  test(`the Create screen: results, errors, history, presets (${view.name})`, async ({ browser, baseURL }) => {
    test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to take the screenshots');
    test.setTimeout(180_000);
    const context = await browser.newContext({ viewport: view.viewport, colorScheme: view.colorScheme, baseURL });
    const page = await context.newPage();
    const shot = async (name: string) => {
      // Without the notices of what came before, which would cover the bottom of the form.
      await expect(page.locator('[data-sonner-toast]')).toHaveCount(0, { timeout: 30_000 });
      await page.screenshot({ path: path.join(out, `create-${view.name}-${name}.png`) });
    };
    const field = (label: string) => page.getByLabel(label, { exact: true });
    await page.goto('/');

    // Two runs, so the history has something in it, and a preset.
    await page.getByRole('radio', { name: 'Base size 512' }).click();
    await field('Steps').fill('8');
    for (const prompt of ['misty pine forest mountains at dawn', 'a lighthouse on a cliff at sunset over the ocean']) {
      await field('Prompt').fill(prompt);
      await page.getByRole('button', { name: 'Generate', exact: true }).click();
      await expect(page.getByRole('link', { name: /^Open image #\d+$/ }).first()).toBeVisible();
      await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();
    }
    await page.getByRole('button', { name: 'Presets', exact: true }).click();
    await page.getByLabel('Save the current settings as').fill('Quick drafts');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: /^Presets/ }).click();
    await page.evaluate(() => window.scrollTo(0, 0));
    await imagesLoaded(page);
    await shot('results');

    await page.getByRole('button', { name: 'History', exact: true }).click();
    await expect(page.getByRole('dialog', { name: 'Prompt history' })).toBeVisible();
    await imagesLoaded(page);
    await shot('history');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Presets, 1 saved' }).scrollIntoViewIfNeeded();
    await page.getByRole('button', { name: 'Presets, 1 saved' }).click();
    await expect(page.getByRole('dialog', { name: 'Presets' })).toBeVisible();
    await shot('presets');
    await page.keyboard.press('Escape');

    await field('Width').fill('13');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect(field('Width')).toBeFocused();
    await expect(page.getByText('Width must be between 64 and 2048 pixels.')).toBeVisible();
    await scrollSettled(page);
    await shot('error');
    await field('Width').fill('512');

    // Busy: the bar over the fields while a run goes.
    await page.route('**/api/generations/*/events', () => {});
    await field('Steps').fill('8');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeDisabled();
    // On a phone the results are brought into view: let that scroll end, then look at the fields under the bar.
    if (view.viewport.width < 1024) await scrollSettled(page);
    await page.evaluate(() => window.scrollTo({ top: 400, behavior: 'instant' }));
    await shot('busy');
    await page.unroute('**/api/generations/*/events');

    // An image without a prompt: its page offers a remix with one, which Create asks for.
    const png = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 40, g: 110, b: 150 } } }).png().toBuffer();
    const upload = await page.request.post('/api/images/upload', { multipart: { file: { name: 'plain.png', mimeType: 'image/png', buffer: png } } });
    const node = await upload.json();
    await page.goto(`/image/${node.id}`);
    await expect(page.getByRole('button', { name: 'Remix with a prompt' })).toBeVisible();
    await imagesLoaded(page);
    await shot('no-prompt-image');
    await page.getByRole('button', { name: 'Remix with a prompt' }).click();
    await expect(page.getByText('It came without a prompt: write one below')).toBeVisible();
    await imagesLoaded(page);
    await shot('no-prompt-remix');
    await context.close();
  });
}
