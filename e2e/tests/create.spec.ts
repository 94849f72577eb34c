import sharp from 'sharp';
import { expect, test, type Locator, type Page } from '@playwright/test';

// The Create screen for daily use: share straight from a result, an invalid field brought into
// view clear of the Generate bar, a bar that is never see-through, the prompt history, presets,
// the last settings kept across reloads, and an image without a prompt offering a remix.
// Single-user API.

/** A word no other test uses, so searches find exactly this file's prompts. */
const token = `osprey${Date.now().toString(36)}`;

const field = (page: Page, label: string) => page.getByLabel(label, { exact: true });

/** Generates from the form as it stands and waits for the new images; returns the id of the first. */
async function generate(page: Page, prompt: string): Promise<number> {
  await field(page, 'Prompt').fill(prompt);
  const first = page.getByRole('link', { name: /^Open image #\d+$/ }).first();
  const href = async () => ((await first.count()) > 0 ? first.getAttribute('href') : null);
  const before = await href();
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  await expect.poll(href, { timeout: 30_000 }).not.toBe(before);
  await expect(page.getByRole('button', { name: 'Generate', exact: true })).toBeEnabled();
  return Number((await href())!.match(/\/image\/(\d+)/)![1]);
}

async function smallAndQuick(page: Page) {
  await page.getByRole('radio', { name: 'Base size 512' }).click();
  await field(page, 'Steps').fill('4');
}

/** Whether a computed CSS colour is fully opaque ("rgb(…)", "oklch(…)"; not "… / 0.5", "rgba(…, 0.5)" or transparent). */
function opaque(color: string): boolean {
  if (color === 'transparent') return false;
  const rgba = color.match(/^rgba\(.*,\s*([\d.]+)\)$/);
  if (rgba) return Number(rgba[1]) === 1;
  const slash = color.match(/\/\s*([\d.]+)(%?)\s*\)$/);
  if (slash) return Number(slash[1]) === (slash[2] ? 100 : 1);
  return true;
}

/** What is drawn on top at the centre of `locator`: is it the element itself (or inside it)? */
async function onTop(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && (hit === el || el.contains(hit));
  });
}

async function inViewport(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
  });
}

test('share a result straight from Create', async ({ page, request }) => {
  await page.goto('/');
  await smallAndQuick(page);
  const id = await generate(page, `a kestrel over a meadow, ${token}`);
  await page.getByRole('button', { name: `Share image #${id}` }).click();
  const dialog = page.getByRole('dialog', { name: `Share image #${id}` });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Create link' }).click();
  const link = await dialog.getByRole('region', { name: 'Link created' }).getByLabel('Share link').inputValue();
  expect(link).toMatch(/^https?:\/\/[^/]+\/s\/[\w-]+$/);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toBeHidden();
  const shared = await request.get(new URL(link).pathname);
  expect(shared.status()).toBe(200);
});

for (const viewport of [
  { name: 'desktop', width: 1280, height: 720 },
  { name: 'phone', width: 360, height: 740 },
]) {
  test(`an invalid width is brought into view with its message, clear of the Generate bar (${viewport.name})`, async ({ page }) => {
    await page.setViewportSize(viewport);
    await page.goto('/');
    await field(page, 'Prompt').fill('a red flower in a field');
    const width = field(page, 'Width');
    await width.fill('13');
    // Back to the top, as after writing the prompt: the width is far below, under the bar or off screen.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('button', { name: 'Generate', exact: true }).click();

    await expect(width).toBeFocused();
    const message = page.getByText('Width must be between 64 and 2048 pixels.');
    await expect(message).toBeVisible();
    // Once the scroll has settled: the field, its label and its message are on screen and nothing covers them.
    await expect.poll(() => inViewport(width)).toBe(true);
    await expect.poll(async () => (await onTop(width)) && (await onTop(message)) && (await onTop(page.locator('label[for="width"]')))).toBe(true);
    await expect.poll(() => inViewport(message)).toBe(true);
    const bar = await page.getByTestId('generate-bar').boundingBox();
    const box = await message.boundingBox();
    expect(box!.y + box!.height).toBeLessThanOrEqual(bar!.y);
  });
}

