import { describe, expect, it } from 'vitest';
import type { QueueJob } from '@/lib/api-client';
import { makeJob } from '@/features/generate/testing';
import { elapsedSince, jobFacts, jobTitle, positionLabel, runOrder } from './describe';

const job = (fields: Partial<QueueJob>): QueueJob => ({ ...makeJob(fields), position: null, ...fields });

describe('describing a job', () => {
  it('names it by its prompt, or by what it does to which image', () => {
    expect(jobTitle(job({ request: { prompt: '  neon city  ' } }))).toBe('neon city');
    expect(jobTitle(job({ action_type: 'variation', parent_id: 4, request: { parent_id: 4, action_type: 'variation' } }))).toBe('Variation of #4');
    expect(jobTitle(job({ action_type: 'upscale', parent_id: 4, request: { parent_id: 4, upscale: { factor: 2 } } }))).toBe('Upscale ×2 of #4');
    expect(jobTitle(job({ action_type: 'edit', parent_id: 9, request: { parent_id: 9, edit: { rotate: 90 } } }))).toBe('Edit of #9');
  });

  it('lists the recipe facts worth a glance', () => {
    expect(jobFacts(job({ model: 'flux-dev', request: { prompt: 'x', spec: { width: 768, height: 512, steps: 20, batch_size: 4 } } }))).toEqual([
      'FLUX.1 [dev]',
      '768 × 512',
      '4 images',
      '20 steps',
    ]);
    expect(jobFacts(job({ request: { prompt: 'x' } }))).toEqual(['SDXL']);
  });

  it('says a place in line as a person would', () => {
    expect(positionLabel(1)).toBe('Next');
    expect(positionLabel(3)).toBe('#3 in line');
    expect(positionLabel(null)).toBe('Queued');
  });

  it('orders the queue as it runs: running first, longest running on top, then by place in line', () => {
    const jobs = [
      job({ id: 'q2', status: 'queued', position: 2 }),
      job({ id: 'r2', status: 'running', started_at: '2026-01-01T00:00:05.000Z' }),
      job({ id: 'q1', status: 'queued', position: 1 }),
      job({ id: 'r1', status: 'running', started_at: '2026-01-01T00:00:01.000Z' }),
    ];
    expect(runOrder(jobs).map((j) => j.id)).toEqual(['r1', 'r2', 'q1', 'q2']);
  });

  it('writes elapsed time as m:ss, or h:mm:ss past an hour', () => {
    const start = '2026-01-01T00:00:00.000Z';
    expect(elapsedSince(start, Date.parse(start) + 65_000)).toBe('1:05');
    expect(elapsedSince(start, Date.parse(start) + 3_725_000)).toBe('1:02:05');
    expect(elapsedSince(null, 0)).toBe('');
  });
});
