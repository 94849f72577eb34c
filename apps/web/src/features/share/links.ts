/** Share links: the choices of the share dialog, and how links and their states read. Pure. */
import type { ShareScope, ShareSummary } from '@imageflow/shared';
import { ApiError, type NewShare } from '@/lib/api-client';

export const SCOPES: readonly ShareScope[] = ['image', 'branch', 'path'];

/** What each scope shares, as the dialog offers it. */
export const SCOPE_CHOICES: Record<ShareScope, { label: string; hint: string }> = {
  image: { label: 'This image', hint: 'Only this one image.' },
  branch: { label: 'This image and everything made from it', hint: 'Its variations, remixes, edits and upscales, and theirs, as a tree; later ones too.' },
  path: { label: 'The path from the first image to this one', hint: 'How it was made: each image it came from, back to the first.' },
};

/** The scope in a few words, for the list of links. */
export const SCOPE_SHORT: Record<ShareScope, string> = { image: 'Image', branch: 'Branch', path: 'Path' };

export type ExpiryChoice = '1' | '7' | '30' | '365' | 'never';

export const EXPIRY_CHOICES: ReadonlyArray<{ value: ExpiryChoice; label: string; days: number | null }> = [
  { value: '1', label: '1 day', days: 1 },
  { value: '7', label: '7 days', days: 7 },
  { value: '30', label: '30 days', days: 30 },
  { value: '365', label: '1 year', days: 365 },
  { value: 'never', label: 'Never', days: null },
];

export const DEFAULT_EXPIRY: ExpiryChoice = '30';

export const MIN_SHARE_PASSWORD = 4;
export const MAX_SHARE_PASSWORD = 256;

export interface ShareForm {
  scope: ShareScope;
  expiry: ExpiryChoice;
  /** Empty: no password. */
  password: string;
  allowDownload: boolean;
  showRecipe: boolean;
}

export const DEFAULT_SHARE_FORM: ShareForm = { scope: 'image', expiry: DEFAULT_EXPIRY, password: '', allowDownload: true, showRecipe: true };

/** The password's problem, if any (empty is fine: no password). */
export function passwordProblem(password: string): string | undefined {
  if (password === '') return undefined;
  if (password.length < MIN_SHARE_PASSWORD) return `Use at least ${MIN_SHARE_PASSWORD} characters (this one has ${password.length}), or leave it empty for no password.`;
  if (password.length > MAX_SHARE_PASSWORD) return `A password is at most ${MAX_SHARE_PASSWORD} characters.`;
  return undefined;
}

/** The body of POST /api/shares for `form`. */
export function shareRequest(nodeId: number, form: ShareForm): NewShare {
  const choice = EXPIRY_CHOICES.find((c) => c.value === form.expiry);
  const days = choice ? choice.days : 30;
  return {
    node_id: nodeId,
    scope: form.scope,
    expires_in_days: days,
    ...(form.password ? { password: form.password } : {}),
    allow_download: form.allowDownload,
    show_recipe: form.showRecipe,
  };
}

/** The link as someone else will open it: relative links get this site's origin. */
export function absoluteLink(url: string, origin: string = window.location.origin): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : new URL(url, origin).toString();
}

/** A file URL that asks the server for an attachment (the Download button of a shared page). */
export function downloadUrl(url: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}download=1`;
}

/** Why a link does not open, from the API's answer: gone for good, never existed, or neither. */
export type DeadLinkReason = 'expired' | 'revoked' | 'deleted' | 'not_found';

export function deadLinkReason(error: unknown): DeadLinkReason | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status === 404) return 'not_found';
  if (error.status !== 410) return null;
  if (error.code === 'share_expired') return 'expired';
  if (error.code === 'share_revoked') return 'revoked';
  if (error.code === 'share_deleted') return 'deleted';
  // A 410 of a code this app does not know yet: the link is gone all the same.
  return 'revoked';
}

export function needsPassword(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401 && error.code === 'share_password_required';
}

export const STATE_LABELS: Record<ShareSummary['state'], string> = { live: 'Live', expired: 'Expired', revoked: 'Revoked' };
