import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';

// Files from other tools, through the Import screen, with the recipe they state; their originals
// byte for byte; remixing them; and lineage bundles out and back in. Single-user API.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repo, 'apps/api/test/fixtures/foreign-png');
const A1111 = 'a1111_txt2img_negative_1x1.png';
const COMFYUI = 'comfyui_flux_dev_checkpoint_ksampler.png';

/** To the Import screen within the app: its list of files lives as long as the page. */
const toImport = (page: Page) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Import' }).click();
const row = (page: Page, name: string) => page.getByTestId('import-row').filter({ hasText: name });
const stated = (page: Page, label: string) => page.getByLabel('Recipe as the file states it').locator('dt', { hasText: new RegExp(`^${label}$`) }).locator('xpath=following-sibling::dd[1]');

test('files from AUTOMATIC1111 and ComfyUI: imported with their recipes, remixed, and their originals kept byte for byte', async ({ page }) => {
  await page.goto('/import');
  await page.getByLabel('Image files').setInputFiles([path.join(fixtures, A1111), path.join(fixtures, COMFYUI)]);
  await expect(page.getByRole('heading', { name: '2 files imported' })).toBeVisible({ timeout: 30_000 });

  const a1111 = row(page, A1111);
  await expect(a1111).toHaveAttribute('data-status', /^(new|existing)$/);
  await expect(a1111).toContainText('AUTOMATIC1111');
  await expect(a1111).toContainText('photo of a duck');
  const comfy = row(page, COMFYUI);
  await expect(comfy).toHaveAttribute('data-status', /^(new|existing)$/);
  await expect(comfy).toContainText('ComfyUI');
  await expect(comfy).toContainText('cute anime girl with massive fluffy fennec ears');

  // The AUTOMATIC1111 image: its recipe as the file states it.
  await a1111.getByRole('link', { name: A1111 }).click();
  await expect(page).toHaveURL(/\/image\/\d+$/);
  const a1111Url = page.url();
  await expect(page.getByTestId('made-with')).toContainText('Made with AUTOMATIC1111');
  await expect(page.getByTestId('recipe-prompt')).toHaveText('photo of a duck');
  await expect(page.getByTestId('recipe-negative-prompt')).toHaveText('monochrome');
  await expect(stated(page, 'Model')).toContainText('realistic_realisticVisionV20_v20');
  await expect(stated(page, 'Model')).toContainText('c0d1994c73');
  await expect(stated(page, 'Sampler')).toHaveText('UniPC');
  await expect(stated(page, 'Steps')).toHaveText('15');
  await expect(stated(page, 'CFG scale')).toHaveText('5');
  await expect(stated(page, 'Seed')).toHaveText('235284042');
  await expect(stated(page, 'Size')).toHaveText('512 × 400as stated; the file is 1 × 1');

  // The original, byte for byte, under the name it was uploaded with.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download original (PNG)' }).click()]);
  expect(download.suggestedFilename()).toBe(A1111);
  expect(fs.readFileSync((await download.path())!).equals(fs.readFileSync(path.join(fixtures, A1111)))).toBe(true);

  // Remix: Create with the form filled from the file.
  await page.getByRole('button', { name: 'Remix', exact: true }).click();
  await expect(page).toHaveURL(/\/\?from=\d+$/);
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue('photo of a duck');
  await expect(page.getByLabel('Negative prompt', { exact: true })).toHaveValue('monochrome');
  await expect(page.getByLabel('Width', { exact: true })).toHaveValue('512');
  await expect(page.getByLabel('Height', { exact: true })).toHaveValue('400');
  await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('15');
  await expect(page.getByLabel('Guidance', { exact: true })).toHaveValue('5');
  await expect(page.getByLabel('Sampler', { exact: true })).toHaveValue('uni_pc');
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('235284042');
  await expect(page.getByRole('note', { name: 'From the file' })).toContainText('Model “realistic_realisticVisionV20_v20” is not one of ours');

  // The ComfyUI FLUX image.
  await toImport(page);
  await row(page, COMFYUI).getByRole('link', { name: COMFYUI }).click();
  await expect(page.getByTestId('made-with')).toContainText('Made with ComfyUI');
  await expect(page.getByTestId('recipe-prompt')).toContainText('cute anime girl with massive fluffy fennec ears');
  await expect(stated(page, 'Sampler')).toHaveText('euler · simple');
  await expect(stated(page, 'Steps')).toHaveText('20');
  await expect(stated(page, 'FLUX guidance')).toHaveText('3.5');
  await expect(stated(page, 'Seed')).toHaveText('972054013131368');
  await page.getByText('Everything the file states').click();
  await expect(page.getByText('EmptySD3LatentImage')).toBeVisible();

  const [comfyOriginal] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download original (PNG)' }).click()]);
  expect(fs.readFileSync((await comfyOriginal.path())!).equals(fs.readFileSync(path.join(fixtures, COMFYUI)))).toBe(true);

  await page.getByRole('button', { name: 'Remix', exact: true }).click();
  await expect(page.getByLabel('Prompt', { exact: true })).toHaveValue(/^cute anime girl with massive fluffy fennec ears/);
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('flux-dev');
  await expect(page.getByLabel('Steps', { exact: true })).toHaveValue('20');
  await expect(page.getByLabel('Guidance', { exact: true })).toHaveValue('3.5');
  await expect(page.getByLabel('Sampler', { exact: true })).toHaveValue('euler');
  await expect(page.getByLabel('Seed', { exact: true })).toHaveValue('');
  await expect(page.getByRole('note', { name: 'From the file' })).toContainText('Seed 972054013131368 is beyond the seeds ImageFlow takes');

  // The same file again is the same image.
  await toImport(page);
  await page.getByRole('button', { name: 'Clear finished' }).click();
  await page.getByLabel('Image files').setInputFiles(path.join(fixtures, A1111));
  await expect(row(page, A1111)).toHaveAttribute('data-status', 'existing');
  await expect(row(page, A1111).getByText('Already here')).toBeVisible();
  expect(new URL((await row(page, A1111).getByRole('link', { name: A1111 }).getAttribute('href'))!, page.url()).href).toBe(a1111Url);
});

