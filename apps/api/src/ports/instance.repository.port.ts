/** A process that shares the database; its running jobs and pending files are its own while it lives. */
export interface Instance {
  id: string;
  role: string;
  startedAt: Date;
  expiresAt: Date;
}

export interface InstanceRepository {
  register(instance: Instance): Promise<void>;
  /** Extends the instance's life; false when its row is gone because another instance found it expired. */
  heartbeat(id: string, expiresAt: Date): Promise<boolean>;
  remove(id: string): Promise<void>;
  /** Removes instances whose life ended before `now`; returns how many. */
  removeExpired(now: Date): Promise<number>;
  /** Removes every instance but `id`: for a process that knows it is alone with its database. */
  removeAllExcept(id: string): Promise<number>;
}
