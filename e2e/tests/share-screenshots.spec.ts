import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { SCREENSHOTS_DIR as out, imagesLoaded } from '../screenshots';

// Screenshots of the share-link screens, desktop and phone, for a person to look at:
//   E2E_SCREENSHOTS=1 node e2e/run.mjs share-screenshots
// Skipped otherwise. PNGs go to test-results/screenshots/.
const authURL = `http://127.0.0.1:${process.env.E2E_AUTH_PORT}`;
test.use({ baseURL: authURL });

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

function createUser(name: string, password: string) {
  const result = spawnSync('npm', ['run', 'user', '-w', '@imageflow/api', '--', 'create', name], {
    cwd: repo,
    input: `${password}\n`,
    encoding: 'utf8',
    env: { ...process.env, IMAGEFLOW_DATA_DIR: process.env.E2E_AUTH_DATA_DIR, IMAGEFLOW_AUTH: 'on', IMAGEFLOW_LOG_LEVEL: 'warn' },
  });
  expect(result.status, `npm run user failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
}

test('share screens, desktop and phone', async ({ browser }) => {
  test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to take the screenshots');
  test.setTimeout(180_000);
  createUser('shots', 'shots password 1');

  const owner = await browser.newContext({ viewport: VIEWPORTS[0], baseURL: authURL, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await owner.newPage();
  await page.goto('/');
  await page.getByLabel('Username').fill('shots');
  await page.getByLabel('Password', { exact: true }).fill('shots password 1');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Account: shots' })).toBeVisible();
  const csrf: string = (await (await page.request.get('/api/auth/me')).json()).csrf_token;
  const post = async (url: string, data: unknown) => {
    const res = await page.request.post(url, { data, headers: { 'x-csrf-token': csrf } });
    expect(res.status(), await res.text()).toBeLessThan(300);
    return res.json();
  };
  const make = async (data: unknown) => (await post('/api/images/generate', data)).images[0];

  const root = await make({ prompt: 'a lighthouse on a cliff at sunset over the ocean', negative_prompt: 'blurry', spec: { width: 768, height: 512, steps: 12, seed: 42 } });
  const v1 = await make({ parent_id: root.id, action_type: 'variation' });
  await make({ parent_id: root.id, action_type: 'variation' });
  await make({ parent_id: v1.id, action_type: 'remix', prompt: 'a lighthouse on a cliff at night, stars, aurora' });
  const single = await post('/api/shares', { node_id: v1.id, scope: 'image', expires_in_days: 7 });
  const branch = await post('/api/shares', { node_id: root.id, scope: 'branch', expires_in_days: 30, show_recipe: true });
  const locked = await post('/api/shares', { node_id: root.id, scope: 'path', expires_in_days: 1, password: 'open sesame', allow_download: false });
  const revoked = await post('/api/shares', { node_id: v1.id, scope: 'image', expires_in_days: null, show_recipe: false });
  await page.request.delete(`/api/shares/${revoked.id}`, { headers: { 'x-csrf-token': csrf } });

  for (const vp of VIEWPORTS) {
    const shot = (p: Page, name: string, fullPage = false) => p.screenshot({ path: path.join(out, `${vp.name}-${name}.png`), fullPage });
    await page.setViewportSize({ width: vp.width, height: vp.height });

    await page.goto(`/image/${root.id}`);
    await page.getByRole('button', { name: 'Share', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Share image #${root.id}` });
    await expect(dialog).toBeVisible();
    await shot(page, 'share-dialog');
    await dialog.getByRole('radio', { name: 'This image and everything made from it' }).check();
    await dialog.getByRole('radio', { name: 'Expires after 7 days' }).check();
    await dialog.getByLabel('Password (optional)').fill('abc');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    await expect(dialog.getByRole('alert')).toBeVisible();
    await shot(page, 'share-dialog-error');
    await dialog.getByLabel('Password (optional)').fill('open sesame');
    await dialog.getByRole('button', { name: 'Create link' }).click();
    await expect(dialog.getByRole('region', { name: 'Link created' })).toBeVisible();
    await shot(page, 'share-created');
    await dialog.getByRole('button', { name: 'Done' }).click();

    await page.goto('/');
    await page.getByLabel('Prompt', { exact: true }).fill('a lighthouse on a cliff at night, stars');
    await page.getByRole('radio', { name: 'Base size 512' }).click();
    await page.getByLabel('Steps', { exact: true }).fill('4');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect(page.getByRole('button', { name: /^Share image #\d+$/ }).first()).toBeVisible();
    await imagesLoaded(page);
    await shot(page, 'create-result');

    await page.goto('/gallery');
    await page.getByRole('link', { name: new RegExp(`^Image #${root.id}:`) }).hover();
    await imagesLoaded(page);
    await shot(page, 'gallery-hover');
    await page.goto('/shares');
    await expect(page.getByRole('list', { name: 'Your shared links' })).toBeVisible();
    await imagesLoaded(page);
    await shot(page, 'shares-page', true);

    const visitor = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, baseURL: authURL });
    const v = await visitor.newPage();
    await v.goto(single.url);
    await expect(v.getByRole('heading', { name: `Image #${v1.id}` })).toBeVisible();
    await imagesLoaded(v);
    await shot(v, 'public-single');
    await shot(v, 'public-single-full', true);
    await v.goto(branch.url);
    await expect(v.locator('[data-lineage-ready]')).toBeVisible();
    await imagesLoaded(v);
    await shot(v, 'public-branch');
    await shot(v, 'public-branch-full', true);
    await v.goto(locked.url);
    await expect(v.getByRole('heading', { name: 'This link is protected' })).toBeVisible();
    await shot(v, 'password');
    await v.getByLabel('Password').fill('wrong');
    await v.getByRole('button', { name: 'Open the link' }).click();
    await expect(v.getByRole('alert')).toBeVisible();
    await shot(v, 'password-wrong');
    await v.goto(revoked.url);
    await expect(v.getByRole('heading', { name: 'This link was turned off' })).toBeVisible();
    await shot(v, 'dead-link');
    await v.goto('/s/not-a-real-key');
    await expect(v.getByRole('heading', { name: 'This link does not work' })).toBeVisible();
    await shot(v, 'dead-link-unknown');
    await visitor.close();
  }
  await owner.close();
});
