import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services/container.ts';
import { ValidationError } from '../errors.ts';
import { decideConditionalGet } from '../http/conditional-get.ts';
import { FastFiles } from '../http/fast-files.ts';
import { FileCache, fileKey, MemoryFile } from '../http/file-cache.ts';
import { BUCKET_NOUN, contentTypeOf, imageFilenameOf, isImageFilename, isOriginalFilename, isThumbnailFilename } from '../lib/filenames.ts';
import type { Bucket, StoredFile } from '../ports/image-store.port.ts';

/** A file kept whole in memory is at most this share of the cache; larger ones keep only their validators. */
const CACHE_SHARE_PER_FILE = 1 / 8;

/**
 * Sends an open stored file as the answer to `req` (ETag / If-None-Match / Range / HEAD), closing it
 * when the response is over. `headers` are added to a successful answer (e.g. for shared files).
 */
export function sendStoredFile(req: FastifyRequest, reply: FastifyReply, file: StoredFile, bucket: Bucket, filename: string, headers: Record<string, string> = {}) {
  const release = () => file.close().catch((err: unknown) => req.log.warn({ err }, `closing ${bucket}/${filename} failed`));
  // Sent, aborted by the client or failed: the file is released when the response is over.
  if (!(file instanceof MemoryFile)) reply.raw.on('close', release);

  const decision = decideConditionalGet(req.headers, {
    size: file.size,
    etag: file.etag,
    lastModified: file.lastModified,
    contentType: contentTypeOf(filename),
  });
  reply.status(decision.status).headers(decision.headers);
  if (decision.status === 416) {
    void release();
    return reply.send({
      error: {
        code: 'range_not_satisfiable',
        message: `Range "${req.headers.range}" names no byte of ${filename}, which has ${file.size} bytes; ask for a range within bytes 0-${file.size - 1}.`,
      },
    });
  }
  reply.headers(headers);
  if (decision.status === 304 || req.method === 'HEAD') {
    void release();
    return reply.send();
  }
  return reply.send(file instanceof MemoryFile ? file.bytes(decision.range) : file.body(decision.range));
}

/** What serves the file routes of an app: its cache and the path in front of the framework (for tests and diagnostics). */
export interface FileServing {
  cache: FileCache;
  fast: FastFiles | null;
}
const serving = new WeakMap<FastifyInstance, FileServing>();

export function fileServingOf(app: FastifyInstance): FileServing | undefined {
  return serving.get(app);
}

/**
 * `/images/{filename}`, `/thumbs/{filename}` and `/originals/{filename}`: only names the store made;
 * files never change, so they cache forever. Headers and body come from one open file, so a delete
 * that lands mid-request gives either the whole file or a 404, never a mix.
 *
 * Hot files are kept in memory (FileCache, IMAGEFLOW_FILE_CACHE_MB): a remove through this process's store
 * drops them at once, and each is checked against the store again after IMAGEFLOW_FILE_CACHE_RECHECK_MS, which
 * bounds how long a file another process removed can still be served here. When image URLs are public and
 * requests are not logged, cached files are answered before the framework (FastFiles), with the same headers.
 * With an S3 store set to redirect, a GET of an existing file is answered with a redirect to the bucket.
 */
