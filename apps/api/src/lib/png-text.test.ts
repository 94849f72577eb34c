import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  assertValidPngKeyword,
  crc32,
  crc32Portable,
  encodePngTextChunk,
  pngDimensions,
  pngWithTextChunks,
  readPngTextChunks,
  writePngTextChunks,
} from './png-text.ts';
import { FOREIGN_PNG_DIR } from '../../test/fixtures/foreign-png.ts';

const FIXTURE_DIR = FOREIGN_PNG_DIR;

interface ManifestChunkDetail {
  type: 'tEXt' | 'iTXt' | 'zTXt';
  key: string;
  compressed: boolean;
  chars: number;
  after_IDAT: boolean;
}
interface ManifestEntry {
  file: string;
  format: string;
  width: number;
  height: number;
  chunks: string[];
  chunk_detail?: ManifestChunkDetail[];
}

// ---------------------------------------------------------------------------
// Independent helpers (deliberately not using the module under test)
// ---------------------------------------------------------------------------

interface TestChunk {
  type: string;
  data: Buffer;
  crc: number;
  crcOk: boolean;
}

/** Strict chunk walker: throws on any framing problem, verifies every CRC with zlib.crc32. */
function strictChunks(png: Buffer): TestChunk[] {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  const out: TestChunk[] = [];
  let pos = 8;
  for (;;) {
    if (pos + 12 > png.length) throw new Error(`truncated chunk header at ${pos}`);
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    if (pos + 12 + len > png.length) throw new Error(`truncated ${type} at ${pos}`);
    const data = png.subarray(pos + 8, pos + 8 + len);
    const crc = png.readUInt32BE(pos + 8 + len);
    out.push({ type, data, crc, crcOk: zlib.crc32(png.subarray(pos + 4, pos + 8 + len)) >>> 0 === crc });
    pos += 12 + len;
    if (type === 'IEND') break;
  }
  expect(pos).toBe(png.length);
  return out;
}

function types(png: Buffer): string[] {
  return strictChunks(png).map((c) => c.type);
}

