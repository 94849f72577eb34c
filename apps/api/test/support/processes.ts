/**
 * Real ImageFlow processes for tests and benchmarks: `node --import tsx apps/api/src/main.ts`, run from
 * the repository root with an environment of the caller's own, their output kept (the end of it) so that
 * a failure can say what the process said.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const MAIN = path.join(REPO_ROOT, 'apps/api/src/main.ts');
/** How much of a process's output is kept: the end of it, which is what says why it failed. */
const OUTPUT_KEPT = 64 * 1024;

/**
 * Variables of the caller's environment a child must not inherit: ImageFlow's own configuration (a
 * developer's DATABASE_URL or REDIS_URL must not leak into a test's processes) and the test runner's.
 */
const NOT_INHERITED = /^(IMAGEFLOW_|DATABASE_URL$|REDIS_URL$|AWS_|PORT$|HOST$|COMFYUI_URL$|A1111_|FAL_KEY$|REPLICATE_API_TOKEN$|BFL_API_KEY$|OPENAI_API_KEY$|VITEST|NODE_ENV$|NODE_OPTIONS$|INIT_CWD$)/;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running ImageFlow process. */
export class ImageflowProcess {
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;
  private out = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.out += chunk.toString('utf8');
      if (this.out.length > OUTPUT_KEPT * 2) this.out = this.out.slice(-OUTPUT_KEPT);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  /**
   * Starts `apps/api/src/main.ts` with `env` over a cleaned copy of this process's environment (PATH,
   * HOME, ... but no ImageFlow configuration of the caller's).
   */
  static start(name: string, env: Record<string, string>): ImageflowProcess {
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && !NOT_INHERITED.test(k))) as Record<string, string>;
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: REPO_ROOT,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new ImageflowProcess(name, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Null while it runs. */
  get exitStatus(): Exit | null {
    return this.exit;
  }

  /** The end of what it wrote to stdout and stderr. */
  output(chars = 4000): string {
    return this.out.slice(-chars);
  }

  /** "name (pid N) exited with ...: <its last lines>", for failure messages. */
  describe(): string {
    const state = this.exit ? `exited with ${this.exit.signal ?? `code ${this.exit.code}`}` : 'is running';
    const said = this.output().trim();
    return `${this.name} (pid ${this.child.pid}) ${state}; ${said ? `its output ends with:\n${said}` : 'it wrote nothing'}`;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.exit === null) this.child.kill(signal);
  }

  /** SIGKILL, resolved once the process is gone. */
  async kill(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }

  /** SIGTERM (a graceful stop), then SIGKILL if it is still there after `graceMs`. Resolves once it is gone. */
  async stop(graceMs = 5_000): Promise<Exit> {
    if (this.exit) return this.exit;
    this.signal('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    const first = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (first === 'late') this.signal('SIGKILL');
    return this.exited;
  }

  /** Resolves once `url` answers 2xx; throws (with the process's output) if the process ends first or after `ms`. */
  async waitForHttp(url: string, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`${this.describe()}\n(while waiting for ${url})`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${url} did not answer within ${ms / 1000} s; ${this.describe()}`);
  }
}

/** Stops every process (SIGTERM, then SIGKILL after `graceMs`), all at once. */
export async function stopAll(processes: Iterable<ImageflowProcess>, graceMs = 5_000): Promise<void> {
  await Promise.all([...processes].map((p) => p.stop(graceMs)));
}

/** A TCP port on loopback that nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
