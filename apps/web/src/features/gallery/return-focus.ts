/**
 * The image last opened from the gallery (or moved to with the arrow keys from it), so that coming
 * back puts keyboard focus on its tile, scrolled into view, instead of on the page.
 */
let opened: number | null = null;

export function rememberOpened(id: number): void {
  opened = id;
}

/** The image to come back to, if any. */
export function lastOpened(): number | null {
  return opened;
}

/** Once the gallery has read it: a later visit (from the header, say) starts afresh. */
export function forgetOpened(): void {
  opened = null;
}
