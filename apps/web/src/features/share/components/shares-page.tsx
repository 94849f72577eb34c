import { useEffect, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { toast } from 'sonner';
import { CircleAlert, GitBranch, Image as ImageIcon, Images, Link2Off, LoaderCircle, Lock, LockOpen, Route } from 'lucide-react';
import type { ShareScope } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { Skeleton } from '@/components/ui/skeleton';
import type { ShareSummary } from '@/lib/api-client';
import { cn } from '@/lib/cn';
import { imageQueryOptions } from '@/features/image/api';
import { formatDateTime, formatRelative } from '@/features/image/format';
import { CHECKER } from '@/features/image/styles';
import { useRevokeShare, useShares } from '../api';
import { SCOPE_CHOICES, SCOPE_SHORT, STATE_LABELS } from '../links';

const SCOPE_ICONS: Record<ShareScope, ReactNode> = {
  image: <ImageIcon className="h-3.5 w-3.5" aria-hidden />,
  branch: <GitBranch className="h-3.5 w-3.5" aria-hidden />,
  path: <Route className="h-3.5 w-3.5" aria-hidden />,
};

const STATE_STYLES: Record<ShareSummary['state'], string> = {
  live: 'bg-emerald-50 text-emerald-800 ring-emerald-200 dark:bg-emerald-950/60 dark:text-emerald-200 dark:ring-emerald-900',
  expired: 'bg-amber-50 text-amber-800 ring-amber-200 dark:bg-amber-950/60 dark:text-amber-200 dark:ring-amber-900',
  revoked: 'bg-zinc-100 text-zinc-600 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-700',
};

export function StateBadge({ state }: { state: ShareSummary['state'] }) {
  return (
    <span className={cn('inline-flex items-center rounded-full px-2 py-px text-[11px] font-semibold ring-1 ring-inset', STATE_STYLES[state])} data-state={state}>
      {STATE_LABELS[state]}
    </span>
  );
}

/** The shared image's thumbnail, from the studio's own image query (cached with the image page). */
function Thumb({ nodeId }: { nodeId: number }) {
  const image = useQuery({ ...imageQueryOptions(nodeId), staleTime: 5 * 60_000 });
  const src = image.data?.thumbnail_url;
  return (
    <Link
      to={`/image/${nodeId}`}
      tabIndex={-1}
      aria-hidden
      className={cn(CHECKER, 'block h-14 w-14 shrink-0 overflow-hidden rounded-lg bg-zinc-100 ring-1 ring-zinc-900/5 sm:h-16 sm:w-16 dark:bg-zinc-800 dark:ring-white/10')}
    >
      {src ? <img src={src} alt="" loading="lazy" className="h-full w-full object-cover" /> : null}
    </Link>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-zinc-500 dark:text-zinc-400">{label}</dt>
      <dd className="mt-0.5 truncate font-medium text-zinc-800 tabular-nums dark:text-zinc-200">{children}</dd>
    </div>
  );
}

/** "Mar 4, 2026": the day fits a narrow column; the time is in the tooltip. */
function formatDay(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
}

function When({ iso, relative = false }: { iso: string; relative?: boolean }) {
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {relative ? formatRelative(iso) : formatDay(iso)}
    </time>
  );
}

function ShareRow({ share, onRevoke }: { share: ShareSummary; onRevoke: () => void }) {
  const live = share.state === 'live';
  return (
    <li className="flex gap-3 py-4" data-share-id={share.id}>
      <Thumb nodeId={share.node_id} />
      <div className="min-w-0 flex-1">
        <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
          <Link to={`/image/${share.node_id}`} className="text-sm font-semibold text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-300">
            Image #{share.node_id}
          </Link>
          <span
            title={SCOPE_CHOICES[share.scope].label}
            className="inline-flex items-center gap-1 rounded-md bg-zinc-100 px-1.5 py-px text-[11px] font-medium text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300"
          >
            {SCOPE_ICONS[share.scope]}
            {SCOPE_SHORT[share.scope]}
          </span>
          <StateBadge state={share.state} />
          {live ? (
            <Button variant="danger" size="sm" className="ml-auto" onClick={onRevoke} aria-label={`Revoke the link to image #${share.node_id}`}>
              Revoke
            </Button>
          ) : null}
        </div>
        <dl className="mt-2 grid grid-cols-2 gap-x-4 gap-y-2 text-xs min-[480px]:grid-cols-3 md:grid-cols-5">
          <Fact label="Created">
            <When iso={share.created_at} />
          </Fact>
          {share.revoked_at ? (
            <Fact label="Revoked">
              <When iso={share.revoked_at} />
            </Fact>
          ) : (
            <Fact label={share.state === 'expired' ? 'Expired' : 'Expires'}>{share.expires_at ? <When iso={share.expires_at} /> : 'Never'}</Fact>
          )}
          <Fact label="Password">
            <span className="inline-flex items-center gap-1">
              {share.has_password ? <Lock className="h-3 w-3" aria-hidden /> : <LockOpen className="h-3 w-3 text-zinc-400" aria-hidden />}
              {share.has_password ? 'Yes' : 'No'}
            </span>
          </Fact>
          <Fact label="Views">{share.view_count.toLocaleString()}</Fact>
          <Fact label="Last viewed">{share.last_viewed_at ? <When iso={share.last_viewed_at} relative /> : 'Never'}</Fact>
        </dl>
        <p className="mt-1.5 text-xs text-zinc-500 dark:text-zinc-400">
          {share.allow_download ? 'Download allowed' : 'No download'} · {share.show_recipe ? 'recipe shown' : 'recipe hidden'}
        </p>
      </div>
    </li>
  );
}

