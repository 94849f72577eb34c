import { expect, test, type APIRequestContext, type Page } from '@playwright/test';

/**
 * Finding images in a lineage by the words of their prompt: a small tree grown through the API,
 * the find box's count, stepping to a match inside a folded branch (which unfolds), the path to
 * it highlighted in the graph, the other matches marked, and Escape handing the keyboard back.
 * Single-user API.
 */

async function make(request: APIRequestContext, data: unknown): Promise<number> {
  const res = await request.post('/api/images/generate', { data });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()).images[0].id as number;
}

/**
 *   root  a stone cottage on a cliff at dusk
 *   ├─ a      a red lighthouse in a storm                        match 1
 *   │  └─ a1  the stone cottage in the storm
 *   │     └─ a2  a red lighthouse seen from a cottage window     match 2
 *   └─ b      a harbour with fishing boats
 *      └─ b1  a red lighthouse beyond the harbour, café lights   match 3
 *         └─ b2  (a variation: the same prompt)                  match 4
 */
async function growTree(request: APIRequestContext) {
  const root = await make(request, { prompt: 'a stone cottage on a cliff at dusk', spec: { width: 64, height: 64, steps: 1 } });
  const a = await make(request, { parent_id: root, action_type: 'remix', prompt: 'a red lighthouse in a storm' });
  const a1 = await make(request, { parent_id: a, action_type: 'remix', prompt: 'the stone cottage in the storm' });
  const a2 = await make(request, { parent_id: a1, action_type: 'remix', prompt: 'a red lighthouse seen from a cottage window' });
  const b = await make(request, { parent_id: root, action_type: 'remix', prompt: 'a harbour with fishing boats' });
  const b1 = await make(request, { parent_id: b, action_type: 'remix', prompt: 'a red lighthouse beyond the harbour, café lights' });
  const b2 = await make(request, { parent_id: b1, action_type: 'variation' });
  return { root, a, a1, a2, b, b1, b2 };
}

const card = (page: Page, id: number) => page.locator(`[data-testid="lineage-node-${id}"] .lineage-card`);
const edge = (page: Page, parent: number, child: number) => page.getByTestId(`lineage-edge-${parent}-${child}`).locator('path.react-flow__edge-path');

test('find images by prompt words: count, step into a folded branch, the path highlighted, Escape clears', async ({ page, request }) => {
  const t = await growTree(request);
  await page.goto(`/lineage/${t.root}`);
  await expect(page.locator('[data-lineage-ready]')).toHaveAttribute('data-node-count', '7');
  await expect(card(page, t.root)).toHaveAttribute('data-emphasis', 'selected');

  // Fold the branch under #a: its second match is hidden until the find steps to it.
  await page.getByRole('button', { name: `Collapse branch #${t.a}` }).click();
  await expect(page.getByTestId(`lineage-node-${t.a2}`)).toHaveCount(0);

  // "/" reaches the box from the graph; its words match whatever the case, a word's start enough.
  await card(page, t.root).click();
  await page.keyboard.press('/');
  const box = page.getByRole('searchbox', { name: 'Find images in this tree by prompt words, #id or seed' });
  await expect(box).toBeFocused();
  await box.fill('RED lightho');
  const count = page.getByTestId('lineage-find-count');
  // Screen readers hear the count from a polite live region.
  const status = page.getByTestId('lineage-find-status');
  await expect(status).toHaveAttribute('role', 'status');
  await expect(status).toHaveAttribute('aria-live', 'polite');
  // The root does not match: the first match after it is selected.
  await expect(count).toHaveText('1 of 4');
  await expect(status).toHaveText('1 of 4 matches');
  await expect(page).toHaveURL(new RegExp(`focus=${t.a}$`));
  await expect(card(page, t.a)).toHaveAttribute('data-emphasis', 'selected');
  await expect(card(page, t.a)).toHaveAttribute('data-match', '');
  // The other matches shown carry the quieter mark; what does not match carries none.
  await expect(card(page, t.b1)).toHaveAttribute('data-match', '');
  await expect(card(page, t.b1)).toHaveAttribute('data-emphasis', 'none');
  await expect(card(page, t.b)).not.toHaveAttribute('data-match');

  // Enter: the second match, inside the folded branch, which opens; it is selected and in view.
  await box.press('Enter');
  await expect(count).toHaveText('2 of 4');
  await expect(page).toHaveURL(new RegExp(`focus=${t.a2}$`));
  await expect(card(page, t.a2)).toBeInViewport();
  await expect(card(page, t.a2)).toHaveAttribute('data-emphasis', 'selected');
  await expect(page.getByRole('complementary', { name: 'Selected image' }).getByRole('heading', { name: `#${t.a2}` })).toBeVisible();
  // The path from the root to it, the whole tree in view: its nodes and edges highlighted, and nothing off it.
  await page.locator('.react-flow__controls-fitview').click();
  for (const id of [t.root, t.a, t.a1]) await expect(card(page, id)).toHaveAttribute('data-emphasis', 'path');
  for (const [p, c] of [
    [t.root, t.a],
    [t.a, t.a1],
    [t.a1, t.a2],
  ] as const) {
    await expect(edge(page, p, c)).toHaveAttribute('data-on-path', '');
  }
  await expect(edge(page, t.root, t.b)).not.toHaveAttribute('data-on-path');
  await expect(card(page, t.b)).toHaveAttribute('data-emphasis', 'none');

  // The arrows step too, and wrap round; Shift+Enter steps back.
  await page.getByRole('button', { name: 'Next match' }).click();
  await page.getByRole('button', { name: 'Next match' }).click();
  await expect(count).toHaveText('4 of 4');
  await expect(page).toHaveURL(new RegExp(`focus=${t.b2}$`));
  await page.getByRole('button', { name: 'Next match' }).click();
  await expect(count).toHaveText('1 of 4');
  await box.press('Shift+Enter');
  await expect(count).toHaveText('4 of 4');

  // Accents do not matter (the variation kept its parent's prompt); the selection, a match, stays.
  await box.fill('cafe');
  await expect(count).toHaveText('2 of 2');
  await expect(page).toHaveURL(new RegExp(`focus=${t.b2}$`));
  // A word nobody used finds nothing and moves nothing.
  await box.fill('lighthouse zebra');
  await expect(page.getByTestId('lineage-find-none')).toHaveText('No image in this tree has those words');
  await expect(status).toHaveText('No image in this tree has those words');
  await box.press('Enter');
  await expect(page).toHaveURL(new RegExp(`focus=${t.b2}$`));

  // Escape: the box empties, the marks go, the selection stays, and the keyboard is on its card.
  await box.fill('storm');
  await expect(count).toHaveText('1 of 2');
  await expect(page).toHaveURL(new RegExp(`focus=${t.a}$`));
  await box.press('Escape');
  await expect(box).toHaveValue('');
  await expect(count).toHaveCount(0);
  await expect(page.locator('.lineage-card[data-match]')).toHaveCount(0);
  await expect(card(page, t.a)).toHaveAttribute('data-emphasis', 'selected');
  await expect(page.getByTestId(`lineage-node-${t.a}`)).toBeFocused();
  // From the graph, the arrow keys carry on from there; Ctrl+F comes back to the box.
  await page.keyboard.press('ArrowDown');
  await expect(page).toHaveURL(new RegExp(`focus=${t.a1}$`));
  await page.keyboard.press('Control+f');
  await expect(box).toBeFocused();
});
