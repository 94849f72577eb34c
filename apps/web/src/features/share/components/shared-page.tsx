import { lazy, Suspense, useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useParams, useSearchParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { Download, Ghost, LoaderCircle, Lock, Link2Off, Moon, Sun } from 'lucide-react';
import type { ImageNode, SharedView } from '@imageflow/shared';
import { MODEL_LABELS, isModelName } from '@imageflow/shared/constants';
import { Button } from '@/components/ui/button';
import { Field, Input } from '@/components/ui/field';
import { ProviderBadge } from '@/components/ui/provider-badge';
import { Skeleton } from '@/components/ui/skeleton';
import { ApiError } from '@/lib/api-client';
import { useSecondsLeft } from '@/lib/use-seconds-left';
import { useTheme } from '@/lib/theme';
import { formatWait } from '@/features/auth/format';
import { formatDateTime } from '@/features/image/format';
import { ImageViewer } from '@/features/image/components/image-viewer';
import { LoadError } from '@/features/image/components/states';
import { ActionBadge } from '@/features/lineage/components/action-badge';
import { sharedViewKey, useSharedView, useUnlockShare } from '../api';
import { deadLinkReason, downloadUrl, needsPassword, type DeadLinkReason } from '../links';

// The graph library loads only for a branch or a path, never for a single image.
const SharedLineage = lazy(() => import('./shared-lineage'));

/**
 * /s/:key, the page a share link opens. Public: it is outside the sign-in gate and asks the
 * server only about this link (GET /api/s/:key, and POST …/unlock for its password), never
 * who is signed in, the models or the gallery.
 */
export function SharedPage() {
  const { key = '' } = useParams();
  const view = useSharedView(key);

  let body: ReactNode;
  let title = 'Shared image';
  if (view.isPending) body = <SharedSkeleton />;
  else if (view.isError) {
    const reason = deadLinkReason(view.error);
    if (needsPassword(view.error)) {
      title = 'Protected link';
      body = <PasswordForm shareKey={key} />;
    } else if (reason) {
      title = 'Link unavailable';
      body = <DeadLink reason={reason} />;
    } else body = <LoadError error={view.error} what="this shared link" onRetry={() => void view.refetch()} />;
  } else {
    title = view.data.share.scope === 'image' ? 'Shared image' : view.data.share.scope === 'branch' ? 'Shared branch' : 'Shared path';
    body = <SharedContent view={view.data} />;
  }

  useEffect(() => {
    document.title = `${title} · ImageFlow`;
  }, [title]);

  return <SharedFrame>{body}</SharedFrame>;
}

/** The page around a shared link: the name of the app and the theme switch, no studio. */
function SharedFrame({ children }: { children: ReactNode }) {
  const [theme, toggleTheme] = useTheme();
  return (
    <div className="flex min-h-dvh flex-col">
      <header className="border-b border-zinc-200 bg-white/85 backdrop-blur dark:border-zinc-800 dark:bg-zinc-950/85">
        <div className="mx-auto flex h-14 max-w-[100rem] items-center gap-2 px-3 sm:px-6">
          <img src="/favicon.svg" alt="" className="h-7 w-7" />
          <span className="font-semibold tracking-tight">ImageFlow</span>
          <span className="ml-1 rounded-full bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">Shared link</span>
          <button
            type="button"
            onClick={toggleTheme}
            aria-label={theme === 'dark' ? 'Switch to light mode' : 'Switch to dark mode'}
            className="ml-auto rounded-lg p-2 text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800"
          >
            {theme === 'dark' ? <Sun className="h-5 w-5" /> : <Moon className="h-5 w-5" />}
          </button>
        </div>
      </header>
      <main id="main" className="flex-1">
        {children}
      </main>
    </div>
  );
}

const PAGE = 'mx-auto grid max-w-[100rem] gap-5 px-3 py-4 sm:px-6 lg:grid-cols-[minmax(0,1fr)_24rem] lg:gap-8 lg:py-6';
const VIEWER = 'h-[min(70vh,calc(100vw-1.5rem))] lg:sticky lg:top-6 lg:h-[calc(100dvh-8.5rem)]';
/**
 * Below lg the frame takes the image's shape (at most 70% of the screen's height), so a wide image
 * on a phone is not lost in a square of checkerboard: the width inside the page and frame padding
 * (3 rem, from sm 5.5 rem) times --ratio, plus the frame's own padding.
 */
const FITTED_VIEWER =
  'h-[min(70vh,calc((100vw-3rem)*var(--ratio)+1.5rem))] sm:h-[min(70vh,calc((100vw-5.5rem)*var(--ratio)+2.5rem))] lg:sticky lg:top-6 lg:h-[calc(100dvh-8.5rem)]';

function SharedSkeleton() {
  return (
    <div className={PAGE} aria-busy="true" aria-label="Loading the shared link">
      <Skeleton className={`${VIEWER} rounded-2xl`} />
      <div className="space-y-4">
        <Skeleton className="h-8 w-48" />
        <Skeleton className="h-4 w-64" />
        <Skeleton className="h-40" />
      </div>
    </div>
  );
}

const SCOPE_TITLES: Record<SharedView['share']['scope'], string> = { image: 'Shared image', branch: 'Shared branch', path: 'Shared path' };

function SharedContent({ view }: { view: SharedView }) {
  const [params, setParams] = useSearchParams();
  const byId = useMemo(() => new Map(view.nodes.map((n) => [n.id, n])), [view.nodes]);
  const asked = Number(params.get('image'));
  const selected = byId.has(asked) ? asked : view.focus_id;
  const node = byId.get(selected) ?? view.nodes[0];
  const viewer = useRef<HTMLDivElement>(null);
  const { share } = view;
  const several = share.scope !== 'image';

  const select = useCallback(
    (id: number) => {
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (id === view.focus_id) next.delete('image');
          else next.set('image', String(id));
          return next;
        },
        { replace: true, preventScrollReset: true },
      );
      // On a phone the graph is below the image: bring the image back into view.
      const box = viewer.current?.getBoundingClientRect();
      if (box && box.top < 0) viewer.current?.scrollIntoView?.({ behavior: 'smooth', block: 'start' });
    },
    [setParams, view.focus_id],
  );

  if (!node) return <DeadLink reason="deleted" />;
  const highlight = share.scope === 'path' ? view.path : [view.focus_id];

  return (
    <div className={PAGE}>
      <div ref={viewer} className="min-w-0 scroll-mt-3" style={{ '--ratio': node.height / node.width } as React.CSSProperties}>
        <ImageViewer node={node} className={FITTED_VIEWER} />
      </div>

      <aside className="min-w-0 space-y-6" aria-label="About this link">
        <header className="space-y-1.5">
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            {SCOPE_TITLES[share.scope]}
            {several ? ` · ${view.nodes.length}${view.truncated ? '+' : ''} ${view.nodes.length === 1 ? 'version' : 'versions'}` : ''}
          </p>
          <div className="flex flex-wrap items-center gap-2">
            <h1 className="text-2xl font-semibold tracking-tight tabular-nums">Image #{node.id}</h1>
            <ActionBadge action={node.action_type} />
            {several && node.id === view.focus_id ? (
              <span className="rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-medium text-indigo-800 dark:bg-indigo-950 dark:text-indigo-200">the shared image</span>
            ) : null}
          </div>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            {node.width} × {node.height}
            {' · '}
            {share.expires_at ? (
              <>
                link works until <time dateTime={share.expires_at}>{formatDateTime(share.expires_at)}</time>
              </>
            ) : (
              'link does not expire'
            )}
          </p>
        </header>

        {share.allow_download && node.url ? (
          <a
            href={downloadUrl(node.url)}
            download={node.filename}
            className="inline-flex h-10 items-center gap-2 rounded-lg bg-indigo-600 px-4 text-sm font-medium text-white shadow-sm hover:bg-indigo-500 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500"
          >
            <Download className="h-4 w-4" aria-hidden />
            Download
          </a>
        ) : null}

        {several ? (
          <section aria-labelledby="shared-lineage-heading" className="space-y-2">
            <h2 id="shared-lineage-heading" className="text-sm font-semibold">
              Lineage
              <span className="ml-2 font-normal text-zinc-500 dark:text-zinc-400">select a version to see it large</span>
            </h2>
            <div className="relative h-96 overflow-hidden rounded-2xl bg-zinc-50 ring-1 ring-inset ring-zinc-200 dark:bg-zinc-900/40 dark:ring-zinc-800">
              <Suspense fallback={<Skeleton className="h-full rounded-2xl" />}>
                <SharedLineage nodes={view.nodes} highlight={highlight} selected={node.id} onSelect={select} />
              </Suspense>
            </div>
            {view.truncated ? (
              <p role="status" className="text-xs text-amber-800 dark:text-amber-300">
                This branch is large: only its first {view.nodes.length.toLocaleString()} versions are shown.
              </p>
            ) : null}
          </section>
        ) : null}

        {share.show_recipe ? (
          <SharedRecipe node={node} />
        ) : (
          <p className="rounded-xl bg-zinc-50 p-3.5 text-sm text-zinc-600 ring-1 ring-inset ring-zinc-200/70 dark:bg-zinc-900/60 dark:text-zinc-400 dark:ring-zinc-800">
            The person who shared {several ? 'these images' : 'this image'} chose not to show how {several ? 'they were' : 'it was'} made.
          </p>
        )}
      </aside>
    </div>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs font-medium text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="mt-0.5 break-words text-sm text-zinc-900 tabular-nums dark:text-zinc-100">{children}</dd>
    </div>
  );
}

