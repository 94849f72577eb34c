import type { EditOps } from '@imageflow/shared';

export interface DecodedImage {
  png: Buffer;
  width: number;
  height: number;
}

/** Decoded pixels, row-major, `channels` bytes a pixel (3: RGB, 4: RGBA), sRGB. */
export interface RawPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** What an image file declares about itself, read from its header without decoding the pixels. */
export interface ImageHeader {
  format: string;
  width: number;
  height: number;
}

/** Image codec work: thumbnails, upscales, edits, normalising uploads. */
export interface ImageOps {
  /** The header of an uploaded image (PNG, JPEG, WebP, GIF, AVIF, TIFF); throws UnsupportedMediaError for anything else. */
  probe(data: Buffer): Promise<ImageHeader>;
  /**
   * WebP thumbnail whose long side is at most `longSide` pixels, of an image file or of pixels
   * already decoded (the same thumbnail either way, without a decode for the pixels).
   */
  thumbnail(image: Buffer | RawPixels, longSide: number): Promise<Buffer>;
  upscale(png: Buffer, factor: number): Promise<DecodedImage>;
  edit(png: Buffer, ops: EditOps): Promise<DecodedImage>;
  /**
   * Any supported image to PNG, refusing more than `maxPixels` and giving up (ImageTooComplexError)
   * on one that takes longer than a decode may; throws UnsupportedMediaError for anything else.
   */
  toPng(data: Buffer, maxPixels: number): Promise<DecodedImage>;
}
