import { createHash, type Hash } from 'node:crypto';
import { Readable, pipeline, type Writable } from 'node:stream';
import { finished, pipeline as pipelinePromise } from 'node:stream/promises';
import yazl from 'yazl';
import {
  BUNDLE_FORMAT,
  BUNDLE_MANIFEST,
  BUNDLE_MAX_LINE_BYTES,
  BUNDLE_MAX_NODES,
  BUNDLE_VERSION,
  BundleHeader,
  BundleNode,
  bundleFilesOf,
  type BundleFileRef,
  type BundleScope,
} from '@imageflow/shared';
import { BundleError, CheckedBytes, NodeSequence, firstIssue, parseBundleLine, shortEntryName, sizeText } from './read.ts';

/** What the exporter says of a bundle; the counts and the root's hash come from the nodes. */
export interface BundleHeaderInput {
  /** ISO 8601, as `Date.toISOString()` writes it; also the time of every entry in the .zip. */
  exported_at: string;
  app_version: string;
  scope: BundleScope;
}

/** A file to put in the bundle: its entry, the sha256 and size it must have, and the node that first shows it. */
export interface BundleExportFile extends BundleFileRef {
  /** The key (id) of the first node that names the file. */
  key: number;
}

/**
 * The nodes to export, parents before children. Called once per pass over them (the header,
 * the manifest, the files), each call a fresh iteration over the same nodes: nothing is kept.
 */
export type BundleNodes = () => AsyncIterable<BundleNode>;

/** Opens a stored file for the bundle; called for each file only when the bundle is ready for its bytes. */
export type OpenBundleFile = (file: BundleExportFile) => Promise<Readable>;

const exportInvalid = (message: string) => new BundleError('bundle_export_invalid', message);
const sourceChanged = (detail: string) => new BundleError('bundle_source_changed', `The tree changed while it was being exported (${detail}); export it again.`);

/**
 * The manifest as the nodes give it, line by line: each node checked as the importer will check
 * it, its files counted once. Keeps a key, a hash and a file name per node, never the nodes.
 */
class ManifestPass {
  readonly sequence: NodeSequence;
  readonly files = new Set<string>();
  private readonly digest: Hash = createHash('sha256');

  constructor(
    scope: BundleScope,
    private readonly maxLineBytes: number,
    maxNodes: number,
  ) {
    this.sequence = new NodeSequence(scope, maxNodes, exportInvalid);
  }

  /** The node's line, without its line feed. */
  line(input: BundleNode): string {
    const where = `Node ${input.key}`;
    const node = BundleNode.safeParse(input);
    if (!node.success) throw exportInvalid(`${where} cannot be exported: ${firstIssue(node.error)}.`);
    const line = JSON.stringify(node.data);
    if (Buffer.byteLength(line) > this.maxLineBytes) {
      throw exportInvalid(`${where} cannot be exported: its recipe takes more than ${sizeText(this.maxLineBytes)}, the most a line of a bundle's manifest may hold.`);
    }
    // What the importer will parse: refuse here what it would refuse there.
    parseBundleLine(line, where, exportInvalid);
    this.sequence.add(node.data, where);
    for (const file of bundleFilesOf(node.data)) this.files.add(file.name);
    this.digest.update(JSON.stringify(input)).update('\n');
    return line;
  }

  /** A fingerprint of the nodes as given: two passes over the same nodes give the same one. */
  fingerprint(): string {
    return this.digest.digest('hex');
  }
}

/** The fingerprint ManifestPass gives, without checking the nodes again. */
class Fingerprint {
  private readonly digest: Hash = createHash('sha256');

  add(node: BundleNode): void {
    this.digest.update(JSON.stringify(node)).update('\n');
  }

  value(): string {
    return this.digest.digest('hex');
  }
}

/**
 * Walks the nodes once, checks each as an importer will, and returns the whole header: counts
 * and the root's hash. Nothing is written, so a node that cannot be exported is refused before
 * the first byte of the bundle goes out.
 */
export async function prepareBundle(
  input: BundleHeaderInput,
  nodes: BundleNodes,
  limits: { maxNodes?: number } = {},
): Promise<BundleHeader> {
  const pass = new ManifestPass(input.scope, BUNDLE_MAX_LINE_BYTES, Math.min(limits.maxNodes ?? BUNDLE_MAX_NODES, BUNDLE_MAX_NODES));
  for await (const node of nodes()) pass.line(node);
  if (pass.sequence.count === 0) throw exportInvalid('There is nothing to export: the bundle would hold no node.');
  const header = BundleHeader.safeParse({
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    exported_at: input.exported_at,
    app_version: input.app_version,
    scope: input.scope,
    root_sha256: pass.sequence.rootSha256,
    node_count: pass.sequence.count,
    file_count: pass.files.size,
  });
  if (!header.success) throw exportInvalid(`The bundle's header cannot be made: ${firstIssue(header.error)}.`);
  return header.data;
}

/** A stored file that no longer has the bytes the manifest records for it. */
function changedFile(file: BundleFileRef): BundleError {
  return new BundleError(
    'bundle_source_changed',
    `The stored file ${shortEntryName(file.name)} no longer matches its sha256: it changed or was damaged after it was made, so the export was stopped.`,
  );
}

