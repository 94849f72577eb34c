import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import type { ActionType, ModelName } from '@imageflow/shared';
import { migrate, openSqlite } from '../../apps/api/src/db/database.ts';
import { imageFilename } from '../../apps/api/src/lib/filenames.ts';
import { Rng } from './random.ts';
import { ADJECTIVES, MODIFIERS, NEGATIVES, PLACES, STYLES, SUBJECTS, TIMES } from './words.ts';

/**
 * Bump when the shape or the columns of the generated store change, so old stores are refilled.
 * 2: UUIDs and sha256 come from a seeded generator (they were crypto-random), so every fill of a
 * size, SQLite or PostgreSQL, holds the very same rows.
 */
export const STORE_FORMAT = 2;

/** The long chain whose deepest node the ancestors benchmark starts from. */
export const CHAIN_DEPTH = 10_000;
const OTHER_CHAINS = [2_000, 500];
/** Bushy trees: node i's parent is floor((i - 1) / branching), so every inner node has `branching` children. */
const BUSHY_TREES = [
  { size: 1_200, branching: 3 },
  { size: 2_000, branching: 5 },
  { size: 3_000, branching: 4 },
  { size: 5_000, branching: 4 },
  { size: 8_000, branching: 6 },
  { size: 12_000, branching: 3 },
];
/** Which bushy tree the tree-page benchmark reads, and the node inside it the request is made for. */
const TREE_UNDER_TEST = 3;
const TREE_FOCUS_LOCAL_INDEX = 300;

/** Small trees (1 to 30 nodes) worked on side by side; their nodes interleave in id order. */
const SMALL_TREES_IN_FLIGHT = 32;
/** Rows per transaction (SQLite) and per INSERT statement (PostgreSQL). */
export const ROWS_PER_BATCH = 20_000;
const FIRST_CREATED_AT = Date.UTC(2024, 0, 1);
const MS_BETWEEN_NODES = 20_000;

export const MIN_NODES = 60_000;

export interface StoreInfo {
  format: number;
  nodes: number;
  chain: { rootId: number; deepestId: number; deepestDepth: number };
  tree: { rootId: number; focusId: number; focusDepth: number; size: number; branching: number };
  counts: { chains: number; bushyTrees: number; smallTrees: number; deleted: number; starred: number };
  fill: { seconds: number; finishedAt: string };
}

interface TreePlan {
  /** Local index of each node's parent (-1 for the root); parents come before their children. */
  parents: Int32Array;
  /** Global ids and depths, filled in as the nodes are emitted. */
  ids: Int32Array;
  depths: Int32Array;
  next: number;
  model: ModelName;
  upload: boolean;
  prompt: string;
  negativePrompt: string;
}

const MODELS: readonly ModelName[] = ['sdxl', 'sdxl', 'flux-dev', 'flux-schnell'];
const BACKEND_MODELS: Record<ModelName, string> = {
  sdxl: 'stabilityai/stable-diffusion-xl-base-1.0',
  'flux-dev': 'black-forest-labs/FLUX.1-dev',
  'flux-schnell': 'black-forest-labs/FLUX.1-schnell',
};
const DEFAULTS: Record<ModelName, { steps: number; guidance: number; sampler: string; strength: number }> = {
  sdxl: { steps: 30, guidance: 7, sampler: 'dpmpp_2m_karras', strength: 0.6 },
  'flux-dev': { steps: 28, guidance: 3.5, sampler: 'euler', strength: 0.7 },
  'flux-schnell': { steps: 4, guidance: 0, sampler: 'euler', strength: 0.7 },
};
const SIZES: ReadonlyArray<readonly [number, number]> = [
  [1024, 1024],
  [1024, 1024],
  [832, 1216],
  [1216, 832],
  [768, 1344],
];
/** Actions of derived nodes, weighted by repetition. */
const CHILD_ACTIONS: readonly ActionType[] = [
  'img2img', 'img2img', 'img2img', 'img2img', 'img2img', 'img2img', 'img2img',
  'variation', 'variation', 'variation', 'variation', 'variation', 'variation',
  'remix', 'remix', 'remix',
  'upscale', 'upscale',
  'edit', 'edit',
];

