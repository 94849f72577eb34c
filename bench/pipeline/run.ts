/**
 * bench/pipeline: what one image costs beside the engine. In one process, in alternating rounds:
 *
 *   e2e        a generation job through the app's real services (GenerationService → queue →
 *              JobRunner → builtin engine → NodeWriter → files and rows), nobody following it
 *   followed   the same, with a follower on the job's events (as an SSE client is), counting previews
 *   engine     the builtin engine alone: render → PNG bytes
 *   bare       the reference: a sharp PNG encode of the same raw pixels + a 256 px WebP thumbnail + sha256
 *
 * and reports ms per image and the ratio (e2e − engine) / bare, per round and as the median.
 * Usage: `npm run bench:pipeline` (results in bench/pipeline/RESULTS.md).
 *
 *   BENCH_SIZES=1024,512   square sizes to run (default 1024,512)
 *   BENCH_IMAGES=6         images per case per round (default 6)
 *   BENCH_ROUNDS=7         rounds (default 7); the case order rotates each round
 *   BENCH_STEPS=30         steps per image (default 30, the sdxl default)
 *   BENCH_DATA_DIR=dir     where the store and database go (default a fresh folder under the OS temp dir)
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { GenerationRequest } from '@imageflow/shared';
import { buildApp, type BuiltApp } from '../../apps/api/src/app.ts';
import { loadConfig } from '../../apps/api/src/config.ts';
import { migrate, openDatabase, type Db } from '../../apps/api/src/db/database.ts';
import { LocalImageStore } from '../../apps/api/src/adapters/local-image-store.ts';
import { sharpImageOps } from '../../apps/api/src/adapters/sharp-image-ops.ts';
import { cryptoRandom, systemClock } from '../../apps/api/src/adapters/system.ts';
import { BuiltinProvider, encodePng } from '../../apps/api/src/providers/builtin/builtin.provider.ts';
import { createRenderJob } from '../../apps/api/src/providers/builtin/render.ts';
import { LOCAL_ACTOR } from '../../apps/api/src/services/access.ts';
import { ProviderRegistry } from '../../apps/api/src/services/provider-registry.ts';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number, got ${JSON.stringify(raw)}.`);
  return value;
}

const sizes = (process.env.BENCH_SIZES ?? '1024,512').split(',').map((s) => Number(s.trim()));
if (sizes.some((s) => !Number.isInteger(s) || s < 64 || s > 2048)) throw new Error('BENCH_SIZES must be sizes between 64 and 2048, e.g. 1024,512.');
const images = envInt('BENCH_IMAGES', 6);
const rounds = envInt('BENCH_ROUNDS', 7);
const steps = envInt('BENCH_STEPS', 30);
const PROMPT = 'a lighthouse on a cliff over the sea at dusk, pine trees, stars';
const MODEL = 'sdxl';
const THUMB = 256;

const dataDir = process.env.BENCH_DATA_DIR ? path.resolve(process.env.BENCH_DATA_DIR) : await fs.mkdtemp(path.join(os.tmpdir(), 'imageflow-bench-pipeline-'));
await fs.mkdir(dataDir, { recursive: true });

/** The app as `npm start` wires it, on SQLite and the local store, with the builtin engine. */
async function startApp(): Promise<{ built: BuiltApp; db: Db }> {
  const config = loadConfig({ IMAGEFLOW_DATA_DIR: dataDir, IMAGEFLOW_LOG_LEVEL: 'silent' });
  const db = await openDatabase(config);
  await migrate(db);
  const built = await buildApp({
    config,
    db,
    store: await LocalImageStore.open(dataDir),
    ops: sharpImageOps,
    providers: ProviderRegistry.single(new BuiltinProvider()),
    clock: systemClock,
    random: cryptoRandom,
  });
  await built.app.ready();
  await built.start();
  return { built, db };
}

const { built, db } = await startApp();
const { generations } = built.services;
const engine = new BuiltinProvider();

const spec = (size: number, seed: number) => ({ width: size, height: size, steps, seed, batch_size: 1 });
let seedCounter = 1000;

