/**
 * Pure PNG text-chunk codec (tEXt / zTXt / iTXt). No I/O: Buffers in, Buffers out.
 *
 * Reading walks every chunk (text chunks after IDAT included, which is where
 * e.g. ImageMagick puts them). Writing inserts chunks immediately before the
 * first IDAT, which is where Python PIL (and therefore AUTOMATIC1111) writes
 * them, so readers that stop at IDAT still find them.
 */
import zlib from 'node:zlib';

export type PngTextChunkType = 'tEXt' | 'zTXt' | 'iTXt';

export interface PngTextChunk {
  keyword: string;
  text: string;
  type: PngTextChunkType;
}

export interface PngTextEntry {
  keyword: string;
  text: string;
}

export interface ReadPngTextOptions {
  /**
   * Upper bound on the inflated size of one compressed (zTXt / compressed
   * iTXt) chunk. Larger chunks are skipped (guards against zip bombs).
   * Default 64 MiB.
   */
  maxInflatedBytes?: number;
}

export const PNG_SIGNATURE: Buffer = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const TEXT_TYPES: ReadonlySet<string> = new Set(['tEXt', 'zTXt', 'iTXt']);
const DEFAULT_MAX_INFLATED = 64 * 1024 * 1024;

// ---------------------------------------------------------------------------
// CRC32 (zlib.crc32 exists from Node 20.15 / 22.2; table fallback otherwise)
// ---------------------------------------------------------------------------

let crcTable: Uint32Array | undefined;

