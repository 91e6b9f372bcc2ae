// The only module that talks to the Tauri shell. Every command and event of docs/ipc.md has a
// typed wrapper here; argument objects use the snake_case keys exactly as the contract writes them.
// Commands reject with a plain string meant for the user (see `errorText`).

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type {
  Account,
  Action,
  AppInfo,
  Approval,
  ApprovalQuery,
  BoxCounts,
  Facets,
  Inbox,
  NewAccount,
  Page,
  SyncFinishedEvent,
  SyncStartedEvent,
  VendorInfo,
} from "./types";

export const PAGE_SIZE = 50;

export const api = {
  listApprovals: (query: ApprovalQuery) => invoke<Page>("list_approvals", { query }),
  boxCounts: () => invoke<BoxCounts>("box_counts", {}),
  getApproval: (id: number) => invoke<Approval>("get_approval", { id }),
  act: (id: number, action: Action, comment: string) => invoke<Approval>("act", { id, action, comment }),
  listVendors: () => invoke<VendorInfo[]>("list_vendors", {}),
  listAccounts: () => invoke<Account[]>("list_accounts", {}),
  addAccount: (input: NewAccount) => invoke<Account>("add_account", { input }),
  testAccount: (id: number) => invoke<string>("test_account", { id }),
  removeAccount: (id: number) => invoke<null>("remove_account", { id }),
  /** Without an account id every account is synced. */
  syncNow: (accountId?: number) =>
    invoke<null>("sync_now", accountId === undefined ? {} : { account_id: accountId }),
  appInfo: () => invoke<AppInfo>("app_info", {}),
  /** The form names and submitters of a box, for the filter menus. */
  facets: (inbox?: Inbox) => invoke<Facets>("facets", inbox === undefined ? {} : { inbox }),
  /** An attachment's bytes, for the preview inside the window. */
  readAttachment: (id: number, attachmentId: string) =>
    invoke<ArrayBuffer>("read_attachment", { id, attachment_id: attachmentId }),
  /** Downloads an attachment and opens it with the system's viewer. */
  openInVendor: (id: number) => invoke<null>("open_in_vendor", { id }),
  openAttachment: (id: number, attachmentId: string) =>
    invoke<null>("open_attachment", { id, attachment_id: attachmentId }),
  getAutostart: () => invoke<boolean>("get_autostart", {}),
  setAutostart: (enabled: boolean) => invoke<null>("set_autostart", { enabled }),
};

export interface InboxEventHandlers {
  onSyncStarted?: (e: SyncStartedEvent) => void;
  onSyncFinished?: (e: SyncFinishedEvent) => void;
  onInboxChanged?: () => void;
}

/**
 * Subscribes to the shell's events; returns a function that removes every listener (safe to call
 * before the subscriptions have resolved).
 */
export function subscribeInboxEvents(handlers: InboxEventHandlers): () => void {
  let disposed = false;
  const unlisteners: UnlistenFn[] = [];
  const add = <T>(name: string, cb: ((payload: T) => void) | undefined) => {
    if (!cb) return;
    listen<T>(name, (event) => {
      if (!disposed) cb(event.payload);
    })
      .then((un) => {
        if (disposed) un();
        else unlisteners.push(un);
      })
      .catch((err) => console.error(`listen(${name}) failed:`, err));
  };
  add<SyncStartedEvent>("sync-started", handlers.onSyncStarted);
  add<SyncFinishedEvent>("sync-finished", handlers.onSyncFinished);
  add<Record<string, never>>("inbox-changed", handlers.onInboxChanged && (() => handlers.onInboxChanged?.()));
  return () => {
    disposed = true;
    unlisteners.splice(0).forEach((un) => un());
  };
}

/** The text to show for a rejected command: the shell's string verbatim, anything else made readable. */
export function errorText(err: unknown): string {
  if (typeof err === "string") return err;
  if (err instanceof Error) return err.message;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
