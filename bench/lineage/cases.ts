import { GalleryQuery, type GalleryPage, type ImageNode, type Lineage } from '@imageflow/shared';
import { CompiledQuery } from 'kysely';
import type { KyselyNodeRepository } from '../../apps/api/src/adapters/kysely-node.repository.ts';
import type { Db } from '../../apps/api/src/db/database.ts';
import type { JsonText } from '../../apps/api/src/lib/json-text.ts';
import type { JsonNode, NodeWithCounts } from '../../apps/api/src/ports/node.repository.port.ts';
import { decodeGalleryCursor, encodeGalleryCursor, type ImageService } from '../../apps/api/src/services/image.service.ts';
import { encodeTreeCursor, type LineageService } from '../../apps/api/src/services/lineage.service.ts';
import { LOCAL_ACTOR } from '../../apps/api/src/services/access.ts';
import { answerText, nodeText, toImageNode } from '../../apps/api/src/services/presenter.ts';
import { PublicUrls } from '../../apps/api/src/services/public-urls.ts';
import type { BareDb, Run } from './bare-db.ts';
import { SEARCH_ALTERNATIVES, searchParameter, type BareSql } from './bare.ts';
import { CHAIN_DEPTH, type StoreInfo } from './fill.ts';
import type { BenchCase, Variant } from './measure.ts';
import { PREVIOUS_BENCH, PREVIOUS_ROUTE } from './report.ts';

const RELATIVE = new PublicUrls(null);
/** Single-user mode, as the app runs without accounts: an admin, so no owner filter (the question stays "every node"). */
const ACTOR = LOCAL_ACTOR;

export const TREE_PAGE = 1_000;
export const GALLERY_PAGE = 50;
export const SEARCH_TEXT = 'lighthouse';

export interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

export interface Services {
  repo: KyselyNodeRepository;
  lineage: LineageService;
  images: ImageService;
}

export interface BenchContext extends Services {
  /** The app's Kysely instance the services run on. */
  db: Db;
  info: StoreInfo;
  nodes: number;
  /** The driver used directly on the same database: better-sqlite3 or pg (see bare-db.ts). */
  bare: BareDb;
  /** The bare queries for this database. */
  sql: BareSql;
  /** The statements a call issues, run on a logging copy of the services. */
  statementsOf(call: (services: Services) => Promise<unknown>): Promise<Statement[]>;
}

export interface PreparedCase {
  bench: BenchCase;
  /** Statements whose plan (EXPLAIN QUERY PLAN, or EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL) goes into the report. */
  plans: Array<{ title: string } & Statement>;
}

export interface CaseDefinition {
  key: string;
  prepare(ctx: BenchContext): Promise<PreparedCase>;
}

type RowWithCount = { id: number; children_count: number };

/** Fails unless the service and the bare query return the same nodes in the same order. */
function sameRows(what: string, service: ImageNode[], bare: unknown[]): void {
  const a = service.map((n) => `${n.id}:${n.children_count}`).join(',');
  const b = (bare as RowWithCount[]).map((r) => `${r.id}:${r.children_count}`).join(',');
  if (service.length === 0) throw new Error(`${what}: no rows; the benchmark would measure nothing.`);
  if (a !== b) throw new Error(`${what}: the service and the bare query disagree (${service.length} vs ${bare.length} rows).`);
}

/** The service's own statements, run bare one after the other: the service minus Kysely and the presenter. */
function bareStatements(bare: BareDb, issued: Statement[]): () => Promise<unknown> {
  const prepared = issued.map((q) => ({ run: bare.statement(q.sql), parameters: q.parameters }));
  return async () => {
    for (const q of prepared) await q.run(q.parameters);
  };
}

/** A bare statement with its parameters bound, as a timed variant's run. */
const bound = (run: Run, parameters: readonly unknown[]) => () => run(parameters);