function chunk(type: string, data: Buffer): Buffer {
  const b = Buffer.alloc(12 + data.length);
  b.writeUInt32BE(data.length, 0);
  b.write(type, 4, 'latin1');
  data.copy(b, 8);
  b.writeUInt32BE(zlib.crc32(b.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return b;
}

/** Inserts `extra` chunk buffers right before IEND. */
function appendBeforeIend(png: Buffer, ...extra: Buffer[]): Buffer {
  const iendAt = png.length - 12;
  expect(png.toString('latin1', iendAt + 4, iendAt + 8)).toBe('IEND');
  return Buffer.concat([png.subarray(0, iendAt), ...extra, png.subarray(iendAt)]);
}

/** 16x9 RGBA PNG with non-trivial pixels, plus its raw pixels. */
async function makePng(): Promise<{ png: Buffer; raw: Buffer }> {
  const width = 16;
  const height = 9;
  const raw = Buffer.alloc(width * height * 4);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37 + (i >> 3) * 11) & 0xff;
  const png = await sharp(raw, { raw: { width, height, channels: 4 } }).png().toBuffer();
  return { png, raw };
}

const JAPANESE = 'masterpiece, 1girl, テスト\n猫耳';
const EMOJI = 'a cat 🐱 with a hat 🎩';

// ---------------------------------------------------------------------------

describe('crc32', () => {
  it('matches the PNG check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.from('IEND', 'latin1'))).toBe(0xae426082);
  });
  it('table fallback agrees with zlib.crc32', () => {
    expect(crc32Portable(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32Portable(Buffer.alloc(0))).toBe(0);
    const data = Buffer.alloc(4099);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
    expect(crc32Portable(data)).toBe(zlib.crc32(data) >>> 0);
  });
});

describe('pngDimensions', () => {
  it('reads IHDR', async () => {
    const { png } = await makePng();
    expect(pngDimensions(png)).toEqual({ width: 16, height: 9 });
  });
  it('throws on non-PNG', () => {
    expect(() => pngDimensions(Buffer.from('GIF89a......................'))).toThrow('not a PNG file');
  });
});

describe('readPngTextChunks', () => {
  it('throws a clear error on a bad signature', () => {
    expect(() => readPngTextChunks(Buffer.from('hello world, definitely not a png'))).toThrow('not a PNG file');
    expect(() => readPngTextChunks(Buffer.alloc(0))).toThrow('not a PNG file');
  });

  it('returns [] for a PNG without text chunks', async () => {
    const { png } = await makePng();
    expect(readPngTextChunks(png)).toEqual([]);
  });

  it('decodes tEXt, zTXt, compressed and uncompressed iTXt, including after IDAT', async () => {
    const { png } = await makePng();
    const z = chunk('zTXt', Buffer.concat([Buffer.from('zkey\0\0', 'latin1'), zlib.deflateSync(Buffer.from('zipped é', 'latin1'))]));
    const i1 = chunk(
      'iTXt',
      Buffer.concat([Buffer.from('ikey\0\x01\x00ja\0translated\0', 'latin1'), zlib.deflateSync(Buffer.from(JAPANESE, 'utf8'))]),
    );
    const i0 = chunk('iTXt', Buffer.concat([Buffer.from('plain\0\0\0en-US\0Plain\0', 'latin1'), Buffer.from(EMOJI, 'utf8')]));
    const t = chunk('tEXt', Buffer.from('Comment\0caf\xe9', 'latin1'));
    const out = appendBeforeIend(png, t, z, i1, i0);
    expect(readPngTextChunks(out)).toEqual([
      { keyword: 'Comment', text: 'café', type: 'tEXt' },
      { keyword: 'zkey', text: 'zipped é', type: 'zTXt' },
      { keyword: 'ikey', text: JAPANESE, type: 'iTXt' },
      { keyword: 'plain', text: EMOJI, type: 'iTXt' },
    ]);
  });

  it('stops quietly at a truncated trailing chunk', async () => {
    const { png } = await makePng();
    const good = chunk('tEXt', Buffer.from('a\0first', 'latin1'));
    const cut = chunk('tEXt', Buffer.from('b\0second, which will be cut off', 'latin1'));
    const full = Buffer.concat([png.subarray(0, png.length - 12), good, cut]);
    // cut in the middle of the last chunk (no IEND at all)
    const truncated = full.subarray(0, full.length - 10);
    expect(readPngTextChunks(truncated)).toEqual([{ keyword: 'a', text: 'first', type: 'tEXt' }]);
    // garbage length field
    const garbage = Buffer.concat([png.subarray(0, png.length - 12), good, Buffer.from([0xff, 0xff, 0xff, 0xf0, 0x74, 0x45, 0x58, 0x74, 1, 2])]);
    expect(readPngTextChunks(garbage)).toEqual([{ keyword: 'a', text: 'first', type: 'tEXt' }]);
  });

  it('skips text chunks with a bad CRC or a broken zlib stream but keeps walking', async () => {
    const { png } = await makePng();
    const bad = chunk('tEXt', Buffer.from('bad\0crc', 'latin1'));
    bad.writeUInt32BE((bad.readUInt32BE(bad.length - 4) ^ 1) >>> 0, bad.length - 4);
    const brokenZ = chunk('zTXt', Buffer.from('z\0\0not zlib at all', 'latin1'));
    const ok = chunk('tEXt', Buffer.from('ok\0yes', 'latin1'));
    expect(readPngTextChunks(appendBeforeIend(png, bad, brokenZ, ok))).toEqual([{ keyword: 'ok', text: 'yes', type: 'tEXt' }]);
  });

  it('refuses to inflate beyond maxInflatedBytes', async () => {
    const { png } = await makePng();
    const big = chunk('zTXt', Buffer.concat([Buffer.from('big\0\0', 'latin1'), zlib.deflateSync(Buffer.alloc(100_000, 0x61))]));
    expect(readPngTextChunks(appendBeforeIend(png, big), { maxInflatedBytes: 1000 })).toEqual([]);
    expect(readPngTextChunks(appendBeforeIend(png, big))[0]?.text.length).toBe(100_000);
  });
});

describe('pngWithTextChunks', () => {
  it('gives the file as a few buffers that view the original instead of copying it', async () => {
    const { png } = await makePng();
    const once = writePngTextChunks(png, [{ keyword: 'parameters', text: 'old' }, { keyword: 'Comment', text: 'kept' }]);
    const parts = pngWithTextChunks(once, [{ keyword: 'parameters', text: 'new' }]);
    // The signature and header, the kept chunk, the new chunk, then the pixels to the end; the old chunk is left out.
    expect(parts.length).toBeLessThanOrEqual(4);
    expect(parts.filter((p) => p.buffer === once.buffer).length).toBeGreaterThanOrEqual(2);
    const joined = Buffer.concat(parts);
    expect(readPngTextChunks(joined)).toEqual([
      { keyword: 'Comment', text: 'kept', type: 'tEXt' },
      { keyword: 'parameters', text: 'new', type: 'tEXt' },
    ]);
    expect(joined.equals(writePngTextChunks(once, [{ keyword: 'parameters', text: 'new' }]))).toBe(true);
  });
});

describe('writePngTextChunks', () => {
  it.each([
    ['ASCII', 'photo of a duck\nNegative prompt: monochrome\nSteps: 15', 'tEXt'],
    ['Latin-1', 'crème brûlée, café, ÿ', 'tEXt'],
    ['Japanese', JAPANESE, 'iTXt'],
    ['emoji', EMOJI, 'iTXt'],
  ] as const)('round-trips %s text as %s', async (_label, text, expectedType) => {
    const { png } = await makePng();
    const out = writePngTextChunks(png, [{ keyword: 'parameters', text }]);
    expect(readPngTextChunks(out)).toEqual([{ keyword: 'parameters', text, type: expectedType }]);
    // libvips (via sharp) finds the chunk too. It reads tEXt bytes as if they were
    // UTF-8, so its view of non-ASCII Latin-1 text is mangled (a libvips quirk, not
    // ours: the tEXt bytes are correct Latin-1 per the PNG spec, as PIL writes them).
    const meta = await sharp(out).metadata();
    expect(meta.comments).toHaveLength(1);
    expect(meta.comments?.[0]?.keyword).toBe('parameters');
    if (_label !== 'Latin-1') expect(meta.comments?.[0]?.text).toBe(text);
  });

  it('writes PIL-compatible bytes (tEXt for Latin-1, uncompressed iTXt otherwise)', () => {
    const t = encodePngTextChunk({ keyword: 'parameters', text: 'é' });
    expect(t.toString('latin1', 4, 8)).toBe('tEXt');
    expect(t.subarray(8, t.length - 4)).toEqual(Buffer.from('parameters\0\xe9', 'latin1'));
    const i = encodePngTextChunk({ keyword: 'parameters', text: 'テ' });
    expect(i.toString('latin1', 4, 8)).toBe('iTXt');
    // PIL: key + b"\0\0\0" + lang + b"\0" + tkey + b"\0" + utf8
    expect(i.subarray(8, i.length - 4)).toEqual(Buffer.concat([Buffer.from('parameters\0\0\0\0\0', 'latin1'), Buffer.from('テ', 'utf8')]));
  });

  it('inserts the chunks right before the first IDAT, in order, with valid CRCs', async () => {
    const { png } = await makePng();
    const before = types(png);
    const out = writePngTextChunks(png, [
      { keyword: 'parameters', text: 'a' },
      { keyword: 'Software', text: 'ImageFlow ✓' },
    ]);
    const chunks = strictChunks(out);
    for (const c of chunks) expect(c.crcOk, `${c.type} CRC`).toBe(true);
    const after = chunks.map((c) => c.type);
    const idat = before.indexOf('IDAT');
    expect(after).toEqual([...before.slice(0, idat), 'tEXt', 'iTXt', ...before.slice(idat)]);
    expect(after[0]).toBe('IHDR');
    expect(after.at(-1)).toBe('IEND');
  });

  it('keeps the image decodable with identical pixels', async () => {
    const { png, raw } = await makePng();
    const out = writePngTextChunks(png, [{ keyword: 'parameters', text: `${JAPANESE}\nSteps: 20` }]);
    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(16);
    expect(meta.height).toBe(9);
    const pixels = await sharp(out).raw().toBuffer();
    expect(pixels.equals(raw)).toBe(true);
    expect(pixels.equals(await sharp(png).raw().toBuffer())).toBe(true);
  });

  it('replaces an existing chunk with the same keyword instead of duplicating', async () => {
    const { png } = await makePng();
    const once = writePngTextChunks(png, [
      { keyword: 'parameters', text: 'first' },
      { keyword: 'other', text: 'stays' },
    ]);
    const twice = writePngTextChunks(once, [{ keyword: 'parameters', text: 'second テ' }]);
    // 'other' keeps its place; the new 'parameters' goes right before IDAT (after it)
    expect(readPngTextChunks(twice)).toEqual([
      { keyword: 'other', text: 'stays', type: 'tEXt' },
      { keyword: 'parameters', text: 'second テ', type: 'iTXt' },
    ]);
    const thrice = writePngTextChunks(twice, [{ keyword: 'parameters', text: 'third' }]);
    expect(readPngTextChunks(thrice).filter((c) => c.keyword === 'parameters')).toEqual([
      { keyword: 'parameters', text: 'third', type: 'tEXt' },
    ]);
    expect(strictChunks(thrice).every((c) => c.crcOk)).toBe(true);
  });

  it('removes same-keyword zTXt/iTXt chunks located after IDAT, and keyword match is case-sensitive', async () => {
    const { png } = await makePng();
    const z = chunk('zTXt', Buffer.concat([Buffer.from('parameters\0\0', 'latin1'), zlib.deflateSync(Buffer.from('old'))]));
    const i = chunk('iTXt', Buffer.from('parameters\0\0\0\0\0old too', 'latin1'));
    const other = chunk('tEXt', Buffer.from('Parameters\0different key', 'latin1'));
    const out = writePngTextChunks(appendBeforeIend(png, z, i, other), [{ keyword: 'parameters', text: 'new' }]);
    expect(readPngTextChunks(out)).toEqual([
      { keyword: 'parameters', text: 'new', type: 'tEXt' },
      { keyword: 'Parameters', text: 'different key', type: 'tEXt' },
    ]);
  });

  it('does not modify its input buffer', async () => {
    const { png } = await makePng();
    const copy = Buffer.from(png);
    writePngTextChunks(png, [{ keyword: 'k', text: 'v' }]);
    expect(png.equals(copy)).toBe(true);
  });

  it('validates keywords', () => {
    for (const ok of ['a', 'parameters', 'date:create', 'x'.repeat(79), 'caf\u00e9', 'two words']) {
      expect(() => assertValidPngKeyword(ok)).not.toThrow();
    }
    for (const bad of ['', 'x'.repeat(80), ' lead', 'trail ', 'double  space', 'tab\tkey', 'nul\0', 'テスト', 'del\u007f', 'nbsp\u00a0']) {
      expect(() => assertValidPngKeyword(bad), JSON.stringify(bad)).toThrow(/invalid PNG text keyword/);
    }
  });

  it('throws on bad input', async () => {
    const { png } = await makePng();
    expect(() => writePngTextChunks(Buffer.from('nope nope nope'), [])).toThrow('not a PNG file');
    expect(() => writePngTextChunks(png, [{ keyword: ' bad', text: 'x' }])).toThrow(/invalid PNG text keyword/);
    expect(() => writePngTextChunks(png, [{ keyword: 'k', text: 'a\0b' }])).toThrow(/NUL/);
    expect(() =>
      writePngTextChunks(png, [
        { keyword: 'k', text: '1' },
        { keyword: 'k', text: '2' },
      ]),
    ).toThrow(/duplicate/);
    expect(() => writePngTextChunks(png.subarray(0, png.length - 5), [{ keyword: 'k', text: 'v' }])).toThrow(/malformed PNG/);
  });
});

// ---------------------------------------------------------------------------
// Real files from other tools
// ---------------------------------------------------------------------------

describe('foreign PNG fixtures', () => {
    const manifest = JSON.parse(readFileSync(path.join(FIXTURE_DIR, 'MANIFEST.json'), 'utf8')) as ManifestEntry[];
    const pngEntries = manifest.filter((e) => e.file.endsWith('.png'));

    it('the manifest describes every .png in the folder', () => {
      const onDisk = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.png')).sort();
      expect(pngEntries.map((e) => e.file).sort()).toEqual(onDisk);
    });

    it.each(pngEntries.map((e) => [e.file, e] as const))('%s: finds exactly the manifest keywords', (_file, entry) => {
      const png = readFileSync(path.join(FIXTURE_DIR, entry.file));
      const found = readPngTextChunks(png);
      expect(found.map((c) => c.keyword)).toEqual(entry.chunks);

      // chunk type, length (code points, as Python's len()) and position agree with chunk_detail
      const detail = entry.chunk_detail ?? [];
      expect(found.map((c) => c.type)).toEqual(detail.map((d) => d.type));
      expect(found.map((c) => [...c.text].length)).toEqual(detail.map((d) => d.chars));
      const all = strictChunks(png);
      const idat = all.findIndex((c) => c.type === 'IDAT');
      const textPositions = all.flatMap((c, i) => (['tEXt', 'zTXt', 'iTXt'].includes(c.type) ? [i > idat] : []));
      expect(textPositions).toEqual(detail.map((d) => d.after_IDAT));

      expect(pngDimensions(png)).toEqual({ width: entry.width, height: entry.height });
    });

    it('rewriting a fixture moves an after-IDAT zTXt "parameters" to a tEXt before IDAT, keeping everything else', async () => {
      const png = readFileSync(path.join(FIXTURE_DIR, 'tricky_a1111_ztxt_after_idat_1x1.png'));
      const original = readPngTextChunks(png);
      const params = original.find((c) => c.keyword === 'parameters');
      expect(params?.type).toBe('zTXt');
      const out = writePngTextChunks(png, [{ keyword: 'parameters', text: params!.text }]);
      const chunks = strictChunks(out);
      expect(chunks.every((c) => c.crcOk)).toBe(true);
      const t = chunks.map((c) => c.type);
      expect(t.indexOf('tEXt')).toBeLessThan(t.indexOf('IDAT'));
      const reread = readPngTextChunks(out);
      expect(reread[0]).toEqual({ keyword: 'parameters', text: params!.text, type: 'tEXt' });
      expect(reread.slice(1)).toEqual(original.filter((c) => c.keyword !== 'parameters'));
      expect((await sharp(out).raw().toBuffer()).equals(await sharp(png).raw().toBuffer())).toBe(true);
    });
  },
);
