import { createHash } from 'node:crypto';
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import secureJson from 'secure-json-parse';
import yauzl from 'yauzl';
import { AppError } from '../../errors.ts';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../../http/json-body.ts';
import { sniffImageFormat, type UploadFormat } from '../image-format.ts';
import {
  BUNDLE_FORMAT,
  BUNDLE_IMAGE_ENTRY,
  BUNDLE_MANIFEST,
  BUNDLE_MAX_FILE_BYTES,
  BUNDLE_MAX_LINE_BYTES,
  BUNDLE_MAX_NODES,
  BUNDLE_ORIGINAL_ENTRY,
  BUNDLE_VERSION,
  BundleHeader,
  BundleNode,
  bundleFilesOf,
  type BundleScope,
} from '@imageflow/shared';

export type BundleErrorCode =
  /** The file ends early: an upload or copy that did not finish. */
  | 'bundle_truncated'
  /** Not a bundle, or one whose zip or manifest breaks the format. */
  | 'bundle_invalid'
  /** A bundle of a newer format than this ImageFlow reads. */
  | 'bundle_unsupported'
  /** Larger than the limits allow, or packed so tightly it could only be a zip bomb. */
  | 'bundle_too_large'
  /** A file (or the manifest) whose bytes are not those the manifest records. */
  | 'bundle_hash_mismatch'
  /** A file the manifest names is not in the bundle. */
  | 'bundle_missing_file'
  /** The bundle holds an entry that no node names. */
  | 'bundle_unexpected_entry'
  /** While exporting: a stored file, or the tree, changed under the export. */
  | 'bundle_source_changed'
  /** While exporting: a node that no ImageFlow could import back. */
  | 'bundle_export_invalid';

const STATUS: Record<BundleErrorCode, number> = {
  bundle_truncated: 422,
  bundle_invalid: 422,
  bundle_unsupported: 422,
  bundle_too_large: 413,
  bundle_hash_mismatch: 422,
  bundle_missing_file: 422,
  bundle_unexpected_entry: 422,
  bundle_source_changed: 409,
  bundle_export_invalid: 500,
};

/** Why a bundle was refused (or an export stopped), with a message a person can act on. */
export class BundleError extends AppError {
  declare readonly code: BundleErrorCode;

  constructor(code: BundleErrorCode, message: string) {
    super(STATUS[code], code, message);
  }
}

/** What one import may cost. Only `maxTotalBytes` has no default: it is the disk one bundle may take. */
export interface BundleLimits {
  /** The most all entries may hold together once unpacked, in bytes. */
  maxTotalBytes: number;
  /** The most nodes; BUNDLE_MAX_NODES unless lower. */
  maxNodes?: number;
  /** The largest file, in bytes; BUNDLE_MAX_FILE_BYTES unless lower. */
  maxFileBytes?: number;
  /** The longest manifest line, in bytes; BUNDLE_MAX_LINE_BYTES unless lower. */
  maxLineBytes?: number;
  /** The most a compressed entry of more than a megabyte may expand, as a multiple of its packed size. */
  maxCompressionRatio?: number;
}

/**
 * How far a manifest may expand. A real one packs about 15 to 1; one that repeats a 4,000-character
 * prompt on every node, about 170 to 1 (every line carries sha256s that do not pack). Deflate can
 * reach about 1000 to 1: past this, the entry is taken for a zip bomb. (Files are stored, never packed.)
 */
export const DEFAULT_MAX_COMPRESSION_RATIO = 400;
/** Entries this small are never taken for a zip bomb, however well they pack. */
const RATIO_FLOOR_BYTES = 1024 * 1024;

const STORED = 0;
const DEFLATED = 8;
const LOCAL_HEADER_BYTES = 30;
const ENCRYPTED_FLAG = 0x1;

/** A bundle spooled to a file, opened: its header read, its entries listed and checked against the limits. */
export interface Bundle {
  readonly header: BundleHeader;
  /** The nodes of the manifest, parents first, each checked; call again to read them again. */
  nodes(): AsyncIterable<BundleNode>;
  /**
   * Reads every entry once: every node is valid and comes after its parent, the counts match the
   * header, every file the manifest names is there with the size and sha256 it records, and
   * nothing else is. Throws a BundleError at the first fault; nothing needs writing before.
   */
  verify(): Promise<void>;
  /** A file of the bundle, by entry name; the stream fails if its bytes are not those of its name's sha256. */
  openFile(name: string): Promise<Readable>;
  /** Stops every stream still open and releases the file. */
  close(): Promise<void>;
}

