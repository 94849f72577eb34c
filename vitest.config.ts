import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/api/{src,test}/**/*.test.ts'],
    setupFiles: ['apps/api/test/setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