/**
 * The bare SQL through the app's own Kysely instance, as a compiled query: its driver, connection
 * (the pool on PostgreSQL, the statement cache on SQLite) and result handling, without building the
 * query and without the repository's row conversion.
 */
function throughKysely(ctx: BenchContext, sql: string, parameters: readonly unknown[]): Variant {
  const query = CompiledQuery.raw(sql, [...parameters]);
  return { label: "bare SQL through the app's Kysely: db.executeQuery(CompiledQuery.raw(sql, parameters))", role: 'detail', run: () => ctx.db.executeQuery(query) };
}

/** The part of the repository's row conversion that costs: parsing the two JSON columns of every row. */
function jsonParse(rows: unknown[]): Variant {
  const json = rows as Array<{ spec_json: string; request_params: string }>;
  return {
    label: `JSON.parse of spec_json and request_params x ${json.length} (in the repository's row conversion)`,
    role: 'detail',
    run: () => json.map((r) => [JSON.parse(r.spec_json), JSON.parse(r.request_params)]),
  };
}

/** The bare statement run the database's other ways (bare-db.ts), as details. */
function otherWays(ctx: BenchContext, sql: string, parameters: readonly unknown[], count = Infinity): Variant[] {
  return ctx.bare.otherWays.slice(0, count).map((way) => ({ label: `bare, ${way.label}`, role: 'detail', run: bound(way.statement(sql), parameters) }));
}

/**
 * The presenter both ways: the objects the route built until 2026-11-28, serialised by Fastify's
 * JSON.stringify; and the JSON text it assembles now from the nodes' JSON made by the database.
 */
function presenters(rows: NodeWithCounts[], json: JsonNode[]): Variant[] {
  return [
    { label: `presenter until 2026-11-28: JSON.stringify(toImageNode x ${rows.length})`, role: 'detail', run: () => JSON.stringify(rows.map((r) => toImageNode(r, RELATIVE))) },
    {
      label: `presenter: nodeText x ${json.length}, answerText, toBuffer (the database's JSON, the stored recipes spliced in, the bytes)`,
      role: 'detail',
      run: () => answerText({}, 'items', json.map((r) => nodeText(r, RELATIVE)), { next_cursor: null }).toBuffer(),
    },
  ];
}

/**
 * The lineage answer as the route made it until 2026-11-28: rows with both JSON columns parsed
 * (repository), the presenter's objects, then Fastify's JSON.stringify (`serialise`). Without
 * `serialise`, it is what this benchmark timed as "the service" until then.
 */
export async function previousLineage(ctx: BenchContext, id: number, scope: 'tree' | 'ancestors', limit: number, serialise: boolean): Promise<Lineage | string> {
  const focus = (await ctx.repo.findById(id))!;
  let rows: NodeWithCounts[];
  let hasMore: boolean;
  let path: number[];
  if (scope === 'ancestors') {
    const all = await ctx.repo.ancestors(id);
    path = all.map((r) => r.id);
    rows = all.slice(0, limit);
    hasMore = all.length > limit;
  } else {
    path = await ctx.repo.ancestorIds(id);
    ({ rows, hasMore } = await ctx.repo.treePage(focus.root_id, limit));
  }
  const last = rows.at(-1);
  const answer: Lineage = {
    root_id: focus.root_id,
    focus_id: id,
    path,
    nodes: rows.map((r) => toImageNode(r, RELATIVE)),
    truncated: hasMore,
    next_cursor: hasMore && last ? encodeTreeCursor(last.depth, last.id) : null,
  };
  return serialise ? JSON.stringify(answer) : answer;
}

