import { describe, expect, it } from 'vitest';
import { safeNext, signInPath } from './next';

describe('safeNext', () => {
  it('keeps a path of this app, with its query and hash', () => {
    expect(safeNext('/gallery?q=rain&starred=1')).toBe('/gallery?q=rain&starred=1');
    expect(safeNext('/image/12#recipe')).toBe('/image/12#recipe');
    expect(safeNext('/tokens')).toBe('/tokens');
  });

  it.each([
    ['nothing', null],
    ['empty', ''],
    ['another site', 'https://evil.example/'],
    ['a protocol-relative URL', '//evil.example/path'],
    ['a backslash trick', '/\\evil.example'],
    ['a tab inside the slashes', '/\t/evil.example'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a relative path', 'gallery'],
    ['the sign-in page itself', '/signin?next=/gallery'],
  ])('turns %s into "/"', (_, next) => {
    expect(safeNext(next)).toBe('/');
  });
});

describe('signInPath', () => {
  it('returns to where the person was', () => {
    expect(signInPath({ pathname: '/gallery', search: '?q=rain', hash: '' })).toBe('/signin?next=%2Fgallery%3Fq%3Drain');
  });

  it('needs no next for the start page', () => {
    expect(signInPath({ pathname: '/' })).toBe('/signin');
  });
});
