/**
 * Brings a form control into view and focuses it. The control's scroll margins (set on the Create
 * form) keep it, with its label above and its message below, clear of the sticky header and of
 * the sticky Generate bar.
 */
export function revealField(element: HTMLElement | null): void {
  if (!element) return;
  const reduceMotion = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
  element.scrollIntoView?.({ block: 'nearest', inline: 'nearest', behavior: reduceMotion ? 'auto' : 'smooth' });
  element.focus({ preventScroll: true });
}

/**
 * Scroll margins for every control of the Create form, as Tailwind classes: the header (3.5rem)
 * and the label above a control; the Generate bar (about 4.5rem) and up to three lines of a
 * message below it.
 */
export const REVEAL_MARGINS = '[&_:is(input,select,textarea)]:scroll-mt-28 [&_:is(input,select,textarea)]:scroll-mb-40';
