import { describe, expect, it } from 'vitest';
import { ApiError } from '@/lib/api-client';
import { absoluteLink, deadLinkReason, DEFAULT_SHARE_FORM, downloadUrl, needsPassword, passwordProblem, shareRequest } from './links';

describe('share links', () => {
  it('turns the form into the API’s body, leaving out an empty password', () => {
    expect(shareRequest(7, DEFAULT_SHARE_FORM)).toEqual({ node_id: 7, scope: 'image', expires_in_days: 30, allow_download: true, show_recipe: true });
    expect(shareRequest(7, { scope: 'path', expiry: 'never', password: 'pass', allowDownload: false, showRecipe: true })).toEqual({
      node_id: 7,
      scope: 'path',
      expires_in_days: null,
      password: 'pass',
      allow_download: false,
      show_recipe: true,
    });
    expect(shareRequest(7, { ...DEFAULT_SHARE_FORM, expiry: '365' }).expires_in_days).toBe(365);
  });

  it('accepts no password or 4 to 256 characters', () => {
    expect(passwordProblem('')).toBeUndefined();
    expect(passwordProblem('abcd')).toBeUndefined();
    expect(passwordProblem('abc')).toMatch(/at least 4 characters \(this one has 3\)/);
    expect(passwordProblem('x'.repeat(257))).toMatch(/at most 256/);
  });

  it('makes a relative link absolute, and leaves an absolute one alone', () => {
    expect(absoluteLink('/s/abc', 'http://studio.local:8000')).toBe('http://studio.local:8000/s/abc');
    expect(absoluteLink('https://cdn.example.com/s/abc', 'http://studio.local:8000')).toBe('https://cdn.example.com/s/abc');
  });

  it('asks for the file as a download', () => {
    expect(downloadUrl('/s/k/images/a.png')).toBe('/s/k/images/a.png?download=1');
    expect(downloadUrl('https://x/s/k/images/a.png?v=1')).toBe('https://x/s/k/images/a.png?v=1&download=1');
  });

  it('tells a dead link from a locked one and from a passing failure', () => {
    expect(deadLinkReason(new ApiError(404, 'not_found', 'No such share link.'))).toBe('not_found');
    expect(deadLinkReason(new ApiError(410, 'share_expired', ''))).toBe('expired');
    expect(deadLinkReason(new ApiError(410, 'share_revoked', ''))).toBe('revoked');
    expect(deadLinkReason(new ApiError(410, 'share_deleted', ''))).toBe('deleted');
    expect(deadLinkReason(new ApiError(410, 'share_something_new', ''))).toBe('revoked');
    expect(deadLinkReason(new ApiError(503, 'unavailable', ''))).toBeNull();
    expect(deadLinkReason(new Error('boom'))).toBeNull();
    expect(needsPassword(new ApiError(401, 'share_password_required', ''))).toBe(true);
    expect(needsPassword(new ApiError(401, 'unauthenticated', ''))).toBe(false);
  });
});
