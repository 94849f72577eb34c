/** What the sign-in and set-up forms check before sending anything. Pure. */

export const MIN_PASSWORD_LENGTH = 8;

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
  if (password.length < MIN_PASSWORD_LENGTH) {
    errors.password = password
      ? `Use at least ${MIN_PASSWORD_LENGTH} characters (this one has ${password.length}).`
      : `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`;
  }
  if (!errors.password && confirm !== password) errors.confirm = 'The two passwords are not the same. Type it again.';
  return errors;
}

export function hasErrors(errors: Record<string, string | undefined>): boolean {
  return Object.values(errors).some(Boolean);
}
