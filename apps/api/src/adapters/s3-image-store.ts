import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { z } from 'zod';
import { ConfigError } from '../config.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { bucketOf, BUCKETS, contentTypeOf } from '../lib/filenames.ts';
import type { Bucket, ByteRange, ImageStore, StoredFile } from '../ports/image-store.port.ts';

export interface S3Config {
  bucket: string;
  /** `http(s)://host:port` of an S3-compatible server; unset for AWS itself (then from `region`). */
  endpoint?: string;
  region: string;
  /** `endpoint/bucket/key` instead of `bucket.endpoint/key`: what most self-hosted servers need. */
  forcePathStyle: boolean;
  /** Prepended to every key (`""` or ending in `/`), so that several stores can share one bucket. */
  prefix: string;
  /** Explicit keys; otherwise the SDK's default chain (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, profiles, ...). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * How a GET of a file is answered (IMAGEFLOW_S3_SERVE): unset, the API streams it from the bucket; `presigned`,
   * a redirect to a presigned URL of the bucket; a CDN's URL, a redirect to `{url}/images/…` or `{url}/thumbs/…`.
   */
  redirect?: { to: 'presigned' } | { to: 'cdn'; baseUrl: string };
}

export interface S3StoreOptions {
  /** The agents the client's sockets come from (the store makes keep-alive ones of its own otherwise). */
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /** How long the start-up check may wait for a connection to the endpoint. */
  checkConnectTimeoutMs?: number;
}

/** The bucket cannot be used: missing, refused credentials, unreachable endpoint. The message says what to do. */
export class S3StoreError extends Error {
  override name = 'S3StoreError';
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * Presigned URLs are signed for a window that begins on the hour and lasts two, so that every redirect within
 * the hour names the same URL (browsers and CDNs keep it) and each stays good for at least an hour.
 */
const PRESIGN_WINDOW_MS = 3_600_000;
const PRESIGN_EXPIRES_S = 7_200;
/** Signed URLs kept for reuse within a window (about 400 bytes each). */
const MAX_SIGNED_URLS = 10_000;

type ChangeListener = (bucket: Bucket, filename: string) => void;
const CREDENTIAL_VARIABLES = 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
const NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Images under `{prefix}images/`, thumbnails under `{prefix}thumbs/`. A PUT is atomic on S3, so there are
 * no temp objects; `If-None-Match: *` makes sure an existing object is never replaced by a different one.
 */
export class S3ImageStore implements ImageStore {
  private readonly listeners = new Set<ChangeListener>();
  private signer: Presigner | null = null;

  private constructor(
    private readonly client: S3Client,
    private readonly config: S3Config,
    private readonly ownedAgents: readonly (http.Agent | https.Agent)[],
  ) {}

  /**
   * Calls `listener` when a remove or a write of a file begins and again when it has ended (whether it worked
   * or not), so that a copy of the file kept elsewhere can be dropped. Returns a function that stops the calls.
   */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(bucket: Bucket, filename: string): void {
    for (const listener of this.listeners) listener(bucket, filename);
  }

  /**
   * Where a client may GET the file itself, when the store is set to redirect (see S3Config.redirect): a URL
   * presigned for the bucket, or the file's URL on the CDN; null when files are streamed through the API.
   * Says nothing about whether the file exists.
   */
  directUrl(bucket: Bucket, filename: string): string | null {
    const redirect = this.config.redirect;
    if (!redirect) return null;
    const key = this.keyOf(bucket, filename);
    if (redirect.to === 'cdn') return `${redirect.baseUrl}/${bucket}/${filename}`;
    return this.signer?.url(key) ?? null;
  }

