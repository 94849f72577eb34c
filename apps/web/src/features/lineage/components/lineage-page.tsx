import '@xyflow/react/dist/style.css';
import '../lineage.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { Panel, ReactFlowProvider } from '@xyflow/react';
import { ArrowDownFromLine, ArrowRightFromLine, ChevronLeft, ChevronsDownUp, ChevronsUpDown, Crosshair, GitCompareArrows, PackageOpen, X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Skeleton } from '@/components/ui/skeleton';
import { Tooltip } from '@/components/ui/tooltip';
import { api } from '@/lib/api-client';
import { ImageNotFound, isNotFound, LoadError } from '@/features/image/components/states';
import { imageState } from '@/features/trash/state';
import { LINEAGE_NODE_CAP, loadRestOfLineage, useWholeLineage, type WholeLineage } from '../api';
import type { Direction } from '../graph';
import { collapseOffPath, descendantCounts, foldNewBranches, hiddenByCollapse, indexTree, pathTo } from '../tree';
import { FindBox, useFindShortcut, useLineageFind } from './lineage-find';
import { LineageGraph, type LineageGraphHandle } from './lineage-graph';
import { SelectedPanel } from './selected-panel';

export default function LineagePage() {
  const { id: rawId } = useParams();
  const id = Number(rawId);
  const valid = rawId !== undefined && /^\d+$/.test(rawId) && id > 0;
  const query = useWholeLineage(valid ? id : 0);
  const [params] = useSearchParams();

  useEffect(() => {
    document.title = valid ? `Lineage of #${id} · ImageFlow` : 'ImageFlow';
  }, [id, valid]);

  if (!valid) return <ImageNotFound id={rawId} />;
  const lineage = query.data;
  if (!lineage) {
    if (query.isError) return isNotFound(query.error) ? <ImageNotFound id={id} /> : <LoadError error={query.error} what="this lineage" onRetry={() => void query.refetch()} />;
    return <LineageSkeleton />;
  }
  // The tree shows from its first page on, once the image it opens on is there (pages go down
  // the tree a generation at a time, so a deep image may come with a later page).
  const focus = Number(params.get('focus'));
  if (!lineage.complete && !lineage.nodes.some((n) => n.id === (focus || id)) && !query.isError) return <LineageSkeleton />;
  return (
    <ReactFlowProvider>
      <LineageScreen key={id} routeId={id} lineage={lineage} rest={query.isError && !lineage.complete ? { error: query.error, retry: () => loadRestOfLineage(id, query.refetch) } : null} />
    </ReactFlowProvider>
  );
}

/** Trees bigger than this open folded down to the selected path. */
const FOCUS_VIEW_ABOVE = 200;

const FRAME = 'relative h-[62vh] min-h-[420px] overflow-hidden rounded-2xl bg-zinc-50 ring-1 ring-inset ring-zinc-200 lg:h-[calc(100dvh-11.5rem)] dark:bg-zinc-900/40 dark:ring-zinc-800';
const PAGE = 'mx-auto flex max-w-[100rem] flex-col gap-3 px-3 py-4 sm:px-6';

/** Why the rest of a tree did not load, and how to try again. */
interface RestFailed {
  error: Error;
  retry: () => void;
}

