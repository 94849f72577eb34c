import { Fragment } from 'react';
import { Link } from 'react-router';
import { GitCompareArrows } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { ProviderBadge } from '@/components/ui/provider-badge';
import { ActionBadge } from '@/features/lineage/components/action-badge';
import { formatBytes, formatDateTime, shortSha } from '../format';
import { formatName, importedFromOf, importedRecipeOf, modelLabel, samplerLabel } from '../imported';
import { ImportedFields, ImportedFromNote, MadeWith, Row, StatedExtras } from './imported-recipe';

const spec = (node: ImageNode, key: string): string | number | undefined => {
  const value = (node.spec_json as Record<string, unknown>)[key];
  return typeof value === 'number' || typeof value === 'string' ? value : undefined;
};

/** Everything that made the image: the prompts and every recipe setting, plus file facts. */
export function RecipeDetails({ node }: { node: ImageNode }) {
  const imported = importedRecipeOf(node);
  const from = importedFromOf(node);
  // An upload from a file that states no recipe of any tool: there are no settings to show.
  const bare = !imported && !from && node.action_type === 'upload';
  const seed = node.seed ?? spec(node, 'seed');
  const usesStrength = node.action_type === 'img2img' && !imported;
  const created = (
    <Row label="Created">
      <time dateTime={node.created_at}>{formatDateTime(node.created_at)}</time>
    </Row>
  );
  // After the parent: the file facts, the SHA-256 alone on its row when it would be alone anyway.
  const facts = [
    ...(usesStrength ? [] : [created]),
    <Row label="File size">{node.deleted_at ? '— (deleted)' : formatBytes(node.bytes)}</Row>,
    ...(node.original
      ? [
          <Row label="Original">
            <span title={`SHA-256 ${node.original.sha256}`}>
              {formatName(node.original.content_type)} · {formatBytes(node.original.bytes)}
            </span>
          </Row>,
        ]
      : []),
  ];
  return (
    <section aria-labelledby="recipe-heading" className="space-y-4">
      <h2 id="recipe-heading" className="text-sm font-semibold">
        Recipe
      </h2>
      {imported ? <MadeWith recipe={imported} /> : null}
      {from || node.pending_parent_sha256 ? <ImportedFromNote from={from} pendingParent={node.pending_parent_sha256} action={node.action_type} /> : null}
      <div className="space-y-3">
        <div>
          <h3 className="text-xs font-medium text-zinc-500 dark:text-zinc-400">Prompt</h3>
          <p className="mt-1 whitespace-pre-wrap break-words text-sm leading-relaxed" data-testid="recipe-prompt">
            {node.prompt || <span className="text-zinc-400">{imported ? 'The file states no prompt' : 'No prompt (uploaded image)'}</span>}
          </p>
        </div>
        <div>
          <h3 className="text-xs font-medium text-zinc-500 dark:text-zinc-400">Negative prompt</h3>
          <p className="mt-1 whitespace-pre-wrap break-words text-sm leading-relaxed text-zinc-700 dark:text-zinc-300" data-testid="recipe-negative-prompt">
            {node.negative_prompt || <span className="text-zinc-400">None</span>}
          </p>
        </div>
      </div>
      {imported ? <ImportedFields node={node} recipe={imported} /> : null}
      {imported ? <StatedExtras recipe={imported} /> : null}
      <dl className="grid grid-cols-2 gap-x-4 gap-y-3 rounded-xl bg-zinc-50 p-3.5 ring-1 ring-inset ring-zinc-200/70 dark:bg-zinc-900/60 dark:ring-zinc-800" aria-label={imported ? 'File' : undefined}>
        {imported || bare ? (
          <Row label={imported ? 'Pixels' : 'Size'}>
            {node.width} × {node.height}
          </Row>
        ) : (
          <>
            <Row label="Model">{modelLabel(node.model)}</Row>
            <Row label="Provider">
              <ProviderBadge provider={node.provider} />
            </Row>
            <Row label="Seed">{seed ?? '—'}</Row>
            <Row label="Size">
              {node.width} × {node.height}
            </Row>
            <Row label="Steps">{spec(node, 'steps') ?? '—'}</Row>
            <Row label="Guidance">{spec(node, 'guidance') ?? '—'}</Row>
            <Row label="Sampler">{samplerLabel(spec(node, 'sampler')) ?? '—'}</Row>
            {usesStrength ? <Row label="Strength">{spec(node, 'strength') ?? '—'}</Row> : null}
          </>
        )}
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
        {facts.map((fact, i) => (
          <Fragment key={i}>{fact}</Fragment>
        ))}
        <Row label="SHA-256" wide={facts.length % 2 === 0}>
          <span className="font-mono text-xs" title={node.sha256}>
            {shortSha(node.sha256)}
          </span>
        </Row>
      </dl>
    </section>
  );
}
