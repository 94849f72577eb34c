import type { ActionType, ImageNode, Job, JobStatus } from '@imageflow/shared';
import { NotFoundError } from '../errors.ts';
import type { JobRepository, JobRow } from '../ports/job.repository.port.ts';
import type { NodeRepository, NodeRowWithCounts } from '../ports/node.repository.port.ts';
import type { PublicUrls } from './public-urls.ts';
import type { ParentRecipe } from './plan.ts';

export function toImageNode(row: NodeRowWithCounts, urls: PublicUrls): ImageNode {
  const live = row.deleted_at === null;
  return {
    id: Number(row.id),
    is_root: row.is_root === 1,
    parent_id: row.parent_id === null ? null : Number(row.parent_id),
    root_id: Number(row.root_id),
    depth: row.depth,
    prompt: row.prompt,
    negative_prompt: row.negative_prompt,
    model: row.model,
    provider: row.provider,
    seed: row.seed === null ? null : Number(row.seed),
    spec_json: JSON.parse(row.spec_json),
    request_params: JSON.parse(row.request_params),
    action_type: row.action_type as ActionType,
    image_path: row.image_path,
    filename: row.filename,
    url: live ? urls.image(row.filename) : null,
    thumbnail_url: live ? urls.thumbnail(row.filename) : null,
    width: row.width,
    height: row.height,
    bytes: Number(row.bytes),
    sha256: row.sha256,
    starred: row.starred === 1,
    deleted_at: row.deleted_at,
    created_at: row.created_at,
    children_count: Number(row.children_count),
  };
}

export function toJob(row: JobRow, images: ImageNode[]): Job {
  return {
    id: row.id,
    status: row.status as JobStatus,
    progress: row.progress,
    step: row.step,
    total_steps: row.total_steps,
    action_type: row.action_type as ActionType,
    model: row.model,
    provider: row.provider,
    parent_id: row.parent_id === null ? null : Number(row.parent_id),
    request: JSON.parse(row.request_json),
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    attempts: row.attempts,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    images,
  };
}

/** A stored node as the recipe a derived version starts from. */
export function parentRecipeOf(row: NodeRowWithCounts): ParentRecipe {
  return {
    id: Number(row.id),
    model: row.model,
    prompt: row.prompt,
    negativePrompt: row.negative_prompt,
    spec: JSON.parse(row.spec_json) as Record<string, unknown>,
    seed: row.seed === null ? null : Number(row.seed),
    actionType: row.action_type as ParentRecipe['actionType'],
    deleted: row.deleted_at !== null,
    width: row.width,
    height: row.height,
  };
}

/** A job with its images once it has succeeded. */
export async function loadJob(jobs: JobRepository, nodes: NodeRepository, urls: PublicUrls, id: string): Promise<Job> {
  const row = await jobs.findById(id);
  if (!row) throw new NotFoundError(`No generation job with id "${id}".`);
  const images = row.status === 'succeeded' ? (await nodes.findByJob(id)).map((n) => toImageNode(n, urls)) : [];
  return toJob(row, images);
}
