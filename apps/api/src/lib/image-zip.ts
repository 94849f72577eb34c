import type { Readable } from 'node:stream';
import yazl from 'yazl';

/** The most characters of a prompt that go into an entry's name. */
const SLUG_LENGTH = 60;

/** A PNG to put in a .zip of images. */
export interface ZipImage {
  id: number;
  /** The words that name the entry: the prompt, else the name the file was uploaded under. */
  title: string;
  /** The PNG's size in bytes, as stored. */
  bytes: number;
  /** ISO 8601; the entry's time. */
  created_at: string;
}

/**
 * Words as a file-name slug: lower-case ASCII letters and digits joined by hyphens, accents
 * dropped, cut at a word boundary to `max` characters. '' when nothing is left.
 */
export function slugOf(text: string, max = SLUG_LENGTH): string {
  const words = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > max) return slug || word.slice(0, max);
    slug = next;
  }
  return slug;
}

/** `<id>-<slug>.png`, or `<id>.png` when the title has no word to show. */
export function zipEntryName(image: Pick<ZipImage, 'id' | 'title'>): string {
  const slug = slugOf(image.title);
  return slug ? `${image.id}-${slug}.png` : `${image.id}.png`;
}

/** A .zip being written: its total size, known before the first byte, and its bytes. */
export interface ImagesZip {
  size: number | null;
  body: Readable;
}

/**
 * Streams the images into one .zip, each stored as it is (a PNG is already compressed), opened
 * only when its turn comes: one file open at a time, bytes moving as fast as the reader takes
 * them. A file that cannot be opened, or whose size is not the one given, ends the stream with
 * an error, so a download is cut short, never passed off as whole.
 */
export function zipImages<T extends ZipImage>(images: readonly T[], open: (image: T) => Promise<Readable>): ImagesZip {
  const zip = new yazl.ZipFile();
  const body = zip.outputStream as Readable;
  zip.on('error', (err: Error) => body.destroy(err));
  for (const image of images) {
    zip.addReadStreamLazy(zipEntryName(image), { compress: false, size: image.bytes, mtime: new Date(image.created_at) }, (cb) => {
      open(image).then(
        (stream) => cb(null, stream),
        (err: unknown) => cb(err instanceof Error ? err : new Error(String(err)), undefined as unknown as Readable),
      );
    });
  }
  let size: number | null = null;
  // Called at once when every entry's size is known, as it is here (stored, sizes given).
  // (The callback is given the size; yazl's types leave it out.)
  const onSize = (total: number) => {
    size = total >= 0 ? total : null;
  };
  zip.end({ forceZip64Format: false, comment: '' }, onSize as () => void);
  return { size, body };
}
