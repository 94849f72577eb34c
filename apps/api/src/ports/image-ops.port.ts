import type { EditOps } from '@imageflow/shared';

export interface DecodedImage {
  png: Buffer;
  width: number;
  height: number;
}

/** Image codec work: thumbnails, upscales, edits, normalising uploads. */
export interface ImageOps {
  /** WebP thumbnail whose long side is at most `longSide` pixels. */
  thumbnail(image: Buffer, longSide: number): Promise<Buffer>;
  upscale(png: Buffer, factor: number): Promise<DecodedImage>;
  edit(png: Buffer, ops: EditOps): Promise<DecodedImage>;
  /** Any supported image (PNG, JPEG, WebP, GIF, AVIF, TIFF) to PNG; throws UnsupportedMediaError otherwise. */
  toPng(data: Buffer, maxPixels: number): Promise<DecodedImage>;
}
