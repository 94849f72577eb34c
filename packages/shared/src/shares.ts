import { z } from 'zod';
import { ImageNode } from './api.ts';

export const ShareScope = z.enum(['image', 'branch', 'path']).describe('image: the one image; branch: the image and everything made from it; path: the image and its ancestors up to the root.');
export type ShareScope = z.infer<typeof ShareScope>;

export const MAX_SHARE_DAYS = 3650;

export const CreateShare = z.object({
  node_id: z.number({ error: 'node_id must be the id of one of your images' }).int().positive().max(Number.MAX_SAFE_INTEGER),
  scope: ShareScope.default('image'),
  expires_in_days: z
    .number()
    .int()
    .min(1)
    .max(MAX_SHARE_DAYS)
    .nullable()
    .default(30)
    .describe('Days until the link stops working; null: never.'),
  password: z.string().min(4, 'password must be at least 4 characters').max(256, 'password is at most 256 characters').optional(),
  allow_download: z.boolean().default(true),
  show_recipe: z.boolean().default(true),
});
export type CreateShare = z.infer<typeof CreateShare>;

export const ShareSummary = z.object({
  id: z.string(),
  node_id: z.number().int(),
  scope: ShareScope,
  created_at: z.string(),
  expires_at: z.string().nullable(),
  has_password: z.boolean(),
  allow_download: z.boolean(),
  show_recipe: z.boolean(),
  revoked_at: z.string().nullable(),
  view_count: z.number().int(),
  last_viewed_at: z.string().nullable(),
  state: z.enum(['live', 'expired', 'revoked']),
});
export type ShareSummary = z.infer<typeof ShareSummary>;

export const CreatedShare = ShareSummary.extend({ url: z.string().describe('The link; shown once (only its hash is kept).') });
export const ShareList = z.object({ items: z.array(ShareSummary) });

export const SharedView = z.object({
  share: z.object({ scope: ShareScope, expires_at: z.string().nullable(), allow_download: z.boolean(), show_recipe: z.boolean() }),
  focus_id: z.number().int(),
  root_id: z.number().int(),
  path: z.array(z.number().int()).describe('Ids from the shared root down to the focus.'),
  nodes: z.array(ImageNode),
  truncated: z.boolean(),
});
export type SharedView = z.infer<typeof SharedView>;

export const UnlockShare = z.object({ password: z.string().min(1, 'password is required').max(256) });
