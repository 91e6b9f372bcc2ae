// Drafts of new approvals and the two drawers over them: 草稿 (the list) and 发起审批 (a new
// form, or a draft reopened). Each opening of 发起审批 is a fresh form: its `key` remounts it.
import { useCallback, useEffect, useState } from "react";
import { api } from "../api";
import type { Draft } from "../types";

export function useDrafts() {
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [listOpen, setListOpen] = useState(false);
  const [compose, setCompose] = useState<{ open: boolean; draft: Draft | null; key: number }>({ open: false, draft: null, key: 0 });

  const load = useCallback(() => {
    api.listDrafts().then(setDrafts, (err) => console.error("list_drafts failed:", err));
  }, []);
  useEffect(load, [load]);

  return {
    list: drafts,
    load,
    listOpen,
    openList: () => {
      load();
      setListOpen(true);
    },
    closeList: () => setListOpen(false),
    compose,
    /** Opens 发起审批 with `draft` reopened, or empty. */
    startCompose: (draft: Draft | null) => {
      setListOpen(false);
      setCompose((prev) => ({ open: true, draft, key: prev.key + 1 }));
    },
    closeCompose: () => {
      setCompose((prev) => ({ ...prev, open: false }));
      load();
    },
    /** A draft reached its vendor: both drawers close, the list is read again. */
    sent: () => {
      setCompose((prev) => ({ ...prev, open: false }));
      setListOpen(false);
      load();
    },
  };
}
