/**
 * The source data folder of bench/bundles: trees of real nodes written by the app's own NodeWriter
 * (files logged as pending, stored and synced, thumbnails made, nodes committed), without the engine.
 * Each image is a small PNG of seeded noise over a colour of its own, so no two are alike and their
 * sizes spread from about 1 KB to 20 KB; every LARGE_EVERY-th node is a 512×512 one of about 0.8 MB.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { ActionType } from '@imageflow/shared';
import { KyselyNodeRepository } from '../../apps/api/src/adapters/kysely-node.repository.ts';
import { LocalImageStore } from '../../apps/api/src/adapters/local-image-store.ts';
import { sharpImageOps } from '../../apps/api/src/adapters/sharp-image-ops.ts';
import { cryptoRandom, systemClock } from '../../apps/api/src/adapters/system.ts';
import { loadConfig } from '../../apps/api/src/config.ts';
import { migrate, openDatabase } from '../../apps/api/src/db/database.ts';
import { NodeWriter, type NodeDraft } from '../../apps/api/src/services/node-writer.ts';

/** Bumped when the trees' shape or images change, so an older folder is filled again. */
export const SHAPE_VERSION = 1;
/** Children per inner node; node i's parent is node floor((i - 1) / BRANCHING), breadth first. */
export const BRANCHING = 3;
/** Every this many nodes of a tree, one large image. */
const LARGE_EVERY = 1000;
/** Drafts handed to NodeWriter.write at once (all of them under parents already written). */
const BATCH = 100;

export interface TreeWanted {
  name: string;
  nodes: number;
}

export interface FilledTree extends TreeWanted {
  rootId: number;
  /** The depth of its deepest node (the root is 0). */
  depth: number;
  /** Sum of the stored image files' bytes: what a bundle of the tree carries. */
  bytes: number;
  largest: number;
  smallest: number;
  seconds: number;
}

export interface FillInfo {
  version: number;
  branching: number;
  trees: FilledTree[];
  seconds: number;
}

/** A small seeded generator (xorshift32), so every fill makes the same pixels. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** The PNG of node `i` of tree `treeSeed`: noise of 1 to 8 bits over a colour, RGB or RGBA; large ones 512×512. */
export async function imageOf(treeSeed: number, i: number): Promise<{ png: Buffer; width: number; height: number }> {
  const next = xorshift((treeSeed * 0x01000193) ^ (i * 2654435761));
  const large = i % LARGE_EVERY === LARGE_EVERY - 1;
  const side = large ? 512 : 64;
  const channels = large || next() % 3 !== 0 ? 3 : 4;
  const bits = large ? 7 : 1 + (next() % 8);
  const mask = (1 << bits) - 1;
  const base = [next() & 0xff, next() & 0xff, next() & 0xff, 255 - (bits << 3)];
  const raw = Buffer.allocUnsafe(side * side * channels);
  for (let at = 0; at < raw.length; at += channels) {
    const r = next();
    for (let c = 0; c < channels; c++) raw[at + c] = (base[c]! ^ ((r >>> (c * 8)) & mask)) & 0xff;
  }
  const png = await sharp(raw, { raw: { width: side, height: side, channels } }).png({ compressionLevel: 6 }).toBuffer();
  return { png, width: side, height: side };
}

const PROMPTS = [
  'a lighthouse on a cliff over a stormy sea',
  'a fox in a snowy birch forest at dawn',
  'an old tram in a rainy street at night, neon reflections',
  'a glass greenhouse full of ferns, morning light',
  'a desert canyon under a violet sky',
];
const CHILD_ACTIONS: ActionType[] = ['variation', 'img2img', 'remix', 'edit'];

function draftOf(treeSeed: number, i: number, image: { png: Buffer; width: number; height: number }, parent: NodeDraft['parent']): NodeDraft {
  const action: ActionType = parent ? CHILD_ACTIONS[i % CHILD_ACTIONS.length]! : 'generate';
  const seed = (treeSeed * 100_003 + i) % 4_294_967_295;
  const prompt = `${PROMPTS[(treeSeed + i) % PROMPTS.length]}, take ${i}`;
  return {
    png: image.png,
    width: image.width,
    height: image.height,
    seed,
    prompt,
    negativePrompt: i % 4 === 0 ? 'blurry, low quality' : '',
    model: 'sdxl',
    provider: 'builtin',
    actionType: action,
    spec: { model: 'sdxl', steps: 20, guidance: 7, sampler: 'dpmpp_2m_karras', strength: 0.6, seed, batch_size: 1, width: image.width, height: image.height },
    requestParams: { model: 'sdxl', action_type: action, ...(parent ? { parent_id: parent.id } : {}) },
    ownerId: null,
    parent,
    jobId: null,
  };
}

