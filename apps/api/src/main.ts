import path from 'node:path';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { LocalImageStore } from './adapters/local-image-store.ts';
import { sharpImageOps } from './adapters/sharp-image-ops.ts';
import { cryptoRandom, systemClock } from './adapters/system.ts';
import { migrate, openSqlite } from './db/database.ts';
import { BackendsConfigError, readBackendsConfig } from './providers/backends-config.ts';
import { createProviderRegistry } from './providers/create-providers.ts';

async function main(): Promise<void> {
  let config;
  let backends;
  try {
    config = loadConfig();
    backends = readBackendsConfig(config.configFile, process.env);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof BackendsConfigError) {
      console.error(`imageflow: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }

  const db = openSqlite(path.join(config.dataDir, 'imageflow.db'));
  await migrate(db);
  const store = await LocalImageStore.open(config.dataDir);
  const { app, start } = await buildApp({
    config,
    db,
    store,
    ops: sharpImageOps,
    providers: createProviderRegistry(backends, backends.dir),
    clock: systemClock,
    random: cryptoRandom,
    logger: {
      level: config.logLevel,
      // Readable lines for a person at a terminal; JSON lines for log collectors.
      ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
    },
  });

  await start();
  if (config.role === 'worker') {
    app.log.info(`ImageFlow worker is running jobs (data in ${config.dataDir})`);
  } else {
    await app.listen({ port: config.port, host: config.host });
    app.log.info(`ImageFlow ${config.role === 'api' ? 'API (no worker in this process) ' : ''}is ready at http://${config.host}:${config.port}/ (data in ${config.dataDir})`);
  }
  if (config.role !== 'api') {
    for (const [model, backend] of Object.entries(backends.routes)) {
      app.log.info(`${model} → ${backend}${backend === 'builtin' ? ' (offline procedural renderer, not AI)' : ''}`);
    }
  }

  // A worker hands its running jobs back to the queue; an API stops taking requests and lets the ones in flight finish.
  const shutdown = async (signal: string) => {
    app.log.info(`${signal}: shutting down`);
    await app.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

void main();
