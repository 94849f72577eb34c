import { Readable, Transform, type TransformCallback } from 'node:stream';
import { contentTypeOf } from '../lib/filenames.ts';
import type { Bucket, ByteRange, StoredFile } from '../ports/image-store.port.ts';

/**
 * What a cached file costs beyond its bytes (the entry, its key and its ready-made headers), so that a cache
 * of many small validator-only entries is bounded too.
 */
const ENTRY_OVERHEAD = 512;

export interface FileCacheOptions {
  /** The most the entries may take together, bytes included. 0: nothing is cached. */
  maxBytes: number;
  /** Files larger than this keep only their validators (enough for a 304 or a HEAD); their bodies are read from the store. */
  maxFileBytes: number;
  /**
   * How long an entry is served before the store is asked again whether the file is still there (one open, no
   * read). Removes made through this process's store drop the entry at once; this bounds how late a remove made
   * by another process (sharing the folder or bucket) is seen. 0: the store is asked on every request.
   */
  recheckMs: number;
  now?: () => number;
}

/** Headers made once per entry for the paths that answer without the framework (see fast-files.ts). */
export interface PreparedHeaders {
  envelope: readonly string[];
  ok: string[];
  notModified: string[];
}

/** One stored file as the cache holds it: its validators and, when small enough, its bytes. */
export class CachedFile {
  readonly contentType: string;
  /** When the store last said this file is there, as `now()` counts. */
  checkedAt: number;
  /** Filled in by the fast path, for the envelope it was made with. */
  prepared: PreparedHeaders | null = null;

  constructor(
    readonly key: string,
    readonly bucket: Bucket,
    readonly filename: string,
    readonly size: number,
    readonly etag: string,
    readonly lastModified: Date,
    readonly bytes: Buffer | null,
    checkedAt: number,
  ) {
    this.contentType = contentTypeOf(filename);
    this.checkedAt = checkedAt;
  }

  get cost(): number {
    return (this.bytes?.length ?? 0) + ENTRY_OVERHEAD;
  }
}

/** The cache key of a file: the path it is served at, so that a request's path finds it as it is. */
export function fileKey(bucket: Bucket, filename: string): string {
  return `/${bucket}/${filename}`;
}

/**
 * A bounded in-memory LRU of stored files, for answering the hot ones (thumbnails above all) without touching
 * the store. Stored files never change under their name, so an entry stays right until the file is removed:
 * `changed()` (called for every remove and write the store makes) drops it at once, also when a read that
 * began before the remove finishes after it; removes by other processes are seen within `recheckMs`.
 */
export class FileCache {
  readonly maxBytes: number;
  readonly maxFileBytes: number;
  readonly recheckMs: number;
  private readonly now: () => number;
  /** In least- to most-recently used order. */
  private readonly entries = new Map<string, CachedFile>();
  private used = 0;
  /** Reads that may end in an insert, and the keys changed while any of them was going. */
  private filling = 0;
  private changes = 0;
  private readonly changedWhileFilling = new Map<string, number>();
  /** Files whose bytes an answer is reading into the cache now. */
  private readonly reading = new Set<string>();

  constructor(options: FileCacheOptions) {
    this.maxBytes = Math.max(0, options.maxBytes);
    this.maxFileBytes = Math.max(0, Math.min(options.maxFileBytes, this.maxBytes - ENTRY_OVERHEAD));
    this.recheckMs = Math.max(0, options.recheckMs);
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.maxBytes > ENTRY_OVERHEAD;
  }

  /** Bytes the entries take, overheads included; never above `maxBytes`. */
  get size(): number {
    return this.used;
  }

  get count(): number {
    return this.entries.size;
  }

  has(bucket: Bucket, filename: string): boolean {
    return this.entries.has(fileKey(bucket, filename));
  }

