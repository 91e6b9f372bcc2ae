// The right pane's state: which approval is selected, its detail as last read, and a keyboard
// request (approve / reject) made on it. Every read takes a ticket of the stale guard, so a slow
// answer for an approval the user already left never replaces the one in front of them.
import { useCallback, useState } from "react";
import { api, errorText } from "../api";
import type { ActionRequest } from "../components/ActionBar";
import type { Account, Approval } from "../types";
import { useStaleGuard } from "./useStaleGuard";

/** `accounts`: null until first read; a selection whose account is no longer there is forgotten. */
export function useDetail(accounts: Account[] | null) {
  const guard = useStaleGuard();
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [approval, setApproval] = useState<Approval | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [request, setRequest] = useState<ActionRequest | null>(null);

  /** Reads the approval; `quiet` keeps what is shown meanwhile and says nothing if it fails. */
  const load = useCallback(
    async (id: number, quiet: boolean) => {
      const current = guard.begin();
      if (!quiet) {
        setApproval(null);
        setError(null);
        setLoading(true);
      }
      try {
        const read = await api.getApproval(id);
        if (!current()) return;
        setApproval(read);
        setError(null);
      } catch (err) {
        if (!current()) return;
        if (!quiet) setError(errorText(err));
      } finally {
        if (current()) setLoading(false);
      }
    },
    [guard],
  );

  // Derived rather than cleared by an effect: the account was removed (settings), so was the selection.
  const gone = approval !== null && accounts !== null && !accounts.some((a) => a.id === approval.account_id);
  const selected = gone ? null : selectedId;

  const choose = (id: number) => {
    setSelectedId(id);
    // A request belongs to the approval it was made on; another selection drops it.
    setRequest((prev) => (id === selected ? prev : null));
  };

  return {
    selectedId: selected,
    approval: selected === null ? null : approval,
    loading,
    error: selected === null ? null : error,
    request,
    /** Opens an approval (again only if it is not already shown). */
    select: (id: number) => {
      if (id === selected && approval) return;
      choose(id);
      void load(id, false);
    },
    /** Re-reads the shown approval after the shell changed something. */
    reload: () => {
      if (selected !== null) void load(selected, true);
    },
    /** The shell's answer to an action: fresher than any read still in flight. */
    acted: (updated: Approval) => {
      guard.supersede();
      setApproval(updated);
      setLoading(false);
    },
    /** Selects an approval the shell just returned (a new one, confirmed by its vendor). */
    show: (shown: Approval) => {
      choose(shown.id);
      guard.supersede();
      setApproval(shown);
      setError(null);
      setLoading(false);
    },
    /** A shortcut's approve / reject for the action bar; `seq` makes a repeated key a new request. */
    requestAction: (action: ActionRequest["action"]) => {
      if (selected !== null) setRequest((prev) => ({ action, id: selected, seq: (prev?.seq ?? 0) + 1 }));
    },
  };
}
