/**
 * What a GET or HEAD of an immutable file answers, by RFC 9110 (§13 conditional requests, §14 ranges).
 * Pure: the caller hands in the request's headers and the file's validators, and sends what this decides;
 * a HEAD gets the headers a GET would, and the caller sends no body.
 */

export interface RequestHeaders {
  range?: string | string[];
  'if-none-match'?: string | string[];
  'if-modified-since'?: string | string[];
  'if-range'?: string | string[];
}

export interface Representation {
  size: number;
  /** Strong, quoted: `"..."`. */
  etag: string;
  lastModified: Date;
  contentType: string;
}

export interface ConditionalGetDecision {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string>;
  /** The bytes to send (inclusive), for a 206. */
  range?: { start: number; end: number };
}

export const IMMUTABLE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

export function decideConditionalGet(headers: RequestHeaders, file: Representation): ConditionalGetDecision {
  const lastModified = file.lastModified.toUTCString();
  const validators = { etag: file.etag, 'last-modified': lastModified, 'cache-control': IMMUTABLE_CACHE_CONTROL };

  if (isNotModified(headers, file)) return { status: 304, headers: validators };

  const common = { 'accept-ranges': 'bytes', ...validators, 'content-type': file.contentType };
  const rangeHeader = single(headers.range);
  const range = rangeHeader === undefined || !ifRangeHolds(headers['if-range'], file) ? null : parseRange(rangeHeader, file.size);

  if (range === 'unsatisfiable') {
    // No cache headers: a cache must not keep this answer in place of the file.
    return { status: 416, headers: { 'accept-ranges': 'bytes', 'content-range': `bytes */${file.size}` } };
  }
  if (range === null) {
    return { status: 200, headers: { ...common, 'content-length': String(file.size) } };
  }
  return {
    status: 206,
    headers: { ...common, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${file.size}` },
    range,
  };
}

/** §13.2.2: If-None-Match, when present, decides alone; If-Modified-Since counts only without it. */
function isNotModified(headers: RequestHeaders, file: Representation): boolean {
  const matched = ifNoneMatchHolds(headers['if-none-match'], file.etag);
  if (matched !== undefined) return matched;
  const since = single(headers['if-modified-since']);
  if (since === undefined) return false;
  const sinceMs = parseHttpDate(since);
  return sinceMs !== null && wholeSeconds(file.lastModified) <= sinceMs;
}

/**
 * §13.1.2: whether If-None-Match names `etag` (weak comparison; `*` names any), so that a GET or HEAD is
 * answered 304 Not Modified; undefined when the request has no If-None-Match.
 */
export function ifNoneMatchHolds(header: string | string[] | undefined, etag: string): boolean | undefined {
  const list = joined(header);
  if (list === undefined) return undefined;
  return list.trim() === '*' || entityTags(list).some((tag) => weakMatch(tag, etag));
}

/** §13.1.5: a Range counts only if If-Range (when present) names this very file, by a strong match or its exact date. */
function ifRangeHolds(ifRange: string | string[] | undefined, file: Representation): boolean {
  if (ifRange === undefined) return true;
  if (Array.isArray(ifRange)) return false;
  const value = ifRange.trim();
  if (value.startsWith('"')) return value === file.etag;
  if (value.startsWith('W/')) return false;
  const dateMs = parseHttpDate(value);
  return dateMs !== null && dateMs === wholeSeconds(file.lastModified);
}

/**
 * §14.1.2: one `bytes` range, clamped to the file; 'unsatisfiable' when it starts past the end
 * (or is `-0`); null for anything to ignore: no parse, another unit, a backwards range, several ranges.
 */
export function parseRange(header: string, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const match = /^bytes=(.*)$/i.exec(header.trim());
  if (!match) return null;
  // Lists may carry empty elements (§5.6.1); more than one range is not served here.
  const specs = match[1]!.split(',').map((s) => s.trim()).filter(Boolean);
  if (specs.length !== 1) return null;
  const spec = /^(\d*)-(\d*)$/.exec(specs[0]!);
  if (!spec || (spec[1] === '' && spec[2] === '')) return null;
  const total = BigInt(size);

  if (spec[1] === '') {
    const suffix = BigInt(spec[2]!);
    if (suffix === 0n) return 'unsatisfiable';
    // An empty file has no bytes to name; send it whole rather than a range of nothing.
    if (size === 0) return null;
    return { start: Number(suffix >= total ? 0n : total - suffix), end: size - 1 };
  }

  const first = BigInt(spec[1]!);
  const last = spec[2] === '' ? null : BigInt(spec[2]!);
  if (last !== null && last < first) return null;
  if (first >= total) return 'unsatisfiable';
  return { start: Number(first), end: Number(last === null || last >= total ? total - 1n : last) };
}

/** The opaque tags of an If-None-Match list, weak or strong, quotes included. */
function entityTags(list: string): string[] {
  return [...list.matchAll(/(?:W\/)?("[^"]*")/g)].map((m) => m[1]!);
}

function weakMatch(opaqueTag: string, etag: string): boolean {
  return opaqueTag === (etag.startsWith('W/') ? etag.slice(2) : etag);
}

/** HTTP dates have whole seconds; Last-Modified is sent that way, so comparisons drop the milliseconds. */
function wholeSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}

function parseHttpDate(value: string): number | null {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** A field that may occur once; a repeated one is not trusted. */
function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined;
  return value;
}

/** A list field; repeats are one list (§5.3). */
function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
