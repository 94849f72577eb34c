import { afterEach } from 'vitest';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type Services } from '../src/app.ts';
import type { NodeRepository } from '../src/ports/node.repository.port.ts';
import type { ImageStore } from '../src/ports/image-store.port.ts';
import type { ImageOps } from '../src/ports/image-ops.port.ts';
import type { JobEventBus } from '../src/ports/job-events.port.ts';
import { BullmqJobQueue } from '../src/adapters/bullmq-job-queue.ts';
import { RedisJobEvents } from '../src/adapters/redis-job-events.ts';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config.ts';
import { LocalImageStore } from '../src/adapters/local-image-store.ts';
import { sharpImageOps } from '../src/adapters/sharp-image-ops.ts';
import { cryptoRandom, systemClock } from '../src/adapters/system.ts';
import { migrate, openDatabase, type Db } from '../src/db/database.ts';
import { BuiltinProvider } from '../src/providers/builtin/builtin.provider.ts';
import { ProviderRegistry } from '../src/services/provider-registry.ts';
import type { Provider } from '../src/ports/provider.port.ts';
import { createTestDatabase, dropTestDatabases, testDatabaseUrl } from './support/postgres.ts';

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  db: Db;
  dataDir: string;
  /** Closes the app and database, as a graceful stop does; the data folder stays for a restart. */
  close(): Promise<void>;
  /** Ends the app as a crash would: running jobs stay running, nothing is handed back. */
  crash(): Promise<void>;
}

const madeDirs: string[] = [];

export async function makeDataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'imageflow-test-'));
  madeDirs.push(dir);
  return dir;
}

/** Removes the data folders this test file made (called from test/setup.ts). */
export async function removeDataDirs(): Promise<void> {
  await Promise.all(madeDirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
}

/** The database the API tests run on: PostgreSQL in the api-postgres project, else SQLite. */
export const TEST_DATABASE: 'sqlite' | 'postgres' = process.env.IMAGEFLOW_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
export const onPostgres = TEST_DATABASE === 'postgres';

/**
 * Each data folder's PostgreSQL database, made when an app first starts on the folder: apps
 * started on one folder (a restart, instances sharing a database) share it, as they share the
 * SQLite file there.
 */
const postgresDatabases = new Map<string, Promise<string>>();
const openDbs = new Set<Db>();
/** Few connections per app (tests run several apps at once); commits need not wait for the disk. */
const TEST_POOL = { max: 4, options: '-c synchronous_commit=off' };

async function databaseEnv(dataDir: string): Promise<Record<string, string>> {
  if (!onPostgres) return {};
  let name = postgresDatabases.get(dataDir);
  if (!name) {
    name = createTestDatabase();
    postgresDatabases.set(dataDir, name);
  }
  return { DATABASE_URL: testDatabaseUrl(await name) };
}

/** Closes what a test left open and drops the PostgreSQL databases this test file made (called from test/setup.ts). */
export async function removeTestDatabases(): Promise<void> {
  const left = [...openDbs];
  openDbs.clear();
  // A pool still busy is cut off by DROP ... WITH (FORCE) below.
  await Promise.all(left.map((db) => Promise.race([db.destroy().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))])));
  const names = await Promise.all([...postgresDatabases.values()].map((name) => name.catch(() => null)));
  postgresDatabases.clear();
  await dropTestDatabases(names.filter((n): n is string => n !== null));
}

/** Opens the database of a data folder as an app started on it does (the folder's PostgreSQL database in the api-postgres project). */
export async function openTestDatabase(dataDir: string, pool: { max?: number } = {}): Promise<Db> {
  return tracked(await openDatabase(loadConfig({ IMAGEFLOW_DATA_DIR: dataDir, ...(await databaseEnv(dataDir)) }), { ...TEST_POOL, ...pool }));
}

/** Remembers an open database until it is destroyed, so that the end of the file can close what a test left open. */
function tracked(db: Db): Db {
  openDbs.add(db);
  const destroy = db.destroy.bind(db);
  db.destroy = async () => {
    openDbs.delete(db);
    await destroy();
  };
  return db;
}

/**
 * A real app over a real database (a SQLite file in the data folder, or the folder's PostgreSQL
 * database in the api-postgres project) and a real folder. Small images keep the suite fast.
 */
