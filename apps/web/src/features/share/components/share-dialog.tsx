import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { CheckCircle2, ExternalLink, Eye, EyeOff, Link2, LoaderCircle } from 'lucide-react';
import type { ImageNode } from '@imageflow/shared';
import { Button } from '@/components/ui/button';
import { Dialog } from '@/components/ui/dialog';
import { Field, Input, inputClass } from '@/components/ui/field';
import { SecretField } from '@/components/ui/secret-field';
import { SegmentedControl } from '@/components/ui/segmented-control';
import { absoluteUrl, type CreatedShare } from '@/lib/api-client';
import { cn } from '@/lib/cn';
import { formatDateTime } from '@/features/image/format';
import { useCreateShare } from '../api';
import { copyText } from '../clipboard';
import {
  absoluteLink,
  DEFAULT_SHARE_FORM,
  EXPIRY_CHOICES,
  MAX_SHARE_PASSWORD,
  MIN_SHARE_PASSWORD,
  passwordProblem,
  SCOPE_CHOICES,
  SCOPES,
  shareRequest,
  type ShareForm,
} from '../links';

export type ShareableNode = Pick<ImageNode, 'id' | 'url'>;

export interface ShareDialogProps {
  /** The image to share; null keeps the dialog closed. */
  node: ShareableNode | null;
  open: boolean;
  onClose: () => void;
}

/**
 * "Share image #N": what to share (the image, its branch, or the path to it), for how long,
 * with a password or not, with downloads and the recipe or not. Once made, the link is shown
 * once, like an API token: closing the dialog forgets it.
 */
export function ShareDialog({ node, open, onClose }: ShareDialogProps) {
  const [created, setCreated] = useState<CreatedShare | null>(null);
  // Each opening starts afresh: a link made before is never shown again.
  useEffect(() => {
    if (!open) setCreated(null);
  }, [open]);
  const isOpen = open && node !== null;
  return (
    <Dialog
      open={isOpen}
      onClose={onClose}
      title={node ? `Share image #${node.id}` : 'Share'}
      description={created ? undefined : 'Anyone with the link sees what you choose here, without an account.'}
    >
      {isOpen ? created ? <CreatedLink share={created} onDone={onClose} /> : <ShareFormView node={node} onCreated={setCreated} onCancel={onClose} /> : null}
    </Dialog>
  );
}

const sectionTitle = 'mb-1.5 text-sm font-medium text-zinc-700 dark:text-zinc-300';

