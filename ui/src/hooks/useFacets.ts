// The values the list's filters offer (forms, submitters) for the selected box, with counts.
import { useCallback, useEffect, useState } from "react";
import { api } from "../api";
import type { Facets, Inbox } from "../types";
import { useStaleGuard } from "./useStaleGuard";

export function useFacets(box: Inbox) {
  const [facets, setFacets] = useState<Facets | null>(null);
  // Another box's values arriving late must not be offered for this one.
  const guard = useStaleGuard();
  const reload = useCallback(() => {
    const current = guard.begin();
    api.facets(box).then(
      (found) => {
        if (current()) setFacets(found);
      },
      (err) => console.error("facets failed:", err),
    );
  }, [guard, box]);
  useEffect(reload, [reload]);
  return { facets, reload };
}
