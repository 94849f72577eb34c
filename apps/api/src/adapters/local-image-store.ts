import crypto from 'node:crypto';
import type { ReadStream, Stats } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Bucket, ByteRange, ImageStore, StoredFile } from '../ports/image-store.port.ts';
import { bucketOf, BUCKETS } from '../lib/filenames.ts';

const TEMP_PREFIX = '.tmp-';
/** Read-ahead of a file's body: a thumbnail in one read, a full-size PNG in a few, small enough to hold for many readers at once. */
const MAX_READ_CHUNK = 512 * 1024;

type ChangeListener = (bucket: Bucket, filename: string) => void;

/** Images in `{root}/images`, thumbnails in `{root}/thumbs`; each write goes to a temp file, is synced, then renamed. */
export class LocalImageStore implements ImageStore {
  private readonly listeners = new Set<ChangeListener>();

  private constructor(private readonly root: string) {}

  /**
   * Calls `listener` when a remove or a write of a file begins and again when it has ended (whether it worked
   * or not), so that a copy of the file kept elsewhere can be dropped. Returns a function that stops the calls.
   */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(bucket: Bucket, filename: string): void {
    for (const listener of this.listeners) listener(bucket, filename);
  }

  static async open(root: string): Promise<LocalImageStore> {
    for (const bucket of BUCKETS) await fs.mkdir(path.join(root, bucket), { recursive: true });
    return new LocalImageStore(path.resolve(root));
  }

  private pathOf(bucket: Bucket, filename: string): string {
    const valid = bucketOf(filename) === bucket;
    if (!valid) throw new Error(`refusing a file name the store did not make: ${JSON.stringify(filename)}`);
    return path.join(this.root, bucket, filename);
  }

  async put(bucket: Bucket, filename: string, data: Buffer | readonly Buffer[]): Promise<void> {
    const target = this.pathOf(bucket, filename);
    this.changed(bucket, filename);
    try {
      await this.write(bucket, target, data);
    } finally {
      this.changed(bucket, filename);
    }
  }

  private async write(bucket: Bucket, target: string, data: Buffer | readonly Buffer[]): Promise<void> {
    const temp = path.join(this.root, bucket, `${TEMP_PREFIX}${crypto.randomUUID()}`);
    const handle = await fs.open(temp, 'wx');
    try {
      // Each writeFile continues where the last one ended.
      for (const part of Buffer.isBuffer(data) ? [data] : data) await handle.writeFile(part);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await fs.rename(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
  }

  async get(bucket: Bucket, filename: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(this.pathOf(bucket, filename));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** The body is read from the descriptor opened here, so a file removed meanwhile is still read whole. */
  async open(bucket: Bucket, filename: string): Promise<StoredFile | null> {
    let handle: FileHandle;
    try {
      handle = await fs.open(this.pathOf(bucket, filename), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      const stats = await handle.stat();
      if (stats.isFile()) return new OpenLocalFile(handle, stats);
    } catch (err) {
      await handle.close();
      throw err;
    }
    await handle.close();
    return null;
  }

  async remove(bucket: Bucket, filename: string): Promise<void> {
    const file = this.pathOf(bucket, filename);
    this.changed(bucket, filename);
    try {
      await fs.rm(file, { force: true });
    } finally {
      this.changed(bucket, filename);
    }
  }

  async sweepIncomplete(olderThan?: Date): Promise<number> {
    let removed = 0;
    for (const bucket of BUCKETS) {
      const dir = path.join(this.root, bucket);
      for (const name of await fs.readdir(dir)) {
        if (!name.startsWith(TEMP_PREFIX)) continue;
        const file = path.join(dir, name);
        if (olderThan) {
          const stats = await fs.stat(file).catch(() => null);
          if (!stats || stats.mtime >= olderThan) continue;
        }
        await fs.rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }
}

/**
 * Files are written once under a new name and never change, so mtime and size make a strong validator; written
 * as nginx writes it (hex seconds, hex bytes), so that nginx serving the folder (deploy/nginx) gives the same.
 */
class OpenLocalFile implements StoredFile {
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  private stream: ReadStream | null = null;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly handle: FileHandle,
    stats: Stats,
  ) {
    this.size = stats.size;
    this.etag = `"${Math.floor(stats.mtimeMs / 1000).toString(16)}-${stats.size.toString(16)}"`;
    this.lastModified = stats.mtime;
  }

  body(range?: ByteRange): Readable {
    if (this.stream || this.closed) throw new Error('the body of a stored file can be taken once, and only before it is closed');
    const start = range?.start ?? 0;
    const end = range?.end ?? this.size - 1;
    // autoClose: the stream closes the descriptor when it ends, fails or is destroyed. The file never changes,
    // so reading stops at its known end without a read that finds it.
    this.stream = this.handle.createReadStream({
      start,
      end: this.size === 0 ? undefined : end,
      autoClose: true,
      highWaterMark: Math.min(MAX_READ_CHUNK, Math.max(1, end - start + 1)),
    });
    return this.stream;
  }

  close(): Promise<void> {
    this.closed ??= this.stream ? destroyed(this.stream) : this.handle.close();
    return this.closed;
  }
}

/** Destroys the stream and resolves once it has closed its descriptor. */
function destroyed(stream: ReadStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.destroy();
  });
}
