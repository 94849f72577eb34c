import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 8765);
const baseURL = `http://127.0.0.1:${port}`;

// A second API with accounts on (IMAGEFLOW_AUTH=on) for tests/accounts.spec.ts, on its own port
// and data folder, which must start empty: that spec begins with the first-run set-up. run.mjs
// makes the folder; run without it, one is made here and handed to the test workers through
// the environment (they read this file again, and must find the same folder).
const authPort = Number(process.env.E2E_AUTH_PORT ?? port + 1);
process.env.E2E_AUTH_PORT = String(authPort);
process.env.E2E_AUTH_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-e2e-auth-'));

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
  webServer: [
    {
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
        // Single-user mode, as on a laptop (the default on loopback, said here so it stays so).
        IMAGEFLOW_AUTH: 'off',
        // FLUX dev runs on a ComfyUI stand-in; the other models stay on the builtin engine.
        ...(process.env.E2E_COMFYUI_URL ? { COMFYUI_URL: process.env.E2E_COMFYUI_URL, IMAGEFLOW_ROUTES: 'sdxl=builtin,flux-schnell=builtin' } : {}),
      },
    },
    {
      command: 'npx tsx apps/api/src/main.ts',
      cwd: '..',
      url: `http://127.0.0.1:${authPort}/api/health`,
      reuseExistingServer: false,
      timeout: 60_000,
      env: {
        PORT: String(authPort),
        HOST: '127.0.0.1',
        IMAGEFLOW_DATA_DIR: process.env.E2E_AUTH_DATA_DIR,
        IMAGEFLOW_LOG_LEVEL: 'warn',
        IMAGEFLOW_AUTH: 'on',
        // Every spec signs in from this one address; the budget against guessing is tested in the API's own tests.
        IMAGEFLOW_SIGN_IN_ATTEMPTS: '100',
      },
    },
  ],
});
