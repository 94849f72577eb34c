/**
 * The bare side: the database driver used directly, with no Kysely, repository or presenter.
 *
 * - SQLite: better-sqlite3 on a connection of its own with the app's settings (`configureSqlite`),
 *   each statement prepared once and run with `.all()`.
 * - PostgreSQL: one `pg.Client` on the same database. Each statement is sent as Kysely's
 *   PostgreSQL driver sends the service's: `client.query(text, values)`, an unnamed statement that
 *   the server parses and plans with the actual values on every call. A named (prepared once)
 *   statement is timed beside it as a detail; it is not the reference because after five runs
 *   PostgreSQL may switch it to a generic plan, which is not the plan the service gets.
 */
import crypto from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { configureSqlite } from '../../apps/api/src/db/database.ts';

export type Dialect = 'sqlite' | 'postgres';
export type Rows = unknown[];
export type Run = (parameters: readonly unknown[]) => Rows | Promise<Rows>;

export interface BareDb {
  readonly dialect: Dialect;
  /** The bare way to run `sql`, prepared (SQLite) or parsed (PostgreSQL) as described above. */
  statement(sql: string): Run;
  /** Other ways to run it, timed as details only (the gallery cases time all of them, the search cases the first). */
  readonly otherWays: ReadonlyArray<{ label: string; statement(sql: string): Run }>;
  /** What `plan()` records. */
  readonly planKind: string;
  /** The plan of a statement, as text for the results file (EXPLAIN ANALYZE runs the statement). */
  plan(sql: string, parameters: readonly unknown[]): Promise<string>;
  close(): Promise<void>;
}

export function sqliteBare(file: string): BareDb & { sqlite: SQLite.Database } {
  const sqlite = configureSqlite(new SQLite(file));
  return {
    dialect: 'sqlite',
    sqlite,
    statement(sql) {
      const stmt = sqlite.prepare(sql);
      return (parameters) => stmt.all(...parameters);
    },
    otherWays: [
      {
        label: 'prepare() on every call (as Kysely\'s SQLite driver does without the app\'s statement cache)',
        statement: (sql) => (parameters) => sqlite.prepare(sql).all(...parameters),
      },
    ],
    planKind: 'EXPLAIN QUERY PLAN',
    async plan(sql, parameters) {
      const rows = sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...parameters) as Array<{ detail: string }>;
      return rows.map((r) => `  ${r.detail}`).join('\n');
    },
    async close() {
      sqlite.close();
    },
  };
}

export interface PostgresBare extends BareDb {
  client: pg.Client;
  pool: pg.Pool;
  /** How often each named statement ran with a generic and with a custom plan (pg_prepared_statements). */
  preparedPlans(): Promise<Array<{ statement: string; generic: number; custom: number }>>;
}

export async function postgresBare(url: string): Promise<PostgresBare> {
  const client = new pg.Client({ connectionString: url, application_name: 'imageflow-bench-bare' });
  await client.connect();
  // A pool with the settings of the app's openPostgres, to time what checking a connection out and
  // back in costs (Kysely's driver does it for every query), without Kysely.
  const pool = new pg.Pool({ connectionString: url, max: 8, idleTimeoutMillis: 30_000, application_name: 'imageflow-bench-bare-pool' });
  pool.on('error', () => undefined);
  const names = new Map<string, string>();
  const nameOf = (sql: string) => {
    let name = names.get(sql);
    if (!name) {
      name = `bare_${crypto.createHash('sha1').update(sql).digest('hex').slice(0, 12)}`;
      names.set(sql, name);
    }
    return name;
  };
  return {
    dialect: 'postgres',
    client,
    pool,
    statement: (sql) => async (parameters) => (await client.query(sql, [...parameters])).rows,
    otherWays: [
      {
        label: 'named prepared statement (parsed once; PostgreSQL may use a generic plan after 5 runs)',
        statement(sql) {
          const name = nameOf(sql);
          return async (parameters) => (await client.query({ name, text: sql, values: [...parameters] })).rows;
        },
      },
      {
        label: 'through a pg.Pool like the app\'s: connect(), query(), release() (what Kysely\'s driver does, without Kysely)',
        statement: (sql) => async (parameters) => {
          const pooled = await pool.connect();
          try {
            return (await pooled.query(sql, [...parameters])).rows;
          } finally {
            pooled.release();
          }
        },
      },
    ],
    planKind: 'EXPLAIN (ANALYZE, BUFFERS)',
    async plan(sql, parameters) {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, [...parameters]);
      return rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n');
    },
    async preparedPlans() {
      const { rows } = await client.query<{ statement: string; generic_plans: number; custom_plans: number }>(
        'SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY prepare_time',
      );
      return rows.map((r) => ({ statement: r.statement, generic: Number(r.generic_plans), custom: Number(r.custom_plans) }));
    },
    async close() {
      await client.end();
      await pool.end();
    },
  };
}
