/**
 * The reference for an export: the same image files put in a .zip with nothing else around them.
 * yazl (the library the export uses) streaming each file from disk, stored as it is like the
 * bundle's files; and the `zip` command (`zip -0`, stored), when it is installed.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

export interface TreeFile {
  /** The file in the data folder's images/ folder. */
  filename: string;
  sha256: string;
  bytes: number;
}

export interface ZipTimed {
  seconds: number;
  bytes: number;
}

/** yazl writing `files/<sha256>.png` for each file, each opened only when its turn comes. */
export async function bareYazl(imagesDir: string, files: readonly TreeFile[], out: string): Promise<ZipTimed> {
  const started = performance.now();
  const zip = new yazl.ZipFile();
  const mtime = new Date();
  for (const file of files) {
    zip.addReadStreamLazy(`files/${file.sha256}.png`, { compress: false, size: file.bytes, mtime }, (cb) => cb(null, fs.createReadStream(path.join(imagesDir, file.filename))));
  }
  zip.end();
  await pipeline(zip.outputStream, fs.createWriteStream(out));
  return { seconds: (performance.now() - started) / 1000, bytes: fs.statSync(out).size };
}

/** Whether the `zip` command is there. */
export function hasZipCommand(): boolean {
  try {
    execFileSync('zip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `zip -0 -q -X out -@` in the images folder, the names given on stdin. */
export async function zipCommand(imagesDir: string, files: readonly TreeFile[], out: string): Promise<ZipTimed> {
  fs.rmSync(out, { force: true });
  const started = performance.now();
  const child = spawn('zip', ['-0', '-q', '-X', out, '-@'], { cwd: imagesDir, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stdin.end(files.map((f) => f.filename).join('\n') + '\n');
  const code = await exited;
  if (code !== 0) throw new Error(`zip exited with ${code}: ${stderr.trim()}`);
  return { seconds: (performance.now() - started) / 1000, bytes: fs.statSync(out).size };
}
