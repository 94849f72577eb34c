import type { Kysely } from 'kysely';

/**
 * Processes that share the database: each registers as an instance and keeps its row alive. A
 * running job names the instance running it, and a pending file the instance writing it, so that
 * only the work of an instance that is really gone is taken over or swept.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('instances')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('jobs').addColumn('worker_id', 'text').execute();
  await db.schema.alterTable('pending_files').addColumn('owner', 'text').execute();
}
