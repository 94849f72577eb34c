/**
 * What a server process still holds after full collections, read through the inspector it was
 * started with (NODE_OPTIONS=--inspect=127.0.0.1:PORT): the V8 heap in use and the memory of Buffers
 * outside it. Unlike the resident set, this does not count garbage waiting for a collection, nor
 * memory the allocator keeps for reuse.
 */
import { WebSocket } from 'undici';

export interface Retained {
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

/** heapUsed + external: what a full collection cannot free. (external includes arrayBuffers.) */
export const retainedBytes = (r: Retained) => r.heapUsed + r.external;

export class Inspector {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) waiting?.reject(new Error(message.error.message));
      else waiting?.resolve(message.result);
    });
  }

  /** Connects to the process's main thread on `port`, retrying while it starts. */
  static async connect(port: number, ms = 60_000): Promise<Inspector> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
        const url = targets[0]?.webSocketDebuggerUrl;
        if (url) {
          const socket = new WebSocket(url);
          await new Promise<void>((resolve, reject) => {
            socket.addEventListener('open', () => resolve(), { once: true });
            socket.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
          });
          return new Inspector(socket);
        }
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (Date.now() > deadline) throw new Error(`no inspector on 127.0.0.1:${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Two full collections (the second once the first has released the Buffers it freed), then process.memoryUsage(). */
  async retained(): Promise<Retained> {
    await this.send('HeapProfiler.collectGarbage');
    await new Promise((r) => setTimeout(r, 20));
    await this.send('HeapProfiler.collectGarbage');
    const { result } = await this.send<{ result: { value: string } }>('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    return JSON.parse(result.value) as Retained;
  }

  close(): void {
    this.socket.close();
  }
}