/** The gallery answer as the route made it until 2026-11-28 (see previousLineage). */
async function previousGallery(ctx: BenchContext, query: GalleryQuery, serialise: boolean): Promise<GalleryPage | string> {
  const rows = await ctx.repo.gallery({
    limit: query.limit + 1,
    order: query.order,
    pastId: query.cursor === undefined ? undefined : decodeGalleryCursor(query.cursor),
    q: query.q || undefined,
    model: query.model,
    actionType: query.action_type,
    starred: query.starred,
  });
  const items = rows.slice(0, query.limit).map((r) => toImageNode(r, RELATIVE));
  const last = items.at(-1);
  const answer: GalleryPage = { items, next_cursor: rows.length > query.limit && last ? encodeGalleryCursor(last.id) : null };
  return serialise ? JSON.stringify(answer) : answer;
}

/**
 * Fails unless the service's JSON text is, byte for byte, what the route sent until 2026-11-28;
 * returns it parsed.
 */
function sameAnswer<T>(what: string, answer: JsonText<T>, previous: string): T {
  const text = answer.toString();
  if (text !== previous) throw new Error(`${what}: the service's JSON text differs from JSON.stringify of the presenter's objects.`);
  return JSON.parse(text) as T;
}

/** The two ways the route used to go, as details beside the service. */
function previousVariants(what: string, run: (serialise: boolean) => Promise<unknown>): Variant[] {
  return [
    { label: `${PREVIOUS_ROUTE} ${what}, parsed rows, toImageNode, JSON.stringify`, role: 'detail', run: () => run(true) },
    { label: `${PREVIOUS_BENCH}: the same without JSON.stringify`, role: 'detail', run: () => run(false) },
  ];
}

function servicePlans(name: string, issued: Statement[]): PreparedCase['plans'] {
  return issued.map((q, i) => ({ title: `service ${name}, statement ${i + 1} of ${issued.length}`, ...q }));
}

const ancestors: CaseDefinition = {
  key: 'ancestors',
  async prepare(ctx) {
    const id = ctx.info.chain.deepestId;
    const bare = ctx.bare.statement(ctx.sql.ancestors);
    const answer = sameAnswer<Lineage>('ancestors', await ctx.lineage.lineage(id, 'ancestors', CHAIN_DEPTH, ACTOR), (await previousLineage(ctx, id, 'ancestors', CHAIN_DEPTH, true)) as string);
    sameRows('ancestors', answer.nodes, await bare([id]));
    const issued = await ctx.statementsOf((s) => s.lineage.lineage(id, 'ancestors', CHAIN_DEPTH, ACTOR));
    const rows = await ctx.repo.ancestors(id);
    const json = await ctx.repo.json.ancestors(id);
    return {
      bench: {
        name: `ancestors of a node ${CHAIN_DEPTH.toLocaleString('en')} deep`,
        warmup: 5,
        iterations: 30,
        variants: [
          { label: `LineageService.lineage(id, 'ancestors', ${CHAIN_DEPTH}): the bytes the route sends`, role: 'service', run: async () => (await ctx.lineage.lineage(id, 'ancestors', CHAIN_DEPTH, ACTOR)).toBuffer() },
          { label: 'bare: recursive CTE joined to image_nodes, ORDER BY depth', role: 'bare', run: bound(bare, [id]) },
          ...previousVariants('ancestors', (serialise) => previousLineage(ctx, id, 'ancestors', CHAIN_DEPTH, serialise)),
          { label: 'repo.json.ancestors(id) (JSON made by the database)', role: 'detail', run: () => ctx.repo.json.ancestors(id) },
          { label: 'repo.ancestors(id) (JSON columns parsed)', role: 'detail', run: () => ctx.repo.ancestors(id) },
          { label: 'repo.ancestorIds(id) (the path)', role: 'detail', run: () => ctx.repo.ancestorIds(id) },
          { label: 'repo.findById(id)', role: 'detail', run: () => ctx.repo.findById(id) },
          ...presenters(rows, json),
          { label: `the service's ${issued.length} statements, bare`, role: 'detail', run: bareStatements(ctx.bare, issued) },
        ],
      },
      plans: [{ title: 'bare ancestors', sql: ctx.sql.ancestors, parameters: [id] }, ...servicePlans('ancestors', issued)],
    };
  },
};

