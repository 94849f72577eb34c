import { describe, expect, it } from 'vitest';
import { hasErrors, validateSetUp, validateSignIn } from './validation';

describe('validateSignIn', () => {
  it('asks for both fields', () => {
    expect(validateSignIn({ username: ' ', password: '' })).toEqual({ username: 'Enter your username.', password: 'Enter your password.' });
    expect(hasErrors(validateSignIn({ username: 'alice', password: 'x' }))).toBe(false);
  });
});

describe('validateSetUp', () => {
  it('wants a username and a password of at least 8 characters, typed twice the same', () => {
    expect(validateSetUp({ username: '', password: '', confirm: '' })).toEqual({
      username: 'Choose a username.',
      password: 'Choose a password of at least 8 characters.',
    });
    expect(validateSetUp({ username: 'admin', password: 'short', confirm: 'short' }).password).toBe('Use at least 8 characters (this one has 5).');
    expect(validateSetUp({ username: 'admin', password: '12345678', confirm: '12345679' })).toEqual({
      confirm: 'The two passwords are not the same. Type it again.',
    });
    expect(validateSetUp({ username: 'admin', password: '12345678', confirm: '12345678' })).toEqual({});
  });
});
