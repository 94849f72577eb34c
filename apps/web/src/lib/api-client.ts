import type {
  Account,
  AccountList,
  AccountUpdate,
  ApiToken,
  AuthState,
  BulkAction,
  BulkImagesResult,
  BundleImport,
  BundleScope,
  CreateShare,
  ErrorBody,
  GalleryPage,
  GenerationRequest,
  ImageNode,
  Job,
  JobPage,
  JobStatus,
  LineageSummary,
  ModelList,
  NewAccount,
  PasswordChange,
  QueueJob,
  SharedView,
  ShareSummary,
  SignedIn,
  StorageUsage,
  TrashPage,
  Usage,
  User,
} from '@imageflow/shared';

export type { Account, AccountList, AccountUpdate, ApiToken, BundleImport, BundleScope, NewAccount, PasswordChange, SharedView, ShareSummary, TrashPage, User };
export type { JobPage, QueueJob };
export type Role = User['role'];
/** GET /api/auth/me: whether accounts are on ("off": single-user mode), who is signed in, the CSRF token. */
export type Me = AuthState;
/** What POST /api/auth/login and /api/auth/setup answer, beside the session cookie. */
export type Session = SignedIn;
/** POST /api/tokens: the only answer that ever holds the token itself. */
export type CreatedApiToken = ApiToken & { token: string };
export interface ApiTokenList {
  items: ApiToken[];
}
/** POST /api/shares: what to share and how (the server's defaults filled in by the form). */
export type NewShare = CreateShare;
/** POST /api/shares: the only answer that ever holds the link itself (only its hash is kept). */
export type CreatedShare = ShareSummary & { url: string };
export interface ShareList {
  items: ShareSummary[];
}
/** Images (the trash included) and the bytes their files take. */
/** GET /api/usage: the signed-in person's (everything, in single-user mode); for an admin with accounts on, every owner's too. */
export type { StorageUsage, Usage };

/** POST /api/images/upload: the node, and whether it is new (201) or this very file was already here (200). */
export interface ImportedImage {
  node: ImageNode;
  created: boolean;
}

/** An error answered by the API, with its stable code and a message meant for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait before trying again, from a 429's or 503's Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Retry-After as whole seconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

// The CSRF token of the signed-in session: every write sends it back as x-csrf-token. Kept from
// /api/auth/me, replaced by each login or set-up, dropped on sign-out.
let csrfToken: string | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

const unauthenticatedListeners = new Set<(error: ApiError) => void>();

/**
 * Calls `listener` whenever the API answers 401 (the session ended or never began), so the app
 * can send the person to the sign-in page. Returns the unsubscribe function.
 */
