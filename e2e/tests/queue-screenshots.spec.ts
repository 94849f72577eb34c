import path from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { SCREENSHOTS_DIR as out, imagesLoaded } from '../screenshots';

// Screenshots of the Queue and of Create after a reload, light and dark, desktop and phone, for a
// person to look at:
//   E2E_SCREENSHOTS=1 node e2e/run.mjs queue-screenshots
// Skipped otherwise. PNGs go to test-results/screenshots/. Runs on the single-user API: a long
// FLUX run on the ComfyUI stand-in holds the backend while others wait behind it.
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 360, height: 780 },
] as const;
const THEMES = ['light', 'dark'] as const;

async function submit(request: APIRequestContext, data: Record<string, unknown>) {
  const res = await request.post('/api/generations', { data });
  expect(res.status(), await res.text()).toBe(202);
  return (await res.json()) as { id: string };
}

const statusOf = async (request: APIRequestContext, id: string) => ((await (await request.get(`/api/generations/${id}`)).json()) as { status: string }).status;

const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

test('the Queue and Create after a reload, light and dark, desktop and phone', async ({ page, request }) => {
  test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to take the screenshots');
  test.setTimeout(300_000);

  // Everything still waiting from earlier tests is canceled, so the queue shows only what is made here.
  const left = (await (await request.get('/api/generations?status=queued,running&limit=200')).json()).items as Array<{ id: string }>;
  for (const job of left) await request.delete(`/api/generations/${job.id}`);

  // What ended: images, a failure and a cancel.
  const made = await request.post('/api/images/generate', { data: { prompt: 'a lighthouse on a cliff at sunset over the ocean', spec: { width: 512, height: 384, steps: 10, seed: 42, batch_size: 2 } } });
  expect(made.status()).toBe(201);
  const parent = (await made.json()).images[0] as { id: number };
  // A job that fails when it runs: its init image is deleted while it waits behind another run.
  const doomed = (await (await request.post('/api/images/generate', { data: { prompt: 'mossy stones in a mountain creek', spec: { width: 256, height: 256, steps: 4 } } })).json()).images[0] as { id: number };
  const blocker = await submit(request, { prompt: 'a field of sunflowers under a blue summer sky', model: 'flux-dev', spec: { width: 512, height: 512, steps: 30 } });
  await expect.poll(() => statusOf(request, blocker.id)).toBe('running');
  const failed = await submit(request, { parent_id: doomed.id, action_type: 'img2img', model: 'flux-dev', prompt: 'mossy stones in a mountain creek at night' });
  expect((await request.delete(`/api/images/${doomed.id}?forever=true`)).status()).toBe(200);
  await expect.poll(() => statusOf(request, failed.id), { timeout: 30_000 }).toBe('failed');
  const canceled = await submit(request, { prompt: 'a bowl of ripe lemons on a wooden table', spec: { width: 512, height: 512, steps: 10 } });
  await request.delete(`/api/generations/${canceled.id}`);

  // What runs and waits.
  const long = await submit(request, { prompt: 'a long exposure of a waterfall in a mossy forest', model: 'flux-dev', spec: { width: 512, height: 512, steps: 150 } });
  await expect.poll(() => statusOf(request, long.id)).toBe('running');
  await submit(request, { prompt: 'a grey heron standing in a misty marsh at dawn', model: 'flux-dev', spec: { width: 768, height: 512, steps: 20 } });
  await submit(request, { parent_id: parent.id, action_type: 'variation', model: 'flux-dev' });
  await submit(request, { prompt: 'neon city street at night in the rain, reflections on wet asphalt, a lone cyclist under a red umbrella', model: 'flux-dev', spec: { width: 512, height: 768, steps: 28, batch_size: 4 } });

  // Each screen is taken while a long run goes on: a new one is moved to the front and the running one canceled.
  const LONG = ['the milky way over a desert canyon, long exposure', 'a snowy mountain hut under the northern lights', 'a slow river through a birch forest in autumn', 'fog rolling over a harbour at dawn'];
  let running = long.id;
  const freshLongRun = async (prompt: string) => {
    const next = await submit(request, { prompt, model: 'flux-dev', spec: { width: 512, height: 512, steps: 150 } });
    expect((await request.post(`/api/generations/${next.id}/front`)).status()).toBe(200);
    await request.delete(`/api/generations/${running}`);
    running = next.id;
    await expect.poll(() => statusOf(request, next.id)).toBe('running');
  };

  for (const theme of THEMES) {
    for (const vp of VIEWPORTS) {
      const shot = (name: string, fullPage = false) => page.screenshot({ path: path.join(out, `${vp.name}-${theme}-${name}.png`), fullPage });
      if (theme !== 'light' || vp.name !== 'desktop') await freshLongRun(LONG.shift()!);
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await page.goto('/queue');
      await page.evaluate((t) => localStorage.setItem('imageflow-theme', t), theme);
      await page.reload();
      await expect(page.getByRole('list', { name: 'Queued and running' })).toBeVisible();
      await expect(page.getByRole('list', { name: 'Recently ended' })).toBeVisible();
      await expect.poll(async () => Number(await page.getByRole('progressbar').first().getAttribute('aria-valuenow'))).toBeGreaterThan(0);
      await imagesLoaded(page);
      await shot('queue');
      await shot('queue-full', true);
      expect(await overflows(page)).toBe(false);
      // Keyboard focus on an action.
      await page.getByRole('button', { name: /^Move to front:/ }).first().focus();
      await page.keyboard.press('Shift+Tab');
      await page.keyboard.press('Tab');
      await shot('queue-focus');

      // Create after a reload: the running job followed again, the last results below.
      await page.goto('/');
      await page.reload();
      await expect(page.getByRole('region', { name: 'Current generation' })).toBeVisible();
      await imagesLoaded(page);
      await shot('create-after-reload');
      await shot('create-after-reload-full', true);
      expect(await overflows(page)).toBe(false);
    }
  }

  // The empty queue.
  const rest = (await (await request.get('/api/generations?status=queued,running&limit=200')).json()).items as Array<{ id: string }>;
  for (const job of rest) await request.delete(`/api/generations/${job.id}`);
  for (const theme of THEMES) {
    for (const vp of VIEWPORTS) {
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await page.goto('/queue');
      await page.evaluate((t) => localStorage.setItem('imageflow-theme', t), theme);
      await page.reload();
      await expect(page.getByRole('heading', { name: 'Nothing is queued or running' })).toBeVisible();
      await imagesLoaded(page);
      await page.screenshot({ path: path.join(out, `${vp.name}-${theme}-queue-empty.png`) });
    }
  }
});
