import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services/container.ts';
import { ValidationError } from '../errors.ts';
import { decideConditionalGet } from '../http/conditional-get.ts';
import { BUCKET_NOUN, contentTypeOf, imageFilenameOf, isImageFilename, isOriginalFilename, isThumbnailFilename } from '../lib/filenames.ts';
import type { Bucket, StoredFile } from '../ports/image-store.port.ts';


/**
 * Sends an open stored file as the answer to `req` (ETag / If-None-Match / Range / HEAD), closing it
 * when the response is over. `headers` are added to a successful answer (e.g. for shared files).
 */
export function sendStoredFile(req: FastifyRequest, reply: FastifyReply, file: StoredFile, bucket: Bucket, filename: string, headers: Record<string, string> = {}) {
  const release = () => file.close().catch((err: unknown) => req.log.warn({ err }, `closing ${bucket}/${filename} failed`));
  // Sent, aborted by the client or failed: the file is released when the response is over.
  reply.raw.on('close', release);

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
  return reply.send(file.body(decision.range));
}

/**
 * `/images/{filename}`, `/thumbs/{filename}` and `/originals/{filename}`: only names the store made;
 * files never change, so they cache forever. Headers and body come from one open file, so a delete
 * that lands mid-request gives either the whole file or a 404, never a mix.
 */
export function fileRoutes(app: FastifyInstance, { files, config }: Services): void {
  // Image URLs that are not public (IMAGEFLOW_PUBLIC_IMAGES=false, with accounts) open only for their owner, and caches keep them private.
  const guarded = !config.publicImages && config.auth;
  const serve = (bucket: Bucket, accepts: (name: string) => boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const { filename } = req.params as { filename: string };
    if (!accepts(filename)) throw new ValidationError(`"${filename}" is not the name of a stored ${BUCKET_NOUN[bucket]}.`);
    if (!guarded) return sendStoredFile(req, reply, await files.open(bucket, filename), bucket, filename);
    const file = await files.openOwn(req.actor, bucket, filename, imageFilenameOf(filename));
    return sendStoredFile(req, reply, file, bucket, filename, { 'cache-control': 'private, max-age=31536000, immutable' });
  };

  const route = (url: string, bucket: Bucket, accepts: (name: string) => boolean, what: string) =>
    app.route({
      method: ['GET', 'HEAD'],
      url,
      // HEAD is handled here, so it answers with the GET's headers without opening a body.
      exposeHeadRoute: false,
      schema: { tags: ['files'], summary: `The ${what} file (supports HEAD, Range, ETag)` },
      handler: serve(bucket, accepts),
    });
  route('/images/:filename', 'images', isImageFilename, 'PNG image');
  route('/thumbs/:filename', 'thumbs', isThumbnailFilename, 'WebP thumbnail');
  route('/originals/:filename', 'originals', isOriginalFilename, 'uploaded original (PNG, JPEG or WebP, byte for byte as it came)');
}
