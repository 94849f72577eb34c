import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ErrorBody } from '@imageflow/shared';
import { ForbiddenError } from '../errors.ts';
import type { Services } from '../services/container.ts';

const RetentionPlan = z.object({
  days: z.number().int().nullable().describe('IMAGEFLOW_RETENTION_DAYS; null: the rule is off and nothing is removed.'),
  images: z.number().int().describe('Images a run would remove now (at most 1,000 a run).'),
  bytes: z.number().int().describe('The bytes their image files take.'),
  sample: z.array(z.number().int()).describe('The first of them, oldest first.'),
});
const RetentionRun = z.object({ images: z.number().int(), bytes: z.number().int() });
const Usage = z.object({ images: z.number().int(), bytes: z.number().int() });
const StorageUsage = Usage.extend({
  users: z
    .array(Usage.extend({ user_id: z.string().nullable(), username: z.string().nullable() }))
    .optional()
    .describe('For admins with accounts on: every user\'s (user_id null: images from before accounts).'),
});
const errors = { 401: ErrorBody, 403: ErrorBody };

function requireAdmin(req: FastifyRequest): void {
  if (req.actor.role !== 'admin') throw new ForbiddenError('Only an admin may see or run the retention rule.');
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
      requireAdmin(req);
      return retention.plan();
    },
  });

  r.post('/api/admin/retention/run', {
    schema: { tags: ['admin'], summary: 'Run the retention rule now', response: { 200: RetentionRun, ...errors } },
    handler: (req) => {
      requireAdmin(req);
      return retention.run();
    },
  });
}
