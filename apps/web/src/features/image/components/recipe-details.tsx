import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { GitCompareArrows } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { ProviderBadge } from '@/components/ui/provider-badge';
import { ActionBadge } from '@/features/lineage/components/action-badge';
import { formatBytes, formatDateTime, shortSha } from '../format';

function Row({ label, children, wide = false }: { label: string; children: ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? 'col-span-2' : undefined}>
      <dt className="text-xs font-medium text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="mt-0.5 break-words text-sm text-zinc-900 tabular-nums dark:text-zinc-100">{children}</dd>
    </div>
  );
}

const spec = (node: ImageNode, key: string): string | number | undefined => {
  const value = (node.spec_json as Record<string, unknown>)[key];
  return typeof value === 'number' || typeof value === 'string' ? value : undefined;
};

/** Everything that made the image: the prompts and every recipe setting, plus file facts. */
export function RecipeDetails({ node }: { node: ImageNode }) {
  const seed = node.seed ?? spec(node, 'seed');
  const usesStrength = node.action_type === 'img2img';
  const created = (
    <Row label="Created">
      <time dateTime={node.created_at}>{formatDateTime(node.created_at)}</time>
    </Row>
  );
  return (
    <section aria-labelledby="recipe-heading" className="space-y-4">
      <h2 id="recipe-heading" className="text-sm font-semibold">
        Recipe
      </h2>
      <div className="space-y-3">
        <div>
          <h3 className="text-xs font-medium text-zinc-500 dark:text-zinc-400">Prompt</h3>
          <p className="mt-1 whitespace-pre-wrap break-words text-sm leading-relaxed" data-testid="recipe-prompt">
            {node.prompt || <span className="text-zinc-400">No prompt (uploaded image)</span>}
          </p>
        </div>
        <div>
          <h3 className="text-xs font-medium text-zinc-500 dark:text-zinc-400">Negative prompt</h3>
          <p className="mt-1 whitespace-pre-wrap break-words text-sm leading-relaxed text-zinc-700 dark:text-zinc-300" data-testid="recipe-negative-prompt">
            {node.negative_prompt || <span className="text-zinc-400">None</span>}
          </p>
        </div>
      </div>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-3 rounded-xl bg-zinc-50 p-3.5 ring-1 ring-inset ring-zinc-200/70 dark:bg-zinc-900/60 dark:ring-zinc-800">
        <Row label="Model">{node.model}</Row>
        <Row label="Provider">
          <ProviderBadge provider={node.provider} />
        </Row>
        <Row label="Seed">{seed ?? '—'}</Row>
        <Row label="Size">
          {node.width} × {node.height}
        </Row>
        <Row label="Steps">{spec(node, 'steps') ?? '—'}</Row>
        <Row label="Guidance">{spec(node, 'guidance') ?? '—'}</Row>
        <Row label="Sampler">{spec(node, 'sampler') ?? '—'}</Row>
        {usesStrength ? <Row label="Strength">{spec(node, 'strength') ?? '—'}</Row> : null}
        <Row label="Action">
          <ActionBadge action={node.action_type} />
        </Row>
        {usesStrength ? created : null}
        <Row label="Parent" wide>
          {node.parent_id !== null ? (
            <span className="flex items-center gap-3">
              <Link to={`/image/${node.parent_id}`} className="font-medium text-indigo-600 hover:underline dark:text-indigo-400">
                #{node.parent_id}
              </Link>
              <Link
                to={`/compare/${node.parent_id}/${node.id}`}
                className="inline-flex items-center gap-1 text-xs text-zinc-500 hover:text-zinc-900 hover:underline dark:text-zinc-400 dark:hover:text-zinc-100"
              >
                <GitCompareArrows className="h-3.5 w-3.5" aria-hidden />
                Compare with parent
              </Link>
            </span>
          ) : (
            <span className="text-zinc-500">None (root)</span>
          )}
        </Row>
        {usesStrength ? null : created}
        <Row label="File size">{node.deleted_at ? '— (deleted)' : formatBytes(node.bytes)}</Row>
        <Row label="SHA-256" wide={!usesStrength}>
          <span className="font-mono text-xs" title={node.sha256}>
            {shortSha(node.sha256)}
          </span>
        </Row>
      </dl>
    </section>
  );
}
