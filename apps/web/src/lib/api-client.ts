import type {
  ErrorBody,
  GalleryPage,
  GenerationRequest,
  ImageNode,
  Job,
  Lineage,
  ModelList,
} from '@imageflow/shared';

/** An error answered by the API, with its stable code and a message meant for people. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(path, {
      ...rest,
      headers: { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...rest.headers },
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach the ImageFlow server. Is it running?');
  }
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const error = (body as ErrorBody | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? `The server answered ${res.status}.`);
  }
  return body as T;
}

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
  cancelJob: (id: string) => request<Job>(`/api/generations/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  jobEventsUrl: (id: string) => `/api/generations/${encodeURIComponent(id)}/events`,
  image: (id: number) => request<ImageNode>(`/api/images/${id}`),
  setStarred: (id: number, starred: boolean) => request<ImageNode>(`/api/images/${id}`, { method: 'PATCH', json: { starred } }),
  deleteImage: (id: number) => request<ImageNode>(`/api/images/${id}`, { method: 'DELETE' }),
  gallery: (params: GalleryParams) => request<GalleryPage>(`/api/images${query({ ...params })}`),
  lineage: (id: number, params: LineageParams = {}) => request<Lineage>(`/api/images/${id}/lineage${query({ ...params })}`),
  upload: (file: File) => {
    const form = new FormData();
    form.append('file', file);
    return request<ImageNode>('/api/images/upload', { method: 'POST', body: form });
  },
};

/** The absolute, shareable URL of an image. */
export function absoluteUrl(path: string): string {
  return new URL(path, window.location.origin).toString();
}
