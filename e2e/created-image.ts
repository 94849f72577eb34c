import { expect, type Page } from '@playwright/test';

/**
 * Presses Generate on the Create screen and waits for this run's images: the screen also shows
 * earlier results (kept over reloads), so the run is told apart by the job its submit made.
 * Returns the id of its first image, once its "Open" link is shown.
 */
export async function generateOnCreate(page: Page, timeout = 30_000): Promise<number> {
  const submitted = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/generations' && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Generate', exact: true }).click();
  const job = (await (await submitted).json()) as { id: string };
  let imageId = 0;
  await expect
    .poll(
      async () => {
        const done = (await (await page.request.get(`/api/generations/${job.id}`)).json()) as { status: string; images: Array<{ id: number }> };
        imageId = done.images[0]?.id ?? 0;
        return done.status;
      },
      { timeout },
    )
    .toBe('succeeded');
  await expect(page.getByRole('link', { name: `Open image #${imageId}`, exact: true })).toBeVisible();
  return imageId;
}
