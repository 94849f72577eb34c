/** Where the sign-in page returns to: always a path of this app, never another site. Pure. */

export const SIGN_IN_PATH = '/signin';

/** The sign-in page's address that comes back to `location` afterwards. */
export function signInPath(location: { pathname: string; search?: string; hash?: string }): string {
  const here = `${location.pathname}${location.search ?? ''}${location.hash ?? ''}`;
  const next = safeNext(here);
  return next === '/' ? SIGN_IN_PATH : `${SIGN_IN_PATH}?next=${encodeURIComponent(next)}`;
}

/**
 * The `next` parameter made safe to navigate to: a path on this origin ("/gallery?q=rain"),
 * never an absolute or protocol-relative URL ("//evil.example", "/\\evil.example",
 * "https://…") and never the sign-in page itself; "/" otherwise.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  // Control characters (a tab or newline inside "/\t/evil.example") are dropped by URL parsers.
  if (/[\u0000-\u001f\u007f]/.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, 'http://imageflow.invalid');
  } catch {
    return '/';
  }
  if (url.origin !== 'http://imageflow.invalid') return '/';
  if (url.pathname === SIGN_IN_PATH || url.pathname.startsWith(`${SIGN_IN_PATH}/`)) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
