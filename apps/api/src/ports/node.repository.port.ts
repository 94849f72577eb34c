import type { ActionType } from '@imageflow/shared';

/** An image node: one version in a lineage tree, with the recipe that made it. */
export interface NodeRecord {
  id: number;
  is_root: boolean;
  parent_id: number | null;
  root_id: number;
  depth: number;
  prompt: string;
  negative_prompt: string;
  /** The recipe as run (model, backend model, sampler, seed, size, init image...). */
  spec: Record<string, unknown>;
  /** The request's own parameters, as sent. */
  request_params: Record<string, unknown>;
  image_path: string | null;
  filename: string;
  action_type: ActionType;
  model: string;
  provider: string;
  seed: number | null;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  starred: boolean;
  deleted_at: string | null;
  created_at: string;
  job_id: string | null;
  /** The user it belongs to; null in single-user mode (and before accounts existed). */
  owner_id: string | null;
  /** When it was moved to the trash (its files kept until it is purged); null: not in the trash. */
  trashed_at: string | null;
  /** An upload's file as it came, kept byte for byte beside the PNG shown; null for images made here. */
  original: StoredOriginal | null;
  /** The image hash of a recorded parent that is not here yet; the node is attached under it when it arrives. */
  pending_parent_sha256: string | null;
}

/** The files a node has in the store, by name. */
export interface NodeFiles {
  id: number;
  filename: string;
  original_filename: string | null;
}

export interface StoredOriginal {
  filename: string;
  sha256: string;
  bytes: number;
}
export type NodeWithCounts = NodeRecord & { children_count: number };
/** A node about to be written: not starred or trashed yet. */
export type NewNode = Omit<NodeRecord, 'starred' | 'trashed_at'>;

/**
 * One change made to many nodes at once: starred set or cleared; moved to the trash at a time; or
 * taken out of it (null).
 */
export type NodesChange = { starred: boolean } | { trashedAt: string | null };

export interface GalleryFilter {
  limit: number;
  /** desc (the default): newest (highest id) first; asc: oldest first. */
  order?: 'asc' | 'desc';
  /** The cursor: only ids past this one in `order` (smaller newest first, larger oldest first). */
  pastId?: number;
  q?: string;
  model?: string;
  actionType?: string;
  starred?: boolean;
  /** Only this user's nodes. */
  ownerId?: string;
}

export interface TreePage<N = NodeWithCounts> {
  rows: N[];
  hasMore: boolean;
}

/**
 * A node as a tree view draws it: the JSON text of its NodeSummary (@imageflow/shared) but for
 * thumbnail_url, made by the database, and what the presenter needs to add that URL and page on.
 */
export interface SummaryNode {
  id: number;
  parent_id: number | null;
  depth: number;
  filename: string;
  /** Not deleted: its files are there. */
  live: boolean;
  /** A JSON object: every NodeSummary field but children_count and thumbnail_url, in its order. */
  json: string;
  children_count: number;
}

/**
 * A node as read for an answer that only presents it: its JSON made by the database, and what the
 * presenter adds to it. The recipe and the request's parameters stay the JSON text the repository
 * stored (written with JSON.stringify when the node was committed), so they go into the answer as they
 * are, without a parse and a re-serialisation.
 */
export interface JsonNode extends Omit<SummaryNode, 'json'> {
  /** A JSON object: the ImageNode's fields in its order up to children_count (presenter.ts), without it and what follows. */
  json: string;
  /** `spec` as stored: JSON text of an object. */
  spec_json: string;
  /** `request_params` as stored: JSON text of an object. */
  request_params_json: string;
  original: StoredOriginal | null;
}

/** The reads of a tree, for one form of node. */
export interface TreeReads<N> {
  /** Root first, ending at `id`. */
  ancestors(id: number): Promise<N[]>;
  /** Nodes of a tree breadth-first: ordered by (depth, id), after the keyset `after`. */
  treePage(rootId: number, limit: number, after?: { depth: number; id: number }): Promise<TreePage<N>>;
  /** Descendants of `id` (not itself), ordered by (depth, id), after the keyset `after`. */
  descendantsPage(id: number, limit: number, after?: { depth: number; id: number }): Promise<TreePage<N>>;
}

/** The reads of many nodes, for one form of node. */
export interface NodeReads<N> extends TreeReads<N> {
  gallery(filter: GalleryFilter): Promise<N[]>;
}

