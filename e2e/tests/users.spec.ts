import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, request as playwrightRequest, test, type Page } from '@playwright/test';

// The account page and the admin's Users page, against the API with accounts on (the second API
// of playwright.config.ts). This file runs after accounts.spec.ts, which needs that API empty for
// its first-run set-up; the admin here is made on the command line. Sign-in attempts are limited
// to 10 per address in 15 minutes for the whole run: this spec makes three.
const authURL = `http://127.0.0.1:${process.env.E2E_AUTH_PORT}`;
test.use({ baseURL: authURL });

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ADMIN = { username: 'e2e-admin', password: 'admin password 1' };
const DANA = { username: 'dana', password: 'dana password 1', changed: 'dana password 2' };

/** `npm run user -w @imageflow/api -- create NAME --admin`, the password on stdin, on the accounts API's data. */
function createAdmin(name: string, password: string) {
  const result = spawnSync('npm', ['run', 'user', '-w', '@imageflow/api', '--', 'create', name, '--admin'], {
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

/** Opens an entry of the account menu in the header. */
async function fromAccountMenu(page: Page, account: string, entry: string) {
  await page.getByRole('button', { name: account }).click();
  await page.getByRole('group', { name: 'Account' }).getByRole('link', { name: entry, exact: true }).click();
}

const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

test('an admin makes an account, its owner changes her password, the admin disables it (she is signed out) and enables it again', async ({ browser }) => {
  test.setTimeout(120_000);
  createAdmin(ADMIN.username, ADMIN.password);
  const adminAccount = `Account: ${ADMIN.username} (admin)`;

  // The admin signs in (1) and looks at the storage their images take: none yet.
  const adminContext = await browser.newContext({ baseURL: authURL });
  const admin = await adminContext.newPage();
  await admin.goto('/');
  await signIn(admin, ADMIN.username, ADMIN.password);
  await expect(admin.getByRole('button', { name: adminAccount })).toBeVisible();
  await fromAccountMenu(admin, adminAccount, 'Account');
  await expect(admin).toHaveURL(/\/account$/);
  await expect(admin.getByRole('heading', { name: 'Account', level: 1 })).toBeVisible();
  const storage = admin.getByRole('region', { name: 'Storage used' });
  await expect(storage.getByRole('definition').first()).toHaveText('0');
  await expect(storage.getByRole('definition').nth(1)).toHaveText('0 B');

  // One image, made with the page's cookie and CSRF token: the storage used counts it.
  const csrf: string = (await (await admin.request.get('/api/auth/me')).json()).csrf_token;
  const made = await admin.request.post('/api/images/generate', {
    data: { prompt: 'a lighthouse on a cliff at sunset', spec: { width: 512, height: 512, steps: 4, seed: 7 } },
    headers: { 'x-csrf-token': csrf },
  });
  expect(made.status(), await made.text()).toBe(201);
  await admin.reload();
  await expect(storage.getByRole('definition').first()).toHaveText('1');
  await expect(storage.getByRole('definition').nth(1)).toHaveText(/^\d+(\.\d)? (B|KB|MB)$/);
  await expect(storage.getByRole('definition').nth(1)).not.toHaveText('0 B');

  // The Users page: the admin's own row offers nothing that would lock them out.
  await fromAccountMenu(admin, adminAccount, 'Users');
  await expect(admin).toHaveURL(/\/users$/);
  const accounts = admin.getByRole('list', { name: 'Accounts' });
  const rowOf = (name: string) => accounts.getByRole('listitem').filter({ has: admin.getByText(name, { exact: true }) });
  await expect(rowOf(ADMIN.username)).toContainText('(you)');
  await expect(rowOf(ADMIN.username).getByRole('button')).toHaveCount(0);

  // A new account for dana.
  await admin.getByRole('button', { name: 'New account' }).click();
  const dialog = admin.getByRole('dialog', { name: 'New account' });
  await dialog.getByLabel('Username').fill(DANA.username);
  await dialog.getByLabel('Password', { exact: true }).fill(DANA.password);
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await expect(dialog).toBeHidden();
  await expect(rowOf(DANA.username)).toContainText('0 images');
  await expect(rowOf(DANA.username)).not.toContainText('admin');

  // Dana signs in (2) in a browser of her own; she has no Users page.
  const danaContext = await browser.newContext({ baseURL: authURL });
  const dana = await danaContext.newPage();
  await dana.goto('/account');
  await expect(dana).toHaveURL(/\/signin\?next=%2Faccount$/);
  await signIn(dana, DANA.username, DANA.password);
  await expect(dana).toHaveURL(/\/account$/);
  await expect(dana.getByText('Signed in as')).toBeVisible();
  await dana.getByRole('button', { name: `Account: ${DANA.username}` }).click();
  await expect(dana.getByRole('group', { name: 'Account' }).getByRole('link', { name: 'Users' })).toHaveCount(0);
  await dana.keyboard.press('Escape');

  // She changes her password: a wrong current one is refused in the form; the right one works, and she stays signed in.
  await dana.getByLabel('Current password').fill('not her password');
  await dana.getByLabel('New password', { exact: true }).fill(DANA.changed);
  await dana.getByLabel('New password again').fill(DANA.changed);
  await dana.getByRole('button', { name: 'Change password' }).click();
  await expect(dana.getByRole('form', { name: 'Change password' }).getByRole('alert')).toHaveText('The current password is wrong.');
  await dana.getByLabel('Current password').fill(DANA.password);
  await dana.getByRole('button', { name: 'Change password' }).click();
  await expect(dana.getByText('Password changed. Your other devices have to sign in again.')).toBeVisible();
  await expect(dana.getByLabel('Current password')).toHaveValue('');
  await dana.reload();
  await expect(dana.getByRole('heading', { name: 'Account', level: 1 })).toBeVisible();

  // A token of hers, for a script: it works while the account does.
  const danaCsrf: string = (await (await dana.request.get('/api/auth/me')).json()).csrf_token;
  const tokenRes = await dana.request.post('/api/tokens', { data: { name: 'dana script' }, headers: { 'x-csrf-token': danaCsrf } });
  expect(tokenRes.status()).toBe(201);
  const token: string = (await tokenRes.json()).token;
  const script = await playwrightRequest.newContext({ baseURL: authURL });
  const scriptStatus = async () => (await script.get('/api/usage', { headers: { authorization: `Bearer ${token}` } })).status();
  expect(await scriptStatus()).toBe(200);

  // The admin disables her account, once confirmed.
  await admin.reload();
  await rowOf(DANA.username).getByRole('button', { name: `Manage “${DANA.username}”` }).click();
  await admin.getByRole('group', { name: `Manage “${DANA.username}”` }).getByRole('button', { name: 'Disable account' }).click();
  const confirm = admin.getByRole('dialog', { name: `Disable “${DANA.username}”?` });
  await expect(confirm).toContainText('signed out everywhere at once');
  await confirm.getByRole('button', { name: 'Disable account' }).click();
  await expect(confirm).toBeHidden();
  await expect(rowOf(DANA.username)).toContainText('Disabled');
  expect(await scriptStatus()).toBe(401);

  // Dana's next request lands on the sign-in page; signing in again (3) says the account is disabled.
  await dana.getByRole('link', { name: 'Gallery' }).click();
  await expect(dana).toHaveURL(/\/signin\?next=%2Fgallery$/);
  await expect(dana.getByText('Your session has ended.')).toBeVisible();
  await signIn(dana, DANA.username, DANA.changed);
  await expect(dana.getByRole('alert')).toHaveText('This account is disabled. Ask an admin of this ImageFlow to enable it again.');
  await expect(dana).toHaveURL(/\/signin\?next=%2Fgallery$/);

  // Enabled again: her token works again (her sign-ins stay ended).
  await rowOf(DANA.username).getByRole('button', { name: `Manage “${DANA.username}”` }).click();
  await admin.getByRole('group', { name: `Manage “${DANA.username}”` }).getByRole('button', { name: 'Enable account' }).click();
  await expect(rowOf(DANA.username)).not.toContainText('Disabled');
  expect(await scriptStatus()).toBe(200);
  await script.dispose();

  // On a phone the rows and their menus fit the screen.
  await admin.setViewportSize({ width: 390, height: 844 });
  await admin.reload();
  await expect(rowOf(DANA.username)).toBeVisible();
  expect(await overflows(admin)).toBe(false);
  await rowOf(DANA.username).getByRole('button', { name: `Manage “${DANA.username}”` }).click();
  await expect(admin.getByRole('group', { name: `Manage “${DANA.username}”` }).getByRole('button', { name: 'Disable account' })).toBeInViewport();
  expect(await overflows(admin)).toBe(false);
  await admin.goto('/account');
  await expect(admin.getByRole('button', { name: 'Change password' })).toBeVisible();
  expect(await overflows(admin)).toBe(false);

  await danaContext.close();
  await adminContext.close();
});
