import { buildApp } from './app.ts';
import { ConfigError, isLoopbackHost, loadConfig, withoutPassword, type Config } from './config.ts';
import { LocalImageStore } from './adapters/local-image-store.ts';
import type { S3ImageStore } from './adapters/s3-image-store.ts';
import { sharpImageOps } from './adapters/sharp-image-ops.ts';
import { cryptoRandom, systemClock } from './adapters/system.ts';
import { migrate, openDatabase, type Db } from './db/database.ts';
import { BackendsConfigError, readBackendsConfig } from './providers/backends-config.ts';
import { createProviderRegistry } from './providers/create-providers.ts';

// The S3 SDK, ioredis, BullMQ and the providers' SDKs are loaded (`await import`) only when configured:
// together about 300 ms of start-up and 28 MB that a setup without them would pay for nothing.

/** The store of images: an S3 bucket when IMAGEFLOW_S3_BUCKET is set, else the local data folder. */
async function openStore(config: Config): Promise<{ store: LocalImageStore | S3ImageStore; where: string; close?: () => void }> {
  // Any IMAGEFLOW_S3_* set: the S3 module decides (an S3 store, or the error naming a stray variable).
  if (Object.entries(process.env).some(([k, v]) => k.startsWith('IMAGEFLOW_S3_') && v)) {
    const { S3ImageStore, s3ConfigFromEnv } = await import('./adapters/s3-image-store.ts');
    const s3 = s3ConfigFromEnv(process.env);
    if (s3) {
      const store = await S3ImageStore.open(s3);
      return { store, where: `bucket ${s3.bucket}`, close: () => store.close() };
    }
  }
  return { store: await LocalImageStore.open(config.dataDir), where: config.dataDir };
}

/** What several processes share must be reachable by all of them: Redis without PostgreSQL is a mistake. */
async function checkScaleOut(config: Config): Promise<void> {
  if (!config.redisUrl) return;
  if (!config.databaseUrl) {
    throw new ConfigError(
      'REDIS_URL is set, so workers may run in other processes or on other machines, but the database is the SQLite file in IMAGEFLOW_DATA_DIR, which they cannot share. Set DATABASE_URL to a PostgreSQL database every process can reach, or unset REDIS_URL.',
    );
  }
  const { checkRedis } = await import('./adapters/redis-job-events.ts');
  await checkRedis(config.redisUrl, withoutPassword(config.redisUrl));
}

/** ioredis, BullMQ and the adapters on them, for REDIS_URL. */
async function loadRedisAdapters() {
  const [{ Redis }, { RedisJobEvents }, { BullmqJobQueue }] = await Promise.all([
    import('ioredis'),
    import('./adapters/redis-job-events.ts'),
    import('./adapters/bullmq-job-queue.ts'),
  ]);
  return { Redis, RedisJobEvents, BullmqJobQueue };
}

async function main(): Promise<void> {
  let config;
  let backends;
  let db: Db;
  let opened;
  let providers;
  try {
    config = loadConfig();
    backends = readBackendsConfig(config.configFile, process.env);
    await checkScaleOut(config);
    db = await openDatabase(config);
    opened = await openStore(config);
    providers = await createProviderRegistry(backends, backends.dir);
  } catch (err) {
    // Start-up problems a person fixes: one line that says which and how (S3StoreError by name: its module is loaded only for S3).
    if (err instanceof ConfigError || err instanceof BackendsConfigError || (err instanceof Error && err.name === 'S3StoreError') || (err instanceof Error && /Redis is not reachable/.test(err.message))) {
      console.error(`imageflow: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }

  await migrate(db);
  const { store, where, close: closeStore } = opened;
  const redis = config.redisUrl ? { url: config.redisUrl, prefix: config.redisPrefix, ...(await loadRedisAdapters()) } : null;
  // Rate-limit counters shared by the API processes; a Redis that is slow or down never holds a request back.
  const rateLimitRedis = redis && config.rateLimits && config.role !== 'worker' ? new redis.Redis(redis.url, { connectTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
  rateLimitRedis?.on('error', () => undefined);
  const { app, start, services } = await buildApp({
    config,
    db,
    store,
    events: redis ? new redis.RedisJobEvents(redis.url, redis.prefix, (err) => console.error(`imageflow: Redis: ${(err as Error).message}`)) : undefined,
    queue: redis ? (context) => new redis.BullmqJobQueue(context, { redisUrl: redis.url, prefix: redis.prefix }) : undefined,
    instance: { ttlMs: config.instanceTtlMs, heartbeatMs: config.instanceTtlMs / 4 },
    rateLimitRedis,
    ops: sharpImageOps,
    providers,
    clock: systemClock,
    random: cryptoRandom,
    logger: {
      level: config.logLevel,
      // Readable lines for a person at a terminal; JSON lines for log collectors.
      ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
    },
  });

  if (rateLimitRedis) app.addHook('onClose', async () => void rateLimitRedis.disconnect());
  await start();
  if (config.role === 'worker') {
    app.log.info(`ImageFlow worker is running jobs (images in ${where})`);
  } else {
    await app.listen({ port: config.port, host: config.host });
    app.log.info(`ImageFlow ${config.role === 'api' ? 'API (no worker in this process) ' : ''}is ready at http://${config.host}:${config.port}/ (images in ${where})`);    if (!config.auth) {
      const reach = isLoopbackHost(config.host) ? 'only this machine can reach it' : 'anyone who can reach this address can use ImageFlow';
      app.log.info(`Single-user mode: no sign-in; ${reach} (IMAGEFLOW_AUTH=on turns accounts on).`);
    } else if (await services.accounts.setupNeeded()) {
      app.log.warn(`Accounts are on and none exists yet: open http://${config.host}:${config.port}/ to create the first admin, or run npm run user -- create NAME --admin`);
    } else {
      app.log.info(`Accounts are on${config.publicImages ? '' : '; image URLs need a sign-in (IMAGEFLOW_PUBLIC_IMAGES=false)'}.`);
    }
  }
  if (config.role !== 'api') {
    for (const [model, backend] of Object.entries(backends.routes)) {
      app.log.info(`${model} → ${backend}${backend === 'builtin' ? ' (offline procedural renderer, not AI)' : ''}`);
    }
  }

  // A worker hands its running jobs back to the queue; an API stops taking requests and lets the ones in flight finish.
  const shutdown = async (signal: string) => {
    app.log.info(`${signal}: shutting down`);
    await app.close();
    closeStore?.();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
