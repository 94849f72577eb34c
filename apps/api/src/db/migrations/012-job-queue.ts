import type { Kysely } from 'kysely';

/**
 * The queue as people use it: a queued job moved to the front of its owner's queue remembers when
 * (later moves go first, before every job not moved); and everyone's jobs are listed newest first
 * (per owner through jobs_owner_idx, across all owners through this one).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('front_at', 'text').execute();
  await db.schema.createIndex('jobs_created_idx').on('jobs').columns(['created_at', 'id']).execute();
}