interface StoredEntry {
  offset: number;
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  /** The verify() run whose manifest named it. */
  namedIn: number;
}

/** `files/ab12cd34….png`: an entry name short enough for a message. */
export function shortEntryName(name: string): string {
  return name.replace(/[0-9a-f]{64}/, (sha) => `${sha.slice(0, 8)}…`);
}

/** A name from the zip as it may be shown: quoted, control characters escaped, at most 100 characters. */
function shownName(name: string): string {
  return JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}…` : name);
}

/** `512 bytes`, `20 KB`, `1.5 MB`. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** The JSON of one manifest line, refusing deep nesting and `__proto__` / `constructor.prototype` keys. */
export function parseBundleLine(text: string, where: string, fault: (message: string) => Error): unknown {
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw fault(`${where} nests objects or arrays more than ${MAX_JSON_DEPTH} levels deep; no ImageFlow recipe does.`);
  }
  try {
    return secureJson.parse(text, null, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    const message = (err as Error).message;
    if (/prototype/i.test(message)) throw fault(`${where} has a "__proto__" or "constructor.prototype" key, which is never accepted.`);
    throw fault(`${where} is not valid JSON (${message}).`);
  }
}

/** The first problem zod found, as `path: message`. */
export function firstIssue(error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> }): string {
  const issue = error.issues[0];
  if (!issue) return 'it does not match the format';
  const path = issue.path.map(String).join('.');
  // Messages of storable text name their field already.
  return path && !issue.message.startsWith(`${path} `) ? `${path}: ${issue.message}` : issue.message;
}

/**
 * The rules the nodes of a manifest keep as a sequence: keys are unique, the first node's parent
 * is outside the bundle (there is none for a tree or a path, which start at a root), every other
 * node's parent is an earlier node (in a path, the one just before), and parent_sha256 is that
 * parent's sha256. Holds a key and a hash per node, never the nodes.
 */
export class NodeSequence {
  private readonly hashes = new Map<number, string | null>();
  private lastKey: number | null = null;
  count = 0;
  rootSha256: string | null = null;

  constructor(
    private readonly scope: BundleScope,
    private readonly maxNodes: number,
    private readonly fault: (message: string) => Error,
  ) {}

  add(node: BundleNode, where: string): void {
    this.count++;
    if (this.count > this.maxNodes) throw this.fault(`${where}: a bundle holds at most ${this.maxNodes} nodes.`);
    if (this.hashes.has(node.key)) throw this.fault(`${where} repeats key ${node.key}; every node has its own.`);
    if (this.count === 1) {
      if (node.parent_key !== null) {
        throw this.fault(`${where}: the first node's parent is outside the bundle, so its parent_key must be null, not ${node.parent_key}.`);
      }
      if (this.scope !== 'branch' && node.parent_sha256 !== null) {
        throw this.fault(`${where}: a bundle of a ${this.scope} starts at a root, which has no parent, but parent_sha256 is set.`);
      }
      this.rootSha256 = node.sha256;
    } else if (node.parent_key === null) {
      throw this.fault(`${where} (key ${node.key}) has no parent_key; only the first node's parent is outside the bundle.`);
    } else if (!this.hashes.has(node.parent_key)) {
      throw this.fault(`${where} (key ${node.key}) names parent_key ${node.parent_key}, which is not an earlier node; parents come before their children.`);
    } else if (this.hashes.get(node.parent_key) !== node.parent_sha256) {
      throw this.fault(`${where} (key ${node.key}): parent_sha256 is not the sha256 of its parent, key ${node.parent_key}.`);
    } else if (this.scope === 'path' && node.parent_key !== this.lastKey) {
      throw this.fault(`${where} (key ${node.key}): in a bundle of a path, each node's parent is the node before it, key ${this.lastKey}.`);
    }
    this.hashes.set(node.key, node.sha256);
    this.lastKey = node.key;
  }
}

