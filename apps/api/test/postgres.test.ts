/**
 * What PostgreSQL has to get right beyond running the same tests as SQLite: claimers racing for
 * jobs, search text turned into a tsquery, and a start-up that fails in one line when the database
 * cannot be used. The search tests run on SQLite too (FTS5 has a query syntax of its own to break).
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { NodeSummary } from '@imageflow/shared';
import { KyselyJobRepository } from '../src/adapters/kysely-job.repository.ts';
import { KyselyNodeRepository } from '../src/adapters/kysely-node.repository.ts';
import { DatabaseUnavailableError, migrate, openDatabase, type Db } from '../src/db/database.ts';
import type { JobRecord } from '../src/ports/job.repository.port.ts';
import { generate, makeDataDir, onPostgres, openTestDatabase, startTestApp, type TestApp } from './harness.ts';
import { testDatabaseUrl } from './support/postgres.ts';
import { queuedJob } from './support/jobs.ts';
import { newNode } from './support/nodes.ts';

const postgresDown = process.env.IMAGEFLOW_TEST_POSTGRES_DOWN;

function postgresOnly(skip: TestContext['skip']): void {
  skip(!onPostgres, 'PostgreSQL only: this runs in the api-postgres project');
  skip(postgresDown !== undefined, `not tested: ${postgresDown}`);
}

const opened: Db[] = [];
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  await Promise.all(opened.splice(0).map((db) => db.destroy()));
});

async function open(dataDir: string, connections: number): Promise<Db> {
  const db = await openTestDatabase(dataDir, { max: connections });
  opened.push(db);
  return db;
}

/** Queues `count` jobs, oldest first, `perMs` to each creation time (then the order rests on the id). */
async function queueJobs(db: Db, count: number, perMs = 1, provider?: (i: number) => string): Promise<string[]> {
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  const jobs = Array.from({ length: count }, (_, i) => queuedJob({ createdAt: new Date(base + Math.floor(i / perMs)).toISOString(), provider: provider?.(i) }));
  const repository = new KyselyJobRepository(db);
  for (const job of jobs) await repository.insert(job);
  return jobs.map((j) => j.id);
}

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms))]);
}

describe('job claims', () => {
  it('12 claimers racing over 200 queued jobs each get distinct jobs, and every job is claimed exactly once', async ({ skip }) => {
    postgresOnly(skip);
    const dataDir = await makeDataDir();
    const setup = await open(dataDir, 1);
    await migrate(setup);
    const ids = await queueJobs(setup, 200, 10);

    // Twelve processes, as far as PostgreSQL can tell: a connection each.
    const claimers = await Promise.all(Array.from({ length: 12 }, () => open(dataDir, 1)));
    const queued = async () => Number((await setup.selectFrom('jobs').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'queued').executeTakeFirstOrThrow()).n);
    // Claims that came back empty while at least 12 jobs waited: the other 11 claimers can hold only
    // 11 of them, so such a claim ran into another's pick instead of passing over it.
    let emptyWithJobsWaiting = 0;
    const claims = await Promise.all(
      claimers.map(async (db, i) => {
        const jobs = new KyselyJobRepository(db);
        const mine: string[] = [];
        for (;;) {
          const job = await jobs.claim(`claimer-${i}`, new Date().toISOString(), {});
          if (job) {
            expect(job).toMatchObject({ status: 'running', worker_id: `claimer-${i}`, attempts: 1 });
            mine.push(job.id);
            continue;
          }
          const waiting = await queued();
          if (waiting === 0) return mine;
          if (waiting >= claimers.length) emptyWithJobsWaiting++;
        }
      }),
    );

    expect(emptyWithJobsWaiting).toBe(0);
    const all = claims.flat();
    expect(all).toHaveLength(200);
    expect(new Set(all)).toEqual(new Set(ids));
    // The table agrees: each job is running on the claimer that was handed it, claimed once.
    const owner = new Map(claims.flatMap((mine, i) => mine.map((id) => [id, `claimer-${i}`] as const)));
    const rows = await setup.selectFrom('jobs').select(['id', 'status', 'worker_id', 'attempts']).execute();
    expect(rows).toHaveLength(200);
    for (const row of rows) expect(row).toEqual({ id: row.id, status: 'running', worker_id: owner.get(row.id), attempts: 1 });
  });

  it('12 claimers racing never start more jobs of a backend than its limit, and still take every other job', async ({ skip }) => {
    postgresOnly(skip);
    const dataDir = await makeDataDir();
    const setup = await open(dataDir, 1);
    await migrate(setup);
    // Most jobs are for a GPU box that runs 2 jobs at once; every fourth has no limit.
    const ids = await queueJobs(setup, 120, 1, (i) => (i % 4 === 3 ? 'builtin' : 'gpu-box'));
    const limits = { 'gpu-box': 2 };
    const claimers = await Promise.all(Array.from({ length: 12 }, () => open(dataDir, 1)));
    const claimed = await Promise.all(
      claimers.map(async (db, i) => {
        const jobs = new KyselyJobRepository(db);
        const mine: JobRecord[] = [];
        for (let job = await jobs.claim(`claimer-${i}`, new Date().toISOString(), limits); job; job = await jobs.claim(`claimer-${i}`, new Date().toISOString(), limits)) {
          mine.push(job);
        }
        return mine;
      }),
    );
    const all = claimed.flat();
    expect(all.filter((j) => j.provider === 'gpu-box')).toHaveLength(2);
    expect(all.filter((j) => j.provider === 'builtin')).toHaveLength(30);
    expect(new Set(all.map((j) => j.id)).size).toBe(32);
    const running = await setup.selectFrom('jobs').select(['provider', (eb) => eb.fn.countAll<string>().as('n')]).where('status', '=', 'running').groupBy('provider').execute();
    expect(Object.fromEntries(running.map((r) => [r.provider, Number(r.n)]))).toEqual({ 'gpu-box': 2, builtin: 30 });
    expect(ids).toHaveLength(120);
  });
});

