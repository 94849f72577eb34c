import { useEffect, type CSSProperties } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ArrowLeftRight, ArrowUpRight, Columns2, Diff, GitFork, Layers, SplitSquareHorizontal } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { Skeleton } from '@/components/ui/skeleton';
import { tabPanelProps, Tabs, useTabsId } from '@/components/ui/tabs';
import { useImage } from '@/features/image/api';
import { ImageNotFound, isNotFound, LoadError } from '@/features/image/components/states';
import { actionLabel } from '@imageflow/shared/constants';
import { CHECKER } from '@/features/image/styles';
import { ActionTag, CompareImage, SideLabel } from './compare-image';
import { CompareSlider } from './compare-slider';
import { DifferenceView } from './difference-view';
import { OnionSkin } from './onion-skin';
import { RecipeDiffView } from './recipe-diff-view';

const MODES = [
  { value: 'side', label: 'Side by side', icon: <Columns2 className="h-4 w-4" aria-hidden /> },
  { value: 'slider', label: 'Slider', icon: <SplitSquareHorizontal className="h-4 w-4" aria-hidden /> },
  { value: 'difference', label: 'Difference', icon: <Diff className="h-4 w-4" aria-hidden /> },
  { value: 'onion', label: 'Onion skin', icon: <Layers className="h-4 w-4" aria-hidden /> },
] as const;
type Mode = (typeof MODES)[number]['value'];
const isMode = (value: string | null): value is Mode => MODES.some((m) => m.value === value);

const isId = (raw: string | undefined) => raw !== undefined && /^\d+$/.test(raw) && Number(raw) > 0;

export default function ComparePage() {
  const { a: rawA, b: rawB } = useParams();
  const validA = isId(rawA);
  const validB = isId(rawB);
  const a = useImage(validA ? Number(rawA) : 0);
  const b = useImage(validB ? Number(rawB) : 0);

  useEffect(() => {
    document.title = `Compare #${rawA} and #${rawB} · ImageFlow`;
  }, [rawA, rawB]);

  if (!validA) return <ImageNotFound id={rawA} />;
  if (!validB) return <ImageNotFound id={rawB} />;
  if (a.isError) return isNotFound(a.error) ? <ImageNotFound id={rawA} /> : <LoadError error={a.error} onRetry={() => void a.refetch()} what={`image #${rawA}`} />;
  if (b.isError) return isNotFound(b.error) ? <ImageNotFound id={rawB} /> : <LoadError error={b.error} onRetry={() => void b.refetch()} what={`image #${rawB}`} />;
  if (a.isPending || b.isPending) return <CompareSkeleton />;
  return <Comparison a={a.data} b={b.data} />;
}

const PAGE = 'mx-auto max-w-[100rem] space-y-6 px-3 py-4 sm:px-6 lg:py-6';

const AS_NOUN: Record<string, string> = {
  variation: 'a variation',
  remix: 'a remix',
  upscale: 'an upscale',
  edit: 'an edit',
};
/** "B is a variation of A"; for the other actions, "B was made from A (image to image)". */
function madeFrom(child: 'A' | 'B', parent: 'A' | 'B', action: string): string {
  const noun = AS_NOUN[action];
  if (noun) return `${child} is ${noun} of ${parent}`;
  return `${child} was made from ${parent} (${actionLabel(action).toLowerCase()})`;
}

/** How A and B are related, in words. */
function relation(a: ImageNode, b: ImageNode): { text: string; sameTree: boolean } {
  if (a.id === b.id) return { text: 'The same image on both sides', sameTree: true };
  if (b.parent_id === a.id) return { text: madeFrom('B', 'A', b.action_type), sameTree: true };
  if (a.parent_id === b.id) return { text: madeFrom('A', 'B', a.action_type), sameTree: true };
  if (a.parent_id !== null && a.parent_id === b.parent_id) return { text: `Siblings: both from #${a.parent_id}`, sameTree: true };
  if (a.root_id === b.root_id) return { text: `Same lineage (root #${a.root_id})`, sameTree: true };
  return { text: 'From different lineages', sameTree: false };
}

