import { GenerationRequest, TERMINAL_STATUSES, type Job, type JobEvent } from '@imageflow/shared';
import { AppError, CanceledError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { ShutdownError } from '../adapters/in-process-job-queue.ts';
import { JobNoLongerRunningError } from '../adapters/kysely-node.repository.ts';
import { eventFor, type JobEvents } from '../lib/job-events.ts';
import type { ImageOps } from '../ports/image-ops.port.ts';
import type { ImageStore } from '../ports/image-store.port.ts';
import type { JobContext, JobQueue } from '../ports/job-queue.port.ts';
import type { JobRepository, JobRow } from '../ports/job.repository.port.ts';
import type { NodeRepository, NodeRowWithCounts } from '../ports/node.repository.port.ts';
import type { Provider, ProviderImage, ProviderRequest, ProviderRunOptions, RemoteHandle } from '../ports/provider.port.ts';
import type { Clock, Random } from '../ports/system.port.ts';
import type { NodeDraft, NodeWriter } from './node-writer.ts';
import { ACTIONS_USING_PARENT_IMAGE, IMAGE_OP_ACTIONS, resolvePlan, type GenerationPlan, type ParentRecipe } from './plan.ts';
import { toImageNode, toJob } from './presenter.ts';
import type { ProviderRegistry } from './provider-registry.ts';

/** A job that was running when the process stopped is retried this many times in all. */
export const MAX_ATTEMPTS = 3;
const IMAGE_OP_PROVIDER = 'builtin';

export interface GenerationDeps {
  nodes: NodeRepository;
  jobs: JobRepository;
  store: ImageStore;
  ops: ImageOps;
  providers: ProviderRegistry;
  queue: JobQueue;
  events: JobEvents;
  writer: NodeWriter;
  clock: Clock;
  random: Random;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** The shortest time between two live previews sent for one job. */
const PREVIEW_INTERVAL_MS = 250;

export class GenerationService {
  private readonly lastPreviewAt = new Map<string, number>();

  constructor(private readonly deps: GenerationDeps) {}

  /** Validates and resolves the request, records a queued job and wakes a worker. */
  async submit(request: GenerationRequest, receivedAs: unknown = request): Promise<Job> {
    const { jobs, random, clock, providers, queue } = this.deps;
    const parent = request.parent_id !== undefined ? await this.parentRecipe(request.parent_id) : null;
    const plan = resolvePlan(request, parent, () => random.seed());
    const provider = IMAGE_OP_ACTIONS.includes(plan.action) ? IMAGE_OP_PROVIDER : providers.forModel(plan.model).name;
    const row: JobRow = {
      id: random.uuid(),
      status: 'queued',
      progress: 0,
      step: null,
      total_steps: null,
      action_type: plan.action,
      model: plan.model,
      provider,
      parent_id: plan.parentId,
      request_json: JSON.stringify(receivedAs),
      plan_json: JSON.stringify(plan),
      error_code: null,
      error_message: null,
      attempts: 0,
      created_at: clock.now().toISOString(),
      started_at: null,
      finished_at: null,
      remote_json: null,
    };
    await jobs.insert(row);
    queue.notify();
    return toJob(row, []);
  }

  async get(id: string): Promise<Job> {
    const row = await this.deps.jobs.findById(id);
    if (!row) throw new NotFoundError(`No generation job with id "${id}".`);
    const images = row.status === 'succeeded' ? (await this.deps.nodes.findByJob(id)).map(toImageNode) : [];
    return toJob(row, images);
  }

  async cancel(id: string): Promise<Job> {
    const row = await this.deps.jobs.findById(id);
    if (!row) throw new NotFoundError(`No generation job with id "${id}".`);
    if (TERMINAL_STATUSES.includes(row.status as Job['status'])) {
      throw new ConflictError(`Job ${id} has already ${row.status === 'succeeded' ? 'succeeded' : `been ${row.status}`}; only queued or running jobs can be canceled.`);
    }
    const at = this.deps.clock.now().toISOString();
    const changed = await this.deps.jobs.finish(id, 'canceled', at, { code: 'canceled', message: 'Canceled by request.' });
    this.deps.queue.abort(id, new CanceledError('Canceled by request.'));
    const job = await this.get(id);
    if (changed) this.deps.events.publish(eventFor(job));
    return job;
  }

  subscribe(id: string, listener: (event: JobEvent) => void): () => void {
    return this.deps.events.subscribe(id, listener);
  }

  /** Resolves with the job once it has finished, whatever the outcome. */
  async waitUntilFinished(id: string): Promise<Job> {
    return new Promise<Job>((resolve, reject) => {
      const unsubscribe = this.subscribe(id, (event) => {
        if (event.type === 'progress' || event.type === 'preview') return;
        unsubscribe();
        resolve(event.job);
      });
      // The job may have finished before the subscription existed.
      this.get(id).then(
        (job) => {
          if (TERMINAL_STATUSES.includes(job.status)) {
            unsubscribe();
            resolve(job);
          }
        },
        (err) => {
          unsubscribe();
          reject(err);
        },
      );
    });
  }

  /** At start-up: clears files of interrupted writes and re-queues (or gives up on) interrupted jobs. */
  async recoverInterrupted(): Promise<void> {
    const { jobs, writer, store, clock, log } = this.deps;
    const swept = await store.sweepIncomplete();
    const orphans = await writer.recoverPendingFiles();
    if (swept + orphans > 0) log.warn({ swept, orphans }, 'removed files of writes interrupted by a stop');
    for (const job of await jobs.findRunning()) {
      if (job.attempts >= MAX_ATTEMPTS) {
        await jobs.finish(job.id, 'failed', clock.now().toISOString(), {
          code: 'interrupted',
          message: `The job was interrupted by a restart of ImageFlow ${job.attempts} times while running, so it was not tried again. Submit it again to retry.`,
        });
        log.warn({ jobId: job.id }, 'interrupted job failed after too many attempts');
      } else {
        await jobs.requeue(job.id);
        log.info({ jobId: job.id }, 'interrupted job queued again');
      }
    }
  }

  /** The worker: runs one claimed job to its end state. */
  readonly runJob = async (row: JobRow, { signal }: JobContext): Promise<void> => {
    const { jobs, clock, events, log } = this.deps;
    const plan = JSON.parse(row.plan_json) as GenerationPlan;
    events.publish(eventFor(toJob(row, [])));
    try {
      const drafts = await this.produce(row, plan, signal);
      signal.throwIfAborted();
      await this.deps.writer.write(drafts, { id: row.id });
      events.publish(eventFor(await this.get(row.id)));
    } catch (err) {
      if (err instanceof ShutdownError || signal.reason instanceof ShutdownError) {
        // Left as running on purpose: start-up recovery queues it again.
        log.info({ jobId: row.id }, 'job interrupted by shutdown');
        return;
      }
      const canceled = signal.aborted || err instanceof JobNoLongerRunningError;
      const error = canceled
        ? { code: 'canceled', message: 'Canceled by request.' }
        : err instanceof AppError
          ? { code: err.code, message: err.message }
          : { code: 'generation_failed', message: `The generation failed: ${(err as Error).message ?? String(err)}` };
      if (!canceled && !(err instanceof AppError)) log.error({ err, jobId: row.id }, 'generation failed');
      const changed = await jobs.finish(row.id, canceled ? 'canceled' : 'failed', clock.now().toISOString(), error);
      if (changed) events.publish(eventFor(await this.get(row.id)));
    } finally {
      this.lastPreviewAt.delete(row.id);
    }
  };

  private async produce(row: JobRow, plan: GenerationPlan, signal: AbortSignal): Promise<NodeDraft[]> {
    const parentRow = plan.parentId !== null ? await this.deps.nodes.findById(plan.parentId) : undefined;
    if (plan.parentId !== null && !parentRow) throw new NotFoundError(`Parent image ${plan.parentId} no longer exists.`);
    const parent = parentRow
      ? { id: Number(parentRow.id), rootId: Number(parentRow.root_id), depth: parentRow.depth, sha256: parentRow.sha256 }
      : null;
    const needsPixels = parentRow !== undefined && ACTIONS_USING_PARENT_IMAGE.includes(plan.action);
    // A tombstone has no file, and a delete may land between reading the row and reading the file.
    const parentPng = needsPixels && parentRow.deleted_at === null ? await this.deps.store.get('images', parentRow.filename) : undefined;
    if (needsPixels && !parentPng) {
      throw new ValidationError(`Image ${parentRow.id} was deleted before this job ran, so its pixels are gone; ${plan.action} needs them.`);
    }
    const requestParams = JSON.parse(row.request_json);
    const base = {
      prompt: plan.prompt,
      negativePrompt: plan.negativePrompt,
      model: plan.model,
      actionType: plan.action,
      requestParams,
      parent,
      jobId: row.id,
    };

    if (plan.action === 'upscale' || plan.action === 'edit') {
      const out =
        plan.action === 'upscale'
          ? await this.deps.ops.upscale(parentPng!, plan.upscale!.factor)
          : await this.deps.ops.edit(parentPng!, plan.edit!);
      await this.reportProgress(row, 1, 1);
      const spec = { ...parentSpec(parentRow!), width: out.width, height: out.height, ...(plan.upscale ? { upscale: plan.upscale } : { edit: plan.edit }) };
      return [{ ...base, png: out.png, width: out.width, height: out.height, seed: parentRow!.seed === null ? null : Number(parentRow!.seed), provider: IMAGE_OP_PROVIDER, spec }];
    }

    const request: ProviderRequest = {
      model: plan.model,
      prompt: plan.prompt,
      negativePrompt: plan.negativePrompt,
      spec: plan.spec,
      ...(plan.action === 'img2img' && parentPng ? { init: { png: parentPng } } : {}),
    };
    const { provider, images } = await this.runProvider(row, request, signal);
    return images.map((image) => ({
      ...base,
      png: image.png,
      width: image.width,
      height: image.height,
      seed: image.seed,
      provider: provider.name,
      spec: {
        model: plan.model,
        backend_model: image.backendModel,
        ...plan.spec,
        seed: image.seed,
        batch_size: 1,
        width: image.width,
        height: image.height,
        ...(plan.action === 'img2img' && parentRow
          ? { init_image: { node_id: Number(parentRow.id), filename: parentRow.filename, sha256: parentRow.sha256 } }
          : {}),
      },
    }));
  }

  /**
   * Runs the request on the model's backend, or, for a job a stopped process had submitted to a
   * remote backend, follows that run by its handle instead of running it again. A shutdown does
   * not cancel a run that can be re-attached to: it goes on there and is followed after the restart.
   */
  private async runProvider(row: JobRow, request: ProviderRequest, signal: AbortSignal): Promise<{ provider: Provider; images: ProviderImage[] }> {
    const submittedTo = row.remote_json ? this.deps.providers.byName(row.provider) : undefined;
    const resuming = Boolean(submittedTo?.resume && row.remote_json);
    const provider = resuming ? submittedTo! : this.deps.providers.forModel(request.model);

    let progressWrites = Promise.resolve();
    const record = (write: () => Promise<void>) => {
      progressWrites = progressWrites.then(write).catch((err) => this.deps.log.warn({ err, jobId: row.id }, 'could not record progress'));
    };
    let resumable = resuming;
    const providerAbort = new AbortController();
    const forwardAbort = () => {
      if (!(resumable && signal.reason instanceof ShutdownError)) providerAbort.abort(signal.reason);
    };
    if (signal.aborted) forwardAbort();
    signal.addEventListener('abort', forwardAbort, { once: true });

    const options: ProviderRunOptions = {
      signal: providerAbort.signal,
      onProgress: ({ step, total }) => record(() => this.reportProgress(row, step, total)),
      onPreview: (preview) => this.publishPreview(row, preview),
      onSubmitted: (handle) => {
        resumable = Boolean(provider.resume);
        record(() => this.deps.jobs.setRemoteHandle(row.id, JSON.stringify(handle)));
      },
    };
    const run = resuming
      ? provider.resume!(JSON.parse(row.remote_json!) as RemoteHandle, request, options)
      : provider.generate(request, options);
    try {
      const images = await untilShutdown(run, signal);
      await progressWrites;
      return { provider, images };
    } finally {
      signal.removeEventListener('abort', forwardAbort);
    }
  }

  /** Live previews go to subscribers only (at most a few a second); they are never stored. */
  private publishPreview(row: JobRow, preview: { mime: string; data: Buffer }): void {
    const now = this.deps.clock.now().getTime();
    if (now - (this.lastPreviewAt.get(row.id) ?? 0) < PREVIEW_INTERVAL_MS) return;
    this.lastPreviewAt.set(row.id, now);
    this.deps.events.publish({
      type: 'preview',
      job: toJob({ ...row, status: 'running' }, []),
      preview: { mime: preview.mime, data_base64: preview.data.toString('base64') },
    });
  }

  /** Persists and announces progress; callers chain these so events stay in order. */
  private async reportProgress(row: JobRow, step: number, total: number): Promise<void> {
    const progress = total > 0 ? Math.min(step / total, 1) : 0;
    await this.deps.jobs.updateProgress(row.id, progress, step, total);
    this.deps.events.publish({
      type: 'progress',
      job: toJob({ ...row, status: 'running', progress, step, total_steps: total }, []),
    });
  }

  private async parentRecipe(id: number): Promise<ParentRecipe> {
    const row = await this.deps.nodes.findById(id);
    if (!row) throw new NotFoundError(`parent_id ${id} does not exist. Pick an image from the gallery or GET /api/images.`);
    return {
      id: Number(row.id),
      model: row.model,
      prompt: row.prompt,
      negativePrompt: row.negative_prompt,
      spec: parentSpec(row),
      seed: row.seed === null ? null : Number(row.seed),
      actionType: row.action_type as ParentRecipe['actionType'],
      deleted: row.deleted_at !== null,
      width: row.width,
      height: row.height,
    };
  }
}

/** Settles with `run`, or rejects at once when `signal` aborts for a shutdown (leaving `run` to end on its own). */
function untilShutdown<T>(run: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      if (signal.reason instanceof ShutdownError) reject(signal.reason);
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    run.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function parentSpec(row: NodeRowWithCounts): Record<string, unknown> {
  return JSON.parse(row.spec_json) as Record<string, unknown>;
}