describe('node ids', () => {
  it('reserved by 12 connections at once, every id is handed out once and the ranges run on', async ({ skip }) => {
    postgresOnly(skip);
    const dataDir = await makeDataDir();
    const setup = await open(dataDir, 1);
    await migrate(setup);
    const reservers = await Promise.all(Array.from({ length: 12 }, () => open(dataDir, 1)));
    const ranges = await Promise.all(reservers.map((db) => new KyselyNodeRepository(db).reserveIds(5)));
    for (const range of ranges) expect(range).toEqual(Array.from({ length: 5 }, (_, i) => range[0]! + i));
    expect(ranges.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });
});

describe('migration 015: a summary is the start of the stored node JSON', () => {
  /** NodeSummary's keys that are stored (the rest are added as a page is read), in its order. */
  const SUMMARY_KEYS = Object.keys(NodeSummary.shape).filter((k) => k !== 'children_count' && k !== 'thumbnail_url');

  it('writes the JSON of nodes stored before it again, the summary fields first, every value kept, and of nodes stored after', async ({ skip }) => {
    postgresOnly(skip);
    const db = await open(await makeDataDir(), 1);
    await migrate(db, '014-node-json');
    const repo = new KyselyNodeRepository(db);
    const hard = 'a "quoted" \\back\\slash \n line\ttab \u2028 🦊🏳️‍🌈 狐 ثعلب \u00e9\u0301';
    const [rootId, childId, laterId] = await repo.reserveIds(3);
    const root = newNode(rootId!, null, () => ({ prompt: hard, model: `model ${hard}`, seed: null }));
    await repo.commitNodes([root, newNode(childId!, root, () => ({ negative_prompt: hard, seed: Number.MAX_SAFE_INTEGER }))], []);
    await db.updateTable('image_nodes').set({ starred: 1, trashed_at: '2026-11-29T01:02:03.004Z' }).where('id', '=', childId!).execute();
    const stored = async () =>
      (
        await sql<{ id: string; node_json: string; summary: string }>`SELECT id, node_json, left(node_json, summary_chars) || '}' AS summary FROM image_nodes ORDER BY id`.execute(db)
      ).rows;
    const before = new Map((await sql<{ id: string; node_json: string }>`SELECT id, node_json FROM image_nodes`.execute(db)).rows.map((r) => [r.id, r.node_json]));
    expect(before.size).toBe(2);

    await migrate(db);
    await repo.commitNodes([newNode(laterId!, root, () => ({ prompt: `${hard} later` }))], []);
    const after = await stored();
    expect(after).toHaveLength(3);
    for (const row of after) {
      const node = JSON.parse(row.node_json) as Record<string, unknown>;
      if (before.has(row.id)) expect(node, `node ${row.id}`).toEqual(JSON.parse(before.get(row.id)!));
      // Compact, the summary's keys first in its order, then the rest.
      expect(row.node_json).toBe(JSON.stringify(node));
      expect(Object.keys(node).slice(0, SUMMARY_KEYS.length)).toEqual(SUMMARY_KEYS);
      expect(row.summary).toBe(JSON.stringify(Object.fromEntries(SUMMARY_KEYS.map((k) => [k, node[k]]))));
    }
    expect(JSON.parse(after[1]!.summary)).toMatchObject({ starred: true, trashed_at: '2026-11-29T01:02:03.004Z', seed: Number.MAX_SAFE_INTEGER });
    expect(JSON.parse(after[0]!.summary)).toMatchObject({ prompt: hard, model: `model ${hard}`, seed: null });
  });
});

describe('search with hostile text', () => {
  const PROMPT = "it's a lighthouse: rocks & waves | storm! (night) back\\slash star* über-straße";
  // Each character the tsquery (and FTS5) syntax gives a meaning, alone, doubled, and around words.
  const HOSTILE = [
    "'", ':', '&', '|', '!', '(', ')', '\\', '*', '"', '<->', '<2>', ':*', "'':*", "\\'", "''", '\\\\', '&&', '||', '!!', '((', '**',
    "'; DROP TABLE image_nodes; --", 'a:b', 'a:*b', 'x:A', '!(a|b)&c', '(', 'NEAR(a b)', 'a OR b', 'NOT', 'AND', '^x', '-x', '+x', '%', '_', '___',
    '😀', 'ünï\u0301cödé', ' ', '\t', 'x'.repeat(200),
  ];

  function skipWithoutDatabase(skip: TestContext['skip']): void {
    skip(onPostgres && postgresDown !== undefined, `not tested: ${postgresDown}`);
  }

  it('never errors, and the words beside the symbols still match', async ({ skip }) => {
    skipWithoutDatabase(skip);
    t = await startTestApp();
    const [node] = await generate(t.app, { prompt: PROMPT });
    for (const q of HOSTILE) {
      const res = await t.app.inject({ url: `/api/images?q=${encodeURIComponent(q)}` });
      expect(res.statusCode, `q=${JSON.stringify(q)}: ${res.body}`).toBe(200);
      expect(res.json().items).toEqual(expect.any(Array));
    }
    const found = async (q: string) => (await t!.app.inject({ url: `/api/images?q=${encodeURIComponent(q)}` })).json().items.map((i: { id: number }) => i.id);
    for (const q of ["it's", 'lighthouse:*', 'rocks & waves', '!storm', '(night)', 'back\\slash', 'star*', 'LIGHT', "'lighthouse'", 'über-straße', 'stra']) {
      expect(await found(q), q).toEqual([node!.id]);
    }
    // Every word must match: an operator between two words is no OR.
    expect(await found('storm | calm')).toEqual([]);
    expect(await found('!!!')).toEqual([]);
  });

  it('random text from the syntax characters never makes the query fail', async ({ skip }) => {
    skipWithoutDatabase(skip);
    t = await startTestApp();
    await generate(t.app, { prompt: PROMPT });
    const nodes = new KyselyNodeRepository(t.db);
    const alphabet = [..."'\":&|!()\\*<>-+^%_ ~@#,.;{}[]", 'a', 'b', 'ß', '1', 'storm', 'NEAR', 'OR'];
    let seed = 1;
    const pick = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return alphabet[seed % alphabet.length]!;
    };
    for (let i = 0; i < 300; i++) {
      const q = Array.from({ length: 1 + (i % 12) }, pick).join('');
      await expect(nodes.gallery({ limit: 5, q }), JSON.stringify(q)).resolves.toEqual(expect.any(Array));
    }
  });
});

