import { MAX_PROMPT_LENGTH, type BulkAction, type GalleryPage, type GalleryQuery, type ImageNode, type TrashPage, type TrashQuery } from '@imageflow/shared';
import { BusyError, ConflictError, NotFoundError, PayloadTooLargeError, UnsupportedMediaError, ValidationError } from '../errors.ts';
import type { ImageOps } from '../ports/image-ops.port.ts';
import type { ImageStore } from '../ports/image-store.port.ts';
import type { NodeRepository, NodesChange, NodeWithCounts } from '../ports/node.repository.port.ts';
import type { Clock } from '../ports/system.port.ts';
import { Slots } from '../lib/slots.ts';
import { describeUnsupported, sniffImageFormat, UPLOAD_FORMATS_TEXT, type UploadFormat } from '../lib/image-format.ts';
import { sha256Hex } from '../lib/hash.ts';
import { zipImages, type ImagesZip, type ZipImage } from '../lib/image-zip.ts';
import { readEmbeddedRecipe } from '../lib/recipe-chunks.ts';
import { MAX_ORIGINAL_FILENAME_LENGTH, storableImportedText } from '../lib/imported-recipe.ts';
import { readRecipe } from '../lib/recipes/index.ts';
import { specFromRecipe } from '../lib/recipes/spec.ts';
import type { JsonText } from '../lib/json-text.ts';
import type { NodeDraft, NodeWriter } from './node-writer.ts';
import { answerText, nodeText, toImageNode } from './presenter.ts';
import type { PublicUrls } from './public-urls.ts';
import { mayAccess, ownerScope, type Actor } from './access.ts';

/** The largest upload accepted, in pixels (a 64-megapixel image, e.g. 8192×8192). */
export const MAX_UPLOAD_PIXELS = 8192 * 8192;
/**
 * How many pixels of uploads are decoded at once: one image of the largest size, or many small
 * ones. Decoding and re-encoding holds a few bytes a pixel several times over, so this bounds memory.
 */
export const UPLOAD_PIXEL_BUDGET = MAX_UPLOAD_PIXELS;
/** How long an upload waits for room in that budget before it is refused with 429. */
export const DECODE_WAIT_MS = 3000;
/** The largest image inlined as base64 in a JSON response; bigger ones are fetched from their URL. */
export const MAX_BASE64_BYTES = 16 * 1024 * 1024;

export class ImageService {
  private readonly decodeBudget = new Slots(UPLOAD_PIXEL_BUDGET);

  constructor(
    private readonly nodes: NodeRepository,
    private readonly store: ImageStore,
    private readonly ops: ImageOps,
    private readonly writer: NodeWriter,
    private readonly urls: PublicUrls,
    private readonly clock: Clock,
    /** Days an image stays in the trash before it is purged. */
    readonly trashDays: number,
  ) {}

  /** The node, if `actor` may see it (404 otherwise, as for an id that does not exist). */
  async get(id: number, actor: Actor): Promise<ImageNode> {
    return toImageNode(await this.row(id, actor), this.urls);
  }

  private async row(id: number, actor: Actor): Promise<NodeWithCounts> {
    return mine(await this.nodes.findById(id), id, actor);
  }

  /** Adds `base64` of each live image's PNG. */
  async withBase64(images: ImageNode[]): Promise<ImageNode[]> {
    const tooLarge = images.find((image) => !image.deleted_at && image.bytes > MAX_BASE64_BYTES);
    if (tooLarge) {
      throw new PayloadTooLargeError(
        `Image ${tooLarge.id} is ${(tooLarge.bytes / 1024 / 1024).toFixed(1)} MB, more than the ${MAX_BASE64_BYTES / 1024 / 1024} MB inlined as base64; leave out include_base64 and download it from its url.`,
      );
    }
    return Promise.all(
      images.map(async (image) => {
        if (image.deleted_at) return image;
        const png = await this.store.get('images', image.filename);
        if (!png) throw new NotFoundError(`Image ${image.id} was deleted while it was being read.`);
        return { ...image, base64: png.toString('base64') };
      }),
    );
  }