test('the Generate bar is opaque while a run is going, light and dark', async ({ page }) => {
  // The run's events never arrive: the run stays in progress and the bar busy for as long as the test looks.
  await page.route('**/api/generations/*/events', () => {});
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto('/');
    await expect(page.locator('html')).toHaveClass(scheme === 'dark' ? /dark/ : /^(?!.*dark)/);
    await smallAndQuick(page);
    await field(page, 'Prompt').fill('a lighthouse at night');
    const button = page.getByRole('button', { name: 'Generate', exact: true });
    await button.click();
    await expect(button).toBeDisabled();
    const styles = await button.evaluate((el) => {
      const out: { opacity: string; background: string }[] = [];
      // The button and everything up to the bar: none may let what is under it show through.
      for (let node: Element | null = el; node && node.getAttribute('data-testid') !== 'generate-bar'; node = node.parentElement) {
        const s = getComputedStyle(node);
        out.push({ opacity: s.opacity, background: s.backgroundColor });
      }
      const bar = el.closest('[data-testid="generate-bar"]')!;
      return { chain: out, bar: getComputedStyle(bar).backgroundColor, barOpacity: getComputedStyle(bar).opacity, button: getComputedStyle(el).backgroundColor };
    });
    for (const s of styles.chain) expect(s.opacity).toBe('1');
    expect(opaque(styles.button), `button background ${styles.button} (${scheme})`).toBe(true);
    expect(opaque(styles.bar), `bar background ${styles.bar} (${scheme})`).toBe(true);
    expect(styles.barOpacity).toBe('1');
  }
});

test('prompt history: the prompts used in this browser, searchable, and those of my images from any browser', async ({ page, browser, baseURL }) => {
  await page.goto('/');
  await smallAndQuick(page);
  await generate(page, `a heron in the reeds at dawn, ${token}`);
  await generate(page, `a fox in the snow, ${token}`);

  await page.reload();
  await expect(field(page, 'Prompt')).toHaveValue('');
  await page.getByRole('button', { name: 'History', exact: true }).click();
  const panel = page.getByRole('dialog', { name: 'Prompt history' });
  const local = panel.getByRole('region', { name: 'Used in this browser' });
  await expect(local.getByRole('button', { name: new RegExp(`^a fox in the snow, ${token}`) })).toBeVisible();
  await panel.getByRole('searchbox', { name: 'Search prompts' }).fill(`heron ${token}`);
  await expect(local.getByRole('button', { name: /^a / })).toHaveCount(1);
  await local.getByRole('button', { name: new RegExp(`^a heron in the reeds at dawn, ${token}`) }).click();
  await expect(panel).toBeHidden();
  await expect(field(page, 'Prompt')).toHaveValue(`a heron in the reeds at dawn, ${token}`);
  await expect(field(page, 'Prompt')).toBeFocused();

  // Another browser has no history of its own, but finds the prompts of my stored images.
  const other = await browser.newContext({ baseURL });
  const fresh = await other.newPage();
  await fresh.goto('/');
  await fresh.getByRole('button', { name: 'History', exact: true }).click();
  const freshPanel = fresh.getByRole('dialog', { name: 'Prompt history' });
  await expect(freshPanel.getByRole('region', { name: 'Used in this browser' })).toHaveCount(0);
  await freshPanel.getByRole('searchbox', { name: 'Search prompts' }).fill(`fox ${token}`);
  const found = freshPanel.getByRole('region', { name: 'In your images' });
  await expect(found.getByRole('button', { name: new RegExp(`^a fox in the snow, ${token}`) })).toHaveCount(1);
  await fresh.keyboard.press('Escape');
  await expect(freshPanel).toBeHidden();
  await other.close();
});

