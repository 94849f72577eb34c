import { expect, test, type Page, type Route } from '@playwright/test';

/**
 * The lineage screen on a 10,000-node tree: every page of it loads, it opens folded on the
 * selected image, and selecting, the highlighted path, branch toggles, the keyboard and the
 * zoomed-out canvas all work. Growing 10,000 real images would take minutes, so the tree's pages
 * are served by the test (the shape the API answers, paged by `limit` and `cursor`, ordered by
 * depth then id), each node a copy of one real image with its own id and parent.
 */

const SIZE = 10_000;
const FIRST_ID = 9_000_001;

interface TreeNode {
  id: number;
  parent_id: number | null;
  root_id: number;
  depth: number;
  action_type: string;
  [key: string]: unknown;
}

/** A bushy tree: each node picks a random earlier node as its parent (seeded, so every run is the same). */
function bushyTree(template: Record<string, unknown>): TreeNode[] {
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const actions = ['variation', 'remix', 'img2img', 'upscale', 'edit'];
  const nodes: TreeNode[] = [{ ...template, id: FIRST_ID, parent_id: null, root_id: FIRST_ID, depth: 0, action_type: 'generate' }];
  for (let i = 1; i < SIZE; i++) {
    const parent = nodes[Math.floor(next() * nodes.length)]!;
    nodes.push({ ...template, id: FIRST_ID + i, parent_id: parent.id, root_id: FIRST_ID, depth: parent.depth + 1, action_type: actions[i % actions.length]! });
  }
  return nodes;
}

/** Answers GET /api/images/{id}/lineage for the tree's ids, as the API would; anything else goes to the API. */
async function serveTree(page: Page, nodes: TreeNode[]) {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ordered = [...nodes].sort((a, b) => a.depth - b.depth || a.id - b.id);
  const requests: string[] = [];
  await page.route(/\/api\/images\/\d+\/lineage/, async (route: Route) => {
    const url = new URL(route.request().url());
    const id = Number(url.pathname.split('/')[3]);
    const focus = byId.get(id);
    if (!focus) return route.fallback();
    requests.push(url.search);
    const limit = Number(url.searchParams.get('limit') ?? 1000);
    const from = Number(url.searchParams.get('cursor') ?? 0);
    const page = ordered.slice(from, from + limit);
    const path: number[] = [];
    for (let n: TreeNode | undefined = focus; n; n = n.parent_id === null ? undefined : byId.get(n.parent_id)) path.unshift(n.id);
    const more = from + page.length < ordered.length;
    await route.fulfill({
      json: { root_id: FIRST_ID, focus_id: id, path, nodes: page, truncated: more, next_cursor: more ? String(from + page.length) : null },
    });
  });
  return requests;
}

/** The flow's pan and zoom, as React Flow applies it to its viewport. */
async function transform(page: Page) {
  const style = await page.locator('.react-flow__viewport').evaluate((el) => getComputedStyle(el).transform);
  const [a, , , , e, f] = style.replace(/^matrix\(|\)$/g, '').split(',').map(Number);
  return { zoom: a!, x: e!, y: f! };
}

