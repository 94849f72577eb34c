import Fastify, { type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import { KyselyJobRepository } from './adapters/kysely-job.repository.ts';
import { KyselyNodeRepository } from './adapters/kysely-node.repository.ts';
import { InProcessJobQueue } from './adapters/in-process-job-queue.ts';
import { InProcessJobEvents } from './adapters/in-process-job-events.ts';
import { KyselyInstanceRepository } from './adapters/kysely-instance.repository.ts';
import { isSqlite } from './db/dialect.ts';
import { CanceledError, ShutdownError } from './errors.ts';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandler } from './http/error-handler.ts';
import { validatorCompiler } from './http/validation.ts';
import { installJsonBodyParser, JSON_BODY_LIMIT } from './http/json-body.ts';
import { uploadGate } from './http/uploads.ts';
import type { ImageOps } from './ports/image-ops.port.ts';
import type { ImageStore } from './ports/image-store.port.ts';
import type { JobEventBus } from './ports/job-events.port.ts';
import type { JobQueue, QueueContext } from './ports/job-queue.port.ts';
import type { JobRepository } from './ports/job.repository.port.ts';
import type { NodeRepository } from './ports/node.repository.port.ts';
import type { Clock, Random } from './ports/system.port.ts';
import type { Services } from './services/container.ts';
import { FileService } from './services/file.service.ts';
import { GenerationService } from './services/generation.service.ts';
import { ImageService } from './services/image.service.ts';
import { InstanceService, type InstanceOptions } from './services/instance.service.ts';
import { JobRunner } from './services/job-runner.ts';
import { LineageService } from './services/lineage.service.ts';
import { TreeAnswerCache } from './services/answer-cache.ts';
import { BundleService } from './services/bundle.service.ts';
import { NodeWriter } from './services/node-writer.ts';
import type { ProviderRegistry } from './services/provider-registry.ts';
import { diffusersRoutes } from './routes/diffusers.routes.ts';
import { fileRoutes } from './routes/file.routes.ts';
import { generationRoutes } from './routes/generation.routes.ts';
import { healthRoutes } from './routes/health.routes.ts';
import { authRoutes } from './routes/auth.routes.ts';
import { shareRoutes } from './routes/share.routes.ts';
import { adminRoutes } from './routes/admin.routes.ts';
import { bundleRoutes } from './routes/bundle.routes.ts';
import { ShareService } from './services/share.service.ts';
import { RetentionService } from './services/retention.service.ts';
import { KyselyShareRepository } from './adapters/kysely-share.repository.ts';
import { installAuth } from './http/auth.ts';
import { installRateLimits } from './http/rate-limits.ts';
import { installSecurity } from './http/security.ts';
import { installRequestOrigin } from './http/request-origin.ts';
import type { Redis } from 'ioredis';
import { KyselyAccountRepository } from './adapters/kysely-account.repository.ts';
import { AccountService } from './services/account.service.ts';
import { imageRoutes } from './routes/image.routes.ts';
import { webRoutes } from './routes/web.routes.ts';

import { VERSION } from './version.ts';
import { PublicUrls } from './services/public-urls.ts';

export { VERSION };

export interface AppDeps {
  config: Config;
  db: Db;
  store: ImageStore;
  ops: ImageOps;
  providers: ProviderRegistry;
  clock: Clock;
  random: Random;
  /** The job events shared with other instances; in-process when absent. */
  events?: JobEventBus;
  /** Makes the queue shared with other instances; the in-process one over the jobs table when absent. */
  queue?: (context: QueueContext) => JobQueue;
  /** Overrides for tests: repositories wrapped to inject faults, shorter instance lifetimes. */
  nodes?: NodeRepository;
  jobs?: JobRepository;
  instance?: Partial<Pick<InstanceOptions, 'ttlMs' | 'heartbeatMs'>>;
  logger?: boolean | object;
  /** Redis for rate-limit counters shared by every API process (the caller closes it). */
  rateLimitRedis?: Redis;
}

/** How long an instance lives without a heartbeat before its jobs are taken over, and how often it beats. */
const INSTANCE_TTL_MS = 20_000;
const HEARTBEAT_MS = 5_000;
/** How often workers look for jobs queued by another process when no queue wakes them. */
const POLL_MS = 1_000;


export type { Services };

export interface BuiltApp {
  app: FastifyInstance;
  services: Services;
  /** Joins the other instances, takes over what gone ones left, and (for a worker role) starts running jobs. */
  start: () => Promise<void>;
  /** Ends the instance as a crash would, leaving its jobs running and its row to expire (for tests). */
  crash: () => Promise<void>;
}