export function onUnauthenticated(listener: (error: ApiError) => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

interface RequestOptions extends RequestInit {
  json?: unknown;
  /**
   * The 401 is this call's own answer, not a sign that the session ended (a wrong password):
   * the caller shows it, nobody is sent to the sign-in page.
   */
  ownUnauthorized?: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

declare global {
  interface Window {
    /** GET requests index.html started before the app's code loaded, by path (who is signed in). */
    __imageflowEarly?: Record<string, Promise<Response>>;
  }
}

/** The answer to a GET of `path` that index.html already asked for, if it did; taken once. */
function takeEarly(path: string): Promise<Response> | undefined {
  const early = typeof window === 'undefined' ? undefined : window.__imageflowEarly;
  if (!early || !Object.hasOwn(early, path)) return undefined;
  const res = early[path];
  delete early[path];
  return res;
}

/**
 * GETs `path` ahead of the screen that will want it: the answer, or null when it was refused or
 * could not be had. Nothing is acted on here (a 401 ends no session); whoever asks later sees why.
 */
export async function prefetchJson<T>(path: string): Promise<T | null> {
  try {
    const res = await (takeEarly(path) ?? fetch(path));
    return res.ok ? ((await res.json()) as T) : null;
  } catch {
    return null;
  }
}

async function send(path: string, init: RequestOptions): Promise<Response> {
  const { json, ownUnauthorized: _, ...rest } = init;
  const method = (rest.method ?? 'GET').toUpperCase();
  const early = method === 'GET' && rest.body == null ? takeEarly(path) : undefined;
  // One that failed to reach the server is asked again.
  if (early) return early.catch(() => send(path, init));
  const headers = new Headers(rest.headers);
  if (json !== undefined) headers.set('content-type', 'application/json');
  if (csrfToken && !SAFE_METHODS.has(method)) headers.set('x-csrf-token', csrfToken);
  try {
    return await fetch(path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach the ImageFlow server. Is it running?');
  }
}

async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let error: ErrorBody['error'] | undefined;
  try {
    error = text ? (JSON.parse(text) as ErrorBody | undefined)?.error : undefined;
  } catch {
    error = undefined;
  }
  return new ApiError(
    res.status,
    error?.code ?? 'http_error',
    error?.message ?? `The server answered ${res.status}.`,
    parseRetryAfter(res.headers.get('retry-after')),
  );
}

/** Asks the server for a fresh CSRF token (the session may have been renewed in another tab). */
async function refreshCsrfToken(): Promise<void> {
  const res = await send('/api/auth/me', {});
  if (!res.ok) return;
  const me = (await res.json()) as Me;
  csrfToken = me.csrf_token;
}

async function request<T>(path: string, init: RequestOptions = {}): Promise<T> {
  return (await requestWithStatus<T>(path, init)).body;
}

/** As `request`, with the status of the answer (e.g. 201 Created versus 200 for something already there). */
async function requestWithStatus<T>(path: string, init: RequestOptions = {}): Promise<{ status: number; body: T }> {
  const res = await sendOk(path, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/**
 * Sends the request and answers the response if it is a success. A stale CSRF token is renewed and
 * the request tried once more; any other failure is thrown as an ApiError, a 401 also told to those
 * listening for it (unless the caller handles it itself).
 */
async function sendOk(path: string, init: RequestOptions): Promise<Response> {
  let res = await send(path, init);
  if (res.status === 403 && !SAFE_METHODS.has((init.method ?? 'GET').toUpperCase())) {
    const error = await errorFrom(res);
    if (error.code !== 'csrf_failed') throw error;
    // A stale token: take the session's current one and try once more.
    await refreshCsrfToken();
    res = await send(path, init);
  }
  if (!res.ok) {
    const error = await errorFrom(res);
    if (res.status === 401 && !init.ownUnauthorized) for (const listener of [...unauthenticatedListeners]) listener(error);
    throw error;
  }
  return res;
}

/** A file the server sends (a .zip), read whole, with the name its Content-Disposition gives. */
async function requestFile(path: string, init: RequestOptions): Promise<{ blob: Blob; filename: string | null }> {
  const res = await sendOk(path, init);
  const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? null;
  try {
    return { blob: await res.blob(), filename };
  } catch {
    throw new ApiError(0, 'network_error', 'The download was cut short: the connection dropped or the server stopped. Try again.');
  }
}

/** Single-user mode: what an API from before accounts (no /api/auth/me) means. */
const AUTH_OFF: Me = { auth: 'off', user: null, csrf_token: null, setup_needed: false };

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}

export interface GalleryParams {
  cursor?: string;
  limit?: number;
  q?: string;
  model?: string;
  action_type?: string;
  starred?: boolean;
  /** desc (the API's default): newest first; asc: oldest first. */
  order?: 'asc' | 'desc';
}

export interface TrashParams {
  cursor?: string;
  limit?: number;
}

export interface JobListParams {
  status?: readonly JobStatus[];
  limit?: number;
  cursor?: string;
}

/** The URL of a page of the tree around an image, in summary form. */
export function lineagePath(id: number, params: LineageParams): string {
  return `/api/images/${id}/lineage${query({ ...params, fields: 'summary' })}`;
}

export interface LineageParams {
  scope?: 'tree' | 'ancestors' | 'descendants';
  limit?: number;
  cursor?: string;
}

/** The one way the app talks to the server. Components use the hooks in features/, never fetch. */
export const api = {
  models: () => request<ModelList>('/api/models'),
  submitGeneration: (body: GenerationRequest) => request<Job>('/api/generations', { method: 'POST', json: body }),
  job: (id: string) => request<Job>(`/api/generations/${encodeURIComponent(id)}`),
  /** Cancels a job; with `queuedOnly`, only while it waits (one that has started is left running: a 409). */
  cancelJob: (id: string, { queuedOnly = false }: { queuedOnly?: boolean } = {}) =>
    request<Job>(`/api/generations/${encodeURIComponent(id)}${queuedOnly ? '?queued_only=true' : ''}`, { method: 'DELETE' }),
  jobEventsUrl: (id: string) => `/api/generations/${encodeURIComponent(id)}/events`,
  /** My jobs, newest first; queued ones with their place in line; how many are queued and running now. */
  jobs: ({ status, ...params }: JobListParams = {}) => request<JobPage>(`/api/generations${query({ ...params, status: status?.join(',') })}`),
  /** A failed or canceled job again, as a new queued job with the same recipe. */
  retryJob: (id: string) => request<Job>(`/api/generations/${encodeURIComponent(id)}/retry`, { method: 'POST' }),
  /** Moves a queued job to the front of my queue; answers it with its new position. */
  moveJobToFront: (id: string) => request<QueueJob>(`/api/generations/${encodeURIComponent(id)}/front`, { method: 'POST' }),
  image: (id: number) => request<ImageNode>(`/api/images/${id}`),
  setStarred: (id: number, starred: boolean) => request<ImageNode>(`/api/images/${id}`, { method: 'PATCH', json: { starred } }),
  /** DELETE: moves the image to the trash (files kept, restorable until purged); answers the node with trashed_at set. */
  trashImage: (id: number) => request<ImageNode>(`/api/images/${id}`, { method: 'DELETE' }),
  /** DELETE ?forever=true: removes the files now, from the trash or not; answers the tombstone. Cannot be undone. */
  deleteImageForever: (id: number) => request<ImageNode>(`/api/images/${id}?forever=true`, { method: 'DELETE' }),
  /** Takes the image out of the trash (409 when it is not there, or was already purged). */
  restoreImage: (id: number) => request<ImageNode>(`/api/images/${id}/restore`, { method: 'POST' }),
  /**
   * POST /api/images/bulk: stars, unstars, trashes or restores these images (at most MAX_BULK_IMAGES)
   * in one request, all or none: when one cannot take the action (not there, in the trash, not in
   * it...), nothing changes and the error names it. Answers the images as they are now, in this order.
   */
  bulkImages: (ids: readonly number[], action: BulkAction) => request<BulkImagesResult>('/api/images/bulk', { method: 'POST', json: { ids, action } }),
  /** My trashed images, most recently trashed first, and how many days the trash keeps them. */
  trash: (params: TrashParams = {}) => request<TrashPage>(`/api/trash${query({ ...params })}`),
  gallery: (params: GalleryParams) => request<GalleryPage>(`/api/images${query({ ...params })}`),
  /** POST /api/images/download: the PNGs of these images as one .zip, and the name the server gave it. */
  downloadImages: (ids: readonly number[]) => requestFile('/api/images/download', { method: 'POST', json: { ids } }),
  /** A page of the tree around an image, each node as a tree view draws it (fields=summary: no recipes). */
  lineage: (id: number, params: LineageParams = {}) => request<LineageSummary>(lineagePath(id, params)),
  upload: (file: File) => {
    const form = new FormData();
    form.append('file', file);
    return request<ImageNode>('/api/images/upload', { method: 'POST', body: form });
  },
  /** Uploads a file kept byte for byte with its recipe: 201 a new node, 200 the node this very file already is. */
  importImage: async (file: File): Promise<ImportedImage> => {
    const form = new FormData();
    form.append('file', file);
    const { status, body } = await requestWithStatus<ImageNode>('/api/images/upload', { method: 'POST', body: form });
    return { node: body, created: status === 201 };
  },
  /** A lineage bundle of another ImageFlow (or this one): its nodes are added, those already here are left as they are. */
  importBundle: (file: File) => {
    const form = new FormData();
    form.append('file', file);
    return request<BundleImport>('/api/bundles', { method: 'POST', body: form });
  },
  /** Where the .zip of an image's lineage downloads from (a plain link: the browser saves the attachment). */
  bundleUrl: (id: number, scope: BundleScope) => `/api/images/${id}/bundle${query({ scope })}`,

  /** Who is signed in; keeps the session's CSRF token for the writes that follow. */
  me: async (): Promise<Me> => {
    let me: Me;
    try {
      me = await request<Me>('/api/auth/me');
    } catch (error) {
      // An API from before accounts has no such route, and no sign-in: single-user mode.
      if (error instanceof ApiError && error.status === 404) me = AUTH_OFF;
      else throw error;
    }
    csrfToken = me.csrf_token;
    return me;
  },
  login: async (username: string, password: string): Promise<Session> => {
    const session = await request<Session>('/api/auth/login', { method: 'POST', json: { username, password }, ownUnauthorized: true });
    csrfToken = session.csrf_token;
    return session;
  },
  /** First run only: creates the first admin and signs them in. */
  setup: async (username: string, password: string): Promise<Session> => {
    const session = await request<Session>('/api/auth/setup', { method: 'POST', json: { username, password }, ownUnauthorized: true });
    csrfToken = session.csrf_token;
    return session;
  },
  logout: async (): Promise<void> => {
    try {
      await request<void>('/api/auth/logout', { method: 'POST', ownUnauthorized: true });
    } finally {
      csrfToken = null;
    }
  },
  /** Changes my password: my other sign-ins end, this one stays. A wrong current password is a 400, not a 401. */
  changePassword: (body: PasswordChange) => request<void>('/api/auth/password', { method: 'POST', json: body }),
  /** Ends every sign-in of mine, this one included (API tokens stay). */
  signOutEverywhere: async (): Promise<void> => {
    try {
      await request<void>('/api/auth/logout-everywhere', { method: 'POST', ownUnauthorized: true });
    } finally {
      csrfToken = null;
    }
  },
  /** My images and the storage they take (everything in single-user mode). */
  usage: () => request<StorageUsage>('/api/usage'),

  /** Admins only (403 for others, 409 in single-user mode): every account, with its storage. */
  accounts: () => request<AccountList>('/api/admin/users'),
  /** 409 when the username is taken. */
  createAccount: (body: NewAccount) => request<Account>('/api/admin/users', { method: 'POST', json: body }),
  /** Role, disabled (its sign-ins end, its tokens stop working) or a new password (its sign-ins end). */
  updateAccount: (id: string, changes: AccountUpdate) => request<Account>(`/api/admin/users/${encodeURIComponent(id)}`, { method: 'PATCH', json: changes }),

  tokens: () => request<ApiTokenList>('/api/tokens'),
  createToken: (name: string) => request<CreatedApiToken>('/api/tokens', { method: 'POST', json: { name } }),
  revokeToken: (id: string) => request<void>(`/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),

  shares: () => request<ShareList>('/api/shares'),
  createShare: (body: NewShare) => request<CreatedShare>('/api/shares', { method: 'POST', json: body }),
  revokeShare: (id: string) => request<ShareSummary>(`/api/shares/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  /**
   * Public: what a share link shows, signed in or not. A 401 is the link asking for its password
   * (share_password_required), not the end of a session.
   */
  sharedView: (key: string) => request<SharedView>(`/api/s/${encodeURIComponent(key)}`, { ownUnauthorized: true }),
  /** Public: gives a protected link its password; the answer's cookie unlocks it in this browser. */
  unlockShare: (key: string, password: string) =>
    request<void>(`/api/s/${encodeURIComponent(key)}/unlock`, { method: 'POST', json: { password }, ownUnauthorized: true }),
};

/** The absolute, shareable URL of an image. */
export function absoluteUrl(path: string): string {
  return new URL(path, window.location.origin).toString();
}
