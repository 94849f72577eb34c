import type { Db } from '../db/database.ts';
import type { SharesTable } from '../db/schema.ts';
import type { ShareRecord, ShareRepository, ShareScope } from '../ports/share.repository.port.ts';
import type { Selectable } from 'kysely';

function toRecord(row: Selectable<SharesTable>): ShareRecord {
  return {
    id: row.id,
    owner_id: row.owner_id,
    node_id: Number(row.node_id),
    scope: row.scope as ShareScope,
    created_at: row.created_at,
    expires_at: row.expires_at,
    has_password: row.password_hash !== null,
    allow_download: row.allow_download === 1,
    show_recipe: row.show_recipe === 1,
    revoked_at: row.revoked_at,
    view_count: Number(row.view_count),
    last_viewed_at: row.last_viewed_at,
  };
}

export class KyselyShareRepository implements ShareRepository {
  constructor(private readonly db: Db) {}

  async insert(share: ShareRecord, keyHash: string, passwordHash: string | null) {
    await this.db
      .insertInto('shares')
      .values({
        id: share.id,
        key_hash: keyHash,
        owner_id: share.owner_id,
        node_id: share.node_id,
        scope: share.scope,
        created_at: share.created_at,
        expires_at: share.expires_at,
        password_hash: passwordHash,
        allow_download: share.allow_download ? 1 : 0,
        show_recipe: share.show_recipe ? 1 : 0,
        revoked_at: null,
        last_viewed_at: null,
      })
      .execute();
  }

  async findByKeyHash(keyHash: string) {
    const row = await this.db.selectFrom('shares').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
    return row && { share: toRecord(row), passwordHash: row.password_hash };
  }

  async findById(id: string) {
    const row = await this.db.selectFrom('shares').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(ownerId: string | null | undefined) {
    let query = this.db.selectFrom('shares').selectAll();
    if (ownerId !== undefined) query = query.where('owner_id', ownerId === null ? 'is' : '=', ownerId);
    return (await query.orderBy('created_at', 'desc').orderBy('id').execute()).map(toRecord);
  }

  async revoke(id: string, at: string) {
    await this.db.updateTable('shares').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async countView(id: string, at: string) {
    await this.db
      .updateTable('shares')
      .set((eb) => ({ view_count: eb('view_count', '+', 1), last_viewed_at: at }))
      .where('id', '=', id)
      .execute();
  }

  async insertUnlock(tokenHash: string, shareId: string, expiresAt: string) {
    await this.db.insertInto('share_unlocks').values({ token_hash: tokenHash, share_id: shareId, expires_at: expiresAt }).execute();
  }

  async hasUnlock(tokenHash: string, shareId: string, now: string) {
    const row = await this.db
      .selectFrom('share_unlocks')
      .select('token_hash')
      .where('token_hash', '=', tokenHash)
      .where('share_id', '=', shareId)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return row !== undefined;
  }
}
