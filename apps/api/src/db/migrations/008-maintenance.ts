import type { Kysely } from 'kysely';

/** Periodic work done once per cluster (retention): whoever moves `next_run_at` forward first runs it. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('maintenance')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('next_run_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('image_nodes_created_idx').on('image_nodes').columns(['created_at', 'id']).execute();
}
