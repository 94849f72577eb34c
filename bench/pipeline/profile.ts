/**
 * bench/pipeline/profile.ts: where the time goes per image, stage by stage, for the builtin engine
 * (render, preview JPEGs, PNG encode, recipe embed, thumbnail, sha256, file writes, DB). Each stage
 * is timed alone with the app's own code; `npx tsx bench/pipeline/profile.ts [size] [images]`.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loadConfig } from '../../apps/api/src/config.ts';
import { migrate, openDatabase } from '../../apps/api/src/db/database.ts';
import { KyselyJobRepository } from '../../apps/api/src/adapters/kysely-job.repository.ts';
import { KyselyNodeRepository } from '../../apps/api/src/adapters/kysely-node.repository.ts';
import { LocalImageStore } from '../../apps/api/src/adapters/local-image-store.ts';
import { sharpImageOps } from '../../apps/api/src/adapters/sharp-image-ops.ts';
import { encodePng } from '../../apps/api/src/providers/builtin/builtin.provider.ts';
import { createRenderJob } from '../../apps/api/src/providers/builtin/render.ts';
import { embedRecipe } from '../../apps/api/src/lib/recipe-chunks.ts';
import { sha256Hex } from '../../apps/api/src/lib/hash.ts';

const size = Number(process.argv[2] ?? 1024);
const count = Number(process.argv[3] ?? 8);
const steps = 30;
const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'imageflow-profile-'));
const store = await LocalImageStore.open(dir);
const config = loadConfig({ IMAGEFLOW_DATA_DIR: dir });
const db = await openDatabase(config);
await migrate(db);
const repo = new KyselyNodeRepository(db);
const jobs = new KyselyJobRepository(db);

const totals = new Map<string, number[]>();
const time = async <T>(name: string, fn: () => Promise<T> | T): Promise<T> => {
  const t0 = performance.now();
  const out = await fn();
  const list = totals.get(name) ?? [];
  list.push(performance.now() - t0);
  totals.set(name, list);
  return out;
};

for (let i = 0; i < count + 1; i++) {
  const job = createRenderJob({ prompt: 'a lighthouse on a cliff over the sea at dusk', width: size, height: size, steps, guidance: 7, seed: 1000 + i, model: 'sdxl' });
  await time('render (30 steps)', () => { for (let s = 0; s < steps; s++) job.renderStep(s); });
  await time('preview JPEGs (3)', async () => {
    for (let k = 0; k < 3; k++) {
      await sharp(Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength), { raw: { width: size, height: size, channels: 3 } })
        .resize({ width: Math.min(256, size) }).jpeg({ quality: 70 }).toBuffer();
    }
  });
  const png = await time('PNG encode', () => encodePng(job.data, size, size));
  const parts = await time('recipe embed', () => embedRecipe(png, { nodeId: i + 1, parentId: null, parentSha256: null, actionType: 'generate', model: 'sdxl', provider: 'builtin', prompt: 'a lighthouse', negativePrompt: '', spec: { width: size, height: size, steps, seed: 1, guidance: 7, sampler: 'euler' } }));
  const thumb = await time('thumbnail from PNG (decode+resize+webp)', () => sharpImageOps.thumbnail(png, 256));
  await time('thumbnail from raw pixels', () => sharp(Buffer.from(job.data.buffer, job.data.byteOffset, job.data.byteLength), { raw: { width: size, height: size, channels: 3 } }).resize(256, 256, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer());
  await time('sha256', () => sha256Hex(parts));
  const name = `sdxl_${crypto.randomUUID()}.png`;
  await time('addPendingFiles', () => repo.addPendingFiles([name, name.replace('.png', '.webp')], new Date().toISOString(), 'p'));
  await time('put image (write+fsync+rename)', () => store.put('images', name, parts));
  await time('put thumb (write+fsync+rename)', () => store.put('thumbs', name.replace(/\.png$/, '.webp'), thumb));
  const [id] = await time('reserveIds', () => repo.reserveIds(1));
  await time('commitNodes (rows + pending log, one transaction)', () =>
    repo.commitNodes(
      [{
        id: id!, is_root: true, parent_id: null, root_id: id!, depth: 0, prompt: 'a lighthouse', negative_prompt: '',
        spec: { width: size, height: size, steps, seed: 1 }, request_params: { prompt: 'a lighthouse' }, image_path: `images/${name}`,
        filename: name, action_type: 'generate', model: 'sdxl', provider: 'builtin', seed: 1, width: size, height: size,
        bytes: parts.reduce((n, p) => n + p.length, 0), sha256: sha256Hex(parts), deleted_at: null, created_at: new Date().toISOString(),
        job_id: null, owner_id: null, original: null, pending_parent_sha256: null,
      }],
      [name, name.replace('.png', '.webp')],
    ),
  );
  await time('progress row updates (30, no row matches)', async () => { for (let s = 0; s < steps; s++) await jobs.updateProgress('none', 'p', s / steps, s, steps); });
}

console.log(`builtin ${size}x${size}, ${steps} steps, ${count} images (first dropped), median ms per image:`);
for (const [name, list] of totals) {
  const sorted = list.slice(1).sort((a, b) => a - b);
  console.log(`  ${name.padEnd(42)} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)}`);
}
await db.destroy();
await fs.rm(dir, { recursive: true, force: true });
