import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from '@/lib/api-client';
import { fakeHttp, json } from '@/test/fake-http';

/** The inline script of index.html that asks who is signed in before the app's code has loaded, as the browser runs it. */
const html = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../index.html'), 'utf8');
const script = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!).find((s) => s.includes('__imageflowEarly'));

function openAt(pathname: string) {
  delete window.__imageflowEarly;
  window.history.pushState({}, '', pathname);
  new Function(script!)();
}

afterEach(() => {
  delete window.__imageflowEarly;
  window.history.pushState({}, '', '/');
  vi.unstubAllGlobals();
});

describe("index.html's early request", () => {
  it('asks who is signed in wherever the studio opens, and the app takes that answer instead of asking again', async () => {
    const http = fakeHttp();
    http.on('GET', '/api/auth/me', json(200, { auth: 'on', user: { id: 'u1', username: 'alice', role: 'admin' }, csrf_token: 'c', setup_needed: false }));
    for (const pathname of ['/', '/gallery', '/lineage/7', '/image/7?x=1', '/signin']) {
      openAt(pathname);
      expect(Object.keys(window.__imageflowEarly!)).toEqual(['/api/auth/me']);
    }
    expect(http.to('/api/auth/me')).toHaveLength(5);
    await expect(api.me()).resolves.toMatchObject({ user: { username: 'alice' } });
    expect(http.to('/api/auth/me')).toHaveLength(5);
  });

  it('asks nothing at a share link, which shows to anyone without signing in', () => {
    const http = fakeHttp();
    openAt('/s/Zm9vYmFy');
    expect(window.__imageflowEarly).toBeUndefined();
    expect(http.requests).toHaveLength(0);
  });
});
