import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import {
  BUNDLE_MANIFEST,
  bundleImageEntry,
  bundleOriginalEntry,
  type BundleHeader,
  type BundleNode,
} from '@imageflow/shared';
import { BundleError, openBundle, type Bundle, type BundleErrorCode, type BundleLimits } from './read.ts';
import { prepareBundle, writeBundle, type BundleExportFile, type BundleNodes } from './write.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'imageflow-bundle-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNumber = 0;
const tempPath = () => path.join(dir, `bundle-${++fileNumber}.zip`);

const LIMITS = { maxTotalBytes: 1024 * 1024 * 1024 };
const EXPORTED_AT = '2025-03-01T10:00:00.000Z';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Bytes that read as a PNG (or JPEG): the signature, then `size` bytes that follow from `seed`. */
function imageBytes(seed: string, size = 3000, format: 'png' | 'jpeg' = 'png'): Buffer {
  const signature = format === 'png' ? Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) : Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
  const parts = [signature];
  let block = createHash('sha256').update(seed).digest();
  for (let n = 0; n < size; n += block.length) {
    parts.push(block);
    block = createHash('sha256').update(block).digest();
  }
  return Buffer.concat(parts).subarray(0, size);
}

function baseNode(key: number, parent: BundleNode | null, image: Buffer | null, extra: Partial<BundleNode> = {}): BundleNode {
  const sha = image ? sha256(image) : null;
  return {
    key,
    parent_key: parent?.key ?? null,
    parent_sha256: parent?.sha256 ?? null,
    action_type: parent ? 'img2img' : 'generate',
    model: 'sdxl',
    provider: 'builtin',
    prompt: `a lighthouse at dusk, take ${key}`,
    negative_prompt: 'blurry',
    seed: 1000 + key,
    spec: { width: 64, height: 64, steps: 20, guidance: 7, seed: 1000 + key, sampler: 'euler', strength: 0.6, batch_size: 1 },
    request_params: { steps: 20 },
    width: 64,
    height: 64,
    created_at: new Date(Date.UTC(2025, 0, 1, 0, key)).toISOString(),
    starred: false,
    deleted: false,
    sha256: sha,
    bytes: image?.length ?? 0,
    file: sha ? bundleImageEntry(sha) : null,
    original: null,
    ...extra,
  };
}

interface Sample {
  nodes: BundleNode[];
  files: Map<string, Buffer>;
}

/**
 * A small tree with what a bundle must carry: an upload with its original, a tombstone with a child,
 * two nodes showing the same image, text beyond ASCII and nested parameters.
 */
function sampleTree(): Sample {
  const files = new Map<string, Buffer>();
  const image = (seed: string, format: 'png' | 'jpeg' = 'png') => imageBytes(seed, 2500 + seed.length * 37, format);
  const a = image('root');
  const original = image('root-original', 'jpeg');
  const b = image('child');
  const c = image('grandchild');
  const root = baseNode(11, null, a, {
    action_type: 'upload',
    model: 'upload',
    provider: 'upload',
    prompt: '',
    seed: null,
    starred: true,
    original: { file: bundleOriginalEntry(sha256(original), 'jpeg'), sha256: sha256(original), bytes: original.length, format: 'jpeg' },
  });
  const child = baseNode(12, root, b);
  const tomb = { ...baseNode(15, root, imageBytes('gone')), deleted: true, file: null };
  const underTomb = baseNode(20, tomb, a, { action_type: 'variation' });
  const grandchild = baseNode(21, child, c, {
    prompt: 'chat 猫 🐈 "quoted"\nsecond line',
    request_params: { loras: [{ name: 'x', weight: 0.5 }], nested: { deep: { deeper: [1, 2, 3] } } },
  });
  files.set(bundleImageEntry(sha256(a)), a);
  files.set(bundleOriginalEntry(sha256(original), 'jpeg'), original);
  files.set(bundleImageEntry(sha256(b)), b);
  files.set(bundleImageEntry(sha256(c)), c);
  return { nodes: [root, child, tomb, underTomb, grandchild], files };
}

const listOf = (nodes: readonly BundleNode[]): BundleNodes => async function* () {
  yield* nodes;
};

/** A stored file, in chunks of 1000 bytes, as a store would stream it. */
function streamOf(data: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += 1000) chunks.push(data.subarray(at, at + 1000));
  return Readable.from(chunks);
}