describe('start-up against a PostgreSQL it cannot use', () => {
  async function failure(databaseUrl: string): Promise<DatabaseUnavailableError> {
    const err = await openDatabase({ dataDir: '/nonexistent', databaseUrl }).then(
      () => {
        throw new Error(`opened ${databaseUrl}`);
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect((err as Error).message).not.toMatch(/\n/);
    return err as DatabaseUnavailableError;
  }

  async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it('a database that does not exist: one line naming it and how to create it', async ({ skip }) => {
    postgresOnly(skip);
    const name = `imageflow_test_missing_${crypto.randomBytes(4).toString('hex')}`;
    const { message } = await failure(testDatabaseUrl(name));
    const { hostname, port } = new URL(testDatabaseUrl(name));
    expect(message).toBe(
      `PostgreSQL at ${hostname}:${port || 5432} has no database "${name}" (DATABASE_URL): create it with \`createdb -h ${hostname} -p ${port || 5432} -U postgres ${name}\`, or name an existing database in DATABASE_URL.`,
    );
  });

  it('a port nothing listens on: one line saying so and what to do', async ({ skip }) => {
    postgresOnly(skip);
    const port = await closedPort();
    const { message } = await failure(`postgres://postgres@127.0.0.1:${port}/imageflow`);
    expect(message).toBe(
      `Cannot connect to PostgreSQL at 127.0.0.1:${port} for database "imageflow": the connection was refused, so nothing is listening there. Start PostgreSQL, or fix the host and port in DATABASE_URL.`,
    );
  });

  it('the server prints that line as "imageflow: …" and exits with 1', async ({ skip }) => {
    postgresOnly(skip);
    const name = `imageflow_test_missing_${crypto.randomBytes(4).toString('hex')}`;
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'apps/api/src/main.ts')], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: testDatabaseUrl(name), IMAGEFLOW_DATA_DIR: await makeDataDir(), IMAGEFLOW_LOG_LEVEL: 'silent', PORT: String(await closedPort()) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await within(
      15_000,
      'the server',
      new Promise<number | null>((resolve) => child.once('exit', resolve)),
    ).finally(() => child.kill('SIGKILL'));
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^imageflow: PostgreSQL at [^ ]+ has no database "${name}" \\(DATABASE_URL\\): create it with .*\\n$`));
  });
});
