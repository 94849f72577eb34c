import { NotFoundError } from '../errors.ts';
import type { Bucket, ImageStore, StoredFile } from '../ports/image-store.port.ts';

/** Opens stored images and thumbnails for serving; the caller closes what it gets. */
export class FileService {
  constructor(private readonly store: ImageStore) {}

  async open(bucket: Bucket, filename: string): Promise<StoredFile> {
    const file = await this.store.open(bucket, filename);
    if (!file) throw new NotFoundError(`No ${bucket === 'images' ? 'image' : 'thumbnail'} named ${filename}; it may have been deleted.`);
    return file;
  }
}