function ShareFormView({ node, onCreated, onCancel }: { node: ShareableNode; onCreated: (share: CreatedShare) => void; onCancel: () => void }) {
  const id = useId();
  const create = useCreateShare();
  const [form, setForm] = useState<ShareForm>(DEFAULT_SHARE_FORM);
  const [showPassword, setShowPassword] = useState(false);
  const [passwordError, setPasswordError] = useState<string | undefined>();
  const [problem, setProblem] = useState<string | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const set = <K extends keyof ShareForm>(key: K, value: ShareForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setProblem(null);
  };

  const expiryDays = shareRequest(node.id, form).expires_in_days;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const wrong = passwordProblem(form.password);
    setPasswordError(wrong);
    if (wrong) {
      passwordRef.current?.focus();
      return;
    }
    setProblem(null);
    create.mutate(shareRequest(node.id, form), {
      onSuccess: onCreated,
      onError: (error) => setProblem(error.message),
    });
  };

  return (
    <form onSubmit={submit} noValidate aria-label={`Share image #${node.id}`} className="space-y-5">
      <fieldset>
        <legend className={sectionTitle}>What to share</legend>
        <div className="space-y-1.5">
          {SCOPES.map((scope) => {
            const choice = SCOPE_CHOICES[scope];
            const checked = form.scope === scope;
            return (
              <label
                key={scope}
                className={cn(
                  'flex cursor-pointer gap-3 rounded-xl px-3 py-2.5 ring-1 ring-inset transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-1 has-[:focus-visible]:outline-indigo-500',
                  checked
                    ? 'bg-indigo-50 ring-indigo-400 dark:bg-indigo-950/40 dark:ring-indigo-700'
                    : 'ring-zinc-200 hover:bg-zinc-50 dark:ring-zinc-800 dark:hover:bg-zinc-800/60',
                )}
              >
                <input
                  type="radio"
                  name={`${id}-scope`}
                  value={scope}
                  checked={checked}
                  onChange={() => set('scope', scope)}
                  aria-labelledby={`${id}-scope-${scope}`}
                  aria-describedby={`${id}-scope-${scope}-hint`}
                  className="mt-0.5 h-4 w-4 shrink-0 accent-indigo-600 focus-visible:outline-none"
                />
                <span className="min-w-0">
                  <span id={`${id}-scope-${scope}`} className="block text-sm font-medium">
                    {choice.label}
                  </span>
                  <span id={`${id}-scope-${scope}-hint`} className="mt-0.5 block text-xs text-zinc-500 dark:text-zinc-400">
                    {choice.hint}
                  </span>
                </span>
              </label>
            );
          })}
        </div>
      </fieldset>

      <div>
        <SegmentedControl
          label="Link expires after"
          showLegend
          legendClassName="text-zinc-700 dark:text-zinc-300"
          name={`${id}-expiry`}
          size="sm"
          options={EXPIRY_CHOICES.map((c) => ({ value: c.value, label: c.label, ariaLabel: c.value === 'never' ? 'Never expires' : `Expires after ${c.label}` }))}
          value={form.expiry}
          onChange={(value) => set('expiry', value)}
        />
        <p className="mt-1.5 text-xs text-zinc-500 dark:text-zinc-400" aria-live="polite">
          {expiryDays === null ? (
            <span className="text-amber-700 dark:text-amber-400">The link works until you revoke it.</span>
          ) : (
            <>It stops working on {formatDateTime(new Date(Date.now() + expiryDays * 86_400_000).toISOString())}.</>
          )}
        </p>
      </div>

      <Field
        label="Password (optional)"
        htmlFor={`${id}-password`}
        error={passwordError}
        hint={`Whoever opens the link must type it. At least ${MIN_SHARE_PASSWORD} characters; leave empty for none.`}
      >
        <div className="relative">
          <Input
            ref={passwordRef}
            id={`${id}-password`}
            name="share-password"
            type={showPassword ? 'text' : 'password'}
            autoComplete="new-password"
            maxLength={MAX_SHARE_PASSWORD + 1}
            aria-invalid={passwordError ? true : undefined}
            aria-describedby={passwordError ? `${id}-password-error` : undefined}
            value={form.password}
            onChange={(e) => {
              set('password', e.target.value);
              setPasswordError(undefined);
            }}
            className="pr-10"
          />
          <button
            type="button"
            onClick={() => setShowPassword((s) => !s)}
            aria-label={showPassword ? 'Hide password' : 'Show password'}
            aria-pressed={showPassword}
            className="absolute inset-y-0 right-0 flex w-10 items-center justify-center rounded-r-lg text-zinc-500 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-indigo-500 dark:hover:text-zinc-100"
          >
            {showPassword ? <EyeOff className="h-4 w-4" aria-hidden /> : <Eye className="h-4 w-4" aria-hidden />}
          </button>
        </div>
      </Field>

      <fieldset className="space-y-2.5">
        <legend className={sectionTitle}>Viewers may</legend>
        <CheckOption
          label="Download the image"
          hint="A Download button for the full-size PNG."
          checked={form.allowDownload}
          onChange={(v) => set('allowDownload', v)}
        />
        <CheckOption
          label="See the recipe"
          hint="Prompt, model, seed and settings. Off: only the pictures."
          checked={form.showRecipe}
          onChange={(v) => set('showRecipe', v)}
        />
      </fieldset>

      {problem ? (
        <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800 ring-1 ring-inset ring-red-200 dark:bg-red-950/50 dark:text-red-200 dark:ring-red-900">
          {problem}
        </p>
      ) : null}

      <DirectFileLink node={node} />

      <div className="sticky bottom-0 -mx-5 flex flex-wrap justify-end gap-2 border-t border-zinc-200 bg-white px-5 py-4 dark:border-zinc-800 dark:bg-zinc-900">
        <Button variant="secondary" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={create.isPending}>
          {create.isPending ? <LoaderCircle className="h-4 w-4 animate-spin" aria-hidden /> : <Link2 className="h-4 w-4" aria-hidden />}
          Create link
        </Button>
      </div>
    </form>
  );
}

