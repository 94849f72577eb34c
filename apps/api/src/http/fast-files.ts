import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decideConditionalGet, type ConditionalGetDecision } from './conditional-get.ts';
import type { CachedFile, FileCache, PreparedHeaders } from './file-cache.ts';

/** The headers a file answer sets for itself (conditional-get.ts); the others (security headers, Vary) are the envelope. */
const FILE_HEADERS = new Set(['accept-ranges', 'etag', 'last-modified', 'cache-control', 'content-type', 'content-length', 'content-range', 'location']);

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** How the routes answer a GET of a file the client fetches elsewhere (an S3 store set to redirect). */
export interface Redirects {
  /** The URL, or null when the file is answered here. */
  urlOf(bucket: CachedFile['bucket'], filename: string): string | null;
  cacheControl: string;
}

/**
 * Answers requests for cached files before the framework sees them, byte for byte as the file routes would:
 * the same status, the same headers in the same order, the same body.
 *
 * The headers that are not the file's own (helmet's security headers, CORS's `Vary`) are learned from the
 * routes' own answers: this path answers once two of them agree, and every later answer of the routes is
 * compared with them; one that differs turns this path off for good. Only requests whose answer cannot
 * depend on anything the framework does are taken: GET or HEAD of a path that is a cached file's key, without
 * Origin (CORS answers it), Authorization (an API token records its use), a body or Expect. Everything else,
 * a file not cached or not checked within the cache's recheck time, and every answer that is not a 200, 206,
 * 302 (a redirect to the bucket) or 304 go through the routes (a 416 and every error among them). File requests
 * are logged only at IMAGEFLOW_LOG_LEVEL debug or trace (fileRoutes), and this path is off then, since these
 * would not be; it is also off once the server begins to close.
 */
export class FastFiles {
  /** The envelope the routes' answers had, and how many of them had it. */
  private learned: string[] | null = null;
  private seen = 0;
  /** Set once two answers agree: this path answers only with what the routes were seen to send twice alike. */
  private envelope: string[] | null = null;
  private off = false;
  /** Answers given here (for tests and diagnostics). */
  answered = 0;

  constructor(
    private readonly cache: FileCache,
    private readonly log: { warn: (msg: string) => void },
    private readonly redirects: Redirects | null = null,
  ) {}

