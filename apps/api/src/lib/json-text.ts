/**
 * JSON text of a T, assembled in parts by the code that built the answer (answerText in
 * services/presenter.ts) and sent as it is. `T` documents what the text parses to; nothing checks it, so
 * every writer of such text is tested against JSON.stringify of the object it stands for.
 *
 * Kept in parts because V8 makes a string of more than 128 KB slowly (about 2.3 ms for a 1,000-node tree
 * page of 675 KB here, more than the parts cost to make); the route writes the parts straight into the
 * bytes it sends (toBuffer).
 */
export class JsonText<T> {
  declare readonly __jsonOf?: T;

  /**
   * The text made of these parts in this order, or the text whose UTF-8 bytes these are (an answer kept as
   * it was sent), with the compressed forms kept with it (`encodings`: null for a text made for one answer).
   */
  constructor(
    private readonly content: readonly string[] | Buffer,
    private readonly encodings: Map<string, Buffer> | null = null,
  ) {}

  /** The bytes compressed by `compress` as `encoding`, made once and kept, for a kept text; else null. */
  encoded(encoding: string, compress: (bytes: Buffer) => Buffer): Buffer | null {
    if (!this.encodings) return null;
    let bytes = this.encodings.get(encoding);
    if (!bytes) {
      bytes = compress(this.toBuffer());
      this.encodings.set(encoding, bytes);
    }
    return bytes;
  }

  /** The whole text as one string (tests; small answers). */
  toString(): string {
    return Buffer.isBuffer(this.content) ? this.content.toString('utf8') : this.content.join('');
  }

  /** The UTF-8 bytes of the text, written part by part into one buffer. */
  toBuffer(): Buffer {
    if (Buffer.isBuffer(this.content)) return this.content;
    let size = 0;
    for (const part of this.content) size += Buffer.byteLength(part);
    const bytes = Buffer.allocUnsafe(size);
    let offset = 0;
    for (const part of this.content) offset += bytes.write(part, offset);
    return bytes;
  }
}
