import { modelFamily, type ActionType } from '@imageflow/shared';

const UUID_V4 = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
const TAGGED_ACTIONS = ['img2img', 'upscale', 'edit'] as const;
const IMAGE_NAME = new RegExp(`^[a-z0-9][a-z0-9-]{0,31}(?:_(?:${TAGGED_ACTIONS.join('|')}))?_${UUID_V4}\\.png$`);
const THUMB_NAME = new RegExp(`^[a-z0-9][a-z0-9-]{0,31}(?:_(?:${TAGGED_ACTIONS.join('|')}))?_${UUID_V4}\\.webp$`);

/** `sdxl_{uuid}.png`, `flux_img2img_{uuid}.png`, `upload_{uuid}.png`, ... */
export function imageFilename(model: string, action: ActionType, uuid: string): string {
  const prefix = action === 'upload' ? 'upload' : modelFamily(model);
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
