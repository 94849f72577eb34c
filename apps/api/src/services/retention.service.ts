import type { NodeRepository } from '../ports/node.repository.port.ts';
import type { Clock } from '../ports/system.port.ts';
import type { NodeWriter } from './node-writer.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often the rule runs (once per cluster), and how often an instance looks whether it is due. */
const RUN_EVERY_MS = DAY_MS;
const CHECK_EVERY_MS = 60 * 60 * 1000;
/** Nodes removed in one run at most; the rest go in the next. */
const BATCH = 1000;
const SAMPLE = 100;

export interface RetentionPlan {
  days: number | null;
  /** How many images the rule would remove now (up to one batch), and the bytes that frees. */
  images: number;
  bytes: number;
  /** The first of them, oldest first. */
  sample: number[];
}

/**
 * What leaves the disk, once a day per cluster: images trashed longer than the trash keeps them
 * (IMAGEFLOW_TRASH_DAYS, 30), and, with the optional retention rule (IMAGEFLOW_RETENTION_DAYS),
 * unstarred images older than N days — never a starred image or an ancestor of one, and never one
 * inside a live share link. The lineage keeps each one's recipe as a tombstone.
 */
export class RetentionService {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: { nodes: NodeRepository; writer: NodeWriter; clock: Clock; log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void } },
    private readonly options: { days: number | null; trashDays: number },
  ) {}

  get days(): number | null {
    return this.options.days;
  }

  /** What a run would remove now: the dry run. */
  async plan(): Promise<RetentionPlan> {
    const candidates = await this.candidates();
    return { days: this.days, images: candidates.length, bytes: candidates.reduce((sum, c) => sum + c.bytes, 0), sample: candidates.slice(0, SAMPLE).map((c) => c.id) };
  }

  /** Removes what the rule says; returns what it removed. */
  async run(): Promise<{ images: number; bytes: number }> {
    let images = 0;
    let bytes = 0;
    for (const candidate of await this.candidates()) {
      await this.deps.writer.delete(candidate);
      images++;
      bytes += candidate.bytes;
    }
    if (images > 0) this.deps.log.info({ images, bytes, days: this.days }, 'retention removed old images');
    return { images, bytes };
  }

  /** Looks every hour whether the daily run is due; one instance of the cluster claims it. */
  start(): void {
    this.timer = setInterval(() => void this.runIfDue(), CHECK_EVERY_MS);
    this.timer.unref();
    void this.runIfDue();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Runs the daily duties that are due and claimed by this instance: the trash purge, and the rule if set. Returns whether the rule ran. */
  async runIfDue(): Promise<boolean> {
    await this.claimed('purge-trash', () => this.purgeTrash());
    if (this.days === null) return false;
    return this.claimed('retention', () => this.run());
  }

  /** Removes the files of images trashed longer ago than the trash keeps them; their recipe stays as a tombstone. */
  async purgeTrash(): Promise<{ images: number }> {
    const now = this.deps.clock.now();
    const due = await this.deps.nodes.trashedBefore(new Date(now.getTime() - this.options.trashDays * DAY_MS).toISOString(), BATCH);
    for (const node of due) await this.deps.writer.delete(node);
    if (due.length > 0) this.deps.log.info({ images: due.length }, 'purged images trashed long enough ago');
    return { images: due.length };
  }

  private async claimed(name: string, work: () => Promise<unknown>): Promise<boolean> {
    try {
      const now = this.deps.clock.now();
      if (!(await this.deps.nodes.claimMaintenance(name, now.toISOString(), new Date(now.getTime() + RUN_EVERY_MS).toISOString()))) return false;
      await work();
      return true;
    } catch (err) {
      this.deps.log.warn({ err, task: name }, 'a daily task failed; it is tried again at the next run');
      return false;
    }
  }

  private async candidates() {
    if (this.days === null) return [];
    const now = this.deps.clock.now();
    return this.deps.nodes.retentionCandidates(new Date(now.getTime() - this.days * DAY_MS).toISOString(), now.toISOString(), BATCH);
  }
}
