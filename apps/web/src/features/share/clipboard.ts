/**
 * Copies text with the async clipboard API. Resolves false (never throws) when the API is
 * missing — plain http on another host, old browsers — or the browser denies it.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (typeof navigator === 'undefined' || !navigator.clipboard?.writeText) return false;
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
