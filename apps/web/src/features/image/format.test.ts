import { describe, expect, it } from 'vitest';
import { formatBytes, formatRelative, shortSha } from './format';

describe('format', () => {
  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(350 * 1024)).toBe('350 KB');
    expect(formatBytes(3.2 * 1024 * 1024)).toBe('3.2 MB');
  });
  it('formats relative times', () => {
    const now = Date.parse('2025-01-01T12:00:00Z');
    expect(formatRelative('2025-01-01T11:57:00Z', now)).toMatch(/3 minutes ago/);
  });
  it('shortens hashes', () => {
    expect(shortSha('a'.repeat(64))).toHaveLength(12);
  });
});
