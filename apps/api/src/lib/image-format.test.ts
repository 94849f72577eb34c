import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { describeUnsupported, sniffImageFormat } from './image-format.ts';

const pixels = () => sharp({ create: { width: 4, height: 3, channels: 3, background: { r: 200, g: 10, b: 30 } } });

describe('sniffImageFormat', () => {
  it('recognises each accepted format from real encoder output', async () => {
    expect(sniffImageFormat(await pixels().png().toBuffer())).toBe('png');
    expect(sniffImageFormat(await pixels().jpeg().toBuffer())).toBe('jpeg');
    expect(sniffImageFormat(await pixels().webp().toBuffer())).toBe('webp');
    expect(sniffImageFormat(await pixels().gif().toBuffer())).toBe('gif');
    expect(sniffImageFormat(await pixels().tiff().toBuffer())).toBe('tiff');
    expect(sniffImageFormat(await pixels().avif().toBuffer())).toBe('avif');
  });

  it('refuses what is rendered from code, and what is not an image', () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8000" height="8000"><filter id="b"><feGaussianBlur stdDeviation="999"/></filter></svg>');
    expect(sniffImageFormat(svg)).toBeNull();
    expect(describeUnsupported(svg)).toBe('an SVG drawing');
    const xmlSvg = Buffer.from('\uFEFF<?xml version="1.0"?>\n<!-- a comment -->\n<svg/>');
    expect(describeUnsupported(xmlSvg)).toBe('an SVG drawing');
    expect(sniffImageFormat(Buffer.from('%PDF-1.7\n'))).toBeNull();
    expect(describeUnsupported(Buffer.from('%PDF-1.7\n'))).toBe('a PDF document');
    expect(sniffImageFormat(Buffer.alloc(0))).toBeNull();
    expect(sniffImageFormat(Buffer.from([0x89, 0x50, 0x4e]))).toBeNull();
    // HEIC (HEVC) is ISO media too, but not AVIF.
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypheic\0\0\0\0mif1heic')]);
    expect(sniffImageFormat(heic)).toBeNull();
    expect(describeUnsupported(heic)).toBe('an ISO media file (heic)');
  });
});
