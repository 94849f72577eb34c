import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ZodError, type ZodIssue } from 'zod';
import { AppError } from '../errors.ts';

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_REQ_FILE_TOO_LARGE: 'payload_too_large',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported_media_type',
};

function describePath(where: string | undefined, path: string): string {
  const field = path.replace(/^\//, '').replaceAll('/', '.');
  const prefix = where === 'body' || !where ? '' : `${where === 'querystring' ? 'query' : where} `;
  return field ? `${prefix}${field}` : prefix.trim() || 'request';
}

export function describeZodIssues(issues: readonly ZodIssue[], where?: string): string {
  return issues
    .slice(0, 5)
    .map((i) => `${describePath(where, `/${i.path.join('/')}`)}: ${i.message}`)
    .join('; ');
}

/** One place that turns every error into `{error: {code, message}}`; 5xx details stay in the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const message = err.validation
        .slice(0, 5)
        .map((v) => `${describePath(err.validationContext, v.instancePath)}: ${v.message}`)
        .join('; ');
      return reply.status(400).send({ error: { code: 'validation_error', message } });
    }
    if (err instanceof ZodError) {
      return reply.status(400).send({ error: { code: 'validation_error', message: describeZodIssues(err.issues) } });
    }
    if (err instanceof AppError) {
      if (err.statusCode >= 500) request.log.warn({ err }, err.message);
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } });
    }
    const status = err.statusCode ?? 500;
    if (status < 500) {
      const code = FASTIFY_CODES[err.code] ?? 'bad_request';
      return reply.status(status).send({ error: { code, message: err.message } });
    }
    request.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send({ error: { code: 'internal_error', message: 'Something went wrong inside ImageFlow; the server log has the details.' } });
  });

  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` } });
  });
}
