import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration } from 'kysely';
import pg from 'pg';
import { ConfigError, type Config } from '../config.ts';
import type { Database } from './schema.ts';
import { namePreparedStatements } from './compiled-shapes.ts';
import * as m001 from './migrations/001-initial.ts';
import * as m002 from './migrations/002-job-remote-handle.ts';
import * as m003 from './migrations/003-instances.ts';
import * as m004 from './migrations/004-postgres-search.ts';
import * as m005 from './migrations/005-job-clients.ts';
import * as m006 from './migrations/006-accounts.ts';
import * as m007 from './migrations/007-shares.ts';
import * as m008 from './migrations/008-maintenance.ts';
import * as m009 from './migrations/009-trash.ts';
import * as m010 from './migrations/010-disabled-users.ts';
import * as m011 from './migrations/011-provenance.ts';
import * as m012 from './migrations/012-job-queue.ts';
import * as m013 from './migrations/013-tree-versions.ts';
import * as m014 from './migrations/014-node-json.ts';
import * as m015 from './migrations/015-node-summary.ts';
import * as m016 from './migrations/016-tree-versions-from-clock.ts';

/** Forward-only, numbered migrations, applied in order at start-up, the same on SQLite and PostgreSQL. */
const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-job-remote-handle': m002,
  '003-instances': m003,
  '004-postgres-search': m004,
  '005-job-clients': m005,
  '006-accounts': m006,
  '007-shares': m007,
  '008-maintenance': m008,
  '009-trash': m009,
  '010-disabled-users': m010,
  '011-provenance': m011,
  '012-job-queue': m012,
  '013-tree-versions': m013,
  '014-node-json': m014,
  '015-node-summary': m015,
  '016-tree-versions-from-clock': m016,
};

export type Db = Kysely<Database>;

const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query anew; the app runs the same few dozen shapes over and over, so
 * prepared statements are kept and reused (better-sqlite3 statements are safe to reuse once a
 * call has returned, and Kysely never iterates two at once on one connection).
 */
function withStatementCache(sqlite: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') return Reflect.get(target, prop, receiver);
      return (source: string) => {
        let statement = cache.get(source);
        if (statement) {
          // Move to the back: the map's order is least to most recently used.
          cache.delete(source);
        } else {
          statement = prepare(source);
          if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        }
        cache.set(source, statement);
        return statement;
      };
    },
  });
}

/** The connection settings the app runs with (also used by the benchmarks' bare queries). */
export function configureSqlite(sqlite: SQLite.Database): SQLite.Database {
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Reads of big lineages touch pages all over the file: map it, and keep a larger page cache.
  sqlite.pragma('mmap_size = 268435456');
  sqlite.pragma('cache_size = -65536');
  return sqlite;
}

/** Opens (creating if needed) the SQLite database. `':memory:'` gives a private in-memory one. */
export function openSqlite(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = configureSqlite(new SQLite(file));
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

// bigint columns (seed, bytes, id_sequences) and COUNT(*) arrive as strings unless told otherwise;
// every such value here is far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, Number);

/** PostgreSQL 12 brought stored generated columns, which prompt search uses. */
const MIN_POSTGRES_VERSION = 120000;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A pool over the PostgreSQL at `url`. Connections are made on first use: `openDatabase` checks
 * the server at once. `pool` overrides the pool settings (tests ask for fewer connections).
 */
export function openPostgres(url: string, pool: pg.PoolConfig = {}): Db {
  const connections = new pg.Pool({
    connectionString: url,
    max: 8,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'imageflow',
    ...pool,
  });
  // An idle connection the server ends (a restart, a failover) is dropped from the pool and the
  // next query opens a new one; without a listener the pool's 'error' event would end the process.
  connections.on('error', () => undefined);
  connections.on('connect', namePreparedStatements);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: connections }) });
}

/** The database could not be opened; the message says which one and what to do. */
export class DatabaseUnavailableError extends ConfigError {
  override name = 'DatabaseUnavailableError';
}

/**
 * Opens the database the configuration names: PostgreSQL when `DATABASE_URL` is set, else the
 * SQLite file `imageflow.db` in the data folder. A PostgreSQL that cannot be used fails here, with
 * a DatabaseUnavailableError of one line, rather than at the first request.
 */
