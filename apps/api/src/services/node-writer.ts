import type { ActionType } from '@imageflow/shared';
import type { ImageOps, RawPixels } from '../ports/image-ops.port.ts';
import type { ImageStore } from '../ports/image-store.port.ts';
import type { NewNode, NodeFiles, NodeRepository } from '../ports/node.repository.port.ts';
import type { Clock, Random } from '../ports/system.port.ts';
import { bucketOf, imageFilename, imageFilenameOf, originalFilename, thumbnailFilename, type Bucket, type OriginalFormat } from '../lib/filenames.ts';
import { sha256Hex } from '../lib/hash.ts';
import { embedRecipe } from '../lib/recipe-chunks.ts';

export const THUMBNAIL_LONG_SIDE = 256;

export interface NodeDraft {
  png: Buffer;
  /** The pixels of `png`, when its maker has them: the thumbnail is made from them, without decoding `png`. */
  pixels?: RawPixels;
  width: number;
  height: number;
  seed: number | null;
  prompt: string;
  negativePrompt: string;
  model: string;
  provider: string;
  actionType: ActionType;
  spec: Record<string, unknown> & { width: number; height: number };
  requestParams: Record<string, unknown>;
  /** The user the node belongs to; null in single-user mode. */
  ownerId: string | null;
  parent: { id: number; rootId: number; depth: number; sha256: string } | null;
  jobId: string | null;
  /** An upload's file as it came, kept byte for byte beside the PNG shown. */
  original?: { data: Buffer; format: OriginalFormat; sha256: string };
  /** The hash of a recorded parent that is not here yet (the node is a root until it arrives). */
  pendingParentSha256?: string | null;
  /** Store `png` exactly as given (an image from a lineage bundle keeps its bytes and hash); else our recipe chunks are added. */
  verbatim?: boolean;
  /** When it was made, if not now (an image from a bundle keeps its time). */
  createdAt?: string;
}

/** A node whose files are gone, known only by its recipe (a tombstone from a lineage bundle). */
export type TombstoneDraft = Omit<NodeDraft, 'png' | 'pixels' | 'original' | 'verbatim' | 'jobId'> & { sha256: string; bytes: number };

/**
 * Stores images and their nodes so that neither exists without the other: files are logged
 * as pending, written atomically, then the nodes are inserted in one transaction that clears
 * the log. On failure the files are removed; after a crash, `recoverPendingFiles` does it.
 */
export class NodeWriter {
  constructor(
    private readonly nodes: NodeRepository,
    private readonly store: ImageStore,
    private readonly ops: ImageOps,
    private readonly clock: Clock,
    private readonly random: Random,
    /** The instance this writer runs in: its pending files are swept only once it is gone. */
    private readonly instanceId: string,
  ) {}

  /**
   * Stores the images and their nodes; with `job`, also marks it succeeded, while `job.workerId` still
   * runs it. The thumbnails are made while the rest is prepared, the files are written side by side,
   * and each image's sha256 is taken from its bytes in memory while they are being written.
   */
  async write(drafts: NodeDraft[], job?: { id: string; workerId: string }): Promise<number[]> {
    // Begun first: libvips makes them on its own threads while the recipes are embedded and the files
    // logged. From the pixels when the maker handed them over, else from the PNG: the same pixels as
    // the stored file, which differs only by its text chunks.
    const thumbnails = drafts.map((draft) => this.ops.thumbnail(draft.pixels ?? draft.png, THUMBNAIL_LONG_SIDE));
    // Awaited below; until then a failure must not surface as an unhandled rejection.
    for (const thumbnail of thumbnails) thumbnail.catch(() => undefined);
    let ids: number[];
    try {
      ids = await this.nodes.reserveIds(drafts.length);
    } catch (err) {
      await Promise.allSettled(thumbnails);
      throw err;
    }
    const createdAt = this.clock.now().toISOString();
    const images: Array<{ name: string; data: Buffer[] }> = [];
    const files: Array<{ bucket: Bucket; name: string }> = [];
    const originals: Array<{ name: string; data: Buffer } | null> = [];

    for (const [i, draft] of drafts.entries()) {
      const id = ids[i]!;
      const filename = imageFilename(draft.model, draft.actionType, this.random.uuid());
      const png = draft.verbatim ? [draft.png] : embedRecipe(draft.png, {
        nodeId: id,
        parentId: draft.parent?.id ?? null,
        parentSha256: draft.parent?.sha256 ?? null,
        actionType: draft.actionType,
        model: draft.model,
        provider: draft.provider,
        prompt: draft.prompt,
        negativePrompt: draft.negativePrompt,
        spec: draft.spec,
      });
      images.push({ name: filename, data: png });
      files.push({ bucket: 'images', name: filename });
      files.push({ bucket: 'thumbs', name: thumbnailFilename(filename) });
      const original = draft.original ? { name: originalFilename(filename, draft.original.format), data: draft.original.data } : null;
      originals.push(original);
      if (original) files.push({ bucket: 'originals', name: original.name });
    }

    const names = files.map((f) => f.name);
    try {
      await this.nodes.addPendingFiles(names, createdAt, this.instanceId);
    } catch (err) {
      await Promise.allSettled(thumbnails);
      throw err;
    }
    const writes: Array<Promise<void>> = [];
    try {
      for (const [i, image] of images.entries()) {
        writes.push(this.store.put('images', image.name, image.data));
        writes.push(thumbnails[i]!.then((data) => this.store.put('thumbs', thumbnailFilename(image.name), data)));
        const original = originals[i];
        if (original) writes.push(this.store.put('originals', original.name, original.data));
      }
      // Hashed here, on this thread, while the store's writes proceed on others: the same buffers, in the same order.
      const rows = drafts.map((draft, i) => this.row(draft, ids[i]!, images[i]!, originals[i]!, createdAt, job));
      await settled(writes);
      await this.nodes.commitNodes(rows, names, job ? { ...job, finishedAt: this.clock.now().toISOString() } : undefined);
    } catch (err) {
      // Every write has ended, one way or the other, before its file is removed.
      await Promise.allSettled([...writes, ...thumbnails]);
      await this.discard(files);
      await this.nodes.removePendingFiles(names);
      throw err;
    }
    return ids;
  }

