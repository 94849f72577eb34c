import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const origins = z
  .string()
  .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
  .pipe(
    z.array(
      z.union([
        z.literal('*'),
        z.url({ message: 'must be a comma-separated list of origins like http://localhost:5173, or *' }),
      ]),
    ),
  );

/** The form DATABASE_URL must have; shown when it does not. */
export const DATABASE_URL_FORM = 'postgres://USER:PASSWORD@HOST:5432/DATABASE';

const postgresUrl = z.string().refine(
  (s) => {
    try {
      const url = new URL(s);
      // A socket directory may stand in for the host: postgres:///imageflow?host=/var/run/postgresql
      return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && (url.hostname !== '' || url.searchParams.has('host'));
    } catch {
      return false;
    }
  },
  { message: `must be a PostgreSQL URL like ${DATABASE_URL_FORM} (postgres:// or postgresql://); leave it unset to use SQLite in IMAGEFLOW_DATA_DIR` },
);

const positiveInt = (max: number) =>
  z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(1, `must be between 1 and ${max}`).max(max, `must be between 1 and ${max}`);

const ConfigSchema = z.object({
  PORT: port.default(8000),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  IMAGEFLOW_DATA_DIR: z.string().min(1, 'must not be empty').default('./outputs'),
  IMAGEFLOW_CORS_ORIGINS: origins.default(['http://localhost:5173', 'http://127.0.0.1:5173']),
  IMAGEFLOW_JOB_CONCURRENCY: positiveInt(64).default(1),
  IMAGEFLOW_MAX_UPLOAD_MB: positiveInt(512).default(50),
  IMAGEFLOW_MAX_BUNDLE_MB: positiveInt(1_000_000).default(4096),
  IMAGEFLOW_UPLOAD_IDLE_S: positiveInt(600).default(15),
  IMAGEFLOW_WEB_DIR: z.string().min(1, 'must not be empty').optional(),
  IMAGEFLOW_CONFIG: z.string().min(1, 'must not be empty').optional(),
  IMAGEFLOW_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  IMAGEFLOW_ROLE: z.enum(['all', 'api', 'worker'], { error: 'must be all (API and worker in one process), api or worker' }).default('all'),
  DATABASE_URL: postgresUrl.optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'must be a Redis URL like redis://HOST:6379 (or rediss:// for TLS); leave it unset to run jobs and events in-process')
    .optional(),
  IMAGEFLOW_REDIS_PREFIX: z.string().regex(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "-" or "."').default('imageflow'),
  IMAGEFLOW_PUBLIC_BASE_URL: z
    .string()
    .refine(isPublicBaseUrl, 'must be an http(s) URL without a query, like https://cdn.example.com, under which images/… and thumbs/… are served; leave it unset for URLs relative to the API')
    .optional(),
  IMAGEFLOW_AUTH: z.enum(['on', 'off'], { error: 'must be on (accounts and sign-in) or off (single-user mode, no sign-in)' }).optional(),
  IMAGEFLOW_RATE_LIMIT: z
    .union([z.literal('off'), positiveInt(1_000_000)], { error: 'must be off or the number of API requests a client may make per minute, e.g. 600' })
    .optional(),
  IMAGEFLOW_GENERATION_RATE_LIMIT: positiveInt(100_000).default(60),
  IMAGEFLOW_SIGN_IN_ATTEMPTS: positiveInt(100_000).default(10),
  IMAGEFLOW_PUBLIC_IMAGES: z.enum(['true', 'false'], { error: 'must be true (image URLs open for whoever has them) or false (they need a sign-in, a token or a share link)' }).default('true'),
  IMAGEFLOW_RETENTION_DAYS: positiveInt(36_500).optional(),
  IMAGEFLOW_TRASH_DAYS: positiveInt(3650).default(30),
  IMAGEFLOW_MAX_QUEUED_PER_USER: positiveInt(100_000).default(100),
  IMAGEFLOW_TRUST_PROXY: z
    .string()
    .transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean))
    .refine((list) => list.length > 0 && list.every(isProxyAddress), 'must be a comma-separated list of the proxies\' addresses or networks, like 10.0.0.5,192.168.1.0/24 (or loopback)')
    .optional(),
  IMAGEFLOW_FILE_CACHE_MB: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be between 0 and 65536').max(65536, 'must be between 0 and 65536').default(64),
  IMAGEFLOW_TREE_CACHE_MB: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be between 0 and 65536').max(65536, 'must be between 0 and 65536').default(64),
  IMAGEFLOW_FILE_CACHE_RECHECK_MS: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(0, 'must be between 0 and 3600000').max(3_600_000, 'must be between 0 and 3600000').default(1000),
  IMAGEFLOW_INSTANCE_TTL_S: z.coerce.number({ error: 'must be a number' }).int('must be a whole number').min(2, 'must be between 2 and 600').max(600, 'must be between 2 and 600').default(20),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  corsOrigins: string[];
  jobConcurrency: number;
  maxUploadBytes: number;
  /** The largest lineage bundle (.zip) an import takes. */
  maxBundleBytes: number;
  /** An upload whose client sends nothing for this long is dropped. */
  uploadIdleMs: number;
  logLevel: string;
  /** `all`: API and worker in one process; `api`: HTTP only; `worker`: runs jobs only. */
  role: 'all' | 'api' | 'worker';
  /** The built web app, served at `/`. */
  webDir: string;
  /** The backends file; null when none is named and `imageflow.config.json` does not exist. */
  configFile: string | null;
  /** Where relative paths are resolved: the directory the command was started in. */
  baseDir: string;
  /** PostgreSQL to keep the record in; null: the SQLite file `imageflow.db` in `dataDir`. */
  databaseUrl: string | null;
  /** Redis for the queue (BullMQ) and job events; null: both in-process. */
  redisUrl: string | null;
  redisPrefix: string;
  /** How long an instance lives without a heartbeat before another takes over its jobs. */
  instanceTtlMs: number;
  /** Where images/… and thumbs/… are public (the API, or a CDN in front of it or of the bucket); null: URLs relative to the API. */
  publicBaseUrl: string | null;
  /** Accounts and sign-in; off is the single-user mode of a laptop. */
  auth: boolean;
  /**
   * Requests a client (a user, or an address when signed out) may make per minute: API requests in
   * general, and generations; null: no limits (the default without accounts).
   */
  rateLimits: { perMinute: number; generationsPerMinute: number; signInAttempts: number } | null;
  /** Whether /images and /thumbs URLs open for whoever has them (capability URLs); false: with accounts, only for their owner. */
  publicImages: boolean;
  /** Unstarred images older than this many days are removed (see RetentionService); null: kept forever. */
  retentionDays: number | null;
  /** Days a trashed image can be restored before its files are removed. */
  trashDays: number;
  /** With accounts: generations one user may have queued or running at once. */
  maxActivePerUser: number;
  /** Reverse proxies whose X-Forwarded-For is believed, so each client is told apart by its own address; empty: none. */
  trustProxy: string[];
  /** Memory for hot image files (thumbnails first): answered without touching the store; 0: none kept. */
  fileCacheBytes: number;
  /** Lineage answers kept to send again while their tree is unchanged (services/answer-cache.ts); 0: none. */
  treeCacheBytes: number;
  /**
   * How long a kept file is answered before the store is asked again whether it is still there. A remove made by
   * this process drops it at once; one made by another process sharing the folder or bucket is seen within this.
   * 0: asked on every request (the bytes still come from memory).
   */
  fileCacheRecheckMs: number;
}

