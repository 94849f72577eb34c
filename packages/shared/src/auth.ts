import { z } from 'zod';

export const User = z.object({
  id: z.string(),
  username: z.string(),
  role: z.enum(['admin', 'user']),
});
export type User = z.infer<typeof User>;

export const AuthState = z.object({
  auth: z.enum(['on', 'off']).describe('"off": single-user mode, no sign-in (a laptop); "on": accounts.'),
  user: User.nullable(),
  csrf_token: z.string().nullable().describe('Send as the x-csrf-token header with every write made with the session cookie.'),
  setup_needed: z.boolean().describe('Accounts are on and none exists yet: POST /api/auth/setup creates the first admin.'),
});
export type AuthState = z.infer<typeof AuthState>;

export const Credentials = z.object({
  username: z.string().min(1, 'username is required').max(64, 'username is at most 64 characters'),
  password: z.string().min(1, 'password is required').max(256, 'password is at most 256 characters'),
});
export type Credentials = z.infer<typeof Credentials>;

export const SignedIn = z.object({ user: User, csrf_token: z.string() });
export type SignedIn = z.infer<typeof SignedIn>;

export const NewApiToken = z.object({ name: z.string().trim().min(1, 'name is required').max(100, 'name is at most 100 characters') });

export const ApiToken = z.object({
  id: z.string(),
  name: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const CreatedApiToken = ApiToken.extend({ token: z.string().describe('Shown once; only its hash is kept.') });
export const ApiTokenList = z.object({ items: z.array(ApiToken) });
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;
export type ApiTokenList = z.infer<typeof ApiTokenList>;

export const PasswordChange = z.object({
  current_password: z.string().min(1, 'current_password is required').max(256, 'current_password is at most 256 characters'),
  new_password: z.string().min(1, 'new_password is required').max(256, 'new_password is at most 256 characters'),
});
export type PasswordChange = z.infer<typeof PasswordChange>;

/** An account as its admins see it, with the storage its images take. */
export const Account = User.extend({
  created_at: z.string(),
  disabled_at: z.string().nullable().describe('When an admin disabled it: it cannot sign in and its tokens stop working.'),
  images: z.number().int().describe('Images it owns (the trash included).'),
  bytes: z.number().int().describe('Bytes its image files take.'),
});
export type Account = z.infer<typeof Account>;
export const AccountList = z.object({ items: z.array(Account) });
export type AccountList = z.infer<typeof AccountList>;

export const NewAccount = Credentials.extend({ role: z.enum(['admin', 'user']).default('user') });
export type NewAccount = z.input<typeof NewAccount>;

export const AccountUpdate = z
  .object({
    role: z.enum(['admin', 'user']).optional(),
    disabled: z.boolean().optional(),
    password: z.string().min(1).max(256, 'password is at most 256 characters').optional().describe('A new password (for someone who forgot theirs); ends their sign-ins.'),
  })
  .strict();
export type AccountUpdate = z.infer<typeof AccountUpdate>;

/** Images and the bytes of their files (an upload's original included). */
export const Usage = z.object({ images: z.number().int(), bytes: z.number().int() });
export type Usage = z.infer<typeof Usage>;

/** GET /api/usage: mine, and for an admin with accounts on, every user's. */
export const StorageUsage = Usage.extend({
  users: z
    .array(Usage.extend({ user_id: z.string().nullable(), username: z.string().nullable() }))
    .optional()
    .describe("For admins with accounts on: every user's (user_id null: images from before accounts)."),
});
export type StorageUsage = z.infer<typeof StorageUsage>;
