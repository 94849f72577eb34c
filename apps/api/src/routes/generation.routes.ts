import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CancelJobQuery, ErrorBody, GenerationRequest, ImagesResponse, IncludeBase64Query, Job, JobListQuery, JobPage, QueueJob, TERMINAL_STATUSES } from '@imageflow/shared';
import type { Services } from '../services/container.ts';
import { eventFor } from '../lib/job-events.ts';
import { jobFailure } from './job-failure.ts';
import { clientKey } from '../http/client.ts';

const JobParams = z.object({ id: z.string().min(1).max(64) });
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export function generationRoutes(app: FastifyInstance, { generations, images }: Services, generationLimit: object): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Event streams never end by themselves while a job waits; a stopping API ends them, and clients reconnect elsewhere.
  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const close of [...openStreams]) close();
  });

  r.post('/api/generations', {
    config: generationLimit,
    schema: {
      tags: ['generations'],
      summary: 'Queue a generation; answers at once with the job',
      body: GenerationRequest,
      response: { 202: Job, ...errors },
    },
    handler: async (req, reply) => reply.status(202).send(await generations.submit(req.body, clientKey(req), req.actor)),
  });

  r.get('/api/generations', {
    schema: {
      tags: ['generations'],
      summary: 'My jobs, newest first: the queue (status=queued,running), the failed ones, the recent results',
      description:
        'Each queued job carries its position among my queued jobs (1 starts next); counts says how many of my jobs are queued and running now. Keyset-paged with limit and cursor.',
      querystring: JobListQuery,
      response: { 200: JobPage, 400: ErrorBody },
    },
    handler: (req) => generations.list(req.query, req.actor),
  });

  r.get('/api/generations/:id', {
    schema: { tags: ['generations'], summary: 'A job with its progress and, once done, its images', params: JobParams, response: { 200: Job, ...errors } },
    handler: (req) => generations.get(req.params.id, req.actor),
  });

  r.delete('/api/generations/:id', {
    schema: {
      tags: ['generations'],
      summary: 'Cancel a queued or running job (queued_only=true: only while it waits)',
      params: JobParams,
      querystring: CancelJobQuery,
      response: { 200: Job, ...errors },
    },
    handler: (req) => generations.cancel(req.params.id, req.actor, { queuedOnly: req.query.queued_only }),
  });

  r.post('/api/generations/:id/retry', {
    config: generationLimit,
    schema: {
      tags: ['generations'],
      summary: 'Run a failed or canceled job again: a new job with the same recipe (its request, with the seed it was given)',
      params: JobParams,
      response: { 202: Job, ...errors, 429: ErrorBody },
    },
    handler: async (req, reply) => reply.status(202).send(await generations.retry(req.params.id, clientKey(req), req.actor)),
  });

  r.post('/api/generations/:id/front', {
    schema: {
      tags: ['generations'],
      summary: 'Move a queued job to the front: it is the next of my jobs to start',
      description: 'Jobs take turns between people, so another person\'s job may still start before it; among mine it is next. 409 once the job has started or ended.',
      params: JobParams,
      response: { 200: QueueJob, ...errors },
    },
    handler: (req) => generations.moveToFront(req.params.id, req.actor),
  });

  r.get('/api/generations/:id/events', {
    schema: {
      tags: ['generations'],
      summary: 'Server-Sent Events: progress, preview, completed, failed, canceled',
      description:
        'Each event\'s data is the job as JSON, except preview: {id, mime, data_url}, a live image of a remote backend\'s run. The current state is sent first; the stream ends when the job does.',
      params: JobParams,
    },
    handler: async (req, reply) => {
      // Answers 404 (before the stream opens) for an unknown job.
      const following = await generations.follow(req.params.id, req.actor);
      reply.hijack();
      reply.raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (type: string, job: unknown) => reply.raw.write(`event: ${type}\ndata: ${JSON.stringify(job)}\n\n`);

      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        openStreams.delete(close);
        following.stop();
        clearInterval(heartbeat);
        reply.raw.end();
      };
      openStreams.add(close);
      const heartbeat = setInterval(() => reply.raw.write(': keep-alive\n\n'), 15_000);
      req.raw.on('close', close);
      const { current } = following;
      send(eventFor(current).type, current);
      if (TERMINAL_STATUSES.includes(current.status)) return close();
      following.start((event) => {
        if (event.type === 'preview') {
          send('preview', { id: event.job.id, mime: event.preview.mime, data_url: `data:${event.preview.mime};base64,${event.preview.data_base64}` });
          return;
        }
        send(event.type, event.job);
        if (event.type !== 'progress') close();
      });
    },
  });

  r.post('/api/images/generate', {
    config: generationLimit,
    schema: {
      tags: ['images'],
      summary: 'Generate and wait: answers when the images are stored',
      body: GenerationRequest,
      querystring: IncludeBase64Query,
      response: { 201: ImagesResponse, ...errors, 502: ErrorBody },
    },
    handler: async (req, reply) => {
      const queued = await generations.submit(req.body, clientKey(req), req.actor);
      const job = await generations.waitUntilFinished(queued.id);
      if (job.status !== 'succeeded') throw jobFailure(job);
      const nodes = req.query.include_base64 ? await images.withBase64(job.images) : job.images;
      return reply.status(201).send({ images: nodes });
    },
  });
}
