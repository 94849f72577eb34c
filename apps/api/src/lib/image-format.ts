/** The image formats an upload may be in: what the README promises, and nothing that is rendered from code (SVG, PDF). */
export const UPLOAD_FORMATS = ['png', 'jpeg', 'webp', 'gif', 'avif', 'tiff'] as const;
export type UploadFormat = (typeof UPLOAD_FORMATS)[number];

export const UPLOAD_FORMATS_TEXT = 'PNG, JPEG, WebP, GIF, AVIF or TIFF';

const ascii = (data: Buffer, start: number, end: number) => data.toString('latin1', start, end);

/** AVIF: an ISO-BMFF `ftyp` box whose major or compatible brands name AVIF. */
function isAvif(data: Buffer): boolean {
  if (data.length < 16 || ascii(data, 4, 8) !== 'ftyp') return false;
  const boxSize = Math.min(data.readUInt32BE(0), data.length, 256);
  if (boxSize < 16) return false;
  const brands = [ascii(data, 8, 12)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(data, at, at + 4));
  return brands.some((b) => b === 'avif' || b === 'avis');
}

/** The format of an image by its first bytes, or null when it is none of UPLOAD_FORMATS. */
export function sniffImageFormat(data: Buffer): UploadFormat | null {
  if (data.length >= 8 && data.readUInt32BE(0) === 0x89504e47 && data.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (data.length >= 12 && ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 12) === 'WEBP') return 'webp';
  if (data.length >= 6 && (ascii(data, 0, 6) === 'GIF87a' || ascii(data, 0, 6) === 'GIF89a')) return 'gif';
  if (data.length >= 4 && (ascii(data, 0, 4) === 'II*\0' || ascii(data, 0, 4) === 'MM\0*')) return 'tiff';
  if (isAvif(data)) return 'avif';
  return null;
}

/** A name for what a refused file seems to be, for the error message. */
export function describeUnsupported(data: Buffer): string {
  const head = data.toString('utf8', 0, Math.min(data.length, 512)).replace(/^\uFEFF/, '').trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg|<svg)/i.test(head)) return 'an SVG drawing';
  if (head.startsWith('%PDF')) return 'a PDF document';
  if (data.length >= 12 && ascii(data, 4, 8) === 'ftyp') return `an ISO media file (${ascii(data, 8, 12).replace(/[^\x20-\x7e]/g, '?')})`;
  if (data.length === 0) return 'empty';
  return 'not an image ImageFlow can read';
}
