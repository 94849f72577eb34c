import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { Health, MODEL_DEFAULTS, MODEL_LABELS, MODEL_NAMES, ModelList, modelFamily } from '@imageflow/shared';
import type { Services } from '../services/container.ts';
import { VERSION } from '../version.ts';

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

  r.get('/api/models', {
    schema: { tags: ['system'], summary: 'Each model, the provider serving it, and whether it is reachable', response: { 200: ModelList } },
    handler: async () => {
      const models = await Promise.all(
        MODEL_NAMES.map(async (name) => {
          const provider = providers.forModel(name);
          const health = await provider.health();
          return {
            name,
            label: MODEL_LABELS[name],
            family: modelFamily(name) as 'sdxl' | 'flux',
            provider: provider.name,
            ai: provider.isAi,
            reachable: health.ok,
            message: health.message ?? null,
            defaults: MODEL_DEFAULTS[name],
          };
        }),
      );
      return { models };
    },
  });
}
