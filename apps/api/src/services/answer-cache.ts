/** An answer kept as the bytes sent, with its compressed forms, made when first asked for. */
export interface KeptAnswer {
  bytes: Buffer;
  encodings: Map<string, Buffer>;
}

/**
 * Answers about lineage trees, kept by this process as the bytes sent, each with the version of its
 * tree it was made at (NodeRepository.findFocus, counted up by the database whenever a node of the
 * tree is written, by any process): an answer is sent again only while its tree is still at that
 * version. The least recently used go first once the answers kept pass `maxBytes` (their compressed
 * forms, about a tenth of them each, come on top).
 */
export class TreeAnswerCache {
  private readonly entries = new Map<string, { version: number; answer: KeptAnswer }>();
  private size = 0;

  constructor(private readonly maxBytes: number) {}

  /** The answer kept under `key`, if it was made at `version`. */
  get(key: string, version: number): KeptAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.version !== version) {
      this.size -= entry.answer.bytes.length;
      return undefined;
    }
    // Back of the map: its order is least to most recently used.
    this.entries.set(key, entry);
    return entry.answer;
  }

  /** Keeps `bytes` under `key` at `version` (unless they alone take over a quarter of the room); returns them as kept. */
  set(key: string, version: number, bytes: Buffer): KeptAnswer {
    const answer: KeptAnswer = { bytes, encodings: new Map() };
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.size -= old.answer.bytes.length;
    }
    if (bytes.length > this.maxBytes / 4) return answer;
    this.entries.set(key, { version, answer });
    this.size += bytes.length;
    for (const [oldest, entry] of this.entries) {
      if (this.size <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.size -= entry.answer.bytes.length;
    }
    return answer;
  }

  /** Bytes kept now (without the compressed forms). */
  get bytes(): number {
    return this.size;
  }
}
