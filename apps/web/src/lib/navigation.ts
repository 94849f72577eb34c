/**
 * A full page load of `url`: everything this tab holds in memory (cached queries, results of
 * this session, jobs being followed, open event streams) is gone. Used on sign-out, so that
 * nothing of one person's session stays for the next one at this screen.
 */
export function loadPage(url: string): void {
  window.location.assign(url);
}
