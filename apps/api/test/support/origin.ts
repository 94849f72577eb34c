/**
 * The origin of a request made with inject (light-my-request sends Host `localhost:80`): answers to it
 * give every URL absolute under it.
 */
export const INJECT_ORIGIN = 'http://localhost:80';

/** `path` as an answer to an injected request names it. */
export function injected(path: string): string {
  return `${INJECT_ORIGIN}${path}`;
}
