import { afterAll } from 'vitest';
import { removeDataDirs, removeTestDatabases } from './harness.ts';

afterAll(async () => {
  await removeTestDatabases();
  await removeDataDirs();
});
