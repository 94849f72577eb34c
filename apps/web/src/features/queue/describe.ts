import type { Job } from '@imageflow/shared';
import { MODEL_LABELS, isModelName } from '@imageflow/shared/constants';
import type { QueueJob } from '@/lib/api-client';

function requestOf(job: Job): { prompt?: unknown; spec?: { width?: unknown; height?: unknown; steps?: unknown; batch_size?: unknown }; upscale?: { factor?: unknown } } {
  return job.request as never;
}

/** What a job makes, in a few words: its prompt, or for a version made without one, what it does to which image. */
export function jobTitle(job: Job): string {
  const { prompt, upscale } = requestOf(job);
  if (typeof prompt === 'string' && prompt.trim()) return prompt.trim();
  const of = job.parent_id !== null ? ` of #${job.parent_id}` : '';
  switch (job.action_type) {
    case 'variation':
      return `Variation${of}`;
    case 'upscale':
      return `Upscale${typeof upscale?.factor === 'number' ? ` ×${upscale.factor}` : ''}${of}`;
    case 'edit':
      return `Edit${of}`;
    case 'remix':
      return `Remix${of}`;
    case 'img2img':
      return `Image to image${of}`;
    default:
      return 'Generation';
  }
}

/** The recipe facts worth a glance: model, size, how many images, steps. */
export function jobFacts(job: Job): string[] {
  const spec = requestOf(job).spec ?? {};
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const width = num(spec.width);
  const height = num(spec.height);
  const count = num(spec.batch_size) ?? 1;
  const steps = num(spec.steps);
  return [
    isModelName(job.model) ? MODEL_LABELS[job.model] : job.model,
    width && height ? `${width} × ${height}` : null,
    count > 1 ? `${count} images` : null,
    steps ? `${steps} steps` : null,
  ].filter((f): f is string => f !== null);
}

/** A queued job's place, as a person says it. */
export function positionLabel(position: number | null): string {
  if (position === null) return 'Queued';
  return position === 1 ? 'Next' : `#${position} in line`;
}

/** The order the queue is shown in: running first (longest running on top), then queued in the order they start. */
export function runOrder(jobs: readonly QueueJob[]): QueueJob[] {
  const rank = (j: QueueJob) => (j.status === 'running' ? 0 : j.status === 'queued' ? 1 : 2);
  return [...jobs].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.status === 'running' ? (a.started_at ?? '').localeCompare(b.started_at ?? '') : 0) ||
      (a.position ?? Infinity) - (b.position ?? Infinity) ||
      a.created_at.localeCompare(b.created_at),
  );
}

/** m:ss (or h:mm:ss) since `iso`. */
export function elapsedSince(iso: string | null, now: number): string {
  if (!iso) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60));
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm.padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}