  /** The entry at `key` if the store was asked about it recently enough; marks it used. */
  fresh(key: string): CachedFile | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || this.now() - entry.checkedAt >= this.recheckMs) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** The file at `key` changed in the store (removed, or written): its entry goes, and no read begun before may put it back. */
  changed(key: string): void {
    this.drop(key);
    this.changes++;
    if (this.filling > 0) this.changedWhileFilling.set(key, this.changes);
  }

  /**
   * Opens a file for an answer: from memory when it is cached and recently checked; otherwise from the store,
   * whose file is then kept (its validators, and its bytes once a whole body has been read) for the next request.
   * A cached file the store no longer has is dropped, and `open` throws what the store's opener threw.
   */
  async open(bucket: Bucket, filename: string, open: () => Promise<StoredFile>): Promise<StoredFile> {
    if (!this.enabled) return open();
    const key = fileKey(bucket, filename);
    const hit = this.fresh(key);
    if (hit?.bytes) return new MemoryFile(hit, hit.bytes);
    const fill = this.beginFill(key);
    let file: StoredFile;
    try {
      file = await open();
    } catch (err) {
      fill.end();
      this.drop(key);
      throw err;
    }
    const known = this.entries.get(key);
    if (known?.bytes && known.etag === file.etag && known.size === file.size) {
      // Still there and still the same: the bytes in memory serve, the store's file is let go.
      if (fill.unchanged()) known.checkedAt = this.now();
      fill.end();
      await file.close();
      return new MemoryFile(known, known.bytes);
    }
    if (file.size > this.maxFileBytes || this.reading.has(key)) {
      // Too large to keep whole, or being kept by another answer already: this one reads from the store.
      if (!this.entries.get(key)?.bytes) fill.insert(this.entry(key, bucket, filename, file, null));
      fill.end();
      return file;
    }
    this.reading.add(key);
    return new FillingFile(file, (bytes) => {
      this.reading.delete(key);
      if (bytes) fill.insert(this.entry(key, bucket, filename, file, bytes));
      else if (!this.entries.get(key)?.bytes) fill.insert(this.entry(key, bucket, filename, file, null));
      fill.end();
    });
  }

  /**
   * The validators of a file, for answers that need no body: from the cache when checked recently enough,
   * otherwise from the store (opened and let go without reading). Throws what the store's opener threw.
   */
  async validators(bucket: Bucket, filename: string, open: () => Promise<StoredFile>): Promise<CachedFile> {
    const key = fileKey(bucket, filename);
    const hit = this.fresh(key);
    if (hit) return hit;
    const fill = this.beginFill(key);
    let file: StoredFile;
    try {
      file = await open();
    } catch (err) {
      fill.end();
      this.drop(key);
      throw err;
    }
    try {
      const known = this.entries.get(key);
      if (known && known.etag === file.etag && known.size === file.size) {
        if (fill.unchanged()) known.checkedAt = this.now();
        return known;
      }
      const entry = this.entry(key, bucket, filename, file, null);
      fill.insert(entry);
      return entry;
    } finally {
      fill.end();
      await file.close();
    }
  }

  private entry(key: string, bucket: Bucket, filename: string, file: StoredFile, bytes: Buffer | null): CachedFile {
    return new CachedFile(key, bucket, filename, file.size, file.etag, file.lastModified, bytes, this.now());
  }

  private beginFill(key: string) {
    this.filling++;
    const since = this.changes;
    let ended = false;
    const unchanged = () => (this.changedWhileFilling.get(key) ?? 0) <= since;
    return {
      unchanged,
      insert: (entry: CachedFile) => {
        if (!ended && unchanged()) this.insert(entry);
      },
      end: () => {
        if (ended) return;
        ended = true;
        if (--this.filling === 0) this.changedWhileFilling.clear();
      },
    };
  }

  private insert(entry: CachedFile): void {
    if (!this.enabled || entry.cost > this.maxBytes) return;
    this.drop(entry.key);
    this.entries.set(entry.key, entry);
    this.used += entry.cost;
    for (const [key, oldest] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.entries.delete(key);
      this.used -= oldest.cost;
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.used -= entry.cost;
  }
}

/** A cached file opened for one answer: nothing to release, the body comes from memory. */
export class MemoryFile implements StoredFile {
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;

  constructor(
    readonly entry: CachedFile,
    private readonly whole: Buffer,
  ) {
    this.size = entry.size;
    this.etag = entry.etag;
    this.lastModified = entry.lastModified;
  }

  /** The bytes of the whole file or of one range, without a copy. */
  bytes(range?: ByteRange): Buffer {
    return range ? this.whole.subarray(range.start, range.end + 1) : this.whole;
  }

  body(range?: ByteRange): Readable {
    return Readable.from([this.bytes(range)]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A store's file whose whole body, as it goes out, is also kept: `done` gets the bytes when every one of them
 * has been read, and null when they were not (a range, HEAD, 304, a failed or aborted read).
 */
class FillingFile implements StoredFile {
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  private finished = false;

  constructor(
    private readonly file: StoredFile,
    private readonly done: (bytes: Buffer | null) => void,
  ) {
    this.size = file.size;
    this.etag = file.etag;
    this.lastModified = file.lastModified;
  }

  private finish(bytes: Buffer | null): void {
    if (this.finished) return;
    this.finished = true;
    this.done(bytes);
  }

  body(range?: ByteRange): Readable {
    const source = this.file.body(range);
    if (range && !(range.start === 0 && range.end === this.size - 1)) {
      this.finish(null);
      return source;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    const tee = new Transform({
      transform: (chunk: Buffer, _enc, next: TransformCallback) => {
        chunks.push(chunk);
        length += chunk.length;
        next(null, chunk);
      },
      flush: (next: TransformCallback) => {
        this.finish(length === this.size ? compact(chunks, length) : null);
        next();
      },
    });
    // Either side failing or being destroyed ends the other: the store's file is released as before.
    source.once('error', (err) => tee.destroy(err));
    tee.once('close', () => {
      this.finish(null);
      if (!source.destroyed) source.destroy();
    });
    source.pipe(tee);
    return tee;
  }

  close(): Promise<void> {
    this.finish(null);
    return this.file.close();
  }
}

/** The chunks in one buffer of its own (not a slice of a shared pool), so that an entry holds only its bytes. */
function compact(chunks: readonly Buffer[], length: number): Buffer {
  const bytes = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const chunk of chunks) at += chunk.copy(bytes, at);
  return bytes;
}
