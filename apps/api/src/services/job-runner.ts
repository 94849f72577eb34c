import { AppError, JobNoLongerRunningError, NotFoundError, ShutdownError, ValidationError } from '../errors.ts';
import { eventFor } from '../lib/job-events.ts';
import type { ImageOps } from '../ports/image-ops.port.ts';
import type { ImageStore } from '../ports/image-store.port.ts';
import type { JobEventBus } from '../ports/job-events.port.ts';
import type { JobContext } from '../ports/job-queue.port.ts';
import type { JobRepository, JobRecord } from '../ports/job.repository.port.ts';
import type { NodeRepository } from '../ports/node.repository.port.ts';
import type { Provider, ProviderImage, ProviderRequest, ProviderRunOptions } from '../ports/provider.port.ts';
import type { Clock } from '../ports/system.port.ts';
import type { NodeDraft, NodeWriter } from './node-writer.ts';
import { ACTIONS_USING_PARENT_IMAGE, IMAGE_OP_PROVIDER, type GenerationPlan } from './plan.ts';
import { loadJob, toJob } from './presenter.ts';
import type { ProviderRegistry } from './provider-registry.ts';
import type { PublicUrls } from './public-urls.ts';

export interface JobRunnerDeps {
  nodes: NodeRepository;
  jobs: JobRepository;
  store: ImageStore;
  ops: ImageOps;
  providers: ProviderRegistry;
  events: JobEventBus;
  writer: NodeWriter;
  clock: Clock;
  /** This instance: the jobs it runs are recorded as its own. */
  workerId: string;
  urls: PublicUrls;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

/** The shortest time between two live previews sent for one job. */
const PREVIEW_INTERVAL_MS = 250;
/**
 * The shortest time between two progress updates of one job (its row and its event): a fast engine
 * reports a step every few milliseconds. The latest step is always recorded, at most this late.
 */
const PROGRESS_INTERVAL_MS = 100;

/** The worker side of generations: runs one claimed job to its end state and stores its images. */
export class JobRunner {
  private readonly lastPreviewAt = new Map<string, number>();

  constructor(private readonly deps: JobRunnerDeps) {}

  readonly run = async (row: JobRecord, { signal }: JobContext): Promise<void> => {
    const { jobs, clock, events, log, workerId } = this.deps;
    const { plan } = row;
    events.publish(eventFor(toJob(row, [])));
    try {
      const drafts = await this.produce(row, plan, signal);
      signal.throwIfAborted();
      await this.deps.writer.write(drafts, { id: row.id, workerId });
      events.publish(eventFor(await this.job(row.id)));
    } catch (err) {
      if (err instanceof ShutdownError || signal.reason instanceof ShutdownError) {
        // Left running on purpose: the instance hands it back to the queue as it stops.
        log.info({ jobId: row.id }, 'job interrupted by shutdown');
        return;
      }
      if (err instanceof JobNoLongerRunningError) {
        // Canceled, or taken over after this instance was thought gone: its state is someone else's now.
        log.info({ jobId: row.id }, 'job no longer ours; its images were not kept');
        return;
      }
      const canceled = signal.aborted;
      const error = canceled
        ? { code: 'canceled', message: 'Canceled by request.' }
        : err instanceof AppError
          ? { code: err.code, message: err.message }
          : { code: 'generation_failed', message: `The generation failed: ${(err as Error).message ?? String(err)}` };
      if (!canceled && !(err instanceof AppError)) log.error({ err, jobId: row.id }, 'generation failed');
      const changed = await jobs.finish(row.id, canceled ? 'canceled' : 'failed', clock.now().toISOString(), error, workerId);
      if (changed) events.publish(eventFor(await this.job(row.id)));
    } finally {
      this.lastPreviewAt.delete(row.id);
    }
  };

  private job(id: string) {
    return loadJob(this.deps.jobs, this.deps.nodes, this.deps.urls, id);
  }