  /** Checks that the bucket can be reached with these credentials; throws S3StoreError saying what is wrong. */
  static async open(config: S3Config, options: S3StoreOptions = {}): Promise<S3ImageStore> {
    if (config.prefix !== '' && !config.prefix.endsWith('/')) {
      throw new S3StoreError(`The S3 key prefix ${JSON.stringify(config.prefix)} must be empty or end with "/".`);
    }
    const ownedAgents: (http.Agent | https.Agent)[] = [];
    const httpAgent = options.httpAgent ?? remember(ownedAgents, new http.Agent({ keepAlive: true, maxSockets: 50 }));
    const httpsAgent = options.httpsAgent ?? remember(ownedAgents, new https.Agent({ keepAlive: true, maxSockets: 50 }));
    const client = new S3Client(clientConfig(config, { httpAgent, httpsAgent, connectionTimeout: 5_000 }));
    const store = new S3ImageStore(client, config, ownedAgents);
    try {
      await checkBucket(config, options.checkConnectTimeoutMs ?? 3_000);
      if (config.redirect?.to === 'presigned') store.signer = await Presigner.start(client, config);
    } catch (err) {
      store.close();
      throw err;
    }
    return store;
  }

  /** Closes the client's idle sockets; the store is not used after this. */
  close(): void {
    this.signer?.stop();
    this.client.destroy();
    for (const agent of this.ownedAgents) agent.destroy();
  }

  private keyOf(bucket: Bucket, filename: string): string {
    if (!BUCKETS.includes(bucket)) throw new Error(`refusing a bucket the store does not have: ${JSON.stringify(bucket)}`);
    const valid = bucketOf(filename) === bucket;
    if (!valid) throw new Error(`refusing a file name the store did not make: ${JSON.stringify(filename)}`);
    return `${this.config.prefix}${bucket}/${filename}`;
  }

  async put(bucket: Bucket, filename: string, data: Buffer | readonly Buffer[]): Promise<void> {
    const key = this.keyOf(bucket, filename);
    this.changed(bucket, filename);
    try {
      await this.write(bucket, filename, key, data);
    } finally {
      this.changed(bucket, filename);
    }
  }

  private async write(bucket: Bucket, filename: string, key: string, data: Buffer | readonly Buffer[]): Promise<void> {
    // One buffer: a PUT needs its length up front, and the SDK can only retry a body it can send again.
    const body = Buffer.isBuffer(data) ? data : Buffer.concat(data);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentMD5: crypto.createHash('md5').update(body).digest('base64'),
          ContentType: contentTypeOf(filename),
          CacheControl: IMMUTABLE,
          IfNoneMatch: '*',
        }),
      );
    } catch (err) {
      // 412: the name is taken. 409: another conditional write of the name was in flight (AWS).
      const status = statusOf(err);
      if (status !== 412 && status !== 409) throw err;
      // The same bytes (a retried PUT whose first answer was lost) are a success.
      const existing = await this.get(bucket, filename);
      if (existing && existing.equals(body)) return;
      if (!existing) throw err;
      throw new ConflictError(
        `${bucket}/${filename} already exists in S3 bucket "${this.config.bucket}" with different content; the store never replaces a file.`,
      );
    }
  }

  async get(bucket: Bucket, filename: string): Promise<Buffer | null> {
    const key = this.keyOf(bucket, filename);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }));
      const array = await res.Body!.transformToByteArray();
      const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
      if (res.ContentLength !== undefined && bytes.length !== res.ContentLength) {
        throw new Error(`S3 sent ${bytes.length} of the ${res.ContentLength} bytes of ${key}`);
      }
      return bytes;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async open(bucket: Bucket, filename: string): Promise<StoredFile | null> {
    const key = this.keyOf(bucket, filename);
    let head;
    try {
      head = await this.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: key }));
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
    if (head.ContentLength === undefined || head.LastModified === undefined) {
      throw new Error(`S3 answered HEAD ${key} without Content-Length or Last-Modified`);
    }
    const s3Etag = strongEtag(head.ETag);
    return new OpenS3File({
      size: head.ContentLength,
      lastModified: head.LastModified,
      etag: entityTag(head.ETag, head.ContentLength, head.LastModified),
      fetch: (range, signal) =>
        this.client.send(
          new GetObjectCommand({
            Bucket: this.config.bucket,
            Key: key,
            Range: range ? `bytes=${range.start}-${range.end}` : undefined,
            // The bytes must belong to the object that was opened.
            IfMatch: s3Etag,
            IfUnmodifiedSince: s3Etag ? undefined : head.LastModified,
          }),
          { abortSignal: signal },
        ),
      describe: `${bucket}/${filename}`,
    });
  }

  async remove(bucket: Bucket, filename: string): Promise<void> {
    const key = this.keyOf(bucket, filename);
    this.changed(bucket, filename);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: key }));
    } catch (err) {
      if (!isMissing(err)) throw err;
    } finally {
      this.changed(bucket, filename);
    }
  }

  /** A PUT is whole or absent, and no multipart uploads are begun: nothing is ever left half-written. */
  async sweepIncomplete(): Promise<number> {
    return 0;
  }
}

