import { useId, useRef, useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { CheckCircle2, CircleAlert, KeyRound, LoaderCircle, Plus, Users } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { EmptyState } from '@/components/ui/empty-state';
import { Field, Input } from '@/components/ui/field';
import { SecretField } from '@/components/ui/secret-field';
import { Skeleton } from '@/components/ui/skeleton';
import { absoluteUrl, type ApiToken, type CreatedApiToken } from '@/lib/api-client';
import { useMe } from '@/features/auth/api';
import { formatDateTime, formatRelative } from '@/features/image/format';
import { useCreateToken, useRevokeToken, useTokens } from '../api';

/** How a script presents a token. */
export const TOKEN_HEADER = 'Authorization: Bearer';

function CreateTokenForm({ onCreated }: { onCreated: (token: CreatedApiToken) => void }) {
  const create = useCreateToken();
  const id = useId();
  const [name, setName] = useState('');
  const [error, setError] = useState<string | undefined>();
  const input = useRef<HTMLInputElement>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setError('Name the token after what will use it.');
      input.current?.focus();
      return;
    }
    setError(undefined);
    create.mutate(trimmed, {
      onSuccess: (token) => {
        setName('');
        onCreated(token);
      },
      onError: (err) => setError(err.message),
    });
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Create a token">
      <Field label="Name" htmlFor={`${id}-name`} error={error} hint="What will use it, e.g. “nightly backup” or “laptop script”.">
        <div className="flex flex-col gap-2 sm:flex-row">
          <Input
            ref={input}
            id={`${id}-name`}
            name="token-name"
            autoComplete="off"
            maxLength={100}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-name-error` : undefined}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setError(undefined);
            }}
          />
          <Button type="submit" variant="primary" disabled={create.isPending} className="justify-center">
            {create.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <Plus className="h-4 w-4" aria-hidden />}
            Create token
          </Button>
        </div>
      </Field>
    </form>
  );
}

/** The new token, once: selected, with a copy button, and the warning that it will not be shown again. */
function NewTokenPanel({ token, onDone }: { token: CreatedApiToken; onDone: () => void }) {
  const titleId = useId();

  return (
    <section
      aria-labelledby={titleId}
      className="mt-4 rounded-xl border border-emerald-300 bg-emerald-50 p-4 sm:p-5 dark:border-emerald-900 dark:bg-emerald-950/40"
    >
      <h2 id={titleId} className="flex items-start gap-2 font-semibold text-emerald-900 dark:text-emerald-100">
        <CheckCircle2 className="mt-0.5 h-5 w-5 shrink-0" aria-hidden />
        <span className="min-w-0 break-words">Token “{token.name}” created</span>
      </h2>
      <p className="mt-1.5 text-sm text-emerald-900 dark:text-emerald-200">
        <strong>Copy it now: it will not be shown again.</strong> Keep it secret like a password; if it is lost, revoke it and create another.
      </p>
      <SecretField value={token.token} inputLabel="New API token" copyLabel="Copy token" noun="token" onCopied={() => toast.success('Token copied')} />
      <div className="mt-3 text-xs text-emerald-900/80 dark:text-emerald-200/80">
        <p>Scripts send it in a header:</p>
        {/* Breaks between words; inside one only when a word is longer than the line. */}
        <code className="mt-1 block rounded-md bg-white/70 px-2 py-1.5 font-mono break-words dark:bg-zinc-900/70">
          curl -H &apos;{TOKEN_HEADER} …&apos; {absoluteUrl('/api/images')}
        </code>
      </div>
      <div className="mt-4 flex justify-end">
        <Button onClick={onDone}>Done</Button>
      </div>
    </section>
  );
}

function TokenRow({ token, onRevoke }: { token: ApiToken; onRevoke: () => void }) {
  return (
    <li className="flex items-center gap-3 py-3">
      <KeyRound className="h-4 w-4 shrink-0 text-zinc-400" aria-hidden />
      <div className="min-w-0 flex-1">
        <p className="truncate text-sm font-medium">{token.name}</p>
        <p className="mt-0.5 text-xs text-zinc-500 dark:text-zinc-400">
          Created <time dateTime={token.created_at}>{formatDateTime(token.created_at)}</time>
          {/* One line from sm up; two on a phone, without a dot left dangling at the end of the first. */}
          <span aria-hidden className="hidden sm:inline">
            {' · '}
          </span>
          <br className="sm:hidden" />
          {token.last_used_at ? (
            <>
              Last used{' '}
              <time dateTime={token.last_used_at} title={formatDateTime(token.last_used_at)}>
                {formatRelative(token.last_used_at)}
              </time>
            </>
          ) : (
            'Never used'
          )}
        </p>
      </div>
      <Button variant="danger" size="sm" onClick={onRevoke} aria-label={`Revoke token “${token.name}”`}>
        Revoke
      </Button>
    </li>
  );
}

function RevokeDialog({ token, onClose, onRevoked }: { token: ApiToken | null; onClose: () => void; onRevoked: (token: ApiToken) => void }) {
  const revoke = useRevokeToken();
  return (
    <Dialog
      open={token !== null}
      onClose={onClose}
      title={token ? `Revoke “${token.name}”?` : 'Revoke token?'}
      description="Scripts that use this token are refused from now on. This cannot be undone."
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant="danger"
            disabled={revoke.isPending}
            onClick={() => {
              if (!token) return;
              revoke.mutate(token.id, {
                onSuccess: () => {
                  toast.success(`Token “${token.name}” revoked`);
                  onRevoked(token);
                },
              });
            }}
          >
            {revoke.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : null}
            Revoke token
          </Button>
        </>
      }
    />
  );
}

function TokenList({ onRevoke }: { onRevoke: (token: ApiToken) => void }) {
  const tokens = useTokens();
  if (tokens.isPending) {
    return (
      <div aria-hidden className="space-y-3 py-3">
        <Skeleton className="h-10" />
        <Skeleton className="h-10" />
      </div>
    );
  }
  if (tokens.isError) {
    return (
      <EmptyState
        icon={<CircleAlert className="h-8 w-8 text-red-500" aria-hidden />}
        title="The tokens could not be loaded"
        action={
          <Button onClick={() => void tokens.refetch()} disabled={tokens.isFetching}>
            Retry
          </Button>
        }
      >
        <p role="alert">{tokens.error.message}</p>
      </EmptyState>
    );
  }
  if (tokens.data.items.length === 0) {
    return <p className="py-6 text-center text-sm text-zinc-500 dark:text-zinc-400">No tokens yet. Create one above for each script that calls the API.</p>;
  }
  return (
    <ul aria-label="Your tokens" className="divide-y divide-zinc-200 dark:divide-zinc-800">
      {tokens.data.items.map((token) => (
        <TokenRow key={token.id} token={token} onRevoke={() => onRevoke(token)} />
      ))}
    </ul>
  );
}

/** /tokens: the signed-in person's API tokens, for scripts that call the API as them. */
export function TokensPage() {
  const me = useMe();
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  if (me.data?.auth === 'off') {
    return (
      <EmptyState icon={<Users className="h-10 w-10" aria-hidden />} title="No API tokens in single-user mode">
        There is no sign-in here, so scripts call the API directly, without a token. Tokens come with accounts: start the
        server with <code className="rounded bg-zinc-100 px-1 py-0.5 text-xs dark:bg-zinc-800">IMAGEFLOW_AUTH=on</code>.
      </EmptyState>
    );
  }

  return (
    <div className="mx-auto max-w-3xl px-4 py-6 sm:px-6 sm:py-8">
      <h1 className="text-xl font-semibold tracking-tight">API tokens</h1>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
        Scripts and other programs use a token instead of your password. A token acts as you until you revoke it.
      </p>

      <div className="mt-6 rounded-xl border border-zinc-200 p-4 sm:p-5 dark:border-zinc-800">
        <CreateTokenForm onCreated={setCreated} />
      </div>

      {created ? <NewTokenPanel token={created} onDone={() => setCreated(null)} /> : null}

      <section aria-labelledby="tokens-heading" className="mt-8">
        <h2 id="tokens-heading" className="text-sm font-semibold">
          Your tokens
        </h2>
        <TokenList onRevoke={setRevoking} />
      </section>

      <RevokeDialog
        token={revoking}
        onClose={() => setRevoking(null)}
        onRevoked={(token) => {
          setRevoking(null);
          if (created?.id === token.id) setCreated(null);
        }}
      />
    </div>
  );
}

export default TokensPage;