/** Writes one tree of `wanted.nodes` nodes, breadth first, BRANCHING children per inner node. */
async function fillTree(writer: NodeWriter, repo: KyselyNodeRepository, wanted: TreeWanted, treeSeed: number, log: (line: string) => void): Promise<FilledTree> {
  const started = performance.now();
  const n = wanted.nodes;
  const ids = new Int32Array(n);
  const depths = new Int32Array(n);
  const shas: string[] = new Array(n);
  const parentOf = (i: number) => (i === 0 ? -1 : Math.floor((i - 1) / BRANCHING));
  let bytes = 0;
  let largest = 0;
  let smallest = Infinity;
  let lastLog = performance.now();
  for (let start = 0; start < n; ) {
    // A batch holds only nodes whose parents are already written.
    let end = start + 1;
    while (end < n && end - start < BATCH && parentOf(end) < start) end++;
    const drafts: NodeDraft[] = [];
    for (let i = start; i < end; i++) {
      const p = parentOf(i);
      const parent = p < 0 ? null : { id: ids[p]!, rootId: ids[0]!, depth: depths[p]!, sha256: shas[p]! };
      drafts.push(draftOf(treeSeed, i, await imageOf(treeSeed, i), parent));
    }
    const written = await writer.write(drafts);
    for (const [k, id] of written.entries()) {
      const row = (await repo.findById(id))!;
      const i = start + k;
      ids[i] = id;
      depths[i] = row.depth;
      shas[i] = row.sha256;
      bytes += row.bytes;
      largest = Math.max(largest, row.bytes);
      smallest = Math.min(smallest, row.bytes);
    }
    start = end;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`  ${wanted.name}: ${start.toLocaleString('en')} of ${n.toLocaleString('en')} nodes written (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  return { ...wanted, rootId: ids[0]!, depth: depths[n - 1]!, bytes, largest, smallest, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

/**
 * The data folder `dir` with these trees, reused when a fill of the same shape finished there
 * (its `fill.json` is written last); otherwise emptied and filled again.
 */
export async function ensureSource(dir: string, trees: TreeWanted[], refill: boolean, log: (line: string) => void): Promise<FillInfo> {
  const infoFile = path.join(dir, 'fill.json');
  if (!refill && fs.existsSync(infoFile)) {
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as FillInfo;
    // A folder that holds every tree wanted (and perhaps more) will do.
    const found = trees.map((w) => info.trees.find((t) => t.name === w.name && t.nodes === w.nodes));
    if (info.version === SHAPE_VERSION && info.branching === BRANCHING && found.every(Boolean)) {
      log(`Reusing the source data folder ${path.relative(process.cwd(), dir)} (filled in ${info.seconds} s; BENCH_REFILL=1 fills it again).`);
      return { ...info, trees: found as FilledTree[] };
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const started = performance.now();
  const db = await openDatabase(loadConfig({ IMAGEFLOW_DATA_DIR: dir }));
  try {
    await migrate(db);
    const store = await LocalImageStore.open(dir);
    const repo = new KyselyNodeRepository(db);
    const writer = new NodeWriter(repo, store, sharpImageOps, systemClock, cryptoRandom, 'bench-bundles-fill');
    const filled: FilledTree[] = [];
    for (const [k, wanted] of trees.entries()) {
      log(`Filling ${wanted.name}: ${wanted.nodes.toLocaleString('en')} nodes through NodeWriter...`);
      filled.push(await fillTree(writer, repo, wanted, k + 1, log));
      const t = filled.at(-1)!;
      log(`  ${wanted.name}: ${t.nodes.toLocaleString('en')} nodes, ${(t.bytes / 1024 / 1024).toFixed(1)} MiB of images, in ${t.seconds} s (${((t.seconds * 1000) / t.nodes).toFixed(1)} ms a node)`);
    }
    const info: FillInfo = { version: SHAPE_VERSION, branching: BRANCHING, trees: filled, seconds: Math.round((performance.now() - started) / 100) / 10 };
    fs.writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`);
    return info;
  } finally {
    await db.destroy();
  }
}
