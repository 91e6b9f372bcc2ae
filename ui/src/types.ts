// Types of the UI ↔ shell contract, exactly as written in docs/ipc.md (snake_case JSON).

export type Vendor = "yomicloud" | "zeyi" | "fxiaoke" | "qiyuesuo" | "weiwenjia";
export type Inbox = "todo" | "submitted" | "processed" | "cc" | "managed";
/** "other": a word the vendor sent that we do not know (its word is `status_word`). */
export type Status = "sending" | "pending" | "approved" | "rejected" | "cancelled" | "failed" | "other";
export type Action = "approve" | "reject" | "cancel";
/** "other": a word we do not know (the member's `word`). */
export type Decision = "waiting" | "approved" | "rejected" | "other";

export interface User {
  id: string;
  name: string;
}

export type FieldKind = "text" | "number" | "money" | "date" | "user" | "file" | "select" | "table";

export interface Field {
  label: string;
  value: string;
  kind: FieldKind;
}

export type StepRule =
  | { kind: "all" }
  | { kind: "any" }
  | { kind: "more_than"; n: number }
  | { kind: "designated"; user_id: string }
  | { kind: "other"; word: string };

export interface StepMember {
  user: User;
  decision: Decision;
  /** The vendor's word where `decision` is "other". */
  word: string | null;
  comment: string | null;
  decided_at: number | null;
}

export interface Step {
  name: string;
  rule: StepRule;
  decision: Decision;
  members: StepMember[];
}

export interface Attachment {
  remote_id: string;
  name: string;
  size: number | null;
  is_folder: boolean;
}

export interface ApprovalSummary {
  id: number;
  account_id: number;
  account_name: string;
  vendor: Vendor;
  remote_id: string;
  title: string;
  form_name: string;
  submitter: User;
  submitted_at: number;
  updated_at: number;
  status: Status;
  /** The vendor's status word where `status` is "other", shown as the vendor wrote it. */
  status_word: string | null;
  boxes: Inbox[];
  actions: Action[];
  /** Set when the last sync could not read the vendor's record (a placeholder, or its last readable copy). */
  unreadable: Unreadable | null;
}

/** Why an approval could not be read: the call, and why in words. */
export interface Unreadable {
  call: string;
  reason: string;
}

export interface Approval extends ApprovalSummary {
  fields: Field[];
  steps: Step[];
  attachments: Attachment[];
  raw: unknown;
  /** The steps that concern the user, by the vendor's own marker (absent in older mocks). */
  marks?: StepMark[];
}

/** A step as it concerns the user: "waiting" awaits them now; approved/rejected is their decision there. */
export interface StepMark {
  /** The vendor's marker of the step: opaque, compared, never shown. */
  step: string;
  name: string;
  decision: Decision;
}

export interface Page {
  items: ApprovalSummary[];
  total: number;
}

export interface BoxCounts {
  todo: number;
  submitted: number;
  processed: number;
  cc: number;
  managed: number;
}

export interface SyncState {
  running: boolean;
  last_success: number | null;
  last_attempt: number | null;
  /** The reason in words, null when the last sync succeeded. */
  last_error: string | null;
  /** After the last successful sync: the account's approvals in the cache, and how many could not be read. */
  last_count: number | null;
  last_unreadable: number | null;
  /** Where this app's running (or last) sync of the account stands; absent before one ran. */
  progress?: SyncProgress | null;
}

/** todos: walking the lists and reading what may wait for the user; history: every todo is in, finished ones are read. */
export type SyncPhase = "todos" | "history" | "done" | "stopped";

export interface SyncProgress {
  phase: SyncPhase;
  todo_ready: boolean;
  listed: number;
  history_total: number;
  history_done: number;
  /** Seconds the rest of the history should take at the rate measured so far. */
  eta_secs: number | null;
}

export interface SyncProgressEvent {
  account_id: number;
  progress: SyncProgress;
}

export interface Account {
  id: number;
  name: string;
  vendor: Vendor;
  base_url: string;
  /** Non-secret settings only. */
  settings: Record<string, string>;
  /** Created by demo mode. */
  demo: boolean;
  sync: SyncState;
}