function specValue(node: ImageNode, key: string): string | number | undefined {
  const value = (node.spec_json as Record<string, unknown>)[key];
  return typeof value === 'number' || typeof value === 'string' ? value : undefined;
}

/** The recipe of a shared image: what made it, without the studio's links and actions. */
function SharedRecipe({ node }: { node: ImageNode }) {
  const seed = node.seed ?? specValue(node, 'seed');
  return (
    <section aria-labelledby="shared-recipe-heading" className="space-y-4">
      <h2 id="shared-recipe-heading" className="text-sm font-semibold">
        Recipe
      </h2>
      <div className="space-y-3">
        <div>
          <h3 className="text-xs font-medium text-zinc-500 dark:text-zinc-400">Prompt</h3>
          <p className="mt-1 whitespace-pre-wrap break-words text-sm leading-relaxed" data-testid="shared-prompt">
            {node.prompt || <span className="text-zinc-400">No prompt (uploaded image)</span>}
          </p>
        </div>
        {node.negative_prompt ? (
          <div>
            <h3 className="text-xs font-medium text-zinc-500 dark:text-zinc-400">Negative prompt</h3>
            <p className="mt-1 whitespace-pre-wrap break-words text-sm leading-relaxed text-zinc-700 dark:text-zinc-300">{node.negative_prompt}</p>
          </div>
        ) : null}
      </div>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-3 rounded-xl bg-zinc-50 p-3.5 ring-1 ring-inset ring-zinc-200/70 dark:bg-zinc-900/60 dark:ring-zinc-800">
        <Row label="Model">{isModelName(node.model) ? MODEL_LABELS[node.model] : node.model}</Row>
        <Row label="Engine">
          <ProviderBadge provider={node.provider} />
        </Row>
        <Row label="Seed">{seed ?? '—'}</Row>
        <Row label="Size">
          {node.width} × {node.height}
        </Row>
        <Row label="Steps">{specValue(node, 'steps') ?? '—'}</Row>
        <Row label="Guidance">{specValue(node, 'guidance') ?? '—'}</Row>
        <Row label="Sampler">{specValue(node, 'sampler') ?? '—'}</Row>
        {node.action_type === 'img2img' ? <Row label="Strength">{specValue(node, 'strength') ?? '—'}</Row> : null}
        <Row label="Made by">
          <ActionBadge action={node.action_type} />
          {node.parent_id !== null ? <span className="ml-1.5 text-xs text-zinc-500 dark:text-zinc-400">from #{node.parent_id}</span> : null}
        </Row>
        <Row label="Created">
          <time dateTime={node.created_at}>{formatDateTime(node.created_at)}</time>
        </Row>
      </dl>
    </section>
  );
}

/** A problem with the password, and until when to wait after a 429. */
interface UnlockProblem {
  message: string;
  retryUntil: number | null;
}

function PasswordForm({ shareKey }: { shareKey: string }) {
  const id = useId();
  const unlock = useUnlockShare(shareKey);
  const queryClient = useQueryClient();
  const [password, setPassword] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [problem, setProblem] = useState<UnlockProblem | null>(null);
  const secondsLeft = useSecondsLeft(problem?.retryUntil ?? null);
  const input = useRef<HTMLInputElement>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!password) {
      setFieldError('Type the password you were given with the link.');
      input.current?.focus();
      return;
    }
    setProblem(null);
    unlock.mutate(password, {
      onError: (error) => {
        if (error instanceof ApiError && (error.status === 404 || error.status === 410)) {
          // The link died meanwhile: the page says so.
          void queryClient.invalidateQueries({ queryKey: sharedViewKey(shareKey) });
          return;
        }
        if (error instanceof ApiError && error.status === 429 && error.retryAfter !== undefined) {
          setProblem({ message: error.message, retryUntil: Date.now() + error.retryAfter * 1000 });
        } else {
          setProblem({ message: error.message || 'That did not work. Try again.', retryUntil: null });
        }
        setPassword('');
        input.current?.focus();
      },
    });
  };

  const waiting = problem?.retryUntil != null;
  return (
    <div className="flex flex-col items-center px-4 py-10 sm:py-16">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center text-center">
          <span className="mb-3 flex h-12 w-12 items-center justify-center rounded-full bg-indigo-100 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300">
            <Lock className="h-6 w-6" aria-hidden />
          </span>
          <h1 className="text-xl font-semibold tracking-tight">This link is protected</h1>
          <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">Type the password you were given with the link to see what was shared.</p>
        </div>
        <form
          onSubmit={submit}
          noValidate
          aria-label="Unlock the shared link"
          className="space-y-4 rounded-2xl border border-zinc-200 bg-white p-5 shadow-sm sm:p-6 dark:border-zinc-800 dark:bg-zinc-900"
        >
          <Field label="Password" htmlFor={`${id}-password`} error={fieldError}>
            <Input
              ref={input}
              id={`${id}-password`}
              name="share-password"
              type="password"
              autoComplete="off"
              autoFocus
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={fieldError ? `${id}-password-error` : undefined}
              value={password}
              onChange={(e) => {
                setPassword(e.target.value);
                setFieldError(undefined);
              }}
            />
          </Field>
          {problem ? (
            <div role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200 dark:bg-red-950/50 dark:text-red-200 dark:ring-red-900">
              {waiting ? (
                secondsLeft > 0 ? (
                  <>
                    Too many attempts. Try again in <span className="font-semibold tabular-nums">{formatWait(secondsLeft)}</span>.
                  </>
                ) : (
                  'You can try again now.'
                )
              ) : (
                problem.message
              )}
            </div>
          ) : null}
          <Button type="submit" variant="primary" className="w-full justify-center" disabled={unlock.isPending || secondsLeft > 0}>
            {unlock.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : null}
            {unlock.isPending ? 'Opening…' : 'Open the link'}
          </Button>
        </form>
      </div>
    </div>
  );
}

