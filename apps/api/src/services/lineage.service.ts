import type { Lineage } from '@imageflow/shared';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { JsonText } from '../lib/json-text.ts';
import type { NodeRepository, StoredNode, TreePage } from '../ports/node.repository.port.ts';
import { presentStored, withStoredJson, type PresentedStored } from './presenter.ts';
import type { PublicUrls } from './public-urls.ts';
import { mayAccess, type Actor } from './access.ts';

export type LineageScope = 'tree' | 'ancestors' | 'descendants';

export class LineageService {
  constructor(
    private readonly nodes: NodeRepository,
    private readonly urls: PublicUrls,
  ) {}

  /**
   * The tree around a node `actor` may see (a tree has one owner, so the whole tree is theirs), as
   * the JSON text of a Lineage: the nodes' stored recipes go in as they are (see withStoredJson).
   */
  async lineage(id: number, scope: LineageScope, limit: number, actor: Actor, cursor?: string): Promise<JsonText<Lineage>> {
    const focus = await this.nodes.findById(id);
    if (!focus || !mayAccess(actor, focus.owner_id)) throw new NotFoundError(`No image with id ${id}.`);
    const after = cursor === undefined ? undefined : decodeTreeCursor(cursor);
    const rootId = Number(focus.root_id);

    let page: TreePage<StoredNode>;
    let path: number[];
    if (scope === 'ancestors') {
      // One walk up the chain gives both the path and the nodes, paged root-first by depth.
      const rows = await this.nodes.stored.ancestors(id);
      path = rows.map((r) => Number(r.id));
      const from = after ? rows.findIndex((r) => r.depth > after.depth) : 0;
      const rest = from < 0 ? [] : rows.slice(from);
      page = { rows: rest.slice(0, limit), hasMore: rest.length > limit };
    } else {
      path = await this.nodes.ancestorIds(id);
      page =
        scope === 'descendants' ? await this.nodes.stored.descendantsPage(id, limit, after) : await this.nodes.stored.treePage(rootId, limit, after);
    }

    const last = page.rows.at(-1);
    const answer: Omit<Lineage, 'nodes'> & { nodes: PresentedStored[] } = {
      root_id: rootId,
      focus_id: id,
      path,
      nodes: page.rows.map((r) => presentStored(r, this.urls)),
      truncated: page.hasMore,
      next_cursor: page.hasMore && last ? encodeTreeCursor(last.depth, Number(last.id)) : null,
    };
    return withStoredJson(JSON.stringify(answer), page.rows);
  }
}

export function encodeTreeCursor(depth: number, id: number): string {
  return Buffer.from(`t:${depth}:${id}`).toString('base64url');
}

export function decodeTreeCursor(cursor: string): { depth: number; id: number } {
  const match = /^t:(\d+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('cursor is not valid: pass the next_cursor of the previous page unchanged.');
  return { depth: Number(match[1]), id: Number(match[2]) };
}