/** One job, submitted and waited for as `POST /api/images/generate` does; optionally followed as the SSE route does. */
async function e2e(size: number, seed: number, follow: boolean): Promise<{ ms: number; previews: number }> {
  const t0 = performance.now();
  const job = await generations.submit(GenerationRequest.parse({ prompt: PROMPT, model: MODEL, spec: spec(size, seed) }), 'bench', LOCAL_ACTOR);
  let previews = 0;
  let following: Awaited<ReturnType<typeof generations.follow>> | undefined;
  if (follow) {
    following = await generations.follow(job.id, LOCAL_ACTOR);
    following.start((event) => {
      if (event.type === 'preview') previews++;
    });
  }
  const done = await generations.waitUntilFinished(job.id);
  const ms = performance.now() - t0;
  following?.stop();
  if (done.status !== 'succeeded') throw new Error(`job ${job.id} ${done.status}: ${JSON.stringify(done.error)}`);
  return { ms, previews };
}

async function engineAlone(size: number, seed: number): Promise<number> {
  const t0 = performance.now();
  const [image] = await engine.generate({ model: MODEL, prompt: PROMPT, negativePrompt: '', spec: { ...defaults(size), seed } });
  if (!image?.png.length) throw new Error('the engine made no image');
  return performance.now() - t0;
}

function defaults(size: number) {
  return { width: size, height: size, steps, guidance: 7, sampler: 'dpmpp_2m_karras', strength: 0.6, batch_size: 1, seed: 0 } as const;
}

/** The raw pixels the engine renders for `size` (rendered once, outside the timings). */
const rasters = new Map<number, Buffer>();
function raster(size: number): Buffer {
  let data = rasters.get(size);
  if (!data) {
    const job = createRenderJob({ prompt: PROMPT, width: size, height: size, steps, guidance: 7, seed: 1000, model: MODEL, sampler: 'dpmpp_2m_karras' });
    for (let s = 0; s < steps; s++) job.renderStep(s);
    data = Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength);
    rasters.set(size, data);
  }
  return data;
}

/** The reference: encode, thumbnail and hash the same pixels, one after the other, nothing else. */
async function bare(size: number): Promise<number> {
  const pixels = raster(size);
  const t0 = performance.now();
  const png = await encodePng(pixels, size, size);
  const thumb = await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
    .resize(THUMB, THUMB, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80 })
    .toBuffer();
  const hash = crypto.createHash('sha256').update(png).digest('hex');
  if (!thumb.length || hash.length !== 64) throw new Error('bare reference failed');
  return performance.now() - t0;
}

type Case = 'e2e' | 'followed' | 'engine' | 'bare';
const CASES: Case[] = ['e2e', 'followed', 'engine', 'bare'];
type Sample = { wall: number; cpu: number };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const spread = (xs: number[]) => `${f2(median(xs))} (${f2(Math.min(...xs))}–${f2(Math.max(...xs))})`;

/** Wall time and this process's CPU time (every thread: libvips and libuv work included) of one run. */
async function measure(run: () => Promise<unknown>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 };
}

