import { expect, test, type Page } from '@playwright/test';
import { generateOnCreate } from '../created-image';

// The trash, against the single-user API: move to the trash (and undo), gone from the gallery,
// listed in Trash, restored, back in the gallery; then moved again and deleted forever, and its
// link is dead.

/** A word no other test uses, so the gallery search finds exactly this test's image. */
const word = `heron${Date.now().toString(36)}`;

async function generate(page: Page, prompt: string): Promise<number> {
  await page.goto('/');
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  await page.getByRole('radio', { name: 'Base size 512' }).click();
  await page.getByLabel('Steps', { exact: true }).fill('4');
  return generateOnCreate(page);
}

async function searchGallery(page: Page, text: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Gallery' }).click();
  await expect(page).toHaveURL(/\/gallery/);
  await page.getByLabel('Search prompts').fill(text);
  await expect(page).toHaveURL(new RegExp(`q=${text}`));
}

test('move to the trash, undo, restore from Trash, then delete forever: the link dies', async ({ page }) => {
  const id = await generate(page, `a grey heron in a misty marsh at dawn, ${word}`);
  const node = await (await page.request.get(`/api/images/${id}`)).json();
  const fileUrl: string = node.url;
  expect((await page.request.get(fileUrl)).status()).toBe(200);

  // Move to the trash, from the image page: no confirmation, a toast with Undo, and the banner.
  await page.goto(`/image/${id}`);
  await page.getByRole('button', { name: 'Move to trash' }).click();
  const banner = page.getByRole('region', { name: /^In the trash/ });
  await expect(banner).toContainText(/In the trash — purged on \w+/);
  await expect(page.getByRole('button', { name: 'Variation', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Share', exact: true })).toHaveCount(0);
  const toastUndo = page.getByRole('button', { name: 'Undo' });
  await expect(page.getByText(`Image #${id} moved to the trash`)).toBeVisible();
  // Its files stay while it is in the trash.
  expect((await page.request.get(fileUrl)).status()).toBe(200);
  expect((await (await page.request.get(`/api/images/${id}`)).json()).trashed_at).not.toBeNull();

  // Undo: back as it was.
  await toastUndo.click();
  await expect(page.getByText(`Image #${id} restored`)).toBeVisible();
  await expect(banner).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Variation', exact: true })).toBeVisible();

  // Into the trash again: gone from the gallery and its search.
  await page.getByRole('button', { name: 'Move to trash' }).click();
  await expect(banner).toBeVisible();
  await searchGallery(page, word);
  await expect(page.getByRole('heading', { name: `No images match “${word}”` })).toBeVisible();
  await expect(page.getByRole('link', { name: new RegExp(`^Image #${id}:`) })).toHaveCount(0);

  // Listed in Trash (from the header), with when it goes for good.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Trash' }).click();
  await expect(page).toHaveURL(/\/trash$/);
  const list = page.getByRole('list', { name: 'Images in the trash' });
  const card = list.getByRole('listitem').filter({ has: page.getByRole('link', { name: new RegExp(`^Image #${id}:`) }) });
  await expect(card).toBeVisible();
  await expect(card).toContainText('Trashed');
  await expect(card).toContainText('Purged');
  await expect.poll(() => card.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);

  // Restore it: out of the trash, back in the gallery.
  await card.getByRole('button', { name: `Restore image #${id}` }).click();
  // (The Undo's toast may still be up beside this one.)
  await expect(page.getByText(`Image #${id} restored`).last()).toBeVisible();
  await expect(card).toHaveCount(0);
  await searchGallery(page, word);
  await expect(page.getByRole('link', { name: new RegExp(`^Image #${id}:`) })).toBeVisible();

  // Into the trash once more, then delete it forever from its page: a tombstone, and the link is dead.
  await page.getByRole('link', { name: new RegExp(`^Image #${id}:`) }).click();
  await expect(page).toHaveURL(new RegExp(`/image/${id}$`));
  await page.getByRole('button', { name: 'Move to trash' }).click();
  await banner.getByRole('button', { name: 'Delete forever' }).click();
  const dialog = page.getByRole('dialog', { name: `Delete image #${id} forever?` });
  await expect(dialog).toContainText('This cannot be undone.');
  await dialog.getByRole('button', { name: 'Delete forever' }).click();
  await expect(page.getByText('This image was deleted')).toBeVisible();
  await expect(banner).toHaveCount(0);

  expect((await page.request.get(fileUrl)).status()).toBe(404);
  const tombstone = await (await page.request.get(`/api/images/${id}`)).json();
  expect(tombstone.deleted_at).not.toBeNull();
  expect(tombstone.url).toBeNull();

  // Not in the trash any more, nor in the gallery; its recipe stays in the lineage.
  await page.goto('/trash');
  await expect(page.getByRole('heading', { name: 'Trash', exact: true })).toBeVisible();
  await expect(page.getByRole('link', { name: new RegExp(`^Image #${id}:`) })).toHaveCount(0);
  const lineage = await (await page.request.get(`/api/images/${id}/lineage`)).json();
  expect(lineage.nodes.map((n: { id: number }) => n.id)).toContain(id);
});
