import { configDefaults, defineConfig } from 'vitest/config';
import { postgresProblem } from './apps/api/test/support/postgres.ts';

const apiTest = {
  environment: 'node',
  setupFiles: ['apps/api/test/setup.ts'],
  testTimeout: 20_000,
  hookTimeout: 20_000,
} as const;

/** The tests that go through the database, run once on SQLite (project api) and once on PostgreSQL. */
const DATABASE_TESTS = ['apps/api/test/**/*.test.ts', 'apps/api/src/{adapters,db}/**/*.test.ts'];
/** Test files there that never open the app's database (the image store contract), choose PostgreSQL themselves (scale-out) or run the built bundle on SQLite (bundle-smoke). */
const NOT_DATABASE_TESTS = ['apps/api/test/store-contract.test.ts', 'apps/api/test/scale-out.test.ts', 'apps/api/test/bundle-smoke.test.ts'];

// Without PostgreSQL the api-postgres project cannot run: CI fails (every test says why); elsewhere
// it runs only postgres.test.ts, whose tests are skipped with the reason, after a loud warning.
const postgresDown = await postgresProblem();
if (postgresDown) {
  console.warn(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      `!!  ${postgresDown}`,
      process.env.CI
        ? '!!  CI: the api-postgres tests will FAIL.'
        : '!!  The api-postgres tests are SKIPPED: the API was tested on SQLite only.',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  );
}
const skipPostgres = postgresDown !== null && !process.env.CI;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...apiTest,
          name: 'api',
          include: ['packages/*/src/**/*.test.ts', 'apps/api/{src,test}/**/*.test.ts'],
        },
      },
      {
        test: {
          ...apiTest,
          name: 'api-postgres',
          // After the other projects, two files at a time: these mostly wait on PostgreSQL (Vitest's
          // default on 2 cores is one file at a time, which the other projects keep: their timing
          // tests were seen to flake with two).
          sequence: { groupOrder: 1 },
          maxWorkers: 2,
          include: skipPostgres ? ['apps/api/test/postgres.test.ts'] : DATABASE_TESTS,
          exclude: [...configDefaults.exclude, ...NOT_DATABASE_TESTS],
          env: { IMAGEFLOW_TEST_DATABASE: 'postgres', ...(skipPostgres ? { IMAGEFLOW_TEST_POSTGRES_DOWN: postgresDown } : {}) },
        },
      },
      'apps/web/vitest.config.ts',
    ],
  },
});
