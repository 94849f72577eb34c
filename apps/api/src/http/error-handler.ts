import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError, type ZodIssue } from 'zod';
import { AppError, BusyError } from '../errors.ts';

/** Fastify's and its plugins' error codes that deserve a code and a sentence of our own. */
const FASTIFY_ERRORS: Record<string, { status?: number; code: string; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid_json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid_json', message: 'The body is empty but content-type is application/json; send a JSON object.' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'invalid_request', message: 'The content-length header does not match the body that was sent.' },
  FST_ERR_BAD_URL: { code: 'invalid_url', message: 'The URL is not valid: it has a broken percent-encoding (like %E0%A4%A). Encode the path with encodeURIComponent.' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 404, code: 'not_found', message: 'No such resource: a part of the path is longer than any name ImageFlow uses.' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'bad_request' },
  FST_REQ_FILE_TOO_LARGE: { code: 'payload_too_large' },
  FST_PARTS_LIMIT: { status: 413, code: 'payload_too_large', message: 'The upload has too many parts; send one field named "file".' },
  FST_FILES_LIMIT: { status: 413, code: 'payload_too_large', message: 'The upload has more than one file; send one image in a field named "file".' },
  FST_FIELDS_LIMIT: { status: 413, code: 'payload_too_large', message: 'The upload has too many fields; send one image in a field named "file".' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { code: 'unsupported_media_type' },
  FST_CSRF_INVALID_TOKEN: { status: 403, code: 'csrf_failed', message: 'This request came without a valid x-csrf-token header. Reload the page, or send the csrf_token from GET /api/auth/me as the x-csrf-token header; scripts should use an API token instead of a cookie.' },
  FST_CSRF_MISSING_SECRET: { status: 403, code: 'csrf_failed', message: 'This request came without a valid x-csrf-token header. Reload the page, or send the csrf_token from GET /api/auth/me as the x-csrf-token header; scripts should use an API token instead of a cookie.' },
};

/** The code of an error that has only a status. */
function codeForStatus(status: number): string {
  switch (status) {
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 406:
      return 'not_acceptable';
    case 408:
      return 'request_timeout';
    case 413:
      return 'payload_too_large';
    case 414:
      return 'uri_too_long';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'too_many_requests';
    case 431:
      return 'headers_too_large';
    default:
      return 'bad_request';
  }
}

/** Network errors, and PostgreSQL's "connection exception" and "cannot connect now" states. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EPIPE', 'EAI_AGAIN', '57P01', '57P02', '57P03']);

/** Whether an error means a service ImageFlow depends on (database, Redis, object store) is down, not that ImageFlow is broken. */
export function isDependencyDown(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (UNREACHABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  if (typeof e.message === 'string' && /Connection (is closed|terminated)|timeout exceeded when trying to connect/i.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== err && isDependencyDown(e.cause);
}

/** The JSON error body, as a string, for the places that write to the socket themselves. */
export function errorJson(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** "spec.steps", "query limit", "params id"; empty for the body as a whole. */
function describePath(where: string | undefined, path: string): string {
  const field = path.replace(/^\//, '').replaceAll('/', '.');
  const prefix = where === 'body' || !where ? '' : `${where === 'querystring' ? 'query' : where} `;
  return field ? `${prefix}${field}` : prefix.trim();
}

/** Up to five problems, each once, each after the place it was found: "spec.steps: steps must be …; model: …". */
function describeProblems(problems: ReadonlyArray<{ path: string; message: string }>, where?: string): string {
  const lines = problems.map(({ path, message }) => {
    const place = describePath(where, path);
    if (!place) return message;
    // "spec.steps" + "steps must be …" → "spec.steps must be …"
    const key = place.split('.').at(-1)!;
    if ((where === 'body' || !where) && message.startsWith(`${key} `)) return `${place}${message.slice(key.length)}`;
    return `${place}: ${message}`;
  });
  return [...new Set(lines)].slice(0, 5).join('; ');
}

export function describeZodIssues(issues: readonly ZodIssue[], where?: string): string {
  return describeProblems(
    issues.map((i) => ({ path: `/${i.path.join('/')}`, message: i.message })),
    where,
  );
}

/**
 * A browser opening a link (an image URL, a shared file) rather than a script calling the API: it
 * gets a small page that says why the link is dead, where a script gets the JSON error.
 */
function opensAsPage(request: FastifyRequest): boolean {
  if (request.method !== 'GET' || request.url.startsWith('/api/')) return false;
  const accept = request.headers.accept ?? '';
  return /\btext\/html\b/.test(accept);
}

function deadLinkPage(message: string): string {
  const text = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Link not available · ImageFlow</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:5rem auto;padding:0 1.25rem;color:#1f2328}h1{font-size:1.4rem}p{color:#59636e}a{color:#4f46e5}</style></head>
<body><h1>This link is not available</h1><p>${text}</p><p><a href="/">Open ImageFlow</a></p></body></html>`;
}

/** Headers a route may have set for a file before its body failed; none of them describes an error. */
const FILE_HEADERS = ['content-length', 'content-range', 'accept-ranges', 'etag', 'last-modified', 'cache-control'];

/** One place that turns every error into `{error: {code, message}}`; 5xx details stay in the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    for (const header of FILE_HEADERS) reply.removeHeader(header);
    reply.type('application/json; charset=utf-8');
    if (err.validation?.length) {
      const message = describeProblems(
        err.validation.map((v) => ({ path: v.instancePath, message: v.message ?? 'is not valid' })),
        err.validationContext,
      );
      return reply.status(400).send({ error: { code: 'validation_error', message } });
    }
    if (err instanceof ZodError) {
      return reply.status(400).send({ error: { code: 'validation_error', message: describeZodIssues(err.issues) } });
    }
    if (err instanceof AppError) {
      if (err instanceof BusyError) reply.header('retry-after', String(err.retryAfterSeconds));
      if (opensAsPage(request) && [401, 403, 404, 410].includes(err.statusCode)) return reply.status(err.statusCode).type('text/html; charset=utf-8').send(deadLinkPage(err.message));
      if (err.statusCode >= 500) request.log.warn({ err }, err.message);
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } });
    }
    const known = FASTIFY_ERRORS[err.code];
    const status = known?.status ?? err.statusCode ?? 500;
    if (status < 500) {
      const code = known?.code ?? codeForStatus(status);
      return reply.status(status).send({ error: { code, message: known?.message ?? err.message } });
    }
    if (isDependencyDown(err)) {
      request.log.warn({ err }, 'a dependency is unreachable');
      return reply
        .status(503)
        .header('retry-after', '5')
        .send({
          error: {
            code: 'unavailable',
            message: 'A service ImageFlow depends on (its database, Redis or object store) is not reachable right now; try again in a moment.',
          },
        });
    }
    request.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send({ error: { code: 'internal_error', message: 'Something went wrong inside ImageFlow; the server log has the details.' } });
  });

  app.setNotFoundHandler((request, reply) => {
    if (opensAsPage(request)) return reply.status(404).type('text/html; charset=utf-8').send(deadLinkPage('There is nothing at this address.'));
    reply.status(404).send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` } });
  });
}