test('a preset saved, applied after a reload, renamed and deleted', async ({ page }) => {
  await page.goto('/');
  await field(page, 'Model').selectOption('flux-schnell');
  await page.getByRole('radio', { name: 'Aspect ratio 3:4' }).click();
  await page.getByRole('radio', { name: 'Base size 768' }).click();
  await field(page, 'Steps').fill('6');
  await field(page, 'Sampler').selectOption('dpmpp_2m_karras');
  await page.getByRole('radio', { name: '2 images' }).click();
  const size = { width: await field(page, 'Width').inputValue(), height: await field(page, 'Height').inputValue() };

  await page.getByRole('button', { name: 'Presets', exact: true }).click();
  const panel = page.getByRole('dialog', { name: 'Presets' });
  await panel.getByLabel('Save the current settings as').fill('Tall drafts');
  await panel.getByRole('button', { name: 'Save', exact: true }).click();
  const preset = panel.getByRole('button', { name: 'Apply preset “Tall drafts”' });
  await expect(preset).toContainText(`FLUX.1 [schnell] · ${size.width} × ${size.height} · 6 steps · guidance 0 · DPM++ 2M Karras · 2 images`);
  await page.keyboard.press('Escape');

  // Other settings, a reload, then the preset.
  await field(page, 'Model').selectOption('sdxl');
  await page.getByRole('radio', { name: 'Aspect ratio 1:1' }).click();
  await field(page, 'Steps').fill('30');
  await page.getByRole('radio', { name: '1 image' }).click();
  await page.reload();
  await page.getByRole('button', { name: 'Presets, 1 saved' }).click();
  await page.getByRole('button', { name: 'Apply preset “Tall drafts”' }).click();
  await expect(field(page, 'Model')).toHaveValue('flux-schnell');
  await expect(field(page, 'Width')).toHaveValue(size.width);
  await expect(field(page, 'Height')).toHaveValue(size.height);
  await expect(field(page, 'Steps')).toHaveValue('6');
  await expect(field(page, 'Sampler')).toHaveValue('dpmpp_2m_karras');
  await expect(page.getByRole('radio', { name: '2 images' })).toBeChecked();

  await page.getByRole('button', { name: 'Presets, 1 saved' }).click();
  await panel.getByRole('button', { name: 'Rename preset “Tall drafts”' }).click();
  await panel.getByRole('textbox', { name: 'New name for preset “Tall drafts”' }).fill('Portrait drafts');
  await page.keyboard.press('Enter');
  await expect(panel.getByRole('button', { name: 'Apply preset “Portrait drafts”' })).toBeVisible();
  await panel.getByRole('button', { name: 'Delete preset “Portrait drafts”' }).click();
  await expect(panel.getByText(/No presets yet/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Presets', exact: true })).toBeVisible();
  // Deleted by mistake: the notice has an Undo.
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.getByRole('button', { name: 'Presets, 1 saved' }).click();
  await expect(panel.getByRole('button', { name: 'Apply preset “Portrait drafts”' })).toBeVisible();
});

test('the last settings are kept across a reload, the seed only when locked', async ({ page }) => {
  await page.goto('/');
  await field(page, 'Model').selectOption('flux-schnell');
  await page.getByRole('radio', { name: 'Aspect ratio 16:9' }).click();
  await page.getByRole('radio', { name: 'Base size 512' }).click();
  await field(page, 'Steps').fill('5');
  await field(page, 'Guidance').fill('2.5');
  await field(page, 'Sampler').selectOption('ddim');
  await page.getByRole('radio', { name: '2 images' }).click();
  const size = { width: await field(page, 'Width').inputValue(), height: await field(page, 'Height').inputValue() };
  await generate(page, `a tern over the waves, ${token}`);
  const seed = await field(page, 'Seed').inputValue();
  expect(seed).toMatch(/^\d+$/);

  await page.reload();
  await expect(field(page, 'Model')).toHaveValue('flux-schnell');
  await expect(field(page, 'Width')).toHaveValue(size.width);
  await expect(field(page, 'Height')).toHaveValue(size.height);
  await expect(field(page, 'Steps')).toHaveValue('5');
  await expect(field(page, 'Guidance')).toHaveValue('2.5');
  await expect(field(page, 'Sampler')).toHaveValue('ddim');
  await expect(page.getByRole('radio', { name: '2 images' })).toBeChecked();
  // An unlocked seed was drawn for that run only.
  await expect(field(page, 'Seed')).toHaveValue('');
  await expect(page.getByRole('button', { name: 'Lock' })).toHaveAttribute('aria-pressed', 'false');

  await field(page, 'Seed').fill('777');
  await generate(page, `a tern over the waves, ${token}`);
  await page.reload();
  await expect(field(page, 'Seed')).toHaveValue('777');
  await expect(page.getByRole('button', { name: 'Lock' })).toHaveAttribute('aria-pressed', 'true');
});

test('an image without a prompt offers a remix with a prompt, and the remix branches from it', async ({ page }) => {
  const png = await sharp({ create: { width: 96, height: 64, channels: 3, background: { r: Date.now() % 256, g: 90, b: 160 } } }).png().toBuffer();
  const upload = await page.request.post('/api/images/upload', { multipart: { file: { name: `plain-${token}.png`, mimeType: 'image/png', buffer: png } } });
  expect(upload.status()).toBeLessThan(300);
  const node = await upload.json();
  expect(node.prompt).toBe('');

  await page.goto(`/image/${node.id}`);
  const actions = page.getByRole('group', { name: 'New version from this image' });
  await expect(actions.getByRole('button', { name: 'Remix with a prompt' })).toBeVisible();
  await expect(actions.getByRole('button', { name: 'Variation', exact: true })).toHaveCount(0);
  await expect(page.getByText('No prompt came with this image')).toBeVisible();

  await actions.getByRole('button', { name: 'Remix with a prompt' }).click();
  await expect(page).toHaveURL(new RegExp(`/\\?from=${node.id}$`));
  await expect(page.getByText('It came without a prompt: write one below')).toBeVisible();
  await expect(field(page, 'Prompt')).toBeFocused();
  await smallAndQuick(page);
  const child = await generate(page, `a watercolour wash in blue, ${token}`);
  const made = await (await page.request.get(`/api/images/${child}`)).json();
  expect(made).toMatchObject({ parent_id: node.id, action_type: 'remix', prompt: `a watercolour wash in blue, ${token}` });
});
