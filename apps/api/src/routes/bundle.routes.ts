import os from 'node:os';
import fs from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { BUNDLE_SCOPES, BundleImport, ErrorBody, NodeId } from '@imageflow/shared';
import { spoolUploadedFile } from '../http/uploads.ts';
import type { Services } from '../services/container.ts';

const IdParams = z.object({ id: NodeId });
const ScopeQuery = z.object({
  scope: z.enum(BUNDLE_SCOPES).default('tree').describe('tree: the whole tree of the image; branch: the image and all made from it; path: from the first image down to it.'),
});
const errors = { 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody, 429: ErrorBody };

/** Lineage bundles: export an image's tree, branch or path as a .zip, and import one. */
export function bundleRoutes(app: FastifyInstance, { bundles, config }: Services, uploadGate: onRequestHookHandler): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/images/:id/bundle', {
    schema: {
      tags: ['bundles'],
      summary: 'Export as a lineage bundle (.zip): a manifest of nodes, recipes and hashes, and every file byte for byte',
      params: IdParams,
      querystring: ScopeQuery,
      produces: ['application/zip'],
      response: { 200: z.unknown().describe('The bundle, application/zip, streamed.'), ...errors },
    },
    handler: async (req, reply) => {
      const bundle = await bundles.export(req.params.id, req.query.scope, req.actor);
      const body = new PassThrough();
      // A failure once the bytes flow cuts the download short: an import refuses what is cut short.
      bundle.write(body).catch((err: unknown) => {
        req.log.warn({ err }, 'a lineage bundle export stopped');
        body.destroy(err as Error);
      });
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${bundle.filename}"`)
        .header('cache-control', 'no-store')
        .send(body);
    },
  });

  r.post('/api/bundles', {
    schema: {
      tags: ['bundles'],
      summary: 'Import a lineage bundle (multipart field "file"): the same tree with the same hashes; what is already here is kept, so importing twice adds nothing',
      consumes: ['multipart/form-data'],
      response: { 201: BundleImport, ...errors },
    },
    onRequest: uploadGate,
    handler: async (req, reply) => {
      const spooled = await spoolUploadedFile(req, { maxBytes: config.maxBundleBytes, idleMs: config.uploadIdleMs, setting: 'IMAGEFLOW_MAX_BUNDLE_MB', what: 'bundle' }, os.tmpdir());
      try {
        return reply.status(201).send(await bundles.import(spooled.path, req.actor));
      } finally {
        await fs.rm(spooled.path, { force: true });
      }
    },
  });
}