/** The lines of a byte stream, without their line feeds; a line over `maxBytes`, or a last line without a line feed, is refused. */
async function* splitLines(
  source: AsyncIterable<Buffer>,
  maxBytes: number,
  fault: (message: string) => Error,
): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let pending = 0;
  let line = 1;
  const tooLong = () => fault(`Line ${line} of the manifest is longer than ${sizeText(maxBytes)}, the most a line may hold.`);
  for await (const chunk of source) {
    let start = 0;
    for (let end = chunk.indexOf(0x0a); end !== -1; end = chunk.indexOf(0x0a, start)) {
      if (pending + end - start > maxBytes) throw tooLong();
      parts.push(chunk.subarray(start, end));
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      parts = [];
      pending = 0;
      line++;
      start = end + 1;
    }
    if (start < chunk.length) {
      pending += chunk.length - start;
      if (pending > maxBytes) throw tooLong();
      parts.push(chunk.subarray(start));
    }
  }
  if (pending > 0) throw fault(`Line ${line} of the manifest does not end with a line feed: the manifest is cut short.`);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decodeLine(bytes: Buffer, where: string, fault: (message: string) => Error): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw fault(`${where} is not UTF-8 text.`);
  }
}

const invalid = (message: string) => new BundleError('bundle_invalid', message);

/** The header, from line 1 of the manifest. */
function parseHeader(bytes: Buffer): BundleHeader {
  const where = 'Line 1 of the manifest (the header)';
  const value = parseBundleLine(decodeLine(bytes, where, invalid), where, invalid);
  const claimed = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  if (claimed.format !== BUNDLE_FORMAT) {
    throw invalid(`This is not an ImageFlow bundle: its manifest does not start with a "${BUNDLE_FORMAT}" header.`);
  }
  if (typeof claimed.version === 'number' && claimed.version > BUNDLE_VERSION) {
    throw new BundleError(
      'bundle_unsupported',
      `This bundle was made by a newer ImageFlow (bundle format version ${claimed.version}; this one reads version ${BUNDLE_VERSION}). Update ImageFlow, then import it again.`,
    );
  }
  const header = BundleHeader.safeParse(value);
  if (!header.success) throw invalid(`The bundle's header is not valid (${firstIssue(header.error)}).`);
  return header.data;
}

/** What yauzl reported, as a BundleError. */
function zipFault(err: unknown): BundleError {
  if (err instanceof BundleError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/signature not found|unexpected EOF|overflows file bounds|not enough bytes/i.test(message)) {
    return new BundleError(
      'bundle_truncated',
      'The bundle is not a whole .zip file: it was cut off (an upload or copy that did not finish) or it is not a bundle. Import the complete file, or export it again.',
    );
  }
  if (/Invalid comment length/.test(message)) {
    return invalid('The bundle has bytes after the end of its .zip data: it was changed or damaged.');
  }
  return invalid(`The bundle is not a .zip file ImageFlow can read (${message}).`);
}

function kindOf(name: string): { format: UploadFormat } | null {
  if (BUNDLE_IMAGE_ENTRY.test(name)) return { format: 'png' };
  const original = BUNDLE_ORIGINAL_ENTRY.exec(name);
  if (original) return { format: original[2] === 'jpg' ? 'jpeg' : (original[2] as UploadFormat) };
  return null;
}

/** A name that would land outside a folder it was unpacked in, or that no file system names alike. */
function isUnsafePath(name: string): boolean {
  return name.startsWith('/') || /^[a-zA-Z]:/.test(name) || name.includes('\\') || name.includes('\0') || name.split('/').includes('..');
}

function unexpectedEntry(name: string): BundleError {
  if (isUnsafePath(name)) {
    return invalid(`The bundle holds an entry named ${shownName(name)}, a path outside the bundle; such a bundle is refused whole.`);
  }
  return new BundleError(
    'bundle_unexpected_entry',
    `The bundle holds an entry named ${shownName(name)}, which is no part of an ImageFlow bundle (it holds only ${BUNDLE_MANIFEST}, files/<sha256>.png and originals/<sha256>.<png|jpg|webp>): it was changed after it was exported.`,
  );
}

/** The sha256 an entry's name gives. */
function shaOfName(name: string): string {
  return (BUNDLE_IMAGE_ENTRY.exec(name) ?? BUNDLE_ORIGINAL_ENTRY.exec(name))![1]!;
}

/** Passes bytes on, failing as soon as they are more than `size`, or at their end unless they are `size` bytes with this sha256. */
export class CheckedBytes extends Transform {
  private readonly hash = createHash('sha256');
  private seen = 0;

  constructor(
    private readonly size: number,
    private readonly sha256: string,
    private readonly fault: () => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.size) return done(this.fault());
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.seen !== this.size || this.hash.digest('hex') !== this.sha256) return done(this.fault());
    done();
  }
}

function hashMismatch(name: string): BundleError {
  return new BundleError(
    'bundle_hash_mismatch',
    `The file ${shortEntryName(name)} does not match its sha256 in the manifest: the bundle was changed or damaged.`,
  );
}

