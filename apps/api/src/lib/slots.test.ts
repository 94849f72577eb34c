import { describe, expect, it } from 'vitest';
import { Slots } from './slots.ts';

describe('Slots', () => {
  it('grants at most n at once and hands a released slot to the longest waiter', async () => {
    const slots = new Slots(2);
    const a = await slots.acquire();
    await slots.acquire();
    const order: string[] = [];
    const c = slots.acquire().then((release) => (order.push('c'), release));
    const d = slots.acquire().then((release) => (order.push('d'), release));
    expect(slots.waitingCount).toBe(2);
    a();
    a(); // releasing twice frees one slot only
    await c;
    expect(order).toEqual(['c']);
    expect(slots.waitingCount).toBe(1);
    (await c)();
    await d;
    expect(order).toEqual(['c', 'd']);
  });

  it('a waiter whose signal aborts leaves the queue with the reason', async () => {
    const slots = new Slots(1);
    const release = await slots.acquire();
    const controller = new AbortController();
    const waiting = slots.acquire(controller.signal);
    controller.abort(new Error('client went away'));
    await expect(waiting).rejects.toThrow('client went away');
    expect(slots.waitingCount).toBe(0);
    release();
    // The slot went back to the pool, not to the aborted waiter.
    const again = await slots.acquire();
    again();
    await expect(slots.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('weighs holders: a heavy one waits for room, and light ones queued behind it wait their turn', async () => {
    const slots = new Slots(10);
    const small = await slots.acquire(undefined, 4);
    const order: string[] = [];
    const heavy = slots.acquire(undefined, 10).then((release) => (order.push('heavy'), release));
    const light = slots.acquire(undefined, 1).then((release) => (order.push('light'), release));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    small();
    (await heavy)();
    (await light)();
    expect(order).toEqual(['heavy', 'light']);
    // A weight above the capacity is held to it rather than waiting forever.
    (await slots.acquire(undefined, 1e9))();
  });
});