function newTree(rng: Rng, parents: Int32Array): TreePlan {
  const prompt = `${rng.pick(ADJECTIVES)} ${rng.pick(SUBJECTS)} ${rng.pick(PLACES)} ${rng.pick(TIMES)}, ${rng.pick(STYLES)}, ${rng.pick(MODIFIERS)}`;
  return {
    parents,
    ids: new Int32Array(parents.length),
    depths: new Int32Array(parents.length),
    next: 0,
    model: rng.pick(MODELS),
    upload: rng.chance(0.04),
    prompt,
    negativePrompt: rng.pick(NEGATIVES),
  };
}

function chainParents(size: number): Int32Array {
  return Int32Array.from({ length: size }, (_, i) => i - 1);
}

function bushyParents(size: number, branching: number): Int32Array {
  return Int32Array.from({ length: size }, (_, i) => (i === 0 ? -1 : Math.floor((i - 1) / branching)));
}

/** A random recursive tree, leaning towards chains: half the time a node refines the one made just before. */
function smallParents(rng: Rng, size: number): Int32Array {
  return Int32Array.from({ length: size }, (_, i) => (i === 0 ? -1 : rng.chance(0.5) ? i - 1 : rng.int(i)));
}

/** Mostly single images and short explorations; sometimes up to 30 versions. */
function smallTreeSize(rng: Rng): number {
  const r = rng.next();
  return 1 + Math.floor(29 * r * r * r);
}

/** The columns of a generated row, in the order `NodeRows.next()` returns them. */
export const NODE_COLUMNS = [
  'id', 'is_root', 'parent_id', 'root_id', 'depth', 'prompt', 'negative_prompt', 'spec_json', 'request_params', 'image_path',
  'filename', 'action_type', 'model', 'provider', 'seed', 'width', 'height', 'bytes', 'sha256', 'starred', 'deleted_at', 'created_at', 'job_id',
] as const;
export type NodeValues = unknown[];

const INSERT_SQL = `INSERT INTO image_nodes (${NODE_COLUMNS.join(', ')}) VALUES (${NODE_COLUMNS.map(() => '?').join(', ')})`;

/** Random hex from a seeded generator, so identifiers are the same in every fill. */
function hex(rng: Rng, words: number): string {
  let out = '';
  for (let i = 0; i < words; i++) out += rng.uint32().toString(16).padStart(8, '0');
  return out;
}

