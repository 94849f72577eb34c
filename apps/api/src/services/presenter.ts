import type { ActionType, ImageNode, Job, JobStatus } from '@imageflow/shared';
import { NotFoundError } from '../errors.ts';
import type { JobRepository, JobRecord } from '../ports/job.repository.port.ts';
import type { NodeRepository, NodeWithCounts, StoredNode } from '../ports/node.repository.port.ts';
import { contentTypeOf } from '../lib/filenames.ts';
import type { JsonText } from '../lib/json-text.ts';
import type { PublicUrls } from './public-urls.ts';
import type { ParentRecipe } from './plan.ts';

/** A node's own fields, whichever form its two JSON columns are in. */
type NodeFields = Omit<NodeWithCounts, 'spec' | 'request_params'>;
/** ImageNode with its two JSON fields of type J. */
type Presented<J> = Omit<ImageNode, 'spec_json' | 'request_params'> & { spec_json: J; request_params: J };

/** The one place that decides an ImageNode's fields and their order, for both forms below. */
function presentNode<J>(row: NodeFields, urls: PublicUrls, spec: J, requestParams: J): Presented<J> {
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
    spec_json: spec,
    request_params: requestParams,
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

export function toImageNode(row: NodeWithCounts, urls: PublicUrls): ImageNode {
  return presentNode<ImageNode['spec_json']>(row, urls, row.spec, row.request_params);
}

/**
 * A node whose recipe and request parameters are still the JSON text stored, presented with 0 in
 * their place: serialise the answer holding it with JSON.stringify, then hand the text and the
 * nodes, in the order the answer holds them, to withStoredJson.
 */
export type PresentedStored = Presented<0>;

export function presentStored(row: StoredNode, urls: PublicUrls): PresentedStored {
  return presentNode(row, urls, 0 as const, 0 as const);
}

/**
 * The two placeholders as JSON.stringify writes them, between a node's seed and action_type.
 * Outside a JSON string every `"` is a delimiter, so `,"spec_json":` there is a key named spec_json:
 * this text is found exactly once per presented node and nowhere else (no other object of an answer
 * has that key, and string values have every `"` escaped).
 */
const PLACEHOLDERS = ',"spec_json":0,"request_params":0,';

/**
 * JSON text of an answer in which `rows` are presented (presentStored), in this order, with each
 * node's stored recipe and request parameters put in the placeholders' place: the text
 * JSON.stringify(answer with the nodes presented by toImageNode) gives, without parsing and
 * re-serialising those two columns of every row. Stored JSON is trusted as JSON because the
 * repository writes it with JSON.stringify and nothing else writes it.
 */
export function withStoredJson<T>(text: string, rows: readonly StoredNode[]): JsonText<T> {
  const between = text.split(PLACEHOLDERS);
  if (between.length !== rows.length + 1) throw new Error(`withStoredJson: ${between.length - 1} placeholders for ${rows.length} nodes`);
  const parts = new Array<string>(4 * rows.length + 1);
  parts[0] = between[0]!;
  for (let i = 0, j = 1; i < rows.length; i++) {
    const row = rows[i]!;
    parts[j++] = ',"spec_json":' + row.spec_json;
    parts[j++] = ',"request_params":';
    parts[j++] = row.request_params_json;
    parts[j++] = ',' + between[i + 1]!;
  }
  return parts.join('');
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
