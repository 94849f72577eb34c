import { modelFamily, type ActionType } from '@imageflow/shared';

const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const TAGGED_ACTIONS = ['img2img', 'upscale', 'edit'] as const;
const IMAGE_NAME = new RegExp(`^[a-z0-9][a-z0-9-]{0,31}(?:_(?:${TAGGED_ACTIONS.join('|')}))?_${UUID_V4}\\.png$`);
const THUMB_NAME = new RegExp(`^[a-z0-9][a-z0-9-]{0,31}(?:_(?:${TAGGED_ACTIONS.join('|')}))?_${UUID_V4}\\.webp$`);
const ORIGINAL_NAME = new RegExp(`^[a-z0-9][a-z0-9-]{0,31}(?:_(?:${TAGGED_ACTIONS.join('|')}))?_${UUID_V4}\\.original\\.(?:png|jpg|webp|gif|avif|tif)$`);

/** The formats an upload's original may have, with the extension its stored name takes. */
export const ORIGINAL_EXTENSIONS = { png: 'png', jpeg: 'jpg', webp: 'webp', gif: 'gif', avif: 'avif', tiff: 'tif' } as const;
export type OriginalFormat = keyof typeof ORIGINAL_EXTENSIONS;

/** `sdxl_{uuid}.png`, `flux_img2img_{uuid}.png`, `upload_{uuid}.png`, ... */
export function imageFilename(model: string, action: ActionType, uuid: string): string {
  // At most 32 characters: a model named in a file can be anything.
  const prefix = action === 'upload' ? 'upload' : modelFamily(model).slice(0, 32);
  const tag = (TAGGED_ACTIONS as readonly string[]).includes(action) ? `_${action}` : '';
  return `${prefix}${tag}_${uuid}.png`;
}

export function thumbnailFilename(imageFilename: string): string {
  return imageFilename.replace(/\.png$/, '.webp');
}

export function imageFilenameOfThumbnail(thumbnailFilename: string): string {
  return thumbnailFilename.replace(/\.webp$/, '.png');
}

/** Only names this store makes are ever served or opened. */
export function isImageFilename(name: string): boolean {
  return IMAGE_NAME.test(name);
}

export function isThumbnailFilename(name: string): boolean {
  return THUMB_NAME.test(name);
}

/** `upload_{uuid}.original.jpg` beside `upload_{uuid}.png`: an uploaded file as it came. */
export function originalFilename(imageFilename: string, format: OriginalFormat): string {
  return imageFilename.replace(/\.png$/, `.original.${ORIGINAL_EXTENSIONS[format]}`);
}

export function imageFilenameOfOriginal(originalFilename: string): string {
  return originalFilename.replace(/\.original\.\w+$/, '.png');
}

export function isOriginalFilename(name: string): boolean {
  return ORIGINAL_NAME.test(name);
}

/** Where the store keeps each kind of file. */
export type Bucket = 'images' | 'thumbs' | 'originals';
export const BUCKETS: readonly Bucket[] = ['images', 'thumbs', 'originals'];
/** What a file of each bucket is called in messages. */
export const BUCKET_NOUN: Record<Bucket, string> = { images: 'image', thumbs: 'thumbnail', originals: 'original upload' };

/** The bucket a stored name belongs in (names never repeat across buckets); null for a name the store did not make. */
export function bucketOf(name: string): Bucket | null {
  if (isImageFilename(name)) return 'images';
  if (isThumbnailFilename(name)) return 'thumbs';
  if (isOriginalFilename(name)) return 'originals';
  return null;
}

/** The image a stored file belongs to: itself, or the image of a thumbnail or original. */
export function imageFilenameOf(name: string): string {
  if (isThumbnailFilename(name)) return imageFilenameOfThumbnail(name);
  if (isOriginalFilename(name)) return imageFilenameOfOriginal(name);
  return name;
}

const ORIGINAL_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', avif: 'image/avif', tif: 'image/tiff' };

/** The Content-Type of a stored file, from its name. */
export function contentTypeOf(name: string): string {
  if (isThumbnailFilename(name)) return 'image/webp';
  if (isOriginalFilename(name)) return ORIGINAL_TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  return 'image/png';
}
