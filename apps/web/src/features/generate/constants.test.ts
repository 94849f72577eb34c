import { describe, expect, it } from 'vitest';
import * as shared from '@imageflow/shared';
import * as local from './constants';

describe('constants mirrored from @imageflow/shared', () => {
  it('match the shared values exactly', () => {
    expect(local.MIN_SIDE).toBe(shared.MIN_SIDE);
    expect(local.MAX_SIDE).toBe(shared.MAX_SIDE);
    expect(local.MAX_SEED).toBe(shared.MAX_SEED);
    expect(local.MAX_BATCH).toBe(shared.MAX_BATCH);
    expect(local.MODEL_NAMES).toEqual(shared.MODEL_NAMES);
    expect(local.SAMPLERS).toEqual(shared.SAMPLERS);
    expect(local.MODEL_DEFAULTS).toEqual(shared.MODEL_DEFAULTS);
    expect(local.MODEL_LABELS).toEqual(shared.MODEL_LABELS);
    expect(Object.keys(local.SAMPLER_LABELS)).toEqual([...shared.SAMPLERS]);
  });

  it('match the limits the shared schemas enforce', () => {
    const steps = shared.Spec.shape.steps;
    expect(steps.safeParse(local.STEPS_RANGE.min).success).toBe(true);
    expect(steps.safeParse(local.STEPS_RANGE.max).success).toBe(true);
    expect(steps.safeParse(local.STEPS_RANGE.max + 1).success).toBe(false);
    const guidance = shared.Spec.shape.guidance;
    expect(guidance.safeParse(local.GUIDANCE_RANGE.max).success).toBe(true);
    expect(guidance.safeParse(local.GUIDANCE_RANGE.max + 0.5).success).toBe(false);
    const prompt = shared.GenerationRequest.shape.prompt;
    expect(prompt.safeParse('x'.repeat(local.MAX_PROMPT_LENGTH)).success).toBe(true);
    expect(prompt.safeParse('x'.repeat(local.MAX_PROMPT_LENGTH + 1)).success).toBe(false);
  });
});
