import type { Generated } from 'kysely';
import type { JobRow } from '../ports/job.repository.port.ts';
import type { NodeRow } from '../ports/node.repository.port.ts';

/** Row shapes as stored. Booleans are 0/1 integers so SQLite and PostgreSQL share one schema. */
/** Starred has a default, so an insert may leave it out. */
export interface ImageNodesTable extends Omit<NodeRow, 'starred'> {
  starred: Generated<number>;
}

export type JobsTable = JobRow;

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
