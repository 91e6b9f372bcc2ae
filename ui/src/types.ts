// The UI ↔ shell contract (docs/ipc.md). Every type is generated from the Rust type that crosses
// IPC into bindings.ts (by crates/inbox-core/tests/ui_bindings.rs, which fails when it is stale);
// this file only adds the names the UI uses for some of them.
import type { AccountInput, FieldValue, ListQuery, SyncEvent } from "./bindings";

export type * from "./bindings";

/** What the list asks for (Rust `ListQuery`). */
export type ApprovalQuery = ListQuery;
/** What the account form sends (Rust `AccountInput`). */
export type NewAccount = AccountInput;
/** One value the user typed into a submission (Rust `FieldValue`). */
export type FieldValueInput = FieldValue;
export type SyncStartedEvent = Extract<SyncEvent, { type: "started" }>;
export type SyncFinishedEvent = Extract<SyncEvent, { type: "finished" }>;
export type SyncProgressEvent = Extract<SyncEvent, { type: "progress" }>;