export async function startTestApp(
  options: {
    dataDir?: string;
    provider?: Provider;
    /** Model routing of the test's own (overrides `provider`). */
    providers?: ProviderRegistry;
    start?: boolean;
    env?: Record<string, string>;
    /** A node repository of the test's own over the app's database, e.g. to inject a fault. */
    nodes?: (db: Db) => NodeRepository;
    /** An image store of the test's own around the real one, e.g. to inject a fault. */
    store?: (store: ImageStore) => ImageStore;
    /** Image operations of the test's own around the real ones, e.g. to hold a decode. */
    ops?: (ops: ImageOps) => ImageOps;
    /** Job events shared with other test apps, as Redis would share them between processes. */
    events?: JobEventBus;
    /** Shorter instance lifetimes, for takeover tests. */
    instance?: { ttlMs?: number; heartbeatMs?: number };
    /** Scale-out: job events over Redis pub/sub and the queue on BullMQ, under this key prefix. */
    redis?: { url: string; prefix: string };
  } = {},
): Promise<TestApp> {
  const dataDir = options.dataDir ?? (await makeDataDir());
  const config = loadConfig({
    IMAGEFLOW_DATA_DIR: dataDir,
    IMAGEFLOW_JOB_CONCURRENCY: '2',
    ...(await databaseEnv(dataDir)),
    ...(options.redis ? { IMAGEFLOW_REDIS_PREFIX: options.redis.prefix } : {}),
    ...options.env,
  });
  const db = tracked(await openDatabase(config, TEST_POOL));
  await migrate(db);
  const local = await LocalImageStore.open(dataDir);
  const rateLimitRedis = options.redis && config.rateLimits ? new Redis(options.redis.url, { maxRetriesPerRequest: 1 }) : undefined;
  const store = options.store?.(local) ?? local;
  const { app, services, start, crash } = await buildApp({
    config,
    db,
    store,
    ops: options.ops?.(sharpImageOps) ?? sharpImageOps,
    providers: options.providers ?? ProviderRegistry.single(options.provider ?? new BuiltinProvider()),
    clock: systemClock,
    random: cryptoRandom,
    nodes: options.nodes?.(db),
    events: options.events ?? (options.redis ? new RedisJobEvents(options.redis.url, options.redis.prefix, () => undefined) : undefined),
    queue: options.redis ? (context) => new BullmqJobQueue(context, { redisUrl: options.redis!.url, prefix: options.redis!.prefix }) : undefined,
    instance: options.instance,
    rateLimitRedis,
  });
  await app.ready();
  if (options.start !== false) await start();
  return {
    app,
    services,
    db,
    dataDir,
    close: async () => {
      await app.close();
      rateLimitRedis?.disconnect();
      await db.destroy();
    },
    crash: async () => {
      await crash();
      await db.destroy();
    },
  };
}

/** Small, quick recipe for tests. */
export const SMALL = { width: 128, height: 96, steps: 4 } as const;

/**
 * `startTestApp` for one test file: each app a test starts is closed after that test, the last
 * started first. Call it once, at the top of the file.
 */
export function startClosedAfterEach(): (options?: Parameters<typeof startTestApp>[0]) => Promise<TestApp> {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const t of apps.splice(0).reverse()) await t.close().catch(() => undefined);
  });
  return async (options = {}) => {
    const t = await startTestApp(options);
    apps.push(t);
    return t;
  };
}

export async function generate(app: FastifyInstance, body: Record<string, unknown>) {
  const res = await app.inject({ method: 'POST', url: '/api/images/generate', payload: { ...body, spec: { ...SMALL, ...(body.spec as object) } } });
  if (res.statusCode !== 201) throw new Error(`generate failed: ${res.statusCode} ${res.body}`);
  return res.json().images as Array<Record<string, any>>;
}

export async function listFiles(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const bucket of ['images', 'thumbs']) {
    for (const name of await fs.readdir(path.join(dataDir, bucket))) out.push(`${bucket}/${name}`);
  }
  return out.sort();
}

/** A provider whose runs wait until the test lets them go, for cancel and restart tests. */
export class GatedProvider implements Provider {
  readonly name = 'builtin';
  readonly kind = 'builtin';
  readonly isAi = false;
  started = 0;
  private release: (() => void) | null = null;
  private startedWaiters: Array<() => void> = [];
  private readonly inner = new BuiltinProvider();

  async generate(...args: Parameters<Provider['generate']>) {
    const [, options] = args;
    this.started++;
    for (const w of this.startedWaiters.splice(0)) w();
    await new Promise<void>((resolve, reject) => {
      this.release = resolve;
      options?.signal?.addEventListener('abort', () => reject(options.signal!.reason), { once: true });
    });
    return this.inner.generate(...args);
  }

  waitForStart(): Promise<void> {
    if (this.started > 0) return Promise.resolve();
    return new Promise((resolve) => this.startedWaiters.push(resolve));
  }

  letGo(): void {
    this.release?.();
  }

  health() {
    return this.inner.health();
  }

  models() {
    return this.inner.models();
  }
}

/** Resolves once `condition` holds, checking every 10 ms (at most 5 s); for states reached asynchronously. */
export async function until(condition: () => boolean | Promise<boolean>, what = 'the condition'): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