test('a 10,000-node lineage opens whole, folded on the selection, and every way of moving through it works', async ({ page, request }) => {
  test.setTimeout(120_000);
  const made = await request.post('/api/images/generate', { data: { prompt: 'a lighthouse on a cliff at sunset over the ocean', spec: { width: 64, height: 64, steps: 1 } } });
  expect(made.status()).toBe(201);
  const template = (await made.json()).images[0];
  const nodes = bushyTree(template);
  const deepest = nodes.reduce((a, b) => (b.depth > a.depth ? b : a));
  const parentId = deepest.parent_id!;
  const requests = await serveTree(page, nodes);

  // Opened from the deepest image: every node loaded (in pages), folded down to its path.
  await page.goto(`/lineage/${deepest.id}`);
  const flow = page.locator('[data-lineage-ready][data-lineage-complete]');
  await expect(flow).toHaveAttribute('data-node-count', String(SIZE));
  expect(requests.length).toBeGreaterThan(1);
  await expect(page.getByTestId('lineage-stats')).toContainText('10,000 versions');
  await expect(page.getByText(/Loaded .* of many versions/)).toHaveCount(0);
  await expect(flow).toHaveAttribute('data-render-mode', 'dom');
  const visible = Number(await flow.getAttribute('data-visible-count'));
  expect(visible).toBeLessThan(SIZE);

  // The selected image shows, selected, in the graph and in the panel; its parent is on the path.
  const card = (id: number) => page.locator(`[data-testid="lineage-node-${id}"] .lineage-card`);
  await expect(card(deepest.id)).toBeVisible();
  await expect(card(deepest.id)).toHaveAttribute('data-emphasis', 'selected');
  await expect(card(parentId)).toHaveAttribute('data-emphasis', 'path');
  await expect(page.getByRole('complementary', { name: 'Selected image' }).getByRole('heading', { name: `#${deepest.id}` })).toBeVisible();

  // Select by clicking; the keyboard moves along the tree from the focused card.
  await page.getByTestId(`lineage-node-${parentId}`).click();
  await expect(page).toHaveURL(new RegExp(`focus=${parentId}$`));
  await expect(card(parentId)).toHaveAttribute('data-emphasis', 'selected');
  const firstChildOf = (id: number) => Math.min(...nodes.filter((n) => n.parent_id === id).map((n) => n.id));
  const grandparent = nodes.find((n) => n.id === parentId)!.parent_id!;
  await page.getByTestId(`lineage-node-${parentId}`).focus();
  await page.keyboard.press('ArrowUp');
  await expect(page).toHaveURL(new RegExp(`focus=${grandparent}$`));
  await expect(page.getByTestId(`lineage-node-${grandparent}`)).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(page).toHaveURL(new RegExp(`focus=${firstChildOf(grandparent)}$`));

  // A branch folds and unfolds.
  await page.getByRole('button', { name: `Collapse branch #${parentId}` }).click();
  await expect(page.getByTestId(`lineage-node-${deepest.id}`)).toHaveCount(0);
  await page.getByRole('button', { name: new RegExp(`^Expand branch #${parentId}`) }).click();
  await expect(page.getByTestId(`lineage-node-${deepest.id}`)).toBeVisible();

  // Everything: 10,000 nodes laid out, React Flow drawing only those in view; the selected card
  // stays in view.
  await page.getByTestId(`lineage-node-${parentId}`).click();
  await expect(page).toHaveURL(new RegExp(`focus=${parentId}$`));
  await page.getByRole('button', { name: 'Expand all' }).click();
  await expect(flow).toHaveAttribute('data-visible-count', String(SIZE));
  expect(await page.locator('.react-flow__node').count()).toBeLessThan(500);

  // Zoomed out, the tree is drawn on a canvas. Where the parent card is, from the DOM view.
  await expect(card(parentId)).toBeInViewport();
  const box = (await page.getByTestId(`lineage-node-${parentId}`).boundingBox())!;
  const before = await transform(page);
  const pane = (await page.locator('.react-flow__renderer').boundingBox())!;
  const flowX = (box.x + box.width / 2 - pane.x - before.x) / before.zoom;
  const flowY = (box.y + box.height / 2 - pane.y - before.y) / before.zoom;
  const zoomOut = page.getByRole('button', { name: 'Zoom Out' });
  while ((await transform(page)).zoom >= 0.4) {
    await zoomOut.click();
    await page.waitForTimeout(350);
  }
  await expect(flow).toHaveAttribute('data-render-mode', 'canvas');
  await expect(page.getByTestId('lineage-canvas')).toBeVisible();
  await expect(page.locator('.react-flow__node')).toHaveCount(0);

  // A click on the canvas selects the card under it; Shift+click picks it for comparing.
  await page.getByTestId(`lineage-node-${deepest.id}`).waitFor({ state: 'detached' });
  const after = await transform(page);
  const at = { x: pane.x + after.x + flowX * after.zoom, y: pane.y + after.y + flowY * after.zoom };
  await page.mouse.click(at.x, at.y);
  await expect(page).toHaveURL(new RegExp(`focus=${parentId}$`));
  await page.keyboard.down('Shift');
  await page.mouse.click(at.x, at.y);
  await page.keyboard.up('Shift');
  await expect(page.getByRole('button', { name: `Unpick #${parentId}` })).toBeVisible();

  // The keyboard on the canvas: down to the first child.
  await page.getByTestId('lineage-canvas').focus();
  await page.keyboard.press('ArrowDown');
  const firstChild = firstChildOf(parentId);
  await expect(page).toHaveURL(new RegExp(`focus=${firstChild}$`));

  // "Center on selection" zooms back in to the cards, the selection shown.
  await page.getByRole('button', { name: 'Center on selected image' }).click();
  await expect(flow).toHaveAttribute('data-render-mode', 'dom');
  await expect(card(firstChild)).toBeVisible();
  await expect(card(firstChild)).toHaveAttribute('data-emphasis', 'selected');

  // The minimap moves the view; fit view shows the whole tree (on the canvas again).
  await page.locator('.react-flow__controls-fitview').click();
  await expect(flow).toHaveAttribute('data-render-mode', 'canvas');
  await expect(page.getByRole('img', { name: 'Overview of the lineage' })).toBeVisible();
});