interface OpenS3FileParts {
  size: number;
  etag: string;
  lastModified: Date;
  fetch(range: ByteRange | undefined, signal: AbortSignal): Promise<{ Body?: unknown; ContentLength?: number }>;
  describe: string;
}

/**
 * Opening is a HEAD, so a HEAD, 304 or 416 holds no connection. The body is one GET (conditional on the
 * opened object's ETag) begun when it is taken; a delete that lands in between fails the stream with a
 * NotFoundError before its first byte, which the HTTP layer answers with a 404.
 */
class OpenS3File implements StoredFile {
  readonly size: number;
  readonly etag: string;
  readonly lastModified: Date;
  private stream: S3BodyStream | null = null;
  private closed: Promise<void> | null = null;

  constructor(private readonly parts: OpenS3FileParts) {
    this.size = parts.size;
    this.etag = parts.etag;
    this.lastModified = parts.lastModified;
  }

  body(range?: ByteRange): Readable {
    if (this.stream || this.closed) throw new Error('the body of a stored file can be taken once, and only before it is closed');
    if (range && !(Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.start <= range.end && range.end < this.size)) {
      throw new RangeError(`bytes ${range.start}-${range.end} are not within ${this.parts.describe}, which has ${this.size} bytes`);
    }
    const expected = range ? range.end - range.start + 1 : this.size;
    this.stream = new S3BodyStream((signal) => this.parts.fetch(range, signal), expected, this.parts.describe);
    return this.stream;
  }

  close(): Promise<void> {
    this.closed ??= this.stream ? destroyed(this.stream) : Promise.resolve();
    return this.closed;
  }
}

/** The body of one GET, started at once; destroying it aborts the request or drops the connection. */
class S3BodyStream extends Readable {
  private readonly abort = new AbortController();
  private source: Readable | null = null;
  private received = 0;

  constructor(
    fetch: (signal: AbortSignal) => Promise<{ Body?: unknown; ContentLength?: number }>,
    private readonly expected: number,
    private readonly describe: string,
  ) {
    super();
    fetch(this.abort.signal).then(
      (res) => this.attach(res),
      (err: unknown) => {
        if (this.destroyed) return;
        this.destroy(isMissing(err) || statusOf(err) === 412 ? new NotFoundError(`${describe} was deleted while it was being opened.`) : asError(err));
      },
    );
  }

  private attach(res: { Body?: unknown; ContentLength?: number }): void {
    const source = res.Body as Readable;
    if (this.destroyed) {
      source.destroy();
      return;
    }
    if (res.ContentLength !== undefined && res.ContentLength !== this.expected) {
      source.destroy();
      this.destroy(new Error(`S3 answered ${res.ContentLength} bytes of ${this.describe} where ${this.expected} were asked for`));
      return;
    }
    this.source = source;
    source.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      if (!this.push(chunk)) source.pause();
    });
    source.on('end', () => {
      if (this.received === this.expected) this.push(null);
      else this.destroy(new Error(`S3 sent ${this.received} of the ${this.expected} bytes of ${this.describe}`));
    });
    source.on('error', (err) => this.destroy(err));
    source.on('close', () => {
      if (this.received !== this.expected && !this.destroyed) this.destroy(new Error(`S3 closed ${this.describe} after ${this.received} of ${this.expected} bytes`));
    });
  }

  override _read(): void {
    this.source?.resume();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.abort.abort();
    this.source?.destroy();
    callback(err);
  }
}

/**
 * Query-string signed GET URLs (AWS Signature Version 4, as S3 documents it for presigned URLs), made without a
 * round trip: the credentials come from the client's provider chain and are fetched again every few minutes,
 * so that temporary ones are renewed.
 */