function callback<T>(run: (done: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value))));
}

/** Opens the entries of one .zip, keeping track of the streams still open. */
class Entries {
  private readonly open = new Set<Readable>();
  private closed: Promise<void> | null = null;

  constructor(private readonly zip: yauzl.ZipFile) {
    // An error closing the file must not go unheard as a crash; each read reports its own.
    zip.on('error', () => undefined);
  }

  /** The bytes of an entry, unpacked; its local header must describe it as the directory does. */
  async read(name: string, entry: StoredEntry): Promise<Readable> {
    if (this.closed) throw new Error('The bundle is closed.');
    const located = Object.assign(new yauzl.Entry(), { relativeOffsetOfLocalHeader: entry.offset, compressedSize: entry.compressedSize });
    const local = await callback<yauzl.LocalFileHeader>((done) => this.zip.readLocalFileHeader(located, { minimal: false }, done)).catch(
      (err: unknown) => {
        throw zipFault(err);
      },
    );
    if (local.fileName.toString('latin1') !== name || local.compressionMethod !== entry.method || local.generalPurposeBitFlag & ENCRYPTED_FLAG) {
      throw invalid(
        `The entry ${shortEntryName(name)} is described one way in the .zip's directory and another beside its data; the bundle was changed or damaged.`,
      );
    }
    const stream = await callback<Readable>((done) =>
      this.zip.openReadStreamLowLevel(local.fileDataStart, entry.compressedSize, 0, entry.compressedSize, entry.method === DEFLATED, entry.size, done),
    ).catch((err: unknown) => {
      throw zipFault(err);
    });
    this.open.add(stream);
    stream.once('close', () => this.open.delete(stream));
    return stream;
  }

  /** The manifest's bytes, unpacked; a fault unpacking it is a BundleError. */
  async *manifest(entry: StoredEntry): AsyncGenerator<Buffer> {
    const stream = await this.read(BUNDLE_MANIFEST, entry);
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (err) {
      if (err instanceof BundleError) throw err;
      throw new BundleError('bundle_hash_mismatch', `The manifest cannot be unpacked (${(err as Error).message}): the bundle was changed or damaged.`);
    } finally {
      stream.destroy();
    }
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.zip.once('close', () => resolve());
      for (const stream of this.open) stream.destroy();
      this.zip.close();
    });
    return this.closed;
  }
}

/** The entries of the .zip's directory, each checked against the format and the limits. */
async function listEntries(zip: yauzl.ZipFile, limits: Required<BundleLimits>): Promise<{ manifest: StoredEntry; files: Map<string, StoredEntry> }> {
  // A node has at most two files.
  if (zip.entryCount > 1 + 2 * limits.maxNodes) {
    throw new BundleError(
      'bundle_too_large',
      `The bundle holds ${zip.entryCount} entries; one of at most ${limits.maxNodes} nodes holds at most ${1 + 2 * limits.maxNodes}.`,
    );
  }
  let manifest: StoredEntry | null = null;
  const files = new Map<string, StoredEntry>();
  let total = 0;
  let end = 0;
  for await (const entry of zip.eachEntry()) {
    const name = entry.fileNameRaw.toString('latin1');
    const first = manifest === null;
    if (first) {
      if (name !== BUNDLE_MANIFEST) throw invalid(`This is not an ImageFlow bundle: its first entry is ${shownName(name)}, not ${BUNDLE_MANIFEST}.`);
    } else if (name === BUNDLE_MANIFEST || files.has(name)) {
      throw invalid(`The bundle holds ${shortEntryName(name)} twice; a bundle holds each entry once, so it was changed after it was exported.`);
    } else if (!kindOf(name)) {
      throw unexpectedEntry(name);
    }
    const shown = shortEntryName(name);
    if (entry.generalPurposeBitFlag & ENCRYPTED_FLAG) throw invalid(`The entry ${shown} is encrypted; ImageFlow bundles never are.`);
    if (entry.compressionMethod !== STORED && !(first && entry.compressionMethod === DEFLATED)) {
      throw invalid(`The entry ${shown} is packed in a way ImageFlow bundles never use (method ${entry.compressionMethod}); it was changed after it was exported.`);
    }
    if (!first && entry.uncompressedSize > limits.maxFileBytes) {
      throw new BundleError(
        'bundle_too_large',
        `The file ${shown} is ${sizeText(entry.uncompressedSize)}; a file in a bundle may be at most ${sizeText(limits.maxFileBytes)}.`,
      );
    }
    total += entry.uncompressedSize;
    if (total > limits.maxTotalBytes) {
      throw new BundleError('bundle_too_large', `The bundle unpacks to more than ${sizeText(limits.maxTotalBytes)}, the most one import may take.`);
    }
    const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
    if (entry.uncompressedSize > RATIO_FLOOR_BYTES && ratio > limits.maxCompressionRatio) {
      throw new BundleError(
        'bundle_too_large',
        `The entry ${shown} expands ${Math.round(ratio)} times when unpacked; no real bundle packs that tightly, so it is refused as a zip bomb.`,
      );
    }
    // Entries follow one another in the file; entries that share bytes are a trick, not a bundle.
    if (entry.relativeOffsetOfLocalHeader < end) {
      throw invalid(`The entry ${shown} overlaps the one before it in the .zip; the bundle was changed or damaged.`);
    }
    end = entry.relativeOffsetOfLocalHeader + LOCAL_HEADER_BYTES + entry.fileNameLength + entry.compressedSize;
    if (end > zip.fileSize) throw zipFault(new Error('file data overflows file bounds'));
    const stored: StoredEntry = {
      offset: entry.relativeOffsetOfLocalHeader,
      method: entry.compressionMethod,
      compressedSize: entry.compressedSize,
      size: entry.uncompressedSize,
      crc32: entry.crc32,
      namedIn: 0,
    };
    if (first) manifest = stored;
    else files.set(name, stored);
  }
  if (!manifest) throw invalid(`This is not an ImageFlow bundle: the .zip is empty, with no ${BUNDLE_MANIFEST}.`);
  return { manifest, files };
}

