import type { Readable } from 'node:stream';

import type { Bucket } from '../lib/filenames.ts';

export type { Bucket };

/** Inclusive byte positions, as in `Content-Range: bytes start-end/size`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A stored file held open: its size, validators and body all belong to the same file, even if
 * the file is removed while it is being read.
 */
export interface StoredFile {
  readonly size: number;
  /** A strong entity tag, quoted: `"..."`. */
  readonly etag: string;
  readonly lastModified: Date;
  /** The content, or one range of it; may be taken once. The file closes itself when the stream ends or is destroyed. */
  body(range?: ByteRange): Readable;
  /** Releases the file. Idempotent; required when no body is taken (HEAD, 304, 416), harmless after. */
  close(): Promise<void>;
}

/** Where image files live. Writes are atomic: a reader never sees a half-written file. */
export interface ImageStore {
  /** Stores `data` (or its buffers one after the other) under `filename`, whole or not at all. */
  put(bucket: Bucket, filename: string, data: Buffer | readonly Buffer[]): Promise<void>;
  /** The whole file; null when there is no such file (it may have been deleted a moment ago). */
  get(bucket: Bucket, filename: string): Promise<Buffer | null>;
  /** Opens a file for reading; null when there is no such file. */
  open(bucket: Bucket, filename: string): Promise<StoredFile | null>;
  /** Removes a file; a missing file is not an error. */
  remove(bucket: Bucket, filename: string): Promise<void>;
  /** Deletes leftovers of writes that never finished (those begun before `olderThan`, or all); returns how many. */
  sweepIncomplete(olderThan?: Date): Promise<number>;
}
