/**
 * Recipes in EXIF: A1111 (and Forge, SwarmUI, Fooocus) save a JPEG or WebP with the recipe text
 * in the EXIF UserComment (tag 0x9286): an 8-byte charset code ("UNICODE\0", "ASCII\0\0\0", or
 * zeros) and the text, UTF-16 for UNICODE (piexif, which A1111 uses, writes it big-endian).
 * Fooocus also writes Software (0x0131) "Fooocus v2..." and its scheme in MakerNote (0x927C).
 *
 * The EXIF block is found here (JPEG APP1 "Exif\0\0" segment, WebP "EXIF" chunk) and decoded by
 * exif-reader. exif-reader expands every numeric array a tag declares, so a crafted count could
 * make it build huge arrays: the IFDs are measured first and an oversized block is refused.
 */
import exifReader from 'exif-reader';

/** The largest EXIF block read (a JPEG segment holds at most 64 KiB; a WebP chunk may be larger). */
export const MAX_EXIF_BYTES = 1024 * 1024;
/** The most values exif-reader may build for one block. */
const MAX_EXIF_VALUES = 256 * 1024;
const MAX_SEGMENTS = 1024;

export interface ExifTexts {
  userComment: string | null;
  software: string | null;
  imageDescription: string | null;
  makerNote: string | null;
}

// ---------------------------------------------------------------------------
// Finding the block
// ---------------------------------------------------------------------------

const EXIF_HEADER = Buffer.from('Exif\0\0', 'latin1');

/** The APP1 "Exif" segment's data (from "Exif\0\0") of a JPEG, or null. Stops at the image data. */
export function jpegExifBlock(data: Buffer): Buffer | null {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return null;
  let pos = 2;
  for (let n = 0; n < MAX_SEGMENTS && pos + 4 <= data.length; n++) {
    if (data[pos] !== 0xff) return null;
    const marker = data[pos + 1]!;
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2; // no length
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null; // start of scan / end: no EXIF before it
    const length = data.readUInt16BE(pos + 2);
    if (length < 2 || pos + 2 + length > data.length) return null;
    if (marker === 0xe1 && data.subarray(pos + 4, pos + 10).equals(EXIF_HEADER)) return data.subarray(pos + 4, pos + 2 + length);
    pos += 2 + length;
  }
  return null;
}

