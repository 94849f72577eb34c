import type { Me, User } from '@/lib/api-client';
import { json, type FakeHttp } from './fake-http';

export const alice: User = { id: 'u-alice', username: 'alice', role: 'admin' };
export const bob: User = { id: 'u-bob', username: 'bob', role: 'user' };

export const signedInAs = (user: User, csrf = `csrf-${user.username}`): Me => ({ auth: 'on', user, csrf_token: csrf, setup_needed: false });
export const signedOut: Me = { auth: 'on', user: null, csrf_token: null, setup_needed: false };
export const firstRun: Me = { auth: 'on', user: null, csrf_token: null, setup_needed: true };
export const singleUser: Me = { auth: 'off', user: null, csrf_token: null, setup_needed: false };

/** The API as the studio's pages see it: /api/auth/me answers `me`, the rest is empty. */
export function serveStudio(http: FakeHttp, me: Me) {
  return http
    .on('GET', '/api/auth/me', () => json(200, me))
    .on('GET', '/api/models', () => json(200, { models: [] }))
    .on('GET', '/api/images', () => json(200, { items: [], next_cursor: null }))
    .on('GET', '/api/tokens', () => json(200, { items: [] }));
}