const tree: CaseDefinition = {
  key: 'tree',
  async prepare(ctx) {
    const { rootId, focusId } = ctx.info.tree;
    const bare = ctx.bare.statement(ctx.sql.treePage);
    const page = sameAnswer<Lineage>('tree page', await ctx.lineage.lineage(focusId, 'tree', TREE_PAGE, ACTOR), (await previousLineage(ctx, focusId, 'tree', TREE_PAGE, true)) as string);
    if (!page.truncated) throw new Error('the tree under test should have more than one page');
    const summary = JSON.parse(String(await ctx.lineage.lineage(focusId, 'tree', TREE_PAGE, ACTOR, undefined, 'summary'))) as Lineage;
    if (summary.nodes.map((n) => n.id).join() !== page.nodes.map((n) => n.id).join()) throw new Error('tree page: the summary holds other nodes than the full answer');
    sameRows('tree page', page.nodes, (await bare([rootId, TREE_PAGE + 1])).slice(0, TREE_PAGE));
    const issued = await ctx.statementsOf((s) => s.lineage.lineage(focusId, 'tree', TREE_PAGE, ACTOR));
    const rows = (await ctx.repo.treePage(rootId, TREE_PAGE)).rows;
    const json = (await ctx.repo.json.treePage(rootId, TREE_PAGE)).rows;
    return {
      bench: {
        name: `tree page of ${TREE_PAGE.toLocaleString('en')} nodes`,
        warmup: 20,
        iterations: 150,
        variants: [
          { label: `LineageService.lineage(id, 'tree', ${TREE_PAGE}): the bytes the route sends`, role: 'service', run: async () => (await ctx.lineage.lineage(focusId, 'tree', TREE_PAGE, ACTOR)).toBuffer() },
          { label: `bare: WHERE root_id = ? ORDER BY depth, id LIMIT ${TREE_PAGE + 1}`, role: 'bare', run: bound(bare, [rootId, TREE_PAGE + 1]) },
          ...previousVariants('tree page', (serialise) => previousLineage(ctx, focusId, 'tree', TREE_PAGE, serialise)),
          { label: `LineageService.lineage(id, 'tree', ${TREE_PAGE}, fields 'summary'): the bytes the route sends`, role: 'detail', run: async () => (await ctx.lineage.lineage(focusId, 'tree', TREE_PAGE, ACTOR, undefined, 'summary')).toBuffer() },
          { label: `repo.summaries.treePage(root, ${TREE_PAGE}) (JSON made by the database)`, role: 'detail', run: () => ctx.repo.summaries.treePage(rootId, TREE_PAGE) },
          { label: `repo.json.treePage(root, ${TREE_PAGE}) (JSON made by the database)`, role: 'detail', run: () => ctx.repo.json.treePage(rootId, TREE_PAGE) },
          { label: `repo.treePage(root, ${TREE_PAGE}) (JSON columns parsed)`, role: 'detail', run: () => ctx.repo.treePage(rootId, TREE_PAGE) },
          ...presenters(rows, json),
          { label: `the service's ${issued.length} statements, bare`, role: 'detail', run: bareStatements(ctx.bare, issued) },
        ],
      },
      plans: [{ title: 'bare tree page', sql: ctx.sql.treePage, parameters: [rootId, TREE_PAGE + 1] }, ...servicePlans('tree', issued)],
    };
  },
};

