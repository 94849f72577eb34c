export type Role = 'admin' | 'user';

export interface UserRecord {
  id: string;
  username: string;
  role: Role;
  created_at: string;
  /** When an admin disabled the account (it cannot sign in, its sessions and tokens stop working); null otherwise. */
  disabled_at: string | null;
}

export interface ApiTokenRecord {
  id: string;
  user_id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

/** Users, their sign-in sessions and their API tokens. Secrets are only ever stored as hashes. */
export interface AccountRepository {
  countUsers(): Promise<number>;
  listUsers(): Promise<UserRecord[]>;
  /** Inserts the user; false when the username is taken. */
  insertUser(user: UserRecord, passwordHash: string): Promise<boolean>;
  /** Inserts the user only while no user exists (first-run set-up); false otherwise. */
  insertFirstUser(user: UserRecord, passwordHash: string): Promise<boolean>;
  findByUsername(username: string): Promise<{ user: UserRecord; passwordHash: string } | undefined>;
  findById(id: string): Promise<{ user: UserRecord; passwordHash: string } | undefined>;
  /** Changes what is given; false when there is no such user. */
  updateUser(id: string, changes: { role?: Role; disabled_at?: string | null; passwordHash?: string }): Promise<boolean>;
  /** The oldest admin: the owner of what was made before accounts existed. */
  firstAdmin(): Promise<UserRecord | undefined>;
  /** Gives every node and job without an owner to `userId`; returns how many nodes it gave. */
  claimUnowned(userId: string): Promise<number>;

  insertSession(session: { tokenHash: string; userId: string; createdAt: string; expiresAt: string }): Promise<void>;
  /** The user of a session that has not expired at `now` (never a disabled user). */
  findSessionUser(tokenHash: string, now: string): Promise<UserRecord | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Ends every session of the user but the one with `exceptTokenHash` (when given). */
  deleteUserSessions(userId: string, exceptTokenHash?: string): Promise<void>;
  deleteExpiredSessions(now: string): Promise<void>;

  insertToken(token: ApiTokenRecord, tokenHash: string): Promise<void>;
  listTokens(userId: string): Promise<ApiTokenRecord[]>;
  /** Revokes one of the user's tokens; false when the user has no such live token. */
  revokeToken(id: string, userId: string, at: string): Promise<boolean>;
  /** The user of a live (not revoked) token, recording its use at `now` (never a disabled user). */
  useToken(tokenHash: string, now: string): Promise<UserRecord | undefined>;
}