export function fileRoutes(app: FastifyInstance, { files, config }: Services): void {
  // Image URLs that are not public (IMAGEFLOW_PUBLIC_IMAGES=false, with accounts) open only for their owner, and caches keep them private.
  const guarded = !config.publicImages && config.auth;
  const cacheBytes = config.fileCacheBytes ?? 0;
  let cache = new FileCache({ maxBytes: cacheBytes, maxFileBytes: Math.floor(cacheBytes * CACHE_SHARE_PER_FILE), recheckMs: config.fileCacheRecheckMs ?? 0 });
  // A cache that would not hear of removes could outlive them: none then.
  if (cache.enabled && !files.watchChanges((bucket, filename) => cache.changed(fileKey(bucket, filename)))) {
    cache = new FileCache({ maxBytes: 0, maxFileBytes: 0, recheckMs: 0 });
  }
  const redirects = { urlOf: (bucket: Bucket, filename: string) => files.directUrl(bucket, filename), cacheControl: `public, max-age=${REDIRECT_MAX_AGE_S}` };
  const fast = guarded ? null : new FastFiles(cache, app.log, redirects);
  const installed = fast?.install(app) ?? false;
  serving.set(app, { cache, fast: installed ? fast : null });
  const open = (bucket: Bucket, filename: string) => cache.open(bucket, filename, () => files.open(bucket, filename));

  const serve = (bucket: Bucket, accepts: (name: string) => boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const { filename } = req.params as { filename: string };
    if (!accepts(filename)) throw new ValidationError(`"${filename}" is not the name of a stored ${BUCKET_NOUN[bucket]}.`);
    if (guarded) await files.checkOwn(req.actor, bucket, filename, imageFilenameOf(filename));
    const headers = guarded ? PRIVATE : {};
    const location = req.method === 'GET' ? files.directUrl(bucket, filename) : null;
    if (location === null) return sendStoredFile(req, reply, await open(bucket, filename), bucket, filename, headers);
    // The bytes come from the bucket (or its CDN); what is answered here needs only the validators.
    const known = await cache.validators(bucket, filename, () => files.open(bucket, filename));
    const validators = { size: known.size, etag: known.etag, lastModified: known.lastModified, contentType: known.contentType };
    if (decideConditionalGet(req.headers, validators).status === 304) return sendStoredFile(req, reply, new BodilessFile(known), bucket, filename, headers);
    return reply
      .status(302)
      .headers({ location, 'cache-control': guarded ? `private, max-age=${REDIRECT_MAX_AGE_S}` : redirects.cacheControl })
      .send();
  };

  const route = (url: string, bucket: Bucket, accepts: (name: string) => boolean, what: string) =>
    app.route({
      method: ['GET', 'HEAD'],
      url,
      // HEAD is handled here, so it answers with the GET's headers without opening a body.
      exposeHeadRoute: false,
      // A page of thumbnails is dozens of requests: they are logged at debug (and below), errors always.
      ...(logsAtInfo(app) ? { logLevel: 'warn' } : {}),
      // Image bytes are compressed already, and these requests have no body.
      compress: false,
      decompress: false,
      schema: { tags: ['files'], summary: `The ${what} file (supports HEAD, Range, ETag)` },
      ...(installed ? { onSend: (req: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => (fast!.learn(req, reply), done(null, payload)) } : {}),
      handler: serve(bucket, accepts),
    });
  route('/images/:filename', 'images', isImageFilename, 'PNG image');
  route('/thumbs/:filename', 'thumbs', isThumbnailFilename, 'WebP thumbnail');
  route('/originals/:filename', 'originals', isOriginalFilename, 'uploaded original (PNG, JPEG or WebP, byte for byte as it came)');
}

/** Whether the app logs at info exactly (the default), where every other request is logged but file requests are not. */
function logsAtInfo(app: FastifyInstance): boolean {
  const log = app.log as { isLevelEnabled?: (level: string) => boolean };
  return (log.isLevelEnabled?.('info') ?? false) && !(log.isLevelEnabled?.('debug') ?? false);
}

/** How long a client may keep a redirect to the bucket: well within the lifetime of the URL it names. */
const REDIRECT_MAX_AGE_S = 600;
const PRIVATE = { 'cache-control': 'private, max-age=31536000, immutable' };

/** A file known by its validators alone, for answers without a body (304). */
class BodilessFile implements StoredFile {
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;

  constructor(known: { size: number; etag: string; lastModified: Date }) {
    this.size = known.size;
    this.etag = known.etag;
    this.lastModified = known.lastModified;
  }

  body(): never {
    throw new Error('a file known by its validators alone has no body to give');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
