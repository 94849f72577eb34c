import { expect, test } from '@playwright/test';
import { generateOnCreate } from '../created-image';

/** A word no other test uses, so the gallery search finds exactly this test's images. */
const token = `kestrel${Date.now().toString(36)}`;

test('generate, share the link, branch, see the lineage, compare, search', async ({ page, request, baseURL }) => {
  await page.goto('/');
  // The offline engine is never passed off as AI.
  await expect(page.getByText(/builtin engine — offline procedural renderer, not AI/)).toBeVisible();

  // Generate.
  await page.getByLabel('Prompt', { exact: true }).fill(`a lighthouse on a cliff at sunset over the ocean, ${token}`);
  await page.getByRole('radio', { name: 'Base size 512' }).click();
  await page.getByLabel('Steps', { exact: true }).fill('8');
  const rootId = await generateOnCreate(page);
  const open = page.getByRole('link', { name: `Open image #${rootId}`, exact: true });
  await expect(page.getByText('builtin · not AI').first()).toBeVisible();

  // See the image.
  await open.click();
  await expect(page).toHaveURL(new RegExp(`/image/${rootId}$`));
  await expect(page.getByRole('heading', { name: new RegExp(`Image #${rootId}`) })).toBeVisible();
  await expect(page.getByText(token).first()).toBeVisible();

  // Share: the file's direct link is still offered in the share dialog; the clipboard holds the
  // full URL, and that URL is the PNG.
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const shareDialog = page.getByRole('dialog', { name: `Share image #${rootId}` });
  await shareDialog.getByRole('button', { name: 'copy the file’s direct link' }).click();
  await expect(page.getByText('Link copied')).toBeVisible();
  await shareDialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(shareDialog).toBeHidden();
  const shared = await page.evaluate(() => navigator.clipboard.readText());
  expect(shared).toMatch(new RegExp(`^${baseURL}/images/sdxl_[0-9a-f-]{36}\\.png$`));
  const png = await request.get(shared);
  expect(png.status()).toBe(200);
  expect(png.headers()['content-type']).toBe('image/png');
  expect((await png.body()).subarray(0, 8).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');

  // Make a variation; it shows up as a branch of this image.
  await page.getByRole('button', { name: 'Variation', exact: true }).click();
  await expect(page.getByText('Variation ready')).toBeVisible();
  const lineage = await (await request.get(`/api/images/${rootId}/lineage`)).json();
  expect(lineage.nodes).toHaveLength(2);
  const childId: number = lineage.nodes.find((n: { id: number }) => n.id !== rootId).id;

  // The lineage view: two nodes and the edge between them, labelled with the action.
  await page.getByRole('link', { name: 'Open full lineage' }).click();
  await expect(page).toHaveURL(new RegExp(`/lineage/${rootId}`));
  await expect(page.locator('[data-testid^="lineage-node-"]')).toHaveCount(2);
  await expect(page.getByTestId(`lineage-node-${rootId}`)).toBeVisible();
  await expect(page.getByTestId(`lineage-node-${childId}`)).toBeVisible();
  await expect(page.getByTestId(`lineage-edge-${rootId}-${childId}`)).toBeAttached();
  await expect(page.locator('.react-flow__edgelabel-renderer, .react-flow__edges').getByText('variation').first()).toBeVisible();

  // Pick both and compare.
  await page.getByRole('button', { name: 'Compare', exact: true }).click();
  await page.getByTestId(`lineage-node-${rootId}`).click();
  await page.getByTestId(`lineage-node-${childId}`).click();
  await page.getByRole('button', { name: new RegExp(`Compare #(${rootId}|${childId}) with #(${rootId}|${childId})`) }).click();
  await expect(page).toHaveURL(/\/compare\/\d+\/\d+/);
  await expect(page.getByTestId('diff-prompt')).toBeVisible();
  await expect(page.getByText(/seed/i).first()).toBeVisible();
  await page.getByRole('tab', { name: 'Slider' }).click();
  await expect(page.getByRole('slider', { name: 'Divider between A and B' })).toBeVisible();

  // Search the gallery: both versions carry the word, nothing else does.
  await page.getByRole('link', { name: 'Gallery' }).click();
  await page.getByLabel('Search prompts').fill(token);
  await expect(page.getByRole('link', { name: /^Image #\d+:/ })).toHaveCount(2);
  await expect(page.getByRole('link', { name: new RegExp(`^Image #${childId}:`) })).toBeVisible();
  await page.getByLabel('Search prompts').fill(`${token}nothing`);
  await expect(page.getByRole('link', { name: /^Image #\d+:/ })).toHaveCount(0);
});

test('the create form explains bad input and sends nothing', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Prompt', { exact: true }).fill('a red flower in a field');
  await page.getByLabel('Width', { exact: true }).fill('1001');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByText(/multiple of 8/).first()).toBeVisible();
  await expect(page.getByRole('progressbar', { name: 'Generation progress' })).toHaveCount(0);
});

test('a shared image link opens in a fresh browser with no app state', async ({ browser, request }) => {
  const res = await request.post('/api/images/generate', { data: { prompt: 'misty pine forest mountains at dawn', spec: { width: 256, height: 256, steps: 4 } } });
  const [node] = (await res.json()).images;
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(node.url);
  expect(response!.status()).toBe(200);
  expect(response!.headers()['content-type']).toBe('image/png');
  await context.close();
});

test('dark mode and a phone-sized screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/gallery');
  await page.getByRole('button', { name: 'Switch to dark mode' }).click();
  await expect(page.locator('html')).toHaveClass(/dark/);
  await page.reload();
  await expect(page.locator('html')).toHaveClass(/dark/);
  await expect(page.getByLabel('Search prompts')).toBeVisible();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  expect(overflow).toBe(false);
});

test('a model on a real backend: which backend serves it, live previews, and the provider on the image', async ({ page }) => {
  await page.goto('/');
  const model = page.getByLabel('Model', { exact: true });
  await expect(model.locator('option', { hasText: 'FLUX.1 [dev] — comfyui' })).toHaveCount(1);
  await model.selectOption('flux-dev');
  await expect(page.getByText('served by comfyui')).toBeVisible();

  await page.getByLabel('Prompt', { exact: true }).fill('a red flower in a field');
  await page.getByRole('radio', { name: 'Base size 512' }).click();
  await page.getByLabel('Steps', { exact: true }).fill('20');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  // The backend's live preview shows while it runs, then the image itself.
  await expect(page.getByRole('img', { name: 'Live preview from the backend' })).toBeVisible();
  const open = page.getByRole('link', { name: /^Open image #\d+$/ }).first();
  await expect(open).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('img', { name: 'Live preview from the backend' })).toHaveCount(0);
  await open.click();
  await expect(page.getByText('comfyui').first()).toBeVisible();
  await expect(page.getByText('builtin · not AI')).toHaveCount(0);
});
