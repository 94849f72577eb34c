/** What the account forms (sign-in, set-up, passwords, new accounts) check before sending anything. Pure. */

/** The server's bounds on a password. */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

export type FieldErrors<K extends string> = Partial<Record<K, string>>;

export interface SignInInput {
  username: string;
  password: string;
}

export function validateSignIn({ username, password }: SignInInput): FieldErrors<'username' | 'password'> {
  const errors: FieldErrors<'username' | 'password'> = {};
  if (!username.trim()) errors.username = 'Enter your username.';
  if (!password) errors.password = 'Enter your password.';
  return errors;
}

export interface SetUpInput {
  username: string;
  password: string;
  confirm: string;
}

export function validateSetUp({ username, password, confirm }: SetUpInput): FieldErrors<'username' | 'password' | 'confirm'> {
  const errors: FieldErrors<'username' | 'password' | 'confirm'> = {};
  if (!username.trim()) errors.username = 'Choose a username.';
  return { ...errors, ...validateNewPassword({ password, confirm }) };
}

/** What is wrong with a new password, if anything: too short or too long for the server. */
export function passwordProblem(password: string): string | undefined {
  if (!password) return `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has ${password.length}).`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters (this one has ${password.length}).`;
  return undefined;
}

export interface NewPasswordInput {
  password: string;
  confirm: string;
}

/** A new password, typed twice the same. */
export function validateNewPassword({ password, confirm }: NewPasswordInput): FieldErrors<'password' | 'confirm'> {
  const problem = passwordProblem(password);
  if (problem) return { password: problem };
  if (confirm !== password) return { confirm: 'The two passwords are not the same. Type it again.' };
  return {};
}

export interface PasswordChangeInput extends NewPasswordInput {
  current: string;
}

/** A change of one's own password: the current one, and the new one twice. */
export function validatePasswordChange({ current, password, confirm }: PasswordChangeInput): FieldErrors<'current' | 'password' | 'confirm'> {
  const errors: FieldErrors<'current' | 'password' | 'confirm'> = {};
  if (!current) errors.current = 'Enter your current password.';
  return { ...errors, ...validateNewPassword({ password, confirm }) };
}

/** The server's rule for usernames, which it compares without case. */
const USERNAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** A username as the server keeps it: trimmed, lower case. */
export function normaliseUsername(username: string): string {
  return username.trim().toLowerCase();
}

export interface NewAccountInput {
  username: string;
  password: string;
}

/** An account an admin makes: a username the server accepts, and a password (typed once: the admin passes it on). */
export function validateNewAccount({ username, password }: NewAccountInput): FieldErrors<'username' | 'password'> {
  const errors: FieldErrors<'username' | 'password'> = {};
  const name = normaliseUsername(username);
  if (!name) errors.username = 'Choose a username.';
  else if (!USERNAME.test(name)) errors.username = 'Use letters, digits, “.”, “_” or “-” (at most 64), starting with a letter or digit.';
  const problem = passwordProblem(password);
  if (problem) errors.password = problem;
  return errors;
}

export function hasErrors(errors: Record<string, string | undefined>): boolean {
  return Object.values(errors).some(Boolean);
}