/**
 * Opens a bundle already spooled to `path`: reads the zip's directory and the manifest's header,
 * and refuses at once what these alone show to be wrong (names, duplicates, sizes, counts,
 * packing). Nothing is unpacked yet; call `verify()` before trusting any byte of it.
 */
export async function openBundle(path: string, limits: BundleLimits): Promise<Bundle> {
  const bounds: Required<BundleLimits> = {
    maxTotalBytes: limits.maxTotalBytes,
    maxNodes: Math.min(limits.maxNodes ?? BUNDLE_MAX_NODES, BUNDLE_MAX_NODES),
    maxFileBytes: Math.min(limits.maxFileBytes ?? BUNDLE_MAX_FILE_BYTES, BUNDLE_MAX_FILE_BYTES),
    maxLineBytes: Math.min(limits.maxLineBytes ?? BUNDLE_MAX_LINE_BYTES, BUNDLE_MAX_LINE_BYTES),
    maxCompressionRatio: limits.maxCompressionRatio ?? DEFAULT_MAX_COMPRESSION_RATIO,
  };
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (err) {
    throw zipFault(err);
  }
  const entries = new Entries(zip);
  try {
    const { manifest, files } = await listEntries(zip, bounds);
    const header = await readHeader(entries.manifest(manifest), bounds.maxLineBytes);
    if (header.node_count > bounds.maxNodes) {
      throw new BundleError('bundle_too_large', `The bundle holds ${header.node_count} nodes; one import takes at most ${bounds.maxNodes}.`);
    }
    if (files.size !== header.file_count) {
      throw invalid(`The bundle's header says it holds ${header.file_count} files, but it holds ${files.size}: it was changed or damaged.`);
    }
    // Each line holds at most maxLineBytes and a line feed.
    if (manifest.size > (header.node_count + 1) * (bounds.maxLineBytes + 1)) {
      throw invalid(`The manifest is larger than ${header.node_count} nodes can make: the bundle was changed or damaged.`);
    }
    return new ZipBundle(entries, header, manifest, files, bounds.maxLineBytes);
  } catch (err) {
    await entries.close();
    throw zipFault(err);
  }
}

async function readHeader(manifest: AsyncGenerator<Buffer>, maxLineBytes: number): Promise<BundleHeader> {
  for await (const line of splitLines(manifest, maxLineBytes, invalid)) return parseHeader(line);
  throw invalid('The manifest is empty: the bundle has no header.');
}

class ZipBundle implements Bundle {
  private runs = 0;

  constructor(
    private readonly entries: Entries,
    readonly header: BundleHeader,
    private readonly manifest: StoredEntry,
    /** Every file entry by name, in the order of the .zip. */
    private readonly files: Map<string, StoredEntry>,
    private readonly maxLineBytes: number,
  ) {}

