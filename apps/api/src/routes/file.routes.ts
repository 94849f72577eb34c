import type { FastifyInstance } from 'fastify';
import type { Services } from '../app.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { isImageFilename, isThumbnailFilename } from '../lib/filenames.ts';
import type { Bucket } from '../ports/image-store.port.ts';

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** `/images/{filename}` and `/thumbs/{filename}`: only names the store made; files never change, so they cache forever. */
export function fileRoutes(app: FastifyInstance, { store }: Services): void {
  const serve = (bucket: Bucket, accepts: (name: string) => boolean) => async (req: { params: unknown }, reply: any) => {
    const { filename } = req.params as { filename: string };
    if (!accepts(filename)) throw new ValidationError(`"${filename}" is not the name of a stored ${bucket === 'images' ? 'image' : 'thumbnail'}.`);
    if (!(await store.exists(bucket, filename))) throw new NotFoundError(`No ${bucket === 'images' ? 'image' : 'thumbnail'} named ${filename}; it may have been deleted.`);
    const root = store.localRoot(bucket);
    if (root === null) throw new NotFoundError(`${filename} is not served by this store.`);
    return reply.sendFile(filename, root, { maxAge: YEAR_MS, immutable: true, dotfiles: 'deny', index: false });
  };

  const schema = (what: string) => ({ tags: ['files'], summary: `The ${what} file (supports HEAD, Range, ETag)` });
  app.get('/images/:filename', { schema: schema('PNG image') }, serve('images', isImageFilename));
  app.get('/thumbs/:filename', { schema: schema('WebP thumbnail') }, serve('thumbs', isThumbnailFilename));
}
