import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ApiTokenList, AuthState, CreatedApiToken, Credentials, ErrorBody, NewApiToken, SignedIn } from '@imageflow/shared';
import { ConflictError, UnauthenticatedError } from '../errors.ts';
import { endSession, SESSION_COOKIE, startSession } from '../http/auth.ts';
import type { ApiTokenRecord, UserRecord } from '../ports/account.repository.port.ts';
import type { AccountService } from '../services/account.service.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const TokenParams = z.object({ id: z.string().min(1).max(64) });

function publicUser(user: UserRecord) {
  return { id: user.id, username: user.username, role: user.role };
}

function publicToken(token: ApiTokenRecord) {
  return { id: token.id, name: token.name, created_at: token.created_at, last_used_at: token.last_used_at };
}

export function authRoutes(app: FastifyInstance, accounts: AccountService, signInLimit: object): void {
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
    config: signInLimit,
    schema: { tags: ['auth'], summary: 'First run: create the first admin and sign in (only while no account exists)', body: Credentials, response: { 201: SignedIn, ...errors } },
    handler: async (req, reply) => {
      requireAccounts(accounts);
      const session = await accounts.setup(req.body.username, req.body.password);
      return reply.status(201).send({ user: publicUser(session.user), csrf_token: startSession(reply, session) });
    },
  });

  r.post('/api/auth/login', {
    config: signInLimit,
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

  r.post('/api/tokens', {
    schema: { tags: ['auth'], summary: 'Make a personal API token (shown once) for scripts: Authorization: Bearer <token>', body: NewApiToken, response: { 201: CreatedApiToken, ...errors } },
    handler: async (req, reply) => {
      const created = await accounts.createToken(signedIn(req, accounts), req.body.name);
      return reply.status(201).send({ ...publicToken(created), token: created.token });
    },
  });

  r.get('/api/tokens', {
    schema: { tags: ['auth'], summary: 'My API tokens', response: { 200: ApiTokenList, ...errors } },
    handler: async (req) => ({ items: (await accounts.listTokens(signedIn(req, accounts))).map(publicToken) }),
  });

  r.delete('/api/tokens/:id', {
    schema: { tags: ['auth'], summary: 'Revoke an API token', params: TokenParams, response: { 204: z.null(), ...errors } },
    handler: async (req, reply) => {
      await accounts.revokeToken(signedIn(req, accounts), req.params.id);
      return reply.status(204).send(null);
    },
  });
}

function requireAccounts(accounts: AccountService): void {
  if (!accounts.authOn) throw new ConflictError('Accounts are off (single-user mode): there is nothing to sign in to. Start ImageFlow with IMAGEFLOW_AUTH=on to use accounts.');
}

function signedIn(req: FastifyRequest, accounts: AccountService): UserRecord {
  requireAccounts(accounts);
  if (!req.user) throw new UnauthenticatedError();
  return req.user;
}