/** The "EXIF" chunk's data of a WebP (RIFF) file, or null. */
export function webpExifBlock(data: Buffer): Buffer | null {
  if (data.length < 12 || data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WEBP') return null;
  let pos = 12;
  for (let n = 0; n < MAX_SEGMENTS && pos + 8 <= data.length; n++) {
    const fourcc = data.toString('latin1', pos, pos + 4);
    const size = data.readUInt32LE(pos + 4);
    if (pos + 8 + size > data.length) return null;
    if (fourcc === 'EXIF') return data.subarray(pos + 8, pos + 8 + size);
    pos += 8 + size + (size % 2); // chunks are padded to an even size
  }
  return null;
}

// ---------------------------------------------------------------------------
// Measuring the block before exif-reader reads it
// ---------------------------------------------------------------------------

const TYPE_SIZES = [1, 1, 2, 4, 8, 1, 1, 2, 4, 8];
const POINTER_TAGS: ReadonlySet<number> = new Set([0x8769, 0x8825, 0xa005]);

/**
 * How many values exif-reader would build for this block (every IFD it follows: IFD0, IFD1, Exif,
 * GPS, Interop), or null when the TIFF header is not valid. Each IFD is counted once.
 */
export function exifValueCount(block: Buffer): number | null {
  const start = block.subarray(0, 6).equals(EXIF_HEADER) ? 6 : 0;
  if (block.length < start + 8) return null;
  const order = block.toString('latin1', start, start + 2);
  if (order !== 'II' && order !== 'MM') return null;
  const be = order === 'MM';
  const u16 = (at: number): number => (be ? block.readUInt16BE(at) : block.readUInt16LE(at));
  const u32 = (at: number): number => (be ? block.readUInt32BE(at) : block.readUInt32LE(at));
  const pending = [u32(start + 4) + start];
  const visited = new Set<number>();
  let values = 0;
  while (pending.length > 0 && visited.size < 16) {
    const ifd = pending.pop()!;
    if (visited.has(ifd) || ifd + 2 > block.length) continue;
    visited.add(ifd);
    const entries = u16(ifd);
    for (let i = 0; i < entries; i++) {
      const e = ifd + 2 + 12 * i;
      if (e + 12 > block.length) break;
      const tag = u16(e);
      const type = u16(e + 2);
      const count = u32(e + 4);
      const size = TYPE_SIZES[type - 1];
      values++;
      if (size === undefined) continue;
      // ASCII is scanned byte by byte; numeric types become one array element per value.
      if (type !== 7 && size * count > 4) values += Math.min(count, Math.ceil(block.length / size));
      if (POINTER_TAGS.has(tag)) pending.push(u32(e + 8) + start);
    }
    if (ifd === u32(start + 4) + start && ifd + 2 + 12 * entries + 4 <= block.length) {
      const next = u32(ifd + 2 + 12 * entries);
      if (next !== 0) pending.push(next + start);
    }
  }
  return values;
}

// ---------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------

function stripNuls(text: string): string {
  return text.replace(/\0+$/, '');
}

function utf16(body: Buffer, bigEndian: boolean): string {
  const even = body.subarray(0, body.length - (body.length % 2));
  if (!bigEndian) return even.toString('utf16le');
  const swapped = Buffer.from(even);
  swapped.swap16();
  return swapped.toString('utf16le');
}

/**
 * The text of a UserComment value (a Buffer with its 8-byte charset code, or a string when the
 * writer used the ASCII type). UTF-16 byte order: a BOM when present; else the order whose high
 * bytes are more often zero (text that is mostly Latin); else the EXIF block's own order.
 */
export function decodeUserComment(value: unknown, exifBigEndian: boolean): string | null {
  if (typeof value === 'string') return stripNuls(value);
  if (!Buffer.isBuffer(value)) return null;
  const code = value.toString('latin1', 0, 8);
  const body = value.subarray(8);
  if (code === 'UNICODE\0') {
    if (body[0] === 0xfe && body[1] === 0xff) return stripNuls(utf16(body.subarray(2), true));
    if (body[0] === 0xff && body[1] === 0xfe) return stripNuls(utf16(body.subarray(2), false));
    let zeroEven = 0;
    let zeroOdd = 0;
    for (let i = 0; i + 1 < body.length && i < 4096; i += 2) {
      if (body[i] === 0) zeroEven++;
      if (body[i + 1] === 0) zeroOdd++;
    }
    const bigEndian = zeroEven === zeroOdd ? exifBigEndian : zeroEven > zeroOdd;
    return stripNuls(utf16(body, bigEndian));
  }
  if (value.length >= 8 && (code === 'ASCII\0\0\0' || code === '\0\0\0\0\0\0\0\0' || code.startsWith('JIS\0'))) {
    return stripNuls(body.toString('utf8'));
  }
  return stripNuls(value.toString('utf8'));
}

/** A short ASCII-ish tag value (Software, MakerNote as Fooocus writes it) as text, or null. */
function shortText(value: unknown): string | null {
  if (typeof value === 'string') return stripNuls(value);
  if (Buffer.isBuffer(value) && value.length <= 256) return stripNuls(value.toString('utf8'));
  return null;
}

type Tags = Record<string | number, unknown>;

function tag(ifds: ReadonlyArray<Tags | null | undefined>, name: string, id: number): unknown {
  for (const ifd of ifds) {
    if (!ifd) continue;
    if (Object.hasOwn(ifd, name)) return ifd[name];
    if (Object.hasOwn(ifd, id)) return ifd[id];
  }
  return undefined;
}

/** The recipe-bearing texts of an EXIF block; null when it is not valid EXIF or too large. */
export function readExifTexts(block: Buffer): ExifTexts | null {
  if (block.length > MAX_EXIF_BYTES) return null;
  const count = exifValueCount(block);
  if (count === null || count > MAX_EXIF_VALUES) return null;
  let exif: exifReader.Exif;
  try {
    exif = exifReader(block);
  } catch {
    return null;
  }
  // Writers put these in the Exif IFD (piexif) or in IFD0 (PIL's Image.Exif, as Fooocus does).
  const ifds = [exif.Photo as Tags | undefined, exif.Image as Tags | undefined];
  return {
    userComment: decodeUserComment(tag(ifds, 'UserComment', 0x9286), exif.bigEndian),
    software: shortText(tag(ifds, 'Software', 0x0131)),
    imageDescription: shortText(tag(ifds, 'ImageDescription', 0x010e)),
    makerNote: shortText(tag(ifds, 'MakerNote', 0x927c)),
  };
}

/** The EXIF texts of a JPEG or WebP file; null when it has none. */
export function readImageExifTexts(data: Buffer): ExifTexts | null {
  const block = jpegExifBlock(data) ?? webpExifBlock(data);
  return block ? readExifTexts(block) : null;
}