  private async produce(row: JobRecord, plan: GenerationPlan, signal: AbortSignal): Promise<NodeDraft[]> {
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
    const requestParams = row.request;
    const base = {
      prompt: plan.prompt,
      negativePrompt: plan.negativePrompt,
      model: plan.model,
      actionType: plan.action,
      requestParams,
      parent,
      jobId: row.id,
      ownerId: row.owner_id,
    };

    if (plan.action === 'upscale' || plan.action === 'edit') {
      const out =
        plan.action === 'upscale'
          ? await this.deps.ops.upscale(parentPng!, plan.upscale!.factor)
          : await this.deps.ops.edit(parentPng!, plan.edit!);
      await this.reportProgress(row, 1, 1);
      const spec = { ...parentRow!.spec, width: out.width, height: out.height, ...(plan.upscale ? { upscale: plan.upscale } : { edit: plan.edit }) };
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
      pixels: image.pixels,
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
   * Runs the request on the model's backend, or, for a job a stopped instance had submitted to a
   * remote backend, follows that run by its handle instead of running it again. A shutdown does
   * not cancel a run that can be re-attached to: it goes on there and is followed after the restart.
   */
  private async runProvider(row: JobRecord, request: ProviderRequest, signal: AbortSignal): Promise<{ provider: Provider; images: ProviderImage[] }> {
    const submittedTo = row.remote ? this.deps.providers.byName(row.provider) : undefined;
    const resuming = Boolean(submittedTo?.resume && row.remote);
    const provider = resuming ? submittedTo! : this.deps.providers.forModel(request.model);

    let progressWrites = Promise.resolve();
    const record = (write: () => Promise<void>) => {
      progressWrites = progressWrites.then(write).catch((err) => this.deps.log.warn({ err, jobId: row.id }, 'could not record progress'));
    };
    // Progress is recorded at most every PROGRESS_INTERVAL_MS: the first step at once, the latest one
    // when the interval is over, and whatever is left when the run ends.
    let unrecorded: { step: number; total: number } | null = null;
    let recordedAt = -Infinity;
    let progressTimer: NodeJS.Timeout | undefined;
    const recordProgress = () => {
      progressTimer = undefined;
      if (!unrecorded) return;
      const { step, total } = unrecorded;
      unrecorded = null;
      recordedAt = this.deps.clock.now().getTime();
      record(() => this.reportProgress(row, step, total));
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
      onProgress: ({ step, total }) => {
        unrecorded = { step, total };
        if (progressTimer) return;
        const wait = recordedAt + PROGRESS_INTERVAL_MS - this.deps.clock.now().getTime();
        if (wait <= 0) recordProgress();
        else progressTimer = setTimeout(recordProgress, wait);
      },
      onPreview: (preview) => this.publishPreview(row, preview),
      wantsPreview: () => this.wantsPreview(row.id),
      onSubmitted: (handle) => {
        resumable = Boolean(provider.resume);
        record(() => this.deps.jobs.setRemoteHandle(row.id, this.deps.workerId, handle));
      },
    };
    const run = resuming
      ? provider.resume!(row.remote!, request, options)
      : provider.generate(request, options);
    try {
      const images = await untilShutdown(run, signal);
      clearTimeout(progressTimer);
      recordProgress();
      await progressWrites;
      return { provider, images };
    } finally {
      clearTimeout(progressTimer);
      signal.removeEventListener('abort', forwardAbort);
    }
  }

  /** Whether a preview of the job would be sent now: someone follows it, and the last one is not too recent. */
  private wantsPreview(jobId: string): boolean {
    const now = this.deps.clock.now().getTime();
    return now - (this.lastPreviewAt.get(jobId) ?? 0) >= PREVIEW_INTERVAL_MS && this.deps.events.wantsPreviews(jobId);
  }

  /** Live previews go to their followers only (at most a few a second); they are never stored. */
  private publishPreview(row: JobRecord, preview: { mime: string; data: Buffer }): void {
    if (!this.wantsPreview(row.id)) return;
    this.lastPreviewAt.set(row.id, this.deps.clock.now().getTime());
    this.deps.events.publish({
      type: 'preview',
      job: toJob({ ...row, status: 'running' }, []),
      preview: { mime: preview.mime, data_base64: preview.data.toString('base64') },
    });
  }

  /** Persists and announces progress; callers chain these so events stay in order. */
  private async reportProgress(row: JobRecord, step: number, total: number): Promise<void> {
    const progress = total > 0 ? Math.min(step / total, 1) : 0;
    await this.deps.jobs.updateProgress(row.id, this.deps.workerId, progress, step, total);
    this.deps.events.publish({
      type: 'progress',
      job: toJob({ ...row, status: 'running', progress, step, total_steps: total }, []),
    });
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