/** A version-4 UUID from the seeded generator. */
function uuid(rng: Rng): string {
  const h = hex(rng, 4);
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The generated store, row by row: every fill of `total` nodes (SQLite or PostgreSQL) gets the same
 * rows in the same order. Call `next()` for ids 1 to `total`, then `info()`.
 */
export class NodeRows {
  private readonly rng = new Rng(20_240_101);
  /** Identifiers (UUIDs, sha256) come from a generator of their own, so they do not move the shape. */
  private readonly idRng = new Rng(20_240_102);
  private readonly chains: TreePlan[];
  private readonly bushy: TreePlan[];
  private readonly big: TreePlan[];
  private bigRemaining: number;
  private readonly smallSizes: number[] = [];
  private nextSmall = 0;
  private readonly inFlight: TreePlan[] = [];
  private nextId = 1;
  private deleted = 0;
  private starred = 0;

  constructor(readonly total: number) {
    if (total < MIN_NODES) throw new Error(`BENCH_NODES must be at least ${MIN_NODES}.`);
    const rng = this.rng;
    // Plan the shape: chains and bushy trees spread over the whole id range, small trees for the rest.
    this.chains = [CHAIN_DEPTH, ...OTHER_CHAINS].map((size) => newTree(rng, chainParents(size)));
    this.bushy = BUSHY_TREES.map((t) => newTree(rng, bushyParents(t.size, t.branching)));
    this.big = [...this.chains, ...this.bushy];
    this.bigRemaining = this.big.reduce((sum, t) => sum + t.parents.length, 0);
    for (let left = total - this.bigRemaining; left > 0; ) {
      const size = Math.min(smallTreeSize(rng), left);
      this.smallSizes.push(size);
      left -= size;
    }
    for (let i = 0; i < SMALL_TREES_IN_FLIGHT; i++) {
      const tree = this.takeSmall();
      if (tree) this.inFlight.push(tree);
    }
  }

  private takeSmall(): TreePlan | undefined {
    const size = this.smallSizes[this.nextSmall++];
    return size === undefined ? undefined : newTree(this.rng, smallParents(this.rng, size));
  }

  /** The next node's values, in NODE_COLUMNS order. */
  next(): NodeValues {
    const id = this.nextId++;
    if (id > this.total) throw new Error('every node has been generated');
    return this.emit(this.nextTree(this.total - id + 1), id);
  }

  private emit(tree: TreePlan, id: number): NodeValues {
    const rng = this.rng;
    const local = tree.next++;
    const parentLocal = tree.parents[local]!;
    const isRoot = parentLocal < 0;
    const parentId = isRoot ? null : tree.ids[parentLocal]!;
    const depth = isRoot ? 0 : tree.depths[parentLocal]! + 1;
    tree.ids[local] = id;
    tree.depths[local] = depth;

    const upload = isRoot && tree.upload;
    const action: ActionType = isRoot ? (upload ? 'upload' : 'generate') : rng.pick(CHILD_ACTIONS);
    const model = upload ? 'upload' : tree.model;
    const provider = upload ? 'upload' : action === 'upscale' || action === 'edit' ? 'builtin' : 'diffusers';
    const prompt = upload && rng.chance(0.5) ? '' : !isRoot && rng.chance(0.3) ? `${tree.prompt}, ${rng.pick(MODIFIERS)}` : tree.prompt;
    const [baseWidth, baseHeight] = rng.pick(SIZES);
    const scale = action === 'upscale' ? 2 : 1;
    const width = baseWidth * scale;
    const height = baseHeight * scale;
    const seed = upload ? null : rng.uint32();
    const spec = upload
      ? { width, height }
      : {
          model,
          backend_model: BACKEND_MODELS[tree.model],
          ...DEFAULTS[tree.model],
          seed,
          batch_size: 1,
          width,
          height,
          ...(action === 'upscale' ? { upscale: { factor: 2 } } : {}),
        };
    const requestParams = upload
      ? { original_filename: `IMG_${rng.int(10_000)}.png`, bytes: 800_000 + rng.int(2_000_000) }
      : { model, action_type: action, ...(parentId === null ? {} : { parent_id: parentId }), spec: { steps: DEFAULTS[tree.model].steps } };
    const filename = imageFilename(model, action, uuid(this.idRng));
    const createdMs = FIRST_CREATED_AT + id * MS_BETWEEN_NODES;
    const isDeleted = rng.chance(0.003);
    const isStarred = !isDeleted && rng.chance(0.02);
    if (isDeleted) this.deleted++;
    if (isStarred) this.starred++;

    // The order of the rng calls below is part of the shape: keep it.
    const bytes = (800_000 + rng.int(1_400_000)) * scale * scale;
    const sha256 = hex(this.idRng, 8);
    const deletedAt = isDeleted ? new Date(createdMs + 86_400_000 * (1 + rng.int(60))).toISOString() : null;
    return [
      id,
      isRoot ? 1 : 0,
      parentId,
      tree.ids[0]!,
      depth,
      prompt,
      tree.negativePrompt,
      JSON.stringify(spec),
      JSON.stringify(requestParams),
      isDeleted ? null : `images/${filename}`,
      filename,
      action,
      model,
      provider,
      seed,
      width,
      height,
      bytes,
      sha256,
      isStarred ? 1 : 0,
      deletedAt,
      new Date(createdMs).toISOString(),
      upload ? null : uuid(this.idRng),
    ];
  }

  /** Picks the next tree to grow: a big one in proportion to what is left of them, else a small one in flight. */
  private nextTree(remaining: number): TreePlan {
    const rng = this.rng;
    if (rng.next() * remaining < this.bigRemaining) {
      let r = rng.int(this.bigRemaining);
      for (const tree of this.big) {
        const left = tree.parents.length - tree.next;
        if (r < left) {
          this.bigRemaining--;
          return tree;
        }
        r -= left;
      }
    }
    const slot = rng.int(this.inFlight.length);
    const tree = this.inFlight[slot]!;
    if (tree.next === tree.parents.length - 1) {
      const replacement = this.takeSmall();
      if (replacement) this.inFlight[slot] = replacement;
      else this.inFlight.splice(slot, 1);
    }
    return tree;
  }

  /** What the benchmark needs to know about the store; call after the last row. */
  info(seconds: number): StoreInfo {
    if (this.nextId !== this.total + 1 || this.big.some((t) => t.next !== t.parents.length) || this.inFlight.length > 0 || this.nextSmall < this.smallSizes.length) {
      throw new Error('fill ended before every planned tree was written');
    }
    const chain = this.chains[0]!;
    const tree = this.bushy[TREE_UNDER_TEST]!;
    const treeShape = BUSHY_TREES[TREE_UNDER_TEST]!;
    return {
      format: STORE_FORMAT,
      nodes: this.total,
      chain: { rootId: chain.ids[0]!, deepestId: chain.ids[CHAIN_DEPTH - 1]!, deepestDepth: chain.depths[CHAIN_DEPTH - 1]! },
      tree: {
        rootId: tree.ids[0]!,
        focusId: tree.ids[TREE_FOCUS_LOCAL_INDEX]!,
        focusDepth: tree.depths[TREE_FOCUS_LOCAL_INDEX]!,
        size: treeShape.size,
        branching: treeShape.branching,
      },
      counts: { chains: this.chains.length, bushyTrees: this.bushy.length, smallTrees: this.smallSizes.length, deleted: this.deleted, starred: this.starred },
      fill: { seconds: Math.round(seconds * 10) / 10, finishedAt: new Date().toISOString() },
    };
  }
}

/** Logs progress at most every 10 s, and at the end. */
export function progressLog(total: number, started: number, log: (line: string) => void): (done: number) => void {
  let lastLog = performance.now();
  return (done) => {
    if (performance.now() - lastLog > 10_000 || done === total) {
      lastLog = performance.now();
      const seconds = (lastLog - started) / 1000;
      log(`  ${done.toLocaleString('en')} rows, ${seconds.toFixed(0)} s, ${Math.round(done / seconds).toLocaleString('en')} rows/s`);
    }
  };
}

/**
 * Creates the schema with the app's own migrations, then inserts `total` nodes with better-sqlite3
 * directly (one prepared INSERT, large transactions), with every index and the FTS triggers in place.
 */
export async function fillStore(file: string, total: number, log: (line: string) => void): Promise<StoreInfo> {
  if (total < MIN_NODES) throw new Error(`BENCH_NODES must be at least ${MIN_NODES}.`);
  for (const suffix of ['', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });

  const kysely = openSqlite(file);
  await migrate(kysely);
  await kysely.destroy();

  const started = performance.now();
  const rows = new NodeRows(total);

  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -262144');
  sqlite.pragma('foreign_keys = ON');
  const insert = sqlite.prepare(INSERT_SQL);

  const fillBatch = sqlite.transaction((count: number) => {
    for (let i = 0; i < count; i++) insert.run(...rows.next());
  });
  const progress = progressLog(total, started, log);
  for (let from = 1; from <= total; from += ROWS_PER_BATCH) {
    const to = Math.min(from + ROWS_PER_BATCH - 1, total);
    fillBatch(to - from + 1);
    progress(to);
  }

  sqlite.prepare(`UPDATE id_sequences SET next_value = ? WHERE name = 'image_nodes'`).run(total + 1);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  return rows.info((performance.now() - started) / 1000);
}