/** Wires services from the adapters it is handed, and the HTTP layer on top. Starts no workers. */
export async function buildApp(deps: AppDeps): Promise<BuiltApp> {
  const app = Fastify({
    logger: deps.logger ?? false,
    // Small for JSON; the routes that take images set their own limits.
    bodyLimit: JSON_BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    // Behind the proxies named in IMAGEFLOW_TRUST_PROXY, req.ip is the client's address from X-Forwarded-For.
    trustProxy: deps.config.trustProxy.length > 0 ? deps.config.trustProxy : false,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });

  const { config, clock, random } = deps;
  // First of the hooks, so that every later one, each handler and each serializer sees the request's origin.
  const requestOrigin = installRequestOrigin(app);
  const sqlite = isSqlite(deps.db);
  // A SQLite file with one process using it: nothing else can be running jobs or writing files.
  const exclusive = sqlite && config.role === 'all';
  const instanceId = random.uuid();
  const nodes = deps.nodes ?? new KyselyNodeRepository(deps.db);
  const jobs = deps.jobs ?? new KyselyJobRepository(deps.db);
  const events = deps.events ?? new InProcessJobEvents();
  const queueContext: QueueContext = {
    jobs,
    clock,
    workerId: instanceId,
    concurrency: config.jobConcurrency,
    limits: deps.providers.limits(),
    onUnexpectedError: (err, jobId) => app.log.error({ err, jobId }, 'job worker crashed'),
  };
  const queue = deps.queue
    ? deps.queue(queueContext)
    : new InProcessJobQueue(queueContext, { pollMs: exclusive ? null : POLL_MS });
  const writer = new NodeWriter(nodes, deps.store, deps.ops, clock, random, instanceId);
  const instance = new InstanceService(
    { instances: new KyselyInstanceRepository(deps.db), jobs, writer, store: deps.store, queue, clock, log: app.log },
    { id: instanceId, role: config.role, exclusive, ttlMs: deps.instance?.ttlMs ?? INSTANCE_TTL_MS, heartbeatMs: deps.instance?.heartbeatMs ?? HEARTBEAT_MS },
  );
  // Absolute URLs: under the public base URL, else under the origin of the request being answered.
  const urls = new PublicUrls(config.publicBaseUrl, requestOrigin);
  // A job runs for no request (whoever started it, its events go to every follower, in any process):
  // its URLs are made without one, and each follower makes them its own (GenerationService.follow).
  const runner = new JobRunner({ nodes, jobs, store: deps.store, ops: deps.ops, providers: deps.providers, events, writer, clock, workerId: instanceId, urls: new PublicUrls(config.publicBaseUrl), log: app.log });
  const generations = new GenerationService({ nodes, jobs, providers: deps.providers, queue, events, clock, random, urls, maxActivePerUser: config.maxActivePerUser });
  const accounts = new AccountService({ accounts: new KyselyAccountRepository(deps.db), clock, random, log: app.log }, config.auth);
  const files = new FileService(deps.store, nodes);
  const shares = new ShareService({ shares: new KyselyShareRepository(deps.db), nodes, files, urls, clock, random });
  const retention = new RetentionService({ nodes, writer, clock, log: app.log }, { days: config.retentionDays, trashDays: config.trashDays });
  const services: Services = {
    config,
    accounts,
    retention,
    store: deps.store,
    providers: deps.providers,
    databaseKind: sqlite ? 'sqlite' : 'postgres',
    generations,
    files,
    images: new ImageService(nodes, deps.store, deps.ops, writer, urls, clock, config.trashDays),
    lineage: new LineageService(nodes, urls, config.treeCacheBytes > 0 ? new TreeAnswerCache(config.treeCacheBytes) : null),
    bundles: new BundleService({ nodes, store: deps.store, writer, clock, appVersion: VERSION }, { maxBytes: config.maxBundleBytes }),
    queue,
    instance,
  };

  app.setValidatorCompiler(validatorCompiler);
  // Responses are built by typed presenters; the zod response schemas document them in OpenAPI.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandler(app);
  installJsonBodyParser(app);

  await installSecurity(app, { webDir: config.webDir, publicBaseUrl: config.publicBaseUrl });
  await app.register(cors, { origin: deps.config.corsOrigins.includes('*') ? true : deps.config.corsOrigins });
  await app.register(multipart);
  await installAuth(app, accounts, { publicImages: config.publicImages });
  const limits = await installRateLimits(app, config.rateLimits && { ...config.rateLimits, redis: deps.rateLimitRedis ?? null, prefix: config.redisPrefix });
  // Decorates reply.sendFile for the built web app; image files are served from the store by fileRoutes.
  await app.register(fastifyStatic, { root: deps.config.webDir, serve: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'ImageFlow API',
        version: VERSION,
        description:
          'Generate images, keep every version in a lineage tree, and share them by URL. ' +
          'Nodes made by provider "builtin" come from an offline procedural renderer, not an AI model.',
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());

  healthRoutes(app, services);
  authRoutes(app, accounts, limits);
  shareRoutes(app, shares, limits.sharePassword);
  adminRoutes(app, services);
  generationRoutes(app, services, limits.generation);
  // One gate for every route that takes an image in its body.
  const gate = uploadGate();
  imageRoutes(app, services, gate);
  bundleRoutes(app, services, gate);
  diffusersRoutes(app, services, gate, limits.generation);
  fileRoutes(app, services);
  webRoutes(app, services, shares);

  const runsJobs = config.role !== 'api';
  // A cancel reaches whichever instance runs the job.
  const stopCanceled = events.onCancel((jobId) => queue.abort(jobId, new CanceledError('Canceled by request.')));
  let crashed = false;
  app.addHook('onClose', async () => {
    stopCanceled();
    retention.stop();
    await queue.stop(new ShutdownError());
    if (!crashed) await instance.stop();
    await queue.close();
    await events.close();
  });

  const start = async () => {
    await instance.start();
    if (config.role !== 'worker') await accounts.start();
    retention.start();
    if (runsJobs) queue.start(runner.run);
  };
  const crash = async () => {
    crashed = true;
    instance.halt();
    await app.close();
  };
  return { app, services, start, crash };
}