function RevokeDialog({ share, onClose }: { share: ShareSummary | null; onClose: () => void }) {
  const revoke = useRevokeShare();
  return (
    <Dialog
      open={share !== null}
      onClose={onClose}
      title={share ? `Revoke the link to image #${share.node_id}?` : 'Revoke the link?'}
      description="Whoever opens it from now on is told that it was revoked. This cannot be undone; you can make a new link at any time."
      footer={
        <>
          <Button onClick={onClose} autoFocus>
            Cancel
          </Button>
          <Button
            variant="danger"
            disabled={revoke.isPending}
            onClick={() => {
              if (!share) return;
              revoke.mutate(share.id, {
                onSuccess: () => {
                  toast.success(`Link to image #${share.node_id} revoked`);
                  onClose();
                },
              });
            }}
          >
            {revoke.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : null}
            Revoke link
          </Button>
        </>
      }
    />
  );
}

function ShareList({ onRevoke }: { onRevoke: (share: ShareSummary) => void }) {
  const shares = useShares();
  if (shares.isPending) {
    return (
      <div aria-hidden className="space-y-3 py-3">
        <Skeleton className="h-20" />
        <Skeleton className="h-20" />
      </div>
    );
  }
  if (shares.isError) {
    return (
      <EmptyState
        icon={<CircleAlert className="h-8 w-8 text-red-500" aria-hidden />}
        title="The shared links could not be loaded"
        action={
          <Button onClick={() => void shares.refetch()} disabled={shares.isFetching}>
            Retry
          </Button>
        }
      >
        <p role="alert">{shares.error.message}</p>
      </EmptyState>
    );
  }
  if (shares.data.items.length === 0) {
    return (
      <EmptyState
        icon={<Link2Off className="h-8 w-8" aria-hidden />}
        title="No shared links yet"
        action={
          <Link
            to="/gallery"
            className="inline-flex h-10 items-center gap-2 rounded-lg bg-white px-4 text-sm font-medium text-zinc-800 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800"
          >
            <Images className="h-4 w-4" aria-hidden />
            Open the gallery
          </Link>
        }
      >
        Share an image from its page, from a Create result, or from its tile in the gallery.
      </EmptyState>
    );
  }
  const live = shares.data.items.filter((s) => s.state === 'live').length;
  return (
    <>
      <p className="text-xs text-zinc-500 dark:text-zinc-400" aria-live="polite">
        {live} of {shares.data.items.length} {shares.data.items.length === 1 ? 'link' : 'links'} working
      </p>
      <ul aria-label="Your shared links" className="divide-y divide-zinc-200 dark:divide-zinc-800">
        {shares.data.items.map((share) => (
          <ShareRow key={share.id} share={share} onRevoke={() => onRevoke(share)} />
        ))}
      </ul>
    </>
  );
}

/** /shares: the links I made, how often each was opened, and a way to turn each off. */
export function SharesPage() {
  const [revoking, setRevoking] = useState<ShareSummary | null>(null);
  useEffect(() => {
    document.title = 'Shared links · ImageFlow';
  }, []);
  return (
    <div className="mx-auto max-w-4xl px-4 py-6 sm:px-6 sm:py-8">
      <h1 className="text-xl font-semibold tracking-tight">Shared links</h1>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        Each link shows an image, its branch or its path to anyone who has it. A link is shown only once, when it is made: to share again, make a new one
        from the image.
      </p>
      <section aria-label="Links" className="mt-6">
        <ShareList onRevoke={setRevoking} />
      </section>
      <RevokeDialog share={revoking} onClose={() => setRevoking(null)} />
    </div>
  );
}

export default SharesPage;