  async setStarred(id: number, starred: boolean, actor: Actor): Promise<ImageNode> {
    const starrable = (node: ImageNode) => {
      if (node.deleted_at) throw new ValidationError(`Image ${id} was deleted and can no longer be starred.`);
      if (node.trashed_at) throw new ValidationError(`Image ${id} is in the trash; restore it first (POST /api/images/${id}/restore).`);
    };
    starrable(await this.get(id, actor));
    // Changed only while it is neither trashed nor deleted: one trashed in between is told as such, unstarred.
    if (!(await this.nodes.updateMany([id], { starred }, undefined))) {
      starrable(await this.get(id, actor));
      throw new ConflictError(`Image ${id} was being changed elsewhere at the same time; reload and try again.`);
    }
    return this.get(id, actor);
  }

  /** Live images of one owner (null: single-user mode, everything) and the bytes of their files. */
  async usage(ownerId: string | null): Promise<{ images: number; bytes: number }> {
    const rows = await this.nodes.usage(ownerId === null ? undefined : ownerId);
    return rows.reduce((sum, r) => ({ images: sum.images + r.images, bytes: sum.bytes + r.bytes }), { images: 0, bytes: 0 });
  }

  usageByOwner(): Promise<Array<{ owner_id: string | null; images: number; bytes: number }>> {
    return this.nodes.usage();
  }

  /** Moves the image to the trash: hidden from the gallery, files kept, restorable until it is purged. */
  async trash(id: number, actor: Actor): Promise<ImageNode> {
    const node = await this.get(id, actor);
    if (node.deleted_at || node.trashed_at) return node;
    await this.nodes.setTrashed(id, this.clock.now().toISOString());
    return this.get(id, actor);
  }

  async restore(id: number, actor: Actor): Promise<ImageNode> {
    const node = await this.get(id, actor);
    if (node.deleted_at) throw new ConflictError(`Image ${id} was deleted for good; its recipe is all that is left.`);
    if (!node.trashed_at || !(await this.nodes.setTrashed(id, null))) throw new ConflictError(`Image ${id} is not in the trash.`);
    return this.get(id, actor);
  }

  /**
   * One action on many images (each id once, however often named), all or nothing, as each image's
   * own route would do it. Every id is checked first: one that is not the actor's (or not there) is
   * a 404, as everywhere; starring one in the trash or deleted for good a 400; restoring one not in
   * the trash or deleted for good a 409. Then the change is made in one transaction. Trashing an
   * image already in the trash or deleted for good leaves it as it is, as DELETE /api/images/:id
   * does. Answers the images as they are now, in the order named.
   */
  async bulk(ids: readonly number[], action: BulkAction, actor: Actor): Promise<ImageNode[]> {
    const unique = [...new Set(ids)];
    // Twice at most: an image changed by someone else between the check and the change is checked again.
    for (let attempt = 1; ; attempt++) {
      const rows = await this.bulkRows(unique, action, actor);
      const toChange = action === 'trash' ? rows.filter((r) => r.trashed_at === null && r.deleted_at === null) : rows;
      const change: NodesChange =
        action === 'star' || action === 'unstar' ? { starred: action === 'star' } : { trashedAt: action === 'trash' ? this.clock.now().toISOString() : null };
      if (await this.nodes.updateMany(toChange.map((r) => r.id), change, ownerScope(actor))) break;
      if (attempt === 2) throw new ConflictError('These images were being changed elsewhere at the same time; nothing was changed. Reload and try again.');
    }
    const byId = new Map((await this.nodes.findByIds(unique)).map((r) => [r.id, r]));
    return unique.map((id) => {
      const row = byId.get(id);
      // Deleted for good, a node stays as a tombstone; one that is gone altogether is said as such.
      if (!row) throw new NotFoundError(`Image ${id} was removed while this was being done; reload and try again.`);
      return toImageNode(row, this.urls);
    });
  }

