import type { ImageNode } from '@imageflow/shared';
import { apiError, json, type FakeHttp } from './fake-http';

/**
 * The image routes of the API over a few nodes held in memory, with the trash as the server keeps
 * it: DELETE moves to the trash, ?forever=true leaves a tombstone, POST .../restore takes it back,
 * GET /api/trash lists the trash (most recently trashed first, keyset-paged), and the gallery shows
 * only live images. Tests read and change `nodes` directly; `now` stamps what happens.
 */
export function serveImages(http: FakeHttp, initial: ImageNode[], { purgeAfterDays = 30, now = () => new Date().toISOString() } = {}) {
  const nodes = new Map(initial.map((n) => [n.id, { ...n }]));
  const idOf = (path: string) => Number(path.split('/')[3]);
  const found = (id: number) => nodes.get(id);
  const notFound = (id: number) => apiError(404, 'not_found', `No image with id ${id}.`);
  const live = (n: ImageNode) => n.deleted_at === null && n.trashed_at === null;

  http
    .on('GET', '/api/images', (req) => {
      const params = new URL(req.url, 'http://x').searchParams;
      const items = [...nodes.values()].filter(live).sort((a, b) => b.id - a.id);
      const q = params.get('q');
      return json(200, { items: q ? items.filter((n) => n.prompt.includes(q)) : items, next_cursor: null });
    })
    .on('GET', /^\/api\/images\/\d+$/, (req) => {
      const node = found(idOf(req.path));
      return node ? json(200, node) : notFound(idOf(req.path));
    })
    .on('GET', /^\/api\/images\/\d+\/lineage$/, (req) => {
      const node = found(idOf(req.path));
      if (!node) return notFound(idOf(req.path));
      const tree = [...nodes.values()].filter((n) => n.root_id === node.root_id);
      const path: number[] = [];
      for (let at: ImageNode | undefined = node; at; at = at.parent_id === null ? undefined : found(at.parent_id)) path.unshift(at.id);
      const scope = new URL(req.url, 'http://x').searchParams.get('scope');
      const list = scope === 'descendants' ? tree.filter((n) => n.parent_id === node.id) : tree;
      return json(200, { root_id: node.root_id, focus_id: node.id, path, nodes: list, truncated: false, next_cursor: null });
    })
    .on('DELETE', /^\/api\/images\/\d+$/, (req) => {
      const id = idOf(req.path);
      const node = found(id);
      if (!node) return notFound(id);
      if (new URL(req.url, 'http://x').searchParams.get('forever') === 'true') {
        if (!node.deleted_at) Object.assign(node, { deleted_at: now(), url: null, thumbnail_url: null, image_path: null });
      } else if (!node.deleted_at && !node.trashed_at) {
        node.trashed_at = now();
      }
      return json(200, node);
    })
    .on('POST', /^\/api\/images\/\d+\/restore$/, (req) => {
      const id = idOf(req.path);
      const node = found(id);
      if (!node) return notFound(id);
      if (node.deleted_at) return apiError(409, 'conflict', `Image ${id} was deleted for good; its recipe is all that is left.`);
      if (!node.trashed_at) return apiError(409, 'conflict', `Image ${id} is not in the trash.`);
      node.trashed_at = null;
      return json(200, node);
    })
    .on('GET', '/api/trash', (req) => {
      const params = new URL(req.url, 'http://x').searchParams;
      const limit = Number(params.get('limit') ?? 50);
      const start = Number(params.get('cursor') ?? 0);
      const all = [...nodes.values()]
        .filter((n) => n.trashed_at !== null && n.deleted_at === null)
        .sort((a, b) => b.trashed_at!.localeCompare(a.trashed_at!) || b.id - a.id);
      const items = all.slice(start, start + limit);
      return json(200, { items, next_cursor: start + limit < all.length ? String(start + limit) : null, purge_after_days: purgeAfterDays });
    });
  return nodes;
}
