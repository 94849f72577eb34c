import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { generateOnCreate } from '../created-image';

// Share links, against the API with accounts on (the second API of playwright.config.ts): the owner
// is signed in, the visitor is a fresh browser with no session at all.
const authURL = `http://127.0.0.1:${process.env.E2E_AUTH_PORT}`;
test.use({ baseURL: authURL });

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OWNER = { username: 'e2e-sharer', password: 'sharer password 1' };
const SHARE_PASSWORD = 'open sesame';
/** A word no other test uses, to tell this spec's images apart. */
const word = `osprey${Date.now().toString(36)}`;

/** `npm run user -- create NAME`, the password on stdin, on the accounts API's data. */
function createUser(name: string, password: string) {
  const result = spawnSync('npm', ['run', 'user', '-w', '@imageflow/api', '--', 'create', name], {
    cwd: repo,
    input: `${password}\n`,
    encoding: 'utf8',
    env: { ...process.env, IMAGEFLOW_DATA_DIR: process.env.E2E_AUTH_DATA_DIR, IMAGEFLOW_AUTH: 'on', IMAGEFLOW_LOG_LEVEL: 'warn' },
  });
  expect(result.status, `npm run user failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
}

async function generate(page: Page, prompt: string): Promise<number> {
  await page.goto('/');
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  await page.getByRole('radio', { name: 'Base size 512' }).click();
  await page.getByLabel('Steps', { exact: true }).fill('4');
  return generateOnCreate(page);
}

test('share a branch with a password; a signed-out visitor opens it, sees only it, until it is revoked', async ({ page, browser }) => {
  createUser(OWNER.username, OWNER.password);

  // The owner signs in and makes an image, a variation of it, and an unrelated image.
  await page.goto('/');
  await page.getByLabel('Username').fill(OWNER.username);
  await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('button', { name: `Account: ${OWNER.username}` })).toBeVisible();

  const otherId = await generate(page, `a red barn in a snowy field, ${word}`);
  const parentId = await generate(page, `a lighthouse on a cliff at sunset, ${word}`);
  await page.goto(`/image/${parentId}`);
  await page.getByRole('button', { name: 'Variation', exact: true }).click();
  await expect(page.getByText('Variation ready')).toBeVisible();
  const lineage = await (await page.request.get(`/api/images/${parentId}/lineage`)).json();
  const childId: number = lineage.nodes.find((n: { id: number }) => n.id !== parentId).id;
  const other = await (await page.request.get(`/api/images/${otherId}`)).json();

  // Share the first image as a branch: a day, a password.
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: `Share image #${parentId}` });
  await dialog.getByRole('radio', { name: 'This image and everything made from it' }).check();
  await dialog.getByRole('radio', { name: 'Expires after 1 day' }).check();
  await dialog.getByLabel('Password (optional)').fill(SHARE_PASSWORD);
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const created = dialog.getByRole('region', { name: 'Link created' });
  await expect(created).toContainText('it will not be shown again');
  const link = await created.getByLabel('Share link').inputValue();
  expect(link).toMatch(new RegExp(`^${authURL}/s/[A-Za-z0-9_-]{43}$`));
  await created.getByRole('button', { name: 'Copy link' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(page.locator('body')).not.toContainText(link);
  const key = link.split('/s/')[1]!;

  // A visitor: a fresh browser on a phone, signed out, no cookie of the owner's.
  const visitor = await browser.newContext({ viewport: { width: 390, height: 844 }, baseURL: authURL });
  const seen: string[] = [];
  visitor.on('request', (req) => seen.push(new URL(req.url()).pathname));
  const v = await visitor.newPage();
  await v.goto(link);
  await expect(v.getByRole('heading', { name: 'This link is protected' })).toBeVisible();
  await expect(v).toHaveURL(link);

  await v.getByLabel('Password').fill('not the password');
  await v.getByRole('button', { name: 'Open the link' }).click();
  await expect(v.getByRole('alert')).toHaveText('The password is wrong.');
  await expect(v.getByLabel('Password')).toHaveValue('');

  await v.getByLabel('Password').fill(SHARE_PASSWORD);
  await v.getByRole('button', { name: 'Open the link' }).click();
  await expect(v.getByRole('heading', { name: `Image #${parentId}` })).toBeVisible();
  await expect(v.getByText('Shared branch · 2 versions')).toBeVisible();
  await expect(v.getByText(word).first()).toBeVisible();
  // The tree of the shared set: both images, and the edge between them.
  await expect(v.locator('[data-testid^="lineage-node-"]')).toHaveCount(2);
  await expect(v.getByTestId(`lineage-edge-${parentId}-${childId}`)).toBeAttached();
  const emphasis = (id: number) => v.getByTestId(`lineage-node-${id}`).locator('[data-emphasis]');
  await expect(emphasis(parentId)).toHaveAttribute('data-emphasis', 'selected');
  const big = v.getByRole('img', { name: new RegExp(`^Image #${parentId}:`) });
  await expect(big).toHaveAttribute('src', new RegExp(`^${authURL}/s/${key}/images/`));
  await expect.poll(() => big.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

  // A click on the variation shows it large; the shared image stays marked.
  await v.getByTestId(`lineage-node-${childId}`).click();
  await expect(v.getByRole('heading', { name: `Image #${childId}` })).toBeVisible();
  await expect(emphasis(parentId)).toHaveAttribute('data-emphasis', 'path');
  await expect(emphasis(childId)).toHaveAttribute('data-emphasis', 'selected');
  const childImage = v.getByRole('img', { name: new RegExp(`^Image #${childId}:`) });
  await expect.poll(() => childImage.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
  const childUrl = (await childImage.getAttribute('src'))!;

  // Download, as allowed: an attachment.
  const download = v.getByRole('link', { name: 'Download' });
  expect(await download.getAttribute('href')).toBe(`${childUrl}?download=1`);
  const file = await visitor.request.get(`${childUrl}?download=1`);
  expect(file.status()).toBe(200);
  expect(file.headers()['content-disposition']).toMatch(/^attachment/);
  expect(file.headers()['content-type']).toBe('image/png');

  // The page fits the phone.
  expect(await v.evaluate(() => document.documentElement.scrollWidth > window.innerWidth)).toBe(false);

  // Only the link's own routes were asked: no sign-in check, no gallery, no studio image.
  const apiCalls = seen.filter((p) => p.startsWith('/api/'));
  expect(apiCalls.length).toBeGreaterThan(0);
  expect(apiCalls.filter((p) => !p.startsWith(`/api/s/${key}`))).toEqual([]);
  expect(seen.filter((p) => p.startsWith('/images/') || p.startsWith('/thumbs/'))).toEqual([]);

  // An image outside the shared set, by editing the URL: refused.
  const outside = await v.goto(`/s/${key}/images/${other.filename}`);
  expect(outside!.status()).toBe(404);
  await expect(v.getByRole('heading', { name: 'This link is not available' })).toBeVisible();
  const outsideFetch = await visitor.request.get(`/s/${key}/images/${other.filename}`);
  expect(outsideFetch.status()).toBe(404);
  expect(await outsideFetch.json()).toMatchObject({ error: { code: 'not_found' } });
  expect((await visitor.request.get(`/s/${key}/thumbs/${other.filename.replace(/\.png$/, '.webp')}`)).status()).toBe(404);
  // Without the password's cookie the set itself is closed too.
  const stranger = await browser.newContext({ baseURL: authURL });
  expect((await stranger.request.get(childUrl)).status()).toBe(401);
  await stranger.close();

  // The owner sees the link in Shared links, and revokes it.
  await page.getByRole('button', { name: `Account: ${OWNER.username}` }).click();
  await page.getByRole('link', { name: 'Shared links' }).click();
  await expect(page).toHaveURL(/\/shares$/);
  const row = page.getByRole('list', { name: 'Your shared links' }).getByRole('listitem').filter({ has: page.getByRole('link', { name: `Image #${parentId}` }) });
  await expect(row).toContainText('Branch');
  await expect(row).toContainText('Live');
  const fact = (label: string) => row.locator('dl > div').filter({ has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
  await expect(fact('Password')).toHaveText('Yes');
  await expect(fact('Views')).toHaveText('1');
  await row.getByRole('button', { name: `Revoke the link to image #${parentId}` }).click();
  await page.getByRole('dialog', { name: `Revoke the link to image #${parentId}?` }).getByRole('button', { name: 'Revoke link' }).click();
  await expect(row.getByText('Revoked', { exact: true }).first()).toBeVisible();
  await expect(row.getByRole('button', { name: /Revoke/ })).toHaveCount(0);

  // The visitor, back on the link: a dead link, said plainly; its files are gone too.
  await v.goto(link);
  await expect(v.getByRole('heading', { name: 'This link was turned off' })).toBeVisible();
  await expect(v.getByText(/its owner can make a new one/)).toBeVisible();
  expect((await visitor.request.get(childUrl)).status()).toBe(410);
  await visitor.close();
});
