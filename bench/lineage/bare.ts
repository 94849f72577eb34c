/**
 * The bare queries: the plain SQL a person would write for each question, returning the same rows
 * with the same columns as the service (every column of the node plus its children_count, which the
 * API returns). SQLite's are prepared once and run with better-sqlite3's `.all()`; PostgreSQL's are
 * sent through the `pg` driver (see bare-db.ts). Every statement takes its parameters in the same
 * order on both databases: the search text, then the cursor id, then the limit.
 */
import { toFtsQuery, toTsQuery } from '../../apps/api/src/adapters/kysely-node.repository.ts';
import type { Dialect } from './bare-db.ts';

const CHILDREN_COUNT = '(SELECT COUNT(*) FROM image_nodes AS c WHERE c.parent_id = n.id) AS children_count';

export const BARE_SQL = {
  /** Ancestors of `id` and `id` itself, root first. */
  ancestors: `WITH RECURSIVE anc(id, parent_id) AS (
  SELECT id, parent_id FROM image_nodes WHERE id = ?
  UNION ALL
  SELECT p.id, p.parent_id FROM image_nodes AS p JOIN anc ON p.id = anc.parent_id
)
SELECT n.*, ${CHILDREN_COUNT}
FROM anc JOIN image_nodes AS n ON n.id = anc.id
ORDER BY n.depth`,

  /** First page of a tree, breadth-first; one row more than the page to know whether more follow. */
  treePage: `SELECT n.*, ${CHILDREN_COUNT}
FROM image_nodes AS n
WHERE n.root_id = ?
ORDER BY n.depth, n.id
LIMIT ?`,

  /** Newest live images first (first page). */
  gallery: `SELECT n.*, ${CHILDREN_COUNT}
FROM image_nodes AS n
WHERE n.deleted_at IS NULL
ORDER BY n.id DESC
LIMIT ?`,

  /** Newest live images older than the cursor id. */
  galleryBefore: `SELECT n.*, ${CHILDREN_COUNT}
FROM image_nodes AS n
WHERE n.deleted_at IS NULL AND n.id < ?
ORDER BY n.id DESC
LIMIT ?`,

  /** Newest live images whose prompt matches an FTS5 query, walking the index newest first. */
  gallerySearch: `SELECT n.*, ${CHILDREN_COUNT}
FROM image_nodes_fts JOIN image_nodes AS n ON n.id = image_nodes_fts.rowid
WHERE image_nodes_fts MATCH ? AND n.deleted_at IS NULL
ORDER BY image_nodes_fts.rowid DESC
LIMIT ?`,

  /** The same search, older than the cursor id (the bound is on the FTS rowid so that FTS5 seeks to it). */
  gallerySearchBefore: `SELECT n.*, ${CHILDREN_COUNT}
FROM image_nodes_fts JOIN image_nodes AS n ON n.id = image_nodes_fts.rowid
WHERE image_nodes_fts MATCH ? AND n.deleted_at IS NULL AND image_nodes_fts.rowid < ?
ORDER BY image_nodes_fts.rowid DESC
LIMIT ?`,

  /** How many prompts match (for the case's name only). */
  searchCount: 'SELECT COUNT(*) AS n FROM image_nodes_fts WHERE image_nodes_fts MATCH ?',
} as const;

export type BareQuery = keyof typeof BARE_SQL;
export type BareSql = Record<BareQuery, string>;

/**
 * PostgreSQL: the node's columns named one by one rather than `n.*`, because the table also holds
 * the search vector `prompt_tsv` (migration 004), which is no part of a node (the repository names
 * its columns for the same reason). `columns` are the table's stored columns, read from the database
 * (see `nodeColumnsOf`), so that a column a migration adds is fetched as `n.*` fetches it on SQLite.
 * Search reads the stored vector through its GIN index, as the repository does.
 */