async function exportBundle(sample: Sample, scope: BundleHeader['scope'] = 'tree'): Promise<string> {
  const nodes = listOf(sample.nodes);
  const header = await prepareBundle({ exported_at: EXPORTED_AT, app_version: '0.1.0', scope }, nodes);
  const file = tempPath();
  await writeBundle(createWriteStream(file), header, nodes, async (entry) => streamOf(sample.files.get(entry.name)!));
  return file;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function headerFor(nodes: readonly BundleNode[], fileCount: number, extra: Partial<BundleHeader> = {}): BundleHeader {
  return {
    format: 'imageflow-bundle',
    version: 1,
    exported_at: EXPORTED_AT,
    app_version: '0.1.0',
    scope: 'tree',
    root_sha256: nodes[0]?.sha256 ?? null,
    node_count: nodes.length,
    file_count: fileCount,
    ...extra,
  };
}

/** Manifest text: the header and the lines as given (objects are written as JSON). */
function manifestText(header: BundleHeader, lines: ReadonlyArray<BundleNode | string>): Buffer {
  return Buffer.from([JSON.stringify(header), ...lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l)))].map((l) => `${l}\n`).join(''));
}

interface HandEntry {
  name: string;
  data: Buffer;
  compress?: boolean;
  directory?: boolean;
}

/** A .zip made entry by entry, for bundles no exporter would write. */
async function handZip(entries: readonly HandEntry[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    if (entry.directory) zip.addEmptyDirectory(entry.name);
    else zip.addBuffer(entry.data, entry.name, { compress: entry.compress ?? entry.name === BUNDLE_MANIFEST, mtime: new Date(EXPORTED_AT) });
  }
  zip.end();
  return bytesOf(zip.outputStream as Readable);
}

/** A bundle made by hand from the sample: the manifest of `lines`, and the sample's files unless told otherwise. */
async function handBundle(options: { header: BundleHeader; lines: ReadonlyArray<BundleNode | string>; files: ReadonlyArray<[string, Buffer]> }): Promise<Buffer> {
  return handZip([{ name: BUNDLE_MANIFEST, data: manifestText(options.header, options.lines) }, ...options.files.map(([name, data]) => ({ name, data }))]);
}

function flip(data: Buffer, at: number): void {
  data.writeUInt8(data.readUInt8(at) ^ 0x10, at);
}

function save(data: Buffer): string {
  const file = tempPath();
  writeFileSync(file, data);
  return file;
}

/** Replaces every occurrence of `from` in the zip's bytes (names sit in the local header and the directory) with `to`, of the same length. */
function rename(zip: Buffer, from: string, to: string): Buffer {
  expect(Buffer.byteLength(from)).toBe(Buffer.byteLength(to));
  const out = Buffer.from(zip);
  const needle = Buffer.from(from);
  for (let at = out.indexOf(needle); at !== -1; at = out.indexOf(needle, at + 1)) Buffer.from(to).copy(out, at);
  return out;
}

/** Sets a field (of `width` bytes) of the directory record of `name`. */
function patchDirectory(zip: Buffer, name: string, field: number, value: number, width: 2 | 4 = 4): Buffer {
  const out = Buffer.from(zip);
  const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  for (let at = out.indexOf(signature); at !== -1; at = out.indexOf(signature, at + 1)) {
    const length = out.readUInt16LE(at + 28);
    if (out.toString('latin1', at + 46, at + 46 + length) === name) {
      if (width === 2) out.writeUInt16LE(value, at + field);
      else out.writeUInt32LE(value, at + field);
      return out;
    }
  }
  throw new Error(`no directory record for ${name}`);
}

/** Opens the bundle and runs every check, as an import would before writing anything. */
async function importCheck(file: string, limits: BundleLimits = LIMITS): Promise<Bundle> {
  const bundle = await openBundle(file, limits);
  try {
    await bundle.verify();
    await collect(bundle.nodes());
    return bundle;
  } finally {
    await bundle.close();
  }
}

async function refusal(run: () => Promise<unknown>): Promise<BundleError> {
  try {
    await run();
  } catch (err) {
    expect(err).toBeInstanceOf(BundleError);
    return err as BundleError;
  }
  throw new Error('the bundle was accepted');
}

async function expectRefused(file: string, code: BundleErrorCode, message?: RegExp): Promise<BundleError> {
  const err = await refusal(() => importCheck(file));
  expect(err.code, err.message).toBe(code);
  if (message) expect(err.message).toMatch(message);
  return err;
}

