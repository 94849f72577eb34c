import type { EditOps } from '@imageflow/shared';

export type Rotation = 0 | 90 | 180 | 270;

export interface EditForm {
  crop: { left: number; top: number; width: number; height: number };
  rotate: Rotation;
  flip: boolean;
  flop: boolean;
  brightness: number;
  contrast: number;
}

export function initialEditForm(size: { width: number; height: number }): EditForm {
  return { crop: { left: 0, top: 0, width: size.width, height: size.height }, rotate: 0, flip: false, flop: false, brightness: 1, contrast: 1 };
}

/** What is wrong with the crop, in words, or null when it fits the image. */
export function cropError(crop: EditForm['crop'], size: { width: number; height: number }): string | null {
  const values = [crop.left, crop.top, crop.width, crop.height];
  if (values.some((v) => !Number.isInteger(v))) return 'Crop values must be whole numbers of pixels.';
  if (crop.left < 0 || crop.top < 0) return 'Left and top cannot be negative.';
  if (crop.width < 1 || crop.height < 1) return 'Width and height must be at least 1 pixel.';
  if (crop.left + crop.width > size.width) return `Left + width must be at most ${size.width} (the image width).`;
  if (crop.top + crop.height > size.height) return `Top + height must be at most ${size.height} (the image height).`;
  return null;
}

/**
 * The edit to send: only the operations that change something, so a full-image crop or a
 * brightness of 1 is left out. Null when nothing would change.
 */
export function toEditOps(form: EditForm, size: { width: number; height: number }): EditOps | null {
  const ops: Record<string, unknown> = {};
  const { crop } = form;
  if (crop.left !== 0 || crop.top !== 0 || crop.width !== size.width || crop.height !== size.height) ops.crop = { ...crop };
  if (form.rotate !== 0) ops.rotate = form.rotate;
  if (form.flip) ops.flip = true;
  if (form.flop) ops.flop = true;
  if (form.brightness !== 1) ops.brightness = round(form.brightness);
  if (form.contrast !== 1) ops.contrast = round(form.contrast);
  return Object.keys(ops).length ? (ops as EditOps) : null;
}

/** The size of the result: the crop, turned by the rotation. */
export function editedSize(form: EditForm): { width: number; height: number } {
  const { width, height } = form.crop;
  return form.rotate === 90 || form.rotate === 270 ? { width: height, height: width } : { width, height };
}

const round = (v: number) => Math.round(v * 100) / 100;
