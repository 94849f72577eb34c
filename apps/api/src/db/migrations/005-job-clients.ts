import type { Kysely } from 'kysely';

/**
 * Each job remembers the client that asked for it, so that workers take queued jobs in turns across
 * clients instead of strictly oldest first; existing jobs share one anonymous client. Indexes keep
 * the fair pick cheap however long the history: queued jobs by client in order, each client's last
 * start, and running jobs by backend (for backend limits).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('client_key', 'text', (c) => c.notNull().defaultTo('')).execute();
  await db.schema.createIndex('jobs_status_client_idx').on('jobs').columns(['status', 'client_key', 'created_at']).execute();
  await db.schema.createIndex('jobs_client_started_idx').on('jobs').columns(['client_key', 'started_at']).execute();
  await db.schema.createIndex('jobs_status_provider_idx').on('jobs').columns(['status', 'provider']).execute();
}
