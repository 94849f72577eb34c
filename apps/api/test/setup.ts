import { afterAll } from 'vitest';
import { removeDataDirs } from './harness.ts';

afterAll(removeDataDirs);
