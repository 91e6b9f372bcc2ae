// Batch selection: the rows checked for a batch action (x, ctrl/⌘-click, shift-click ranges).
import { useMemo, useRef, useState } from "react";
import type { ApprovalSummary } from "../types";
import type { RowClick } from "../components/ApprovalRow";

/** `checked` without the ids `items` no longer has (the same set when nothing left). */
function present(checked: ReadonlySet<number>, items: ApprovalSummary[]): ReadonlySet<number> {
  const ids = new Set(items.map((i) => i.id));
  const kept = [...checked].filter((id) => ids.has(id));
  return kept.length === checked.size ? checked : new Set(kept);
}

export function useChecked(items: ApprovalSummary[]) {
  // The list the checks were last matched with: rows that left it (acted on elsewhere, other
  // box) are unchecked as it changes, during render rather than an effect later, and do not come
  // back checked if they return.
  const [state, setState] = useState<{ items: ApprovalSummary[]; checked: ReadonlySet<number> }>({ items, checked: new Set() });
  let checked = state.checked;
  if (state.items !== items) {
    checked = present(checked, items);
    setState({ items, checked });
  }
  // Where a shift-click range starts.
  const anchor = useRef<number | null>(null);

  const update = (next: (prev: ReadonlySet<number>) => ReadonlySet<number>) =>
    setState((prev) => ({ items: prev.items, checked: next(prev.checked) }));

  /** Flips each of `ids`, or sets them all to `on`. */
  const toggle = (ids: number[], on?: boolean) =>
    update((prev) => {
      const next = new Set(prev);
      for (const id of ids) {
        if (on ?? !next.has(id)) next.add(id);
        else next.delete(id);
      }
      return next;
    });

  const checkedItems = useMemo(() => items.filter((i) => checked.has(i.id)), [items, checked]);

  return {
    checked,
    checkedItems,
    toggle,
    clear: () => update(() => new Set()),
    selectAll: () => toggle(items.map((i) => i.id), true),
    /** A row click that checks (ctrl/⌘ toggles one, shift a range): true when it did. */
    click: (id: number, how: RowClick): boolean => {
      if (how === "range" && anchor.current !== null) {
        const from = items.findIndex((i) => i.id === anchor.current);
        const to = items.findIndex((i) => i.id === id);
        if (from >= 0 && to >= 0) {
          const [lo, hi] = from < to ? [from, to] : [to, from];
          toggle(items.slice(lo, hi + 1).map((i) => i.id), true);
          return true;
        }
      }
      anchor.current = id;
      if (how === "toggle" || how === "range") toggle([id]);
      return how !== "open";
    },
  };
}
