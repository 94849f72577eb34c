import { sql, type Kysely } from 'kysely';

/**
 * Accounts: users with a password hash and a role, sign-in sessions and personal API tokens (both
 * stored as hashes of the secret the client holds), and an owner on every node and job. Rows made
 * before accounts existed have no owner; they go to the first admin (see AccountService).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').columns(['user_id', 'created_at']).execute();

  await db.schema.alterTable('image_nodes').addColumn('owner_id', 'text').execute();
  await db.schema.alterTable('jobs').addColumn('owner_id', 'text').execute();
  // A user's gallery, newest first; and the rows still waiting for an owner.
  await db.schema.createIndex('image_nodes_owner_idx').on('image_nodes').columns(['owner_id', 'id']).execute();
  await db.schema.createIndex('jobs_owner_idx').on('jobs').columns(['owner_id', 'created_at']).execute();
  await db.schema.createIndex('image_nodes_unowned_idx').on('image_nodes').column('id').where(sql.ref('owner_id'), 'is', null).execute();
}
