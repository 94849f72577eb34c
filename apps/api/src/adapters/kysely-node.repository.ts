import { sql, type AliasedRawBuilder, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { Db } from '../db/database.ts';
import { CompiledShapes } from '../db/compiled-shapes.ts';
import { isSqlite } from '../db/dialect.ts';
import type { Database, ImageNodesTable } from '../db/schema.ts';
import { JobNoLongerRunningError } from '../errors.ts';
import type { GalleryFilter, JsonNode, NewNode, NodeReads, NodeRecord, NodeRepository, NodesChange, NodeWithCounts, StoredOriginal, SummaryNode, TreePage, TreeReads } from '../ports/node.repository.port.ts';

/** A node row as read, with its child count. */
type NodeRow = Selectable<ImageNodesTable> & { children_count: number };

const CHILDREN_COUNT_SQL = '(SELECT COUNT(*) FROM image_nodes AS c WHERE c.parent_id = n.id)';
const childrenCount = sql.raw<number>(CHILDREN_COUNT_SQL).as('children_count');

/**
 * The columns of a node row, named rather than `n.*`: PostgreSQL's table also holds the search
 * vector (`prompt_tsv`), which is no part of a row and would only travel for nothing. (A record,
 * so that a column added to the schema and missing here fails to compile.)
 */
const NODE_COLUMNS: Record<keyof ImageNodesTable, true> = {
  id: true, is_root: true, parent_id: true, root_id: true, depth: true, prompt: true, negative_prompt: true, spec_json: true,
  request_params: true, image_path: true, filename: true, action_type: true, model: true, provider: true, seed: true, width: true,
  height: true, bytes: true, sha256: true, starred: true, deleted_at: true, created_at: true, job_id: true, owner_id: true, trashed_at: true,
  original_filename: true, original_sha256: true, original_bytes: true, pending_parent_sha256: true,
};
const nodeColumns = (Object.keys(NODE_COLUMNS) as Array<keyof ImageNodesTable>).map((c) => `n.${c}` as const);
/** A node row with its child count. */
const NODE_SELECTION = [...nodeColumns, childrenCount];
/** What a gallery, tree or descendants page may select: node columns and JSON made by the database. */
type NodeSelection = ReadonlyArray<`n.${keyof ImageNodesTable}` | AliasedRawBuilder<unknown, string>>;
/** A gallery query's values, each only a parameter of its statement (see CompiledShapes); `text` is the search, as the database's query syntax. */
type GalleryValues = {
  text: string | undefined;
  pastId: number | undefined;
  model: string | undefined;
  actionType: string | undefined;
  starred: 0 | 1 | undefined;
  ownerId: string | undefined;
  limit: number;
};

/**
 * A tree or descendants page's values, each only a parameter of its statement (see CompiledShapes): the tree's
 * root or the node whose descendants, the rows to read, and the keyset to read past (both or neither).
 */
type PageValues = { node: number; rows: number; afterDepth: number | undefined; afterId: number | undefined };

/** The values of a page of `limit` nodes after `after`: one row more is read, to tell whether there are more. */
function pageValues(node: number, limit: number, after: { depth: number; id: number } | undefined): PageValues {
  return { node, rows: limit + 1, afterDepth: after?.depth, afterId: after?.id };
}

/** The nodes after the keyset (depth, id) in breadth-first order (depth, then id). */
function pastKeyset(depth: number, id: number) {
  return sql<boolean>`(n.depth > ${depth} OR (n.depth = ${depth} AND n.id > ${id}))`;
}

/** A JSON field made by the database: its key, the SQL of its value, and whether that is a 0/1 column to write as a boolean. */
type JsonField = readonly [key: string, sql: string, boolean?: 'boolean'];

/** SQLite: SQL of a JSON object of these fields, in this order, as compact text (json_object escapes strings as JSON.stringify does). */
function jsonObjectSql(fields: readonly JsonField[]): string {
  const pairs = fields.map(([key, value, bool]) => `'${key}', ${bool ? `json(CASE ${value} WHEN 1 THEN 'true' ELSE 'false' END)` : value}`);
  return `json_object(${pairs.join(', ')})`;
}

/**
 * A node's NodeSummary (@imageflow/shared) as stored, in its order: every field but children_count and
 * thumbnail_url, which the presenter adds after them. They open a node's JSON (NODE_JSON), so that on
 * PostgreSQL a summary is the start of the stored node JSON (migration 015).
 */
const SUMMARY_JSON: readonly JsonField[] = [
  ['id', 'n.id'], ['parent_id', 'n.parent_id'], ['depth', 'n.depth'], ['prompt', 'n.prompt'], ['model', 'n.model'], ['provider', 'n.provider'],
  ['seed', 'n.seed'], ['action_type', 'n.action_type'], ['width', 'n.width'], ['height', 'n.height'], ['starred', 'n.starred', 'boolean'],
  ['deleted_at', 'n.deleted_at'], ['trashed_at', 'n.trashed_at'], ['created_at', 'n.created_at'],
];

/**
 * A node's fields as JSON made by the database, so that a page of nodes never becomes one JavaScript
 * object per column: in ImageNode's order (services/presenter.ts), the summary's first, up to the recipe,
 * but for children_count, which is counted as the page is read and which the presenter adds after them
 * with the stored recipe, the request parameters and the file URLs. SQLite makes it as it reads
 * (json_object); PostgreSQL keeps it in the row (`node_json`, migrations 014 and 015, the same fields), as
 * building it on each read cost its server more than the whole bare read. A field added here needs
 * a migration that redefines node_json (and summary_chars, for a summary field). Tested against the
 * object form byte for byte, on both databases (apps/api/test/json-passthrough.test.ts).
 */
const NODE_JSON: readonly JsonField[] = [
  ...SUMMARY_JSON,
  ['is_root', 'n.is_root', 'boolean'], ['root_id', 'n.root_id'], ['negative_prompt', 'n.negative_prompt'], ['image_path', 'n.image_path'],
  ['filename', 'n.filename'], ['bytes', 'n.bytes'], ['sha256', 'n.sha256'], ['pending_parent_sha256', 'n.pending_parent_sha256'],
];

/** The words of a search, as `\p{L}\p{N}_` runs; anything else in the text only separates them. */
function searchWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/** Turns free text into an FTS5 query: every word must match, each as a prefix. */
export function toFtsQuery(text: string): string | null {
  const words = searchWords(text);
  if (words.length === 0) return null;
  return words.map((w) => `"${w.replaceAll('"', '""')}"*`).join(' ');
}

/**
 * Turns free text into a PostgreSQL tsquery: every word must match, each as a prefix. Each word
 * is a quoted lexeme (`'it''s':*`), so no text can reach the tsquery syntax (& | ! ( ) : * \).
 */
export function toTsQuery(text: string): string | null {
  const words = searchWords(text);
  if (words.length === 0) return null;
  return words.map((w) => `'${w.replaceAll('\\', '\\\\').replaceAll("'", "''")}':*`).join(' & ');
}

export class KyselyNodeRepository implements NodeRepository {
  private readonly sqlite: boolean;
  /** The reads of many nodes as JSON made by the database. */
  readonly json: NodeReads<JsonNode>;
  /** The tree reads as summaries made by the database. */
  readonly summaries: TreeReads<SummaryNode>;
  /** What the JSON reads select. */
  private readonly jsonSelection: NodeSelection;
  private readonly galleryStatements: CompiledShapes<GalleryValues>;
  /** Tree and descendants pages, and the reads of a lineage answer's focus and path: one statement per shape. */
  private readonly pageStatements: CompiledShapes<PageValues>;
  private readonly nodeStatements: CompiledShapes<{ id: number }>;

  constructor(private readonly db: Db) {
    this.galleryStatements = new CompiledShapes(db);
    // Each walks one index whatever its values: kept prepared on PostgreSQL (a gallery search's best plan depends on its words).
    this.pageStatements = new CompiledShapes(db, { prepared: true });
    this.nodeStatements = new CompiledShapes(db, { prepared: true });
    this.sqlite = isSqlite(db);
    const json = [
      'n.id', 'n.parent_id', 'n.depth', 'n.filename', 'n.deleted_at', 'n.spec_json', 'n.request_params', 'n.original_filename', 'n.original_sha256', 'n.original_bytes',
      sql.raw<string>(this.sqlite ? jsonObjectSql(NODE_JSON) : 'n.node_json').as('json'),
      childrenCount,
    ] as const;
    this.jsonSelection = json;
    this.json = {
      gallery: async (filter) => (await this.galleryRows<JsonRow>(filter, 'json')).map(toJsonNode),
      ancestors: async (id) => (await this.ancestorsQuery(id).select(json).execute()).map(toJsonNode),
      treePage: async (rootId, limit, after) => pageOf(await this.pageRows<JsonRow>('tree json', pageValues(rootId, limit, after), json), limit, toJsonNode),
      descendantsPage: async (id, limit, after) => pageOf(await this.pageRows<JsonRow>('descendants json', pageValues(id, limit, after), json), limit, toJsonNode),
    };
    // On PostgreSQL the start of the stored node JSON, closed: no object is built as the page is read.
    const summaryJson = this.sqlite ? jsonObjectSql(SUMMARY_JSON) : "left(n.node_json, n.summary_chars) || '}'";
    const summary = ['n.id', 'n.parent_id', 'n.depth', 'n.filename', 'n.deleted_at', sql.raw<string>(summaryJson).as('json'), childrenCount] as const;
    this.summaries = {
      ancestors: async (id) => (await this.ancestorsQuery(id).select(summary).execute()).map(toSummaryNode),
      treePage: async (rootId, limit, after) => pageOf(await this.pageRows<SummaryRow>('tree summary', pageValues(rootId, limit, after), summary), limit, toSummaryNode),
      descendantsPage: async (id, limit, after) => pageOf(await this.pageRows<SummaryRow>('descendants summary', pageValues(id, limit, after), summary), limit, toSummaryNode),
    };
  }

  private nodes() {
    return this.db.selectFrom('image_nodes as n').select(NODE_SELECTION);
  }

  async reserveIds(count: number): Promise<number[]> {
    const row = await this.db
      .updateTable('id_sequences')
      .set((eb) => ({ next_value: eb('next_value', '+', count) }))
      .where('name', '=', 'image_nodes')
      .returning('next_value')
      .executeTakeFirstOrThrow();
    const end = Number(row.next_value);
    return Array.from({ length: count }, (_, i) => end - count + i);
  }

  async findById(id: number) {
    const row = await this.nodes().where('n.id', '=', id).executeTakeFirst();
    return row && toNode(row);
  }

  async findByIds(ids: readonly number[]) {
    if (ids.length === 0) return [];
    return (await this.nodes().where('n.id', 'in', ids).execute()).map(toNode);
  }

  async findByFilename(filename: string) {
    if (filename.includes('\0')) return undefined;
    const row = await this.nodes().where('n.filename', '=', filename).executeTakeFirst();
    return row && toNode(row);
  }

  async findBySha256(sha256: string, ownerId: string | null, options: { live: boolean }) {
    let query = this.nodes()
      .where((eb) => eb.or([eb('n.sha256', '=', sha256), eb('n.original_sha256', '=', sha256)]))
      .orderBy('n.id')
      .limit(1);
    if (ownerId !== null) query = query.where('n.owner_id', '=', ownerId);
    if (options.live) query = query.where('n.deleted_at', 'is', null).where('n.trashed_at', 'is', null);
    const row = await query.executeTakeFirst();
    return row && toNode(row);
  }

  async adoptOrphans(parent: { id: number; rootId: number; depth: number }, sha256s: readonly string[], ownerId: string | null) {
    if (sha256s.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('image_nodes')
        .select(['id', 'spec_json'])
        .where('pending_parent_sha256', 'in', sha256s)
        .where('is_root', '=', 1)
        // Never under a node of its own tree: that would make a cycle.
        .where('id', '!=', parent.rootId);
      if (ownerId !== null) query = query.where('owner_id', '=', ownerId);
      const orphans = await query.execute();
      for (const orphan of orphans) {
        const id = Number(orphan.id);
        // The orphan's tree moves under the parent: one root, depths below the parent's.
        await trx
          .updateTable('image_nodes')
          .set((eb) => ({ root_id: parent.rootId, depth: eb('depth', '+', parent.depth + 1) }))
          .where('root_id', '=', id)
          .execute();
        const recorded = (JSON.parse(orphan.spec_json) as { recorded_action?: unknown }).recorded_action;
        await trx
          .updateTable('image_nodes')
          .set({
            parent_id: parent.id,
            is_root: 0,
            pending_parent_sha256: null,
            ...(typeof recorded === 'string' ? { action_type: recorded } : {}),
          })
          .where('id', '=', id)
          .execute();
      }
      return orphans.map((o) => Number(o.id));
    });
  }

  async findByJobs(jobIds: readonly string[]) {
    if (jobIds.length === 0) return [];
    return (await this.nodes().where('n.job_id', 'in', jobIds).orderBy('n.id').execute()).map(toNode);
  }

  async gallery(filter: GalleryFilter): Promise<NodeWithCounts[]> {
    return (await this.galleryRows<NodeRow>(filter, 'row')).map(toNode);
  }

  /**
   * A gallery page's rows, as `selection` selects them (the JSON form or NODE_SELECTION), its rows typed
   * by the caller. Each shape of query is built and compiled once (CompiledShapes).
   */
  private async galleryRows<R>(filter: GalleryFilter, selection: 'json' | 'row'): Promise<R[]> {
    let text: string | undefined;
    if (filter.q !== undefined) {
      const query = this.sqlite ? toFtsQuery(filter.q) : toTsQuery(filter.q);
      if (query === null) return [];
      text = query;
    }
    const order = filter.order ?? 'desc';
    const starred = filter.starred === undefined ? undefined : filter.starred ? 1 : 0;
    const values: GalleryValues = { text, pastId: filter.pastId, model: filter.model, actionType: filter.actionType, starred, ownerId: filter.ownerId, limit: filter.limit };
    const selected = selection === 'json' ? this.jsonSelection : NODE_SELECTION;
    return this.galleryStatements.rows<R>(`${selection} ${order}`, values, (v) => this.galleryQuery(v, order, selected));
  }

  /** Live nodes, newest (or oldest) first, past the cursor, filtered, their prompt matching `text` when it is there. */
  private galleryQuery(v: GalleryValues, order: 'asc' | 'desc', selection: NodeSelection) {
    const past = order === 'asc' ? '>' : '<';
    if (v.text !== undefined && this.sqlite) {
      // Walk the FTS index in the gallery's order and stop after one page: order and cursor are on its rowid
      // (the node id), so SQLite never collects every match before sorting.
      let query = this.db
        .selectFrom('image_nodes_fts')
        .innerJoin('image_nodes as n', 'n.id', 'image_nodes_fts.rowid')
        .select(selection as never)
        .where(sql<boolean>`image_nodes_fts MATCH ${v.text}`)
        .where('n.deleted_at', 'is', null)
        .where('n.trashed_at', 'is', null);
      if (v.pastId !== undefined) query = query.where('image_nodes_fts.rowid', past, v.pastId);
      return this.filtered(query, v).orderBy('image_nodes_fts.rowid', order).limit(v.limit);
    }
    let query = this.db.selectFrom('image_nodes as n').select(selection as never).where('n.deleted_at', 'is', null).where('n.trashed_at', 'is', null);
    // PostgreSQL: the stored vector of migration 004, through its GIN index.
    if (v.text !== undefined) query = query.where(sql<boolean>`n.prompt_tsv @@ to_tsquery('simple', ${v.text})`);
    if (v.pastId !== undefined) query = query.where('n.id', past, v.pastId);
    return this.filtered(query, v).orderBy('n.id', order).limit(v.limit);
  }

  private filtered<Q extends SelectQueryBuilder<Database & { n: Database['image_nodes'] }, 'n' | 'image_nodes_fts', object>>(query: Q, v: GalleryValues): Q {
    let q = query;
    if (v.model !== undefined) q = q.where('n.model', '=', v.model) as Q;
    if (v.actionType !== undefined) q = q.where('n.action_type', '=', v.actionType) as Q;
    if (v.starred !== undefined) q = q.where('n.starred', '=', v.starred) as Q;
    if (v.ownerId !== undefined) q = q.where('n.owner_id', '=', v.ownerId) as Q;
    return q;
  }

  async findFocus(id: number) {
    const [row] = await this.nodeStatements.rows<{ root_id: number; owner_id: string | null; version: number | string | null }>('focus', { id }, (v) =>
      this.db.selectFrom('image_nodes as n').leftJoin('tree_versions as v', 'v.root_id', 'n.root_id').select(['n.root_id', 'n.owner_id', 'v.version']).where('n.id', '=', v.id),
    );
    return row && { root_id: Number(row.root_id), owner_id: row.owner_id, tree_version: row.version === null ? 0 : Number(row.version) };
  }

  async ancestorIds(id: number): Promise<number[]> {
    const rows = await this.nodeStatements.rows<{ id: number | string }>('ancestor ids', { id }, (v) =>
      this.db
        .withRecursive('anc(id, parent_id, depth)', (db) =>
          db
            .selectFrom('image_nodes')
            .select(['id', 'parent_id', 'depth'])
            .where('id', '=', v.id)
            .unionAll(
              db
                .selectFrom('image_nodes as p')
                .innerJoin('anc', 'anc.parent_id', 'p.id')
                .select(['p.id', 'p.parent_id', 'p.depth']),
            ),
        )
        .selectFrom('anc')
        .select('id')
        .orderBy('depth'),
    );
    return rows.map((r) => Number(r.id));
  }

  async ancestors(id: number) {
    return (await this.ancestorsQuery(id).select(NODE_SELECTION).execute()).map(toNode);
  }

  /** `id` and its ancestors, root first; the caller selects the columns. */
  private ancestorsQuery(id: number) {
    return this.db
      .withRecursive('anc(id, parent_id)', (db) =>
        db
          .selectFrom('image_nodes')
          .select(['id', 'parent_id'])
          .where('id', '=', id)
          .unionAll(
            db.selectFrom('image_nodes as p').innerJoin('anc', 'anc.parent_id', 'p.id').select(['p.id', 'p.parent_id']),
          ),
      )
      .selectFrom('anc')
      .innerJoin('image_nodes as n', 'n.id', 'anc.id')
      .orderBy('n.depth');
  }

  async treePage(rootId: number, limit: number, after?: { depth: number; id: number }): Promise<TreePage> {
    return pageOf(await this.pageRows<NodeRow>('tree row', pageValues(rootId, limit, after), NODE_SELECTION), limit, toNode);
  }

  async descendantsPage(id: number, limit: number, after?: { depth: number; id: number }): Promise<TreePage> {
    return pageOf(await this.pageRows<NodeRow>('descendants row', pageValues(id, limit, after), NODE_SELECTION), limit, toNode);
  }

  /**
   * The rows of a tree page (`tree …`: of the tree whose root is `node`) or a descendants page (`descendants …`: below
   * `node`) as `selection` selects them, the shape naming the selection too. Each shape is built and compiled once.
   */
  private pageRows<R>(shape: `${'tree' | 'descendants'} ${'json' | 'summary' | 'row'}`, values: PageValues, selection: NodeSelection): Promise<R[]> {
    const query = shape.startsWith('tree') ? (v: PageValues) => this.treeQuery(v) : (v: PageValues) => this.descendantsQuery(v);
    return this.pageStatements.rows<R>(shape, values, (v) => query(v).select(selection as never));
  }

  /** Up to `rows` nodes of a tree in breadth-first order, past the keyset; the caller selects the columns. */
  private treeQuery(v: PageValues) {
    let query = this.db.selectFrom('image_nodes as n').where('n.root_id', '=', v.node);
    if (v.afterDepth !== undefined && v.afterId !== undefined) query = query.where(pastKeyset(v.afterDepth, v.afterId));
    return query.orderBy('n.depth').orderBy('n.id').limit(v.rows);
  }

  /** Up to `rows` descendants of a node in breadth-first order, past the keyset; the caller selects the columns. */
  private descendantsQuery(v: PageValues) {
    const id = v.node;
    let query = this.db
      .withRecursive('des(id)', (db) =>
        db
          .selectFrom('image_nodes')
          .select('id')
          .where('parent_id', '=', id)
          .unionAll(db.selectFrom('image_nodes as c').innerJoin('des', 'des.id', 'c.parent_id').select('c.id')),
      )
      .selectFrom('des')
      .innerJoin('image_nodes as n', 'n.id', 'des.id');
    if (v.afterDepth !== undefined && v.afterId !== undefined) query = query.where(pastKeyset(v.afterDepth, v.afterId));
    return query.orderBy('n.depth').orderBy('n.id').limit(v.rows);
  }

  async retentionCandidates(before: string, now: string, limit: number) {
    const liveShare = sql`s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > ${now})`;
    const result = await sql<{ id: number; filename: string; original_filename: string | null; bytes: number }>`
      WITH RECURSIVE
        kept_up(id, parent_id) AS (
          SELECT id, parent_id FROM image_nodes WHERE starred = 1
          UNION
          SELECT n.id, n.parent_id FROM image_nodes n JOIN shares s ON s.node_id = n.id WHERE ${liveShare}
          UNION
          SELECT p.id, p.parent_id FROM image_nodes p JOIN kept_up k ON p.id = k.parent_id
        ),
        kept_down(id) AS (
          SELECT s.node_id FROM shares s WHERE s.scope = 'branch' AND ${liveShare}
          UNION
          SELECT c.id FROM image_nodes c JOIN kept_down d ON c.parent_id = d.id
        )
      SELECT id, filename, original_filename, bytes + COALESCE(original_bytes, 0) AS bytes FROM image_nodes
      WHERE deleted_at IS NULL AND starred = 0 AND created_at < ${before}
        AND id NOT IN (SELECT id FROM kept_up) AND id NOT IN (SELECT id FROM kept_down)
      ORDER BY created_at, id
      LIMIT ${limit}`.execute(this.db);
    return result.rows.map((r) => ({ id: Number(r.id), filename: r.filename, original_filename: r.original_filename, bytes: Number(r.bytes) }));
  }

  async usage(ownerId?: string | null) {
    let query = this.db
      .selectFrom('image_nodes')
      .select(['owner_id', (eb) => eb.fn.countAll<string | number>().as('images'), sql<string | number | null>`SUM(bytes + COALESCE(original_bytes, 0))`.as('bytes')])
      .where('deleted_at', 'is', null)
      .groupBy('owner_id');
    if (ownerId !== undefined) query = query.where('owner_id', ownerId === null ? 'is' : '=', ownerId);
    return (await query.execute()).map((r) => ({ owner_id: r.owner_id, images: Number(r.images), bytes: Number(r.bytes ?? 0) }));
  }

  async claimMaintenance(name: string, now: string, next: string) {
    await this.db.insertInto('maintenance').values({ name, next_run_at: now }).onConflict((oc) => oc.column('name').doNothing()).execute();
    const result = await this.db.updateTable('maintenance').set({ next_run_at: next }).where('name', '=', name).where('next_run_at', '<=', now).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setTrashed(id: number, at: string | null) {
    const result = await this.db
      .updateTable('image_nodes')
      .set({ trashed_at: at })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('trashed_at', at === null ? 'is not' : 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async updateMany(ids: readonly number[], change: NodesChange, ownerId: string | undefined) {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return true;
    try {
      await this.db.transaction().execute(async (trx) => {
        let query = trx
          .updateTable('image_nodes')
          .where('id', 'in', unique)
          .where('deleted_at', 'is', null)
          .where('trashed_at', 'trashedAt' in change && change.trashedAt === null ? 'is not' : 'is', null);
        if (ownerId !== undefined) query = query.where('owner_id', '=', ownerId);
        const result = await ('starred' in change
          ? query.set({ starred: change.starred ? 1 : 0 })
          : query.set({ trashed_at: change.trashedAt })
        ).executeTakeFirst();
        // One of them is not there, not the owner's, or not where the change starts from: undo the rest.
        if (Number(result.numUpdatedRows) !== unique.length) throw new NotAllChanged();
      });
      return true;
    } catch (err) {
      if (err instanceof NotAllChanged) return false;
      throw err;
    }
  }

  async trashPage(ownerId: string | undefined, limit: number, after?: { trashedAt: string; id: number }) {
    let query = this.nodes().where('n.trashed_at', 'is not', null).where('n.deleted_at', 'is', null);
    if (ownerId !== undefined) query = query.where('n.owner_id', '=', ownerId);
    if (after) {
      query = query.where((eb) => eb.or([eb('n.trashed_at', '<', after.trashedAt), eb.and([eb('n.trashed_at', '=', after.trashedAt), eb('n.id', '<', after.id)])]));
    }
    return (await query.orderBy('n.trashed_at', 'desc').orderBy('n.id', 'desc').limit(limit).execute()).map(toNode);
  }

  async trashedBefore(before: string, limit: number) {
    const rows = await this.db
      .selectFrom('image_nodes')
      .select(['id', 'filename', 'original_filename'])
      .where('trashed_at', '<', before)
      .where('deleted_at', 'is', null)
      .orderBy('trashed_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: Number(r.id), filename: r.filename, original_filename: r.original_filename }));
  }

  async setStarred(id: number, starred: boolean) {
    await this.db.updateTable('image_nodes').set({ starred: starred ? 1 : 0 }).where('id', '=', id).execute();
  }

  async markDeleted(id: number, at: string) {
    await this.db
      .updateTable('image_nodes')
      .set({ deleted_at: at, image_path: null, starred: 0, trashed_at: null })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .execute();
  }

  async addPendingFiles(filenames: string[], at: string, owner: string) {
    if (filenames.length === 0) return;
    await this.db
      .insertInto('pending_files')
      .values(filenames.map((filename) => ({ filename, created_at: at, owner })))
      .execute();
  }

  async removePendingFiles(filenames: string[]) {
    if (filenames.length === 0) return;
    await this.db.deleteFrom('pending_files').where('filename', 'in', filenames).execute();
  }

  async listOrphanPendingFiles() {
    const rows = await this.db
      .selectFrom('pending_files')
      .select('filename')
      .where((eb) =>
        eb.or([
          eb('owner', 'is', null),
          eb.not(eb.exists(eb.selectFrom('instances').select('id').whereRef('instances.id', '=', 'pending_files.owner'))),
        ]),
      )
      .execute();
    return rows.map((r) => r.filename);
  }

  async filenamesInUse(filenames: string[]) {
    if (filenames.length === 0) return [];
    const rows = await this.db
      .selectFrom('image_nodes')
      .select('filename')
      .where('filename', 'in', filenames)
      .where('deleted_at', 'is', null)
      .execute();
    return rows.map((r) => r.filename);
  }

  async commitNodes(nodes: NewNode[], pendingFiles: string[], job?: { id: string; finishedAt: string; workerId: string }) {
    await this.db.transaction().execute(async (trx) => {
      // Insert one at a time: a parent must exist before the child that references it.
      for (const node of nodes) await trx.insertInto('image_nodes').values(toRow(node)).execute();
      if (pendingFiles.length > 0) await trx.deleteFrom('pending_files').where('filename', 'in', pendingFiles).execute();
      if (job) {
        const result = await trx
          .updateTable('jobs')
          .set({ status: 'succeeded', progress: 1, finished_at: job.finishedAt, error_code: null, error_message: null })
          .where('id', '=', job.id)
          .where('status', '=', 'running')
          .where('worker_id', '=', job.workerId)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) throw new JobNoLongerRunningError(job.id);
      }
    });
  }
}

/** Thrown inside updateMany's transaction to roll it back. */
class NotAllChanged extends Error {}

/** A page of `limit` rows out of `limit` + 1 read, in the form `map` gives. */
function pageOf<R, N>(rows: R[], limit: number, map: (row: R) => N): TreePage<N> {
  const hasMore = rows.length > limit;
  if (hasMore) rows.length = limit;
  return { rows: rows.map(map), hasMore };
}

function toNode(row: NodeRow): NodeWithCounts {
  return {
    ...nodeFields(row),
    spec: JSON.parse(row.spec_json) as Record<string, unknown>,
    request_params: JSON.parse(row.request_params) as Record<string, unknown>,
  };
}

type SummaryRow = Pick<ImageNodesTable, 'id' | 'parent_id' | 'depth' | 'filename' | 'deleted_at'> & { json: string; children_count: number | string };
type JsonRow = SummaryRow & Pick<ImageNodesTable, 'spec_json' | 'request_params' | 'original_filename' | 'original_sha256' | 'original_bytes'>;

function toSummaryNode(row: SummaryRow): SummaryNode {
  // PostgreSQL's driver hands bigints back as strings.
  return {
    id: Number(row.id),
    parent_id: row.parent_id === null ? null : Number(row.parent_id),
    depth: row.depth,
    filename: row.filename,
    live: row.deleted_at === null,
    json: row.json,
    children_count: Number(row.children_count),
  };
}

/**
 * The JSON columns go on as stored. They are trusted as JSON because only toRow writes them, with
 * JSON.stringify: JSON.stringify(JSON.parse(text)) is the text itself. Written out rather than spread
 * from toSummaryNode: the spread cost a quarter of a gallery page's query (bench/lineage).
 */
function toJsonNode(row: JsonRow): JsonNode {
  return {
    id: Number(row.id),
    parent_id: row.parent_id === null ? null : Number(row.parent_id),
    depth: row.depth,
    filename: row.filename,
    live: row.deleted_at === null,
    json: row.json,
    children_count: Number(row.children_count),
    spec_json: row.spec_json,
    request_params_json: row.request_params,
    original: originalOf(row),
  };
}

function originalOf(row: Pick<ImageNodesTable, 'original_filename' | 'original_sha256' | 'original_bytes'>): StoredOriginal | null {
  return row.original_filename === null || row.original_sha256 === null
    ? null
    : { filename: row.original_filename, sha256: row.original_sha256, bytes: Number(row.original_bytes) };
}

/** A node's columns other than its two JSON ones. */
function nodeFields(row: NodeRow): Omit<NodeWithCounts, 'spec' | 'request_params'> {
  return {
    // PostgreSQL's driver hands bigints (and counts) back as strings.
    id: Number(row.id),
    is_root: row.is_root === 1,
    parent_id: row.parent_id === null ? null : Number(row.parent_id),
    root_id: Number(row.root_id),
    depth: row.depth,
    prompt: row.prompt,
    negative_prompt: row.negative_prompt,
    image_path: row.image_path,
    filename: row.filename,
    action_type: row.action_type as NodeRecord['action_type'],
    model: row.model,
    provider: row.provider,
    seed: row.seed === null ? null : Number(row.seed),
    width: row.width,
    height: row.height,
    bytes: Number(row.bytes),
    sha256: row.sha256,
    starred: row.starred === 1,
    deleted_at: row.deleted_at,
    created_at: row.created_at,
    job_id: row.job_id,
    owner_id: row.owner_id,
    trashed_at: row.trashed_at,
    original: originalOf(row),
    pending_parent_sha256: row.pending_parent_sha256,
    children_count: Number(row.children_count),
  };
}

function toRow(node: NewNode): Omit<ImageNodesTable, 'starred' | 'trashed_at'> {
  return {
    id: node.id,
    is_root: node.is_root ? 1 : 0,
    parent_id: node.parent_id,
    root_id: node.root_id,
    depth: node.depth,
    prompt: node.prompt,
    negative_prompt: node.negative_prompt,
    spec_json: JSON.stringify(node.spec),
    request_params: JSON.stringify(node.request_params),
    image_path: node.image_path,
    filename: node.filename,
    action_type: node.action_type,
    model: node.model,
    provider: node.provider,
    seed: node.seed,
    width: node.width,
    height: node.height,
    bytes: node.bytes,
    sha256: node.sha256,
    deleted_at: node.deleted_at,
    created_at: node.created_at,
    job_id: node.job_id,
    owner_id: node.owner_id,
    original_filename: node.original?.filename ?? null,
    original_sha256: node.original?.sha256 ?? null,
    original_bytes: node.original?.bytes ?? null,
    pending_parent_sha256: node.pending_parent_sha256,
  };
}
