import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { AppError, BusyError, PayloadTooLargeError, ValidationError } from '../errors.ts';
import { Slots } from '../lib/slots.ts';

/** Uploads received at once, per process; each holds at most its size limit in memory. */
export const CONCURRENT_UPLOADS = 4;
/** Uploads that may wait for a turn before more are refused with 429. */
export const MAX_WAITING_UPLOADS = 16;
/** How long an upload waits for its turn before it is refused with 429. */
export const UPLOAD_WAIT_MS = 2000;
/** The largest JSON body of a route that takes an image as base64. */
export const BASE64_IMAGE_BODY_LIMIT = 24 * 1024 * 1024;

/** Aborts when the client goes away before its response was sent, so work done for it can stop. */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new AppError(499, 'client_closed_request', 'The client closed the connection.'));
  });
  return controller.signal;
}

/**
 * A route hook that lets CONCURRENT_UPLOADS requests read their bodies at once, queues a few more,
 * and refuses the rest with 429, so many large uploads at once cannot exhaust memory.
 */
export function uploadGate(): onRequestHookHandler {
  const slots = new Slots(CONCURRENT_UPLOADS);
  const busy = () => new BusyError(`${CONCURRENT_UPLOADS} uploads are being received and more are waiting; send this one again in a few seconds.`, 5);
  return async (_request, reply) => {
    if (slots.waitingCount >= MAX_WAITING_UPLOADS) throw busy();
    const waited = AbortSignal.timeout(UPLOAD_WAIT_MS);
    let release: () => void;
    try {
      release = await slots.acquire(AbortSignal.any([clientGoneSignal(reply), waited]));
    } catch (err) {
      throw waited.aborted ? busy() : err;
    }
    reply.raw.once('close', release);
  };
}

const MULTIPART_LIMITS = { fieldNameSize: 100, fieldSize: 4096, fields: 10, files: 1, parts: 20, headerPairs: 50 } as const;

/** Busboy's and Fastify's parser errors that mean the body is not well-formed multipart. */
function malformed(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; statusCode?: number; message?: string };
  if (e.statusCode === 413 || e.code === 'FST_REQ_FILE_TOO_LARGE') return err as AppError;
  if (e.code?.startsWith('FST_') && e.statusCode && e.statusCode < 500) return err as AppError;
  return new AppError(
    400,
    'invalid_multipart',
    `The multipart body could not be read (${e.message ?? 'malformed'}); send a multipart/form-data request with the image in a field named "file".`,
  );
}

export interface UploadLimits {
  maxBytes: number;
  idleMs: number;
  /** The setting that raises the limit, named in the 413 message. */
  setting?: string;
  /** What the file is, in messages ("image", "bundle"). */
  what?: string;
}

/** Where the bytes of the one file of an upload go, chunk by chunk. */
interface UploadSink<T> {
  write(chunk: Buffer): void | Promise<void>;
  /** The whole file has come: what the upload gives. */
  finish(filename: string | undefined): T | Promise<T>;
}

/**
 * Reads the one file of a multipart upload into memory, refusing (413) a file past `maxBytes` however
 * it is sent, chunked included, and answering every framing problem with a 400 instead of a crash.
 */
export function readUploadedFile(request: FastifyRequest, limits: UploadLimits): Promise<{ data: Buffer; filename: string | undefined }> {
  const chunks: Buffer[] = [];
  let size = 0;
  return receiveUploadedFile(request, limits, {
    write: (chunk) => {
      chunks.push(chunk);
      size += chunk.length;
    },
    finish: (filename) => ({ data: Buffer.concat(chunks, size), filename }),
  });
}

/**
 * Writes the one file of a multipart upload to a new file in `dir` (for files too large to hold in
 * memory, like lineage bundles), with the same limits and refusals as readUploadedFile. The caller
 * removes the file; on a refusal it is already gone.
 */
export async function spoolUploadedFile(request: FastifyRequest, limits: UploadLimits, dir: string): Promise<{ path: string; filename: string | undefined }> {
  const target = path.join(dir, `upload-${crypto.randomUUID()}`);
  const out = await fs.open(target, 'wx');
  try {
    return await receiveUploadedFile(request, limits, {
      write: async (chunk) => {
        await out.write(chunk);
      },
      finish: async (filename) => {
        await out.close();
        return { path: target, filename };
      },
    });
  } catch (err) {
    await out.close().catch(() => undefined);
    await fs.rm(target, { force: true });
    throw err;
  }
}

async function receiveUploadedFile<T>(request: FastifyRequest, limits: UploadLimits, sink: UploadSink<T>): Promise<T> {
  const what = limits.what ?? 'image';
  if (!request.isMultipart()) throw new ValidationError(`Send the ${what} as multipart/form-data with a field named "file".`);
  const { maxBytes, idleMs } = limits;
  const tooLarge = () =>
    new PayloadTooLargeError(
      `The file is larger than the ${maxBytes / 1024 / 1024} MB upload limit${what === 'image' ? '' : ` for a ${what}`} (${limits.setting ?? 'IMAGEFLOW_MAX_UPLOAD_MB'}).`,
    );
  // A client that stops sending is dropped, so that it cannot hold an upload slot for long.
  const socket = request.raw.socket as { setTimeout?: (ms: number, onTimeout?: () => void) => void; off?: (e: string, f: () => void) => void } | undefined;
  const dropIdle = () => request.raw.destroy();
  socket?.setTimeout?.(idleMs, dropIdle);
  try {
    let received: { filename: string | undefined } | undefined;
    // Every part is read, so that a second file is refused (limits.files) rather than silently dropped.
    for await (const part of request.parts({ limits: { ...MULTIPART_LIMITS, fileSize: maxBytes } })) {
      if (part.type !== 'file') continue;
      let size = 0;
      for await (const chunk of part.file) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) throw tooLarge();
        await sink.write(chunk as Buffer);
      }
      if (part.file.truncated) throw tooLarge();
      received = { filename: part.filename };
    }
    if (!received) throw new ValidationError(`The upload has no file; send the ${what} in a field named "file".`);
    return await sink.finish(received.filename);
  } catch (err) {
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    throw malformed(err);
  } finally {
    socket?.setTimeout?.(0);
    socket?.off?.('timeout', dropIdle);
  }
}
