import crypto from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server the tests make their databases on, reached through a database that is
 * always there. Other people's databases live on it too: the tests create databases named
 * `imageflow_test_…` and drop only those they created.
 */
export const TEST_POSTGRES_URL = process.env.IMAGEFLOW_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** How the machine notes start PostgreSQL when it is down. */
export const START_POSTGRES = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

const TEST_DATABASE_NAME = /^imageflow_test_[a-z0-9_]+$/;

function where(): string {
  const u = new URL(TEST_POSTGRES_URL);
  return `${u.hostname || 'localhost'}:${u.port || '5432'}`;
}

async function withAdmin<T>(use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(`PostgreSQL for the api-postgres tests is not reachable at ${where()} (${(err as Error).message}). Start it: ${START_POSTGRES}`);
  }
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why the tests cannot use PostgreSQL, or null when they can. */
export async function postgresProblem(): Promise<string | null> {
  try {
    await withAdmin((client) => client.query('SELECT 1'));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The URL of database `name` on the test server. */
export function testDatabaseUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates an empty database of the test's own and returns its name. */
export async function createTestDatabase(): Promise<string> {
  const name = `imageflow_test_${crypto.randomBytes(8).toString('hex')}`;
  await withAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  return name;
}

/** Drops databases made by createTestDatabase, ending any connection still open to them. */
export async function dropTestDatabases(names: string[]): Promise<void> {
  if (names.length === 0) return;
  for (const name of names) {
    if (!TEST_DATABASE_NAME.test(name)) throw new Error(`refusing to drop ${JSON.stringify(name)}: not a test database`);
  }
  await Promise.all(names.map((name) => withAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))));
}
