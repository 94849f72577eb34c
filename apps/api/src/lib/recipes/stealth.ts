/**
 * "Stealth pnginfo" (the sd-webui-stealth-pnginfo extension, also written by NovelAI): the recipe
 * hidden in the least significant bits of the alpha channel, read column by column (x outer, y
 * inner), one bit per pixel, most significant bit first:
 *
 *   signature  15 bytes  "stealth_pnginfo" (UTF-8 text) or "stealth_pngcomp" (gzip)
 *   length     32 bits   the payload length in BITS
 *   payload    length bits
 *
 * Decoding pixels is the costly part, so the reader works in two steps: it first decodes only the
 * corner that holds the signature (the first 120 pixels of the first column(s)), and only when the
 * signature is there the columns that hold the payload, whose size it bounds first. The
 * extension's RGB form ("stealth_rgbinfo", three bits per pixel in images without alpha) is not
 * read: it would mean decoding every upload that has no recipe.
 */
import zlib from 'node:zlib';
import sharp from 'sharp';
import { MAX_TEXT_CHUNK_BYTES } from '../imported-recipe.ts';

export const STEALTH_SIGNATURES = ['stealth_pnginfo', 'stealth_pngcomp'] as const;
export type StealthSignature = (typeof STEALTH_SIGNATURES)[number];

const SIGNATURE_BITS = 15 * 8;
const LENGTH_BITS = 32;

export interface StealthOptions {
  /** The largest image (width × height) decoded. Default 50 megapixels. */
  maxPixels?: number;
  /** The largest payload read, in bytes (compressed or not). Default MAX_TEXT_CHUNK_BYTES. */
  maxPayloadBytes?: number;
}

export interface StealthText {
  signature: StealthSignature;
  text: string;
}

const DEFAULT_MAX_PIXELS = 50_000_000;

/** Width, height and whether the PNG is 8-bit RGBA (IHDR colour type 6), without decoding it. */
export function pngRgbaHeader(png: Buffer): { width: number; height: number } | null {
  if (png.length < 33 || png.readUInt32BE(8) !== 13 || png.toString('latin1', 12, 16) !== 'IHDR') return null;
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const bitDepth = png[24];
  const colourType = png[25];
  if (width === 0 || height === 0 || bitDepth !== 8 || colourType !== 6) return null;
  return { width, height };
}

/**
 * The alpha values of the first `columns` columns (all rows, or only the first `rows`), as one
 * byte per pixel, row-major within that region.
 */
async function alphaRegion(png: Buffer, columns: number, rows: number, maxPixels: number): Promise<Buffer> {
  return sharp(png, { limitInputPixels: maxPixels, failOn: 'error' })
    .extract({ left: 0, top: 0, width: columns, height: rows })
    .extractChannel(3)
    .raw()
    .toBuffer();
}

/** Reads `count` bits from bit `from` (column-major order) of an alpha region `regionWidth` wide, `rows` high. */
function readBits(alpha: Buffer, regionWidth: number, rows: number, from: number, count: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(count / 8));
  for (let i = 0; i < count; i++) {
    const bit = from + i;
    const x = Math.floor(bit / rows);
    const y = bit % rows;
    if ((alpha[y * regionWidth + x]! & 1) === 1) out[i >> 3]! |= 0x80 >> (i & 7);
  }
  return out;
}

/**
 * The text hidden in a PNG's alpha channel, or null when there is none (not 8-bit RGBA, too large,
 * no signature, a payload over the bound, or one that does not decode). Never throws.
 */
export async function readStealthText(png: Buffer, opts: StealthOptions = {}): Promise<StealthText | null> {
  const header = pngRgbaHeader(png);
  if (!header) return null;
  const { width, height } = header;
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxPayloadBytes = opts.maxPayloadBytes ?? MAX_TEXT_CHUNK_BYTES;
  if (width * height > maxPixels || width * height < SIGNATURE_BITS + LENGTH_BITS) return null;
  try {
    // Step 1: the signature and length, from the first columns only.
    const headBits = SIGNATURE_BITS + LENGTH_BITS;
    const headColumns = Math.ceil(headBits / height);
    const headRows = headColumns === 1 ? headBits : height;
    const head = await alphaRegion(png, headColumns, headRows, maxPixels);
    const sig = Buffer.from(readBits(head, headColumns, headRows, 0, SIGNATURE_BITS)).toString('latin1');
    const signature = STEALTH_SIGNATURES.find((s) => s === sig);
    if (signature === undefined) return null;
    const lengthBytes = readBits(head, headColumns, headRows, SIGNATURE_BITS, LENGTH_BITS);
    const bitLength = Buffer.from(lengthBytes).readUInt32BE(0);
    if (bitLength === 0 || bitLength > maxPayloadBytes * 8 || headBits + bitLength > width * height) return null;

    // Step 2: the columns that hold the payload.
    const columns = Math.ceil((headBits + bitLength) / height);
    const body = await alphaRegion(png, columns, height, maxPixels);
    const payload = Buffer.from(readBits(body, columns, height, headBits, bitLength - (bitLength % 8)));
    let text: string;
    if (signature === 'stealth_pngcomp') {
      text = zlib.gunzipSync(payload, { maxOutputLength: MAX_TEXT_CHUNK_BYTES }).toString('utf8');
    } else {
      text = payload.toString('utf8');
    }
    return { signature, text };
  } catch {
    return null; // undecodable pixels, bad gzip, or over the inflate bound
  }
}