console.log(`bench/pipeline: builtin engine, ${steps} steps, sizes ${sizes.join(', ')}, ${images} images per case per round, ${rounds} rounds`);
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), load ${os.loadavg().map(f2).join(' ')}`);
console.log(`data: ${dataDir}`);

const summary: string[] = [];
for (const size of sizes) {
  raster(size);
  // Warm-up: one of each, not counted.
  await e2e(size, seedCounter++, false);
  await e2e(size, seedCounter++, true);
  await engineAlone(size, seedCounter++);
  await bare(size);

  type Round = Record<Case, Sample> & { beside: Sample; besideFollowed: Sample; previews: number };
  const perRound: Round[] = [];
  /** Every image of every round: the job's time beside the engine, and the reference's. */
  const pooled = { beside: [] as Sample[], besideFollowed: [] as Sample[], bare: [] as Sample[] };
  for (let r = 0; r < rounds; r++) {
    const samples: Record<Case, Sample[]> = { e2e: [], followed: [], engine: [], bare: [] };
    let previews = 0;
    for (let i = 0; i < images; i++) {
      // The same seed for the jobs and the engine alone, so they render the same picture; the
      // cases alternate image by image, in an order that rotates, so a change in load hits them alike.
      const seed = seedCounter++;
      for (let k = 0; k < CASES.length; k++) {
        const c = CASES[(k + i + r) % CASES.length]!;
        if (c === 'e2e') samples.e2e.push(await measure(() => e2e(size, seed, false)));
        else if (c === 'followed') {
          samples.followed.push(await measure(async () => (previews += (await e2e(size, seed, true)).previews)));
        } else if (c === 'engine') samples.engine.push(await measure(() => engineAlone(size, seed)));
        else samples.bare.push(await measure(() => bare(size)));
      }
    }
    // Per image, the job's time beside the engine: the job minus the engine alone on the same seed, run side by side.
    const beside = (c: 'e2e' | 'followed', k: keyof Sample) => median(samples[c].map((x, i) => x[k] - samples.engine[i]![k]));
    const minus = (a: Sample, b: Sample): Sample => ({ wall: a.wall - b.wall, cpu: a.cpu - b.cpu });
    pooled.beside.push(...samples.e2e.map((x, i) => minus(x, samples.engine[i]!)));
    pooled.besideFollowed.push(...samples.followed.map((x, i) => minus(x, samples.engine[i]!)));
    pooled.bare.push(...samples.bare);
    const pick = (c: Case): Sample => ({ wall: median(samples[c].map((x) => x.wall)), cpu: median(samples[c].map((x) => x.cpu)) });
    const row: Round = {
      e2e: pick('e2e'),
      followed: pick('followed'),
      engine: pick('engine'),
      bare: pick('bare'),
      beside: { wall: beside('e2e', 'wall'), cpu: beside('e2e', 'cpu') },
      besideFollowed: { wall: beside('followed', 'wall'), cpu: beside('followed', 'cpu') },
      previews: previews / images,
    };
    perRound.push(row);
    console.log(
      `  ${size}² round ${r + 1}: wall e2e ${f1(row.e2e.wall)} · followed ${f1(row.followed.wall)} · engine ${f1(row.engine.wall)} · bare ${f1(row.bare.wall)} ms/image` +
        ` → ratio ${f2(row.beside.wall / row.bare.wall)} (followed ${f2(row.besideFollowed.wall / row.bare.wall)});` +
        ` cpu: e2e ${f1(row.e2e.cpu)} · engine ${f1(row.engine.cpu)} · bare ${f1(row.bare.cpu)} → ratio ${f2(row.beside.cpu / row.bare.cpu)} (followed ${f2(row.besideFollowed.cpu / row.bare.cpu)}); previews/image followed ${f1(row.previews)}`,
    );
  }
  const ratios = (c: 'e2e' | 'followed', k: keyof Sample) => perRound.map((r) => (c === 'e2e' ? r.beside : r.besideFollowed)[k] / r.bare[k]);
  const med = (c: Case, k: keyof Sample) => median(perRound.map((r) => r[c][k]));
  const all = (c: 'beside' | 'besideFollowed', k: keyof Sample) => f2(median(pooled[c].map((x) => x[k])) / median(pooled.bare.map((x) => x[k])));
  summary.push(
    `| ${size}×${size} | wall | ${f1(med('e2e', 'wall'))} | ${f1(med('followed', 'wall'))} | ${f1(med('engine', 'wall'))} | ${f1(med('bare', 'wall'))} | ${f1(median(perRound.map((r) => r.beside.wall)))} | ` +
      `**${all('beside', 'wall')}** · ${spread(ratios('e2e', 'wall'))} | ${all('besideFollowed', 'wall')} · ${spread(ratios('followed', 'wall'))} | ${f1(median(perRound.map((r) => r.previews)))} |`,
    `| ${size}×${size} | cpu | ${f1(med('e2e', 'cpu'))} | ${f1(med('followed', 'cpu'))} | ${f1(med('engine', 'cpu'))} | ${f1(med('bare', 'cpu'))} | ${f1(median(perRound.map((r) => r.beside.cpu)))} | ` +
      `**${all('beside', 'cpu')}** · ${spread(ratios('e2e', 'cpu'))} | ${all('besideFollowed', 'cpu')} · ${spread(ratios('followed', 'cpu'))} | |`,
  );
}

console.log('\nms per image (median of round medians); e2e − engine: per image, the job minus the engine alone on the same seed (median);\nratio = (e2e − engine) / bare: over every image of every run (bold), then per round: the median of the rounds (min–max)\n');
console.log('| size | time | e2e | followed | engine | bare | e2e − engine | ratio | followed ratio | previews/image (followed) |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const line of summary) console.log(line);
console.log(`\nload after: ${os.loadavg().map(f2).join(' ')}`);

await built.app.close();
await db.destroy();
if (!process.env.BENCH_DATA_DIR) await fs.rm(dataDir, { recursive: true, force: true });
