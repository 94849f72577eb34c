/**
 * The gallery's selection, as file managers and photo apps keep it: Ctrl/Cmd-click (or Space)
 * toggles one image and makes it the anchor; Shift-click (or Shift+arrow) selects the range from
 * the anchor, on top of what was selected before the range began, so a second Shift-click
 * replaces the range instead of adding to it. Images are named by id, so the selection holds
 * across new pages and refetches; ranges are read in the gallery's current order.
 */
export interface Selection {
  readonly ids: ReadonlySet<number>;
  /** Where ranges start: the image last toggled (or where a keyboard range began). */
  readonly anchor: number | null;
  /** What was selected when the anchor was set: a range is added to this. */
  readonly base: ReadonlySet<number>;
}

export const EMPTY_SELECTION: Selection = { ids: new Set(), anchor: null, base: new Set() };

export function toggle(selection: Selection, id: number): Selection {
  const ids = new Set(selection.ids);
  if (!ids.delete(id)) ids.add(id);
  return { ids, anchor: id, base: ids };
}

/** The images from the anchor to `id` (in `order`) added to the base; with no anchor shown, `id` starts one. */
export function selectRange(selection: Selection, id: number, order: readonly number[]): Selection {
  const b = order.indexOf(id);
  if (b < 0) return selection;
  const anchored = selection.anchor !== null && order.includes(selection.anchor);
  const anchor = anchored ? selection.anchor! : id;
  const base = anchored ? selection.base : selection.ids;
  const a = order.indexOf(anchor);
  const ids = new Set(base);
  for (let i = Math.min(a, b); i <= Math.max(a, b); i++) ids.add(order[i]!);
  return { ids, anchor, base };
}

/**
 * Shift+arrow from `from` to `to`: the range from the anchor (or, with none yet, from where the
 * move began) to `to`.
 */
export function extendTo(selection: Selection, from: number, to: number, order: readonly number[]): Selection {
  if (selection.anchor !== null && order.includes(selection.anchor)) return selectRange(selection, to, order);
  return selectRange({ ...selection, anchor: from, base: selection.ids }, to, order);
}

export function selectAll(selection: Selection, order: readonly number[]): Selection {
  const ids = new Set(order);
  return { ids, anchor: selection.anchor, base: ids };
}

/** Only the images still shown (after a delete, or when a page of them went away). */
export function keepOnly(selection: Selection, shown: ReadonlySet<number>): Selection {
  if ([...selection.ids].every((id) => shown.has(id)) && (selection.anchor === null || shown.has(selection.anchor))) return selection;
  const ids = new Set([...selection.ids].filter((id) => shown.has(id)));
  return { ids, anchor: selection.anchor !== null && shown.has(selection.anchor) ? selection.anchor : null, base: new Set([...selection.base].filter((id) => shown.has(id))) };
}

/** The selected ids in gallery order. */
export function selectedInOrder(selection: Selection, order: readonly number[]): number[] {
  return order.filter((id) => selection.ids.has(id));
}
