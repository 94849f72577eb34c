import { describe, expect, it } from 'vitest';
import { decideConditionalGet, IMMUTABLE_CACHE_CONTROL, parseRange, type RequestHeaders } from './conditional-get.ts';

const FILE = { size: 1000, etag: '"3e8-18f0a1b2c3d"', lastModified: new Date('2024-05-01T12:00:00.750Z'), contentType: 'image/png' };
const LAST_MODIFIED = 'Wed, 01 May 2024 12:00:00 GMT';
const decide = (headers: RequestHeaders = {}, file = FILE) => decideConditionalGet(headers, file);

describe('decideConditionalGet', () => {
  it('a plain request: 200 with the whole file and every header', () => {
    expect(decide()).toEqual({
      status: 200,
      headers: {
        'accept-ranges': 'bytes',
        'cache-control': IMMUTABLE_CACHE_CONTROL,
        etag: FILE.etag,
        'last-modified': LAST_MODIFIED,
        'content-type': 'image/png',
        'content-length': '1000',
      },
    });
  });

  describe('If-None-Match and If-Modified-Since', () => {
    const notModified = { status: 304, headers: { etag: FILE.etag, 'last-modified': LAST_MODIFIED, 'cache-control': IMMUTABLE_CACHE_CONTROL } };

    it('304 with the validators and no content headers when the ETag matches', () => {
      expect(decide({ 'if-none-match': FILE.etag })).toEqual(notModified);
    });

    it('matches anywhere in a list, weakly, and for *', () => {
      expect(decide({ 'if-none-match': `"other", ${FILE.etag}` }).status).toBe(304);
      expect(decide({ 'if-none-match': `"a","b" ,W/${FILE.etag}` }).status).toBe(304);
      expect(decide({ 'if-none-match': ['"other"', FILE.etag] }).status).toBe(304);
      expect(decide({ 'if-none-match': '*' }).status).toBe(304);
      expect(decide({ 'if-none-match': ' * ' }).status).toBe(304);
    });

    it('200 when nothing in the list matches, or the list is garbage', () => {
      expect(decide({ 'if-none-match': '"other", W/"another"' }).status).toBe(200);
      expect(decide({ 'if-none-match': FILE.etag.slice(1, -1) }).status).toBe(200);
      expect(decide({ 'if-none-match': '' }).status).toBe(200);
    });

    it('If-Modified-Since: 304 at or after Last-Modified (whole seconds), 200 before it or when not a date', () => {
      expect(decide({ 'if-modified-since': LAST_MODIFIED })).toEqual(notModified);
      expect(decide({ 'if-modified-since': 'Thu, 01 Jan 2099 00:00:00 GMT' }).status).toBe(304);
      expect(decide({ 'if-modified-since': 'Wed, 01 May 2024 11:59:59 GMT' }).status).toBe(200);
      expect(decide({ 'if-modified-since': 'yesterday' }).status).toBe(200);
    });

    it('If-None-Match wins over If-Modified-Since, both ways', () => {
      expect(decide({ 'if-none-match': '"other"', 'if-modified-since': LAST_MODIFIED }).status).toBe(200);
      expect(decide({ 'if-none-match': FILE.etag, 'if-modified-since': 'Wed, 01 May 2000 00:00:00 GMT' }).status).toBe(304);
    });

    it('a matching validator wins over a Range', () => {
      expect(decide({ 'if-none-match': FILE.etag, range: 'bytes=0-9' }).status).toBe(304);
      expect(decide({ 'if-none-match': FILE.etag, range: 'bytes=5000-' }).status).toBe(304);
    });
  });

  describe('Range', () => {
    it('206 for one byte range, with Content-Range and the length of the part', () => {
      const d = decide({ range: 'bytes=10-19' });
      expect(d.status).toBe(206);
      expect(d.range).toEqual({ start: 10, end: 19 });
      expect(d.headers).toMatchObject({
        'content-range': 'bytes 10-19/1000',
        'content-length': '10',
        'content-type': 'image/png',
        etag: FILE.etag,
        'cache-control': IMMUTABLE_CACHE_CONTROL,
        'accept-ranges': 'bytes',
        'last-modified': LAST_MODIFIED,
      });
    });

    it('open-ended, suffix and past-the-end ranges are clamped to the file', () => {
      expect(decide({ range: 'bytes=990-' }).headers['content-range']).toBe('bytes 990-999/1000');
      expect(decide({ range: 'bytes=-100' }).headers['content-range']).toBe('bytes 900-999/1000');
      expect(decide({ range: 'bytes=-5000' }).headers['content-range']).toBe('bytes 0-999/1000');
      expect(decide({ range: 'bytes=500-99999999999999999999999' }).headers['content-range']).toBe('bytes 500-999/1000');
      expect(decide({ range: 'bytes=999-999' }).range).toEqual({ start: 999, end: 999 });
      expect(decide({ range: 'BYTES=0-0' }).range).toEqual({ start: 0, end: 0 });
      expect(decide({ range: 'bytes=0-1,' }).range).toEqual({ start: 0, end: 1 });
    });

    it('416 with Content-Range: bytes */size when the range starts past the end, or is -0', () => {
      const expected = { status: 416, headers: { 'accept-ranges': 'bytes', 'content-range': 'bytes */1000' } };
      expect(decide({ range: 'bytes=1000-' })).toEqual(expected);
      expect(decide({ range: 'bytes=1000-2000' })).toEqual(expected);
      expect(decide({ range: 'bytes=99999999999999999999999-' })).toEqual(expected);
      expect(decide({ range: 'bytes=-0' })).toEqual(expected);
    });

    it('anything it cannot serve as one byte range is ignored: 200 with the whole file', () => {
      for (const range of ['bytes=abc', 'items=0-1', 'bytes=5-1', 'bytes=0-1,5-9', 'bytes=0-1, -5', 'bytes=', 'bytes=-', 'bytes 0-1', 'bytes=0 - 1', 'bytes=-1-2', 'bytes=1.5-2', '=0-1', '']) {
        const d = decide({ range });
        expect(d.status, range).toBe(200);
        expect(d.range, range).toBeUndefined();
        expect(d.headers['content-length'], range).toBe('1000');
        expect(d.headers['content-range'], range).toBeUndefined();
      }
      expect(decide({ range: ['bytes=0-1', 'bytes=2-3'] }).status).toBe(200);
    });

    it('If-Range: the range is served only for this strong ETag or exact date; otherwise the whole file', () => {
      expect(decide({ range: 'bytes=0-9', 'if-range': FILE.etag }).status).toBe(206);
      expect(decide({ range: 'bytes=0-9', 'if-range': LAST_MODIFIED }).status).toBe(206);
      expect(decide({ range: 'bytes=0-9', 'if-range': '"old"' }).status).toBe(200);
      expect(decide({ range: 'bytes=0-9', 'if-range': `W/${FILE.etag}` }).status).toBe(200);
      expect(decide({ range: 'bytes=0-9', 'if-range': 'Wed, 01 May 2024 12:00:01 GMT' }).status).toBe(200);
      expect(decide({ range: 'bytes=0-9', 'if-range': 'garbage' }).status).toBe(200);
      expect(decide({ range: 'bytes=5000-', 'if-range': '"old"' }).status).toBe(200);
      expect(decide({ 'if-range': '"old"' }).status).toBe(200);
    });

    it('an empty file: a suffix range sends it whole, a range from 0 is unsatisfiable', () => {
      const empty = { ...FILE, size: 0 };
      expect(decide({ range: 'bytes=-10' }, empty)).toMatchObject({ status: 200, headers: { 'content-length': '0' } });
      expect(decide({ range: 'bytes=0-' }, empty)).toMatchObject({ status: 416, headers: { 'content-range': 'bytes */0' } });
    });
  });
});

describe('parseRange', () => {
  it('reads the three forms of a byte range', () => {
    expect(parseRange('bytes=0-0', 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=3-', 10)).toEqual({ start: 3, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange(' bytes=2-4 ', 10)).toEqual({ start: 2, end: 4 });
  });

  it('tells unsatisfiable from unparsable', () => {
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=4-3', 10)).toBeNull();
    expect(parseRange('pages=1-2', 10)).toBeNull();
  });
});
