// The only module that talks to the Tauri shell. Every command and event of docs/ipc.md has a
// typed wrapper here; argument objects use the snake_case keys exactly as the contract writes them.
// Commands reject with an `ErrorReply` ({kind, message, field?}): show `errorText`, decide by `errorKind`.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";
import type {
  Account,
  Action,
  AppInfo,
  Approval,
  ApprovalQuery,
  BoxCounts,
  Draft,
  ErrorKind,
  ErrorReply,
  Facets,
  Inbox,
  NewAccount,
  OutboxEntry,
  Page,
  PathSummary,
  SyncFinishedEvent,
  SyncProgressEvent,
  SyncStartedEvent,
  Template,
  TemplateQuery,
  UploadProgressEvent,
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
  /** Stops the account's running sync at its next page; the next sync goes on from there. */
  stopSync: (accountId: number) => invoke<boolean>("stop_sync", { account_id: accountId }),
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
  /** Downloads an attachment to a path the user chose (see `chooseSavePath`); answers the path. */
  saveAttachment: (id: number, attachmentId: string, path: string) =>
    invoke<string>("save_attachment", { id, attachment_id: attachmentId, path }),
  listTemplates: (accountId: number, query: TemplateQuery) =>
    invoke<Template[]>("list_templates", { account_id: accountId, query }),
  /** Cheap: call it as the user types. Answers the draft's id (new when `draft.id` is 0). */
  saveDraft: (draft: Draft) => invoke<number>("save_draft", { draft }),
  listDrafts: () => invoke<Draft[]>("list_drafts", {}),
  /** Sends a saved draft; progress arrives as `upload-progress` (see `subscribeUploadProgress`). */
  submitDraft: (id: number) => invoke<Approval>("submit_draft", { id }),
  deleteDraft: (id: number) => invoke<null>("delete_draft", { id }),
  /** Name, file count and total size of chosen paths. */
  describeFiles: (paths: string[]) => invoke<PathSummary[]>("describe_files", { paths }),
  /** Decisions waiting to be sent, being sent, or refused (oldest first). */
  listOutbox: () => invoke<OutboxEntry[]>("list_outbox", {}),
  /** Sends an outbox entry again now; answers it after the attempt. */
  retryAction: (id: number) => invoke<OutboxEntry>("retry_action", { id }),
  /** Gives an outbox entry up: it will not be sent. */
  discardAction: (id: number) => invoke<OutboxEntry>("discard_action", { id }),
  getAutostart: () => invoke<boolean>("get_autostart", {}),
  setAutostart: (enabled: boolean) => invoke<null>("set_autostart", { enabled }),
};

/** The native file dialog: files (or folders) to attach; an empty list when cancelled. */
export async function pickPaths(folders: boolean): Promise<string[]> {
  const picked = await openDialog({ multiple: true, directory: folders });
  if (picked === null) return [];
  return Array.isArray(picked) ? picked : [picked];
}

/** The native save dialog, offering `name`; null when cancelled. */
export function chooseSavePath(name: string): Promise<string | null> {
  return saveDialog({ defaultPath: name });
}

/**
 * Calls `cb` with the paths of files dropped on the window (the webview's drag-drop event, which
 * carries real paths). Returns a function that stops listening.
 */
export function onFilesDropped(cb: (paths: string[]) => void): () => void {
  let disposed = false;
  let unlisten: UnlistenFn | null = null;
  getCurrentWebview()
    .onDragDropEvent((event) => {
      if (!disposed && event.payload.type === "drop" && event.payload.paths.length > 0) cb(event.payload.paths);
    })
    .then((un) => {
      if (disposed) un();
      else unlisten = un;
    })
    .catch((err) => console.error("listening for dropped files failed:", err));
  return () => {
    disposed = true;
    unlisten?.();
  };
}

/** Calls `cb` with each `upload-progress` event; returns a function that stops listening. */
export function subscribeUploadProgress(cb: (e: UploadProgressEvent) => void): () => void {
  let disposed = false;
  let unlisten: UnlistenFn | null = null;
  listen<UploadProgressEvent>("upload-progress", (event) => {
    if (!disposed) cb(event.payload);
  })
    .then((un) => {
      if (disposed) un();
      else unlisten = un;
    })
    .catch((err) => console.error("listen(upload-progress) failed:", err));
  return () => {
    disposed = true;
    unlisten?.();
  };
}

export interface InboxEventHandlers {
  onSyncStarted?: (e: SyncStartedEvent) => void;
  onSyncFinished?: (e: SyncFinishedEvent) => void;
  onSyncProgress?: (e: SyncProgressEvent) => void;
  onInboxChanged?: () => void;
  onOutboxChanged?: () => void;
  /** The cache file failed SQLite's check: the reason in words. */
  onCacheDamaged?: (problem: string) => void;
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
  add<SyncProgressEvent>("sync-progress", handlers.onSyncProgress);
  add<Record<string, never>>("inbox-changed", handlers.onInboxChanged && (() => handlers.onInboxChanged?.()));
  add<{ account_id: number }>("outbox-changed", handlers.onOutboxChanged && (() => handlers.onOutboxChanged?.()));
  add<{ problem: string }>("cache-damaged", handlers.onCacheDamaged && ((e) => handlers.onCacheDamaged?.(e.problem)));
  return () => {
    disposed = true;
    unlisteners.splice(0).forEach((un) => un());
  };
}

function isReply(err: unknown): err is ErrorReply {
  return typeof err === "object" && err !== null && "kind" in err && typeof (err as ErrorReply).message === "string";
}

/** The kind of a rejected command's error (`ErrorReply.kind`); "io" for anything else. */
export function errorKind(err: unknown): ErrorKind {
  return isReply(err) ? err.kind : "io";
}

/** The input field a rejected command's error concerns, where the backend named one. */
export function errorField(err: unknown): string | null {
  return isReply(err) ? (err.field ?? null) : null;
}

/** The text to show for a rejected command: the shell's sentence verbatim, anything else made readable. */
export function errorText(err: unknown): string {
  if (isReply(err)) return err.message;
  if (typeof err === "string") return err;
  if (err instanceof Error) return err.message;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
