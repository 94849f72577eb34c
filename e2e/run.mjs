#!/usr/bin/env node
// Builds the web app and runs the Playwright end-to-end tests in Debian's Chromium against
// real APIs on free ports with temporary data folders: one in single-user mode, one with accounts.
import { spawn, spawnSync } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!fs.existsSync(chromium)) {
  const lines = [
    '',
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    `!!  No Chromium at ${chromium}: the browser end-to-end tests were NOT run.`,
    '!!  Install it with `apt-get install -y chromium` (or set CHROMIUM_PATH).',
    '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
    '',
  ];
  console.error(lines.join('\n'));
  // CI must run them: a missing browser there is a failure, not a skip.
  process.exit(process.env.CI ? 1 : 0);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  return result.status ?? 1;
}

/** Starts the fake ComfyUI the tests route flux-dev to, and resolves with its URL. */
function startFakeComfyUi() {
  const child = spawn('node_modules/.bin/tsx', ['e2e/fake-comfyui.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the fake ComfyUI exited (${code})`)));
    readline.createInterface({ input: child.stdout }).once('line', (url) => resolve({ url: url.trim(), child }));
  });
}

if (run('npm', ['run', 'build', '-w', '@imageflow/web']) !== 0) process.exit(1);
const port = await freePort();
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-e2e-'));
// The second API, with accounts on (tests/accounts.spec.ts): its own port and empty data folder.
let authPort = await freePort();
while (authPort === port) authPort = await freePort();
const authDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'imageflow-e2e-auth-'));
const comfy = await startFakeComfyUi();
let status = 1;
try {
  status = run('npx', ['playwright', 'test', '-c', 'e2e/playwright.config.ts', ...process.argv.slice(2)], {
    ...process.env,
    E2E_PORT: String(port),
    E2E_DATA_DIR: dataDir,
    E2E_AUTH_PORT: String(authPort),
    E2E_AUTH_DATA_DIR: authDataDir,
    E2E_COMFYUI_URL: comfy.url,
    CHROMIUM_PATH: chromium,
  });
} finally {
  comfy.child.removeAllListeners('exit');
  comfy.child.kill('SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(authDataDir, { recursive: true, force: true });
}
process.exit(status);
