import type { Kysely } from 'kysely';

/** What a remote backend needs to find a running job again after a restart (ComfyUI prompt_id, fal request_id, ...). */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('remote_json', 'text').execute();
}
