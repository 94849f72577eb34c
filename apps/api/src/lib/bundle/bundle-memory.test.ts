import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, expect, it } from 'vitest';
import { bundleImageEntry, type BundleNode } from '@imageflow/shared';
import { openBundle } from './read.ts';
import { prepareBundle, writeBundle, type BundleNodes } from './write.ts';

const NODES = 10_000;
const FILE_BYTES = 20 * 1024;
const TOTAL = NODES * FILE_BYTES;

const dir = mkdtempSync(path.join(os.tmpdir(), 'imageflow-bundle-memory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * What the process holds, in the heap and in the buffers outside it, after full collections (the
 * second once the first has had a moment to release the buffers it freed).
 */
async function retained(): Promise<number> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 5));
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** The file of node `i`: a PNG signature and FILE_BYTES of bytes that follow from i, made anew each time. */
function fileOf(i: number): Buffer {
  const data = Buffer.allocUnsafe(FILE_BYTES);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(data);
  let x = (i * 2654435761) >>> 0 || 1;
  for (let at = 8; at + 4 <= FILE_BYTES; at += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data.writeUInt32LE(x >>> 0, at);
  }
  return data;
}

/** The hash of each file, as the database keeps it: 10,000 short strings, not the files. */
const hashes = new Map<number, string>();
function sha256Of(i: number): string {
  let sha = hashes.get(i);
  if (sha === undefined) {
    sha = createHash('sha256').update(fileOf(i)).digest('hex');
    hashes.set(i, sha);
  }
  return sha;
}

/** Node i (from 1), breadth first: node i's parent is node floor(i / 4). Nothing is kept between calls. */
function nodeOf(i: number): BundleNode {
  const sha = sha256Of(i);
  const parent = i === 1 ? null : Math.floor(i / 4) || 1;
  return {
    key: i,
    parent_key: parent,
    parent_sha256: parent === null ? null : sha256Of(parent),
    action_type: i === 1 ? 'generate' : 'variation',
    model: 'sdxl',
    provider: 'builtin',
    prompt: `a lighthouse at dusk, variation ${i}`,
    negative_prompt: '',
    seed: i,
    spec: { width: 64, height: 64, steps: 4, seed: i },
    request_params: {},
    width: 64,
    height: 64,
    created_at: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    starred: i % 7 === 0,
    deleted: false,
    sha256: sha,
    bytes: FILE_BYTES,
    file: bundleImageEntry(sha),
    original: null,
  };
}

it(
  `streams ${NODES} nodes with ${NODES * FILE_BYTES / 1024 / 1024} MB of files out and back in, holding far less than that`,
  async () => {
    let peak = 0;
    const sample = async (i: number) => {
      if (i % 1000 === 0) peak = Math.max(peak, await retained());
    };
    const nodes: BundleNodes = async function* () {
      for (let i = 1; i <= NODES; i++) {
        await sample(i);
        yield nodeOf(i);
      }
    };
    const file = path.join(dir, 'big.zip');
    for (let i = 1; i <= NODES; i++) sha256Of(i);
    const before = await retained();

    const header = await prepareBundle({ exported_at: '2025-03-01T10:00:00.000Z', app_version: '0.1.0', scope: 'tree' }, nodes);
    expect(header).toMatchObject({ node_count: NODES, file_count: NODES });
    let opened = 0;
    await writeBundle(createWriteStream(file), header, nodes, async (entry) => {
      await sample(++opened);
      return Readable.from([fileOf(entry.key)]);
    });
    expect(opened).toBe(NODES);
    expect(statSync(file).size).toBeGreaterThan(TOTAL);

    const bundle = await openBundle(file, { maxTotalBytes: 2 * TOTAL });
    try {
      // verify() streams every file inside: look in on it as it goes.
      const watch = setInterval(() => void sample(1000), 500);
      await bundle.verify().finally(() => clearInterval(watch));
      let count = 0;
      for await (const node of bundle.nodes()) {
        await sample(++count);
        if (node.key % 2500 === 0) {
          const chunks: Buffer[] = [];
          for await (const chunk of await bundle.openFile(node.file!)) chunks.push(chunk as Buffer);
          expect(Buffer.concat(chunks).equals(fileOf(node.key))).toBe(true);
        }
      }
      expect(count).toBe(NODES);
    } finally {
      await bundle.close();
    }

    peak = Math.max(peak, await retained());
    const growth = peak - before;
    // The zip's directory and a key and a hash per node are kept (about 1.5 KB a node, some 15 MB);
    // the files (200 MB) never are.
    expect(growth).toBeLessThan(TOTAL / 8);
  },
  120_000,
);
