import type { Db } from '../db/database.ts';
import type { Instance, InstanceRepository } from '../ports/instance.repository.port.ts';

export class KyselyInstanceRepository implements InstanceRepository {
  constructor(private readonly db: Db) {}

  async register(instance: Instance) {
    await this.db
      .insertInto('instances')
      .values({ id: instance.id, role: instance.role, started_at: instance.startedAt.toISOString(), expires_at: instance.expiresAt.toISOString() })
      .execute();
  }

  async heartbeat(id: string, expiresAt: Date) {
    const result = await this.db.updateTable('instances').set({ expires_at: expiresAt.toISOString() }).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async remove(id: string) {
    await this.db.deleteFrom('instances').where('id', '=', id).execute();
  }

  async removeExpired(now: Date) {
    const result = await this.db.deleteFrom('instances').where('expires_at', '<', now.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async removeAllExcept(id: string) {
    const result = await this.db.deleteFrom('instances').where('id', '!=', id).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
