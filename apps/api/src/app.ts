import Fastify, { type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { Config } from './config.ts';
import type { Db } from './db/database.ts';
import { KyselyJobRepository } from './adapters/kysely-job.repository.ts';
import { KyselyNodeRepository } from './adapters/kysely-node.repository.ts';
import { InProcessJobQueue } from './adapters/in-process-job-queue.ts';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandler } from './http/error-handler.ts';
import { installJsonBodyParser, JSON_BODY_LIMIT } from './http/json-body.ts';
import { uploadGate } from './http/uploads.ts';
import { JobEvents } from './lib/job-events.ts';
import type { ImageOps } from './ports/image-ops.port.ts';
import type { ImageStore } from './ports/image-store.port.ts';
import type { JobQueue } from './ports/job-queue.port.ts';
import type { JobRepository } from './ports/job.repository.port.ts';
import type { NodeRepository } from './ports/node.repository.port.ts';
import type { Clock, Random } from './ports/system.port.ts';
import { FileService } from './services/file.service.ts';
import { GenerationService } from './services/generation.service.ts';
import { ImageService } from './services/image.service.ts';
import { LineageService } from './services/lineage.service.ts';
import { NodeWriter } from './services/node-writer.ts';
import type { ProviderRegistry } from './services/provider-registry.ts';
import { diffusersRoutes } from './routes/diffusers.routes.ts';
import { fileRoutes } from './routes/file.routes.ts';
import { generationRoutes } from './routes/generation.routes.ts';
import { healthRoutes } from './routes/health.routes.ts';
import { imageRoutes } from './routes/image.routes.ts';
import { webRoutes } from './routes/web.routes.ts';

export const VERSION = '0.1.0';

export interface AppDeps {
  config: Config;
  db: Db;
  store: ImageStore;
  ops: ImageOps;
  providers: ProviderRegistry;
  clock: Clock;
  random: Random;
  /** Overrides for tests: repositories wrapped to inject faults, a queue of their own. */
  nodes?: NodeRepository;
  jobs?: JobRepository;
  queue?: JobQueue;
  logger?: boolean | object;
}

export interface Services {
  config: Config;
  store: ImageStore;
  providers: ProviderRegistry;
  databaseKind: string;
  generations: GenerationService;
  images: ImageService;
  files: FileService;
  lineage: LineageService;
  queue: JobQueue;
}

/** Wires services from the adapters it is handed, and the HTTP layer on top. Starts no workers. */
export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; services: Services; start: () => Promise<void> }> {
  const app = Fastify({
    logger: deps.logger ?? false,
    // Small for JSON; the routes that take images set their own limits.
    bodyLimit: JSON_BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });

  const nodes = deps.nodes ?? new KyselyNodeRepository(deps.db);
  const jobs = deps.jobs ?? new KyselyJobRepository(deps.db);
  const queue =
    deps.queue ??
    new InProcessJobQueue(jobs, deps.clock, deps.config.jobConcurrency, (err, jobId) => app.log.error({ err, jobId }, 'job worker crashed'));
  const writer = new NodeWriter(nodes, deps.store, deps.ops, deps.clock, deps.random);
  const generations = new GenerationService({
    nodes,
    jobs,
    store: deps.store,
    ops: deps.ops,
    providers: deps.providers,
    queue,
    events: new JobEvents(),
    writer,
    clock: deps.clock,
    random: deps.random,
    log: app.log,
  });
  const services: Services = {
    config: deps.config,
    store: deps.store,
    providers: deps.providers,
    databaseKind: 'sqlite',
    generations,
    files: new FileService(deps.store),
    images: new ImageService(nodes, deps.store, deps.ops, writer, deps.clock),
    lineage: new LineageService(nodes),
    queue,
  };

  app.setValidatorCompiler(validatorCompiler);
  // Responses are built by typed presenters; the zod response schemas document them in OpenAPI.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installErrorHandler(app);
  installJsonBodyParser(app);

  await app.register(cors, { origin: deps.config.corsOrigins.includes('*') ? true : deps.config.corsOrigins });
  await app.register(multipart);
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
  generationRoutes(app, services);
  // One gate for every route that takes an image in its body.
  const gate = uploadGate();
  imageRoutes(app, services, gate);
  diffusersRoutes(app, services, gate);
  fileRoutes(app, services);
  webRoutes(app, services);

  app.addHook('onClose', async () => {
    await queue.stop();
  });

  /** Recovers what a previous stop interrupted, then starts the workers. */
  const start = async () => {
    await generations.recoverInterrupted();
    queue.start(generations.runJob);
  };
  return { app, services, start };
}
