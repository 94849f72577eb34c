import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Account, AccountList, AccountUpdate, ErrorBody, NewAccount, StorageUsage } from '@imageflow/shared';
import { ForbiddenError } from '../errors.ts';
import { signedInUser } from '../http/auth.ts';
import type { UserRecord } from '../ports/account.repository.port.ts';
import type { AccountService } from '../services/account.service.ts';
import type { Services } from '../services/container.ts';

const RetentionPlan = z.object({
  days: z.number().int().nullable().describe('IMAGEFLOW_RETENTION_DAYS; null: the rule is off and nothing is removed.'),
  images: z.number().int().describe('Images a run would remove now (at most 1,000 a run).'),
  bytes: z.number().int().describe('The bytes their image files take.'),
  sample: z.array(z.number().int()).describe('The first of them, oldest first.'),
});
const RetentionRun = z.object({ images: z.number().int(), bytes: z.number().int() });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };
const UserParams = z.object({ id: z.string().min(1).max(64) });

function requireAdmin(req: FastifyRequest, what: string): void {
  if (req.actor.role !== 'admin') throw new ForbiddenError(`Only an admin may ${what}.`);
}

/** The signed-in admin of an account route (accounts on). */
function signedInAdmin(req: FastifyRequest, accounts: AccountService): UserRecord {
  const user = signedInUser(req, accounts);
  requireAdmin(req, 'manage accounts');
  return user;
}

function accountOf(user: UserRecord, usage: Map<string | null, { images: number; bytes: number }>): Account {
  const used = usage.get(user.id) ?? { images: 0, bytes: 0 };
  return { id: user.id, username: user.username, role: user.role, created_at: user.created_at, disabled_at: user.disabled_at, images: used.images, bytes: used.bytes };
}

export function adminRoutes(app: FastifyInstance, { retention, images, accounts }: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/usage', {
    schema: { tags: ['images'], summary: 'Storage used: my images and their bytes (and every user\'s, for an admin)', response: { 200: StorageUsage, ...errors } },
    handler: async (req) => {
      const mine = await images.usage(req.actor.id);
      if (req.actor.role !== 'admin' || !accounts.authOn) return mine;
      const [all, users] = await Promise.all([images.usageByOwner(), accounts.listUsers()]);
      const names = new Map(users.map((u) => [u.id, u.username]));
      return { ...mine, users: all.map((u) => ({ user_id: u.owner_id, username: u.owner_id === null ? null : (names.get(u.owner_id) ?? null), images: u.images, bytes: u.bytes })) };
    },
  });

  r.get('/api/admin/retention', {
    schema: { tags: ['admin'], summary: 'Dry run of the retention rule: what it would remove now and the bytes that frees', response: { 200: RetentionPlan, ...errors } },
    handler: (req) => {
      requireAdmin(req, 'see or run the retention rule');
      return retention.plan();
    },
  });

  r.post('/api/admin/retention/run', {
    schema: { tags: ['admin'], summary: 'Run the retention rule now', response: { 200: RetentionRun, ...errors } },
    handler: (req) => {
      requireAdmin(req, 'see or run the retention rule');
      return retention.run();
    },
  });

  r.get('/api/admin/users', {
    schema: { tags: ['admin'], summary: 'Every account, with the storage its images take', response: { 200: AccountList, ...errors } },
    handler: async (req) => {
      signedInAdmin(req, accounts);
      const [users, usage] = await Promise.all([accounts.listUsers(), images.usageByOwner()]);
      const byOwner = new Map(usage.map((u) => [u.owner_id, u]));
      return { items: users.map((u) => accountOf(u, byOwner)) };
    },
  });

  r.post('/api/admin/users', {
    schema: { tags: ['admin'], summary: 'Make an account (role "user" unless given)', body: NewAccount, response: { 201: Account, ...errors } },
    handler: async (req, reply) => {
      signedInAdmin(req, accounts);
      const user = await accounts.createUser(req.body.username, req.body.password, req.body.role);
      return reply.status(201).send(accountOf(user, new Map()));
    },
  });

  r.patch('/api/admin/users/:id', {
    schema: {
      tags: ['admin'],
      summary: 'Change an account: role, disabled (it cannot sign in; its sessions end and tokens stop working), or a new password',
      params: UserParams,
      body: AccountUpdate,
      response: { 200: Account, ...errors },
    },
    handler: async (req) => {
      const admin = signedInAdmin(req, accounts);
      const user = await accounts.updateUser(admin, req.params.id, req.body);
      const usage = await images.usage(user.id);
      return accountOf(user, new Map([[user.id, usage]]));
    },
  });
}