class Presigner {
  private credentials: S3Credentials;
  /** The URLs signed for the current window, by key (a bounded number). */
  private signed = new Map<string, string>();
  private signedWindow = -1;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly client: S3Client,
    private readonly config: S3Config,
    credentials: S3Credentials,
  ) {
    this.credentials = credentials;
    this.timer = setInterval(() => void this.refresh(), 300_000).unref();
  }

  static async start(client: S3Client, config: S3Config): Promise<Presigner> {
    return new Presigner(client, config, await client.config.credentials());
  }

  private async refresh(): Promise<void> {
    try {
      const next = await this.client.config.credentials();
      const was = this.credentials;
      if (next.accessKeyId !== was.accessKeyId || next.secretAccessKey !== was.secretAccessKey || next.sessionToken !== was.sessionToken) this.signed.clear();
      this.credentials = next;
    } catch {
      // The ones in hand serve until a refresh works.
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }

  url(key: string, now = Date.now()): string {
    const window = Math.floor(now / PRESIGN_WINDOW_MS);
    if (window !== this.signedWindow || this.signed.size >= MAX_SIGNED_URLS) {
      this.signed.clear();
      this.signedWindow = window;
    }
    let url = this.signed.get(key);
    if (url === undefined) {
      url = presignGet(this.config, this.credentials, key, new Date(window * PRESIGN_WINDOW_MS), PRESIGN_EXPIRES_S);
      this.signed.set(key, url);
    }
    return url;
  }
}

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * A GET URL of `key` signed in its query string (AWS Signature Version 4, as S3 documents it for presigned
 * URLs), good from `at` for `expiresS` seconds.
 */
export function presignGet(config: Pick<S3Config, 'bucket' | 'endpoint' | 'region' | 'forcePathStyle'>, credentials: S3Credentials, key: string, at: Date, expiresS: number): string {
  const origin = bucketOrigin(config);
  const amzDate = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${config.region}/s3/aws4_request`;
  const path = pathStyle(config) ? `/${encodePath(config.bucket)}/${encodePath(key)}` : `/${encodePath(key)}`;
  const pathname = `${origin.pathname.replace(/\/$/, '')}${path}`;
  const params: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(expiresS)],
    ...(credentials.sessionToken ? [['X-Amz-Security-Token', credentials.sessionToken] as [string, string]] : []),
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const query = params.map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`).join('&');
  const canonical = ['GET', pathname, query, `host:${origin.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, crypto.createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (k: string | Buffer, data: string) => crypto.createHmac('sha256', k).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, day), config.region), 's3'), 'aws4_request');
  const signature = crypto.createHmac('sha256', signingKey).update(toSign).digest('hex');
  return `${origin.protocol}//${origin.host}${pathname}?${query}&X-Amz-Signature=${signature}`;
}

/** Path-style URLs when asked for, and for bucket names with dots (a subdomain of them would not match the TLS certificate). */
function pathStyle(config: Pick<S3Config, 'bucket' | 'forcePathStyle'>): boolean {
  return config.forcePathStyle || config.bucket.includes('.');
}

/** Where the bucket's objects are: the endpoint (path style, or the bucket as its subdomain), or AWS's host for the region. */
function bucketOrigin(config: Pick<S3Config, 'bucket' | 'endpoint' | 'region' | 'forcePathStyle'>): URL {
  if (config.endpoint) {
    const url = new URL(config.endpoint);
    if (!pathStyle(config)) url.hostname = `${config.bucket}.${url.hostname}`;
    return url;
  }
  return new URL(pathStyle(config) ? `https://s3.${config.region}.amazonaws.com` : `https://${config.bucket}.s3.${config.region}.amazonaws.com`);
}