/** Fastify's `frameworkErrors`: errors met while routing (a bad URL), answered in our shape. */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = FASTIFY_ERRORS[err.code];
  const status = known?.status ?? err.statusCode ?? 400;
  request.log.debug({ err }, 'request refused while routing');
  void reply.status(status).send({ error: { code: known?.code ?? codeForStatus(status), message: known?.message ?? err.message } });
}

const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'headers_too_large',
    message: 'The request headers are larger than the server accepts (16 KB in all); send fewer or shorter headers or cookies.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'request_timeout',
    message: 'The request was not received in time; send it again.',
  },
  ERR_HTTP_HEADERS_TIMEOUT: {
    status: 408,
    code: 'request_timeout',
    message: 'The request headers were not received in time; send the request again.',
  },
};

/**
 * Fastify's `clientErrorHandler`: requests that Node's HTTP parser refuses before Fastify sees them
 * (headers too large, malformed request lines or chunked framing). Answered on the socket, in our shape.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const known = (err.code && CLIENT_ERRORS[err.code]) || {
    status: 400,
    code: 'malformed_request',
    message: `The request is not valid HTTP/1.1 (${err.code ?? 'parse error'}); check the request line, headers and chunked framing.`,
  };
  this.log.debug({ err }, 'malformed request refused');
  if (socket.writable) {
    const body = errorJson(known.code, known.message);
    socket.write(
      `HTTP/1.1 ${known.status} ${http.STATUS_CODES[known.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