  /** The images a bulk action names, each able to take it; else the error that says which are not (up to a few named). */
  private async bulkRows(ids: readonly number[], action: BulkAction, actor: Actor): Promise<NodeWithCounts[]> {
    const found = new Map((await this.nodes.findByIds(ids)).filter((r) => mayAccess(actor, r.owner_id)).map((r) => [r.id, r]));
    const rows = ids.flatMap((id) => found.get(id) ?? []);
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new NotFoundError(`${missing.length === 1 ? 'No image with id' : 'No images with ids'} ${someIds(missing)}; nothing was changed. Leave ${missing.length === 1 ? 'it' : 'them'} out of ids.`);
    }
    const idsOf = (pick: (r: NodeWithCounts) => boolean) => rows.filter(pick).map((r) => r.id);
    const they = (list: number[], one = 'is', many = 'are') => (list.length === 1 ? `Image ${list[0]} ${one}` : `Images ${someIds(list)} ${many}`);
    const deleted = idsOf((r) => r.deleted_at !== null);
    if (action === 'star' || action === 'unstar') {
      const verb = action === 'star' ? 'starred' : 'unstarred';
      if (deleted.length > 0) throw new ValidationError(`${they(deleted, 'was', 'were')} deleted for good and can no longer be ${verb}; nothing was changed. Leave ${deleted.length === 1 ? 'it' : 'them'} out of ids.`);
      const inTrash = idsOf((r) => r.trashed_at !== null);
      if (inTrash.length > 0) throw new ValidationError(`${they(inTrash)} in the trash; nothing was changed. Restore ${inTrash.length === 1 ? 'it' : 'them'} first (action "restore"), or leave ${inTrash.length === 1 ? 'it' : 'them'} out of ids.`);
    }
    if (action === 'restore') {
      if (deleted.length > 0) throw new ConflictError(`${they(deleted, 'was', 'were')} deleted for good; only the recipe is left. Nothing was restored: leave ${deleted.length === 1 ? 'it' : 'them'} out of ids.`);
      const notInTrash = idsOf((r) => r.trashed_at === null);
      if (notInTrash.length > 0) throw new ConflictError(`${they(notInTrash)} not in the trash. Nothing was restored: leave ${notInTrash.length === 1 ? 'it' : 'them'} out of ids.`);
    }
    return rows;
  }

  /** My trash, most recently trashed first (an admin's too: emptying it must never touch another user's images). */
  async trashed(query: TrashQuery, actor: Actor): Promise<TrashPage> {
    const after = query.cursor === undefined ? undefined : decodeTrashCursor(query.cursor);
    const rows = await this.nodes.trashPage(actor.id ?? undefined, query.limit + 1, after);
    const items = rows.slice(0, query.limit).map((r) => toImageNode(r, this.urls));
    const last = items.at(-1);
    return { items, next_cursor: rows.length > query.limit && last ? encodeTrashCursor(last.trashed_at!, last.id) : null, purge_after_days: this.trashDays };
  }

  /** Removes the files now (from the trash or not); the node stays in its lineage as a tombstone. */
  async deleteForever(id: number, actor: Actor): Promise<ImageNode> {
    const row = await this.row(id, actor);
    if (row.deleted_at === null) await this.writer.delete({ id, filename: row.filename, original_filename: row.original?.filename ?? null });
    return this.get(id, actor);
  }

  /** A gallery page as the JSON text of a GalleryPage, its nodes' JSON made by the database (see nodeText). */
  async gallery(query: GalleryQuery, actor: Actor): Promise<JsonText<GalleryPage>> {
    const pastId = query.cursor === undefined ? undefined : decodeGalleryCursor(query.cursor);
    const rows = await this.nodes.json.gallery({
      limit: query.limit + 1,
      order: query.order,
      pastId,
      q: query.q || undefined,
      model: query.model,
      actionType: query.action_type,
      starred: query.starred,
      ownerId: ownerScope(actor),
    });
    const hasMore = rows.length > query.limit;
    if (hasMore) rows.length = query.limit;
    const last = rows.at(-1);
    const items = rows.map((r) => nodeText(r, this.urls));
    return answerText({}, 'items', items, { next_cursor: hasMore && last ? encodeGalleryCursor(last.id) : null });
  }

  /**
   * The PNGs of these images as one .zip, in the order given (each once), streamed. Every id is
   * checked before the first byte: one that is not mine (or not there) is a 404, as it is
   * everywhere, and one deleted for good, whose file is gone, a 409. Images in the trash still
   * have their files, and come along.
   */
  async download(ids: readonly number[], actor: Actor): Promise<ImagesZip & { filename: string }> {
    const unique = [...new Set(ids)];
    const found = new Map((await this.nodes.findByIds(unique)).map((r) => [r.id, r]));
    const images: Array<ZipImage & { filename: string }> = [];
    for (const id of unique) {
      const row = mine(found.get(id), id, actor);
      if (row.deleted_at !== null) throw new ConflictError(`Image ${id} was deleted for good, and its file with it; leave it out of ids.`);
      const uploadedAs = row.request_params.original_filename;
      const title = row.prompt.trim() || (typeof uploadedAs === 'string' ? uploadedAs.replace(/\.[a-z0-9]{1,5}$/i, '') : '');
      images.push({ id, title, bytes: row.bytes, created_at: row.created_at, filename: row.filename });
    }
    const zip = zipImages(images, async (image) => {
      const file = await this.store.open('images', image.filename);
      if (!file) throw new NotFoundError(`Image ${image.id} was deleted while the .zip was being written; download again.`);
      return file.body();
    });
    return { ...zip, filename: images.length === 1 ? `imageflow-${images[0]!.id}.zip` : `imageflow-${images.length}-images.zip` };
  }

  /**
   * Imports an image. The file is kept byte for byte beside the PNG shown. An image ImageFlow made
   * (its `imageflow` chunk) is known again: the same file is the node it already is, and one whose
   * parent is here is attached under it with its recorded recipe (else it waits, as a root, for its
   * parent to arrive). A recipe embedded by other tools is kept, held to the limits of a prompt
   * sent to the API. `signal` aborts when the client has gone: nothing is stored for it.
   */
  async upload(data: Buffer, originalName: string | undefined, actor: Actor, signal?: AbortSignal): Promise<{ node: ImageNode; created: boolean }> {
    const format = sniffImageFormat(data);
    if (!format) {
      throw new UnsupportedMediaError(`The file is ${describeUnsupported(data)}; ImageFlow imports ${UPLOAD_FORMATS_TEXT} images.`);
    }
    const sha256 = sha256Hex(data);
    const same = await this.nodes.findBySha256(sha256, actor.id, { live: true });
    if (same) return { node: toImageNode(same, this.urls), created: false };
    const { width, height } = await this.ops.probe(data);
    const waited = AbortSignal.timeout(DECODE_WAIT_MS);
    let release: () => void;
    try {
      release = await this.decodeBudget.acquire(signal ? AbortSignal.any([signal, waited]) : waited, width * height);
    } catch (err) {
      if (waited.aborted) throw new BusyError('Other large images are being imported right now; send this one again in a few seconds.', 5);
      throw err;
    }
    try {
      return { node: await this.importDecoded({ data, format, sha256 }, originalName, actor, signal), created: true };
    } finally {
      release();
    }
  }

  private async importDecoded(
    file: { data: Buffer; format: UploadFormat; sha256: string },
    originalName: string | undefined,
    actor: Actor,
    signal?: AbortSignal,
  ): Promise<ImageNode> {
    const decoded = await this.ops.toPng(file.data, MAX_UPLOAD_PIXELS);
    const ours = file.format === 'png' ? readEmbeddedRecipe(file.data) : null;
    const parent = ours?.parentSha256 ? await this.nodes.findBySha256(ours.parentSha256, actor.id, { live: false }) : undefined;
    signal?.throwIfAborted();
    const requestParams = {
      original_filename: originalName === undefined ? null : storableImportedText(originalName, MAX_ORIGINAL_FILENAME_LENGTH),
      bytes: file.data.length,
    };
    const common = {
      png: decoded.png,
      width: decoded.width,
      height: decoded.height,
      requestParams,
      jobId: null,
      ownerId: actor.id,
      original: { data: file.data, format: file.format, sha256: file.sha256 },
    };
    let draft: NodeDraft;
    if (ours) {
      const seed = ours.spec.seed;
      draft = {
        ...common,
        seed: typeof seed === 'number' && Number.isSafeInteger(seed) ? seed : null,
        prompt: storableImportedText(ours.prompt, MAX_PROMPT_LENGTH),
        negativePrompt: storableImportedText(ours.negativePrompt, MAX_PROMPT_LENGTH),
        model: storableImportedText(ours.model, 200) || 'upload',
        provider: /^[a-z0-9_-]{1,40}$/.test(ours.provider) ? ours.provider : 'upload',
        // Under its parent, what it recorded; waiting for its parent, an upload until the parent comes.
        actionType: parent || !ours.parentSha256 ? ours.actionType : 'upload',
        spec: { ...ours.spec, recorded_action: ours.actionType, imported_from: { tool: 'imageflow', node_id: ours.nodeId } },
        parent: parent ? { id: parent.id, rootId: parent.root_id, depth: parent.depth, sha256: parent.sha256 } : null,
        pendingParentSha256: parent ? null : ours.parentSha256,
      };
    } else {
      const recipe = await readRecipe(file.data);
      const spec = recipe ? specFromRecipe(recipe, decoded) : { width: decoded.width, height: decoded.height };
      draft = {
        ...common,
        seed: typeof spec.seed === 'number' ? spec.seed : null,
        prompt: recipe?.prompt ?? '',
        negativePrompt: recipe?.negative_prompt ?? '',
        model: 'upload',
        provider: 'upload',
        actionType: 'upload',
        spec,
        parent: null,
      };
    }
    const [id] = await this.writer.write([draft]);
    const node = await this.row(id!, actor);
    // Children that came first, waiting for this image, now hang under it.
    await this.nodes.adoptOrphans({ id: node.id, rootId: node.root_id, depth: node.depth }, [file.sha256, node.sha256], actor.id);
    return this.get(id!, actor);
  }
}

