import { Link } from 'react-router';
import { CircleAlert, ExternalLink, ImageUp, LoaderCircle, RotateCcw, X } from 'lucide-react';
import type { ImageNode, Job } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { ProgressBar } from '@/components/ui/progress-bar';
import { ProviderBadge } from '@/components/ui/provider-badge';
import { cn } from '@/lib/cn';
import { useNow } from '@/lib/use-now';
import { MODEL_LABELS, isModelName } from '@imageflow/shared/constants';
import { ShareButton } from '@/features/share/components/share-button';
import type { Run } from '../session';
import { ExamplePrompts } from './example-prompts';
import { providerLabel } from './model-picker';
import { ProgressiveImage } from './progressive-image';

export interface ResultsPanelProps {
  runs: readonly Run[];
  /** The live job of runs[0] while it is queued or running. */
  activeJob: Job | undefined;
  /** A live preview of the running job, when its backend sends them. */
  preview?: string | null;
  isActive: boolean;
  canceling: boolean;
  onCancel: () => void;
  onRetry: (run: Run) => void;
  onUseAsInit: (node: ImageNode) => void;
  onPickExample: (prompt: string) => void;
  builtinOnly: boolean;
}

function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function modelLabel(model: string | undefined): string {
  return model && isModelName(model) ? MODEL_LABELS[model] : (model ?? 'SDXL');
}

/** One line about what a run asked for: model, size, seed, and where it branched from. */
function RunMeta({ run }: { run: Run }) {
  const { request } = run;
  const spec = request.spec ?? {};
  const parts = [
    modelLabel(request.model),
    spec.width && spec.height ? `${spec.width} × ${spec.height}` : null,
    spec.steps ? `${spec.steps} steps` : null,
    spec.seed !== undefined ? `seed ${spec.seed}` : null,
  ].filter(Boolean);
  const branch =
    request.parent_id !== undefined ? (request.action_type === 'remix' ? `remix of #${request.parent_id}` : `from init #${request.parent_id}`) : null;
  return (
    <p className="flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-zinc-500 tabular-nums dark:text-zinc-400">
      {parts.map((p, i) => (
        // The dot follows its item, so a wrapped line never starts with one.
        <span key={i} className="inline-flex items-center gap-2 whitespace-nowrap">
          {p}
          {i < parts.length - 1 ? <span aria-hidden className="h-0.5 w-0.5 rounded-full bg-current opacity-60" /> : null}
        </span>
      ))}
      {branch ? (
        <Link to={`/image/${request.parent_id}`} className="rounded bg-zinc-100 px-1.5 py-0.5 text-zinc-600 hover:text-zinc-900 dark:bg-zinc-800 dark:text-zinc-300 dark:hover:text-white">
          {branch}
        </Link>
      ) : null}
    </p>
  );
}

function gridClass(count: number): string {
  if (count <= 1) return 'grid-cols-1';
  if (count <= 4) return 'grid-cols-2';
  return 'grid-cols-2 sm:grid-cols-3 2xl:grid-cols-4';
}

/** A single image is shown as large as fits the column and ~64% of the viewport height. */
function singleStyle(width: number, height: number): React.CSSProperties {
  return { width: `min(100%, calc(64vh * ${width / height}))` };
}

function ResultCard({ node, onUseAsInit, single }: { node: ImageNode; onUseAsInit: (node: ImageNode) => void; single: boolean }) {
  return (
    <figure className={cn('group min-w-0', single && 'mx-auto')} style={single ? singleStyle(node.width, node.height) : undefined}>
      <Link to={`/image/${node.id}`} tabIndex={-1} aria-hidden className="block overflow-hidden rounded-xl ring-1 ring-zinc-200 dark:ring-zinc-800">
        <ProgressiveImage
          thumbnailUrl={node.thumbnail_url}
          url={node.url}
          width={node.width}
          height={node.height}
          alt={node.prompt}
          className="transition-transform duration-300 group-hover:scale-[1.01]"
        />
      </Link>
      {/* On a phone the actions wrap under the number rather than past the edge; wider, the seed gives way. */}
      <figcaption className="mt-2 flex flex-wrap items-center gap-x-2 gap-y-1 sm:flex-nowrap">
        <span className="text-sm font-medium text-zinc-800 tabular-nums dark:text-zinc-200" title={node.seed !== null ? `seed ${node.seed}` : undefined}>
          #{node.id}
        </span>
        <span className="hidden sm:inline-flex">
          <ProviderBadge provider={providerLabel(node.provider)} className="whitespace-nowrap" />
        </span>
        {single ? <span className="hidden truncate text-xs text-zinc-500 tabular-nums md:inline dark:text-zinc-400">seed {node.seed ?? '—'}</span> : null}
        <span className="ml-auto flex shrink-0 items-center gap-1">
          <Link
            to={`/image/${node.id}`}
            aria-label={`Open image #${node.id}`}
            className="inline-flex h-8 items-center gap-1.5 rounded-lg px-2 text-sm font-medium text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
          >
            <ExternalLink className="h-4 w-4" aria-hidden />
            <span className={single ? '' : 'sr-only sm:not-sr-only'}>Open</span>
          </Link>
          <button
            type="button"
            onClick={() => onUseAsInit(node)}
            aria-label={`Use image #${node.id} as init image`}
            title="Use as init image"
            className="inline-flex h-8 items-center gap-1.5 rounded-lg px-2 text-sm font-medium text-zinc-700 hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-zinc-300 dark:hover:bg-zinc-800"
          >
            <ImageUp className="h-4 w-4" aria-hidden />
            <span className={single ? '' : 'sr-only sm:not-sr-only'}>Use as init</span>
          </button>
          <ShareButton
            node={node}
            ariaLabel={`Share image #${node.id}`}
            compact={!single}
            variant="ghost"
            className="px-2! text-zinc-700 dark:text-zinc-300"
          />
        </span>
      </figcaption>
    </figure>
  );
}

