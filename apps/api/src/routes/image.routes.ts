import { z } from 'zod';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BulkImages, BulkImagesResult, DeleteImageQuery, DownloadImages, ErrorBody, GalleryPage, GalleryQuery, ImageNode, IncludeBase64Query, Lineage, LineageQuery, LineageSummary, NodeId, PatchImage, TrashPage, TrashQuery, MAX_BULK_IMAGES, MAX_DOWNLOAD_IMAGES } from '@imageflow/shared';
import type { Services } from '../services/container.ts';
import { clientGoneSignal, readUploadedFile } from '../http/uploads.ts';
import { sendJson } from '../http/compression.ts';
import { ifNoneMatchHolds } from '../http/conditional-get.ts';

const IdParams = z.object({ id: NodeId });
const errors = { 400: ErrorBody, 404: ErrorBody };

export function imageRoutes(app: FastifyInstance, { images, lineage, config }: Services, uploadGate: onRequestHookHandler): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/images', {
    schema: { tags: ['images'], summary: 'Gallery: newest first (or oldest, order=asc), keyset-paged, searchable', querystring: GalleryQuery, response: { 200: GalleryPage, ...errors } },
    handler: async (req, reply) => sendJson(req, reply, await images.gallery(req.query, req.actor)),
  });

  r.post('/api/images/download', {
    schema: {
      tags: ['images'],
      summary: `Download images as one .zip of their PNGs, named <id>-<prompt words>.png, streamed (at most ${MAX_DOWNLOAD_IMAGES} at once)`,
      body: DownloadImages,
      produces: ['application/zip'],
      response: { 200: z.unknown().describe('The .zip, application/zip, streamed.'), ...errors, 409: ErrorBody },
    },
    handler: async (req, reply) => {
      const zip = await images.download(req.body.ids, req.actor);
      // A file that fails once the bytes flow cuts the download short (with Content-Length, visibly so).
      zip.body.once('error', (err) => req.log.warn({ err }, 'an images .zip download stopped'));
      if (zip.size !== null) reply.header('content-length', zip.size);
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${zip.filename}"`)
        .header('cache-control', 'no-store')
        .send(zip.body);
    },
  });

  r.post('/api/images/bulk', {
    schema: {
      tags: ['images'],
      summary: `Star, unstar, trash or restore many images at once (at most ${MAX_BULK_IMAGES}; one request of the rate limit, however many)`,
      description:
        'All or nothing: every id is checked first, and when one cannot take the action nothing changes. ' +
        "404: an id that is not there or not yours; 400: starring or unstarring an image in the trash or deleted for good; " +
        '409: restoring one not in the trash or deleted for good. Trashing one already in the trash or deleted for good leaves it as it is. ' +
        'The error names the ids at fault (the first few). An id named twice counts once. 200: the images as they are now, in the order of ids.',
      body: BulkImages,
      response: { 200: BulkImagesResult, ...errors, 409: ErrorBody },
    },
    handler: async (req) => ({ items: await images.bulk(req.body.ids, req.body.action, req.actor) }),
  });

  r.get('/api/images/:id', {
    schema: { tags: ['images'], summary: 'One image node', params: IdParams, querystring: IncludeBase64Query, response: { 200: ImageNode, ...errors } },
    handler: async (req) => {
      const node = await images.get(req.params.id, req.actor);
      return req.query.include_base64 ? (await images.withBase64([node]))[0] : node;
    },
  });

  r.patch('/api/images/:id', {
    schema: { tags: ['images'], summary: 'Star or unstar an image', params: IdParams, body: PatchImage, response: { 200: ImageNode, ...errors, 409: ErrorBody } },
    handler: (req) => images.setStarred(req.params.id, req.body.starred, req.actor),
  });

  r.delete('/api/images/:id', {
    schema: {
      tags: ['images'],
      summary: 'Move to the trash (restorable until purged); ?forever=true removes the files now, leaving a tombstone in the lineage',
      params: IdParams,
      querystring: DeleteImageQuery,
      response: { 200: ImageNode, ...errors },
    },
    handler: (req) => (req.query.forever === 'true' ? images.deleteForever(req.params.id, req.actor) : images.trash(req.params.id, req.actor)),
  });

  r.post('/api/images/:id/restore', {
    schema: { tags: ['images'], summary: 'Take an image out of the trash', params: IdParams, response: { 200: ImageNode, ...errors, 409: ErrorBody } },
    handler: (req) => images.restore(req.params.id, req.actor),
  });

  r.get('/api/trash', {
    schema: { tags: ['images'], summary: 'My images in the trash, most recently trashed first', querystring: TrashQuery, response: { 200: TrashPage, ...errors } },
    handler: (req) => images.trashed(req.query, req.actor),
  });

  r.get('/api/images/:id/lineage', {
    schema: {
      tags: ['lineage'],
      summary: 'The tree around an image, its ancestors, or its descendants; fields=summary: each node as a tree view draws it',
      params: IdParams,
      querystring: LineageQuery,
      response: {
        200: z.union([Lineage, LineageSummary]).describe('A Lineage, or with fields=summary a LineageSummary; its ETag changes with every change to the tree.'),
        304: z.null().describe('Not Modified: If-None-Match names the answer as it is now; no body.'),
        ...errors,
      },
    },
    handler: async (req, reply) => {
      const { scope, limit, cursor, fields } = req.query;
      const answer = await lineage.find(req.params.id, scope, limit, req.actor, cursor, fields);
      // Kept by the browser, asked again with If-None-Match each time (private: the answer is its owner's). A 304
      // carries the Vary a 200 would (RFC 9110 §15.4.5), which sendJson gives large answers.
      reply.header('etag', answer.etag).header('cache-control', 'private, no-cache').header('vary', 'accept-encoding');
      if (ifNoneMatchHolds(req.headers['if-none-match'], answer.etag)) return reply.code(304).send(null);
      return sendJson(req, reply, await answer.text());
    },
  });

  r.post('/api/images/upload', {
    schema: {
      tags: ['images'],
      summary:
        'Import an image (multipart field "file"), kept byte for byte with its recipe. 201: a new node; 200: the node this very file already is. ' +
        'An image ImageFlow made is attached under its parent when the parent is here.',
      consumes: ['multipart/form-data'],
      response: { 200: ImageNode, 201: ImageNode, 400: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody },
    },
    onRequest: uploadGate,
    handler: async (req, reply) => {
      const { data, filename } = await readUploadedFile(req, { maxBytes: config.maxUploadBytes, idleMs: config.uploadIdleMs });
      const { node, created } = await images.upload(data, filename, req.actor, clientGoneSignal(reply));
      return reply.status(created ? 201 : 200).send(node);
    },
  });
}