const gallery: CaseDefinition = {
  key: 'gallery',
  async prepare(ctx) {
    const query = GalleryQuery.parse({ limit: String(GALLERY_PAGE) }); // parsed once from the query string, as the route does before calling the service
    const bare = ctx.bare.statement(ctx.sql.gallery);
    const bareRows = await bare([GALLERY_PAGE + 1]);
    const answer = sameAnswer<GalleryPage>('gallery', await ctx.images.gallery(query, ACTOR), (await previousGallery(ctx, query, true)) as string);
    sameRows('gallery', answer.items, bareRows.slice(0, GALLERY_PAGE));
    const issued = await ctx.statementsOf((s) => s.images.gallery(query, ACTOR));
    const rows = (await ctx.repo.gallery({ limit: GALLERY_PAGE + 1 })).slice(0, GALLERY_PAGE);
    const json = (await ctx.repo.json.gallery({ limit: GALLERY_PAGE + 1 })).slice(0, GALLERY_PAGE);
    return {
      bench: {
        name: `gallery page (${GALLERY_PAGE}, newest)`,
        warmup: 50,
        iterations: 400,
        variants: [
          { label: `ImageService.gallery({ limit: ${GALLERY_PAGE} }): the bytes the route sends`, role: 'service', run: async () => (await ctx.images.gallery(query, ACTOR)).toBuffer() },
          { label: `bare: WHERE deleted_at IS NULL ORDER BY id DESC LIMIT ${GALLERY_PAGE + 1}`, role: 'bare', run: bound(bare, [GALLERY_PAGE + 1]) },
          ...previousVariants('gallery', (serialise) => previousGallery(ctx, query, serialise)),
          { label: `repo.json.gallery({ limit: ${GALLERY_PAGE + 1} }) (JSON made by the database)`, role: 'detail', run: () => ctx.repo.json.gallery({ limit: GALLERY_PAGE + 1 }) },
          { label: `repo.gallery({ limit: ${GALLERY_PAGE + 1} }) (JSON columns parsed)`, role: 'detail', run: () => ctx.repo.gallery({ limit: GALLERY_PAGE + 1 }) },
          ...otherWays(ctx, ctx.sql.gallery, [GALLERY_PAGE + 1]),
          throughKysely(ctx, ctx.sql.gallery, [GALLERY_PAGE + 1]),
          jsonParse(bareRows),
          ...presenters(rows, json),
        ],
      },
      plans: [{ title: 'bare gallery', sql: ctx.sql.gallery, parameters: [GALLERY_PAGE + 1] }, ...servicePlans('gallery', issued)],
    };
  },
};

const galleryCursor: CaseDefinition = {
  key: 'cursor',
  async prepare(ctx) {
    const beforeId = Math.floor(ctx.nodes / 2);
    const query = GalleryQuery.parse({ limit: String(GALLERY_PAGE), cursor: encodeGalleryCursor(beforeId) });
    const bare = ctx.bare.statement(ctx.sql.galleryBefore);
    const answer = sameAnswer<GalleryPage>('gallery cursor', await ctx.images.gallery(query, ACTOR), (await previousGallery(ctx, query, true)) as string);
    sameRows('gallery cursor', answer.items, (await bare([beforeId, GALLERY_PAGE + 1])).slice(0, GALLERY_PAGE));
    const issued = await ctx.statementsOf((s) => s.images.gallery(query, ACTOR));
    return {
      bench: {
        name: `gallery page (${GALLERY_PAGE}, cursor mid-store)`,
        warmup: 50,
        iterations: 400,
        variants: [
          { label: `ImageService.gallery({ limit: ${GALLERY_PAGE}, cursor }): the bytes the route sends`, role: 'service', run: async () => (await ctx.images.gallery(query, ACTOR)).toBuffer() },
          { label: `bare: ... AND id < ? ORDER BY id DESC LIMIT ${GALLERY_PAGE + 1}`, role: 'bare', run: bound(bare, [beforeId, GALLERY_PAGE + 1]) },
          ...previousVariants('gallery', (serialise) => previousGallery(ctx, query, serialise)),
          { label: `repo.gallery({ limit: ${GALLERY_PAGE + 1}, beforeId })`, role: 'detail', run: () => ctx.repo.gallery({ limit: GALLERY_PAGE + 1, pastId: beforeId }) },
          ...otherWays(ctx, ctx.sql.galleryBefore, [beforeId, GALLERY_PAGE + 1]),
          throughKysely(ctx, ctx.sql.galleryBefore, [beforeId, GALLERY_PAGE + 1]),
        ],
      },
      plans: [{ title: 'bare gallery cursor', sql: ctx.sql.galleryBefore, parameters: [beforeId, GALLERY_PAGE + 1] }, ...servicePlans('cursor', issued)],
    };
  },
};