/** RFC 3986 percent-encoding of everything but the unreserved characters, as Signature Version 4 wants it. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function encodePath(key: string): string {
  return key.split('/').map(encodeRfc3986).join('/');
}

function clientConfig(config: S3Config, requestHandler: NonNullable<S3ClientConfig['requestHandler']>, maxAttempts?: number): S3ClientConfig {
  return {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    // Checksums only where S3 requires them: radosgw and other S3-compatible servers differ on the newer ones.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler,
    ...(maxAttempts ? { maxAttempts } : {}),
  };
}

/** HEAD of the bucket with a short connect timeout and no retries; turns each failure into a sentence. */
async function checkBucket(config: S3Config, connectionTimeout: number): Promise<void> {
  // A client of its own: destroying it also destroys its agents.
  const client = new S3Client(clientConfig(config, { connectionTimeout }, 1));
  const where = config.endpoint ? `at ${config.endpoint} (IMAGEFLOW_S3_ENDPOINT)` : `in AWS region ${config.region}`;
  const bucket = `S3 bucket "${config.bucket}" (IMAGEFLOW_S3_BUCKET) ${where}`;
  const deadline = AbortSignal.timeout(connectionTimeout + 5_000);
  const endpoint = config.endpoint ?? `AWS S3 in ${config.region}`;
  try {
    await client.send(new HeadBucketCommand({ Bucket: config.bucket }), { abortSignal: deadline });
  } catch (err) {
    if (deadline.aborted) {
      throw new S3StoreError(
        `The S3 endpoint ${endpoint} did not answer within ${(connectionTimeout + 5_000) / 1000} s: check IMAGEFLOW_S3_ENDPOINT and that the server is running.`,
      );
    }
    const status = statusOf(err);
    const code = errorCode(err);
    if (status === 404 || code === 'NoSuchBucket') {
      throw new S3StoreError(`The ${bucket} does not exist: create it, or set IMAGEFLOW_S3_BUCKET to a bucket that exists.`);
    }
    if (status === 403 || status === 400) {
      // A HEAD answer has no body; a listing of at most one key says which of the keys S3 did not accept.
      const reason = await client
        .send(new ListObjectsV2Command({ Bucket: config.bucket, MaxKeys: 1 }))
        .then(() => null, (e: unknown) => errorCode(e));
      const detail =
        reason === 'SignatureDoesNotMatch'
          ? 'the secret key does not match the access key'
          : reason === 'InvalidAccessKeyId'
            ? 'the access key id is unknown to the server'
            : reason === 'AccessDenied'
              ? 'the credentials were accepted but may not use this bucket'
              : `access was refused (${reason ?? code ?? status})`;
      throw new S3StoreError(`The ${bucket} refused the credentials: ${detail}. Check ${CREDENTIAL_VARIABLES}.`);
    }
    if (status === 301 || code === 'PermanentRedirect') {
      throw new S3StoreError(`The ${bucket} is in another region than ${config.region}: set IMAGEFLOW_S3_REGION to the bucket's region.`);
    }
    if (isCredentialsMissing(err)) {
      throw new S3StoreError(`No S3 credentials were found for the ${bucket}: set ${CREDENTIAL_VARIABLES}.`);
    }
    if (isUnreachable(err)) {
      throw new S3StoreError(
        `Cannot reach the S3 endpoint ${endpoint} (${code ?? asError(err).message}): check IMAGEFLOW_S3_ENDPOINT and that the server is running.`,
      );
    }
    throw new S3StoreError(`Checking the ${bucket} failed: ${code ?? ''}${status ? ` (HTTP ${status})` : ''} ${asError(err).message}`.trim());
  } finally {
    client.destroy();
  }
}

/**
 * The object's strong entity tag, quoted. S3 servers may send it unquoted, and radosgw sends an empty one after
 * a multipart upload completes: then size and modification time stand in, as they do for local files (objects
 * are written once and never replaced).
 */
export function entityTag(raw: string | undefined, size: number, lastModified: Date): string {
  return strongEtag(raw) ?? `"${size.toString(16)}-${lastModified.getTime().toString(16)}"`;
}

/** A quoted strong entity tag from what S3 sent; undefined if it sent none, or a weak or malformed one. */
function strongEtag(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value || value.startsWith('W/')) return undefined;
  const quoted = value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value : `"${value}"`;
  return /^"[\x21\x23-\x7e]+"$/.test(quoted) ? quoted : undefined;
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function errorCode(err: unknown): string | undefined {
  const e = err as { Code?: string; code?: string; name?: string } | null;
  if (!e) return undefined;
  const code = e.Code ?? e.code ?? e.name;
  return code && code !== 'Unknown' && code !== 'UnknownError' && code !== 'Error' ? code : undefined;
}

