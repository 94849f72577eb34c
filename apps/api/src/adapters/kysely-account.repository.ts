import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { isSqlite } from '../db/dialect.ts';
import type { AccountRepository, ApiTokenRecord, Role, UserRecord } from '../ports/account.repository.port.ts';

const USER_COLUMNS = ['users.id', 'users.username', 'users.role', 'users.created_at', 'users.disabled_at'] as const;

function toUser(row: { id: string; username: string; role: string; created_at: string; disabled_at: string | null }): UserRecord {
  return { id: row.id, username: row.username, role: row.role as Role, created_at: row.created_at, disabled_at: row.disabled_at };
}

/** A unique-constraint violation on SQLite or PostgreSQL. */
function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export class KyselyAccountRepository implements AccountRepository {
  constructor(private readonly db: Db) {}

  async countUsers() {
    const row = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async listUsers() {
    return (await this.db.selectFrom('users').select(USER_COLUMNS).orderBy('created_at').orderBy('id').execute()).map(toUser);
  }

  async insertUser(user: UserRecord, passwordHash: string) {
    try {
      await this.db.insertInto('users').values({ ...user, disabled_at: null, password_hash: passwordHash }).execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async insertFirstUser(user: UserRecord, passwordHash: string) {
    // SQLite runs one writer at a time, so the statement alone is enough; on PostgreSQL two set-ups at
    // once would both find the table empty, so the second waits for the first behind a table lock.
    return this.db.transaction().execute(async (trx) => {
      if (!isSqlite(trx)) await sql`LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
      const result = await sql`
        INSERT INTO users (id, username, password_hash, role, created_at)
        SELECT ${user.id}, ${user.username}, ${passwordHash}, ${user.role}, ${user.created_at}
        WHERE NOT EXISTS (SELECT 1 FROM users)`.execute(trx);
      return Number(result.numAffectedRows ?? 0) === 1;
    });
  }

  async findByUsername(username: string) {
    const row = await this.db.selectFrom('users').select([...USER_COLUMNS, 'users.password_hash']).where('username', '=', username).executeTakeFirst();
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  async findById(id: string) {
    const row = await this.db.selectFrom('users').select([...USER_COLUMNS, 'users.password_hash']).where('id', '=', id).executeTakeFirst();
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  async updateUser(id: string, changes: { role?: Role; disabled_at?: string | null; passwordHash?: string }) {
    const set: { role?: Role; disabled_at?: string | null; password_hash?: string } = {};
    if (changes.role !== undefined) set.role = changes.role;
    if (changes.disabled_at !== undefined) set.disabled_at = changes.disabled_at;
    if (changes.passwordHash !== undefined) set.password_hash = changes.passwordHash;
    if (Object.keys(set).length === 0) return (await this.findById(id)) !== undefined;
    const result = await this.db.updateTable('users').set(set).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async firstAdmin() {
    const row = await this.db.selectFrom('users').select(USER_COLUMNS).where('role', '=', 'admin').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
    return row && toUser(row);
  }

  async claimUnowned(userId: string) {
    return this.db.transaction().execute(async (trx) => {
      const nodes = await trx.updateTable('image_nodes').set({ owner_id: userId }).where('owner_id', 'is', null).executeTakeFirst();
      await trx.updateTable('jobs').set({ owner_id: userId }).where('owner_id', 'is', null).execute();
      return Number(nodes.numUpdatedRows);
    });
  }

  async insertSession(session: { tokenHash: string; userId: string; createdAt: string; expiresAt: string }) {
    await this.db
      .insertInto('sessions')
      .values({ token_hash: session.tokenHash, user_id: session.userId, created_at: session.createdAt, expires_at: session.expiresAt })
      .execute();
  }

  async findSessionUser(tokenHash: string, now: string) {
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(USER_COLUMNS)
      .where('sessions.token_hash', '=', tokenHash)
      .where('sessions.expires_at', '>', now)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst();
    return row && toUser(row);
  }

  async deleteSession(tokenHash: string) {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteUserSessions(userId: string, exceptTokenHash?: string) {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptTokenHash !== undefined) query = query.where('token_hash', '!=', exceptTokenHash);
    await query.execute();
  }

  async deleteExpiredSessions(now: string) {
    await this.db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  }

  async insertToken(token: ApiTokenRecord, tokenHash: string) {
    await this.db.insertInto('api_tokens').values({ ...token, token_hash: tokenHash, revoked_at: null }).execute();
  }

  async listTokens(userId: string) {
    return this.db
      .selectFrom('api_tokens')
      .select(['id', 'user_id', 'name', 'created_at', 'last_used_at'])
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
  }

  async revokeToken(id: string, userId: string, at: string) {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async useToken(tokenHash: string, now: string) {
    const row = await this.db
      .selectFrom('api_tokens')
      .innerJoin('users', 'users.id', 'api_tokens.user_id')
      .select([...USER_COLUMNS, 'api_tokens.id as token_id'])
      .where('api_tokens.token_hash', '=', tokenHash)
      .where('api_tokens.revoked_at', 'is', null)
      .where('users.disabled_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    await this.db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', row.token_id).execute();
    return toUser(row);
  }
}
