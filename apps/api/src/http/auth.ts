import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConflictError, UnauthenticatedError } from '../errors.ts';
import type { UserRecord } from '../ports/account.repository.port.ts';
import { LOCAL_ACTOR, NOBODY, type Actor } from '../services/access.ts';
import type { AccountService, NewSession } from '../services/account.service.ts';

export const SESSION_COOKIE = 'imageflow_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who asks: the signed-in user, or the single user of a laptop when accounts are off. */
    actor: Actor;
    /** The signed-in user (null when accounts are off, or signed out on a public route). */
    user: UserRecord | null;
  }
}

/** API paths that answer signed out: the sign-in itself, health, and the API's own documentation. */
const PUBLIC_API = [/^\/api\/s\//, /^\/api\/health$/, /^\/api\/auth\/(me|login|setup)$/, /^\/api\/openapi\.json$/, /^\/api\/docs(\/|$)/];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The route a request reached, as its pattern (`/api/images/:id`): decided on what the router
 * matched, so that no spelling of a path (`/%61pi/images`) reaches a private route as a public one.
 * Unrouted requests (404s) are judged on their path.
 */
function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? req.url.split('?', 1)[0]!;
}

function isPrivate(req: FastifyRequest, publicImages: boolean): boolean {
  const path = routeOf(req);
  if (!publicImages && (path.startsWith('/images/') || path.startsWith('/thumbs/'))) return true;
  return path.startsWith('/api/') && !PUBLIC_API.some((p) => p.test(path));
}

/**
 * Who each request is. Accounts off: everyone is the one local user. Accounts on: an API token
 * (`Authorization: Bearer …`) or the session cookie names the user; a private /api route signed
 * out answers 401; a write made with the cookie must carry the CSRF token (x-csrf-token), so
 * another site cannot make the browser write on the user's behalf. Token requests need none.
 * Image files are capability URLs that need no sign-in, unless IMAGEFLOW_PUBLIC_IMAGES=false.
 */
export async function installAuth(app: FastifyInstance, accounts: AccountService, options: { publicImages: boolean }): Promise<void> {
  await app.register(cookie);
  await app.register(csrf, {
    cookieKey: 'imageflow_csrf',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: 'auto' },
    getToken: (req) => req.headers['x-csrf-token'] as string | undefined,
  });
  app.decorateRequest('actor', null as unknown as Actor);
  app.decorateRequest('user', null);

  app.addHook('onRequest', (req, reply, done) => {
    if (!accounts.authOn) {
      req.actor = LOCAL_ACTOR;
      return done();
    }
    identify(req, accounts).then(
      ({ user, by }) => {
        req.user = user;
        req.actor = user ? { id: user.id, role: user.role } : NOBODY;
        if (!user && isPrivate(req, options.publicImages)) return void reply.send(new UnauthenticatedError(by === 'token' ? 'This API token is not valid: it was revoked or mistyped. Make a new one under API tokens.' : undefined));
        // A share link's routes never act as the signed-in user, so a cookie gives them nothing to protect.
        if (by === 'cookie' && !SAFE_METHODS.has(req.method) && !routeOf(req).startsWith('/api/s/')) return app.csrfProtection(req, reply, done);
        done();
      },
      (err) => done(err as Error),
    );
  });
}

async function identify(req: FastifyRequest, accounts: AccountService): Promise<{ user: UserRecord | null; by: 'token' | 'cookie' | null }> {
  const authorization = req.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    return { user: (match && (await accounts.tokenUser(match[1]!))) || null, by: 'token' };
  }
  const secret = req.cookies[SESSION_COOKIE];
  if (secret) {
    const user = await accounts.sessionUser(secret);
    if (user) return { user, by: 'cookie' };
  }
  return { user: null, by: null };
}

/** Sets the session cookie of a new sign-in and answers the CSRF token that goes with it. */
export function startSession(reply: FastifyReply, session: NewSession): string {
  reply.setCookie(SESSION_COOKIE, session.secret, { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto', expires: session.expiresAt });
  return reply.generateCsrf();
}

export function endSession(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}

/** Refuses what only makes sense with accounts (signing in, tokens, users) in single-user mode. */
export function requireAccounts(accounts: AccountService): void {
  if (!accounts.authOn) throw new ConflictError('Accounts are off (single-user mode): there is nothing to sign in to. Start ImageFlow with IMAGEFLOW_AUTH=on to use accounts.');
}

/** The signed-in user of a route that needs one (accounts on). */
export function signedInUser(req: FastifyRequest, accounts: AccountService): UserRecord {
  requireAccounts(accounts);
  if (!req.user) throw new UnauthenticatedError();
  return req.user;
}
