/** A node as stored; booleans are 0/1 so SQLite and PostgreSQL share one schema. */
export interface NodeRow {
  id: number;
  is_root: number;
  parent_id: number | null;
  root_id: number;
  depth: number;
  prompt: string;
  negative_prompt: string;
  spec_json: string;
  request_params: string;
  image_path: string | null;
  filename: string;
  action_type: string;
  model: string;
  provider: string;
  seed: number | null;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  starred: number;
  deleted_at: string | null;
  created_at: string;
  job_id: string | null;
}
export type NodeRowWithCounts = NodeRow & { children_count: number };
export type NewNodeRow = Omit<NodeRow, 'starred'>;

export interface GalleryFilter {
  limit: number;
  beforeId?: number;
  q?: string;
  model?: string;
  actionType?: string;
  starred?: boolean;
}

export interface TreePage {
  rows: NodeRowWithCounts[];
  hasMore: boolean;
}

export interface NodeRepository {
  /** Reserves ids for nodes not yet written, so files can carry their node id. */
  reserveIds(count: number): Promise<number[]>;
  findById(id: number): Promise<NodeRowWithCounts | undefined>;
  findByJob(jobId: string): Promise<NodeRowWithCounts[]>;
  gallery(filter: GalleryFilter): Promise<NodeRowWithCounts[]>;
  /** Root first, ending at `id`. */
  ancestors(id: number): Promise<NodeRowWithCounts[]>;
  ancestorIds(id: number): Promise<number[]>;
  /** Nodes of a tree breadth-first: ordered by (depth, id), after the keyset `after`. */
  treePage(rootId: number, limit: number, after?: { depth: number; id: number }): Promise<TreePage>;
  /** Descendants of `id` (not itself), ordered by (depth, id), after the keyset `after`. */
  descendantsPage(id: number, limit: number, after?: { depth: number; id: number }): Promise<TreePage>;
  setStarred(id: number, starred: boolean): Promise<void>;
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
  commitNodes(nodes: NewNodeRow[], pendingFiles: string[], job?: { id: string; finishedAt: string; workerId: string }): Promise<void>;
}