export interface NodeRepository extends NodeReads<NodeWithCounts> {
  /** The same reads as JSON made by the database: for the gallery and lineage answers, which only present them. */
  readonly json: NodeReads<JsonNode>;
  /** The tree reads as summaries made by the database: for lineage answers with fields=summary. */
  readonly summaries: TreeReads<SummaryNode>;
  /** Reserves ids for nodes not yet written, so files can carry their node id. */
  reserveIds(count: number): Promise<number[]>;
  findById(id: number): Promise<NodeWithCounts | undefined>;
  /** The nodes among these ids that exist, in no particular order. */
  findByIds(ids: readonly number[]): Promise<NodeWithCounts[]>;
  /** The nodes these jobs made, in id order (a page of jobs in one query). */
  findByJobs(jobIds: readonly string[]): Promise<NodeWithCounts[]>;
  /**
   * The oldest node whose image or original file has this hash, of this owner (null: anyone's);
   * `live`: not deleted nor in the trash.
   */
  findBySha256(sha256: string, ownerId: string | null, options: { live: boolean }): Promise<NodeWithCounts | undefined>;
  /**
   * Attaches under `parent` the roots of this owner (null: anyone's) waiting for a parent with one of
   * these hashes, with their trees; a node's `spec.recorded_action` becomes its action. Returns their ids.
   */
  adoptOrphans(parent: { id: number; rootId: number; depth: number }, sha256s: readonly string[], ownerId: string | null): Promise<number[]>;
  /** The node whose image file has this name. */
  findByFilename(filename: string): Promise<NodeWithCounts | undefined>;
  /**
   * What a lineage answer about a node starts from, in one read: its tree, its owner, and the version of
   * its tree, which grows whenever a node of the tree is written (0 for a tree never written since
   * versions were counted). Read before what the version vouches for.
   */
  findFocus(id: number): Promise<{ root_id: number; owner_id: string | null; tree_version: number } | undefined>;
  ancestorIds(id: number): Promise<number[]>;
  /**
   * Live nodes a retention rule may remove: made before `before`, not starred, not an ancestor of a
   * starred node, and not inside a share link live at `now` (nor above one). Oldest first.
   */
  retentionCandidates(before: string, now: string, limit: number): Promise<Array<NodeFiles & { bytes: number }>>;
  /** Live images and the bytes of their files, per owner (one owner's only when given). */
  usage(ownerId?: string | null): Promise<Array<{ owner_id: string | null; images: number; bytes: number }>>;
  /** Claims a periodic task for this instance until `next`, if it is due at `now`; one instance of a cluster wins. */
  claimMaintenance(name: string, now: string, next: string): Promise<boolean>;
  setStarred(id: number, starred: boolean): Promise<void>;
  /** Moves a live node to the trash at `at`, or out of it (null); returns whether it changed. */
  setTrashed(id: number, at: string | null): Promise<boolean>;
  /**
   * Makes one change to all of these nodes or to none, in one transaction: each must belong to
   * `ownerId` (anyone's when undefined), be live (not deleted), and be where the change starts from
   * (starring: not in the trash; trashing: not in the trash; restoring: in the trash). Returns
   * false, having changed nothing, when one of them is not.
   */
  updateMany(ids: readonly number[], change: NodesChange, ownerId: string | undefined): Promise<boolean>;
  /** An owner's trash (every owner's when undefined), most recently trashed first, after the keyset `after`. */
  trashPage(ownerId: string | undefined, limit: number, after?: { trashedAt: string; id: number }): Promise<NodeWithCounts[]>;
  /** Live nodes trashed before `before`: due to be purged. */
  trashedBefore(before: string, limit: number): Promise<NodeFiles[]>;
  markDeleted(id: number, at: string): Promise<void>;

  /** Write-ahead log of files being stored or deleted: after a crash, those no live node uses are removed. */
  addPendingFiles(filenames: string[], at: string, owner: string): Promise<void>;
  removePendingFiles(filenames: string[]): Promise<void>;
  /** Pending files whose owner instance is gone: their write or delete will never finish. */
  listOrphanPendingFiles(): Promise<string[]>;
  /** Which of these image files belong to a live (not deleted) node. */
  filenamesInUse(filenames: string[]): Promise<string[]>;

  /**
   * In one transaction: inserts the nodes, clears their files from the pending log and,
   * when `job` is given, marks that job succeeded — failing (JobNoLongerRunningError) unless
   * it is still running on `job.workerId`.
   */
  commitNodes(nodes: NewNode[], pendingFiles: string[], job?: { id: string; finishedAt: string; workerId: string }): Promise<void>;
}