export async function openDatabase(config: Pick<Config, 'dataDir' | 'databaseUrl'>, pool: pg.PoolConfig = {}): Promise<Db> {
  if (config.databaseUrl === null) return openSqlite(path.join(config.dataDir, 'imageflow.db'));
  const db = openPostgres(config.databaseUrl, pool);
  try {
    const { rows } = await sql<{ version: number }>`SELECT current_setting('server_version_num')::int AS version`.execute(db);
    const version = rows[0]!.version;
    if (version < MIN_POSTGRES_VERSION) {
      const target = postgresTarget(config.databaseUrl);
      throw new DatabaseUnavailableError(
        `PostgreSQL at ${target.host}:${target.port} is version ${Math.floor(version / 10000)}; ImageFlow needs 12 or later: upgrade it, or point DATABASE_URL at a newer server.`,
      );
    }
  } catch (err) {
    await db.destroy().catch(() => undefined);
    if (err instanceof DatabaseUnavailableError) throw err;
    throw new DatabaseUnavailableError(postgresFailure(err, postgresTarget(config.databaseUrl), pool.connectionTimeoutMillis ?? CONNECT_TIMEOUT_MS));
  }
  return db;
}

interface PostgresTarget {
  host: string;
  port: string;
  user: string;
  database: string;
}

/** Where a PostgreSQL URL points, with pg's defaults filled in (user: the login name; database: the user). */
export function postgresTarget(url: string): PostgresTarget {
  const u = new URL(url);
  const user = decodeURIComponent(u.username) || process.env.PGUSER || os.userInfo().username;
  return {
    host: u.hostname || u.searchParams.get('host') || 'localhost',
    port: u.port || '5432',
    user,
    database: decodeURIComponent(u.pathname.slice(1)) || user,
  };
}

/** One line that says what went wrong with the PostgreSQL of DATABASE_URL and how to fix it. */
export function postgresFailure(err: unknown, t: PostgresTarget, timeoutMs = CONNECT_TIMEOUT_MS): string {
  const e = (err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err) as { code?: string; message?: string };
  const detail = String(e?.message ?? err).replace(/\s+/g, ' ').trim();
  const at = `PostgreSQL at ${t.host}:${t.port}`;
  switch (e?.code) {
    case '3D000':
      return `${at} has no database "${t.database}" (DATABASE_URL): create it with \`createdb -h ${t.host} -p ${t.port} -U ${t.user} ${t.database}\`, or name an existing database in DATABASE_URL.`;
    case '28P01':
    case '28000':
      return `${at} refused user "${t.user}" for database "${t.database}" (${detail}): fix the user and password in DATABASE_URL, or allow them in the server's pg_hba.conf.`;
    case 'ECONNREFUSED':
      return `Cannot connect to ${at} for database "${t.database}": the connection was refused, so nothing is listening there. Start PostgreSQL, or fix the host and port in DATABASE_URL.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot connect to ${at} for database "${t.database}": the host "${t.host}" was not found. Fix the host in DATABASE_URL.`;
    case '57P03':
      return `${at} is starting up or shutting down and does not take connections yet (database "${t.database}"): start ImageFlow again in a moment.`;
    case '53300':
      return `${at} has no connection left for database "${t.database}" (${detail}): raise max_connections there, or stop what holds them.`;
  }
  if (/timeout/i.test(detail)) {
    return `Cannot connect to ${at} for database "${t.database}": no answer within ${timeoutMs / 1000} s. Check that PostgreSQL is running and reachable there, and the host and port in DATABASE_URL.`;
  }
  return `Cannot use ${at}, database "${t.database}": ${detail}. Check that PostgreSQL is running there and that DATABASE_URL is right.`;
}

/** Applies the migrations not yet applied, up to and with `upTo` if given (tests of an upgrade), else all. */
export async function migrate(db: Db, upTo?: string): Promise<void> {
  if (upTo !== undefined && !(upTo in MIGRATIONS)) throw new Error(`No migration ${upTo}.`);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
  });
  const { error, results } = await (upTo === undefined ? migrator.migrateToLatest() : migrator.migrateTo(upTo));
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${String((error as Error).message ?? error)}`);
  }
}
