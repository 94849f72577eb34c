import path from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { SCREENSHOTS_DIR as out } from '../screenshots';

async function make(request: APIRequestContext, data: unknown): Promise<{ id: number; width: number; height: number }> {
  const res = await request.post('/api/images/generate', { data });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).images[0];
}

/** The difference canvas's pixels, once drawn: how many, the largest channel value, and how many are not black. */
async function canvasPixels(page: Page) {
  const canvas = page.getByTestId('difference-canvas');
  await expect(canvas).toHaveAttribute('data-state', 'drawn');
  return canvas.evaluate((el: HTMLCanvasElement) => {
    const data = el.getContext('2d')!.getImageData(0, 0, el.width, el.height).data;
    let max = 0;
    let lit = 0;
    for (let i = 0; i < data.length; i += 4) {
      const m = Math.max(data[i]!, data[i + 1]!, data[i + 2]!);
      if (m > max) max = m;
      if (m > 0) lit++;
    }
    return { width: el.width, height: el.height, max, lit };
  });
}

test('compare two versions side by side, with a slider, as a difference and as onion skin', async ({ page, request }) => {
  const root = await make(request, { prompt: 'a lighthouse on a cliff at sunset over the ocean', spec: { width: 512, height: 384, steps: 8, seed: 42 } });
  const child = await make(request, { parent_id: root.id, action_type: 'img2img', prompt: 'a lighthouse on a cliff at night, stars', spec: { strength: 0.5 } });

  await page.goto(`/compare/${root.id}/${child.id}`);
  await expect(page.getByRole('heading', { name: `Compare #${root.id} and #${child.id}` })).toBeVisible();
  const sideBySide = page.getByRole('tab', { name: 'Side by side' });
  await expect(sideBySide).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('figure')).toHaveCount(2);
  // Settings by the names people use, not their codes.
  const settings = page.getByRole('table');
  await expect(settings.getByRole('row', { name: /Model/ })).toContainText('SDXL');
  await expect(settings.getByRole('row', { name: /Sampler/ })).toContainText('DPM++ 2M Karras');
  await expect(settings).not.toContainText('dpmpp_2m_karras');
  await expect(settings.getByRole('row', { name: /Action/ })).toContainText('Image to image');

  // Every view from the keyboard: the arrow keys move along the tabs.
  await sideBySide.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Slider' })).toBeFocused();
  const divider = page.getByRole('slider', { name: 'Divider between A and B' });
  await expect(divider).toBeVisible();
  await divider.focus();
  await page.keyboard.press('Home');
  await expect(divider).toHaveAttribute('aria-valuenow', '0');

  await page.getByRole('tab', { name: 'Slider' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(/\?view=difference$/);
  const different = await canvasPixels(page);
  expect(different).toMatchObject({ width: 512, height: 384 });
  expect(different.max).toBeGreaterThan(64);
  expect(different.lit).toBeGreaterThan((512 * 384) / 2);
  await expect(page.getByText(/of pixels differ noticeably; on average by/)).toBeVisible();
  const amplify = page.getByRole('button', { name: /Amplify/ });
  await amplify.click();
  await expect(amplify).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('difference-canvas')).toHaveCSS('filter', 'brightness(4)');

  await page.getByRole('tab', { name: 'Difference' }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page).toHaveURL(/\?view=onion$/);
  const opacity = page.getByRole('slider', { name: 'Opacity of A' });
  await opacity.focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(opacity).toHaveValue('48');
  await expect(page.getByTestId('onion-skin-a')).toHaveCSS('opacity', '0.48');
  await page.keyboard.press('End');
  await expect(page.getByTestId('onion-skin-a')).toHaveCSS('opacity', '1');

  // A reload keeps the view; the difference of an image with itself is black, pixel for pixel.
  await page.goto(`/compare/${child.id}/${child.id}?view=difference`);
  await expect(page.getByRole('tab', { name: 'Difference' })).toHaveAttribute('aria-selected', 'true');
  const same = await canvasPixels(page);
  expect(same).toEqual({ width: 512, height: 384, max: 0, lit: 0 });
  await expect(page.getByText('Identical pixels: nothing differs.')).toBeVisible();
});

// Screenshots of every view, light, dark and phone, for a person to look at:
//   E2E_SCREENSHOTS=1 node e2e/run.mjs compare
// Skipped otherwise. PNGs go to test-results/screenshots/.
const VIEWS = [
  { name: 'light', viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { name: 'dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  { name: 'phone', viewport: { width: 360, height: 740 }, colorScheme: 'light' },
  { name: 'phone-dark', viewport: { width: 360, height: 740 }, colorScheme: 'dark' },
] as const;

test('compare screenshots', async ({ browser, baseURL, request }) => {
  test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to take the screenshots');
  test.setTimeout(240_000);
  const root = await make(request, { prompt: 'a lighthouse on a cliff at sunset over the ocean', spec: { width: 768, height: 512, steps: 12, seed: 42 } });
  const variation = await make(request, { parent_id: root.id, action_type: 'variation' });
  for (const view of VIEWS) {
    const context = await browser.newContext({ viewport: view.viewport, colorScheme: view.colorScheme, baseURL });
    const page = await context.newPage();
    for (const mode of ['side', 'slider', 'difference', 'onion'] as const) {
      await page.goto(`/compare/${root.id}/${variation.id}${mode === 'side' ? '' : `?view=${mode}`}`);
      await expect(page.getByRole('heading', { name: /^Compare/ })).toBeVisible();
      if (mode === 'difference') await expect(page.getByTestId('difference-canvas')).toHaveAttribute('data-state', 'drawn');
      await expect
        .poll(() => page.evaluate(() => [...document.images].filter((i) => i.getBoundingClientRect().width > 0).every((i) => i.complete && i.naturalWidth > 0)))
        .toBe(true);
      await page.screenshot({ path: path.join(out, `compare-${view.name}-${mode}.png`) });
      if (mode === 'side') await page.screenshot({ path: path.join(out, `compare-${view.name}-${mode}-full.png`), fullPage: true });
    }
    await context.close();
  }
});
