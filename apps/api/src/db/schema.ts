import type { Generated } from 'kysely';

/** Row shapes as stored. Booleans are 0/1 integers so SQLite and PostgreSQL share one schema. */
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
  starred: Generated<number>;
  deleted_at: string | null;
  created_at: string;
  job_id: string | null;
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
  /** The request as received. */
  request_json: string;
  /** The resolved recipe the worker runs (seeds fixed), so a re-run after a restart makes the same images. */
  plan_json: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The backend's handle of a submitted run (JSON), so a restart can follow it instead of running it again. */
  remote_json: string | null;
  /** The instance running the job; its job is taken over only once that instance is gone. */
  worker_id: string | null;
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

export interface Database {
  image_nodes_fts: ImageNodesFtsTable;
  image_nodes: ImageNodesTable;
  jobs: JobsTable;
  pending_files: PendingFilesTable;
  id_sequences: IdSequencesTable;
  instances: InstancesTable;
}