function RunResults({ run, onUseAsInit }: { run: Run; onUseAsInit: (node: ImageNode) => void }) {
  const single = run.images.length === 1;
  return (
    <div className="space-y-4">
      <RunHeader run={run} />
      <div className={cn('grid gap-4', gridClass(run.images.length))}>
        {run.images.map((node) => (
          <ResultCard key={node.id} node={node} onUseAsInit={onUseAsInit} single={single} />
        ))}
      </div>
    </div>
  );
}

function RunHeader({ run, children }: { run: Run; children?: React.ReactNode }) {
  return (
    <div className="flex items-start gap-3">
      <div className="min-w-0 flex-1 space-y-1">
        <p className="line-clamp-2 text-sm font-medium text-zinc-900 dark:text-zinc-100">{run.request.prompt}</p>
        <RunMeta run={run} />
      </div>
      {children}
    </div>
  );
}

/** Where the images will appear: kept under ~38% of the viewport height, so earlier results stay in view. */
function Placeholders({ run, preview }: { run: Run; preview: string | null }) {
  const count = run.request.spec?.batch_size ?? 1;
  const width = run.request.spec?.width ?? 1024;
  const height = run.request.spec?.height ?? 1024;
  const cols = Math.min(count, 4);
  const rows = Math.ceil(count / cols);
  const gapRem = 0.75;
  return (
    <div
      className="mx-auto grid w-full gap-3"
      style={{
        gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`,
        maxWidth: `calc((38vh - ${(rows - 1) * gapRem}rem) / ${rows} * ${(width / height) * cols} + ${(cols - 1) * gapRem}rem)`,
      }}
    >
      {Array.from({ length: count }, (_, i) => (
        <div
          key={i}
          className="relative overflow-hidden rounded-xl bg-zinc-100 ring-1 ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
          style={{ aspectRatio: `${width} / ${height}` }}
        >
          {preview && i === 0 ? <img src={preview} alt="Live preview from the backend" className="absolute inset-0 h-full w-full object-cover" /> : null}
          <div
            className="absolute inset-0 animate-pulse bg-gradient-to-br from-indigo-200/60 via-transparent to-violet-200/60 dark:from-indigo-500/15 dark:to-violet-500/15"
            style={{ animationDelay: `${i * 120}ms` }}
          />
        </div>
      ))}
    </div>
  );
}

function ActiveRun({ run, job, preview, canceling, onCancel }: { run: Run; job: Job | undefined; preview: string | null; canceling: boolean; onCancel: () => void }) {
  const now = useNow(true);
  const status = job?.status ?? run.status;
  const running = status === 'running';
  const stepText = job?.step != null && job.total_steps ? `step ${job.step} / ${job.total_steps}` : null;
  const count = run.request.spec?.batch_size ?? 1;
  return (
    <section aria-label="Current generation" className="space-y-4 rounded-2xl border border-zinc-200 bg-white p-4 shadow-sm sm:p-5 dark:border-zinc-800 dark:bg-zinc-900/60">
      <RunHeader run={run}>
        <Button variant="secondary" size="sm" onClick={onCancel} disabled={canceling}>
          {canceling ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <X className="h-4 w-4" aria-hidden />}
          Cancel
        </Button>
      </RunHeader>
      <div className="space-y-2">
        <div className="flex items-center justify-between text-xs">
          <span className="inline-flex items-center gap-1.5 font-medium text-zinc-700 dark:text-zinc-200">
            <LoaderCircle className="h-3.5 w-3.5 animate-spin text-indigo-500" aria-hidden />
            {running ? (count > 1 ? `Generating ${count} images` : 'Generating') : 'Queued'}
            {stepText ? <span className="text-zinc-500 tabular-nums dark:text-zinc-400">· {stepText}</span> : null}
            {running ? null : (
              <Link to="/queue" className="rounded font-normal text-indigo-600 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400">
                · see the Queue
              </Link>
            )}
          </span>
          <span className="text-zinc-500 tabular-nums dark:text-zinc-400">{formatElapsed(now - run.submittedAt)}</span>
        </div>
        <ProgressBar
          label="Generation progress"
          value={running ? (job?.progress ?? 0) : undefined}
          valueText={stepText ?? (running ? 'starting' : 'queued')}
        />
      </div>
      <Placeholders run={run} preview={preview} />
    </section>
  );
}

function FailedRun({ run, onRetry }: { run: Run; onRetry: (run: Run) => void }) {
  return (
    <section aria-label="Failed generation" className="space-y-3 rounded-2xl border border-red-200 bg-red-50/60 p-4 sm:p-5 dark:border-red-900/60 dark:bg-red-950/30">
      <RunHeader run={run} />
      <div className="flex items-start gap-2.5 text-sm text-red-800 dark:text-red-200">
        <CircleAlert className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
        <p>
          <span className="font-medium">The generation failed.</span> {run.error ?? 'The server gave no reason.'}
        </p>
      </div>
      <Button variant="secondary" size="sm" onClick={() => onRetry(run)}>
        <RotateCcw className="h-4 w-4" aria-hidden />
        Try again
      </Button>
    </section>
  );
}

function CanceledRun({ run, onRetry }: { run: Run; onRetry: (run: Run) => void }) {
  return (
    <section aria-label="Canceled generation" className="space-y-3 rounded-2xl border border-zinc-200 p-4 sm:p-5 dark:border-zinc-800">
      <RunHeader run={run} />
      <div className="flex items-center justify-between gap-3">
        <p className="text-sm text-zinc-600 dark:text-zinc-400">Canceled. Nothing was saved.</p>
        <Button variant="ghost" size="sm" onClick={() => onRetry(run)}>
          <RotateCcw className="h-4 w-4" aria-hidden />
          Run again
        </Button>
      </div>
    </section>
  );
}

function EarlierRuns({ runs }: { runs: readonly Run[] }) {
  const images = runs.flatMap((r) => r.images);
  if (images.length === 0) return null;
  return (
    <section aria-labelledby="earlier-heading" className="space-y-3">
      <h2 id="earlier-heading" className="text-xs font-medium tracking-wide text-zinc-500 uppercase dark:text-zinc-400">
        Earlier results
      </h2>
      <ul className="grid grid-cols-4 gap-2 sm:grid-cols-6">
        {images.slice(0, 24).map((node) => (
          <li key={node.id}>
            <Link
              to={`/image/${node.id}`}
              aria-label={`Image #${node.id}: ${node.prompt}`}
              className="checker block aspect-square overflow-hidden rounded-lg bg-zinc-100 ring-1 ring-zinc-200 transition hover:ring-indigo-400 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:bg-zinc-800 dark:ring-zinc-800"
            >
              {node.thumbnail_url ? <img src={node.thumbnail_url} alt="" loading="lazy" className="h-full w-full object-cover" /> : null}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

function statusMessage(run: Run | undefined, isActive: boolean): string {
  if (!run) return '';
  if (isActive) return 'Generating…';
  if (run.status === 'succeeded') return `Done: ${run.images.length} ${run.images.length === 1 ? 'image' : 'images'}.`;
  if (run.status === 'failed') return `The generation failed. ${run.error ?? ''}`;
  if (run.status === 'canceled') return 'Generation canceled.';
  return '';
}

/** The right-hand column: the current run (progress, then its images), earlier results, or examples. */
export function ResultsPanel({ runs, activeJob, preview = null, isActive, canceling, onCancel, onRetry, onUseAsInit, onPickExample, builtinOnly }: ResultsPanelProps) {
  const [latest, ...rest] = runs;
  if (!latest) return <ExamplePrompts onPick={onPickExample} builtinOnly={builtinOnly} />;

  // While a run is going (or after one failed or was canceled) the last results stay in full view.
  const previous = latest.status !== 'succeeded' ? rest.find((r) => r.status === 'succeeded' && r.images.length > 0) : undefined;
  const earlier = rest.filter((r) => r !== previous);

  return (
    <div className="space-y-8">
      <p className="sr-only" aria-live="polite">
        {statusMessage(latest, isActive)}
      </p>
      {isActive ? (
        <ActiveRun run={latest} job={activeJob} preview={preview} canceling={canceling} onCancel={onCancel} />
      ) : latest.status === 'succeeded' ? (
        <RunResults run={latest} onUseAsInit={onUseAsInit} />
      ) : latest.status === 'failed' ? (
        <FailedRun run={latest} onRetry={onRetry} />
      ) : latest.status === 'canceled' ? (
        <CanceledRun run={latest} onRetry={onRetry} />
      ) : null}
      {previous ? <RunResults run={previous} onUseAsInit={onUseAsInit} /> : null}
      <EarlierRuns runs={earlier} />
    </div>
  );
}
