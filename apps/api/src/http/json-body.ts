import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError, ValidationError } from '../errors.ts';

/** The largest JSON body a route takes unless it says otherwise; a generation request is a few KB. */
export const JSON_BODY_LIMIT = 64 * 1024;
/** How deeply objects and arrays may nest in a JSON body; no request of ours goes past 4. */
export const MAX_JSON_DEPTH = 32;

/**
 * The deepest nesting of objects and arrays in a JSON text, stopping as soon as it passes `limit`.
 * A linear scan that skips strings; it does not validate (the parser does that).
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * Parses a JSON request body, refusing what could hurt before it is handed on: nesting deeper than
 * MAX_JSON_DEPTH and `__proto__` / `constructor.prototype` keys (prototype pollution).
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new AppError(400, 'invalid_json', 'The body is empty but content-type is application/json; send a JSON object.');
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new AppError(400, 'invalid_json', `The JSON body nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep; no ImageFlow request needs that.`);
  }
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const message = (err as Error).message;
    if (/prototype/i.test(message)) {
      throw new ValidationError('The JSON body has a "__proto__" or "constructor.prototype" key, which is never accepted; remove it.');
    }
    throw new AppError(400, 'invalid_json', `The body is not valid JSON (${message}); check quotes, commas and brackets.`);
  }
}

/** Replaces Fastify's JSON parser with `parseJsonBody`. Route `bodyLimit`s still apply before it runs. */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}
