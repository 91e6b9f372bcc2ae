// 待发送: decisions and submissions written down but not yet delivered, kept current by the
// shell's outbox events (see OutboxDrawer).
import { useCallback, useEffect, useState } from "react";
import { api, subscribeInboxEvents } from "../api";
import type { OutboxEntry } from "../types";

export function useOutbox() {
  const [entries, setEntries] = useState<OutboxEntry[]>([]);
  const [open, setOpen] = useState(false);

  const load = useCallback(() => {
    api.listOutbox().then(setEntries, (err) => console.error("list_outbox failed:", err));
  }, []);
  useEffect(load, [load]);
  useEffect(() => subscribeInboxEvents({ onOutboxChanged: load }), [load]);

  return {
    entries,
    load,
    open,
    show: () => {
      load();
      setOpen(true);
    },
    close: () => setOpen(false),
    /** What the sidebar says: how many wait, and whether any needs the user. */
    summary: { open: entries.length, failed: entries.some((e) => e.state === "failed") },
  };
}
