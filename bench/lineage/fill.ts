import crypto from 'node:crypto';
import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import type { ActionType, ModelName } from '@imageflow/shared';
import { migrate, openSqlite } from '../../apps/api/src/db/database.ts';
import { imageFilename } from '../../apps/api/src/lib/filenames.ts';
import { Rng } from './random.ts';
import { ADJECTIVES, MODIFIERS, NEGATIVES, PLACES, STYLES, SUBJECTS, TIMES } from './words.ts';

/** Bump when the shape or the columns of the generated store change, so old files are refilled. */
export const STORE_FORMAT = 1;

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
const ROWS_PER_TRANSACTION = 20_000;
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

const INSERT_SQL = `INSERT INTO image_nodes (
  id, is_root, parent_id, root_id, depth, prompt, negative_prompt, spec_json, request_params, image_path,
  filename, action_type, model, provider, seed, width, height, bytes, sha256, starred, deleted_at, created_at, job_id
) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

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
  const rng = new Rng(20_240_101);

  // Plan the shape: chains and bushy trees spread over the whole id range, small trees for the rest.
  const chains = [CHAIN_DEPTH, ...OTHER_CHAINS].map((size) => newTree(rng, chainParents(size)));
  const bushy = BUSHY_TREES.map((t) => newTree(rng, bushyParents(t.size, t.branching)));
  const big = [...chains, ...bushy];
  let bigRemaining = big.reduce((sum, t) => sum + t.parents.length, 0);
  const smallSizes: number[] = [];
  for (let left = total - bigRemaining; left > 0; ) {
    const size = Math.min(smallTreeSize(rng), left);
    smallSizes.push(size);
    left -= size;
  }
  let nextSmall = 0;
  const inFlight: TreePlan[] = [];
  const takeSmall = () => {
    const size = smallSizes[nextSmall++];
    return size === undefined ? undefined : newTree(rng, smallParents(rng, size));
  };
  for (let i = 0; i < SMALL_TREES_IN_FLIGHT; i++) {
    const tree = takeSmall();
    if (tree) inFlight.push(tree);
  }

  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('cache_size = -262144');
  sqlite.pragma('foreign_keys = ON');
  const insert = sqlite.prepare(INSERT_SQL);
  let deleted = 0;
  let starred = 0;

  const emit = (tree: TreePlan, id: number) => {
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
    const filename = imageFilename(model, action, crypto.randomUUID());
    const createdMs = FIRST_CREATED_AT + id * MS_BETWEEN_NODES;
    const isDeleted = rng.chance(0.003);
    const isStarred = !isDeleted && rng.chance(0.02);
    if (isDeleted) deleted++;
    if (isStarred) starred++;

    insert.run(
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
      (800_000 + rng.int(1_400_000)) * scale * scale,
      crypto.randomBytes(32).toString('hex'),
      isStarred ? 1 : 0,
      isDeleted ? new Date(createdMs + 86_400_000 * (1 + rng.int(60))).toISOString() : null,
      new Date(createdMs).toISOString(),
      upload ? null : crypto.randomUUID(),
    );
  };

  /** Picks the next tree to grow: a big one in proportion to what is left of them, else a small one in flight. */
  const nextTree = (remaining: number): TreePlan => {
    if (rng.next() * remaining < bigRemaining) {
      let r = rng.int(bigRemaining);
      for (const tree of big) {
        const left = tree.parents.length - tree.next;
        if (r < left) {
          bigRemaining--;
          return tree;
        }
        r -= left;
      }
    }
    const slot = rng.int(inFlight.length);
    const tree = inFlight[slot]!;
    if (tree.next === tree.parents.length - 1) {
      const replacement = takeSmall();
      if (replacement) inFlight[slot] = replacement;
      else inFlight.splice(slot, 1);
    }
    return tree;
  };

  const fillBatch = sqlite.transaction((from: number, to: number) => {
    for (let id = from; id <= to; id++) emit(nextTree(total - id + 1), id);
  });
  let lastLog = performance.now();
  for (let from = 1; from <= total; from += ROWS_PER_TRANSACTION) {
    const to = Math.min(from + ROWS_PER_TRANSACTION - 1, total);
    fillBatch(from, to);
    if (performance.now() - lastLog > 10_000 || to === total) {
      lastLog = performance.now();
      const seconds = (lastLog - started) / 1000;
      log(`  ${to.toLocaleString('en')} rows, ${seconds.toFixed(0)} s, ${Math.round(to / seconds).toLocaleString('en')} rows/s`);
    }
  }
  if (big.some((t) => t.next !== t.parents.length) || inFlight.length > 0 || nextSmall < smallSizes.length) {
    throw new Error('fill ended before every planned tree was written');
  }

  sqlite.prepare(`UPDATE id_sequences SET next_value = ? WHERE name = 'image_nodes'`).run(total + 1);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  const seconds = (performance.now() - started) / 1000;

  const chain = chains[0]!;
  const tree = bushy[TREE_UNDER_TEST]!;
  const treeShape = BUSHY_TREES[TREE_UNDER_TEST]!;
  return {
    format: STORE_FORMAT,
    nodes: total,
    chain: { rootId: chain.ids[0]!, deepestId: chain.ids[CHAIN_DEPTH - 1]!, deepestDepth: chain.depths[CHAIN_DEPTH - 1]! },
    tree: {
      rootId: tree.ids[0]!,
      focusId: tree.ids[TREE_FOCUS_LOCAL_INDEX]!,
      focusDepth: tree.depths[TREE_FOCUS_LOCAL_INDEX]!,
      size: treeShape.size,
      branching: treeShape.branching,
    },
    counts: { chains: chains.length, bushyTrees: bushy.length, smallTrees: smallSizes.length, deleted, starred },
    fill: { seconds: Math.round(seconds * 10) / 10, finishedAt: new Date().toISOString() },
  };
}
