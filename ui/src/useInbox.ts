import { useCallback, useEffect, useRef, useState } from "react";
import { PAGE_SIZE, api, errorText } from "./api";
import type { ApprovalQuery, ApprovalSummary, BoxCounts, Inbox } from "./types";

/** The list's narrowing beyond box and search text; every key is optional. */
export type Filters = Pick<ApprovalQuery, "vendor" | "account_id" | "status" | "form_name" | "submitter" | "since" | "until" | "unreadable" | "sort">;

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
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [counts, setCounts] = useState<BoxCounts | null>(null);

  // Answers to outdated requests (the filters changed meanwhile) are dropped.
  const seq = useRef(0);
  const loaded = useRef(0);
  const loadingMoreRef = useRef(false);

  const query = useCallback(
    (offset: number, limit: number) => {
      const text = search.trim();
      // Unset keys are left out, so the contract's defaults apply.
      const set = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined && v !== ""));
      return {
        // The unreadable ones of an account are listed whatever box their lists put them in.
        ...(filters.unreadable ? {} : { inbox: box }),
        ...set,
        ...(text ? { search: text } : {}),
        offset,
        limit,
      };
    },
    [box, filters, search],
  );

  const loadList = useCallback(
    async (keepPlace: boolean) => {
      const mine = ++seq.current;
      setLoading(true);
      const limit = keepPlace ? Math.max(PAGE_SIZE, Math.ceil(loaded.current / PAGE_SIZE) * PAGE_SIZE) : PAGE_SIZE;
      try {
        const page = await api.listApprovals(query(0, limit));
        if (mine !== seq.current) return;
        loaded.current = page.items.length;
        setItems(page.items);
        setTotal(page.total);
        setError(null);
      } catch (err) {
        if (mine === seq.current) setError(errorText(err));
      } finally {
        if (mine === seq.current) setLoading(false);
      }
    },
    [query],
  );

  const loadCounts = useCallback(async () => {
    try {
      setCounts(await api.boxCounts());
    } catch (err) {
      console.error("box_counts failed:", err);
    }
  }, []);

  const refresh = useCallback(() => {
    void loadCounts();
    void loadList(true);
  }, [loadCounts, loadList]);

  const loadMore = useCallback(async () => {
    if (loadingMoreRef.current || loaded.current >= total) return;
    const mine = seq.current;
    loadingMoreRef.current = true;
    setLoadingMore(true);
    try {
      const page = await api.listApprovals(query(loaded.current, PAGE_SIZE));
      if (mine !== seq.current) return;
      setItems((prev) => {
        const seen = new Set(prev.map((i) => i.id));
        const next = [...prev, ...page.items.filter((i) => !seen.has(i.id))];
        loaded.current = next.length;
        return next;
      });
      setTotal(page.total);
    } catch (err) {
      if (mine === seq.current) setError(errorText(err));
    } finally {
      loadingMoreRef.current = false;
      setLoadingMore(false);
    }
  }, [query, total]);

  // A new box or filter starts from the first page.
  useEffect(() => {
    loaded.current = 0;
    void loadList(false);
  }, [loadList]);

  useEffect(() => {
    void loadCounts();
  }, [loadCounts]);

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
