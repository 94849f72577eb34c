import { sql, type Kysely } from 'kysely';

/**
 * Provenance: an upload keeps its original file byte for byte beside the PNG shown (its name, hash
 * and size here); nodes are found by the hash of either file, so an image ImageFlow made is known
 * again when it comes back; and a node whose recorded parent has not arrived yet remembers that
 * parent's hash, to be attached under it when it does.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('image_nodes').addColumn('original_filename', 'text').execute();
  await db.schema.alterTable('image_nodes').addColumn('original_sha256', 'text').execute();
  await db.schema.alterTable('image_nodes').addColumn('original_bytes', 'bigint').execute();
  await db.schema.alterTable('image_nodes').addColumn('pending_parent_sha256', 'text').execute();
  await db.schema.createIndex('image_nodes_sha256_idx').on('image_nodes').column('sha256').execute();
  await db.schema
    .createIndex('image_nodes_original_sha256_idx')
    .on('image_nodes')
    .column('original_sha256')
    .where(sql.ref('original_sha256'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('image_nodes_pending_parent_idx')
    .on('image_nodes')
    .column('pending_parent_sha256')
    .where(sql.ref('pending_parent_sha256'), 'is not', null)
    .execute();
}