test('a big lineage shows from its first page on, says the rest is loading, and says so when the rest fails, with a retry that goes on from there', async ({ page, request }) => {
  test.setTimeout(120_000);
  const made = await request.post('/api/images/generate', { data: { prompt: 'a lighthouse on a cliff at sunset over the ocean', spec: { width: 64, height: 64, steps: 1 } } });
  expect(made.status()).toBe(201);
  const nodes = bushyTree((await made.json()).images[0]);
  const requests = await serveTree(page, nodes);
  // The second page waits until the test lets it go; then it fails three times: the first try
  // and the app's two retries.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let failures = 3;
  await page.route(/\/api\/images\/\d+\/lineage\?.*cursor=/, async (route) => {
    await held;
    if (failures-- > 0) return route.fulfill({ status: 503, json: { error: { code: 'unavailable', message: 'The server is restarting.' } } });
    return route.fallback();
  });
  const asked: string[] = [];
  page.on('request', (r) => r.url().includes('/api/') && asked.push(new URL(r.url()).pathname + new URL(r.url()).search));

  await page.goto(`/lineage/${FIRST_ID}`);
  // The first 5,000 nodes, folded on the root, while the rest is on its way.
  const flow = page.locator('[data-lineage-ready]');
  await expect(flow).toHaveAttribute('data-node-count', '5000');
  await expect(flow).not.toHaveAttribute('data-lineage-complete');
  await expect(page.getByTestId('lineage-stats')).toContainText('5,000+ versions');
  await expect(page.getByTestId('lineage-stats')).toContainText('loading the rest…');
  await expect(page.locator(`[data-testid="lineage-node-${FIRST_ID}"] .lineage-card`)).toHaveAttribute('data-emphasis', 'selected');

  // The rest fails: the tree stays, the reason and a retry show.
  release();
  const alert = page.getByRole('alert').filter({ hasText: 'the rest of this tree did not load' });
  await expect(alert).toBeVisible({ timeout: 30_000 });
  await expect(alert).toContainText('Showing the 5,000 versions loaded so far');
  await expect(alert).toContainText('The server is restarting.');
  await expect(flow).toHaveAttribute('data-node-count', '5000');
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(page.locator('[data-lineage-ready][data-lineage-complete]')).toHaveAttribute('data-node-count', String(SIZE));
  await expect(page.getByTestId('lineage-stats')).toContainText('10,000 versions');
  await expect(page.getByTestId('lineage-stats')).not.toContainText('loading');
  await expect(alert).toHaveCount(0);
  // Still the focus view once the rest is there.
  expect(Number(await flow.getAttribute('data-visible-count'))).toBeLessThan(200);

  // Who is signed in was asked for by index.html, and the app took that answer instead of asking
  // again. The first page was asked for once, as the app started, beside the screen's code: the two
  // retries and "Try again" went on from the page that failed (three failures, then the rest).
  expect(asked.filter((p) => p === '/api/auth/me')).toHaveLength(1);
  // (The content security policy let index.html's script run, and the answer was taken.)
  expect(await page.evaluate(() => Object.keys((window as { __imageflowEarly?: object }).__imageflowEarly ?? { missing: true }))).toEqual([]);
  expect(requests.filter((q) => !q.includes('cursor='))).toHaveLength(1);
  expect(asked.filter((p) => p.includes('/lineage?') && !p.includes('cursor='))).toHaveLength(1);
  expect(asked.filter((p) => p.includes('/lineage?') && p.includes('cursor='))).toHaveLength(4);
});
