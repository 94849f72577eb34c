import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services/container.ts';
import type { ShareService } from '../services/share.service.ts';
import { NotFoundError } from '../errors.ts';

const YEAR_MS = 365 * 24 * 3600 * 1000;
const API_PREFIXES = ['/api/', '/images/', '/thumbs/'];

/** Serves the built web app: hashed assets cache forever; every other page path gets index.html. */
export function webRoutes(app: FastifyInstance, { config }: Services, shares: ShareService): void {
  const root = config.webDir;
  const built = fs.existsSync(path.join(root, 'index.html'));
  let indexHtml: string | null = null;

  // A share link's page carries a preview for chat apps (none for a link with a password); its image URL is
  // absolute, as every URL the API gives (relative only for a request whose Host a URL cannot name).
  app.get('/s/:key', { schema: { hide: true } }, async (req, reply) => {
    if (!built) return reply.type('text/html; charset=utf-8').send(notBuiltPage());
    const preview = await shares.preview((req.params as { key: string }).key);
    indexHtml ??= await fs.promises.readFile(path.join(root, 'index.html'), 'utf8');
    const html = preview ? indexHtml.replace('</head>', `${previewTags(preview)}</head>`) : indexHtml;
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(html);
  });

  app.get('/assets/:file', { schema: { hide: true } }, (req, reply) => {
    const { file } = req.params as { file: string };
    if (!built || !/^[\w.-]+$/.test(file)) throw new NotFoundError(`No asset named ${file}.`);
    return reply.sendFile(file, path.join(root, 'assets'), { maxAge: YEAR_MS, immutable: true, dotfiles: 'deny' });
  });

  app.get('/*', { schema: { hide: true } }, (req, reply) => {
    const url = req.url.split('?')[0]!;
    if (API_PREFIXES.some((p) => url.startsWith(p)) || url === '/api') throw new NotFoundError(`No route for GET ${url}.`);
    const file = url.slice(1);
    const looksLikeFile = /\.[a-z0-9]+$/i.test(url);
    if (looksLikeFile) {
      // Files at the top of the build (favicon, manifest); any other file name is a 404, not the app.
      if (built && /^[\w.-]+$/.test(file) && file !== 'index.html' && fs.existsSync(path.join(root, file))) {
        return reply.sendFile(file, root, { maxAge: 3600 * 1000 });
      }
      throw new NotFoundError(`No file at ${url}.`);
    }
    if (!built) return reply.type('text/html; charset=utf-8').send(notBuiltPage());
    return reply.header('cache-control', 'no-cache').sendFile('index.html', root, { cacheControl: false });
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function previewTags(preview: { title: string; description: string; imagePath: string }): string {
  return [
    ['og:title', preview.title],
    ['og:description', preview.description],
    ['og:image', preview.imagePath],
    ['og:type', 'website'],
    ['twitter:card', 'summary_large_image'],
  ]
    .map(([property, content]) => `<meta property="${property}" content="${escapeHtml(content!)}">`)
    .join('');
}

function notBuiltPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ImageFlow</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem}code{background:#f3f3f3;padding:.1em .3em;border-radius:4px}</style></head>
<body><h1>ImageFlow</h1>
<p>The API is running, but the web app has not been built. <code>npm start</code> builds it; or run <code>npm run build -w @imageflow/web</code>.</p>
<p>The API itself is browsable at <a href="/api/docs">/api/docs</a>.</p>
</body></html>`;
}