describe('a bundle written and read back', () => {
  it('holds the same nodes and the same bytes, each file once', async () => {
    const sample = sampleTree();
    const file = await exportBundle(sample);
    const bundle = await openBundle(file, LIMITS);
    try {
      expect(bundle.header).toEqual({
        format: 'imageflow-bundle',
        version: 1,
        exported_at: EXPORTED_AT,
        app_version: '0.1.0',
        scope: 'tree',
        root_sha256: sample.nodes[0]!.sha256,
        node_count: 5,
        file_count: 4,
      });
      await bundle.verify();
      expect(await collect(bundle.nodes())).toEqual(sample.nodes);
      // Twice: each call reads the manifest anew.
      expect(await collect(bundle.nodes())).toEqual(sample.nodes);
      for (const [name, data] of sample.files) expect((await bytesOf(await bundle.openFile(name))).equals(data)).toBe(true);
    } finally {
      await bundle.close();
    }
  });

  it('is laid out as the format says: the manifest first and deflated, then each file stored as it is', async () => {
    const sample = sampleTree();
    const zip = readFileSync(await exportBundle(sample));
    const names: string[] = [];
    const methods: number[] = [];
    const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
    for (let at = zip.indexOf(signature); at !== -1; at = zip.indexOf(signature, at + 1)) {
      methods.push(zip.readUInt16LE(at + 10));
      names.push(zip.toString('latin1', at + 46, at + 46 + zip.readUInt16LE(at + 28)));
    }
    const [a, original, b, c] = [...sample.files.keys()];
    expect(names).toEqual([BUNDLE_MANIFEST, a, original, b, c]);
    expect(methods).toEqual([8, 0, 0, 0, 0]);
    // Same nodes, same bytes: an export can be compared with another.
    expect(readFileSync(await exportBundle(sample)).equals(zip)).toBe(true);
  });

  it('carries a branch whose first node has its parent outside the bundle', async () => {
    const sample = sampleTree();
    const [, child, , , grandchild] = sample.nodes;
    // Its parent_key is null (the parent is not in the bundle); parent_sha256 still names the parent.
    const top = { ...child!, parent_key: null };
    const branch = { nodes: [top, grandchild!], files: sample.files };
    const bundle = await openBundle(await exportBundle(branch, 'branch'), LIMITS);
    try {
      expect(bundle.header).toMatchObject({ scope: 'branch', node_count: 2, file_count: 2, root_sha256: child!.sha256 });
      await bundle.verify();
      expect(await collect(bundle.nodes())).toEqual([top, grandchild]);
      expect(top.parent_sha256).toBe(sample.nodes[0]!.sha256);
    } finally {
      await bundle.close();
    }
  });

  it('carries a path from a root, each node the child of the one before', async () => {
    const sample = sampleTree();
    const [root, child, , , grandchild] = sample.nodes as [BundleNode, BundleNode, BundleNode, BundleNode, BundleNode];
    const bundle = await importCheck(await exportBundle({ nodes: [root, child, grandchild], files: sample.files }, 'path'));
    expect(bundle.header).toMatchObject({ scope: 'path', node_count: 3, file_count: 4 });
    const input = { exported_at: EXPORTED_AT, app_version: '0.1.0', scope: 'path' } as const;
    const sibling = await refusal(() => prepareBundle(input, listOf([root, child, sample.nodes[2]!])));
    expect(sibling.message).toMatch(/^Node 15 \(key 15\): in a bundle of a path, each node's parent is the node before it, key 12/);
  });
});

describe('an export', () => {
  it('stops, destroying the output with the error, when a stored file does not match its sha256', async () => {
    const sample = sampleTree();
    const nodes = listOf(sample.nodes);
    const header = await prepareBundle({ exported_at: EXPORTED_AT, app_version: '0.1.0', scope: 'tree' }, nodes);
    const output = new PassThrough();
    output.resume();
    const opened: BundleExportFile[] = [];
    const err = await refusal(() =>
      writeBundle(output, header, nodes, async (entry) => {
        opened.push(entry);
        const data = Buffer.from(sample.files.get(entry.name)!);
        if (entry.kind === 'original') flip(data, 100);
        return streamOf(data);
      }),
    );
    expect(err.code).toBe('bundle_source_changed');
    expect(err.message).toMatch(/^The stored file originals\/[0-9a-f]{8}….jpg no longer matches its sha256/);
    expect(output.destroyed).toBe(true);
    expect(output.errored).toBe(err);
    // Files are opened one at a time, in order, and none after the fault.
    expect(opened.map((f) => f.kind)).toEqual(['image', 'original']);
    expect(opened[0]).toMatchObject({ key: 11, sha256: sample.nodes[0]!.sha256, bytes: sample.nodes[0]!.bytes });
  });

  it('stops when a stored file is longer or shorter than the manifest says', async () => {
    const sample = sampleTree();
    const nodes = listOf(sample.nodes);
    const header = await prepareBundle({ exported_at: EXPORTED_AT, app_version: '0.1.0', scope: 'tree' }, nodes);
    for (const change of [(d: Buffer) => Buffer.concat([d, Buffer.from('x')]), (d: Buffer) => d.subarray(0, d.length - 1)]) {
      const output = new PassThrough().resume();
      const err = await refusal(() => writeBundle(output, header, nodes, async (entry) => streamOf(change(sample.files.get(entry.name)!))));
      expect(err.code).toBe('bundle_source_changed');
      expect(output.errored).toBe(err);
    }
  });

  it('stops when the nodes change between the passes over them', async () => {
    const sample = sampleTree();
    const header = await prepareBundle({ exported_at: EXPORTED_AT, app_version: '0.1.0', scope: 'tree' }, listOf(sample.nodes));
    let calls = 0;
    const changing: BundleNodes = async function* () {
      calls++;
      // The second pass (the files) sees a prompt edited meanwhile.
      yield* calls === 2 ? sample.nodes.map((n) => (n.key === 21 ? { ...n, starred: true } : n)) : sample.nodes;
    };
    const output = new PassThrough().resume();
    const err = await refusal(() => writeBundle(output, header, changing, async (entry) => streamOf(sample.files.get(entry.name)!)));
    expect(err.code).toBe('bundle_source_changed');

    const grown = listOf([...sample.nodes, baseNode(30, sample.nodes[1]!, imageBytes('new'))]);
    const more = await refusal(() => writeBundle(new PassThrough().resume(), header, grown, async (entry) => streamOf(sample.files.get(entry.name)!)));
    expect(more.code).toBe('bundle_source_changed');
    expect(more.message).toMatch(/more nodes than the 5 the header counts/);
  });

  it('refuses, before writing anything, nodes an import would refuse', async () => {
    const sample = sampleTree();
    const input = { exported_at: EXPORTED_AT, app_version: '0.1.0', scope: 'tree' } as const;
    const bad = (nodes: BundleNode[]) => refusal(() => prepareBundle(input, listOf(nodes)));
    const [root, child] = sample.nodes;
    expect((await bad([root!, { ...child!, prompt: 'bell\u0007' }])).message).toMatch(/^Node 12 cannot be exported: prompt contains the control character U\+0007/);
    expect((await bad([child!, root!])).message).toMatch(/first node's parent is outside the bundle/);
    expect((await bad([root!, { ...child!, request_params: { blob: 'x'.repeat(1024 * 1024) } }])).message).toMatch(/more than 1 MB, the most a line/);
    const err = await bad([]);
    expect(err.code).toBe('bundle_export_invalid');
  });

  it('stops reading nodes and files when the output closes early', async () => {
    const sample = sampleTree();
    const header = await prepareBundle({ exported_at: EXPORTED_AT, app_version: '0.1.0', scope: 'tree' }, listOf(sample.nodes));
    let open = 0;
    const nodes: BundleNodes = async function* () {
      open++;
      try {
        yield* sample.nodes;
      } finally {
        open--;
      }
    };
    let opened = 0;
    let taken = 0;
    // A download that stops after 3 KB.
    const output = new Writable({
      write(chunk: Buffer, _encoding, done) {
        taken += chunk.length;
        if (taken > 3000) output.destroy(new Error('the client went away'));
        else done();
      },
    });
    const err = await writeBundle(output, header, nodes, async (entry) => {
      opened++;
      return streamOf(sample.files.get(entry.name)!);
    }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err?.message).toMatch(/the client went away|Premature close/);
    expect(opened).toBeLessThanOrEqual(2);
    expect(open).toBe(0);
  });

  it('moves no faster than the output takes it', async () => {
    const FILES = 24;
    const SIZE = 256 * 1024;
    const files = new Map<string, Buffer>();
    const nodes: BundleNode[] = [];
    for (let i = 0; i < FILES; i++) {
      const data = imageBytes(`big-${i}`, SIZE);
      const node = baseNode(i + 1, i === 0 ? null : nodes[0]!, data);
      nodes.push(node);
      files.set(node.file!, data);
    }
    let produced = 0;
    let consumed = 0;
    let mostAhead = 0;
    const output = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, done) {
        consumed += chunk.length;
        mostAhead = Math.max(mostAhead, produced - consumed);
        setTimeout(done, 1);
      },
    });
    const header = await prepareBundle({ exported_at: EXPORTED_AT, app_version: '0.1.0', scope: 'tree' }, listOf(nodes));
    await writeBundle(output, header, listOf(nodes), async (entry) => {
      const data = files.get(entry.name)!;
      return Readable.from(
        (function* () {
          for (let at = 0; at < data.length; at += 16 * 1024) {
            produced += Math.min(16 * 1024, data.length - at);
            yield data.subarray(at, at + 16 * 1024);
          }
        })(),
      );
    });
    expect(consumed).toBeGreaterThan(FILES * SIZE);
    // Far less than a file, let alone the 6 MB of them: a few stream buffers.
    expect(mostAhead).toBeLessThan(SIZE);
  });
});

