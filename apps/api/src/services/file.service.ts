import { NotFoundError } from '../errors.ts';
import { BUCKET_NOUN } from '../lib/filenames.ts';
import type { Bucket, ImageStore, StoredFile } from '../ports/image-store.port.ts';
import type { NodeRepository } from '../ports/node.repository.port.ts';
import { mayAccess, type Actor } from './access.ts';

/** Told of every file a store removes or writes. */
export type FileChangeListener = (bucket: Bucket, filename: string) => void;

/** A store that tells when a file is removed or written (the local folder and S3 stores do). */
interface TellsChanges {
  onChange(listener: FileChangeListener): () => void;
}

/** A store that can hand out a URL a client may fetch a file from directly (S3, when set to redirect). */
interface HandsOutUrls {
  directUrl(bucket: Bucket, filename: string): string | null;
}

/** Opens stored images and thumbnails for serving; the caller closes what it gets. */
export class FileService {
  constructor(
    private readonly store: ImageStore,
    private readonly nodes: NodeRepository,
  ) {}

  /** Opens a file of a node `actor` may see (for image URLs that are not public). */
  async openOwn(actor: Actor, bucket: Bucket, filename: string, imageFilename: string): Promise<StoredFile> {
    await this.checkOwn(actor, bucket, filename, imageFilename);
    return this.open(bucket, filename);
  }

  /** Throws NotFoundError unless `actor` may see the node `filename` belongs to. */
  async checkOwn(actor: Actor, bucket: Bucket, filename: string, imageFilename: string): Promise<void> {
    const node = await this.nodes.findByFilename(imageFilename);
    if (!node || !mayAccess(actor, node.owner_id)) throw new NotFoundError(`No ${BUCKET_NOUN[bucket]} named ${filename}; it may have been deleted.`);
  }

  async open(bucket: Bucket, filename: string): Promise<StoredFile> {
    const file = await this.store.open(bucket, filename);
    if (!file) throw new NotFoundError(`No ${BUCKET_NOUN[bucket]} named ${filename}; it may have been deleted.`);
    return file;
  }

  /**
   * Calls `listener` for each file the store removes or writes, from the moment the remove or write begins
   * until it has ended; null when the store cannot tell (then nothing may keep copies of its files).
   */
  watchChanges(listener: FileChangeListener): (() => void) | null {
    const store = this.store as Partial<TellsChanges>;
    return typeof store.onChange === 'function' ? store.onChange(listener) : null;
  }

  /** A URL the client may fetch the file from itself, when the store is set to hand them out; null otherwise. */
  directUrl(bucket: Bucket, filename: string): string | null {
    const store = this.store as Partial<HandsOutUrls>;
    return typeof store.directUrl === 'function' ? store.directUrl(bucket, filename) : null;
  }
}
