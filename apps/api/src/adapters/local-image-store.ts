import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Bucket, ImageStore } from '../ports/image-store.port.ts';
import { isImageFilename, isThumbnailFilename } from '../lib/filenames.ts';

const TEMP_PREFIX = '.tmp-';
const BUCKETS: Bucket[] = ['images', 'thumbs'];

/** Images in `{root}/images`, thumbnails in `{root}/thumbs`; each write goes to a temp file, is synced, then renamed. */
export class LocalImageStore implements ImageStore {
  private constructor(private readonly root: string) {}

  static async open(root: string): Promise<LocalImageStore> {
    for (const bucket of BUCKETS) await fs.mkdir(path.join(root, bucket), { recursive: true });
    return new LocalImageStore(path.resolve(root));
  }

  private pathOf(bucket: Bucket, filename: string): string {
    const valid = bucket === 'images' ? isImageFilename(filename) : isThumbnailFilename(filename);
    if (!valid) throw new Error(`refusing a file name the store did not make: ${JSON.stringify(filename)}`);
    return path.join(this.root, bucket, filename);
  }

  async put(bucket: Bucket, filename: string, data: Buffer): Promise<void> {
    const target = this.pathOf(bucket, filename);
    const temp = path.join(this.root, bucket, `${TEMP_PREFIX}${crypto.randomUUID()}`);
    const handle = await fs.open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await fs.rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    try {
      await fs.rename(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
  }

  get(bucket: Bucket, filename: string): Promise<Buffer> {
    return fs.readFile(this.pathOf(bucket, filename));
  }

  async exists(bucket: Bucket, filename: string): Promise<boolean> {
    try {
      await fs.access(this.pathOf(bucket, filename));
      return true;
    } catch {
      return false;
    }
  }

  async remove(bucket: Bucket, filename: string): Promise<void> {
    await fs.rm(this.pathOf(bucket, filename), { force: true });
  }

  async sweepIncomplete(): Promise<number> {
    let removed = 0;
    for (const bucket of BUCKETS) {
      const dir = path.join(this.root, bucket);
      for (const name of await fs.readdir(dir)) {
        if (!name.startsWith(TEMP_PREFIX)) continue;
        await fs.rm(path.join(dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  localRoot(bucket: Bucket): string {
    return path.join(this.root, bucket);
  }
}