function Comparison({ a, b }: { a: ImageNode; b: ImageNode }) {
  const navigate = useNavigate();
  // The view is in the address (?view=difference), so a link or a reload keeps it.
  const [params, setParams] = useSearchParams();
  const asked = params.get('view');
  const mode: Mode = isMode(asked) ? asked : 'side';
  const setMode = (next: Mode) =>
    setParams(
      (current) => {
        const out = new URLSearchParams(current);
        if (next === 'side') out.delete('view');
        else out.set('view', next);
        return out;
      },
      { replace: true },
    );
  const tabsId = useTabsId();
  const related = relation(a, b);

  return (
    <div className={PAGE}>
      <header className="flex flex-col gap-3 sm:flex-row sm:flex-wrap sm:items-end sm:gap-x-4">
        <div className="min-w-0 flex-1 space-y-1">
          <h1 className="text-xl font-semibold tracking-tight">
            Compare{' '}
            <Link to={`/image/${a.id}`} className="tabular-nums text-indigo-600 hover:underline dark:text-indigo-400">
              #{a.id}
            </Link>{' '}
            <span className="font-normal text-zinc-400">and</span>{' '}
            <Link to={`/image/${b.id}`} className="tabular-nums text-indigo-600 hover:underline dark:text-indigo-400">
              #{b.id}
            </Link>
          </h1>
          <p className="flex flex-wrap items-center gap-x-2 text-sm text-zinc-500 dark:text-zinc-400">
            <GitFork className="h-3.5 w-3.5" aria-hidden />
            {related.text}
            {related.sameTree && a.id !== b.id ? (
              <Link to={`/lineage/${b.id}`} className="text-indigo-600 hover:underline dark:text-indigo-400">
                Open lineage
              </Link>
            ) : null}
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <Tabs
            items={MODES}
            value={mode}
            onChange={setMode}
            label="Comparison view"
            idBase={tabsId}
            className="max-sm:grid max-sm:w-full max-sm:grid-cols-2 max-sm:[&>button]:justify-center"
          />
          <Button size="sm" onClick={() => navigate({ pathname: `/compare/${b.id}/${a.id}`, search: params.toString() })} aria-label="Swap A and B" title="Swap A and B">
            <ArrowLeftRight className="h-4 w-4" aria-hidden />
            Swap
          </Button>
        </div>
      </header>

      <div {...tabPanelProps(tabsId, mode)} className="rounded-2xl focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-indigo-500">
        {mode === 'side' ? (
          <SideBySide a={a} b={b} />
        ) : mode === 'slider' ? (
          <CompareSlider key={`${a.id}-${b.id}`} a={a} b={b} />
        ) : mode === 'difference' ? (
          <DifferenceView key={`${a.id}-${b.id}`} a={a} b={b} />
        ) : (
          <OnionSkin key={`${a.id}-${b.id}`} a={a} b={b} />
        )}
      </div>

      <RecipeDiffView a={a} b={b} />
    </div>
  );
}

function SideBySide({ a, b }: { a: ImageNode; b: ImageNode }) {
  return (
    <div className="grid gap-3 md:grid-cols-2">
      {([
        ['A', a],
        ['B', b],
      ] as const).map(([side, node]) => (
        <figure key={side} className="min-w-0 space-y-2">
          <div
            className={`${CHECKER} relative flex h-[min(60vh,calc(100vw-1.5rem))] items-center justify-center rounded-2xl bg-zinc-100 p-3 ring-1 ring-inset ring-zinc-200 max-sm:aspect-[var(--ratio)] max-sm:h-auto max-sm:max-h-[70vh] sm:p-4 md:h-[calc(100dvh-16rem)] md:min-h-80 dark:bg-zinc-900 dark:ring-zinc-800`}
            style={{ containerType: 'size', '--ratio': `${node.width} / ${node.height}` } as CSSProperties}
          >
            <div className="relative overflow-hidden rounded-md shadow-lg" style={{ width: `min(100cqw, calc(100cqh * ${node.width / node.height}))`, aspectRatio: `${node.width} / ${node.height}` }}>
              <CompareImage node={node} className="absolute inset-0" />
            </div>
            <SideLabel side={side} id={node.id} className="left-3 top-3" />
          </div>
          <figcaption className="flex flex-wrap items-center gap-2 px-1 text-sm">
            <Link
              to={`/image/${node.id}`}
              className="inline-flex items-center gap-1 font-medium tabular-nums text-zinc-900 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-100"
              aria-label={`Open image #${node.id} (${side})`}
            >
              #{node.id}
              <ArrowUpRight className="h-3.5 w-3.5" aria-hidden />
            </Link>
            <ActionTag action={node.action_type} />
            <span className="text-zinc-500 dark:text-zinc-400">
              {node.width} × {node.height}
            </span>
            <span className="min-w-0 flex-1 truncate text-zinc-500 dark:text-zinc-400" title={node.prompt}>
              {node.prompt}
            </span>
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

function CompareSkeleton() {
  return (
    <div className={PAGE} aria-busy="true" aria-label="Loading comparison">
      <Skeleton className="h-7 w-64" />
      <div className="grid gap-3 md:grid-cols-2">
        <Skeleton className="h-[min(60vh,calc(100vw-1.5rem))] rounded-2xl md:h-[calc(100dvh-16rem)]" />
        <Skeleton className="hidden h-[calc(100dvh-16rem)] rounded-2xl md:block" />
      </div>
      <Skeleton className="h-48" />
    </div>
  );
}
