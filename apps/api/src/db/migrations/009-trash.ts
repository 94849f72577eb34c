import type { Kysely } from 'kysely';

/** Delete moves an image to the trash (files kept, restorable) until it is purged; the trash is listed per owner, newest first. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('image_nodes').addColumn('trashed_at', 'text').execute();
  await db.schema.createIndex('image_nodes_trash_idx').on('image_nodes').columns(['trashed_at', 'id']).execute();
}