describe('a bundle that is damaged or made by hand', () => {
  async function valid(): Promise<{ sample: Sample; zip: Buffer }> {
    const sample = sampleTree();
    return { sample, zip: readFileSync(await exportBundle(sample)) };
  }

  it('is refused, naming the file, when one byte of a file changed', async () => {
    const { sample, zip } = await valid();
    const [name, data] = [...sample.files].find(([n]) => n.startsWith('originals/'))!;
    const at = zip.indexOf(data) + 1234;
    const tampered = Buffer.from(zip);
    flip(tampered, at);
    const file = save(tampered);
    const err = await expectRefused(file, 'bundle_hash_mismatch');
    expect(err.message).toBe(
      `The file originals/${sha256(data).slice(0, 8)}….jpg does not match its sha256 in the manifest: the bundle was changed or damaged.`,
    );
    expect(name).toContain(sha256(data));
    // A file read without verify() fails too.
    const bundle = await openBundle(file, LIMITS);
    await expect(bytesOf(await bundle.openFile(name))).rejects.toMatchObject({ code: 'bundle_hash_mismatch' });
    await bundle.close();
  });

  it('is refused when a byte of the (deflated) manifest changed', async () => {
    const { zip } = await valid();
    // The manifest's packed bytes start after its local header: 30 bytes and its name.
    const tampered = Buffer.from(zip);
    flip(tampered, 30 + BUNDLE_MANIFEST.length + 200);
    const err = await refusal(() => importCheck(save(tampered)));
    expect(['bundle_hash_mismatch', 'bundle_invalid']).toContain(err.code);
  });

  it('is refused as cut off, wherever it was cut', async () => {
    const { zip } = await valid();
    for (const length of [0, 4, 30, 100, 2000, Math.floor(zip.length / 2), zip.length - 300, zip.length - 22, zip.length - 1]) {
      const err = await expectRefused(save(zip.subarray(0, length)), 'bundle_truncated');
      expect(err.message).toMatch(/^The bundle is not a whole \.zip file: it was cut off/);
    }
  });

  it('is refused when bytes are added at its end or in the middle of a file', async () => {
    const { zip } = await valid();
    await expectRefused(save(Buffer.concat([zip, Buffer.from('more')])), 'bundle_invalid', /bytes after the end/);
    const zeroed = Buffer.from(zip);
    zeroed.fill(0, Math.floor(zip.length / 2), Math.floor(zip.length / 2) + 64);
    const err = await refusal(() => importCheck(save(zeroed)));
    expect(['bundle_hash_mismatch', 'bundle_invalid']).toContain(err.code);
  });

  it('is refused when a file the manifest names is missing', async () => {
    const { nodes, files } = sampleTree();
    const kept = [...files].filter(([name]) => !name.startsWith('originals/'));
    const zip = await handBundle({ header: headerFor(nodes, kept.length), lines: nodes, files: kept });
    await expectRefused(save(zip), 'bundle_missing_file', /^The manifest names the file originals\/[0-9a-f]{8}….jpg \(node 11\), but the bundle does not hold it/);
  });

  it('is refused when it holds an entry no node names', async () => {
    const { nodes, files } = sampleTree();
    const extra = imageBytes('stowaway');
    const all: Array<[string, Buffer]> = [...files, [bundleImageEntry(sha256(extra)), extra]];
    const zip = await handBundle({ header: headerFor(nodes, all.length), lines: nodes, files: all });
    await expectRefused(save(zip), 'bundle_unexpected_entry', /^The bundle holds an entry named "files\/[0-9a-f]{64}\.png", which is no part/);

    const notes = await handBundle({ header: headerFor(nodes, files.size + 1), lines: nodes, files: [...files, ['notes.txt', Buffer.from('hi')]] });
    await expectRefused(save(notes), 'bundle_unexpected_entry', /"notes.txt"/);

    const folder = await handZip([
      { name: BUNDLE_MANIFEST, data: manifestText(headerFor(nodes, files.size + 1), nodes) },
      ...[...files].map(([name, data]) => ({ name, data })),
      { name: 'files/', data: Buffer.alloc(0), directory: true },
    ]);
    await expectRefused(save(folder), 'bundle_unexpected_entry', /"files\/"/);
  });

  it('is refused when an entry names a path outside the bundle', async () => {
    const { nodes, files } = sampleTree();
    const evil = (placeholder: string, name: string) =>
      handBundle({ header: headerFor(nodes, files.size + 1), lines: nodes, files: [...files, [placeholder, Buffer.from('pwned')]] }).then((zip) =>
        rename(zip, placeholder, name),
      );
    await expectRefused(save(await evil('xx/evil', '../evil')), 'bundle_invalid', /"\.\.\/evil", a path outside the bundle/);
    await expectRefused(save(await evil('files/xx/evil.png', 'files/../evil.png')), 'bundle_invalid', /a path outside the bundle/);
    await expectRefused(save(await evil('xetc/passwd', '/etc/passwd')), 'bundle_invalid', /a path outside the bundle/);
    await expectRefused(save(await evil('x-x', 'C:x')), 'bundle_invalid', /a path outside the bundle/);
    await expectRefused(save(await evil('files/x', 'files\\x')), 'bundle_invalid', /a path outside the bundle/);
  });

  it('is refused when an entry is there twice', async () => {
    const { nodes, files } = sampleTree();
    const [first] = files;
    const twice = await handBundle({ header: headerFor(nodes, files.size + 1), lines: nodes, files: [...files, first!] });
    await expectRefused(save(twice), 'bundle_invalid', /^The bundle holds files\/[0-9a-f]{8}….png twice/);
    const manifests = await handBundle({ header: headerFor(nodes, files.size + 1), lines: nodes, files: [...files, [BUNDLE_MANIFEST, Buffer.from('{}\n')]] });
    await expectRefused(save(manifests), 'bundle_invalid', /imageflow-bundle.jsonl twice/);
  });

  it('is refused as a zip bomb when an entry packs far too tightly', async () => {
    const { nodes } = sampleTree();
    const header = manifestText(headerFor(nodes, 0), []);
    const bomb = await handZip([{ name: BUNDLE_MANIFEST, data: Buffer.concat([header, Buffer.alloc(64 * 1024 * 1024, 0x20)]) }]);
    expect(bomb.length).toBeLessThan(200 * 1024);
    await expectRefused(save(bomb), 'bundle_too_large', /expands \d+ times when unpacked; .* refused as a zip bomb/);
  });

  it('is refused when an entry unpacks to more than the directory says (a bomb that lies about its size)', async () => {
    const { nodes, files } = sampleTree();
    const zip = await handBundle({ header: headerFor(nodes, files.size), lines: nodes, files: [...files] });
    const manifestSize = manifestText(headerFor(nodes, files.size), nodes).length;
    const lying = patchDirectory(zip, BUNDLE_MANIFEST, 24, manifestSize - 100);
    await expectRefused(save(lying), 'bundle_hash_mismatch', /The manifest cannot be unpacked \(too many bytes/);
  });

  it('is refused when it unpacks to more than the import may take, or a file is too large', async () => {
    const { zip } = await valid();
    const file = save(zip);
    const err = await refusal(() => importCheck(file, { maxTotalBytes: 5000 }));
    expect(err.code).toBe('bundle_too_large');
    expect(err.message).toMatch(/unpacks to more than/);
    const big = await refusal(() => importCheck(file, { ...LIMITS, maxFileBytes: 1000 }));
    expect(big.message).toMatch(/^The file files\/[0-9a-f]{8}….png is [23] KB; a file in a bundle may be at most 1000 bytes/);
    const many = await refusal(() => importCheck(file, { ...LIMITS, maxNodes: 2 }));
    expect(many.code).toBe('bundle_too_large');
  });

  it('is refused when a manifest line is too long', async () => {
    const { nodes, files } = sampleTree();
    // Text that does not pack well, as a real recipe would not.
    const long = { ...nodes[1]!, request_params: { blob: imageBytes('long', 800 * 1024).toString('base64') } };
    const lines = [nodes[0]!, long, ...nodes.slice(2)];
    const zip = await handBundle({ header: headerFor(nodes, files.size), lines, files: [...files] });
    await expectRefused(save(zip), 'bundle_invalid', /^Line 3 of the manifest is longer than 1 MB/);
    // A header line, too.
    const header = `${JSON.stringify(headerFor(nodes, files.size)).slice(0, -1)},"pad":"${imageBytes('pad', 800 * 1024).toString('base64')}"}`;
    const padded = await handZip([{ name: BUNDLE_MANIFEST, data: Buffer.from(`${header}\n`) }]);
    await expectRefused(save(padded), 'bundle_invalid', /^Line 1 of the manifest is longer than 1 MB/);
  });

  it('is refused when a manifest line is not JSON, not a node, or not UTF-8', async () => {
    const { nodes, files } = sampleTree();
    const bundleWith = async (line: string | Buffer, at = 2) => {
      const text = manifestText(headerFor(nodes, files.size), nodes.map((n, i) => (i === at ? '@' : n)));
      const hole = text.indexOf('\n@\n');
      const data = Buffer.concat([text.subarray(0, hole + 1), typeof line === 'string' ? Buffer.from(line) : line, text.subarray(hole + 2)]);
      return save(await handZip([{ name: BUNDLE_MANIFEST, data }, ...[...files].map(([name, d]) => ({ name, data: d }))]));
    };
    await expectRefused(await bundleWith(`${JSON.stringify(nodes[2]).slice(0, -2)}`), 'bundle_invalid', /^Line 4 of the manifest is not valid JSON/);
    await expectRefused(await bundleWith(''), 'bundle_invalid', /^Line 4 of the manifest is not valid JSON/);
    await expectRefused(await bundleWith('[1,2]'), 'bundle_invalid', /^Line 4 of the manifest is not a valid node/);
    await expectRefused(await bundleWith(JSON.stringify({ ...nodes[2], sha256: 'ABC' })), 'bundle_invalid', /sha256: must be a sha256/);
    await expectRefused(await bundleWith(JSON.stringify({ ...nodes[2], surprise: 1 })), 'bundle_invalid', /Unrecognized key: "surprise"/);
    await expectRefused(await bundleWith(JSON.stringify({ ...nodes[3], file: 'files/../../x.png' })), 'bundle_invalid', /file: must be "files\//);
    await expectRefused(await bundleWith(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 'bundle_invalid', /^Line 4 of the manifest is not UTF-8 text/);
    const deep = JSON.stringify({ ...nodes[2], request_params: { a: JSON.parse(`${'['.repeat(40)}${']'.repeat(40)}`) as unknown } });
    await expectRefused(await bundleWith(deep), 'bundle_invalid', /more than 32 levels deep/);
  });

  it('is refused when a node line carries __proto__ or constructor.prototype', async () => {
    const { nodes, files } = sampleTree();
    const [root, child] = nodes;
    const proto = `{"__proto__":{"polluted":true},${JSON.stringify(child).slice(1)}`;
    const viaParams = JSON.stringify(child).replace('"request_params":{', '"request_params":{"constructor":{"prototype":{"polluted":true}},');
    for (const line of [proto, viaParams, JSON.stringify(child).replace('"request_params":{', '"request_params":{"__proto__":{"x":1},')]) {
      const zip = await handBundle({ header: headerFor(nodes, files.size), lines: [root!, line, ...nodes.slice(2)], files: [...files] });
      await expectRefused(save(zip), 'bundle_invalid', /^Line 3 of the manifest has a "__proto__" or "constructor.prototype" key/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('is refused when a parent comes after its child, or is not the parent its hash says', async () => {
    const { nodes, files } = sampleTree();
    const [root, child, tomb, underTomb, grandchild] = nodes as [BundleNode, BundleNode, BundleNode, BundleNode, BundleNode];
    const forward = await handBundle({ header: headerFor(nodes, files.size), lines: [root, grandchild, child, tomb, underTomb], files: [...files] });
    await expectRefused(save(forward), 'bundle_invalid', /^Line 3 of the manifest \(key 21\) names parent_key 12, which is not an earlier node/);
    const wrongHash = await handBundle({
      header: headerFor(nodes, files.size),
      lines: [root, child, tomb, { ...underTomb, parent_sha256: child.sha256 }, grandchild],
      files: [...files],
    });
    await expectRefused(save(wrongHash), 'bundle_invalid', /parent_sha256 is not the sha256 of its parent, key 15/);
    const orphan = await handBundle({ header: headerFor(nodes, files.size), lines: [root, child, tomb, { ...underTomb, parent_key: null }, grandchild], files: [...files] });
    await expectRefused(save(orphan), 'bundle_invalid', /has no parent_key; only the first node's parent is outside the bundle/);
    const twice = await handBundle({ header: headerFor(nodes, files.size), lines: [root, child, tomb, { ...underTomb, key: 12 }, grandchild], files: [...files] });
    await expectRefused(save(twice), 'bundle_invalid', /repeats key 12/);
  });

  it("is refused when the header's counts or root do not match what it holds", async () => {
    const { nodes, files } = sampleTree();
    const fewer = await handBundle({ header: headerFor(nodes, files.size, { node_count: 6 }), lines: nodes, files: [...files] });
    await expectRefused(save(fewer), 'bundle_invalid', /^The manifest holds 5 nodes, but its header counts 6/);
    const more = await handBundle({ header: headerFor(nodes, files.size, { node_count: 4 }), lines: nodes, files: [...files] });
    await expectRefused(save(more), 'bundle_invalid', /^The manifest holds more nodes than the 4 its header counts/);
    const fileCount = await handBundle({ header: headerFor(nodes, files.size - 1), lines: nodes, files: [...files] });
    await expectRefused(save(fileCount), 'bundle_invalid', /header says it holds 3 files, but it holds 4/);
    const root = await handBundle({ header: headerFor(nodes, files.size, { root_sha256: nodes[1]!.sha256 }), lines: nodes, files: [...files] });
    await expectRefused(save(root), 'bundle_invalid', /first node's sha256 is not the header's root_sha256/);
  });

  it('is refused when it is not a bundle, or a newer one', async () => {
    const { nodes, files } = sampleTree();
    await expectRefused(save(Buffer.from('just some text, not a zip at all')), 'bundle_truncated');
    const other = await handZip([{ name: 'readme.txt', data: Buffer.from('hello') }]);
    await expectRefused(save(other), 'bundle_invalid', /^This is not an ImageFlow bundle: its first entry is "readme.txt"/);
    const foreign = await handZip([{ name: BUNDLE_MANIFEST, data: Buffer.from('{"format":"something-else"}\n') }]);
    await expectRefused(save(foreign), 'bundle_invalid', /^This is not an ImageFlow bundle/);
    const newer = await handBundle({ header: { ...headerFor(nodes, files.size), version: 2 } as unknown as BundleHeader, lines: nodes, files: [...files] });
    await expectRefused(save(newer), 'bundle_unsupported', /newer ImageFlow \(bundle format version 2/);
    const empty = await handZip([]);
    await expectRefused(save(empty), 'bundle_invalid', /the \.zip is empty/);
  });

  it('is refused when a file is not the image its name says', async () => {
    const { nodes, files } = sampleTree();
    // A node whose "PNG" is text, with the sha256 of that text.
    const text = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'.repeat(10));
    const node = baseNode(12, nodes[0]!, text);
    const zip = await handBundle({ header: headerFor([nodes[0]!, node], 3), lines: [nodes[0]!, node], files: [...[...files].slice(0, 2), [node.file!, text]] });
    await expectRefused(save(zip), 'bundle_invalid', /is not a PNG image, though its name says so/);
  });

  it('is refused when an entry is compressed or encrypted', async () => {
    const { nodes, files } = sampleTree();
    const compressed = await handZip([
      { name: BUNDLE_MANIFEST, data: manifestText(headerFor(nodes, files.size), nodes) },
      ...[...files].map(([name, data], i) => ({ name, data, compress: i === 1 })),
    ]);
    await expectRefused(save(compressed), 'bundle_invalid', /is packed in a way ImageFlow bundles never use \(method 8\)/);
    const zip = await handBundle({ header: headerFor(nodes, files.size), lines: nodes, files: [...files] });
    // yauzl refuses a stored entry marked encrypted on its own (its sizes differ); a deflated one is ours to refuse.
    const flagged = patchDirectory(zip, BUNDLE_MANIFEST, 8, 0x0001, 2);
    await expectRefused(save(flagged), 'bundle_invalid', /is encrypted/);
    const [name] = files.keys();
    await expectRefused(save(patchDirectory(zip, name!, 8, 0x0001, 2)), 'bundle_invalid');
  });
});
