/**
 * A real S3 server for tests: Ceph's radosgw on loopback, started by scripts/start-radosgw.sh and left running
 * for later runs (it is a test fixture; `scripts/start-radosgw.sh DIR stop` stops it, and its data goes with it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';

export interface Radosgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export const RGW_ACCESS_KEY = 'imageflowtest';
export const RGW_SECRET_KEY = 'imageflowtestsecret';

const SCRIPT = fileURLToPath(new URL('../../../../scripts/start-radosgw.sh', import.meta.url));
const START_TIMEOUT_MS = 150_000;

function rgwPort(): number {
  return Number(process.env.RGW_PORT ?? 7480);
}

/** Where the started server keeps its state (and pid files); one per port, shared by every test run. */
export function radosgwDir(port = rgwPort()): string {
  return path.join(os.tmpdir(), `imageflow-radosgw-${port}`);
}

/** Whether `radosgw` is on the PATH. */
export function radosgwInstalled(): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir || '.', 'radosgw'), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** An S3 client for the test server, with the settings the store uses. */
export function rgwClient(rgw: Radosgw, options: { connectionTimeout?: number; maxAttempts?: number } = {}): S3Client {
  return new S3Client({
    endpoint: rgw.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.connectionTimeout ? { requestHandler: { connectionTimeout: options.connectionTimeout } } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  });
}

type Probe = 'ready' | 'nothing-listening' | { answeredWith: string };

/** A signed ListBuckets with the test keys: what a server on the port says to them. */
async function probe(rgw: Radosgw): Promise<Probe> {
  const client = rgwClient(rgw, { connectionTimeout: 2_000, maxAttempts: 1 });
  try {
    await client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(5_000) });
    return 'ready';
  } catch (err) {
    const e = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (status === undefined) return 'nothing-listening';
    return { answeredWith: `${status} ${e.name ?? ''}`.trim() };
  } finally {
    client.destroy();
  }
}

function testServer(port = rgwPort()): Radosgw {
  return { endpoint: `http://127.0.0.1:${port}`, accessKeyId: RGW_ACCESS_KEY, secretAccessKey: RGW_SECRET_KEY };
}

/** Whether a radosgw that takes the test keys answers on RGW_PORT now (no start). */
export async function radosgwAnswering(): Promise<boolean> {
  return (await probe(testServer())) === 'ready';
}

/**
 * The test S3 server: one already answering on 127.0.0.1:$RGW_PORT (default 7480) is reused; otherwise one is
 * started (~15-40 s) under a lock, so parallel test workers start one between them. Null when radosgw is not
 * installed and none answers.
 */
export async function ensureRadosgw(): Promise<Radosgw | null> {
  const port = rgwPort();
  const rgw = testServer(port);
  const first = await probe(rgw);
  if (first === 'ready') return rgw;
  if (first !== 'nothing-listening') throw portTaken(port, first.answeredWith);
  if (!radosgwInstalled()) return null;

  const dir = radosgwDir(port);
  await fsp.mkdir(dir, { recursive: true });
  const release = await lock(path.join(os.tmpdir(), `imageflow-radosgw-${port}.lock`), rgw);
  try {
    // Another worker may have started it while this one waited for the lock.
    const again = await probe(rgw);
    if (again === 'ready') return rgw;
    if (again !== 'nothing-listening') throw portTaken(port, again.answeredWith);
    await start(dir, port);
    const started = await probe(rgw);
    if (started !== 'ready') {
      throw new Error(`radosgw was started in ${dir} but does not take the test keys (${JSON.stringify(started)}); see ${dir}/log/`);
    }
    return rgw;
  } finally {
    await release();
  }
}

function portTaken(port: number, answer: string): Error {
  return new Error(
    `Something on 127.0.0.1:${port} answers S3 requests but refuses the test keys (${answer}): stop it, or set RGW_PORT to a free port for the test radosgw.`,
  );
}

/**
 * Starts afresh (the script first stops what an earlier start in `dir` left behind, such as a monitor without its
 * gateway). A start that fails is tried once more after a stop: daemons of a run that was just killed can take a
 * moment to let go of their ports.
 */
async function start(dir: string, port: number): Promise<void> {
  const began = Date.now();
  try {
    await run(SCRIPT, [dir], port, START_TIMEOUT_MS);
  } catch (err) {
    console.warn(`[radosgw] first start failed, trying once more: ${(err as Error).message.split('\n')[0]}`);
    await run(SCRIPT, [dir, 'stop'], port, 30_000).catch(() => undefined);
    await run(SCRIPT, [dir], port, START_TIMEOUT_MS);
  }
  console.warn(`[radosgw] started on 127.0.0.1:${port} in ${((Date.now() - began) / 1000).toFixed(1)} s (state in ${dir}; left running for later runs)`);
}

/** Runs the script with its output in DIR/start.log: the servers it starts inherit that file, not a pipe of ours. */
async function run(script: string, args: string[], port: number, timeoutMs: number): Promise<void> {
  const logFile = path.join(args[0]!, args[1] === 'stop' ? 'stop.log' : 'start.log');
  const log = fs.openSync(logFile, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('bash', [script, ...args], { env: { ...process.env, RGW_PORT: String(port) }, stdio: ['ignore', log, log] });
      const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve();
        const tail = fs.readFileSync(logFile, 'utf8').slice(-3000);
        reject(new Error(`${path.basename(script)} ${args.join(' ')} failed (${signal ?? `exit ${code}`}); the end of ${logFile}:\n${tail}`));
      });
    });
  } finally {
    fs.closeSync(log);
  }
}

/**
 * A lock file holding the owner's pid, made with O_EXCL. A lock whose owner has died is taken over; while a live
 * owner holds it, the server it is starting is probed so a waiter can go on as soon as it answers.
 */
async function lock(file: string, rgw: Radosgw): Promise<() => Promise<void>> {
  const deadline = Date.now() + 2 * START_TIMEOUT_MS + 60_000;
  for (;;) {
    try {
      await fsp.writeFile(file, String(process.pid), { flag: 'wx' });
      return () => fsp.rm(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(await fsp.readFile(file, 'utf8').catch(() => ''));
    if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
      // Stale (or still being written: then the owner's content appears within a moment and this retries).
      const stat = await fsp.stat(file).catch(() => null);
      if (stat && Date.now() - stat.mtimeMs > 2_000) await fsp.rm(file, { force: true });
    } else if ((await probe(rgw)) === 'ready') {
      return async () => undefined;
    }
    if (Date.now() > deadline) throw new Error(`Waited too long for process ${owner} to start radosgw (lock ${file}).`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
