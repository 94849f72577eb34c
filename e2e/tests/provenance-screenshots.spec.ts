import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { SCREENSHOTS_DIR as out, imagesLoaded } from '../screenshots';

// Screenshots of imported images and the Import screen, light and dark, desktop and phone, for a
// person to look at:
//   E2E_SCREENSHOTS=1 node e2e/run.mjs provenance-screenshots
// Skipped otherwise. PNGs go to test-results/screenshots/. Runs on the single-user API.
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repo, 'apps/api/test/fixtures/foreign-png');
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** An ImageFlow PNG with its `imageflow` text chunk changed by `edit`: another file, the same pixels. */
function withEmbeddedRecipe(png: Buffer, edit: (recipe: Record<string, unknown>) => void): Buffer {
  const parts: Buffer[] = [png.subarray(0, 8)];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    const end = at + 12 + length;
    const nul = data.indexOf(0);
    if (type === 'tEXt' && data.toString('latin1', 0, nul) === 'imageflow') {
      const recipe = JSON.parse(data.toString('latin1', nul + 1)) as Record<string, unknown>;
      edit(recipe);
      const body = Buffer.concat([Buffer.from('imageflow\0', 'latin1'), Buffer.from(JSON.stringify(recipe), 'latin1')]);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(body.length, 0);
      head.write('tEXt', 4, 'latin1');
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), body])) >>> 0, 0);
      parts.push(head, body, crc);
    } else {
      parts.push(png.subarray(at, end));
    }
    at = end;
  }
  return Buffer.concat(parts);
}