const DEAD_LINKS: Record<DeadLinkReason, { title: string; text: string }> = {
  expired: { title: 'This link has expired', text: 'The person who shared it set it to stop working after a while, and that time has passed.' },
  revoked: { title: 'This link was turned off', text: 'The person who shared it has revoked it, so it no longer shows anything.' },
  deleted: { title: 'The shared image was deleted', text: 'The person who shared it has deleted the image, so there is nothing left to show.' },
  not_found: { title: 'This link does not work', text: 'No shared link matches this address. Check that it was copied whole: share links are long.' },
};

/** A link that does not open (gone for good, or never was), said plainly, with what to do. */
function DeadLink({ reason }: { reason: DeadLinkReason }) {
  const { title, text } = DEAD_LINKS[reason];
  return (
    <div className="mx-auto flex max-w-md flex-col items-center gap-3 px-6 py-16 text-center" data-dead-link={reason}>
      <span className="flex h-14 w-14 items-center justify-center rounded-full bg-zinc-100 text-zinc-500 dark:bg-zinc-800 dark:text-zinc-400">
        {reason === 'deleted' ? <Ghost className="h-7 w-7" aria-hidden /> : <Link2Off className="h-7 w-7" aria-hidden />}
      </span>
      <h1 className="text-xl font-semibold tracking-tight">{title}</h1>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">{text}</p>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">If you still need it, ask whoever sent you the link: its owner can make a new one at any time.</p>
    </div>
  );
}

export default SharedPage;