export interface SettingSpec {
  key: string;
  label: string;
  secret: boolean;
  required: boolean;
  help: string;
}

export interface VendorInfo {
  id: Vendor;
  name: string;
  settings: SettingSpec[];
  capabilities: { boxes: Inbox[]; actions: Action[]; attachments: boolean; submit: boolean; vendor_link: boolean };
}

export type Sort = "newest" | "oldest";

export interface ApprovalQuery {
  inbox?: Inbox;
  vendor?: Vendor;
  account_id?: number;
  search?: string;
  status?: Status;
  form_name?: string;
  submitter?: string;
  /** Unix seconds: updated at or after. */
  since?: number;
  /** Unix seconds: updated before. */
  until?: number;
  /** Only approvals the last sync could not read. */
  unreadable?: boolean;
  sort?: Sort;
  offset: number;
  limit: number;
}

export interface NewAccount {
  vendor: Vendor;
  name: string;
  base_url: string;
  settings: Record<string, string>;
  secrets: Record<string, string>;
}

export interface AppInfo {
  demo: boolean;
  data_dir: string;
  version: string;
}

export interface SyncStartedEvent {
  account_id: number;
}

export interface SyncFinishedEvent {
  account_id: number;
  ok: boolean;
  error: string | null;
  changed: number;
}

export interface FacetValue {
  value: string;
  count: number;
}

export interface Facets {
  form_names: FacetValue[];
  submitters: FacetValue[];
}

// Starting approvals (issue 4).

export interface FieldOption {
  value: string;
  label: string;
}

export interface TemplateField {
  key: string;
  label: string;
  kind: FieldKind;
  required: boolean;
  options: FieldOption[];
}

export type AttachmentRule = "none" | "optional" | "required";

export interface Template {
  id: string;
  name: string;
  target: string | null;
  description: string;
  fields: TemplateField[];
  /** The steps and approvers it will go through. */
  steps: Step[];
  attachments: AttachmentRule;
  /** zeyi: any extra item (text, or file = a URL) may be added. */
  open_fields: boolean;
}

/** yomicloud: `target` is the file or folder id; `template_id` one template. */
export interface TemplateQuery {
  target?: string;
  template_id?: string;
}

export interface FieldValueInput {
  key: string;
  value: string;
  kind?: FieldKind;
}

export interface Submission {
  template_id: string;
  target?: string | null;
  fields: FieldValueInput[];
  /** zeyi conditionParamList. */
  conditions?: FieldValueInput[];
  /** Local paths of files and folders. */
  attachments?: string[];
  /** Set by save_draft; the same on every retry. */
  request_id?: string;
}

export type UploadState = "waiting" | "sending" | "done" | "failed";

export interface UploadProgress {
  path: string;
  index: number;
  count: number;
  sent: number;
  total: number;
  state: UploadState;
}

export type DraftState = "editing" | "sending" | "failed";

export interface Draft {
  /** 0 to create. */
  id: number;
  account_id: number;
  submission: Submission;
  uploads: UploadProgress[];
  state: DraftState;
  error: string | null;
  /** A FieldValueInput key, or "attachments". */
  error_field: string | null;
  updated_at: number;
}

export interface UploadProgressEvent {
  draft_id: number;
  progress: UploadProgress;
}

/** A chosen file or folder as describe_files sees it. */
export interface PathSummary {
  path: string;
  name: string;
  is_folder: boolean;
  /** Files it holds (1 for a file). */
  files: number;
  size: number;
  error: string | null;
}

/** What an outbox entry asks the vendor to do (docs/ipc.md). */
export type OutboxKind = "approve" | "reject" | "cancel" | "submit";
export type OutboxState = "queued" | "sending" | "failed" | "done" | "discarded";

/** A decision written down before it was sent: waiting, being sent, or refused. */
export interface OutboxEntry {
  id: number;
  account_id: number;
  approval_id: number | null;
  remote_id: string | null;
  kind: OutboxKind;
  comment: string;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
  /** Unix seconds. */
  next_attempt_at: number;
  created_at: number;
  updated_at: number;
  /** The approval's title while the cache holds it. */
  title: string | null;
  /** Approve/reject: the step it was made on; it is sent to that step only. */
  step_name?: string | null;
}
