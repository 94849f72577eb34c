/**
 * EXIF UserComment recipes in JPEG and WebP files built here: both byte orders, the charset
 * codes, where Fooocus puts its tags, and blocks crafted to be expensive or broken.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeUserComment, exifValueCount, jpegExifBlock, readExifTexts, webpExifBlock } from './exif.ts';
import { readRecipe, readRecipeSync } from './index.ts';

interface Entry {
  tag: number;
  type: number;
  value: Buffer;
  /** Values declared (defaults to the bytes of `value` over the type's size). */
  count?: number;
}

const TYPE_SIZES = [1, 1, 2, 4, 8, 1, 1, 2, 4, 8];

/** A TIFF block ("Exif\0\0" + header + IFD0 [+ Exif IFD]) with the values after the IFDs. */
function exifBlock(bigEndian: boolean, ifd0: Entry[], exifIfd: Entry[] = []): Buffer {
  const ifdSize = (n: number): number => 2 + 12 * n + 4;
  const ifd0Entries = exifIfd.length > 0 ? [...ifd0, { tag: 0x8769, type: 4, value: Buffer.alloc(4) }] : ifd0;
  const ifd0At = 8;
  const exifAt = ifd0At + ifdSize(ifd0Entries.length);
  let dataAt = exifAt + (exifIfd.length > 0 ? ifdSize(exifIfd.length) : 0);
  const out = Buffer.alloc(dataAt + [...ifd0, ...exifIfd].reduce((n, e) => n + e.value.length + 1, 0));
  const w16 = (v: number, at: number): number => (bigEndian ? out.writeUInt16BE(v, at) : out.writeUInt16LE(v, at));
  const w32 = (v: number, at: number): number => (bigEndian ? out.writeUInt32BE(v, at) : out.writeUInt32LE(v, at));
  out.write(bigEndian ? 'MM' : 'II', 0, 'latin1');
  w16(42, 2);
  w32(ifd0At, 4);
  const writeIfd = (at: number, entries: Entry[]): void => {
    w16(entries.length, at);
    entries.forEach((e, i) => {
      const p = at + 2 + 12 * i;
      w16(e.tag, p);
      w16(e.type, p + 2);
      w32(e.count ?? e.value.length / TYPE_SIZES[e.type - 1]!, p + 4);
      if (e.tag === 0x8769) w32(exifAt, p + 8);
      else if (e.value.length <= 4) e.value.copy(out, p + 8);
      else {
        w32(dataAt, p + 8);
        e.value.copy(out, dataAt);
        dataAt += e.value.length + (e.value.length % 2);
      }
    });
    w32(0, at + 2 + 12 * entries.length);
  };
  writeIfd(ifd0At, ifd0Entries);
  if (exifIfd.length > 0) writeIfd(exifAt, exifIfd);
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), out]);
}

function userComment(text: string, code: 'UNICODE-BE' | 'UNICODE-LE' | 'ASCII'): Entry {
  let body: Buffer;
  if (code === 'ASCII') body = Buffer.concat([Buffer.from('ASCII\0\0\0', 'latin1'), Buffer.from(text, 'utf8')]);
  else {
    const utf16 = Buffer.from(text, 'utf16le');
    if (code === 'UNICODE-BE') utf16.swap16();
    body = Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), utf16]);
  }
  return { tag: 0x9286, type: 7, value: body };
}

const ascii = (tag: number, text: string): Entry => ({ tag, type: 2, value: Buffer.from(`${text}\0`, 'latin1') });

async function jpegWith(block: Buffer): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).jpeg().toBuffer();
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xffe1, 0);
  segment.writeUInt16BE(block.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, block, jpeg.subarray(2)]);
}

async function webpWith(block: Buffer): Promise<Buffer> {
  const webp = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).webp().toBuffer();
  const header = Buffer.alloc(8);
  header.write('EXIF', 0, 'latin1');
  header.writeUInt32LE(block.length, 4);
  const file = Buffer.concat([webp, header, block, Buffer.alloc(block.length % 2)]);
  file.writeUInt32LE(file.length - 8, 4);
  return file;
}

const INFOTEXT = 'a cat, テスト\nNegative prompt: blurry\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 5.5, Seed: 7, Size: 1024x1024, Version: v1.10.1';