function CheckOption({ label, hint, checked, onChange }: { label: string; hint: string; checked: boolean; onChange: (value: boolean) => void }) {
  const id = useId();
  return (
    <div className="flex gap-3">
      <input
        id={id}
        type="checkbox"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
        aria-describedby={`${id}-hint`}
        className="mt-0.5 h-4 w-4 shrink-0 cursor-pointer rounded border-zinc-300 accent-indigo-600 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500"
      />
      <div className="min-w-0">
        <label htmlFor={id} className="block cursor-pointer text-sm font-medium">
          {label}
        </label>
        <p id={`${id}-hint`} className="text-xs text-zinc-500 dark:text-zinc-400">
          {hint}
        </p>
      </div>
    </div>
  );
}

/**
 * The file's own URL, as before share links: it never expires and cannot be revoked, so it is
 * offered apart, in small print.
 */
function DirectFileLink({ node }: { node: ShareableNode }) {
  const [blocked, setBlocked] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (!blocked) return;
    field.current?.focus();
    field.current?.select();
  }, [blocked]);
  if (!node.url) return null;
  const url = absoluteUrl(node.url);
  const copy = async () => {
    if (await copyText(url)) {
      setBlocked(false);
      toast.success('Link copied', { description: url });
    } else setBlocked(true);
  };
  return (
    <div className="text-xs text-zinc-500 dark:text-zinc-400">
      <p>
        Or{' '}
        <button type="button" onClick={() => void copy()} className="font-medium text-indigo-600 underline-offset-2 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400">
          copy the file’s direct link
        </button>
        : it never expires and cannot be revoked.
      </p>
      {blocked ? (
        <div className="mt-2 space-y-1">
          <input
            ref={field}
            readOnly
            aria-label="Direct file link"
            value={url}
            onFocus={(e) => e.currentTarget.select()}
            className={cn(inputClass, 'font-mono text-xs')}
          />
          <p role="alert">Copying was blocked by the browser. The link is selected: press Ctrl+C (⌘C) to copy it.</p>
        </div>
      ) : null}
    </div>
  );
}

function Fact({ children }: { children: ReactNode }) {
  return <li className="inline-flex items-center gap-1.5">{children}</li>;
}

/** The new link, once: selected, with a copy button, and the warning that it will not be shown again. */
function CreatedLink({ share, onDone }: { share: CreatedShare; onDone: () => void }) {
  const titleId = useId();
  const link = absoluteLink(share.url);

  return (
    <div className="space-y-4 pb-5">
      <section aria-labelledby={titleId} className="rounded-xl border border-emerald-300 bg-emerald-50 p-4 dark:border-emerald-900 dark:bg-emerald-950/40">
        <h3 id={titleId} className="flex items-start gap-2 font-semibold text-emerald-900 dark:text-emerald-100">
          <CheckCircle2 className="mt-0.5 h-5 w-5 shrink-0" aria-hidden />
          Link created
        </h3>
        <p className="mt-1.5 text-sm text-emerald-900 dark:text-emerald-200">
          <strong>Copy it now: it will not be shown again.</strong> If it is lost, revoke it under Shared links and make another.
        </p>
        <SecretField value={link} inputLabel="Share link" copyLabel="Copy link" noun="link" onCopied={() => toast.success('Share link copied')} />
        <ul aria-label="How it is shared" className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-xs text-emerald-900/80 dark:text-emerald-200/80">
          <Fact>{SCOPE_CHOICES[share.scope].label}</Fact>
          <Fact>{share.expires_at ? `Expires ${formatDateTime(share.expires_at)}` : 'Never expires'}</Fact>
          <Fact>{share.has_password ? 'Password required' : 'No password'}</Fact>
          <Fact>{share.allow_download ? 'Download allowed' : 'No download'}</Fact>
          <Fact>{share.show_recipe ? 'Recipe shown' : 'Recipe hidden'}</Fact>
        </ul>
      </section>
      <div className="flex flex-wrap items-center justify-end gap-2">
        <Link
          to="/shares"
          onClick={onDone}
          className="mr-auto text-sm font-medium text-indigo-600 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-500 dark:text-indigo-400"
        >
          All shared links
        </Link>
        <a
          href={link}
          target="_blank"
          rel="noopener noreferrer"
          className="inline-flex h-10 items-center gap-2 rounded-lg bg-white px-4 text-sm font-medium text-zinc-800 ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 dark:bg-zinc-900 dark:text-zinc-100 dark:ring-zinc-700 dark:hover:bg-zinc-800"
        >
          <ExternalLink className="h-4 w-4" aria-hidden />
          Open
        </a>
        <Button variant="primary" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}
