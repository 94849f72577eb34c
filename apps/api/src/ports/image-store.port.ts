export type Bucket = 'images' | 'thumbs';

/** Where image files live. Writes are atomic: a reader never sees a half-written file. */
export interface ImageStore {
  put(bucket: Bucket, filename: string, data: Buffer): Promise<void>;
  get(bucket: Bucket, filename: string): Promise<Buffer>;
  exists(bucket: Bucket, filename: string): Promise<boolean>;
  /** Removes a file; a missing file is not an error. */
  remove(bucket: Bucket, filename: string): Promise<void>;
  /** Deletes leftovers of writes that never finished; returns how many. */
  sweepIncomplete(): Promise<number>;
  /** Folder that holds a bucket, for adapters served straight from disk; null otherwise. */
  localRoot(bucket: Bucket): string | null;
}
