import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import zlib from 'node:zlib';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDataDir, startTestApp, type TestApp } from './harness.ts';

let t: TestApp;
afterEach(async () => t.close());

describe('the web app and model list', () => {
  it('serves the built app: index.html for page paths, immutable assets, JSON 404s for the API', async () => {
    const webDir = await makeDataDir();
    await fs.mkdir(path.join(webDir, 'assets'));
    await fs.writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>ImageFlow app</title>');
    await fs.writeFile(path.join(webDir, 'assets', 'index-abc123.js'), 'console.log(1)');
    t = await startTestApp({ env: { IMAGEFLOW_WEB_DIR: webDir } });

    for (const url of ['/', '/gallery', '/image/42/lineage', '/compare?a=1&b=2']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toContain('ImageFlow app');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    const asset = await t.app.inject({ url: '/assets/index-abc123.js' });
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await t.app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/favicon.ico' })).statusCode).toBe(404);
    const api = await t.app.inject({ url: '/api/nope' });
    expect(api.statusCode).toBe(404);
    expect(api.json().error.code).toBe('not_found');
  });

  it('sends security headers with a content security policy that allows the app\'s own inline theme script by its hash, and compresses JSON', async () => {
    const webDir = await makeDataDir();
    const theme = "document.documentElement.classList.toggle('dark', true);";
    await fs.writeFile(path.join(webDir, 'index.html'), `<!doctype html><html><head><script>${theme}</script></head><body><script type="module" src="/assets/app.js"></script></body></html>`);
    t = await startTestApp({ env: { IMAGEFLOW_WEB_DIR: webDir, IMAGEFLOW_PUBLIC_BASE_URL: 'https://cdn.example.com/studio' } });
    const page = await t.app.inject({ url: '/' });
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain(`script-src 'self' 'sha256-${crypto.createHash('sha256').update(theme).digest('base64')}'`);
    expect(csp).toContain("img-src 'self' data: blob: https://cdn.example.com");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(page.headers['x-content-type-options']).toBe('nosniff');

    const json = await t.app.inject({ url: '/api/openapi.json', headers: { 'accept-encoding': 'gzip' } });
    expect(json.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(zlib.gunzipSync(json.rawPayload).toString()).openapi).toMatch(/^3\./);
    const plain = await t.app.inject({ url: '/api/openapi.json' });
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('says how to build the app when it is not built', async () => {
    t = await startTestApp({ env: { IMAGEFLOW_WEB_DIR: path.join(await makeDataDir(), 'missing') } });
    const res = await t.app.inject({ url: '/' });
    expect(res.body).toContain('has not been built');
  });

  it('lists every model with its provider, saying builtin is not AI', async () => {
    t = await startTestApp();
    const { models } = (await t.app.inject({ url: '/api/models' })).json();
    expect(models.map((m: any) => m.name)).toEqual(['sdxl', 'flux-dev', 'flux-schnell']);
    for (const m of models) expect(m).toMatchObject({ provider: 'builtin', ai: false, reachable: true });
    expect(models[2]).toMatchObject({ label: 'FLUX.1 [schnell]', family: 'flux', defaults: { steps: 4 } });
  });
});