test('imported images and the Import screen, light and dark, desktop and phone', async ({ browser }) => {
  test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to take the screenshots');
  test.setTimeout(300_000);

  const context = await browser.newContext({ viewport: VIEWPORTS[0] });
  const page = await context.newPage();
  const upload = async (file: string) => {
    const res = await page.request.post('/api/images/upload', { multipart: { file: { name: path.basename(file), mimeType: 'image/png', buffer: fs.readFileSync(file) } } });
    expect(res.status(), await res.text()).toBeLessThan(300);
    return (await res.json()) as { id: number };
  };
  const make = async (data: unknown) => {
    const res = await page.request.post('/api/images/generate', { data });
    expect(res.status(), await res.text()).toBeLessThan(300);
    return (await res.json()).images[0] as { id: number; url: string };
  };

  // Already here before the import: the duck, and a small tree to bundle.
  await upload(path.join(fixtures, 'a1111_txt2img_negative_1x1.png'));
  const comfy = await upload(path.join(fixtures, 'comfyui_flux_dev_checkpoint_ksampler.png'));
  const forge = await upload(path.join(fixtures, 'forge_neo_hires_fix.png'));
  const root = await make({ prompt: 'a lighthouse on a cliff at sunset over the ocean', spec: { width: 512, height: 384, steps: 8, seed: 42 } });
  const child = await make({ parent_id: root.id, action_type: 'variation' });

  // Files made for the import: an ImageFlow PNG whose parent is here (attaches), one whose parent
  // is not (waits), a file that is no image (refused), and a folder with a note in it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-shots-'));
  const childPng = Buffer.from(await (await page.request.get(child.url)).body());
  let copies = 0;
  /** Each pass imports new copies: one attaches under its parent (here), one waits for a parent that is not. */
  const craft = () => {
    copies++;
    fs.writeFileSync(path.join(dir, 'lighthouse-variation.png'), withEmbeddedRecipe(childPng, (r) => (r.node_id = 9000 + copies)));
    fs.writeFileSync(
      path.join(dir, 'lighthouse-from-laptop.png'),
      withEmbeddedRecipe(childPng, (r) => {
        r.node_id = 9100 + copies;
        r.parent_sha256 = crypto.randomBytes(32).toString('hex');
      }),
    );
  };
  fs.writeFileSync(path.join(dir, 'prompts.txt'), 'a lighthouse on a cliff\n');
  const folder = path.join(dir, 'renders');
  fs.mkdirSync(folder);
  fs.copyFileSync(path.join(fixtures, 'sdnext_txt2img.png'), path.join(folder, 'sdnext_txt2img.png'));
  fs.copyFileSync(path.join(fixtures, 'invokeai_v3_metadata_1x1.png'), path.join(folder, 'invokeai_v3_metadata_1x1.png'));
  fs.writeFileSync(path.join(folder, 'settings.json'), '{}');
  const bundle = await page.request.get(`/api/images/${root.id}/bundle?scope=tree`);
  expect(bundle.status()).toBe(200);
  fs.writeFileSync(path.join(dir, 'lighthouse-lineage.zip'), await bundle.body());

  for (const theme of ['light', 'dark'] as const) {
    for (const vp of VIEWPORTS) {
      const shot = (name: string, fullPage = false) => page.screenshot({ path: path.join(out, `${vp.name}-${theme}-${name}.png`), fullPage });
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await page.goto('/import');
      await page.evaluate((t) => localStorage.setItem('imageflow-theme', t), theme);
      await page.reload();
      await expect(page.locator('html')).toHaveClass(theme === 'dark' ? /dark/ : /^(?!.*dark)/);
      await shot('import-empty');
      craft();

      await page.getByLabel('Image files').setInputFiles([
        path.join(fixtures, 'a1111_txt2img_negative_1x1.png'),
        path.join(fixtures, 'fooocus_v2.4.3_1x1.png'),
        path.join(dir, 'lighthouse-variation.png'),
        path.join(dir, 'lighthouse-from-laptop.png'),
        path.join(dir, 'prompts.txt'),
      ]);
      await page.getByLabel('Lineage bundle').setInputFiles(path.join(dir, 'lighthouse-lineage.zip'));
      await page.getByLabel('Folder of images').setInputFiles(folder);
      await expect(page.getByRole('heading', { name: /^\d+ files imported$/ })).toBeVisible({ timeout: 60_000 });
      await imagesLoaded(page);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await shot('import-results');
      await shot('import-results-full', true);

      await page.goto(`/image/${comfy.id}`);
      await expect(page.getByTestId('made-with')).toBeVisible();
      await imagesLoaded(page);
      await shot('image-comfyui');
      await page.getByText('Everything the file states').click();
      await shot('image-comfyui-full', true);

      await page.goto(`/image/${forge.id}`);
      await expect(page.getByTestId('made-with')).toBeVisible();
      await imagesLoaded(page);
      await shot('image-forge-full', true);
      await page.getByRole('button', { name: 'Export lineage (.zip)' }).click();
      await expect(page.getByRole('group', { name: 'Export lineage' })).toBeVisible();
      await page.getByRole('group', { name: 'Export lineage' }).scrollIntoViewIfNeeded();
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      await shot('image-export');
      await page.keyboard.press('Escape');

      // An ImageFlow PNG waiting for its parent.
      await page.goto('/import');
      await page.getByLabel('Image files').setInputFiles(path.join(dir, 'lighthouse-from-laptop.png'));
      const waiting = page.getByTestId('import-row').filter({ hasText: 'lighthouse-from-laptop.png' }).last();
      await waiting.getByRole('link', { name: 'lighthouse-from-laptop.png' }).click();
      await expect(page.getByTestId('imported-from')).toBeVisible();
      await imagesLoaded(page);
      await shot('image-waiting-full', true);

      await page.goto(`/?from=${comfy.id}`);
      await expect(page.getByRole('note', { name: 'From the file' })).toBeVisible();
      await imagesLoaded(page);
      await shot('create-from-comfyui');

      await page.goto(`/lineage/${root.id}`);
      await expect(page.getByRole('link', { name: 'Export lineage (.zip)' })).toBeVisible();
      await shot('lineage-export');
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  await context.close();
});
