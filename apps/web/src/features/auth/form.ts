/** Props shared by the account forms' fields. */

/** Text-field props that keep phones from capitalising or correcting a username. */
export const usernameInputProps = { autoCapitalize: 'none', autoCorrect: 'off', spellCheck: false } as const;

/** An input's id, and its error's wiring (Field renders the error as `${id}-error`). */
export function fieldProps(id: string, error: string | undefined) {
  return { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': error ? `${id}-error` : undefined };
}
