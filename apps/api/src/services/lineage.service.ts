import { createHash } from 'node:crypto';
import type { Lineage, LineageSummary } from '@imageflow/shared';
import { NotFoundError, ValidationError } from '../errors.ts';
import { JsonText } from '../lib/json-text.ts';
import type { NodeRepository, TreePage, TreeReads } from '../ports/node.repository.port.ts';
import { answerText, nodeText, summaryText } from './presenter.ts';
import type { PublicUrls } from './public-urls.ts';
import type { TreeAnswerCache } from './answer-cache.ts';
import { mayAccess, type Actor } from './access.ts';
import { BUILD } from '../version.ts';

export type LineageScope = 'tree' | 'ancestors' | 'descendants';
export type LineageFields = 'full' | 'summary';

/** What a lineage answer is about: its focus, the focus's tree, and which page of which part of it. */
interface LineageRequest {
  id: number;
  rootId: number;
  scope: LineageScope;
  limit: number;
  after: { depth: number; id: number } | undefined;
}

/** A page of the nodes a lineage answer holds, and the ids from the root to its focus. */
interface LineagePage<N> {
  path: number[];
  page: TreePage<N>;
  nextCursor: string | null;
}

export class LineageService {
  constructor(
    private readonly nodes: NodeRepository,
    private readonly urls: PublicUrls,
    /** Answers kept and sent again while their tree is unchanged; null: every answer is made anew. */
    private readonly cache: TreeAnswerCache | null = null,
  ) {}

  /**
   * The tree around a node `actor` may see (a tree has one owner, so the whole tree is theirs), as
   * the JSON text of a Lineage, its nodes' JSON made by the database (see nodeText); with fields
   * 'summary', of a LineageSummary (see summaryText).
   */
  async lineage(id: number, scope: LineageScope, limit: number, actor: Actor, cursor?: string, fields?: 'full'): Promise<JsonText<Lineage>>;
  async lineage(id: number, scope: LineageScope, limit: number, actor: Actor, cursor: string | undefined, fields: 'summary'): Promise<JsonText<LineageSummary>>;
  async lineage(id: number, scope: LineageScope, limit: number, actor: Actor, cursor?: string, fields?: LineageFields): Promise<JsonText<Lineage | LineageSummary>>;
  async lineage(id: number, scope: LineageScope, limit: number, actor: Actor, cursor?: string, fields: LineageFields = 'full'): Promise<JsonText<Lineage | LineageSummary>> {
    return (await this.find(id, scope, limit, actor, cursor, fields)).text();
  }

  /**
   * The lineage answer asked for, once `actor` may see it: its validator at once (a client that holds it
   * needs nothing more: the focus and its tree's version were read, not the page), its text when asked for.
   */
  async find(id: number, scope: LineageScope, limit: number, actor: Actor, cursor?: string, fields: LineageFields = 'full'): Promise<LineageAnswer> {
    // The tree's version is read with the focus, before the answer: what is read after it is at least as
    // new, so an answer kept under a version never holds less than that version had.
    const focus = await this.nodes.findFocus(id);
    if (!focus || !mayAccess(actor, focus.owner_id)) throw new NotFoundError(`No image with id ${id}.`);
    const after = cursor === undefined ? undefined : decodeTreeCursor(cursor);
    const request: LineageRequest = { id, rootId: focus.root_id, scope, limit, after };
    // The root is part of the key: versions are counted per tree, and a node can move to another tree.
    const key = JSON.stringify([request.rootId, fields, scope, id, limit, cursor ?? null, this.urls.prefix()]);
    const cache = this.cache;
    return {
      etag: answerTag(key, focus.tree_version),
      text: async () => {
        if (!cache) return this.answer(request, fields);
        const kept = cache.get(key, focus.tree_version) ?? cache.set(key, focus.tree_version, (await this.answer(request, fields)).toBuffer());
        return new JsonText(kept.bytes, kept.encodings);
      },
    };
  }