function LineageScreen({ routeId, lineage, rest }: { routeId: number; lineage: WholeLineage; rest: RestFailed | null }) {
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const index = useMemo(() => indexTree(lineage.nodes), [lineage.nodes]);
  const descendants = useMemo(() => descendantCounts(index), [index]);

  const focusParam = Number(params.get('focus'));
  const selected = index.byId.has(focusParam) ? focusParam : index.byId.has(routeId) ? routeId : (index.roots[0] ?? routeId);
  const path = useMemo(() => pathTo(selected, index.byId), [selected, index]);
  const pathRef = useRef(path);
  pathRef.current = path;

  // Big trees open as a focus view (the path and its children); "Expand all" shows everything.
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(() =>
    lineage.nodes.length > FOCUS_VIEW_ABOVE ? collapseOffPath(index, path) : new Set<number>(),
  );
  // While the rest of a big tree arrives, the focus view stays one: new branches come folded
  // (unless "Expand all" asked for everything).
  const foldArrivals = useRef(lineage.nodes.length > FOCUS_VIEW_ABOVE);
  const [shown, setShown] = useState(index);
  if (shown !== index) {
    setShown(index);
    if (foldArrivals.current) setCollapsed((prev) => foldNewBranches(prev, shown, index, path));
  }
  const [direction, setDirection] = useState<Direction>('TB');
  const [compareMode, setCompareMode] = useState(false);
  const [picked, setPicked] = useState<number[]>([]);
  const graph = useRef<LineageGraphHandle>(null);

  const select = useCallback(
    (id: number) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          next.set('focus', String(id));
          return next;
        },
        { replace: true, preventScrollReset: true },
      );
      // Never select into a hidden branch: open the collapsed ancestors.
      const ancestors = pathTo(id, index.byId).slice(0, -1);
      setCollapsed((prev) => (ancestors.some((a) => prev.has(a)) ? new Set([...prev].filter((c) => !ancestors.includes(c))) : prev));
    },
    [setParams, index],
  );

  const togglePick = useCallback((id: number) => setPicked((prev) => (prev.includes(id) ? prev.filter((p) => p !== id) : [...prev, id].slice(-2))), []);

  const onActivate = useCallback(
    (id: number, pick: boolean) => {
      if (pick || compareMode) togglePick(id);
      else select(id);
    },
    [compareMode, togglePick, select],
  );
  const onOpen = useCallback((id: number) => navigate(`/image/${id}`), [navigate]);

  const toggleCollapsed = useCallback(
    (id: number) => {
      setCollapsed((prev) => {
        const next = new Set(prev);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      });
      // Collapsing above the selection moves the selection up to the collapsed node.
      const current = pathRef.current;
      if (current.includes(id) && current.at(-1) !== id) select(id);
    },
    [select],
  );

  // Find: the current match is the selection; stepping selects it (unfolding its branch) and, once
  // it is laid out, centres it.
  const [centering, setCentering] = useState<{ id: number } | null>(null);
  const goToMatch = useCallback(
    (id: number) => {
      select(id);
      setCentering({ id });
    },
    [select],
  );
  useEffect(() => {
    if (!centering || centering.id !== selected || path.slice(0, -1).some((a) => collapsed.has(a))) return;
    graph.current?.centerOn(selected, { keepZoom: true });
    setCentering(null);
  }, [centering, selected, path, collapsed]);
  const find = useLineageFind(index, selected, goToMatch);
  const findInput = useRef<HTMLInputElement>(null);
  useFindShortcut(findInput);
  const leaveFind = useCallback(() => {
    graph.current?.focusSelection();
    if (document.activeElement === findInput.current) findInput.current?.blur();
  }, []);

  const expandAll = () => {
    foldArrivals.current = false;
    setCollapsed(new Set());
  };
  const collapseAll = () => {
    foldArrivals.current = true;
    setCollapsed(collapseOffPath(index, path));
  };
  const folded = useMemo(() => hiddenByCollapse(index, collapsed).size, [index, collapsed]);

  const stats = useMemo(() => {
    let maxDepth = 0;
    let minDepth = Infinity;
    let deleted = 0;
    let trashed = 0;
    for (const n of lineage.nodes) {
      if (n.depth > maxDepth) maxDepth = n.depth;
      if (n.depth < minDepth) minDepth = n.depth;
      const state = imageState(n);
      if (state === 'deleted') deleted++;
      else if (state === 'trashed') trashed++;
    }
    return { generations: lineage.nodes.length ? maxDepth - minDepth + 1 : 0, deleted, trashed };
  }, [lineage.nodes]);

  const selectedNode = index.byId.get(selected);
  const total = lineage.nodes.length;

  return (
    <div className={PAGE}>
      <header className="flex flex-wrap items-end gap-x-4 gap-y-3">
        <div className="min-w-0 flex-1">
          <Link
            to={`/image/${routeId}`}
            className="-ml-1 inline-flex items-center gap-0.5 rounded-md px-1 text-sm text-zinc-500 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-400 dark:hover:text-zinc-100"
          >
            <ChevronLeft className="h-4 w-4" aria-hidden />
            Image #{routeId}
          </Link>
          <h1 className="text-xl font-semibold tracking-tight">
            Lineage <span className="font-normal text-zinc-500 dark:text-zinc-400">of #{lineage.root_id}</span>
          </h1>
          <p className="text-sm text-zinc-500 dark:text-zinc-400" data-testid="lineage-stats">
            {total.toLocaleString()}
            {lineage.complete ? '' : '+'} {total === 1 ? 'version' : 'versions'} · {stats.generations}
            {lineage.complete ? '' : '+'} {stats.generations === 1 ? 'generation' : 'generations'}
            {stats.trashed ? ` · ${stats.trashed} in the trash` : ''}
            {stats.deleted ? ` · ${stats.deleted} deleted` : ''}
            {folded ? ` · ${folded.toLocaleString()} folded` : ''}
            {lineage.complete || rest ? '' : ' · loading the rest…'}
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-1.5" role="toolbar" aria-label="Lineage view">
          <Button
            size="sm"
            variant={compareMode ? 'primary' : 'secondary'}
            aria-pressed={compareMode}
            onClick={() => setCompareMode((on) => !on)}
            title="Pick two versions to compare (or Shift+click any node)"
          >
            <GitCompareArrows className="h-4 w-4" aria-hidden />
            Compare
          </Button>
          <Button size="sm" onClick={expandAll} disabled={collapsed.size === 0}>
            <ChevronsUpDown className="h-4 w-4" aria-hidden />
            Expand all
          </Button>
          <Button size="sm" onClick={collapseAll} title="Collapse every branch off the selected path">
            <ChevronsDownUp className="h-4 w-4" aria-hidden />
            Collapse all
          </Button>
          <a
            href={api.bundleUrl(lineage.root_id, 'tree')}
            download
            title="The whole tree as a .zip, images and recipes, that another ImageFlow can import"
            className="inline-flex h-8 items-center gap-1.5 rounded-lg bg-white px-2.5 text-sm font-medium text-zinc-800 ring-1 ring-inset ring-zinc-300 transition-colors hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800"
          >
            <PackageOpen className="h-4 w-4" aria-hidden />
            Export lineage (.zip)
          </a>
          <Tooltip label={direction === 'TB' ? 'Left to right' : 'Top to bottom'} side="bottom" align="end">
            <Button
              size="icon"
              className="h-8! w-8!"
              onClick={() => setDirection((d) => (d === 'TB' ? 'LR' : 'TB'))}
              aria-label={direction === 'TB' ? 'Lay out left to right' : 'Lay out top to bottom'}
            >
              {direction === 'TB' ? <ArrowRightFromLine className="h-4 w-4" aria-hidden /> : <ArrowDownFromLine className="h-4 w-4" aria-hidden />}
            </Button>
          </Tooltip>
          <Tooltip label="Center on selection" side="bottom" align="end">
            <Button size="icon" className="h-8! w-8!" onClick={() => graph.current?.centerOn(selected)} aria-label="Center on selected image">
              <Crosshair className="h-4 w-4" aria-hidden />
            </Button>
          </Tooltip>
        </div>
      </header>

      {rest ? (
        <div role="alert" className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-900 ring-1 ring-inset ring-red-200 dark:bg-red-950/50 dark:text-red-200 dark:ring-red-900">
          <span>
            Showing the {total.toLocaleString()} versions loaded so far; the rest of this tree did not load. {rest.error.message}
          </span>
          <Button size="sm" variant="secondary" onClick={rest.retry}>
            Try again
          </Button>
        </div>
      ) : null}

      {lineage.truncated ? (
        <p role="status" className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-200 dark:bg-amber-950/50 dark:text-amber-200 dark:ring-amber-900">
          Loaded {total.toLocaleString()} of many versions: this tree is larger than the {LINEAGE_NODE_CAP.toLocaleString()} shown here. Open a deeper image to see
          its part of the tree.
        </p>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <div className={FRAME}>
          <LineageGraph
            handle={graph}
            index={index}
            descendants={descendants}
            nodes={lineage.nodes}
            collapsed={collapsed}
            direction={direction}
            selected={selected}
            path={path}
            picked={picked}
            matches={find.matchSet}
            onToggleCollapsed={toggleCollapsed}
            onActivate={onActivate}
            onOpen={onOpen}
            complete={lineage.complete}
          >
            {/* The find box, and the compare bar beside it (below it where the graph is narrow). */}
            <Panel position="top-left" className="!pointer-events-none !m-3 flex max-w-[calc(100%-1.5rem)] flex-wrap items-start gap-2 *:pointer-events-auto">
              <FindBox find={find} inputRef={findInput} onLeave={leaveFind} />
              {compareMode || picked.length > 0 ? (
                <CompareBar picked={picked} onUnpick={togglePick} onClear={() => setPicked([])} onCompare={([a, b]) => navigate(`/compare/${a}/${b}`)} />
              ) : null}
            </Panel>
          </LineageGraph>
        </div>
        {selectedNode ? (
          <SelectedPanel
            node={selectedNode}
            path={path}
            childCount={index.children.get(selected)?.length ?? 0}
            picked={picked.includes(selected)}
            onSelect={select}
            onTogglePick={() => togglePick(selected)}
          />
        ) : null}
      </div>
    </div>
  );
}

function CompareBar({
  picked,
  onUnpick,
  onClear,
  onCompare,
}: {
  picked: readonly number[];
  onUnpick: (id: number) => void;
  onClear: () => void;
  onCompare: (pair: [number, number]) => void;
}) {
  const [a, b] = picked;
  return (
    <div className="flex flex-wrap items-center gap-2 rounded-xl bg-white/95 px-3 py-2 text-sm shadow-lg ring-1 ring-zinc-200 backdrop-blur dark:bg-zinc-900/95 dark:ring-zinc-700" aria-live="polite">
      {picked.map((id, i) => (
        <span key={id} className="inline-flex items-center gap-1 rounded-full bg-amber-100 py-0.5 pl-1 pr-1 text-xs font-medium text-amber-900 dark:bg-amber-950 dark:text-amber-200">
          <span className="flex h-4 w-4 items-center justify-center rounded-full bg-amber-500 text-[10px] font-bold text-white">{i === 0 ? 'A' : 'B'}</span>#{id}
          <button type="button" onClick={() => onUnpick(id)} aria-label={`Unpick #${id}`} className="rounded-full p-0.5 hover:bg-amber-200 dark:hover:bg-amber-900">
            <X className="h-3 w-3" aria-hidden />
          </button>
        </span>
      ))}
      {a !== undefined && b !== undefined ? (
        <>
          <Button size="sm" variant="primary" onClick={() => onCompare([a, b])}>
            <GitCompareArrows className="h-4 w-4" aria-hidden />
            Compare #{a} with #{b}
          </Button>
          <Button size="sm" variant="ghost" onClick={onClear}>
            Clear
          </Button>
        </>
      ) : (
        <span className="text-zinc-600 dark:text-zinc-400">
          {picked.length === 0 ? 'Pick two versions to compare' : 'Pick one more'}
          <span className="hidden sm:inline"> · click nodes, or Shift+click any time</span>
        </span>
      )}
    </div>
  );
}

function LineageSkeleton() {
  return (
    <div className={PAGE} aria-busy="true" aria-label="Loading lineage">
      <div className="space-y-2">
        <Skeleton className="h-4 w-24" />
        <Skeleton className="h-7 w-48" />
        <Skeleton className="h-4 w-64" />
      </div>
      <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <Skeleton className="h-[62vh] min-h-[420px] rounded-2xl lg:h-[calc(100dvh-11.5rem)]" />
        <Skeleton className="hidden h-96 lg:block" />
      </div>
    </div>
  );
}

