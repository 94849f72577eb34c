import { NotFoundError } from '../errors.ts';
import { BUCKET_NOUN } from '../lib/filenames.ts';
import type { Bucket, ImageStore, StoredFile } from '../ports/image-store.port.ts';
import type { NodeRepository } from '../ports/node.repository.port.ts';
import { mayAccess, type Actor } from './access.ts';


/** Opens stored images and thumbnails for serving; the caller closes what it gets. */
export class FileService {
  constructor(
    private readonly store: ImageStore,
    private readonly nodes: NodeRepository,
  ) {}

  /** Opens a file of a node `actor` may see (for image URLs that are not public). */
  async openOwn(actor: Actor, bucket: Bucket, filename: string, imageFilename: string): Promise<StoredFile> {
    const node = await this.nodes.findByFilename(imageFilename);
    if (!node || !mayAccess(actor, node.owner_id)) throw new NotFoundError(`No ${BUCKET_NOUN[bucket]} named ${filename}; it may have been deleted.`);
    return this.open(bucket, filename);
  }

  async open(bucket: Bucket, filename: string): Promise<StoredFile> {
    const file = await this.store.open(bucket, filename);
    if (!file) throw new NotFoundError(`No ${BUCKET_NOUN[bucket]} named ${filename}; it may have been deleted.`);
    return file;
  }
}