/** Table-driven CRC-32, used when `zlib.crc32` is unavailable (Node < 20.15). Exported for tests. */
export function crc32Portable(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const table = crcTable;
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    crc = (table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const nativeCrc32: ((data: Uint8Array) => number) | undefined =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (data) => zlib.crc32(data) >>> 0 : undefined;

/** CRC-32 (ISO-HDLC, as used by PNG) of `data`, as an unsigned 32-bit integer. */
export function crc32(data: Uint8Array): number {
  return nativeCrc32 ? nativeCrc32(data) : crc32Portable(data);
}

// ---------------------------------------------------------------------------
// Chunk walking
// ---------------------------------------------------------------------------

interface RawChunk {
  type: string;
  /** Offset of the chunk's length field. */
  start: number;
  /** Offset one past the chunk's CRC. */
  end: number;
  data: Buffer;
  crc: number;
}

function hasPngSignature(png: Buffer): boolean {
  return png.length >= 8 && png.subarray(0, 8).equals(PNG_SIGNATURE);
}

function assertPng(png: Buffer): void {
  if (!Buffer.isBuffer(png) || !hasPngSignature(png)) throw new Error('not a PNG file');
}

function isChunkTypeByte(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/**
 * Walks the chunk list after the signature. Stops (without throwing) at IEND,
 * at the end of the buffer, or at the first chunk whose framing is broken
 * (truncated, impossible length, non-letter type). `complete` tells whether
 * IEND was reached cleanly.
 */
function walkChunks(png: Buffer): { chunks: RawChunk[]; complete: boolean } {
  const chunks: RawChunk[] = [];
  let pos = 8;
  while (pos + 12 <= png.length) {
    const length = png.readUInt32BE(pos);
    if (length > 0x7fffffff) break;
    const t0 = png[pos + 4]!;
    const t1 = png[pos + 5]!;
    const t2 = png[pos + 6]!;
    const t3 = png[pos + 7]!;
    if (!isChunkTypeByte(t0) || !isChunkTypeByte(t1) || !isChunkTypeByte(t2) || !isChunkTypeByte(t3)) break;
    const end = pos + 12 + length;
    if (end > png.length) break;
    const type = String.fromCharCode(t0, t1, t2, t3);
    chunks.push({
      type,
      start: pos,
      end,
      data: png.subarray(pos + 8, pos + 8 + length),
      crc: png.readUInt32BE(pos + 8 + length),
    });
    pos = end;
    if (type === 'IEND') return { chunks, complete: true };
  }
  return { chunks, complete: false };
}

function crcOk(png: Buffer, c: RawChunk): boolean {
  // CRC covers the type and data fields.
  return crc32(png.subarray(c.start + 4, c.end - 4)) === c.crc;
}

/** Keyword of a text chunk (bytes before the first NUL, Latin-1), or null if malformed. */
function textChunkKeyword(data: Buffer): string | null {
  const nul = data.indexOf(0);
  if (nul < 1) return null;
  return data.toString('latin1', 0, nul);
}

function inflate(data: Buffer, maxOutputLength: number): Buffer {
  return zlib.inflateSync(data, { maxOutputLength });
}

function decodeTextChunk(type: PngTextChunkType, data: Buffer, maxInflated: number): PngTextChunk | null {
  const nul = data.indexOf(0);
  if (nul < 1) return null;
  const keyword = data.toString('latin1', 0, nul);
  const rest = data.subarray(nul + 1);
  switch (type) {
    case 'tEXt':
      return { keyword, text: rest.toString('latin1'), type };
    case 'zTXt': {
      // compression method (must be 0 = zlib), then the compressed stream
      if (rest.length < 1 || rest[0] !== 0) return null;
      return { keyword, text: inflate(rest.subarray(1), maxInflated).toString('latin1'), type };
    }
    case 'iTXt': {
      if (rest.length < 2) return null;
      const compressed = rest[0];
      const method = rest[1];
      let p = 2;
      const langEnd = rest.indexOf(0, p); // language tag (skipped)
      if (langEnd < 0) return null;
      p = langEnd + 1;
      const tkEnd = rest.indexOf(0, p); // translated keyword (skipped)
      if (tkEnd < 0) return null;
      p = tkEnd + 1;
      let body = rest.subarray(p);
      if (compressed === 1) {
        if (method !== 0) return null;
        body = inflate(body, maxInflated);
      } else if (compressed !== 0) {
        return null;
      }
      return { keyword, text: body.toString('utf8'), type };
    }
  }
}

/**
 * Returns every tEXt / zTXt / iTXt chunk in file order, wherever it sits
 * (before or after IDAT). Throws `Error('not a PNG file')` on a bad signature.
 * A truncated or corrupt trailing chunk ends the walk silently; individual
 * text chunks with a bad CRC or undecodable payload are skipped.
 */
export function readPngTextChunks(png: Buffer, opts: ReadPngTextOptions = {}): PngTextChunk[] {
  assertPng(png);
  const maxInflated = opts.maxInflatedBytes ?? DEFAULT_MAX_INFLATED;
  const out: PngTextChunk[] = [];
  for (const c of walkChunks(png).chunks) {
    if (!TEXT_TYPES.has(c.type)) continue;
    if (!crcOk(png, c)) continue;
    try {
      const decoded = decodeTextChunk(c.type as PngTextChunkType, c.data, maxInflated);
      if (decoded) out.push(decoded);
    } catch {
      // bad zlib stream / over the inflate limit: skip this chunk
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

/**
 * Throws unless `keyword` is a valid PNG text keyword: 1-79 printable Latin-1
 * characters (32-126, 161-255), no leading/trailing space, no consecutive spaces.
 */
export function assertValidPngKeyword(keyword: string): void {
  if (typeof keyword !== 'string' || keyword.length < 1 || keyword.length > 79) {
    throw new Error(`invalid PNG text keyword ${JSON.stringify(keyword)}: must be 1-79 characters`);
  }
  for (let i = 0; i < keyword.length; i++) {
    const c = keyword.charCodeAt(i);
    if (!((c >= 32 && c <= 126) || (c >= 161 && c <= 255))) {
      throw new Error(
        `invalid PNG text keyword ${JSON.stringify(keyword)}: character U+${c.toString(16).padStart(4, '0')} is not printable Latin-1`,
      );
    }
  }
  if (keyword.startsWith(' ') || keyword.endsWith(' ')) {
    throw new Error(`invalid PNG text keyword ${JSON.stringify(keyword)}: leading or trailing space`);
  }
  if (keyword.includes('  ')) {
    throw new Error(`invalid PNG text keyword ${JSON.stringify(keyword)}: consecutive spaces`);
  }
}

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 255) return false;
  return true;
}

/** One PNG chunk: length, type, data and CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes one text chunk using PIL's `PngInfo.add_text` rule: tEXt when every
 * character is Latin-1 (code <= 255), otherwise uncompressed UTF-8 iTXt with
 * empty language tag and translated keyword.
 */
export function encodePngTextChunk(entry: PngTextEntry): Buffer {
  const { keyword, text } = entry;
  assertValidPngKeyword(keyword);
  if (typeof text !== 'string') throw new Error(`PNG text for ${JSON.stringify(keyword)} must be a string`);
  if (text.includes('\0')) throw new Error(`PNG text for ${JSON.stringify(keyword)} must not contain NUL characters`);
  const key = Buffer.from(keyword, 'latin1');
  if (isLatin1(text)) {
    return pngChunk('tEXt', Buffer.concat([key, Buffer.from([0]), Buffer.from(text, 'latin1')]));
  }
  // keyword \0 compression-flag(0) compression-method(0) language \0 translated-keyword \0 text
  return pngChunk('iTXt', Buffer.concat([key, Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

/**
 * The PNG with `entries` written as text chunks immediately before the first IDAT, as a list of
 * buffers to write one after the other: the new chunks, and views of the original between them
 * (never a copy of the pixels). Any existing tEXt/zTXt/iTXt chunk (anywhere in the file) whose
 * keyword matches one of the entries is removed first, so writing twice does not duplicate. All
 * other chunks are kept byte-for-byte.
 *
 * Throws on a bad signature, a malformed chunk list, a missing IDAT, an
 * invalid keyword, NUL in a text, or the same keyword twice in `entries`.
 */
export function pngWithTextChunks(png: Buffer, entries: readonly PngTextEntry[]): Buffer[] {
  assertPng(png);
  const encoded = entries.map((e) => encodePngTextChunk(e));
  const keywords = new Set<string>();
  for (const e of entries) {
    if (keywords.has(e.keyword)) throw new Error(`duplicate PNG text keyword ${JSON.stringify(e.keyword)}`);
    keywords.add(e.keyword);
  }

  const { chunks, complete } = walkChunks(png);
  if (!complete) throw new Error('malformed PNG: chunk list is truncated or corrupt (no IEND)');
  if (chunks[0]?.type !== 'IHDR') throw new Error('malformed PNG: first chunk is not IHDR');
  const firstIdat = chunks.findIndex((c) => c.type === 'IDAT');
  if (firstIdat < 0) throw new Error('malformed PNG: no IDAT chunk');

  const parts: Buffer[] = [];
  // A run of kept original bytes [runStart, runEnd), emitted as one view when something else comes.
  let runStart = 0;
  let runEnd = 8;
  const flush = () => {
    if (runEnd > runStart) parts.push(png.subarray(runStart, runEnd));
  };
  chunks.forEach((c, i) => {
    if (i === firstIdat) {
      flush();
      parts.push(...encoded);
      runStart = runEnd = c.start;
    }
    if (TEXT_TYPES.has(c.type)) {
      const kw = textChunkKeyword(c.data);
      if (kw !== null && keywords.has(kw)) {
        // replaced: end the run before this chunk, start a new one after it
        flush();
        runStart = runEnd = c.end;
        return;
      }
    }
    runEnd = c.end;
  });
  flush();
  return parts;
}

/** `pngWithTextChunks` as one buffer. */
export function writePngTextChunks(png: Buffer, entries: readonly PngTextEntry[]): Buffer {
  return Buffer.concat(pngWithTextChunks(png, entries));
}

/** Width and height from the IHDR chunk. Throws if the buffer is not a PNG or IHDR is missing. */
export function pngDimensions(png: Buffer): { width: number; height: number } {
  assertPng(png);
  if (png.length < 8 + 8 + 13 || png.readUInt32BE(8) !== 13 || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('malformed PNG: missing IHDR');
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
