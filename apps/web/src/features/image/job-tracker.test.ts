import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '@imageflow/shared';
import { createJobTracker, type EventSourceLike } from './job-tracker';

const job = (status: Job['status'], progress = 0): Job =>
  ({ id: 'j1', status, progress, step: null, total_steps: null, parent_id: 3, images: [] }) as unknown as Job;

class FakeEvents implements EventSourceLike {
  listeners = new Map<string, (e: MessageEvent<string>) => void>();
  onerror: ((e: Event) => void) | null = null;
  closed = false;
  addEventListener(type: string, listener: (e: MessageEvent<string>) => void) {
    this.listeners.set(type, listener);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: Job) {
    this.listeners.get(type)?.({ data: JSON.stringify(data) } as MessageEvent<string>);
  }
}

describe('job tracker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('follows events to the end, then calls onFinished once and forgets the job', () => {
    const events = new FakeEvents();
    const tracker = createJobTracker({ openEvents: () => events, eventsUrl: (id) => `/e/${id}`, fetchJob: vi.fn() });
    const onFinished = vi.fn();
    tracker.track(job('queued'), 'Variation', { onFinished });
    expect(tracker.getSnapshot()).toHaveLength(1);

    events.emit('progress', job('running', 0.5));
    expect(tracker.getSnapshot()[0]!.job.progress).toBe(0.5);

    events.emit('completed', job('succeeded', 1));
    events.emit('completed', job('succeeded', 1));
    expect(onFinished).toHaveBeenCalledTimes(1);
    expect(onFinished.mock.calls[0]![0].status).toBe('succeeded');
    expect(tracker.getSnapshot()).toHaveLength(0);
    expect(events.closed).toBe(true);
  });

  it('falls back to polling when the stream breaks', async () => {
    const events = new FakeEvents();
    const fetchJob = vi.fn().mockResolvedValueOnce(job('running', 0.7)).mockResolvedValueOnce(job('failed'));
    const tracker = createJobTracker({ openEvents: () => events, eventsUrl: (id) => id, fetchJob, pollMs: 100 });
    const onFinished = vi.fn();
    tracker.track(job('running', 0.1), 'Upscale ×2', { onFinished });
    events.onerror?.(new Event('error'));
    expect(events.closed).toBe(true);

    await vi.advanceTimersByTimeAsync(100);
    expect(tracker.getSnapshot()[0]!.job.progress).toBe(0.7);
    await vi.advanceTimersByTimeAsync(100);
    expect(onFinished).toHaveBeenCalledWith(expect.objectContaining({ status: 'failed' }));
    expect(fetchJob).toHaveBeenCalledTimes(2);
  });

  it('polls when EventSource is unavailable and gives up after repeated errors', async () => {
    const fetchJob = vi.fn().mockRejectedValue(new Error('down'));
    const tracker = createJobTracker({ openEvents: () => null, eventsUrl: (id) => id, fetchJob, pollMs: 10, maxPollErrors: 3 });
    const onLost = vi.fn();
    tracker.track(job('queued'), 'Edit', { onLost });
    await vi.advanceTimersByTimeAsync(100);
    expect(fetchJob).toHaveBeenCalledTimes(3);
    expect(onLost).toHaveBeenCalledOnce();
    expect(tracker.getSnapshot()).toHaveLength(0);
  });

  it('notifies subscribers', () => {
    const events = new FakeEvents();
    const tracker = createJobTracker({ openEvents: () => events, eventsUrl: (id) => id, fetchJob: vi.fn() });
    const listener = vi.fn();
    const unsubscribe = tracker.subscribe(listener);
    tracker.track(job('queued'), 'Variation');
    events.emit('progress', job('running', 0.2));
    expect(listener).toHaveBeenCalledTimes(2);
    unsubscribe();
    tracker.forget('j1');
    expect(listener).toHaveBeenCalledTimes(2);
  });
});
