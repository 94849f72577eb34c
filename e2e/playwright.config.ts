import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 8765);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  // One API and one database are shared by the tests: run them one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: '../test-results/e2e',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    permissions: ['clipboard-read', 'clipboard-write'],
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  webServer: {
    command: 'npx tsx apps/api/src/main.ts',
    cwd: '..',
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      IMAGEFLOW_DATA_DIR: process.env.E2E_DATA_DIR ?? '/tmp/imageflow-e2e',
      IMAGEFLOW_JOB_CONCURRENCY: '2',
      IMAGEFLOW_LOG_LEVEL: 'warn',
      // FLUX dev runs on a ComfyUI stand-in; the other models stay on the builtin engine.
      ...(process.env.E2E_COMFYUI_URL ? { COMFYUI_URL: process.env.E2E_COMFYUI_URL, IMAGEFLOW_ROUTES: 'sdxl=builtin,flux-schnell=builtin' } : {}),
    },
  },
});
