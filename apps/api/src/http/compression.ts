import zlib from 'node:zlib';
import { negotiate } from '@fastify/accept-negotiator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JsonText } from '../lib/json-text.ts';

/**
 * How answers are compressed: by @fastify/compress for every JSON and text answer (security.ts), and
 * here, by the same rule and options, for the JSON text services assemble (gallery and lineage pages),
 * which the lineage answers a process keeps carry compressed once per encoding.
 */
export const ENCODINGS = ['br', 'gzip'] as const;
export type Encoding = (typeof ENCODINGS)[number];
/** Smaller answers go out as they are. */
export const COMPRESS_THRESHOLD = 1024;
/** Quality 4: most of the gain at a small part of brotli's default cost. */
export const BROTLI_OPTIONS: zlib.BrotliOptions = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } };

/** The encoding @fastify/compress would pick for this request, by its own rule (`*` and x-gzip mean gzip). */
function acceptedEncoding(request: FastifyRequest): Encoding | null {
  const header = request.headers['accept-encoding'];
  if (header === undefined || request.headers['x-no-compression'] !== undefined) return null;
  return negotiate(header.toLowerCase().replace(/\*|x-gzip/gu, 'gzip'), [...ENCODINGS]);
}

function compress(encoding: Encoding, bytes: Buffer): Buffer {
  return encoding === 'br' ? zlib.brotliCompressSync(bytes, BROTLI_OPTIONS) : zlib.gzipSync(bytes);
}

/**
 * Sends JSON text a service assembled (gallery and lineage pages) as it is, as bytes: Fastify skips the
 * serializer for them. Compressed here, in one call, when the client accepts it (a stream through
 * @fastify/compress cost a 1,000-node tree page twice the CPU: bench/lineage); a text kept for other
 * answers carries its compressed forms, made the first time and then sent as they are.
 */
export function sendJson<T>(request: FastifyRequest, reply: FastifyReply, body: JsonText<T>): FastifyReply {
  reply.type('application/json; charset=utf-8');
  const bytes = body.toBuffer();
  const encoding = bytes.length >= COMPRESS_THRESHOLD ? acceptedEncoding(request) : null;
  if (!encoding) return reply.send(bytes);
  const encoded = body.encoded(encoding, (plain) => compress(encoding, plain)) ?? compress(encoding, bytes);
  const vary = reply.getHeader('Vary');
  if (vary === undefined) reply.header('Vary', 'accept-encoding');
  else if (!String(vary).toLowerCase().includes('accept-encoding')) reply.header('Vary', `${String(vary)}, accept-encoding`);
  return reply.header('Content-Encoding', encoding).header('Content-Length', encoded.length).send(encoded);
}