/** SQLite only: the other ways to write the search (bare.ts), timed beside it and checked for the same rows. */
async function searchAlternatives(
  ctx: BenchContext,
  items: ImageNode[],
  alternatives: Array<{ title: string; label: string; sql: string; parameters: readonly unknown[] }>,
): Promise<{ variants: Variant[]; plans: PreparedCase['plans'] }> {
  if (ctx.bare.dialect !== 'sqlite') return { variants: [], plans: [] };
  const variants: Variant[] = [];
  for (const a of alternatives) {
    const run = ctx.bare.statement(a.sql);
    sameRows(`search (${a.title})`, items, (await run(a.parameters)).slice(0, GALLERY_PAGE));
    variants.push({ label: a.label, role: 'detail', run: bound(run, a.parameters) });
  }
  return { variants, plans: alternatives.map((a) => ({ title: a.title, sql: a.sql, parameters: a.parameters })) };
}

const gallerySearch: CaseDefinition = {
  key: 'search',
  async prepare(ctx) {
    const query = GalleryQuery.parse({ limit: String(GALLERY_PAGE), q: SEARCH_TEXT });
    // '"lighthouse"*' (FTS5) or 'lighthouse':* (tsquery), as the repository turns the text: the bare queries match the same way.
    const match = searchParameter(ctx.bare.dialect, SEARCH_TEXT);
    const matches = Number(((await ctx.bare.statement(ctx.sql.searchCount)([match]))[0] as { n: number | string }).n);
    const bare = ctx.bare.statement(ctx.sql.gallerySearch);
    const parameters = [match, GALLERY_PAGE + 1];
    const { items } = sameAnswer<GalleryPage>('gallery search', await ctx.images.gallery(query, ACTOR), (await previousGallery(ctx, query, true)) as string);
    sameRows('gallery search', items, (await bare(parameters)).slice(0, GALLERY_PAGE));
    const other = await searchAlternatives(ctx, items, [
      { title: 'other bare search: join, ORDER BY n.id', label: 'other bare: fts JOIN image_nodes ORDER BY n.id DESC', sql: SEARCH_ALTERNATIVES.joinOrderByNodeId, parameters },
      { title: 'other bare search: IN subquery', label: 'other bare: id IN (SELECT rowid FROM fts WHERE MATCH ?) ORDER BY id DESC', sql: SEARCH_ALTERNATIVES.inSubquery, parameters },
    ]);
    const issued = await ctx.statementsOf((s) => s.images.gallery(query, ACTOR));
    const bareLabel =
      ctx.bare.dialect === 'sqlite'
        ? `bare: fts JOIN image_nodes WHERE MATCH ? ORDER BY fts.rowid DESC LIMIT ${GALLERY_PAGE + 1}`
        : `bare: WHERE prompt_tsv @@ to_tsquery(...) ORDER BY id DESC LIMIT ${GALLERY_PAGE + 1}`;
    return {
      bench: {
        name: `gallery search (q="${SEARCH_TEXT}", ${matches.toLocaleString('en')} matches)`,
        warmup: 10,
        iterations: 100,
        variants: [
          { label: `ImageService.gallery({ limit: ${GALLERY_PAGE}, q }): the bytes the route sends`, role: 'service', run: async () => (await ctx.images.gallery(query, ACTOR)).toBuffer() },
          { label: bareLabel, role: 'bare', run: bound(bare, parameters) },
          ...previousVariants('gallery search', (serialise) => previousGallery(ctx, query, serialise)),
          { label: `repo.json.gallery({ limit: ${GALLERY_PAGE + 1}, q }) (JSON made by the database)`, role: 'detail', run: () => ctx.repo.json.gallery({ limit: GALLERY_PAGE + 1, q: SEARCH_TEXT }) },
          { label: `repo.gallery({ limit: ${GALLERY_PAGE + 1}, q })`, role: 'detail', run: () => ctx.repo.gallery({ limit: GALLERY_PAGE + 1, q: SEARCH_TEXT }) },
          ...otherWays(ctx, ctx.sql.gallerySearch, parameters, 1),
          ...other.variants,
        ],
      },
      plans: [{ title: 'bare gallery search', sql: ctx.sql.gallerySearch, parameters }, ...other.plans, ...servicePlans('search', issued)],
    };
  },
};

