import type SQLite from 'better-sqlite3';
import { GalleryQuery, type ImageNode } from '@imageflow/shared';
import { toFtsQuery, type KyselyNodeRepository } from '../../apps/api/src/adapters/kysely-node.repository.ts';
import type { NodeRowWithCounts } from '../../apps/api/src/ports/node.repository.port.ts';
import { encodeGalleryCursor, type ImageService } from '../../apps/api/src/services/image.service.ts';
import type { LineageService } from '../../apps/api/src/services/lineage.service.ts';
import { toImageNode } from '../../apps/api/src/services/presenter.ts';
import { PublicUrls } from '../../apps/api/src/services/public-urls.ts';
import { BARE_SQL, SEARCH_ALTERNATIVES } from './bare.ts';
import { CHAIN_DEPTH, type StoreInfo } from './fill.ts';
import type { BenchCase, Variant } from './measure.ts';

const RELATIVE = new PublicUrls(null);

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
  info: StoreInfo;
  nodes: number;
  /** better-sqlite3 on the same file, with the app's connection settings. */
  bare: SQLite.Database;
  /** The statements a call issues, run on a logging copy of the services. */
  statementsOf(call: (services: Services) => Promise<unknown>): Promise<Statement[]>;
}

export interface PreparedCase {
  bench: BenchCase;
  /** Statements whose EXPLAIN QUERY PLAN goes into the report. */
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

/** The service's own statements, prepared once and run bare: the service minus Kysely and the presenter. */
function bareStatements(bare: SQLite.Database, issued: Statement[]): () => unknown {
  const prepared = issued.map((q) => ({ stmt: bare.prepare(q.sql), parameters: q.parameters }));
  return () => prepared.map((q) => q.stmt.all(...q.parameters));
}

function presenter(rows: NodeRowWithCounts[]): Variant {
  return { label: `presenter: toImageNode x ${rows.length}`, role: 'detail', run: () => rows.map((r) => toImageNode(r, RELATIVE)) };
}

function servicePlans(name: string, issued: Statement[]): PreparedCase['plans'] {
  return issued.map((q, i) => ({ title: `service ${name}, statement ${i + 1} of ${issued.length}`, ...q }));
}

const ancestors: CaseDefinition = {
  key: 'ancestors',
  async prepare(ctx) {
    const id = ctx.info.chain.deepestId;
    const bare = ctx.bare.prepare(BARE_SQL.ancestors);
    sameRows('ancestors', (await ctx.lineage.lineage(id, 'ancestors', CHAIN_DEPTH)).nodes, bare.all(id));
    const issued = await ctx.statementsOf((s) => s.lineage.lineage(id, 'ancestors', CHAIN_DEPTH));
    const rows = await ctx.repo.ancestors(id);
    return {
      bench: {
        name: `ancestors of a node ${CHAIN_DEPTH.toLocaleString('en')} deep`,
        warmup: 5,
        iterations: 30,
        variants: [
          { label: `LineageService.lineage(id, 'ancestors', ${CHAIN_DEPTH})`, role: 'service', run: () => ctx.lineage.lineage(id, 'ancestors', CHAIN_DEPTH) },
          { label: 'bare: recursive CTE joined to image_nodes, ORDER BY depth', role: 'bare', run: () => bare.all(id) },
          { label: 'repo.ancestors(id)', role: 'detail', run: () => ctx.repo.ancestors(id) },
          { label: 'repo.ancestorIds(id) (the path)', role: 'detail', run: () => ctx.repo.ancestorIds(id) },
          { label: 'repo.findById(id)', role: 'detail', run: () => ctx.repo.findById(id) },
          presenter(rows),
          { label: `the service's ${issued.length} statements, bare`, role: 'detail', run: bareStatements(ctx.bare, issued) },
        ],
      },
      plans: [{ title: 'bare ancestors', sql: BARE_SQL.ancestors, parameters: [id] }, ...servicePlans('ancestors', issued)],
    };
  },
};

const tree: CaseDefinition = {
  key: 'tree',
  async prepare(ctx) {
    const { rootId, focusId } = ctx.info.tree;
    const bare = ctx.bare.prepare(BARE_SQL.treePage);
    const page = await ctx.lineage.lineage(focusId, 'tree', TREE_PAGE);
    if (!page.truncated) throw new Error('the tree under test should have more than one page');
    sameRows('tree page', page.nodes, bare.all(rootId, TREE_PAGE + 1).slice(0, TREE_PAGE));
    const issued = await ctx.statementsOf((s) => s.lineage.lineage(focusId, 'tree', TREE_PAGE));
    const rows = (await ctx.repo.treePage(rootId, TREE_PAGE)).rows;
    return {
      bench: {
        name: `tree page of ${TREE_PAGE.toLocaleString('en')} nodes`,
        warmup: 20,
        iterations: 150,
        variants: [
          { label: `LineageService.lineage(id, 'tree', ${TREE_PAGE})`, role: 'service', run: () => ctx.lineage.lineage(focusId, 'tree', TREE_PAGE) },
          { label: `bare: WHERE root_id = ? ORDER BY depth, id LIMIT ${TREE_PAGE + 1}`, role: 'bare', run: () => bare.all(rootId, TREE_PAGE + 1) },
          { label: `repo.treePage(root, ${TREE_PAGE})`, role: 'detail', run: () => ctx.repo.treePage(rootId, TREE_PAGE) },
          presenter(rows),
          { label: `the service's ${issued.length} statements, bare`, role: 'detail', run: bareStatements(ctx.bare, issued) },
        ],
      },
      plans: [{ title: 'bare tree page', sql: BARE_SQL.treePage, parameters: [rootId, TREE_PAGE + 1] }, ...servicePlans('tree', issued)],
    };
  },
};

const gallery: CaseDefinition = {
  key: 'gallery',
  async prepare(ctx) {
    const query = GalleryQuery.parse({ limit: GALLERY_PAGE }); // parsed once, as the route does before calling the service
    const bare = ctx.bare.prepare(BARE_SQL.gallery);
    sameRows('gallery', (await ctx.images.gallery(query)).items, bare.all(GALLERY_PAGE + 1).slice(0, GALLERY_PAGE));
    const issued = await ctx.statementsOf((s) => s.images.gallery(query));
    const rows = (await ctx.repo.gallery({ limit: GALLERY_PAGE + 1 })).slice(0, GALLERY_PAGE);
    return {
      bench: {
        name: `gallery page (${GALLERY_PAGE}, newest)`,
        warmup: 50,
        iterations: 400,
        variants: [
          { label: `ImageService.gallery({ limit: ${GALLERY_PAGE} })`, role: 'service', run: () => ctx.images.gallery(query) },
          { label: `bare: WHERE deleted_at IS NULL ORDER BY id DESC LIMIT ${GALLERY_PAGE + 1}`, role: 'bare', run: () => bare.all(GALLERY_PAGE + 1) },
          { label: `repo.gallery({ limit: ${GALLERY_PAGE + 1} })`, role: 'detail', run: () => ctx.repo.gallery({ limit: GALLERY_PAGE + 1 }) },
          { label: 'bare, prepare() on every call (as the Kysely driver does)', role: 'detail', run: () => ctx.bare.prepare(BARE_SQL.gallery).all(GALLERY_PAGE + 1) },
          presenter(rows),
        ],
      },
      plans: [{ title: 'bare gallery', sql: BARE_SQL.gallery, parameters: [GALLERY_PAGE + 1] }, ...servicePlans('gallery', issued)],
    };
  },
};

const galleryCursor: CaseDefinition = {
  key: 'cursor',
  async prepare(ctx) {
    const beforeId = Math.floor(ctx.nodes / 2);
    const query = GalleryQuery.parse({ limit: GALLERY_PAGE, cursor: encodeGalleryCursor(beforeId) });
    const bare = ctx.bare.prepare(BARE_SQL.galleryBefore);
    sameRows('gallery cursor', (await ctx.images.gallery(query)).items, bare.all(beforeId, GALLERY_PAGE + 1).slice(0, GALLERY_PAGE));
    const issued = await ctx.statementsOf((s) => s.images.gallery(query));
    return {
      bench: {
        name: `gallery page (${GALLERY_PAGE}, cursor mid-store)`,
        warmup: 50,
        iterations: 400,
        variants: [
          { label: `ImageService.gallery({ limit: ${GALLERY_PAGE}, cursor })`, role: 'service', run: () => ctx.images.gallery(query) },
          { label: `bare: ... AND id < ? ORDER BY id DESC LIMIT ${GALLERY_PAGE + 1}`, role: 'bare', run: () => bare.all(beforeId, GALLERY_PAGE + 1) },
          { label: `repo.gallery({ limit: ${GALLERY_PAGE + 1}, beforeId })`, role: 'detail', run: () => ctx.repo.gallery({ limit: GALLERY_PAGE + 1, beforeId }) },
        ],
      },
      plans: [{ title: 'bare gallery cursor', sql: BARE_SQL.galleryBefore, parameters: [beforeId, GALLERY_PAGE + 1] }, ...servicePlans('cursor', issued)],
    };
  },
};

const gallerySearch: CaseDefinition = {
  key: 'search',
  async prepare(ctx) {
    const query = GalleryQuery.parse({ limit: GALLERY_PAGE, q: SEARCH_TEXT });
    const match = toFtsQuery(SEARCH_TEXT)!; // '"lighthouse"*', the words as prefixes: the bare queries match the same way
    const matches = (ctx.bare.prepare('SELECT COUNT(*) AS n FROM image_nodes_fts WHERE image_nodes_fts MATCH ?').get(match) as { n: number }).n;
    const bare = ctx.bare.prepare(BARE_SQL.gallerySearch);
    const byNodeId = ctx.bare.prepare(SEARCH_ALTERNATIVES.joinOrderByNodeId);
    const inSubquery = ctx.bare.prepare(SEARCH_ALTERNATIVES.inSubquery);
    const items = (await ctx.images.gallery(query)).items;
    sameRows('gallery search', items, bare.all(match, GALLERY_PAGE + 1).slice(0, GALLERY_PAGE));
    sameRows('gallery search (join, by node id)', items, byNodeId.all(match, GALLERY_PAGE + 1).slice(0, GALLERY_PAGE));
    sameRows('gallery search (IN subquery)', items, inSubquery.all(match, GALLERY_PAGE + 1).slice(0, GALLERY_PAGE));
    const issued = await ctx.statementsOf((s) => s.images.gallery(query));
    const parameters = [match, GALLERY_PAGE + 1];
    return {
      bench: {
        name: `gallery search (q="${SEARCH_TEXT}", ${matches.toLocaleString('en')} matches)`,
        warmup: 10,
        iterations: 100,
        variants: [
          { label: `ImageService.gallery({ limit: ${GALLERY_PAGE}, q })`, role: 'service', run: () => ctx.images.gallery(query) },
          { label: `bare: fts JOIN image_nodes WHERE MATCH ? ORDER BY fts.rowid DESC LIMIT ${GALLERY_PAGE + 1}`, role: 'bare', run: () => bare.all(...parameters) },
          { label: `repo.gallery({ limit: ${GALLERY_PAGE + 1}, q })`, role: 'detail', run: () => ctx.repo.gallery({ limit: GALLERY_PAGE + 1, q: SEARCH_TEXT }) },
          { label: 'other bare: fts JOIN image_nodes ORDER BY n.id DESC', role: 'detail', run: () => byNodeId.all(...parameters) },
          { label: 'other bare: id IN (SELECT rowid FROM fts WHERE MATCH ?) ORDER BY id DESC', role: 'detail', run: () => inSubquery.all(...parameters) },
        ],
      },
      plans: [
        { title: 'bare gallery search', sql: BARE_SQL.gallerySearch, parameters },
        { title: 'other bare search: join, ORDER BY n.id', sql: SEARCH_ALTERNATIVES.joinOrderByNodeId, parameters },
        { title: 'other bare search: IN subquery', sql: SEARCH_ALTERNATIVES.inSubquery, parameters },
        ...servicePlans('search', issued),
      ],
    };
  },
};

const gallerySearchCursor: CaseDefinition = {
  key: 'search-cursor',
  async prepare(ctx) {
    const beforeId = Math.floor(ctx.nodes / 2);
    const query = GalleryQuery.parse({ limit: GALLERY_PAGE, q: SEARCH_TEXT, cursor: encodeGalleryCursor(beforeId) });
    const match = toFtsQuery(SEARCH_TEXT)!;
    const bare = ctx.bare.prepare(BARE_SQL.gallerySearchBefore);
    const inSubquery = ctx.bare.prepare(SEARCH_ALTERNATIVES.inSubqueryBefore);
    const parameters = [match, beforeId, GALLERY_PAGE + 1];
    const otherParameters = [beforeId, match, GALLERY_PAGE + 1];
    const items = (await ctx.images.gallery(query)).items;
    sameRows('gallery search cursor', items, bare.all(...parameters).slice(0, GALLERY_PAGE));
    sameRows('gallery search cursor (IN subquery)', items, inSubquery.all(...otherParameters).slice(0, GALLERY_PAGE));
    const issued = await ctx.statementsOf((s) => s.images.gallery(query));
    return {
      bench: {
        name: `gallery search (q="${SEARCH_TEXT}", cursor mid-store)`,
        warmup: 10,
        iterations: 100,
        variants: [
          { label: `ImageService.gallery({ limit: ${GALLERY_PAGE}, q, cursor })`, role: 'service', run: () => ctx.images.gallery(query) },
          { label: `bare: fts JOIN image_nodes WHERE MATCH ? AND fts.rowid < ? ORDER BY fts.rowid DESC LIMIT ${GALLERY_PAGE + 1}`, role: 'bare', run: () => bare.all(...parameters) },
          { label: `repo.gallery({ limit: ${GALLERY_PAGE + 1}, q, beforeId })`, role: 'detail', run: () => ctx.repo.gallery({ limit: GALLERY_PAGE + 1, q: SEARCH_TEXT, beforeId }) },
          { label: 'other bare: id < ? AND id IN (SELECT rowid FROM fts WHERE MATCH ?) ORDER BY id DESC', role: 'detail', run: () => inSubquery.all(...otherParameters) },
        ],
      },
      plans: [
        { title: 'bare gallery search cursor', sql: BARE_SQL.gallerySearchBefore, parameters },
        { title: 'other bare search cursor: IN subquery', sql: SEARCH_ALTERNATIVES.inSubqueryBefore, parameters: otherParameters },
        ...servicePlans('search cursor', issued),
      ],
    };
  },
};

export const CASES: CaseDefinition[] = [ancestors, tree, gallery, galleryCursor, gallerySearch, gallerySearchCursor];
