import type { Generated } from 'kysely';

/**
 * Row shapes as stored, the same on SQLite and PostgreSQL: booleans are 0/1 integers and structured
 * values JSON text. The repositories turn them into the ports' records. (PostgreSQL's driver may
 * hand a bigint or a count back as a string; the repositories convert those too.)
 */
export interface ImageNodesTable {
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
  /** Has a default, so an insert may leave it out. */
  starred: Generated<number>;
  deleted_at: string | null;
  created_at: string;
  job_id: string | null;
  owner_id: string | null;
  trashed_at: string | null;
  /** An upload's original file, kept byte for byte in the originals bucket; null for images made here. */
  original_filename: string | null;
  original_sha256: string | null;
  original_bytes: number | null;
  /** The image hash of a recorded parent that is not here yet: the node is attached under it when it arrives. */
  pending_parent_sha256: string | null;
}

export interface JobsTable {
  id: string;
  status: string;
  progress: number;
  step: number | null;
  total_steps: number | null;
  action_type: string;
  model: string;
  provider: string;
  parent_id: number | null;
  request_json: string;
  plan_json: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  remote_json: string | null;
  worker_id: string | null;
  client_key: string;
  owner_id: string | null;
  /** When the job was moved to the front of its owner's queue; null: never. */
  front_at: string | null;
}

export interface UsersTable {
  id: string;
  username: string;
  password_hash: string;
  role: string;
  created_at: string;
  /** When an admin disabled the account; null while it may sign in. */
  disabled_at: string | null;
}

/** A sign-in session; the cookie holds the token, the table only its SHA-256. */
export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

/** A personal API token; shown once, stored as its SHA-256. */
export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Write-ahead record of files being stored, so a crash never leaves a file without its node. */
export interface PendingFilesTable {
  filename: string;
  created_at: string;
  /** The instance writing or deleting the file; null for entries older than instances. */
  owner: string | null;
}

/** A process sharing the database, alive while `expires_at` is in the future. */
export interface InstancesTable {
  id: string;
  role: string;
  started_at: string;
  expires_at: string;
}

export interface IdSequencesTable {
  name: string;
  next_value: number;
}

/** SQLite only: the FTS5 index over prompts (rowid = image_nodes.id). */
export interface ImageNodesFtsTable {
  rowid: number;
  prompt: string;
  image_nodes_fts: string;
}

export interface SharesTable {
  id: string;
  key_hash: string;
  owner_id: string | null;
  node_id: number;
  scope: string;
  created_at: string;
  expires_at: string | null;
  password_hash: string | null;
  allow_download: number;
  show_recipe: number;
  revoked_at: string | null;
  view_count: Generated<number>;
  last_viewed_at: string | null;
}

export interface ShareUnlocksTable {
  token_hash: string;
  share_id: string;
  expires_at: string;
}

export interface MaintenanceTable {
  name: string;
  next_run_at: string;
}

/** A lineage tree's version: counted up by triggers whenever a node of the tree changes (migration 013). */
export interface TreeVersionsTable {
  root_id: number;
  version: number;
}

export interface Database {
  image_nodes_fts: ImageNodesFtsTable;
  tree_versions: TreeVersionsTable;
  image_nodes: ImageNodesTable;
  jobs: JobsTable;
  pending_files: PendingFilesTable;
  id_sequences: IdSequencesTable;
  instances: InstancesTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  shares: SharesTable;
  share_unlocks: ShareUnlocksTable;
  maintenance: MaintenanceTable;
}
