// The accounts and what the shell says around them: the vendors, the app's version and demo mode,
// which accounts are syncing and how far each sync got, and whether the cache file is damaged.
// The shell's sync events keep it current; a fresh read of the accounts wins over them.
import { App } from "antd";
import { useCallback, useEffect, useMemo, useState } from "react";
import { api, errorText, subscribeInboxEvents } from "../api";
import type { Account, AppInfo, SyncProgress, VendorInfo } from "../types";

export function useAccounts() {
  const { message } = App.useApp();
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [vendors, setVendors] = useState<VendorInfo[]>([]);
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [syncing, setSyncing] = useState<ReadonlySet<number>>(new Set());
  const [progress, setProgress] = useState<ReadonlyMap<number, SyncProgress>>(new Map());
  /** What SQLite's check found wrong with the cache file: nothing more is synced into it. */
  const [damaged, setDamaged] = useState<string | null>(null);
  const [syncRequesting, setSyncRequesting] = useState(false);

  const load = useCallback(
    () =>
      api.listAccounts().then(
        (list) => {
          setAccounts(list);
          // The snapshot wins, so a missed sync-finished cannot leave a spinner running forever.
          setSyncing(new Set(list.filter((a) => a.sync.running).map((a) => a.id)));
        },
        (err) => {
          setAccounts((prev) => prev ?? []);
          message.error(errorText(err));
        },
      ),
    [message],
  );

  useEffect(() => {
    api.appInfo().then(setInfo, (err) => console.error("app_info failed:", err));
    api.listVendors().then(setVendors, (err) => console.error("list_vendors failed:", err));
    void load();
  }, [load]);

  useEffect(
    () =>
      subscribeInboxEvents({
        onSyncStarted: ({ account_id }) => setSyncing((prev) => new Set(prev).add(account_id)),
        onSyncProgress: ({ account_id, progress: p }) => setProgress((prev) => new Map(prev).set(account_id, p)),
        onSyncFinished: ({ account_id }) => {
          setSyncing((prev) => {
            const next = new Set(prev);
            next.delete(account_id);
            return next;
          });
          void load();
        },
        onCacheDamaged: setDamaged,
      }),
    [load],
  );

  const canSubmit = useMemo(
    () => (accounts ?? []).some((a) => vendors.find((v) => v.id === a.vendor)?.capabilities.submit),
    [accounts, vendors],
  );

  return {
    info,
    vendors,
    /** Null until the first read, so "no account yet" is not said while loading. */
    accounts,
    list: accounts ?? [],
    syncing,
    progress,
    damaged,
    syncRequesting,
    canSubmit,
    load,
    /** 立即同步 of every account. */
    syncAll: async () => {
      setSyncRequesting(true);
      try {
        await api.syncNow();
      } catch (err) {
        message.error(errorText(err));
      } finally {
        setSyncRequesting(false);
      }
    },
    /** Fills a new account's inbox right away; progress arrives as events. */
    syncNew: (accountId: number) => {
      api.syncNow(accountId).catch((err) => console.error("sync_now after add failed:", err));
    },
    stop: (accountId: number) => {
      api.stopSync(accountId).catch((err) => message.error(errorText(err)));
    },
  };
}