  private async answer(request: LineageRequest, fields: LineageFields): Promise<JsonText<Lineage | LineageSummary>> {
    const answer = <N>({ path, page, nextCursor }: LineagePage<N>, text: (row: N) => string) =>
      answerText<Lineage | LineageSummary>({ root_id: request.rootId, focus_id: request.id, path }, 'nodes', page.rows.map(text), {
        truncated: page.hasMore,
        next_cursor: nextCursor,
      });
    if (fields === 'summary') return answer(await this.page(this.nodes.summaries, request), (r) => summaryText(r, this.urls));
    return answer(await this.page(this.nodes.json, request), (r) => nodeText(r, this.urls));
  }

  private async page<N extends PageNode>(reads: TreeReads<N>, { id, rootId, scope, limit, after }: LineageRequest): Promise<LineagePage<N>> {
    let page: TreePage<N>;
    let path: number[];
    if (scope === 'ancestors') {
      // One walk up the chain gives both the path and the nodes, paged root-first by depth.
      const rows = await reads.ancestors(id);
      path = rows.map((r) => Number(r.id));
      const from = after ? rows.findIndex((r) => r.depth > after.depth) : 0;
      const rest = from < 0 ? [] : rows.slice(from);
      page = { rows: rest.slice(0, limit), hasMore: rest.length > limit };
    } else if (scope === 'tree') {
      page = await reads.treePage(rootId, limit, after);
      // A tree's first page holds every node above any node it holds: when the focus is on it, so is its path,
      // and the statement that walks up to the root is not needed (a round trip less for most opens).
      path = (after ? null : pathWithin(page.rows, id)) ?? (await this.nodes.ancestorIds(id));
    } else {
      // One after the other: on PostgreSQL, the path's short statement on a second connection beside the page
      // cost more (CPU of the client and the server both) than the round trip it saved (bench/lineage).
      path = await this.nodes.ancestorIds(id);
      page = await reads.descendantsPage(id, limit, after);
    }
    const last = page.rows.at(-1);
    return { path, page, nextCursor: page.hasMore && last ? encodeTreeCursor(last.depth, Number(last.id)) : null };
  }
}

/** A lineage answer found: its validator, and its text, made (or taken from those kept) when asked for. */
export interface LineageAnswer {
  /** A weak entity tag: the same for the same question about the same version of a tree, asked of the same build. */
  etag: string;
  text(): Promise<JsonText<Lineage | LineageSummary>>;
}

/**
 * The ETag of the answer to `key` (the question, the URLs' prefix among it) at the tree's `version`: the
 * version (from the clock, never given twice: migration 016) and a digest of the question and the build.
 * Weak: the same tag names the plain and the compressed bytes.
 */
function answerTag(key: string, version: number): string {
  const digest = createHash('sha1').update(BUILD).update('\0').update(key).digest('base64url').slice(0, 20);
  return `W/"${version.toString(36)}.${digest}"`;
}

/** What a page's rows tell of their place in the tree. */
type PageNode = { id: number; parent_id: number | null; depth: number };

/**
 * The ids from the root down to `id`, read off rows that hold a node's parent whenever they hold the node
 * (a tree's first page: breadth-first from the root); null when `id` is not among them or its chain leaves them.
 */
export function pathWithin(rows: readonly PageNode[], id: number): number[] | null {
  const parents = new Map<number, number | null>();
  for (const row of rows) parents.set(row.id, row.parent_id);
  const path: number[] = [];
  for (let at: number | null | undefined = id; at !== null; at = parents.get(at)) {
    if (at === undefined || path.length > rows.length) return null;
    path.push(at);
  }
  return path.reverse();
}

export function encodeTreeCursor(depth: number, id: number): string {
  return Buffer.from(`t:${depth}:${id}`).toString('base64url');
}

export function decodeTreeCursor(cursor: string): { depth: number; id: number } {
  const match = /^t:(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('cursor is not valid: pass the next_cursor of the previous page unchanged.');
  return { depth: Number(match[1]), id: Number(match[2]) };
}
