import type { ActionType, ImageNode, Job, JobStatus } from '@imageflow/shared';
import { NotFoundError } from '../errors.ts';
import type { JobRepository, JobRecord } from '../ports/job.repository.port.ts';
import type { NodeRepository, NodeWithCounts } from '../ports/node.repository.port.ts';
import { contentTypeOf } from '../lib/filenames.ts';
import type { PublicUrls } from './public-urls.ts';
import type { ParentRecipe } from './plan.ts';

export function toImageNode(row: NodeWithCounts, urls: PublicUrls): ImageNode {
  const live = row.deleted_at === null;
  return {
    id: row.id,
    is_root: row.is_root,
    parent_id: row.parent_id,
    root_id: row.root_id,
    depth: row.depth,
    prompt: row.prompt,
    negative_prompt: row.negative_prompt,
    model: row.model,
    provider: row.provider,
    seed: row.seed,
    spec_json: row.spec,
    request_params: row.request_params,
    action_type: row.action_type,
    image_path: row.image_path,
    filename: row.filename,
    url: live ? urls.image(row.filename) : null,
    thumbnail_url: live ? urls.thumbnail(row.filename) : null,
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    sha256: row.sha256,
    starred: row.starred,
    deleted_at: row.deleted_at,
    trashed_at: row.trashed_at,
    created_at: row.created_at,
    children_count: row.children_count,
    original: row.original && {
      url: live ? urls.original(row.original.filename) : null,
      sha256: row.original.sha256,
      bytes: row.original.bytes,
      content_type: contentTypeOf(row.original.filename),
    },
    pending_parent_sha256: row.pending_parent_sha256,
  };
}

export function toJob(row: JobRecord, images: ImageNode[]): Job {
  return {
    id: row.id,
    status: row.status,
    progress: row.progress,
    step: row.step,
    total_steps: row.total_steps,
    action_type: row.action_type,
    model: row.model,
    provider: row.provider,
    parent_id: row.parent_id,
    request: row.request,
    error: row.error,
    attempts: row.attempts,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    images,
  };
}

/** A stored node as the recipe a derived version starts from. */
export function parentRecipeOf(row: NodeWithCounts): ParentRecipe {
  return {
    id: row.id,
    model: row.model,
    prompt: row.prompt,
    negativePrompt: row.negative_prompt,
    spec: row.spec,
    seed: row.seed,
    actionType: row.action_type,
    deleted: row.deleted_at !== null,
    width: row.width,
    height: row.height,
  };
}

/** A job with its images once it has succeeded. */
export async function loadJob(jobs: JobRepository, nodes: NodeRepository, urls: PublicUrls, id: string): Promise<Job> {
  const row = await jobs.findById(id);
  if (!row) throw new NotFoundError(`No generation job with id "${id}".`);
  return presentJob(row, nodes, urls);
}

export async function presentJob(row: JobRecord, nodes: NodeRepository, urls: PublicUrls): Promise<Job> {
  const images = row.status === 'succeeded' ? (await nodes.findByJob(row.id)).map((n) => toImageNode(n, urls)) : [];
  return toJob(row, images);
}
