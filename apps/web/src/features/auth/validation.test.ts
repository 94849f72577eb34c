import { describe, expect, it } from 'vitest';
import { hasErrors, normaliseUsername, validateNewAccount, validateNewPassword, validatePasswordChange, validateSetUp, validateSignIn } from './validation';

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

describe('validatePasswordChange', () => {
  it('wants the current password, and a new one of 8 to 256 characters typed twice the same', () => {
    expect(validatePasswordChange({ current: '', password: '', confirm: '' })).toEqual({
      current: 'Enter your current password.',
      password: 'Choose a password of at least 8 characters.',
    });
    expect(validatePasswordChange({ current: 'old', password: 'x'.repeat(257), confirm: '' }).password).toBe('Use at most 256 characters (this one has 257).');
    expect(validatePasswordChange({ current: 'old', password: 'new password', confirm: 'new pasword' })).toEqual({
      confirm: 'The two passwords are not the same. Type it again.',
    });
    expect(validatePasswordChange({ current: 'old', password: 'new password', confirm: 'new password' })).toEqual({});
    expect(validateNewPassword({ password: '1234567', confirm: '1234567' })).toEqual({ password: 'Use at least 8 characters (this one has 7).' });
  });
});

describe('validateNewAccount', () => {
  it('wants a username the server accepts (any case) and a password of at least 8 characters', () => {
    expect(validateNewAccount({ username: ' ', password: '' })).toEqual({
      username: 'Choose a username.',
      password: 'Choose a password of at least 8 characters.',
    });
    expect(validateNewAccount({ username: 'dana smith', password: 'dana password' }).username).toMatch(/^Use letters, digits/);
    expect(validateNewAccount({ username: '-dana', password: 'dana password' }).username).toMatch(/starting with a letter or digit/);
    expect(validateNewAccount({ username: 'x'.repeat(65), password: 'dana password' }).username).toMatch(/at most 64/);
    expect(validateNewAccount({ username: ' Dana.K_2 ', password: 'dana password' })).toEqual({});
    expect(normaliseUsername(' Dana.K_2 ')).toBe('dana.k_2');
  });
});
