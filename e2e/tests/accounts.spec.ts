import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, request as playwrightRequest, test, type Page } from '@playwright/test';

// These run against the second API of playwright.config.ts, started with IMAGEFLOW_AUTH=on on an
// empty data folder; in order, since the first one creates the first account.
const authURL = `http://127.0.0.1:${process.env.E2E_AUTH_PORT}`;
test.use({ baseURL: authURL });
test.describe.configure({ mode: 'serial' });

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `npm run user -w @imageflow/api -- create NAME [--admin]`, the password on stdin, on the accounts API's data. */
function createUser(name: string, password: string, admin: boolean) {
  const result = spawnSync('npm', ['run', 'user', '-w', '@imageflow/api', '--', 'create', name, ...(admin ? ['--admin'] : [])], {
    cwd: repo,
    input: `${password}\n`,
    encoding: 'utf8',
    env: { ...process.env, IMAGEFLOW_DATA_DIR: process.env.E2E_AUTH_DATA_DIR, IMAGEFLOW_AUTH: 'on', IMAGEFLOW_LOG_LEVEL: 'warn' },
  });
  expect(result.status, `npm run user failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
}

async function signIn(page: Page, username: string, password: string) {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('first run: the studio asks for the admin account, then opens', async ({ page }) => {
  await page.goto('/gallery');
  await expect(page).toHaveURL(/\/signin\?next=%2Fgallery$/);
  await expect(page.getByRole('heading', { name: 'Create the admin account' })).toBeVisible();

  await page.getByLabel('Username').fill('root');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Password again').fill('short');
  await page.getByRole('button', { name: 'Create account and sign in' }).click();
  await expect(page.getByText('Use at least 8 characters (this one has 5).')).toBeVisible();

  await page.getByLabel('Password', { exact: true }).fill('root password 1');
  await page.getByLabel('Password again').fill('root password 1');
  await page.getByRole('button', { name: 'Create account and sign in' }).click();
  await expect(page).toHaveURL(/\/gallery$/);
  await expect(page.getByRole('heading', { name: 'Gallery' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Account: root (admin)' })).toBeVisible();

  // Set up once only: a fresh browser now gets the sign-in form.
  const me = await (await page.request.get('/api/auth/me')).json();
  expect(me).toMatchObject({ auth: 'on', setup_needed: false, user: { username: 'root', role: 'admin' } });
});

test('sign in, see the studio, make an API token and use it, revoke it, sign out', async ({ page, context }) => {
  createUser('e2e-alice', 'alice password 1', true);

  await page.goto('/');
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  // The studio is not there behind it.
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);

  await signIn(page, 'e2e-alice', 'not her password');
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  await expect(page).toHaveURL(/\/signin$/);

  await signIn(page, 'e2e-alice', 'alice password 1');
  await expect(page.getByLabel('Prompt', { exact: true })).toBeVisible();
  await expect(page).toHaveURL(`${authURL}/`);
  const account = page.getByRole('button', { name: 'Account: e2e-alice (admin)' });
  await expect(account).toBeVisible();
  await expect(page.getByText('Single-user mode')).toHaveCount(0);

  // A write with the session cookie (it needs the CSRF token): generate an image.
  await page.getByLabel('Prompt', { exact: true }).fill('a lighthouse on a cliff at sunset');
  await page.getByRole('radio', { name: 'Base size 512' }).click();
  await page.getByLabel('Steps', { exact: true }).fill('4');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect(page.getByRole('link', { name: /^Open image #\d+$/ }).first()).toBeVisible();

  // Make a token: shown once, with a copy button.
  await account.click();
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page).toHaveURL(/\/tokens$/);
  await page.getByRole('textbox', { name: 'Name', exact: true }).fill('e2e script');
  await page.getByRole('button', { name: 'Create token' }).click();
  const panel = page.getByRole('region', { name: 'Token “e2e script” created' });
  await expect(panel).toContainText('it will not be shown again');
  const token = await panel.getByLabel('New API token').inputValue();
  expect(token.length).toBeGreaterThan(20);
  await panel.getByRole('button', { name: 'Copy token' }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);

  // A script with the token (no cookie) reaches the API; without it, it does not.
  const script = await playwrightRequest.newContext({ baseURL: authURL });
  expect((await script.get('/api/images', { headers: { authorization: `Bearer ${token}` } })).status()).toBe(200);
  expect((await script.get('/api/images')).status()).toBe(401);

  await panel.getByRole('button', { name: 'Done' }).click();
  await expect(page.getByRole('region', { name: /created/ })).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(token);
  await page.reload();
  const row = page.getByRole('list', { name: 'Your tokens' }).getByRole('listitem').filter({ hasText: 'e2e script' });
  await expect(row).toContainText('Last used');

  // Revoke, once confirmed: the script is refused from then on.
  await row.getByRole('button', { name: 'Revoke token “e2e script”' }).click();
  await page.getByRole('dialog', { name: 'Revoke “e2e script”?' }).getByRole('button', { name: 'Revoke token' }).click();
  await expect(page.getByText('No tokens yet')).toBeVisible();
  expect((await script.get('/api/images', { headers: { authorization: `Bearer ${token}` } })).status()).toBe(401);
  await script.dispose();

  // Sign out: back to the sign-in page, and the studio asks for it again.
  await account.click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/signin$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect((await context.request.get('/api/images')).status()).toBe(401);
  await page.goto('/gallery?q=lighthouse');
  await expect(page).toHaveURL(/\/signin\?next=%2Fgallery%3Fq%3Dlighthouse$/);

  // Signing in again returns to the page asked for.
  await signIn(page, 'e2e-alice', 'alice password 1');
  await expect(page).toHaveURL(/\/gallery\?q=lighthouse$/);
  await expect(page.getByRole('link', { name: /^Image #\d+:/ })).toHaveCount(1);
});

test('the sign-in page and the signed-in header fit a phone', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const overflows = () => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect(await overflows()).toBe(false);
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeInViewport();

  await signIn(page, 'e2e-alice', 'alice password 1');
  const account = page.getByRole('button', { name: 'Account: e2e-alice (admin)' });
  await expect(account).toBeInViewport();
  expect(await overflows()).toBe(false);
  // Nothing in the header is squeezed out of sight (the logo once shrank to nothing here).
  const logo = await page.locator('header img').first().boundingBox();
  expect(logo?.width).toBeGreaterThanOrEqual(27);
  await account.click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeInViewport();
  await context.close();
});
