import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'api',
          include: ['packages/*/src/**/*.test.ts', 'apps/api/{src,test}/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['apps/api/test/setup.ts'],
          testTimeout: 20_000,
          hookTimeout: 20_000,
        },
      },
      'apps/web/vitest.config.ts',
    ],
  },
});
