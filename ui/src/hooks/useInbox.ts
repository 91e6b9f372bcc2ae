// The list side of the window: which box and filters, the rows loaded so far, the box counts.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { PAGE_SIZE, api, errorText } from "../api";
import type { ApprovalQuery, ApprovalSummary, BoxCounts, Inbox } from "../types";
import { useStaleGuard } from "./useStaleGuard";

/** The list's narrowing beyond box and search text; every key is optional. */
export type Filters = Pick<ApprovalQuery, "vendor" | "account_id" | "status" | "form_name" | "submitter" | "since" | "until" | "unreadable" | "sort">;

/** What the list asks for, without the page: box, filters and search as the contract wants them. */
function queryOf(box: Inbox, filters: Filters, search: string) {
  const text = search.trim();
  // Unset keys are left out, so the contract's defaults apply.
  const set = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== ""));
  return {
    // The unreadable ones of an account are listed whatever box their lists put them in.
    ...(filters.unreadable ? {} : { inbox: box }),
    ...set,
    ...(text ? { search: text } : {}),
  };
}

/**
 * The list side of the inbox: the selected box and filters, the loaded pages (50 at a time) and
 * the box counts. `refresh` re-reads counts and as many rows as are loaded, keeping the place.
 */
export function useInbox() {
  const [box, setBoxState] = useState<Inbox>("todo");
  const [filters, setFiltersState] = useState<Filters>({});
  const [search, setSearch] = useState("");
  const [items, setItems] = useState<ApprovalSummary[]>([]);
  const [total, setTotal] = useState(0);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [counts, setCounts] = useState<BoxCounts | null>(null);
  // Each refresh is a new request for the same query.
  const [refreshes, setRefreshes] = useState(0);
  // The request the shown rows answer: the list is loading until it is the one asked for.
  const [answered, setAnswered] = useState<{ query: object; refreshes: number } | null>(null);

  // Answers to outdated requests (the filters changed meanwhile) are dropped.
  const guard = useStaleGuard();
  const loaded = useRef(0);
  const loadingMoreRef = useRef(false);
  const lastQuery = useRef<object | null>(null);

  const query = useMemo(() => queryOf(box, filters, search), [box, filters, search]);
  const loading = answered?.query !== query || answered.refreshes !== refreshes;

  // A new box or filter starts from the first page; a refresh keeps the place.
  useEffect(() => {
    const keepPlace = lastQuery.current === query;
    lastQuery.current = query;
    if (!keepPlace) loaded.current = 0;
    const current = guard.begin();
    const limit = keepPlace ? Math.max(PAGE_SIZE, Math.ceil(loaded.current / PAGE_SIZE) * PAGE_SIZE) : PAGE_SIZE;
    const done = () => setAnswered({ query, refreshes });
    api.listApprovals({ ...query, offset: 0, limit }).then(
      (page) => {
        if (!current()) return;
        loaded.current = page.items.length;
        setItems(page.items);
        setTotal(page.total);
        setError(null);
        done();
      },
      (err) => {
        if (!current()) return;
        setError(errorText(err));
        done();
      },
    );
  }, [guard, query, refreshes]);

  useEffect(() => {
    api.boxCounts().then(setCounts, (err) => console.error("box_counts failed:", err));
  }, [refreshes]);

  const refresh = useCallback(() => setRefreshes((n) => n + 1), []);

  const loadMore = useCallback(async () => {
    if (loadingMoreRef.current || loaded.current >= total) return;
    const current = guard.follow();
    loadingMoreRef.current = true;
    setLoadingMore(true);
    try {
      const page = await api.listApprovals({ ...query, offset: loaded.current, limit: PAGE_SIZE });
      if (!current()) return;
      setItems((prev) => {
        const seen = new Set(prev.map((i) => i.id));
        const next = [...prev, ...page.items.filter((i) => !seen.has(i.id))];
        loaded.current = next.length;
        return next;
      });
      setTotal(page.total);
    } catch (err) {
      if (current()) setError(errorText(err));
    } finally {
      loadingMoreRef.current = false;
      setLoadingMore(false);
    }
  }, [guard, query, total]);

  const setBox = useCallback(
    (next: Inbox) => {
      if (next === box) {
        refresh();
        return;
      }
      setItems([]);
      setTotal(0);
      setBoxState(next);
    },
    [box, refresh],
  );

  /** Merges the given filters into the current ones (undefined clears a key). */
  const setFilters = useCallback((next: Filters | ((prev: Filters) => Filters)) => {
    setFiltersState((prev) => (typeof next === "function" ? next(prev) : { ...prev, ...next }));
  }, []);

  return {
    box,
    setBox,
    filters,
    setFilters,
    search,
    setSearch,
    items,
    total,
    loading,
    loadingMore,
    error,
    counts,
    refresh,
    loadMore,
  };
}
