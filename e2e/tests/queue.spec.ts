import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

// The Queue and Create's memory of results, against the single-user API. FLUX dev runs on the
// ComfyUI stand-in (120 ms a step, one run at a time, as ComfyUI does), so a long FLUX job holds
// the backend while short FLUX jobs wait behind it in the queue: slow enough to watch, and the
// order they start in is the order the queue gives them.

/** A word no other test uses, so this test's jobs are told apart from the rest. */
const word = `wagtail${Date.now().toString(36)}`;

interface JobJson {
  id: string;
  status: string;
  started_at: string | null;
  images: Array<{ id: number }>;
}

async function submit(request: APIRequestContext, prompt: string, steps: number): Promise<JobJson> {
  const res = await request.post('/api/generations', { data: { prompt: `${prompt}, ${word}`, model: 'flux-dev', spec: { width: 256, height: 256, steps } } });
  expect(res.status(), await res.text()).toBe(202);
  return res.json();
}

async function jobOf(request: APIRequestContext, id: string): Promise<JobJson> {
  return (await request.get(`/api/generations/${id}`)).json();
}

async function statusOf(request: APIRequestContext, id: string): Promise<string> {
  return (await jobOf(request, id)).status;
}

const row = (page: Page, prompt: string) => page.getByRole('listitem', { name: `${prompt}, ${word}` });

test('the queue: live progress, move to front, cancel, retry; Create keeps its results over a reload', async ({ page, request }) => {
  test.setTimeout(120_000);
  // One long run holds the backend; three short ones wait behind it.
  const long = await submit(request, 'a long exposure of a waterfall', 150);
  await expect.poll(() => statusOf(request, long.id)).toBe('running');
  const heron = await submit(request, 'a grey heron in a marsh', 4);
  const kite = await submit(request, 'a red kite over a hill', 4);
  const owl = await submit(request, 'a barn owl at dusk', 4);

  await page.goto('/queue');
  const queue = page.getByRole('list', { name: 'Queued and running' });
  await expect(queue).toBeVisible();
  await expect(page.getByRole('link', { name: /^Queue, [4-9] active$/ })).toBeVisible();
  // The running job's progress moves while the page is open.
  const bar = row(page, 'a long exposure of a waterfall').getByRole('progressbar');
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  const first = Number(await bar.getAttribute('aria-valuenow'));
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(first);
  await expect(row(page, 'a grey heron in a marsh').getByText('Next')).toBeVisible();
  await expect(row(page, 'a red kite over a hill').getByText('#2 in line')).toBeVisible();
  await expect(row(page, 'a barn owl at dusk').getByText('#3 in line')).toBeVisible();

  // Move the owl to the front, from the keyboard.
  await row(page, 'a barn owl at dusk').getByRole('button', { name: /^Move to front:/ }).focus();
  await page.keyboard.press('Enter');
  await expect(row(page, 'a barn owl at dusk').getByText('Next')).toBeVisible();
  await expect(row(page, 'a grey heron in a marsh').getByText('#2 in line')).toBeVisible();
  await expect(row(page, 'a barn owl at dusk')).toBeFocused();

  // Cancel the kite: it leaves the queue for the recently ended, where it can run again.
  await row(page, 'a red kite over a hill').getByRole('button', { name: /^Cancel:/ }).click();
  const ended = page.getByRole('list', { name: 'Recently ended' });
  await expect(ended.getByRole('listitem', { name: `a red kite over a hill, ${word}` }).getByText('Canceled')).toBeVisible();
  await expect(queue.getByRole('listitem', { name: `a red kite over a hill, ${word}` })).toHaveCount(0);
  expect(await statusOf(request, kite.id)).toBe('canceled');
  await ended.getByRole('listitem', { name: `a red kite over a hill, ${word}` }).getByRole('button', { name: /^Retry:/ }).click();
  await expect(queue.getByRole('listitem', { name: `a red kite over a hill, ${word}` }).getByText('#3 in line')).toBeVisible();

  // Let the queue run: cancel the long job; the owl goes first, then the heron, then the kite again.
  await row(page, 'a long exposure of a waterfall').getByRole('button', { name: /^Cancel:/ }).click();
  await expect(page.getByRole('heading', { name: 'Nothing is queued or running' })).toBeVisible({ timeout: 30_000 });
  const mine = (await (await request.get('/api/generations?limit=10')).json()).items as Array<JobJson & { request: { prompt: string } }>;
  const retried = mine.find((j) => j.request.prompt.startsWith('a red kite') && j.id !== kite.id)!;
  const started = await Promise.all([owl, heron, retried].map(async (j) => (await jobOf(request, j.id)).started_at!));
  expect(started[0]! < started[1]!).toBe(true);
  expect(started[1]! < started[2]!).toBe(true);
  expect(await statusOf(request, retried.id)).toBe('succeeded');
  await expect(ended.getByRole('listitem', { name: `a barn owl at dusk, ${word}` }).getByText('Done')).toBeVisible();

  // Create after a reload: the results are still there, with their images.
  const kiteImage = (await jobOf(request, retried.id)).images[0]!.id;
  await page.goto('/');
  await expect(page.getByRole('link', { name: `Open image #${kiteImage}` })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('link', { name: `Open image #${kiteImage}` })).toBeVisible();
  await expect(page.getByText(`a red kite over a hill, ${word}`).first()).toBeVisible();

  // A job still running is followed again after a reload, and can be canceled from there.
  const running = await submit(request, 'a kingfisher on a branch', 150);
  await expect.poll(() => statusOf(request, running.id)).toBe('running');
  await page.reload();
  const current = page.getByRole('region', { name: 'Current generation' });
  await expect(current.getByText(`a kingfisher on a branch, ${word}`)).toBeVisible();
  const progress = current.getByRole('progressbar');
  await expect.poll(async () => Number(await progress.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  await expect(page.getByRole('link', { name: `Open image #${kiteImage}` })).toBeVisible();
  await current.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByText('Canceled. Nothing was saved.')).toBeVisible();
  expect(await statusOf(request, running.id)).toBe('canceled');
});

test('cancel all queued: every waiting job at once, after a second click; the running one goes on', async ({ page, request }) => {
  test.setTimeout(90_000);
  const long = await submit(request, 'a slow tide over rocks', 150);
  await expect.poll(() => statusOf(request, long.id)).toBe('running');
  const waiting = [await submit(request, 'a wren on a wall', 4), await submit(request, 'a jay in an oak', 4), await submit(request, 'a robin in snow', 4)];

  await page.goto('/queue');
  await expect(row(page, 'a robin in snow').getByText('#3 in line')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel all queued' }).click();
  await page.getByRole('button', { name: /^Cancel \d+ queued$/ }).click();
  const ended = page.getByRole('list', { name: 'Recently ended' });
  for (const prompt of ['a wren on a wall', 'a jay in an oak', 'a robin in snow']) {
    await expect(ended.getByRole('listitem', { name: `${prompt}, ${word}` }).getByText('Canceled')).toBeVisible();
  }
  for (const job of waiting) expect(await statusOf(request, job.id)).toBe('canceled');
  expect(await statusOf(request, long.id)).toBe('running');
  await expect(row(page, 'a slow tide over rocks')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Cancel all queued' })).toHaveCount(0);
  await row(page, 'a slow tide over rocks').getByRole('button', { name: /^Cancel:/ }).click();
  await expect(page.getByRole('heading', { name: 'Nothing is queued or running' })).toBeVisible({ timeout: 30_000 });
});