  /**
   * Puts this path in front of the framework on the app's HTTP server. Does nothing when the server has other
   * request listeners than the framework's own, or when file requests are logged (debug and below).
   */
  install(app: FastifyInstance): boolean {
    const log = app.log as { isLevelEnabled?: (level: string) => boolean };
    if (!this.cache.enabled || (log.isLevelEnabled?.('debug') ?? false)) return false;
    const server = app.server;
    const listeners = server.listeners('request') as Listener[];
    if (listeners.length !== 1) return false;
    const framework = listeners[0]!;
    server.removeListener('request', framework);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (!this.answer(req, res)) framework(req, res);
    });
    app.addHook('preClose', (done) => {
      this.off = true;
      done();
    });
    return true;
  }

  /** Whether nothing in a request could make the framework answer it differently from the file alone. */
  static plain(req: IncomingMessage): boolean {
    const h = req.headers;
    return (
      (req.method === 'GET' || req.method === 'HEAD') &&
      h.origin === undefined &&
      h.authorization === undefined &&
      h['content-length'] === undefined &&
      h['transfer-encoding'] === undefined &&
      h.expect === undefined
    );
  }

  /** Called with each file answer of the routes just before it is sent: learns, or checks, the envelope. */
  learn(req: FastifyRequest, reply: FastifyReply): void {
    if (this.off || !FastFiles.plain(req.raw)) return;
    const status = reply.statusCode;
    if (status !== 200 && status !== 206 && status !== 302 && status !== 304) return;
    const envelope = envelopeOf(reply);
    if (envelope !== null && this.learned === null) {
      this.learned = envelope;
      this.seen = 1;
    } else if (envelope !== null && sameHeaders(this.learned!, envelope)) {
      if (++this.seen === 2) this.envelope = this.learned;
    } else {
      // A header that differs from one answer to the next (or is sent as several lines) cannot be copied.
      this.off = true;
      this.envelope = null;
      this.log.warn('file answers are not all alike: cached files go through the routes');
    }
  }

  /** Answers `req` from the cache if it can, exactly as the routes would; false when the routes must. */
  answer(req: IncomingMessage, res: ServerResponse): boolean {
    const envelope = this.envelope;
    if (envelope === null || this.off) return false;
    const url = req.url!;
    const query = url.indexOf('?');
    const entry = this.cache.fresh(query === -1 ? url : url.slice(0, query));
    if (entry === undefined || !FastFiles.plain(req)) return false;
    const prepared = entry.prepared?.envelope === envelope ? entry.prepared : prepare(entry, envelope);
    const h = req.headers;
    const head = req.method === 'HEAD';
    const location = head || this.redirects === null ? null : this.redirects.urlOf(entry.bucket, entry.filename);
    if (location !== null) {
      // As the routes answer a GET of a file fetched elsewhere: a 304 when the client has it, else the redirect.
      if (h['if-none-match'] === entry.etag || decideConditionalGet(h, entry).status === 304) return this.send(res, 304, prepared.notModified, null, true);
      return this.send(res, 302, [...envelope, 'location', location, 'cache-control', this.redirects!.cacheControl, 'content-length', '0'], null, true);
    }
    if (h.range === undefined && h['if-range'] === undefined && h['if-modified-since'] === undefined) {
      // The common requests, decided as decideConditionalGet decides them, without building its answer.
      const ifNoneMatch = h['if-none-match'];
      if (ifNoneMatch === undefined) return this.send(res, 200, prepared.ok, head ? null : entry.bytes, head);
      if (ifNoneMatch === entry.etag) return this.send(res, 304, prepared.notModified, null, true);
    }
    const decision = decideConditionalGet(h, entry);
    switch (decision.status) {
      case 304:
        return this.send(res, 304, prepared.notModified, null, true);
      case 200:
        return this.send(res, 200, prepared.ok, head ? null : entry.bytes, head);
      case 206: {
        const range = decision.range!;
        const body = head || entry.bytes === null ? null : entry.bytes.subarray(range.start, range.end + 1);
        return this.send(res, 206, [...envelope, ...flat(decision.headers)], body, head);
      }
      default:
        // 416: the route says why.
        return false;
    }
  }

  private send(res: ServerResponse, status: number, headers: string[], body: Buffer | null, bodiless: boolean): boolean {
    if (body === null && !bodiless) return false;
    res.writeHead(status, headers);
    if (body === null) res.end();
    else res.end(body);
    this.answered++;
    return true;
  }
}

function prepare(entry: CachedFile, envelope: string[]): PreparedHeaders {
  const ok = decideConditionalGet({}, entry);
  const notModified = decideConditionalGet({ 'if-none-match': entry.etag }, entry);
  entry.prepared = { envelope, ok: [...envelope, ...flat(ok.headers)], notModified: [...envelope, ...flat(notModified.headers)] };
  return entry.prepared;
}

function flat(headers: ConditionalGetDecision['headers']): string[] {
  const out: string[] = [];
  for (const name in headers) out.push(name, headers[name]!);
  return out;
}

/**
 * The headers of an answer about to be sent that are not the file's own, in the order and spelling they go out:
 * those set on the raw response first (helmet), then the framework's (Vary). Null for a header sent as several
 * lines, which this path does not copy.
 */
function envelopeOf(reply: FastifyReply): string[] | null {
  const raw = reply.raw as typeof reply.raw & { getRawHeaderNames(): string[] };
  const all = reply.getHeaders();
  const out: string[] = [];
  const seen = new Set<string>();
  for (const name of raw.getRawHeaderNames()) {
    const lower = name.toLowerCase();
    seen.add(lower);
    const value = all[lower];
    if (Array.isArray(value)) return null;
    if (!FILE_HEADERS.has(lower) && value !== undefined) out.push(name, String(value));
  }
  for (const [name, value] of Object.entries(all)) {
    if (Array.isArray(value)) return null;
    if (!seen.has(name) && !FILE_HEADERS.has(name) && value !== undefined) out.push(name, String(value));
  }
  return out;
}

function sameHeaders(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
