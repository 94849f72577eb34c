/**
 * A counting semaphore: holders take one slot, or a weight of several (pixels, bytes), up to
 * `capacity` at once; the rest wait in order, so a heavy waiter is not starved by light ones.
 */
export class Slots {
  private free: number;
  private readonly waiting: Array<{ weight: number; grant: () => void }> = [];

  constructor(private readonly capacity: number) {
    this.free = capacity;
  }

  /** How many callers wait for a slot now. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with a release function once `weight` (at most the capacity) is free; rejects with
   * the signal's reason if it aborts first.
   */
  async acquire(signal?: AbortSignal, weight = 1): Promise<() => void> {
    signal?.throwIfAborted();
    const need = Math.min(Math.max(weight, 1), this.capacity);
    if (this.waiting.length === 0 && this.free >= need) {
      this.free -= need;
    } else {
      await new Promise<void>((resolve, reject) => {
        const entry = {
          weight: need,
          grant: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          this.grantWaiting();
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(entry);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.free += need;
      this.grantWaiting();
    };
  }

  /** Hands free capacity to waiters in order, stopping at the first that does not fit. */
  private grantWaiting(): void {
    while (this.waiting.length > 0 && this.free >= this.waiting[0]!.weight) {
      const next = this.waiting.shift()!;
      this.free -= next.weight;
      next.grant();
    }
  }
}