  private row(
    draft: NodeDraft,
    id: number,
    image: { name: string; data: Buffer[] },
    original: { name: string } | null,
    createdAt: string,
    job: { id: string } | undefined,
  ): NewNode {
    return {
      id,
      is_root: !draft.parent,
      parent_id: draft.parent?.id ?? null,
      root_id: draft.parent?.rootId ?? id,
      depth: draft.parent ? draft.parent.depth + 1 : 0,
      prompt: draft.prompt,
      negative_prompt: draft.negativePrompt,
      spec: draft.spec,
      request_params: draft.requestParams,
      image_path: `images/${image.name}`,
      filename: image.name,
      action_type: draft.actionType,
      model: draft.model,
      provider: draft.provider,
      seed: draft.seed,
      width: draft.width,
      height: draft.height,
      bytes: image.data.reduce((total, part) => total + part.length, 0),
      sha256: sha256Hex(image.data),
      deleted_at: null,
      created_at: draft.createdAt ?? createdAt,
      job_id: job?.id ?? null,
      owner_id: draft.ownerId,
      original: original ? { filename: original.name, sha256: draft.original!.sha256, bytes: draft.original!.data.length } : null,
      pending_parent_sha256: draft.pendingParentSha256 ?? null,
    };
  }

  /** Inserts a tombstone: a node with its recipe and lineage, and no files. */
  async writeTombstone(draft: TombstoneDraft): Promise<number> {
    const [id] = await this.nodes.reserveIds(1);
    const now = this.clock.now().toISOString();
    await this.nodes.commitNodes(
      [
        {
          id: id!,
          is_root: !draft.parent,
          parent_id: draft.parent?.id ?? null,
          root_id: draft.parent?.rootId ?? id!,
          depth: draft.parent ? draft.parent.depth + 1 : 0,
          prompt: draft.prompt,
          negative_prompt: draft.negativePrompt,
          spec: draft.spec,
          request_params: draft.requestParams,
          image_path: null,
          // A name no file will ever have: the node was deleted before it came here.
          filename: imageFilename(draft.model, draft.actionType, this.random.uuid()),
          action_type: draft.actionType,
          model: draft.model,
          provider: draft.provider,
          seed: draft.seed,
          width: draft.width,
          height: draft.height,
          bytes: draft.bytes,
          sha256: draft.sha256,
          deleted_at: now,
          created_at: draft.createdAt ?? now,
          job_id: null,
          owner_id: draft.ownerId,
          original: null,
          pending_parent_sha256: draft.pendingParentSha256 ?? null,
        },
      ],
      [],
    );
    return id!;
  }

  private async discard(files: Array<{ bucket: Bucket; name: string }>): Promise<void> {
    for (const file of files) await this.store.remove(file.bucket, file.name).catch(() => undefined);
  }

  /**
   * Removes a node's files and leaves its tombstone, so the lineage through it stays whole. The files
   * are logged as pending first: if the instance dies before they are gone, the sweep of its pending
   * files removes them, so a deleted image never stays reachable by its link.
   */
  async delete(node: NodeFiles): Promise<void> {
    const at = this.clock.now().toISOString();
    const files = [node.filename, thumbnailFilename(node.filename), ...(node.original_filename ? [node.original_filename] : [])];
    await this.nodes.addPendingFiles(files, at, this.instanceId);
    await this.nodes.markDeleted(node.id, at);
    for (const name of files) await this.store.remove(bucketOf(name)!, name);
    await this.nodes.removePendingFiles(files);
  }

  /** Removes files of writes and deletes that an instance which is gone left unfinished. */
  async recoverPendingFiles(): Promise<number> {
    const pending = await this.nodes.listOrphanPendingFiles();
    if (pending.length === 0) return 0;
    // A thumbnail or original belongs to the image of the same name.
    const inUse = new Set(await this.nodes.filenamesInUse([...new Set(pending.map(imageFilenameOf))]));
    const orphans = pending.filter((name) => !inUse.has(imageFilenameOf(name)));
    for (const name of orphans) {
      const bucket = bucketOf(name);
      if (bucket) await this.store.remove(bucket, name);
    }
    await this.nodes.removePendingFiles(pending);
    return orphans.length;
  }
}

/** Waits for every one of `writes` to end, then fails with the first failure, if any. */
async function settled(writes: Array<Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(writes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
