import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';

/** Where the screenshot specs (E2E_SCREENSHOTS=1 node e2e/run.mjs <name>-screenshots) put their PNGs. */
export const SCREENSHOTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test-results/screenshots');

/**
 * Waits until every image on screen has loaded (those further down may wait to be scrolled to, with
 * loading="lazy"), then a moment more for the fades from thumbnail to full image to end.
 */
export async function imagesLoaded(page: Page, settleMs = 400) {
  await expect
    .poll(() =>
      page.evaluate(() =>
        [...document.images]
          .filter((i) => {
            const r = i.getBoundingClientRect();
            return r.width > 0 && r.bottom > 0 && r.top < window.innerHeight;
          })
          .every((i) => i.complete && i.naturalWidth > 0),
      ),
    )
    .toBe(true);
  if (settleMs > 0) await page.waitForTimeout(settleMs);
}
