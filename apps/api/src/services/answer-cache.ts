/**
 * Answers about lineage trees, kept by this process as the bytes sent, each with the version of its
 * tree it was made at (NodeRepository.treeVersion, counted up by the database whenever a node of the
 * tree is written, by any process): an answer is sent again only while its tree is still at that
 * version. The least recently used go first once the answers kept pass `maxBytes`.
 */
export class TreeAnswerCache {
  private readonly entries = new Map<string, { version: number; bytes: Buffer }>();
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** The answer kept under `key`, if it was made at `version`. */
  get(key: string, version: number): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.version !== version) {
      this.size -= entry.bytes.length;
      return undefined;
    }
    // Back of the map: its order is least to most recently used.
    this.entries.set(key, entry);
    return entry.bytes;
  }

  set(key: string, version: number, bytes: Buffer): void {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.size -= old.bytes.length;
    }
    // One answer never takes more than a quarter of the room.
    if (bytes.length > this.maxBytes / 4) return;
    this.entries.set(key, { version, bytes });
    this.size += bytes.length;
    for (const [oldest, entry] of this.entries) {
      if (this.size <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.size -= entry.bytes.length;
    }
  }

  /** Bytes kept now. */
  get bytes(): number {
    return this.size;
  }
}