/**
 * Streams a bundle into `output`: the manifest (deflated) from one pass over the nodes, then each
 * file once, stored as it is, from a second pass. One file is open at a time and bytes move only
 * as fast as `output` takes them. `header` comes from prepareBundle over the same nodes.
 *
 * Resolves once `output` has finished. On any fault (a file whose bytes are not its sha256, nodes
 * that differ from the header, `output` closed early) `output` is destroyed with the error and the
 * promise rejects with it: a bundle is never ended as if it were whole when it is not.
 */
export async function writeBundle(output: Writable, given: BundleHeader, nodes: BundleNodes, openFile: OpenBundleFile): Promise<void> {
  const checked = BundleHeader.safeParse(given);
  if (!checked.success) {
    const err = exportInvalid(`The bundle's header is not valid: ${firstIssue(checked.error)}.`);
    output.destroy(err);
    throw err;
  }
  const header = checked.data;
  const zip = new yazl.ZipFile();
  const zipped = zip.outputStream as Readable;
  const mtime = new Date(header.exported_at);
  const current = new Set<Readable>();

  let failure: Error | null = null;
  /** The waits in progress, to be ended by a failure. */
  const waiting = new Set<(err: Error) => void>();
  const fail = (err: unknown) => {
    if (failure) return;
    failure = err instanceof Error ? err : new Error(String(err));
    for (const stream of current) stream.destroy(failure);
    zipped.destroy(failure);
    output.destroy(failure);
    for (const reject of waiting) reject(failure);
    waiting.clear();
  };
  /** `promise`, or the failure if one comes first. (Not Promise.race with a lasting promise: that would keep every result alive.) */
  const race = <T>(promise: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.add(reject);
      promise.then(
        (value) => {
          waiting.delete(reject);
          resolve(value);
        },
        (err: unknown) => {
          waiting.delete(reject);
          reject(err);
        },
      );
    });

  zip.on('error', fail);
  const delivered = pipelinePromise(zipped, output);
  delivered.catch(fail);

  try {
    // The manifest: the header, then a line per node.
    const manifest = new ManifestPass(header.scope, BUNDLE_MAX_LINE_BYTES, header.node_count);
    const lines = Readable.from(manifestLines(header, nodes, manifest), { objectMode: false });
    current.add(lines);
    zip.addReadStreamLazy(BUNDLE_MANIFEST, { compress: true, mtime }, handOver(lines));
    await race(finished(lines));
    current.delete(lines);

    // The files, in the order the nodes name them, each once, from the same nodes again: what
    // differs from the manifest is caught by the fingerprint, before the bundle is ended.
    const pending = manifest.files;
    const again = new Fingerprint();
    for await (const node of nodes()) {
      again.add(node);
      for (const file of bundleFilesOf(node)) {
        if (!pending.delete(file.name)) continue;
        const opening = openFile({ ...file, key: node.key });
        // A file that opens after the export failed is closed at once.
        opening.then((stream) => failure && stream.destroy(), () => undefined);
        const source = await race(opening);
        const verified = new CheckedBytes(file.bytes, file.sha256, () => changedFile(file));
        current.add(source).add(verified);
        pipeline(source, verified, () => undefined);
        zip.addReadStreamLazy(file.name, { compress: false, size: file.bytes, mtime }, handOver(verified));
        await race(finished(verified));
        current.delete(source);
        current.delete(verified);
      }
      if (failure) throw failure;
    }
    if (again.value() !== manifest.fingerprint() || pending.size > 0) {
      throw sourceChanged('the nodes read for the files are not those of the manifest');
    }

    zip.end();
    await race(delivered);
  } catch (err) {
    fail(err);
    throw failure ?? err;
  }
}

/**
 * Gives yazl the stream once and forgets it: yazl keeps this function with its entry until the
 * end, and the stream (with the file read into it) must not stay alive that long.
 */
function handOver(stream: Readable): (cb: (err: Error | null, stream: Readable) => void) => void {
  let held: Readable | null = stream;
  return (cb) => {
    const given = held!;
    held = null;
    cb(null, given);
  };
}

async function* manifestLines(header: BundleHeader, nodes: BundleNodes, pass: ManifestPass): AsyncGenerator<Buffer> {
  yield Buffer.from(`${JSON.stringify(header)}\n`);
  let batch: string[] = [];
  let size = 0;
  for await (const node of nodes()) {
    if (pass.sequence.count === header.node_count) throw sourceChanged(`more nodes than the ${header.node_count} the header counts`);
    const line = pass.line(node);
    batch.push(line, '\n');
    size += line.length + 1;
    // A few lines at a time: fewer, larger writes into the compressor.
    if (size >= 64 * 1024) {
      yield Buffer.from(batch.join(''));
      batch = [];
      size = 0;
    }
  }
  if (batch.length > 0) yield Buffer.from(batch.join(''));
  if (pass.sequence.count !== header.node_count) throw sourceChanged(`${pass.sequence.count} nodes where the header counts ${header.node_count}`);
  if (pass.sequence.rootSha256 !== header.root_sha256) throw sourceChanged('the first node is not the one the header names');
  if (pass.files.size !== header.file_count) throw sourceChanged(`${pass.files.size} files where the header counts ${header.file_count}`);
}
