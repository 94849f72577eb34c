import { Redis } from 'ioredis';
import type { JobEvent } from '@imageflow/shared';
import type { JobEventBus } from '../ports/job-events.port.ts';

/** Fails with a sentence naming REDIS_URL when Redis does not answer within a few seconds. */
export async function checkRedis(redisUrl: string, shownUrl: string): Promise<void> {
  const client = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(
      `Redis is not reachable at ${shownUrl} (${(err as Error).message}). Start Redis, or fix REDIS_URL; unset REDIS_URL to run jobs in this process.`,
    );
  } finally {
    client.disconnect();
  }
}

/**
 * Job events and cancels between processes over Redis pub/sub: one channel per job, so an API
 * receives only the jobs its clients follow, and one channel for cancels, which every worker hears.
 */
export class RedisJobEvents implements JobEventBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly listeners = new Map<string, Set<(event: JobEvent) => void>>();
  private readonly cancelListeners = new Set<(jobId: string) => void>();
  private readonly cancelChannel: string;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    private readonly onError: (err: unknown) => void,
  ) {
    this.pub = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.sub = new Redis(redisUrl, { maxRetriesPerRequest: null });
    this.pub.on('error', onError);
    this.sub.on('error', onError);
    this.cancelChannel = `${prefix}:cancel`;
    this.sub.on('message', (channel: string, message: string) => this.deliver(channel, message));
    void this.sub.subscribe(this.cancelChannel).catch(onError);
  }

  private channel(jobId: string): string {
    return `${this.prefix}:job:${jobId}`;
  }

  private deliver(channel: string, message: string): void {
    if (channel === this.cancelChannel) {
      for (const listener of this.cancelListeners) listener(message);
      return;
    }
    const jobId = channel.slice(this.channel('').length);
    const listeners = this.listeners.get(jobId);
    if (!listeners) return;
    let event: JobEvent;
    try {
      event = JSON.parse(message) as JobEvent;
    } catch (err) {
      this.onError(err);
      return;
    }
    for (const listener of [...listeners]) listener(event);
  }

  publish(event: JobEvent): void {
    void this.pub.publish(this.channel(event.job.id), JSON.stringify(event)).catch(this.onError);
  }

  subscribe(jobId: string, listener: (event: JobEvent) => void): () => void {
    let listeners = this.listeners.get(jobId);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(jobId, listeners);
      void this.sub.subscribe(this.channel(jobId)).catch(this.onError);
    }
    listeners.add(listener);
    return () => {
      const current = this.listeners.get(jobId);
      if (!current?.delete(listener) || current.size > 0) return;
      this.listeners.delete(jobId);
      void this.sub.unsubscribe(this.channel(jobId)).catch(this.onError);
    };
  }

  publishCancel(jobId: string): void {
    void this.pub.publish(this.cancelChannel, jobId).catch(this.onError);
  }

  onCancel(listener: (jobId: string) => void): () => void {
    this.cancelListeners.add(listener);
    return () => this.cancelListeners.delete(listener);
  }

  /** Resolves once the subscriber connection is subscribed to what it listens to (for tests). */
  async ready(): Promise<void> {
    await this.sub.ping();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.cancelListeners.clear();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }
}