  /** The nodes, checked one by one and as a sequence; `tap` sees every byte of the manifest. */
  private async *walk(tap?: (chunk: Buffer) => void): AsyncGenerator<BundleNode> {
    const manifest = this.entries.manifest(this.manifest);
    const bytes = tap ? tapped(manifest, tap) : manifest;
    const sequence = new NodeSequence(this.header.scope, this.header.node_count, invalid);
    let number = 0;
    for await (const line of splitLines(bytes, this.maxLineBytes, invalid)) {
      number++;
      if (number === 1) continue;
      const where = `Line ${number} of the manifest`;
      const value = parseBundleLine(decodeLine(line, where, invalid), where, invalid);
      const node = BundleNode.safeParse(value);
      if (!node.success) throw invalid(`${where} is not a valid node (${firstIssue(node.error)}).`);
      if (sequence.count >= this.header.node_count) {
        throw invalid(`The manifest holds more nodes than the ${this.header.node_count} its header counts: it was changed or damaged.`);
      }
      sequence.add(node.data, where);
      if (sequence.count === 1 && node.data.sha256 !== this.header.root_sha256) {
        throw invalid(`${where}: the first node's sha256 is not the header's root_sha256.`);
      }
      yield node.data;
    }
    if (sequence.count !== this.header.node_count) {
      throw invalid(`The manifest holds ${sequence.count} nodes, but its header counts ${this.header.node_count}: the bundle was changed or damaged.`);
    }
  }

  nodes(): AsyncIterable<BundleNode> {
    return { [Symbol.asyncIterator]: () => this.walk() };
  }

  async verify(): Promise<void> {
    // The manifest: every node, its files there with the sizes it records, and its checksum.
    const run = ++this.runs;
    let crc = 0;
    for await (const node of this.walk((chunk) => (crc = crc32(chunk, crc)))) {
      for (const file of bundleFilesOf(node)) {
        const entry = this.files.get(file.name);
        if (!entry) {
          throw new BundleError(
            'bundle_missing_file',
            `The manifest names the file ${shortEntryName(file.name)} (node ${node.key}), but the bundle does not hold it: the bundle is incomplete; export it again.`,
          );
        }
        if (entry.size !== file.bytes) {
          throw new BundleError(
            'bundle_hash_mismatch',
            `The file ${shortEntryName(file.name)} is ${entry.size} bytes, but the manifest records ${file.bytes}: the bundle was changed or damaged.`,
          );
        }
        entry.namedIn = run;
      }
    }
    if (crc >>> 0 !== this.manifest.crc32) {
      throw new BundleError('bundle_hash_mismatch', 'The manifest does not match its checksum: the bundle was changed or damaged.');
    }
    for (const [name, entry] of this.files) if (entry.namedIn !== run) throw unexpectedEntry(name);

    // Every file, read once in the order of the zip: its size, its sha256, and that it is the image its name says.
    for (const [name, entry] of this.files) await this.checkFile(name, entry);
  }

  private async checkFile(name: string, entry: StoredEntry): Promise<void> {
    const stream = await this.entries.read(name, entry);
    const hash = createHash('sha256');
    let seen = 0;
    let head = Buffer.alloc(0);
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > entry.size) throw hashMismatch(name);
        hash.update(chunk);
        if (head.length < 16) head = Buffer.concat([head, chunk.subarray(0, 16 - head.length)]);
      }
    } catch (err) {
      throw zipFault(err);
    } finally {
      stream.destroy();
    }
    if (seen !== entry.size) {
      throw new BundleError('bundle_truncated', `The file ${shortEntryName(name)} ends early: the bundle was cut off or damaged.`);
    }
    if (hash.digest('hex') !== shaOfName(name)) throw hashMismatch(name);
    const expected = kindOf(name)!.format;
    if (sniffImageFormat(head) !== expected) {
      throw invalid(`The file ${shortEntryName(name)} is not a ${expected.toUpperCase()} image, though its name says so: the bundle was changed or damaged.`);
    }
  }

  async openFile(name: string): Promise<Readable> {
    const entry = this.files.get(name);
    if (!entry) throw new BundleError('bundle_missing_file', `The bundle does not hold the file ${shortEntryName(name)}.`);
    const source = await this.entries.read(name, entry);
    const checked = new CheckedBytes(entry.size, shaOfName(name), () => hashMismatch(name));
    pipeline(source, checked, () => undefined);
    return checked;
  }

  close(): Promise<void> {
    return this.entries.close();
  }
}

async function* tapped(source: AsyncIterable<Buffer>, tap: (chunk: Buffer) => void): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    tap(chunk);
    yield chunk;
  }
}
