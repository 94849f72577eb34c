/**
 * The bare queries: the plain SQL a person would write for each question, returning the same rows
 * with the same columns as the service (every column of the node plus its children_count, which the
 * API returns). Each is prepared once and run with better-sqlite3's `.all()`.
 */
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
} as const;

export type BareQuery = keyof typeof BARE_SQL;

/** Other ways to write the search, timed for comparison only (same rows, same order). */
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
