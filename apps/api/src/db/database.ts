import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type Migration } from 'kysely';
import type { Database } from './schema.ts';
import * as m001 from './migrations/001-initial.ts';
import * as m002 from './migrations/002-job-remote-handle.ts';
import * as m003 from './migrations/003-instances.ts';

/** Forward-only, numbered migrations, applied in order at start-up. */
const MIGRATIONS: Record<string, Migration> = {
  '001-initial': m001,
  '002-job-remote-handle': m002,
  '003-instances': m003,
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

export async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${String((error as Error).message ?? error)}`);
  }
}
