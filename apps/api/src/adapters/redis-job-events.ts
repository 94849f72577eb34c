import { Redis } from 'ioredis';
import type { JobEvent } from '@imageflow/shared';
import type { JobEventBus, SubscribeOptions } from '../ports/job-events.port.ts';

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

/** How old the count of a job's preview followers may be before it is asked again. */
const FOLLOWERS_REFRESH_MS = 500;
/** A count nobody asked about for this long belongs to a job that ended here unannounced; it is dropped. */
const FOLLOWERS_FORGET_MS = 60_000;

/** What this process last learnt of a job's preview followers in every process. */
interface FollowerCount {
  followers: number;
  /** When it was last asked (0: never). */
  askedAt: number;
  asking: boolean;
  usedAt: number;
}

/**
 * Job events and cancels between processes over Redis pub/sub: one channel per job, so an API
 * receives only the jobs its clients follow, and one channel for cancels, which every worker hears.
 *
 * Live previews have a channel per job of their own, subscribed to only by the processes serving
 * someone who watches them (an event stream). Redis counts those subscriptions across every process
 * (PUBSUB NUMSUB) and drops them with a connection that dies, so the worker running a job learns
 * whether anyone watches by asking that count: at most every FOLLOWERS_REFRESH_MS per running job,
 * one O(1) command. A follower who has just arrived is seen within that time; one who has left
 * within that time too. No keys are written, so nothing can outlive a crashed process.
 */
export class RedisJobEvents implements JobEventBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly listeners = new Map<string, Set<(event: JobEvent) => void>>();
  private readonly previewListeners = new Map<string, Set<(event: JobEvent) => void>>();
  private readonly followerCounts = new Map<string, FollowerCount>();
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

  private previewChannel(jobId: string): string {
    return `${this.prefix}:preview:${jobId}`;
  }

  private deliver(channel: string, message: string): void {
    if (channel === this.cancelChannel) {
      for (const listener of this.cancelListeners) listener(message);
      return;
    }
    const previews = channel.startsWith(this.previewChannel(''));
    const jobId = channel.slice((previews ? this.previewChannel('') : this.channel('')).length);
    const listeners = (previews ? this.previewListeners : this.listeners).get(jobId);
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
    const jobId = event.job.id;
    const preview = event.type === 'preview';
    void this.pub.publish(preview ? this.previewChannel(jobId) : this.channel(jobId), JSON.stringify(event)).catch(this.onError);
    // A running job's progress keeps its count of followers fresh, so it is known when a preview comes.
    if (event.type === 'progress') this.followerCount(jobId);
    else if (!preview) this.followerCounts.delete(jobId);
  }

  subscribe(jobId: string, listener: (event: JobEvent) => void, options: SubscribeOptions = {}): () => void {
    const stops = [this.join(this.listeners, this.channel(jobId), jobId, listener)];
    if (options.previews) stops.push(this.join(this.previewListeners, this.previewChannel(jobId), jobId, listener));
    return () => {
      for (const stop of stops) stop();
    };
  }

  /** Adds a listener of one of a job's channels, subscribing to it for the first; returns the removal. */
  private join(all: Map<string, Set<(event: JobEvent) => void>>, channel: string, jobId: string, listener: (event: JobEvent) => void): () => void {
    let listeners = all.get(jobId);
    if (!listeners) {
      listeners = new Set();
      all.set(jobId, listeners);
      void this.sub.subscribe(channel).catch(this.onError);
    }
    listeners.add(listener);
    return () => {
      const current = all.get(jobId);
      if (!current?.delete(listener) || current.size > 0) return;
      all.delete(jobId);
      void this.sub.unsubscribe(channel).catch(this.onError);
    };
  }

  wantsPreviews(jobId: string): boolean {
    if (this.previewListeners.has(jobId)) return true;
    return this.followerCount(jobId).followers > 0;
  }

  /** The last known count of the job's preview followers in every process, asked again when stale. */
  private followerCount(jobId: string): FollowerCount {
    const now = Date.now();
    let count = this.followerCounts.get(jobId);
    if (!count) {
      count = { followers: 0, askedAt: 0, asking: false, usedAt: now };
      this.followerCounts.set(jobId, count);
    }
    count.usedAt = now;
    if (count.asking || now - count.askedAt < FOLLOWERS_REFRESH_MS) return count;
    for (const [id, other] of this.followerCounts) {
      if (now - other.usedAt > FOLLOWERS_FORGET_MS) this.followerCounts.delete(id);
    }
    const asked = count;
    asked.asking = true;
    asked.askedAt = now;
    // One question at a time per job: while Redis is away, questions do not pile up.
    this.pub
      .pubsub('NUMSUB', this.previewChannel(jobId))
      .then((reply) => {
        asked.followers = Number((reply as unknown[])[1] ?? 0);
      }, this.onError)
      .finally(() => {
        asked.asking = false;
      });
    return count;
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
    this.previewListeners.clear();
    this.followerCounts.clear();
    this.cancelListeners.clear();
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }
}
