import { z } from 'zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CreatedShare, CreateShare, ErrorBody, SharedView, ShareList, ShareSummary, UnlockShare } from '@imageflow/shared';
import { AppError, ValidationError } from '../errors.ts';
import { BUCKET_NOUN, imageFilenameOf, isImageFilename, isThumbnailFilename } from '../lib/filenames.ts';
import type { Bucket } from '../ports/image-store.port.ts';
import { ShareService } from '../services/share.service.ts';
import { sendStoredFile } from './file.routes.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 410: ErrorBody, 429: ErrorBody };
const ShareParams = z.object({ id: z.string().min(1).max(64) });
const KeyParams = z.object({ key: z.string().min(1).max(200) });
const FileParams = z.object({ key: z.string().min(1).max(200), filename: z.string().min(1).max(200) });
const DownloadQuery = z.object({ download: z.enum(['0', '1']).optional() });

class DownloadOffError extends AppError {
  constructor() {
    super(403, 'share_download_off', 'The owner of this link did not allow downloads; the image can be viewed on the shared page.');
  }
}

/** Share links: the owner's routes under /api/shares, and the public ones a link opens (/api/s/{key}, /s/{key}/…). */
export function shareRoutes(app: FastifyInstance, shares: ShareService, passwordLimit: object): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/shares', {
    schema: { tags: ['shares'], summary: 'Share an image, a branch or a path; the link is shown once', body: CreateShare, response: { 201: CreatedShare, ...errors } },
    handler: async (req, reply) => reply.status(201).send(await shares.create(req.actor, req.body)),
  });

  r.get('/api/shares', {
    schema: { tags: ['shares'], summary: 'My share links with their view counts', response: { 200: ShareList, ...errors } },
    handler: async (req) => ({ items: await shares.list(req.actor) }),
  });

  r.delete('/api/shares/:id', {
    schema: { tags: ['shares'], summary: 'Revoke a share link', params: ShareParams, response: { 200: ShareSummary, ...errors } },
    handler: (req) => shares.revoke(req.actor, req.params.id),
  });

  r.get('/api/s/:key', {
    schema: { tags: ['shares'], summary: 'What a share link shows (public; 401 when it needs its password)', params: KeyParams, response: { 200: SharedView, ...errors } },
    handler: (req) => shares.view(req.params.key, unlockOf(req, req.params.key), req.user ? req.actor : null),
  });

  r.post('/api/s/:key/unlock', {
    config: passwordLimit,
    schema: { tags: ['shares'], summary: 'Give a protected link its password: unlocks it in this browser for a day', params: KeyParams, body: UnlockShare, response: { 204: z.null(), ...errors } },
    handler: async (req, reply) => {
      const unlocked = await shares.unlock(req.params.key, req.body.password);
      reply.setCookie(ShareService.unlockCookie(req.params.key), unlocked.secret, { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto', expires: unlocked.expiresAt });
      return reply.status(204).send(null);
    },
  });

  const file = (bucket: Bucket, accepts: (name: string) => boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
    const { key, filename } = FileParams.parse(req.params);
    const { download } = DownloadQuery.parse(req.query);
    if (!accepts(filename)) throw new ValidationError(`"${filename}" is not the name of a stored ${BUCKET_NOUN[bucket]}.`);
    const opened = await shares.open(key, unlockOf(req, key), bucket, imageFilenameOf(filename));
    if (download === '1' && !opened.share.allow_download) {
      await opened.file.close();
      throw new DownloadOffError();
    }
    // Checked against the link on every request, so a revoked link stops at once: caches revalidate.
    return sendStoredFile(req, reply, opened.file, bucket, filename, {
      'cache-control': 'private, no-cache',
      ...(download === '1' ? { 'content-disposition': `attachment; filename="${filename}"` } : {}),
    });
  };
  for (const [bucket, accepts] of [['images', isImageFilename], ['thumbs', isThumbnailFilename]] as const) {
    app.route({
      method: ['GET', 'HEAD'],
      url: `/s/:key/${bucket}/:filename`,
      exposeHeadRoute: false,
      schema: { tags: ['shares'], summary: `A ${bucket === 'images' ? 'PNG image' : 'WebP thumbnail'} of a share link (checked against the link)` },
      handler: file(bucket, accepts),
    });
  }
}

function unlockOf(req: FastifyRequest, key: string): string | undefined {
  return req.cookies[ShareService.unlockCookie(key)];
}
