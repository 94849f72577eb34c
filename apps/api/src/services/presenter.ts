import type { ImageNode, Job } from '@imageflow/shared';
import { NotFoundError } from '../errors.ts';
import type { JobRepository, JobRecord } from '../ports/job.repository.port.ts';
import type { JsonNode, NodeRepository, NodeWithCounts, StoredOriginal, SummaryNode } from '../ports/node.repository.port.ts';
import { contentTypeOf } from '../lib/filenames.ts';
import { JsonText } from '../lib/json-text.ts';
import type { PublicUrls } from './public-urls.ts';
import type { ParentRecipe } from './plan.ts';

/**
 * The one place that decides an ImageNode's fields and their order. The database makes every field up
 * to pending_parent_sha256 in this order for answers that only present nodes (NODE_JSON in
 * kysely-node.repository.ts, then nodeText below); what follows is added here.
 */
export function toImageNode(row: NodeWithCounts, urls: PublicUrls): ImageNode {
  const live = row.deleted_at === null;
  return {
    // NodeSummary's fields first, in its order: on PostgreSQL a summary is the start of the stored node JSON.
    id: row.id,
    parent_id: row.parent_id,
    depth: row.depth,
    prompt: row.prompt,
    model: row.model,
    provider: row.provider,
    seed: row.seed,
    action_type: row.action_type,
    width: row.width,
    height: row.height,
    starred: row.starred,
    deleted_at: row.deleted_at,
    trashed_at: row.trashed_at,
    created_at: row.created_at,
    is_root: row.is_root,
    root_id: row.root_id,
    negative_prompt: row.negative_prompt,
    image_path: row.image_path,
    filename: row.filename,
    bytes: row.bytes,
    sha256: row.sha256,
    pending_parent_sha256: row.pending_parent_sha256,
    children_count: row.children_count,
    spec_json: row.spec,
    request_params: row.request_params,
    // Where its files are, while it is not deleted.
    url: live ? urls.image(row.filename) : null,
    thumbnail_url: live ? urls.thumbnail(row.filename) : null,
    original: row.original && presentOriginal(live, row.original, urls),
  };
}

function presentOriginal(live: boolean, original: StoredOriginal, urls: PublicUrls): NonNullable<ImageNode['original']> {
  return {
    url: live ? urls.original(original.filename) : null,
    sha256: original.sha256,
    bytes: original.bytes,
    content_type: contentTypeOf(original.filename),
  };
}

/**
 * JSON text of the ImageNode of a node read as JSON: what the database made, then its child count, the
 * stored recipe and request parameters as they are, then the file URLs as toImageNode gives them. JSON.stringify(toImageNode(…))
 * of the same node, byte for byte (apps/api/test/json-passthrough.test.ts). Written out field by field: a
 * page makes no object per node.
 */
export function nodeText(row: JsonNode, urls: PublicUrls): string {
  const url = row.live ? JSON.stringify(urls.image(row.filename)) : 'null';
  const thumbnail = thumbnailJson(row, urls);
  const original = row.original === null ? 'null' : JSON.stringify(presentOriginal(row.live, row.original, urls));
  return `${row.json.slice(0, -1)},"children_count":${row.children_count},"spec_json":${row.spec_json},"request_params":${row.request_params_json},"url":${url},"thumbnail_url":${thumbnail},"original":${original}}`;
}

/** JSON text of the NodeSummary of a node read as one: what the database made, then its children_count and thumbnail URL. */
export function summaryText(row: SummaryNode, urls: PublicUrls): string {
  return `${row.json.slice(0, -1)},"children_count":${row.children_count},"thumbnail_url":${thumbnailJson(row, urls)}}`;
}

/** A node's thumbnail_url as JSON: null once it is deleted. */
function thumbnailJson(row: SummaryNode, urls: PublicUrls): string {
  return row.live ? JSON.stringify(urls.thumbnail(row.filename)) : 'null';
}

/**
 * JSON text of an answer `{...head, [key]: [items], ...tail}` whose list holds items already JSON text:
 * JSON.stringify of the object form, without making the items objects again, nor one string of it all.
 */
export function answerText<T>(head: object, key: string, items: readonly string[], tail: object): JsonText<T> {
  const start = JSON.stringify(head).slice(0, -1);
  const end = JSON.stringify(tail).slice(1);
  const parts = [`${start}${start === '{' ? '' : ','}${JSON.stringify(key)}:[`];
  for (let i = 0; i < items.length; i++) {
    if (i > 0) parts.push(',');
    parts.push(items[i]!);
  }
  parts.push(`]${end === '}' ? '' : ','}${end}`);
  return new JsonText(parts);
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

/**
 * A job presented outside any request (by the worker that ran it, in this process or another: its file
 * URLs relative, or under the public base URL) with its file URLs made as `urls` makes them.
 */
export function withUrls(job: Job, urls: PublicUrls): Job {
  if (job.images.length === 0) return job;
  const resolve = (url: string | null) => (url === null ? null : urls.resolve(url));
  return {
    ...job,
    images: job.images.map((node) => ({
      ...node,
      url: resolve(node.url),
      thumbnail_url: resolve(node.thumbnail_url),
      original: node.original && { ...node.original, url: resolve(node.original.url) },
    })),
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
  return (await presentJobs([row], nodes, urls))[0]!;
}

/** Jobs with the images of those that succeeded, read in one query for them all (a page of the queue). */
export async function presentJobs(rows: readonly JobRecord[], nodes: NodeRepository, urls: PublicUrls): Promise<Job[]> {
  const succeeded = rows.filter((r) => r.status === 'succeeded').map((r) => r.id);
  const byJob = new Map<string, ImageNode[]>();
  for (const node of await nodes.findByJobs(succeeded)) {
    if (node.job_id === null) continue;
    const list = byJob.get(node.job_id) ?? [];
    list.push(toImageNode(node, urls));
    byJob.set(node.job_id, list);
  }
  return rows.map((row) => toJob(row, byJob.get(row.id) ?? []));
}
