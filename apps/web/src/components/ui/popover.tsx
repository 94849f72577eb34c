import { useCallback, useEffect, useId, useRef, useState, type RefObject } from 'react';

/** The panel of a small popover under a header control. */
export const popoverPanelClass =
  'absolute right-0 top-full z-40 mt-2 rounded-xl border border-zinc-200 bg-white p-1.5 text-sm shadow-xl dark:border-zinc-700 dark:bg-zinc-900';

/**
 * Closes an open popover when a pointer goes down outside `container`, when focus leaves it,
 * or on Escape (which also returns focus to `trigger`).
 */
export function useDismiss(
  open: boolean,
  onClose: () => void,
  container: RefObject<HTMLElement | null>,
  trigger: RefObject<HTMLElement | null>,
) {
  useEffect(() => {
    if (!open) return;
    const outside = (target: EventTarget | null) => !(target instanceof Node && container.current?.contains(target));
    const onPointer = (e: PointerEvent) => {
      if (outside(e.target)) onClose();
    };
    const onFocus = (e: FocusEvent) => {
      if (outside(e.target)) onClose();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      onClose();
      trigger.current?.focus();
    };
    document.addEventListener('pointerdown', onPointer);
    document.addEventListener('focusin', onFocus);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onPointer);
      document.removeEventListener('focusin', onFocus);
      document.removeEventListener('keydown', onKey);
    };
  }, [open, onClose, container, trigger]);
}

/**
 * A popover's state: whether it is open, its panel's id (for aria-controls), and the refs of the
 * element holding trigger and panel and of the trigger, closed as useDismiss says.
 */
export function usePopover() {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const wrapper = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => setOpen(false), []);
  useDismiss(open, close, wrapper, trigger);
  return { open, setOpen, close, panelId, wrapper, trigger };
}
