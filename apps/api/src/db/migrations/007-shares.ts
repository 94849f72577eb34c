import type { Kysely } from 'kysely';

/**
 * Share links: an image, a branch (a node and its descendants) or the path from the root to a
 * node, behind a key of which only the SHA-256 is stored, with an expiry, an optional password
 * (scrypt), switches for download and recipe, revocation and a view count. An unlock is a
 * browser's proof that it gave a protected link's password, kept as the hash of a cookie.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('shares')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('owner_id', 'text')
    .addColumn('node_id', 'integer', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('password_hash', 'text')
    .addColumn('allow_download', 'integer', (c) => c.notNull())
    .addColumn('show_recipe', 'integer', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_viewed_at', 'text')
    .execute();
  await db.schema.createIndex('shares_owner_idx').on('shares').columns(['owner_id', 'created_at']).execute();
  await db.schema
    .createTable('share_unlocks')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('share_id', 'text', (c) => c.notNull().references('shares.id').onDelete('cascade'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}
