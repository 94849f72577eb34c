import { describe, expect, it } from 'vitest';
import { formatWait } from './format';

describe('formatWait', () => {
  it('counts seconds under a minute, minutes and seconds past it', () => {
    expect(formatWait(1)).toBe('1 s');
    expect(formatWait(59.2)).toBe('1 min');
    expect(formatWait(45)).toBe('45 s');
    expect(formatWait(120)).toBe('2 min');
    expect(formatWait(884)).toBe('14 min 44 s');
    expect(formatWait(-3)).toBe('0 s');
  });
});
