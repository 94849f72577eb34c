import sharp, { type Metadata, type Sharp } from 'sharp';
import { MAX_UPSCALED_SIDE, type EditOps } from '@imageflow/shared';
import type { DecodedImage, ImageOps } from '../ports/image-ops.port.ts';
import { ImageTooComplexError, UnsupportedMediaError, ValidationError } from '../errors.ts';
import { UPLOAD_FORMATS_TEXT } from '../lib/image-format.ts';

const PNG_OPTIONS = { compressionLevel: 6 } as const;
/** libvips' names of the formats an upload may be in (AVIF is HEIF with AV1 inside). */
const UPLOAD_VIPS_FORMATS = new Set(['png', 'jpeg', 'webp', 'gif', 'heif', 'tiff']);
/** The longest a foreign image may take to decode and re-encode; a 64-megapixel photo takes about 4 s here. */
export const DECODE_TIMEOUT_SECONDS = 20;

// Every image is read once: libvips' operation cache would only hold on to memory.
sharp.cache(false);

async function encode(pipeline: Sharp): Promise<DecodedImage> {
  const { data, info } = await pipeline.png(PNG_OPTIONS).toBuffer({ resolveWithObject: true });
  return { png: data, width: info.width, height: info.height };
}

export const sharpImageOps: ImageOps = {
  thumbnail(image, longSide) {
    const input = Buffer.isBuffer(image)
      ? sharp(image, { sequentialRead: true })
      : sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
          raw: { width: image.width, height: image.height, channels: image.channels },
        });
    return input
      .resize(longSide, longSide, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
  },

  async upscale(png, factor) {
    const meta = await sharp(png).metadata();
    const width = (meta.width ?? 0) * factor;
    const height = (meta.height ?? 0) * factor;
    if (Math.max(width, height) > MAX_UPSCALED_SIDE) {
      throw new ValidationError(
        `upscaling ${meta.width}x${meta.height} by ${factor} would give ${width}x${height}; the largest side allowed is ${MAX_UPSCALED_SIDE}. Use a smaller factor.`,
      );
    }
    return encode(sharp(png).resize(width, height, { kernel: 'lanczos3' }));
  },

  async edit(png, ops: EditOps) {
    let pipeline = sharp(png);
    if (ops.crop) {
      const meta = await sharp(png).metadata();
      const { left, top, width, height } = ops.crop;
      if (left + width > (meta.width ?? 0) || top + height > (meta.height ?? 0)) {
        throw new ValidationError(
          `crop ${width}x${height} at (${left}, ${top}) falls outside the ${meta.width}x${meta.height} image`,
        );
      }
      pipeline = pipeline.extract({ left, top, width, height });
    }
    // Materialise the crop so rotation and flips apply to the cropped pixels.
    if (ops.crop) pipeline = sharp(await pipeline.png().toBuffer());
    if (ops.rotate) pipeline = pipeline.rotate(ops.rotate);
    if (ops.flip) pipeline = pipeline.flip();
    if (ops.flop) pipeline = pipeline.flop();
    if (ops.brightness !== undefined && ops.brightness !== 1) pipeline = pipeline.modulate({ brightness: ops.brightness });
    if (ops.contrast !== undefined && ops.contrast !== 1) {
      // Scale around mid-grey: out = c * in + 128 * (1 - c).
      pipeline = pipeline.linear(ops.contrast, 128 * (1 - ops.contrast));
    }
    return encode(pipeline);
  },

  async probe(data) {
    let meta: Metadata;
    try {
      meta = await sharp(data).metadata();
    } catch {
      throw new UnsupportedMediaError(`The file is not an image ImageFlow can read. Upload a ${UPLOAD_FORMATS_TEXT}.`);
    }
    if (!meta.format || !UPLOAD_VIPS_FORMATS.has(meta.format) || (meta.format === 'heif' && meta.compression !== 'av1')) {
      throw new UnsupportedMediaError(`The file is ${meta.format ?? 'of an unknown format'}; ImageFlow imports ${UPLOAD_FORMATS_TEXT} images.`);
    }
    const width = meta.autoOrient?.width ?? meta.width ?? 0;
    const height = meta.autoOrient?.height ?? meta.height ?? 0;
    if (!width || !height) throw new UnsupportedMediaError('The image has no size; it may be damaged.');
    return { format: meta.format === 'heif' ? 'avif' : meta.format, width, height };
  },

  async toPng(data, maxPixels) {
    const { width, height } = await this.probe(data);
    if (width * height > maxPixels) {
      throw new ValidationError(
        `The image is ${width}x${height} (${(width * height / 1e6).toFixed(1)} megapixels); the limit is ${(maxPixels / 1e6).toFixed(0)} megapixels.`,
      );
    }
    try {
      // One frame of an animation or a multi-page file; the time limit bounds what crafted files can cost.
      return await encode(sharp(data, { limitInputPixels: maxPixels, sequentialRead: true }).autoOrient().timeout({ seconds: DECODE_TIMEOUT_SECONDS }));
    } catch (err) {
      const message = (err as Error).message;
      if (/timeout/i.test(message)) {
        throw new ImageTooComplexError(`The image took longer than ${DECODE_TIMEOUT_SECONDS} s to decode, so it was not imported; save it again as a plain PNG or JPEG.`);
      }
      throw new UnsupportedMediaError(`The image could not be decoded: ${message}`);
    }
  },
};
