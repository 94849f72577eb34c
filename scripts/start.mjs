#!/usr/bin/env node
// `npm start` (and `npm run worker`): builds what changed since the last build (the web app, unless
// this is a worker, and the API), then runs the built API in this very process, with source maps so
// that stack traces name the TypeScript files. A restart with nothing changed builds nothing.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, repo } from './build.mjs';

const worker = process.env.IMAGEFLOW_ROLE === 'worker';
try {
  await build(worker ? ['api'] : ['web', 'api'], { ifChanged: true });
} catch (err) {
  console.error(`imageflow: ${err.message}`);
  process.exit(1);
}
process.setSourceMapsEnabled(true);
await import(pathToFileURL(path.join(repo, 'apps/api/dist/main.js')).href);