const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.keys(ConfigSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = ConfigSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'configuration');
    const value = ['DATABASE_URL', 'REDIS_URL', 'IMAGEFLOW_PUBLIC_BASE_URL'].includes(name) ? withoutPassword(env[name] ?? '') : env[name];
    throw new ConfigError(`Invalid ${name}=${JSON.stringify(value)}: ${issue.message}`);
  }
  const c = parsed.data;
  // `npm start` runs the API inside its workspace; paths are meant relative to where the person ran it.
  const baseDir = env.INIT_CWD ?? process.cwd();
  const defaultConfigFile = path.resolve(baseDir, 'imageflow.config.json');
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir: path.resolve(baseDir, c.IMAGEFLOW_DATA_DIR),
    corsOrigins: c.IMAGEFLOW_CORS_ORIGINS,
    jobConcurrency: c.IMAGEFLOW_JOB_CONCURRENCY,
    maxUploadBytes: c.IMAGEFLOW_MAX_UPLOAD_MB * 1024 * 1024,
    maxBundleBytes: c.IMAGEFLOW_MAX_BUNDLE_MB * 1024 * 1024,
    uploadIdleMs: c.IMAGEFLOW_UPLOAD_IDLE_S * 1000,
    logLevel: c.IMAGEFLOW_LOG_LEVEL,
    role: c.IMAGEFLOW_ROLE,
    webDir: path.resolve(baseDir, c.IMAGEFLOW_WEB_DIR ?? DEFAULT_WEB_DIR),
    configFile: c.IMAGEFLOW_CONFIG ? path.resolve(baseDir, c.IMAGEFLOW_CONFIG) : fs.existsSync(defaultConfigFile) ? defaultConfigFile : null,
    baseDir,
    databaseUrl: c.DATABASE_URL ?? null,
    redisUrl: c.REDIS_URL ?? null,
    redisPrefix: c.IMAGEFLOW_REDIS_PREFIX,
    instanceTtlMs: c.IMAGEFLOW_INSTANCE_TTL_S * 1000,
    // On unless set off: a server reachable beyond this machine needs sign-in, unless told otherwise.
    auth: c.IMAGEFLOW_AUTH === undefined ? !isLoopbackHost(c.HOST) : c.IMAGEFLOW_AUTH === 'on',
    trustProxy: c.IMAGEFLOW_TRUST_PROXY ?? [],
    maxActivePerUser: c.IMAGEFLOW_MAX_QUEUED_PER_USER,
    retentionDays: c.IMAGEFLOW_RETENTION_DAYS ?? null,
    trashDays: c.IMAGEFLOW_TRASH_DAYS,
    publicImages: c.IMAGEFLOW_PUBLIC_IMAGES === 'true',
    fileCacheBytes: c.IMAGEFLOW_FILE_CACHE_MB * 1024 * 1024,
    fileCacheRecheckMs: c.IMAGEFLOW_FILE_CACHE_RECHECK_MS,
    treeCacheBytes: c.IMAGEFLOW_TREE_CACHE_MB * 1024 * 1024,
    rateLimits: rateLimitsOf(c.IMAGEFLOW_RATE_LIMIT, { generationsPerMinute: c.IMAGEFLOW_GENERATION_RATE_LIMIT, signInAttempts: c.IMAGEFLOW_SIGN_IN_ATTEMPTS }, c.IMAGEFLOW_AUTH === undefined ? !isLoopbackHost(c.HOST) : c.IMAGEFLOW_AUTH === 'on'),
    publicBaseUrl: c.IMAGEFLOW_PUBLIC_BASE_URL?.replace(/\/+$/, '') ?? null,
  };
}

/** Limits are on with accounts (600 requests a minute) unless set off, and off without them unless set. */
function rateLimitsOf(setting: 'off' | number | undefined, budgets: { generationsPerMinute: number; signInAttempts: number }, auth: boolean): Config['rateLimits'] {
  if (setting === 'off' || (setting === undefined && !auth)) return null;
  return { perMinute: setting ?? 600, ...budgets };
}

/** Whether only this machine can reach a server bound to `host`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function isProxyAddress(value: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(value)) return true;
  const [address, bits, ...rest] = value.split('/');
  const version = net.isIP(address ?? '');
  if (version === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128);
}

function isPublicBaseUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '' && url.username === '' && !value.includes('?') && !value.includes('#');
  } catch {
    return false;
  }
}

/** A URL as it may be shown in a message or a log: any password replaced by `***`. */
export function withoutPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = '***';
    return url.toString();
  } catch {
    // Not a URL: hide whatever sits between "://user:" and "@".
    return value.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}