test('a lineage exported as a bundle and imported back: every node is already here', async ({ page }) => {
  const probe = await page.request.post('/api/bundles', { multipart: {} });
  test.skip(probe.status() === 404, 'POST /api/bundles is not in this API yet');

  const make = async (data: unknown) => {
    const res = await page.request.post('/api/images/generate', { data });
    expect(res.status(), await res.text()).toBeLessThan(300);
    return (await res.json()).images[0] as { id: number };
  };
  const root = await make({ prompt: 'a red fox in a snowy birch forest', spec: { width: 256, height: 256, steps: 4, seed: 3 } });
  await make({ parent_id: root.id, action_type: 'variation' });

  await page.goto(`/image/${root.id}`);
  await page.getByRole('button', { name: 'Export lineage (.zip)' }).click();
  await page.getByRole('radio', { name: /The whole tree/ }).check();
  const [bundle] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download .zip' }).click()]);
  expect(bundle.suggestedFilename()).toMatch(/\.zip$/);
  const saved = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-bundle-')), bundle.suggestedFilename());
  await bundle.saveAs(saved);

  await page.goto('/import');
  await page.getByLabel('Lineage bundle').setInputFiles(saved);
  const result = row(page, bundle.suggestedFilename()).getByTestId('bundle-result');
  await expect(result).toHaveText('Bundle: 2 images, 0 added, 2 already here', { timeout: 30_000 });
  await row(page, bundle.suggestedFilename()).getByRole('link', { name: /Open the tree of #\d+/ }).click();
  await expect(page).toHaveURL(new RegExp(`/lineage/${root.id}`));
  fs.rmSync(path.dirname(saved), { recursive: true, force: true });
});
