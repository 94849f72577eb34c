import crypto from 'node:crypto';
import { Redis } from 'ioredis';

export const TEST_REDIS_URL = process.env.IMAGEFLOW_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of this test's own: tests share the machine's Redis with others and touch only their keys. */
export function redisTestPrefix(): string {
  return `imageflow-test-${crypto.randomUUID()}`;
}

/** Whether Redis answers; in CI a missing Redis fails the run instead of skipping. */
export async function redisAvailable(): Promise<boolean> {
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    if (process.env.CI) throw new Error(`Redis is not reachable at ${TEST_REDIS_URL}; .ci/run starts it.`);
    console.warn(`\n!!! Redis is not reachable at ${TEST_REDIS_URL}: the Redis tests are SKIPPED.\n`);
    return false;
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix` (and nothing else). */
export async function removeRedisKeys(prefix: string): Promise<void> {
  const client = new Redis(TEST_REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
}
