import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** A host as a URL may name it: a name or IPv4 address, or an IPv6 address in brackets; a port if any. */
const HOST = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The origin (`https://studio.example`) of the request being answered, as its client addressed it: its
 * protocol and Host, or X-Forwarded-Proto and X-Forwarded-Host from the proxies named in
 * IMAGEFLOW_TRUST_PROXY (Fastify reads those only from them). Null when the host is not one a URL can
 * name (spaces, a path, credentials, none at all on HTTP/1.0), so that no answer points elsewhere.
 */
export function originOf(req: FastifyRequest): string | null {
  const protocol = req.protocol?.toLowerCase();
  const host = req.host;
  if ((protocol !== 'http' && protocol !== 'https') || !HOST.test(host)) return null;
  return `${protocol}://${host}`;
}

/**
 * Keeps each request's origin for the code that answers it, wherever that code is called from (services
 * build the URLs of an answer without being handed the request). Entered as a request arrives: the later
 * hooks, the handler and the serializer run within it (Fastify carries it across the reading of a body).
 * Returns the reader: the origin of the request being answered, or null outside any request.
 */
export function installRequestOrigin(app: FastifyInstance): () => string | null {
  const store = new AsyncLocalStorage<string | null>();
  app.addHook('onRequest', (req, _reply, done) => store.run(originOf(req), done));
  return () => store.getStore() ?? null;
}