function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return statusOf(err) === 404 || code === 'NoSuchKey' || code === 'NotFound';
}

function isCredentialsMissing(err: unknown): boolean {
  return (err as { name?: string } | null)?.name === 'CredentialsProviderError';
}

function isUnreachable(err: unknown): boolean {
  const e = err as { code?: string; name?: string; cause?: { code?: string } } | null;
  if (!e || statusOf(err) !== undefined) return false;
  return NETWORK_ERRORS.has(e.code ?? '') || NETWORK_ERRORS.has(e.cause?.code ?? '') || e.name === 'TimeoutError' || e.name === 'AbortError';
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function remember<T extends http.Agent>(list: (http.Agent | https.Agent)[], agent: T): T {
  list.push(agent);
  return agent;
}

function destroyed(stream: Readable): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.destroy();
  });
}

// --- configuration -------------------------------------------------------------------------------------

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\/?$/;

const S3EnvSchema = z.object({
  IMAGEFLOW_S3_BUCKET: z
    .string()
    .regex(BUCKET_NAME, 'must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit'),
  IMAGEFLOW_S3_ENDPOINT: z
    .url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL like http://127.0.0.1:7480' })
    .refine((u) => !new URL(u).search && !new URL(u).hash, 'must be the server URL alone, without a query or fragment')
    .optional(),
  IMAGEFLOW_S3_REGION: z.string().regex(/^[a-z0-9-]+$/, 'must be a region name like us-east-1').default('us-east-1'),
  IMAGEFLOW_S3_FORCE_PATH_STYLE: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  IMAGEFLOW_S3_PREFIX: z
    .string()
    .regex(PREFIX, 'must be a key prefix like imageflow/ or team/imageflow/: letters, digits, ., _, - and / between them, with no empty, . or .. part')
    .refine((p) => !p.split('/').some((part) => part === '.' || part === '..'), 'must not have a . or .. part')
    .optional(),
  IMAGEFLOW_S3_SERVE: z
    .string()
    .refine(
      (v) => v === 'stream' || v === 'presigned' || isCdnUrl(v),
      'must be stream (the API sends the bytes), presigned (a redirect to a presigned URL of the bucket) or the http(s) URL of a CDN in front of the bucket, without a query',
    )
    .optional(),
});

function isCdnUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !value.includes('?') && !value.includes('#') && url.username === '';
  } catch {
    return false;
  }
}

/** The S3 store's settings from the environment; null when IMAGEFLOW_S3_BUCKET is unset. Throws ConfigError naming the variable. */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): S3Config | null {
  const present = Object.fromEntries(
    Object.keys(S3EnvSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  if (present.IMAGEFLOW_S3_BUCKET === undefined) {
    const stray = Object.keys(present)[0];
    if (stray) throw new ConfigError(`${stray} is set but IMAGEFLOW_S3_BUCKET is not: set IMAGEFLOW_S3_BUCKET to store images in S3, or unset ${stray}.`);
    return null;
  }
  const parsed = S3EnvSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'IMAGEFLOW_S3_BUCKET');
    throw new ConfigError(`Invalid ${name}=${JSON.stringify(env[name])}: ${issue.message}`);
  }
  const c = parsed.data;
  return {
    bucket: c.IMAGEFLOW_S3_BUCKET,
    ...(c.IMAGEFLOW_S3_ENDPOINT ? { endpoint: c.IMAGEFLOW_S3_ENDPOINT.replace(/\/+$/, '') } : {}),
    region: c.IMAGEFLOW_S3_REGION,
    forcePathStyle: c.IMAGEFLOW_S3_FORCE_PATH_STYLE === 'true',
    prefix: c.IMAGEFLOW_S3_PREFIX ? c.IMAGEFLOW_S3_PREFIX.replace(/\/?$/, '/') : '',
    ...(c.IMAGEFLOW_S3_SERVE === 'presigned' ? { redirect: { to: 'presigned' as const } } : {}),
    ...(c.IMAGEFLOW_S3_SERVE && isCdnUrl(c.IMAGEFLOW_S3_SERVE) ? { redirect: { to: 'cdn' as const, baseUrl: c.IMAGEFLOW_S3_SERVE.replace(/\/+$/, '') } } : {}),
  };
}