const gallerySearchCursor: CaseDefinition = {
  key: 'search-cursor',
  async prepare(ctx) {
    const beforeId = Math.floor(ctx.nodes / 2);
    const query = GalleryQuery.parse({ limit: String(GALLERY_PAGE), q: SEARCH_TEXT, cursor: encodeGalleryCursor(beforeId) });
    const match = searchParameter(ctx.bare.dialect, SEARCH_TEXT);
    const bare = ctx.bare.statement(ctx.sql.gallerySearchBefore);
    const parameters = [match, beforeId, GALLERY_PAGE + 1];
    const { items } = sameAnswer<GalleryPage>('gallery search cursor', await ctx.images.gallery(query, ACTOR), (await previousGallery(ctx, query, true)) as string);
    sameRows('gallery search cursor', items, (await bare(parameters)).slice(0, GALLERY_PAGE));
    const other = await searchAlternatives(ctx, items, [
      {
        title: 'other bare search cursor: IN subquery',
        label: 'other bare: id < ? AND id IN (SELECT rowid FROM fts WHERE MATCH ?) ORDER BY id DESC',
        sql: SEARCH_ALTERNATIVES.inSubqueryBefore,
        parameters: [beforeId, match, GALLERY_PAGE + 1],
      },
    ]);
    const issued = await ctx.statementsOf((s) => s.images.gallery(query, ACTOR));
    const bareLabel =
      ctx.bare.dialect === 'sqlite'
        ? `bare: fts JOIN image_nodes WHERE MATCH ? AND fts.rowid < ? ORDER BY fts.rowid DESC LIMIT ${GALLERY_PAGE + 1}`
        : `bare: WHERE prompt_tsv @@ to_tsquery(...) AND id < ? ORDER BY id DESC LIMIT ${GALLERY_PAGE + 1}`;
    return {
      bench: {
        name: `gallery search (q="${SEARCH_TEXT}", cursor mid-store)`,
        warmup: 10,
        iterations: 100,
        variants: [
          { label: `ImageService.gallery({ limit: ${GALLERY_PAGE}, q, cursor }): the bytes the route sends`, role: 'service', run: async () => (await ctx.images.gallery(query, ACTOR)).toBuffer() },
          { label: bareLabel, role: 'bare', run: bound(bare, parameters) },
          ...previousVariants('gallery search', (serialise) => previousGallery(ctx, query, serialise)),
          { label: `repo.gallery({ limit: ${GALLERY_PAGE + 1}, q, beforeId })`, role: 'detail', run: () => ctx.repo.gallery({ limit: GALLERY_PAGE + 1, q: SEARCH_TEXT, pastId: beforeId }) },
          ...otherWays(ctx, ctx.sql.gallerySearchBefore, parameters, 1),
          ...other.variants,
        ],
      },
      plans: [{ title: 'bare gallery search cursor', sql: ctx.sql.gallerySearchBefore, parameters }, ...other.plans, ...servicePlans('search cursor', issued)],
    };
  },
};

export const CASES: CaseDefinition[] = [ancestors, tree, gallery, galleryCursor, gallerySearch, gallerySearchCursor];
