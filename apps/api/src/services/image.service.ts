import type { GalleryPage, GalleryQuery, ImageNode } from '@imageflow/shared';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { ImageOps } from '../ports/image-ops.port.ts';
import type { ImageStore } from '../ports/image-store.port.ts';
import type { NodeRepository } from '../ports/node.repository.port.ts';
import type { Clock } from '../ports/system.port.ts';
import { thumbnailFilename } from '../lib/filenames.ts';
import { readPngTextChunks } from '../lib/png-text.ts';
import { parseA1111Parameters } from '../lib/a1111-parameters.ts';
import type { NodeWriter } from './node-writer.ts';
import { toImageNode } from './presenter.ts';

/** The largest upload accepted, in pixels (a 64-megapixel image, e.g. 8192×8192). */
export const MAX_UPLOAD_PIXELS = 8192 * 8192;

export class ImageService {
  constructor(
    private readonly nodes: NodeRepository,
    private readonly store: ImageStore,
    private readonly ops: ImageOps,
    private readonly writer: NodeWriter,
    private readonly clock: Clock,
  ) {}

  async get(id: number): Promise<ImageNode> {
    const row = await this.nodes.findById(id);
    if (!row) throw new NotFoundError(`No image with id ${id}.`);
    return toImageNode(row);
  }

  /** Adds `base64` of each live image's PNG. */
  async withBase64(images: ImageNode[]): Promise<ImageNode[]> {
    return Promise.all(
      images.map(async (image) =>
        image.deleted_at ? image : { ...image, base64: (await this.store.get('images', image.filename)).toString('base64') },
      ),
    );
  }

  async setStarred(id: number, starred: boolean): Promise<ImageNode> {
    const node = await this.get(id);
    if (node.deleted_at) throw new ValidationError(`Image ${id} was deleted and can no longer be starred.`);
    await this.nodes.setStarred(id, starred);
    return this.get(id);
  }

  /**
   * Removes the files and leaves a tombstone, so the lineage through this node stays whole. The
   * files are logged as pending first: if the process dies before they are gone, the next start
   * removes them, so a deleted image never stays reachable by its link.
   */
  async delete(id: number): Promise<ImageNode> {
    const node = await this.get(id);
    if (node.deleted_at) return node;
    const files = [node.filename, thumbnailFilename(node.filename)];
    await this.nodes.addPendingFiles(files, this.clock.now().toISOString());
    await this.nodes.markDeleted(id, this.clock.now().toISOString());
    await this.store.remove('images', node.filename);
    await this.store.remove('thumbs', thumbnailFilename(node.filename));
    await this.nodes.removePendingFiles(files);
    return this.get(id);
  }

  async gallery(query: GalleryQuery): Promise<GalleryPage> {
    const beforeId = query.cursor === undefined ? undefined : decodeGalleryCursor(query.cursor);
    const rows = await this.nodes.gallery({
      limit: query.limit + 1,
      beforeId,
      q: query.q || undefined,
      model: query.model,
      actionType: query.action_type,
      starred: query.starred,
    });
    const items = rows.slice(0, query.limit).map(toImageNode);
    const last = items.at(-1);
    return { items, next_cursor: rows.length > query.limit && last ? encodeGalleryCursor(last.id) : null };
  }

  /** Imports an image as a new root. A recipe embedded by AUTOMATIC1111-style tools is kept as its prompt. */
  async upload(data: Buffer, originalName: string | undefined): Promise<ImageNode> {
    const decoded = await this.ops.toPng(data, MAX_UPLOAD_PIXELS);
    const recipe = embeddedA1111Recipe(data);
    const [id] = await this.writer.write([
      {
        png: decoded.png,
        width: decoded.width,
        height: decoded.height,
        seed: recipe?.seed ?? null,
        prompt: recipe?.prompt ?? '',
        negativePrompt: recipe?.negativePrompt ?? '',
        model: 'upload',
        provider: 'upload',
        actionType: 'upload',
        spec: { width: decoded.width, height: decoded.height, ...(recipe ? { imported_parameters: recipe.raw } : {}) },
        requestParams: { original_filename: originalName ?? null, bytes: data.length },
        parent: null,
        jobId: null,
      },
    ]);
    return this.get(id!);
  }
}

function embeddedA1111Recipe(data: Buffer): { prompt: string; negativePrompt: string; seed: number | null; raw: string } | null {
  try {
    const text = readPngTextChunks(data).find((c) => c.keyword === 'parameters')?.text;
    if (!text) return null;
    const parsed = parseA1111Parameters(text);
    return { prompt: parsed.prompt, negativePrompt: parsed.negativePrompt ?? '', seed: parsed.seed, raw: text };
  } catch {
    return null;
  }
}

export function encodeGalleryCursor(id: number): string {
  return Buffer.from(`g:${id}`).toString('base64url');
}

export function decodeGalleryCursor(cursor: string): number {
  const match = /^g:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new ValidationError('cursor is not valid: pass the next_cursor of the previous page unchanged.');
  return Number(match[1]);
}
