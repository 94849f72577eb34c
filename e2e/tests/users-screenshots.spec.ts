import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { SCREENSHOTS_DIR as out } from '../screenshots';

// Screenshots of the account page and the Users page, light and dark, desktop and phone, for a
// person to look at:
//   E2E_SCREENSHOTS=1 node e2e/run.mjs users-screenshots
// Skipped otherwise. PNGs go to test-results/screenshots/. Run it alone: it signs in twice, and
// the whole run has 10 sign-ins per 15 minutes.
const authURL = `http://127.0.0.1:${process.env.E2E_AUTH_PORT}`;
const singleUserURL = `http://127.0.0.1:${process.env.E2E_PORT ?? 8765}`;
test.use({ baseURL: authURL });

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;
const THEMES = ['light', 'dark'] as const;

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
  await page.goto('/signin');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('button', { name: new RegExp(`^Account: ${username}`) })).toBeVisible();
}

async function setTheme(page: Page, theme: 'light' | 'dark') {
  await page.evaluate((t) => localStorage.setItem('imageflow-theme', t), theme);
}

const overflows = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

test('account and users screens, light and dark, desktop and phone', async ({ browser }) => {
  test.skip(!process.env.E2E_SCREENSHOTS, 'set E2E_SCREENSHOTS=1 to take the screenshots');
  test.setTimeout(300_000);
  createUser('margaret', 'margaret password 1', true);
  createUser('theodore-longname.photography', 'theo password 1', false);

  const context = await browser.newContext({ viewport: VIEWPORTS[0] });
  const page = await context.newPage();
  await signIn(page, 'margaret', 'margaret password 1');
  const csrf: string = (await (await page.request.get('/api/auth/me')).json()).csrf_token;
  const send = async (method: 'post' | 'patch', url: string, data: unknown) => {
    const res = await page.request[method](url, { data, headers: { 'x-csrf-token': csrf } });
    expect(res.status(), await res.text()).toBeLessThan(300);
    return res.json();
  };
  // A few images of the admin's, and a few more accounts, one of them disabled.
  for (const [i, prompt] of ['a lighthouse on a cliff at sunset', 'a red fox in a snowy birch forest', 'neon city street at night in the rain'].entries()) {
    await send('post', '/api/images/generate', { prompt, spec: { width: 768, height: 512, steps: 8, seed: 10 + i } });
  }
  await send('post', '/api/admin/users', { username: 'dana', password: 'dana password 1' });
  await send('post', '/api/admin/users', { username: 'eve', password: 'eve password 1', role: 'admin' });
  const users = (await (await page.request.get('/api/admin/users')).json()).items as Array<{ id: string; username: string }>;
  await send('patch', `/api/admin/users/${users.find((u) => u.username === 'dana')!.id}`, { disabled: true });

  for (const theme of THEMES) {
    for (const vp of VIEWPORTS) {
      const shot = (name: string, fullPage = false) => page.screenshot({ path: path.join(out, `${vp.name}-${theme}-${name}.png`), fullPage });
      await page.setViewportSize({ width: vp.width, height: vp.height });
      await setTheme(page, theme);

      await page.goto('/account');
      await expect(page.getByRole('region', { name: 'Storage used' }).getByRole('definition').first()).toHaveText('3');
      expect(await overflows(page)).toBe(false);
      await shot('account', true);
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByText('Enter your current password.')).toBeVisible();
      await page.getByLabel('Current password').fill('wrong password');
      await page.getByLabel('New password', { exact: true }).fill('a new password');
      await page.getByLabel('New password again').fill('a new password');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect(page.getByRole('form', { name: 'Change password' }).getByRole('alert')).toBeVisible();
      await page.getByRole('form', { name: 'Change password' }).scrollIntoViewIfNeeded();
      await shot('account-password-error');
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await expect(page.getByRole('dialog', { name: 'Sign out everywhere?' })).toBeVisible();
      await shot('account-sign-out-everywhere');
      await page.keyboard.press('Escape');

      await page.goto('/users');
      const list = page.getByRole('list', { name: 'Accounts' });
      await expect(list.getByRole('listitem')).toHaveCount(4);
      expect(await overflows(page)).toBe(false);
      await shot('users', true);
      const row = (name: string) => list.getByRole('listitem').filter({ has: page.getByText(name, { exact: true }) });
      await row('dana').getByRole('button', { name: 'Manage “dana”' }).click();
      await expect(page.getByRole('group', { name: 'Manage “dana”' })).toBeVisible();
      expect(await overflows(page)).toBe(false);
      await shot('users-menu');
      await page.keyboard.press('Escape');

      await page.getByRole('button', { name: 'New account' }).click();
      const dialog = page.getByRole('dialog', { name: 'New account' });
      await dialog.getByLabel('Username').fill('dana');
      await dialog.getByLabel('Password', { exact: true }).fill('short');
      await dialog.getByRole('button', { name: 'Create account' }).click();
      await expect(dialog.getByText('Use at least 8 characters (this one has 5).')).toBeVisible();
      await dialog.getByLabel('Password', { exact: true }).fill('a good password');
      await dialog.getByRole('button', { name: 'Create account' }).click();
      await expect(dialog.getByText('The username "dana" is taken.')).toBeVisible();
      // Not hovering the button just clicked.
      await page.mouse.move(1, 1);
      await shot('users-new-account');
      await page.keyboard.press('Escape');

      await row('theodore-longname.photography').getByRole('button', { name: 'Manage “theodore-longname.photography”' }).click();
      await page.getByRole('button', { name: 'Disable account' }).click();
      await expect(page.getByRole('dialog', { name: /^Disable/ })).toBeVisible();
      await shot('users-disable');
      await page.keyboard.press('Escape');

      await row('eve').getByRole('button', { name: 'Manage “eve”' }).click();
      await page.getByRole('button', { name: 'Set new password' }).click();
      await expect(page.getByRole('dialog', { name: 'New password for “eve”' })).toBeVisible();
      await shot('users-set-password');
      await page.keyboard.press('Escape');

      await page.getByRole('button', { name: 'Account: margaret (admin)' }).click();
      await expect(page.getByRole('group', { name: 'Account' })).toBeVisible();
      await shot('account-menu');
      await page.keyboard.press('Escape');
    }
  }
  await context.close();

  // Someone who is not an admin, on the Users page.
  const other = await browser.newContext({ viewport: VIEWPORTS[0] });
  const theo = await other.newPage();
  await signIn(theo, 'theodore-longname.photography', 'theo password 1');
  for (const vp of VIEWPORTS) {
    await theo.setViewportSize({ width: vp.width, height: vp.height });
    await theo.goto('/users');
    await expect(theo.getByRole('heading', { name: 'Only admins manage accounts' })).toBeVisible();
    await theo.screenshot({ path: path.join(out, `${vp.name}-light-users-not-admin.png`) });
    await theo.goto('/account');
    await expect(theo.getByRole('heading', { name: 'Account', level: 1 })).toBeVisible();
    expect(await overflows(theo)).toBe(false);
    await theo.screenshot({ path: path.join(out, `${vp.name}-light-account-user.png`), fullPage: true });
  }
  await other.close();

  // Single-user mode: the storage used, reached from the note in the header.
  const solo = await browser.newContext({ viewport: VIEWPORTS[0], baseURL: singleUserURL });
  const laptop = await solo.newPage();
  for (const theme of THEMES) {
    for (const vp of VIEWPORTS) {
      await laptop.setViewportSize({ width: vp.width, height: vp.height });
      await laptop.goto('/gallery');
      await setTheme(laptop, theme);
      await laptop.reload();
      await laptop.getByRole('button', { name: 'Single-user mode' }).click();
      await expect(laptop.getByRole('note', { name: 'Single-user mode' })).toBeVisible();
      await laptop.screenshot({ path: path.join(out, `${vp.name}-${theme}-single-user-note.png`) });
      await laptop.getByRole('note', { name: 'Single-user mode' }).getByRole('link', { name: 'Storage used' }).click();
      await expect(laptop.getByRole('heading', { name: 'Storage used', level: 1 })).toBeVisible();
      await expect(laptop.getByRole('definition').first()).not.toHaveText('');
      expect(await overflows(laptop)).toBe(false);
      await laptop.screenshot({ path: path.join(out, `${vp.name}-${theme}-single-user-storage.png`), fullPage: true });
      await laptop.goto('/users');
      await expect(laptop.getByRole('heading', { name: 'No accounts in single-user mode' })).toBeVisible();
      await laptop.screenshot({ path: path.join(out, `${vp.name}-${theme}-single-user-users.png`) });
    }
  }
  await solo.close();
});
