import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Health } from '@imageflow/shared';
import type { Services } from '../app.ts';
import { VERSION } from '../app.ts';

export function healthRoutes(app: FastifyInstance, { providers, databaseKind }: Services): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/health', {
    schema: { tags: ['system'], summary: 'Liveness, with the state of each provider', response: { 200: Health } },
    handler: async () => {
      const entries = await Promise.all(
        providers.all().map(async (p) => [p.name, { ok: (await p.health()).ok, ai: p.isAi }] as const),
      );
      return { status: 'ok' as const, version: VERSION, database: databaseKind, providers: Object.fromEntries(entries) };
    },
  });

  app.get('/', { schema: { hide: true } }, (req, reply) => {
    const origin = `${req.protocol}://${req.host}`;
    reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ImageFlow</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}code{background:#f3f3f3;padding:.1em .3em;border-radius:4px}</style></head>
<body><h1>ImageFlow</h1>
<p>The API is running. Browse and try every route at <a href="/api/docs">/api/docs</a>.</p>
<p>With no GPU backend configured, images come from the <strong>builtin</strong> engine: an offline procedural renderer, not an AI model.</p>
<p>Try: <code>curl ${origin}/api/images/generate -H 'content-type: application/json' -d '{"prompt":"lighthouse at sunset"}'</code></p>
</body></html>`);
  });
}