/** The node with this id if `actor` may see it; else the 404 every route gives, for a node missing or not theirs alike. */
function mine(row: NodeWithCounts | undefined, id: number, actor: Actor): NodeWithCounts {
  if (!row || !mayAccess(actor, row.owner_id)) throw new NotFoundError(`No image with id ${id}.`);
  return row;
}

/** Up to five ids, then how many more: "3, 5 and 8", "1, 2, 3, 4, 5 and 12 more". */
function someIds(ids: readonly number[]): string {
  const SHOWN = 5;
  if (ids.length === 1) return String(ids[0]);
  if (ids.length <= SHOWN) return `${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;
  return `${ids.slice(0, SHOWN).join(', ')} and ${ids.length - SHOWN} more`;
}

export function encodeGalleryCursor(id: number): string {
  return Buffer.from(`g:${id}`).toString('base64url');
}

export function decodeGalleryCursor(cursor: string): number {
  const match = /^g:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('cursor is not valid: pass the next_cursor of the previous page unchanged.');
  return Number(match[1]);
}

function encodeTrashCursor(trashedAt: string, id: number): string {
  return Buffer.from(`t:${trashedAt}:${id}`).toString('base64url');
}

function decodeTrashCursor(cursor: string): { trashedAt: string; id: number } {
  const match = /^t:(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z):(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('cursor is not valid: pass the next_cursor of the previous page unchanged.');
  return { trashedAt: match[1]!, id: Number(match[2]) };
}
