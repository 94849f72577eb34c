import type { Kysely } from 'kysely';

/** An admin can disable an account: it keeps its images, but cannot sign in, and its sessions and tokens stop working. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('disabled_at', 'text').execute();
}
