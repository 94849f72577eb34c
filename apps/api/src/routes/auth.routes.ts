import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ApiTokenList, AuthState, CreatedApiToken, Credentials, ErrorBody, NewApiToken, PasswordChange, SignedIn } from '@imageflow/shared';
import { endSession, requireAccounts, SESSION_COOKIE, signedInUser, startSession } from '../http/auth.ts';
import type { RouteLimits } from '../http/rate-limits.ts';
import type { ApiTokenRecord, UserRecord } from '../ports/account.repository.port.ts';
import type { AccountService } from '../services/account.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody };
const TokenParams = z.object({ id: z.string().min(1).max(64) });

export function publicUser(user: UserRecord) {
  return { id: user.id, username: user.username, role: user.role };
}

function publicToken(token: ApiTokenRecord) {
  return { id: token.id, name: token.name, created_at: token.created_at, last_used_at: token.last_used_at };
}

export function authRoutes(app: FastifyInstance, accounts: AccountService, limits: RouteLimits): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/auth/me', {
    schema: { tags: ['auth'], summary: 'Whether accounts are on, who is signed in, and the CSRF token for writes', response: { 200: AuthState } },
    handler: async (req, reply) => ({
      auth: accounts.authOn ? ('on' as const) : ('off' as const),
      user: req.user ? publicUser(req.user) : null,
      csrf_token: req.user ? reply.generateCsrf() : null,
      setup_needed: await accounts.setupNeeded(),
    }),
  });

  r.post('/api/auth/setup', {
    config: limits.signIn,
    schema: { tags: ['auth'], summary: 'First run: create the first admin and sign in (only while no account exists)', body: Credentials, response: { 201: SignedIn, ...errors } },
    handler: async (req, reply) => {
      requireAccounts(accounts);
      const session = await accounts.setup(req.body.username, req.body.password);
      return reply.status(201).send({ user: publicUser(session.user), csrf_token: startSession(reply, session) });
    },
  });

  r.post('/api/auth/login', {
    config: limits.signIn,
    schema: { tags: ['auth'], summary: 'Sign in: sets the session cookie', body: Credentials, response: { 200: SignedIn, ...errors } },
    handler: async (req, reply) => {
      requireAccounts(accounts);
      const session = await accounts.login(req.body.username, req.body.password);
      return { user: publicUser(session.user), csrf_token: startSession(reply, session) };
    },
  });

  r.post('/api/auth/logout', {
    schema: { tags: ['auth'], summary: 'Sign out: ends the session', response: { 204: z.null(), ...errors } },
    handler: async (req, reply) => {
      const secret = req.cookies[SESSION_COOKIE];
      if (secret) await accounts.logout(secret);
      endSession(reply);
      return reply.status(204).send(null);
    },
  });

  r.post('/api/auth/logout-everywhere', {
    schema: { tags: ['auth'], summary: 'Sign out on every device: ends all my sessions, this one included (API tokens stay; revoke them one by one)', response: { 204: z.null(), ...errors } },
    handler: async (req, reply) => {
      await accounts.signOutEverywhere(signedInUser(req, accounts));
      endSession(reply);
      return reply.status(204).send(null);
    },
  });

  r.post('/api/auth/password', {
    config: limits.passwordChange,
    schema: {
      tags: ['auth'],
      summary: 'Change my password: my other sessions end, this one stays',
      body: PasswordChange,
      response: { 204: z.null(), ...errors },
    },
    handler: async (req, reply) => {
      const user = signedInUser(req, accounts);
      await accounts.changePassword(user, req.body.current_password, req.body.new_password, req.cookies[SESSION_COOKIE]);
      return reply.status(204).send(null);
    },
  });

  r.post('/api/tokens', {
    schema: { tags: ['auth'], summary: 'Make a personal API token (shown once) for scripts: Authorization: Bearer <token>', body: NewApiToken, response: { 201: CreatedApiToken, ...errors } },
    handler: async (req, reply) => {
      const created = await accounts.createToken(signedInUser(req, accounts), req.body.name);
      return reply.status(201).send({ ...publicToken(created), token: created.token });
    },
  });

  r.get('/api/tokens', {
    schema: { tags: ['auth'], summary: 'My API tokens', response: { 200: ApiTokenList, ...errors } },
    handler: async (req) => ({ items: (await accounts.listTokens(signedInUser(req, accounts))).map(publicToken) }),
  });

  r.delete('/api/tokens/:id', {
    schema: { tags: ['auth'], summary: 'Revoke an API token', params: TokenParams, response: { 204: z.null(), ...errors } },
    handler: async (req, reply) => {
      await accounts.revokeToken(signedInUser(req, accounts), req.params.id);
      return reply.status(204).send(null);
    },
  });
}
