import path from 'node:path';
import { expect, test, type APIRequestContext, type Page, type Route } from '@playwright/test';
import { SCREENSHOTS_DIR as out, imagesLoaded } from '../screenshots';

// Screenshots of the lineage screen with a find in progress, light and dark, desktop and phone,
// and a big tree zoomed out (drawn on the canvas) with its matches, for a person to look at:
//   E2E_SCREENSHOTS=1 node e2e/run.mjs lineage-find-screenshots
// Skipped otherwise. PNGs go to test-results/screenshots/. Runs on the single-user API.
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const THEMES = ['light', 'dark'] as const;

async function make(request: APIRequestContext, data: unknown): Promise<{ id: number } & Record<string, unknown>> {
  const res = await request.post('/api/images/generate', { data });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).images[0];
}

const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

/** A tree of 2,000 copies of one real image, served as the API would; prompts from a short list. */
async function serveBigTree(page: Page, template: Record<string, unknown>) {
  const FIRST = 8_000_001;
  const prompts = ['a stone cottage on a cliff', 'a red lighthouse in a storm', 'a harbour with fishing boats', 'a red lighthouse at dawn', 'gulls over a grey sea', 'a lighthouse keeper reading'];
  let seed = 11;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  type N = Record<string, unknown> & { id: number; parent_id: number | null; depth: number };
  const nodes: N[] = [{ ...template, id: FIRST, parent_id: null, root_id: FIRST, depth: 0, action_type: 'generate', prompt: prompts[0] }];
  for (let i = 1; i < 2000; i++) {
    const parent = nodes[Math.floor(next() * nodes.length)]!;
    nodes.push({ ...template, id: FIRST + i, parent_id: parent.id, root_id: FIRST, depth: parent.depth + 1, action_type: ['variation', 'remix', 'img2img'][i % 3], prompt: prompts[(i * 7) % prompts.length] });
  }
  const ordered = [...nodes].sort((a, b) => a.depth - b.depth || a.id - b.id);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  await page.route(/\/api\/images\/\d+\/lineage/, async (route: Route) => {
    const url = new URL(route.request().url());
    const id = Number(url.pathname.split('/')[3]);
    if (!byId.has(id)) return route.fallback();
    const limit = Number(url.searchParams.get('limit') ?? 1000);
    const from = Number(url.searchParams.get('cursor') ?? 0);
    const slice = ordered.slice(from, from + limit);
    const more = from + slice.length < ordered.length;
    const trail: number[] = [];
    for (let n: N | undefined = byId.get(id); n; n = n.parent_id === null ? undefined : byId.get(n.parent_id)) trail.unshift(n.id);
    await route.fulfill({ json: { root_id: FIRST, focus_id: id, path: trail, nodes: slice, truncated: more, next_cursor: more ? String(from + slice.length) : null } });
  });
  return FIRST;
}

test('the lineage with a find in progress, light and dark, desktop and phone, and a big tree zoomed out', async ({ page, request }) => {
  test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to take the screenshots');
  test.setTimeout(300_000);

  // A small tree whose prompts share words.
  const spec = { width: 192, height: 144, steps: 4 };
  const root = await make(request, { prompt: 'a stone cottage on a cliff at dusk', spec });
  const remix = (parent: number, prompt: string) => make(request, { parent_id: parent, action_type: 'remix', prompt });
  const a = await remix(root.id, 'a red lighthouse in a storm');
  const a1 = await remix(a.id, 'the stone cottage in the storm');
  const a2 = await remix(a1.id, 'a red lighthouse seen from a cottage window');
  await remix(a1.id, 'rain on the cottage window');
  const b = await remix(root.id, 'a harbour with fishing boats');
  const b1 = await remix(b.id, 'a red lighthouse beyond the harbour at night');
  await make(request, { parent_id: b1.id, action_type: 'variation' });
  await remix(b.id, 'gulls over the harbour');
  await remix(root.id, 'a white lighthouse on a rocky point');

  for (const theme of THEMES) {
    for (const vp of VIEWPORTS) {
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await page.goto(`/lineage/${root.id}`);
      await page.evaluate((t) => localStorage.setItem('imageflow-theme', t), theme);
      await page.reload();
      await expect(page.locator('[data-lineage-ready]')).toBeVisible();
      const box = page.getByRole('searchbox', { name: /Find images in this tree/ });
      await box.fill('red lighthouse');
      await box.press('Enter');
      await expect(page.getByTestId('lineage-find-count')).toHaveText('2 of 4');
      await expect(page).toHaveURL(new RegExp(`focus=${a2.id}$`));
      // The whole tree in view, the path and the matches on it.
      await page.locator('.react-flow__controls-fitview').click();
      await imagesLoaded(page);
      await page.screenshot({ path: path.join(out, `${vp.name}-${theme}-lineage-find.png`) });
      expect(await overflows(page)).toBe(false);

      // Nothing found.
      await box.fill('red zebra');
      await expect(page.getByTestId('lineage-find-none')).toBeVisible();
      await page.screenshot({ path: path.join(out, `${vp.name}-${theme}-lineage-find-none.png`) });

      // A branch folded away with matches in it (#b1 and its variation, which keeps its prompt): its button says so.
      await box.fill('');
      await page.getByRole('button', { name: `Collapse branch #${b.id}` }).click();
      await box.fill('red lighthouse');
      const fold = page.getByRole('button', { name: `Expand branch #${b.id} (3 hidden, 2 matches)` });
      await expect(fold).toHaveText('+3 · 2 found');
      await page.locator('.react-flow__controls-fitview').click();
      await imagesLoaded(page);
      await page.screenshot({ path: path.join(out, `${vp.name}-${theme}-lineage-find-folded.png`) });
      await fold.click();
    }
  }

  // A big tree zoomed out to the canvas, with a find: the selection, its path and the matches.
  const first = await serveBigTree(page, root);
  await page.setViewportSize({ width: 1280, height: 800 });
  for (const theme of THEMES) {
    await page.goto(`/lineage/${first}`);
    await page.evaluate((t) => localStorage.setItem('imageflow-theme', t), theme);
    await page.reload();
    const flow = page.locator('[data-lineage-ready][data-lineage-complete]');
    await expect(flow).toHaveAttribute('data-node-count', '2000');
    await page.getByRole('button', { name: 'Expand all' }).click();
    await expect(flow).toHaveAttribute('data-visible-count', '2000');
    await page.locator('.react-flow__controls-fitview').click();
    await expect(flow).toHaveAttribute('data-render-mode', 'canvas');
    const box = page.getByRole('searchbox', { name: /Find images in this tree/ });
    await box.fill('lighthouse storm');
    await expect(page.getByTestId('lineage-find-count')).toHaveText(/^1 of \d+$/);
    for (let i = 0; i < 5; i++) await box.press('Enter');
    await expect(page.getByTestId('lineage-find-count')).toHaveText(/^6 of \d+$/);
    // Closer, still on the canvas: the wheel zooms around the pointer, on the centred match.
    const pane = (await page.locator('.react-flow__renderer').boundingBox())!;
    await page.mouse.move(pane.x + pane.width / 2, pane.y + pane.height / 2);
    for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -450);
    await expect(flow).toHaveAttribute('data-render-mode', 'canvas');
    await imagesLoaded(page);
    await page.screenshot({ path: path.join(out, `desktop-${theme}-lineage-find-canvas.png`) });
  }
});