describe('EXIF UserComment', () => {
  it('reads UTF-16 big-endian text in a big-endian block (piexif, as A1111 writes it)', async () => {
    const file = await jpegWith(exifBlock(true, [], [userComment(INFOTEXT, 'UNICODE-BE')]));
    const r = (await readRecipe(file))!;
    expect([r.tool, r.found_in, r.prompt, r.negative_prompt, r.seed, r.sampler_id]).toEqual([
      'automatic1111',
      'exif:UserComment',
      'a cat, テスト',
      'blurry',
      7,
      'dpmpp_2m_karras',
    ]);
  });

  it('reads UTF-16 little-endian text, and tells the byte order from the text when the block disagrees', async () => {
    for (const bigEndianBlock of [false, true]) {
      const file = await jpegWith(exifBlock(bigEndianBlock, [], [userComment(INFOTEXT, 'UNICODE-LE')]));
      expect(readRecipeSync(file)!.prompt, String(bigEndianBlock)).toBe('a cat, テスト');
    }
  });

  it('reads ASCII-coded text and a WebP EXIF chunk', async () => {
    const block = exifBlock(false, [], [userComment(INFOTEXT, 'ASCII')]);
    expect(readRecipeSync(await jpegWith(block))!.steps).toBe(20);
    const webp = await webpWith(block);
    expect(webpExifBlock(webp)).not.toBeNull();
    expect(readRecipeSync(webp)!.cfg).toBe(5.5);
  });

  it('reads JSON from SwarmUI and Fooocus (whose tags sit in IFD0)', async () => {
    const swarm = JSON.stringify({ sui_image_params: { prompt: 'a fox', seed: 3, swarm_version: '0.9.5' } });
    expect(readRecipeSync(await jpegWith(exifBlock(false, [], [userComment(swarm, 'ASCII')])))!.tool).toBe('swarmui');
    const fooocus = JSON.stringify({ prompt: 'a goldfish', seed: '5', base_model: 'juggernaut' });
    const block = exifBlock(true, [userComment(fooocus, 'UNICODE-BE'), ascii(0x0131, 'Fooocus v2.5.5'), { tag: 0x927c, type: 7, value: Buffer.from('fooocus') }]);
    const r = readRecipeSync(await jpegWith(block))!;
    expect([r.tool, r.prompt, r.seed, r.model]).toEqual(['fooocus', 'a goldfish', 5, 'juggernaut']);
    expect(readExifTexts(block)).toMatchObject({ software: 'Fooocus v2.5.5', makerNote: 'fooocus' });
  });

  it('decodes the charset codes', () => {
    const be = Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), Buffer.from([0xfe, 0xff, 0, 0x41, 0, 0x42, 0, 0])]);
    expect(decodeUserComment(be, false)).toBe('AB');
    expect(decodeUserComment(Buffer.from('\0\0\0\0\0\0\0\0hello\0', 'latin1'), true)).toBe('hello');
    expect(decodeUserComment('plain', true)).toBe('plain');
    expect(decodeUserComment(42, true)).toBeNull();
    expect(decodeUserComment(Buffer.from('UNICODE\0\x41', 'latin1'), true)).toBe('');
  });

  it('refuses blocks whose declared arrays would be huge, before the EXIF library builds them', () => {
    const entries: Entry[] = [];
    for (let i = 0; i < 5000; i++) entries.push({ tag: 0x1000 + i, type: 1, value: Buffer.alloc(4), count: 0xffffffff });
    const block = exifBlock(false, entries.slice(0, 2000), entries.slice(2000));
    expect(exifValueCount(block)!).toBeGreaterThan(256 * 1024);
    expect(readExifTexts(block)).toBeNull();
  });

  it('returns null for broken files and blocks without throwing', async () => {
    const good = await jpegWith(exifBlock(true, [], [userComment(INFOTEXT, 'UNICODE-BE')]));
    expect(readRecipeSync(good.subarray(0, 30))).toBeNull();
    expect(jpegExifBlock(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]))).toBeNull();
    const badHeader = Buffer.from('Exif\0\0XX\0\x2a\0\0\0\x08', 'latin1');
    expect(readExifTexts(badHeader)).toBeNull();
    const loop = exifBlock(false, [userComment('x', 'ASCII')]);
    loop.writeUInt32LE(8, 6 + 8 + 2 + 12); // IFD0's next IFD is IFD0 itself
    expect(() => readExifTexts(loop)).not.toThrow();
    const pointerOut = exifBlock(false, [{ tag: 0x8769, type: 4, value: Buffer.from([0xff, 0xff, 0xff, 0x7f]) }]);
    expect(readExifTexts(pointerOut)?.userComment ?? null).toBeNull();
    expect(await readRecipe(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(100, 0xff)]))).toBeNull();
  });
});