export function postgresBareSql(columns: readonly string[]): BareSql {
  const cols = columns.map((c) => `n.${c}`).join(', ');
  return {
    ancestors: `WITH RECURSIVE anc(id, parent_id) AS (
  SELECT id, parent_id FROM image_nodes WHERE id = $1
  UNION ALL
  SELECT p.id, p.parent_id FROM image_nodes AS p JOIN anc ON p.id = anc.parent_id
)
SELECT ${cols}, ${CHILDREN_COUNT}
FROM anc JOIN image_nodes AS n ON n.id = anc.id
ORDER BY n.depth`,

    treePage: `SELECT ${cols}, ${CHILDREN_COUNT}
FROM image_nodes AS n
WHERE n.root_id = $1
ORDER BY n.depth, n.id
LIMIT $2`,

    gallery: `SELECT ${cols}, ${CHILDREN_COUNT}
FROM image_nodes AS n
WHERE n.deleted_at IS NULL
ORDER BY n.id DESC
LIMIT $1`,

    galleryBefore: `SELECT ${cols}, ${CHILDREN_COUNT}
FROM image_nodes AS n
WHERE n.deleted_at IS NULL AND n.id < $1
ORDER BY n.id DESC
LIMIT $2`,

    /** Newest live images whose stored tsvector matches the tsquery. */
    gallerySearch: `SELECT ${cols}, ${CHILDREN_COUNT}
FROM image_nodes AS n
WHERE n.deleted_at IS NULL AND n.prompt_tsv @@ to_tsquery('simple', $1)
ORDER BY n.id DESC
LIMIT $2`,

    gallerySearchBefore: `SELECT ${cols}, ${CHILDREN_COUNT}
FROM image_nodes AS n
WHERE n.deleted_at IS NULL AND n.prompt_tsv @@ to_tsquery('simple', $1) AND n.id < $2
ORDER BY n.id DESC
LIMIT $3`,

    searchCount: `SELECT COUNT(*) AS n FROM image_nodes WHERE prompt_tsv @@ to_tsquery('simple', $1)`,
  };
}

/** The stored columns of image_nodes, in table order: every column but generated ones (prompt_tsv). */
export const NODE_COLUMNS_SQL = `SELECT column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = 'image_nodes' AND is_generated = 'NEVER'
ORDER BY ordinal_position`;

/**
 * The search text as the bare query's parameter, the same as the repository turns it:
 * `"lighthouse"*` for FTS5, `'lighthouse':*` for to_tsquery (every word a prefix).
 */
export function searchParameter(dialect: Dialect, text: string): string {
  const query = dialect === 'sqlite' ? toFtsQuery(text) : toTsQuery(text);
  if (query === null) throw new Error(`no words to search in ${JSON.stringify(text)}`);
  return query;
}

/** SQLite: other ways to write the search, timed for comparison only (same rows, same order). */
export const SEARCH_ALTERNATIVES = {
  /** The match as an IN filter on the gallery query: SQLite collects every match before it sorts. */
  inSubquery: `SELECT n.*, ${CHILDREN_COUNT}
FROM image_nodes AS n
WHERE n.deleted_at IS NULL AND n.id IN (SELECT rowid FROM image_nodes_fts WHERE image_nodes_fts MATCH ?)
ORDER BY n.id DESC
LIMIT ?`,
  /** The same as an IN filter, older than the cursor id. */
  inSubqueryBefore: `SELECT n.*, ${CHILDREN_COUNT}
FROM image_nodes AS n
WHERE n.deleted_at IS NULL AND n.id < ? AND n.id IN (SELECT rowid FROM image_nodes_fts WHERE image_nodes_fts MATCH ?)
ORDER BY n.id DESC
LIMIT ?`,
  /** The match joined to its nodes, sorted by the node id: every match gets its children_count before the sort. */
  joinOrderByNodeId: `SELECT n.*, ${CHILDREN_COUNT}
FROM image_nodes_fts JOIN image_nodes AS n ON n.id = image_nodes_fts.rowid
WHERE image_nodes_fts MATCH ? AND n.deleted_at IS NULL
ORDER BY n.id DESC
LIMIT ?`,
} as const;
