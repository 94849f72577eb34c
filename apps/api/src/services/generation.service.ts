import { GenerationRequest, TERMINAL_STATUSES, type Job, type JobEvent, type JobListQuery, type JobPage, type QueueJob } from '@imageflow/shared';
import { BusyError, ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { eventFor } from '../lib/job-events.ts';
import type { JobEventBus, SubscribeOptions } from '../ports/job-events.port.ts';
import type { JobQueue } from '../ports/job-queue.port.ts';
import type { JobRepository, JobRecord } from '../ports/job.repository.port.ts';
import type { NodeRepository } from '../ports/node.repository.port.ts';
import type { Clock, Random } from '../ports/system.port.ts';
import { IMAGE_OP_ACTIONS, IMAGE_OP_PROVIDER, resolvePlan, type ParentRecipe } from './plan.ts';
import { loadJob, parentRecipeOf, presentJob, presentJobs, toJob, withUrls } from './presenter.ts';
import type { ProviderRegistry } from './provider-registry.ts';
import type { PublicUrls } from './public-urls.ts';
import { mayAccess, type Actor } from './access.ts';

export interface GenerationDeps {
  nodes: NodeRepository;
  jobs: JobRepository;
  providers: ProviderRegistry;
  queue: JobQueue;
  events: JobEventBus;
  clock: Clock;
  random: Random;
  urls: PublicUrls;
  /** How many jobs one user may have queued or running at once. */
  maxActivePerUser: number;
}

/** How often a waiting request reads its job's row, in case an event was lost on the way. */
const WAIT_POLL_MS = 2000;

/** The API side of generations: submit, follow, cancel. Jobs run in a JobRunner, here or in another process. */
export class GenerationService {
  constructor(private readonly deps: GenerationDeps) {}

  /**
   * Validates and resolves the request, records a queued job of `actor` and hands it to the queue;
   * `client` is whose turn it takes in the queue.
   */
  async submit(request: GenerationRequest, client: string, actor: Actor): Promise<Job> {
    const { jobs, random, clock, providers, queue, maxActivePerUser } = this.deps;
    if (actor.id !== null && (await jobs.countActive(actor.id)) >= maxActivePerUser) {
      throw new BusyError(`You have ${maxActivePerUser} generations queued or running, the most one person may have; wait for some to finish, or cancel some, then submit again.`, 10, 'queue_full');
    }
    const parent = request.parent_id !== undefined ? await this.parentRecipe(request.parent_id, actor) : null;
    const plan = resolvePlan(request, parent, () => random.seed());
    const provider = IMAGE_OP_ACTIONS.includes(plan.action) ? IMAGE_OP_PROVIDER : providers.forModel(plan.model).name;
    const row: JobRecord = {
      id: random.uuid(),
      status: 'queued',
      progress: 0,
      step: null,
      total_steps: null,
      action_type: plan.action,
      model: plan.model,
      provider,
      parent_id: plan.parentId,
      request,
      plan,
      error: null,
      attempts: 0,
      created_at: clock.now().toISOString(),
      started_at: null,
      finished_at: null,
      remote: null,
      worker_id: null,
      client_key: client,
      owner_id: actor.id,
      front_at: null,
    };
    await jobs.insert(row);
    await queue.enqueue(row.id);
    return toJob(row, []);
  }

  /** The job, if `actor` may see it (404 otherwise, as for a job that does not exist). */
  async get(id: string, actor: Actor): Promise<Job> {
    return this.present(await this.own(id, actor));
  }

  private async own(id: string, actor: Actor): Promise<JobRecord> {
    const row = await this.deps.jobs.findById(id);
    if (!row || !mayAccess(actor, row.owner_id)) throw new NotFoundError(`No generation job with id "${id}".`);
    return row;
  }

  private present(row: JobRecord): Promise<Job> {
    return presentJob(row, this.deps.nodes, this.deps.urls);
  }

  private load(id: string): Promise<Job> {
    return loadJob(this.deps.jobs, this.deps.nodes, this.deps.urls, id);
  }

  /**
   * Marks the job canceled (the row is the truth), then asks whichever instance runs it to stop. With
   * `queuedOnly`, only while it waits: one that has started runs on, and the answer is a 409.
   */
  async cancel(id: string, actor: Actor, { queuedOnly = false }: { queuedOnly?: boolean } = {}): Promise<Job> {
    const row = await this.own(id, actor);
    if (TERMINAL_STATUSES.includes(row.status as Job['status'])) {
      throw new ConflictError(`Job ${id} has already ${row.status === 'succeeded' ? 'succeeded' : `been ${row.status}`}; only queued or running jobs can be canceled.`);
    }
    const at = this.deps.clock.now().toISOString();
    const reason = { code: 'canceled', message: 'Canceled by request.' };
    let changed: boolean;
    if (queuedOnly) {
      // Checked and changed in one statement: a job a worker claims in between is left running.
      changed = row.status === 'queued' && (await this.deps.jobs.cancelQueued(id, at, reason));
      if (!changed) throw new ConflictError(`Job ${id} has started, so it was left running (queued_only); cancel it without queued_only to stop it.`);
    } else {
      changed = await this.deps.jobs.finish(id, 'canceled', at, reason);
    }
    this.deps.events.publishCancel(id);
    const job = await this.load(id);
    if (changed) this.deps.events.publish(eventFor(job));
    return job;
  }

  /**
   * The actor's own jobs, newest first (an admin's too: the queue is where one cancels and reorders,
   * never someone else's by accident); each queued one with its place among its owner's queued jobs.
   */
  async list(query: JobListQuery, actor: Actor): Promise<JobPage> {
    const { jobs } = this.deps;
    const ownerId = actor.id ?? undefined;
    const after = query.cursor === undefined ? undefined : decodeJobCursor(query.cursor);
    const rows = await jobs.list({ ownerId, statuses: query.status, limit: query.limit + 1, after });
    const page = rows.slice(0, query.limit);
    const [order, counts] = await Promise.all([page.some((r) => r.status === 'queued') ? jobs.queuedOrder(ownerId) : [], jobs.countActiveByStatus(ownerId)]);
    const positions = new Map(order.map((id, i) => [id, i + 1]));
    const jobsOfPage = await presentJobs(page, this.deps.nodes, this.deps.urls);
    const items = jobsOfPage.map((job): QueueJob => ({ ...job, position: positions.get(job.id) ?? null }));
    const last = page.at(-1);
    return { items, next_cursor: rows.length > query.limit && last ? encodeJobCursor(last.created_at, last.id) : null, counts };
  }

  /**
   * A failed or canceled job again, as a new job with the same recipe: its request, with the seed it
   * was resolved to (so it makes the images the first one was to make). Checked and queued like a submit.
   */
  async retry(id: string, client: string, actor: Actor): Promise<Job> {
    const row = await this.own(id, actor);
    if (row.status !== 'failed' && row.status !== 'canceled') {
      throw new ConflictError(
        row.status === 'succeeded'
          ? `Job ${id} succeeded; only a failed or canceled job is retried. To make more like it, submit its request again (POST /api/generations).`
          : `Job ${id} is still ${row.status}; only a failed or canceled job is retried. Cancel it first (DELETE /api/generations/${id}) to run it again.`,
      );
    }
    const spec = typeof row.request.spec === 'object' && row.request.spec !== null ? row.request.spec : {};
    const request = GenerationRequest.safeParse({ ...row.request, spec: { ...spec, seed: row.plan.spec.seed } });
    if (!request.success) {
      throw new ValidationError(`Job ${id} was asked for in a form this version of ImageFlow no longer takes, so it cannot be retried as it was; submit a new request instead.`);
    }
    return this.submit(request.data, client, actor);
  }

  /** Moves a queued job to the front: it is the next of its owner's jobs to start. */
  async moveToFront(id: string, actor: Actor): Promise<QueueJob> {
    const { jobs, clock } = this.deps;
    const row = await this.own(id, actor);
    const notQueued = (status: string) =>
      new ConflictError(
        status === 'running'
          ? `Job ${id} has already started; only a queued job can be moved to the front.`
          : `Job ${id} has ended (${status}); only a queued job can be moved to the front.`,
      );
    if (row.status !== 'queued') throw notQueued(row.status);
    if (!(await jobs.moveToFront(id, clock.now().toISOString()))) throw notQueued((await jobs.findById(id))?.status ?? 'canceled');
    const [job, order] = await Promise.all([this.load(id), jobs.queuedOrder(row.owner_id ?? undefined)]);
    const index = order.indexOf(id);
    return { ...job, position: index === -1 ? null : index + 1 };
  }

  /** The job's events; live previews only with `previews` (they are made only while someone follows them). */
  subscribe(id: string, listener: (event: JobEvent) => void, options?: SubscribeOptions): () => void {
    return this.deps.events.subscribe(id, listener, options);
  }

  /**
   * Follows a job for an event stream: subscribes first, then reads the job, so no event sent in
   * between is lost. `current` is the state to send first; `start` delivers every later event
   * (those that came in meanwhile first) until a final one, and re-reads the row every few seconds
   * so that a final event lost on the way (another process, Redis) still ends the stream. A follower
   * receives live previews: while one follows, the job's previews are made and sent. Every job it
   * delivers has the file URLs of the request that follows (a worker presents them for no request).
   */
  async follow(id: string, actor: Actor): Promise<{ current: Job; start(listener: (event: JobEvent) => void): void; stop(): void }> {
    const urls = this.deps.urls.forThisRequest();
    let listener: ((event: JobEvent) => void) | null = null;
    const early: JobEvent[] = [];
    let done = false;
    let poll: NodeJS.Timeout | undefined;
    const deliver = (event: JobEvent) => {
      if (done) return;
      if (!listener) return void early.push(event);
      if (event.type !== 'progress' && event.type !== 'preview') stop();
      listener(event.type === 'preview' ? event : { ...event, job: withUrls(event.job, urls) });
    };
    const unsubscribe = this.subscribe(id, deliver, { previews: true });
    const stop = () => {
      done = true;
      unsubscribe();
      clearInterval(poll);
    };
    let current: Job;
    try {
      current = await this.get(id, actor);
    } catch (err) {
      stop();
      throw err;
    }
    if (TERMINAL_STATUSES.includes(current.status)) stop();
    return {
      current,
      stop,
      start: (next) => {
        if (done) return;
        listener = next;
        for (const event of early.splice(0)) deliver(event);
        poll = setInterval(() => {
          loadJob(this.deps.jobs, this.deps.nodes, urls, id).then(
            (job) => {
              if (TERMINAL_STATUSES.includes(job.status)) deliver(eventFor(job));
            },
            () => undefined,
          );
        }, WAIT_POLL_MS);
      },
    };
  }

  /**
   * Resolves with the job once it has finished, whatever the outcome: from its events, or from its row;
   * with the file URLs of the request that waits.
   */
  async waitUntilFinished(id: string): Promise<Job> {
    const urls = this.deps.urls.forThisRequest();
    return new Promise<Job>((resolve, reject) => {
      let settled = false;
      const finish = (job: Job) => {
        if (settled) return;
        settled = true;
        unsubscribe();
        clearInterval(poll);
        resolve(job);
      };
      const unsubscribe = this.subscribe(id, (event) => {
        if (event.type !== 'progress' && event.type !== 'preview') finish(withUrls(event.job, urls));
      });
      const check = () =>
        loadJob(this.deps.jobs, this.deps.nodes, urls, id).then(
          (job) => {
            if (TERMINAL_STATUSES.includes(job.status)) finish(job);
          },
          (err) => {
            if (settled) return;
            settled = true;
            unsubscribe();
            clearInterval(poll);
            reject(err);
          },
        );
      const poll = setInterval(check, WAIT_POLL_MS);
      // The job may have finished before the subscription existed.
      void check();
    });
  }

  private async parentRecipe(id: number, actor: Actor): Promise<ParentRecipe> {
    const row = await this.deps.nodes.findById(id);
    if (!row || !mayAccess(actor, row.owner_id)) throw new NotFoundError(`parent_id ${id} does not exist. Pick an image from the gallery or GET /api/images.`);
    if (row.trashed_at !== null) throw new ValidationError(`Image ${id} is in the trash; restore it (POST /api/images/${id}/restore) before making new versions from it.`);
    return parentRecipeOf(row);
  }
}

function encodeJobCursor(createdAt: string, id: string): string {
  return Buffer.from(`j:${createdAt}:${id}`).toString('base64url');
}

function decodeJobCursor(cursor: string): { createdAt: string; id: string } {
  const match = /^j:(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z):([\w-]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('cursor is not valid: pass the next_cursor of the previous page unchanged.');
  return { createdAt: match[1]!, id: match[2]! };
}
