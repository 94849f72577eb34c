import { vi } from 'vitest';

/** One request the app sent, as the server would see it. */
export interface SeenRequest {
  method: string;
  /** Path and query, e.g. "/api/images?limit=120". */
  url: string;
  path: string;
  headers: Headers;
  /** The parsed JSON body, the FormData, or undefined. */
  body: unknown;
}

export type Handler = (req: SeenRequest) => Response | Promise<Response>;

/** A JSON answer, as the API gives them. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** The API's error shape: {error: {code, message}}. */
export function apiError(status: number, code: string, message: string, headers: Record<string, string> = {}): Response {
  return json(status, { error: { code, message } }, headers);
}

export const noContent = () => new Response(null, { status: 204 });

/**
 * Replaces `fetch` with a fake API: `on(method, path, handler)` answers a route (the last one
 * registered for a route wins, so a test can override a default); anything else is a 404 in
 * the API's shape. Every request is kept in `requests`, headers and body included.
 */
export function fakeHttp() {
  const routes: Array<{ method: string; path: string | RegExp; handler: Handler }> = [];
  const requests: SeenRequest[] = [];

  const fetchFake = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://localhost');
    const method = (init.method ?? 'GET').toUpperCase();
    const raw = init.body;
    const body = typeof raw === 'string' ? (JSON.parse(raw) as unknown) : (raw ?? undefined);
    const req: SeenRequest = { method, url: url.pathname + url.search, path: url.pathname, headers: new Headers(init.headers), body };
    requests.push(req);
    const route = [...routes].reverse().find((r) => r.method === method && (typeof r.path === 'string' ? r.path === url.pathname : r.path.test(url.pathname)));
    if (!route) return apiError(404, 'not_found', `No route ${method} ${url.pathname} in this test.`);
    return route.handler(req);
  });
  vi.stubGlobal('fetch', fetchFake);

  return {
    requests,
    fetch: fetchFake,
    on(method: string, path: string | RegExp, handler: Handler | Response | (() => Response)) {
      const h: Handler = typeof handler === 'function' ? handler : () => handler.clone();
      routes.push({ method: method.toUpperCase(), path, handler: h });
      return this;
    },
    /** The requests to `path` (and `method`, if given). */
    to(path: string, method?: string): SeenRequest[] {
      return requests.filter((r) => r.path === path && (!method || r.method === method.toUpperCase()));
    },
  };
}

export type FakeHttp = ReturnType<typeof fakeHttp>;
