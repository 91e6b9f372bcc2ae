// Generated from the Rust types by crates/inbox-core/tests/ui_bindings.rs (ts-rs); do not edit.
// After changing one of those types: UPDATE_BINDINGS=1 cargo test -p inbox-core --test ui_bindings

export type Vendor = "yomicloud" | "zeyi" | "fxiaoke" | "qiyuesuo" | "weiwenjia";

export type Inbox = "todo" | "submitted" | "processed" | "cc" | "managed";

export type Status = "sending" | "pending" | "approved" | "rejected" | "cancelled" | "failed" | "other";

export type Action = "approve" | "reject" | "cancel";

export type Decision = "waiting" | "approved" | "rejected" | "other";

export type User = { 
/**
 * The vendor's id for the person.
 */
id: string, 
/**
 * The display name (real name where the vendor has one).
 */
name: string, };

export type FieldKind = "text" | "number" | "money" | "date" | "user" | "file" | "select" | "table";

export type Field = { label: string, value: string, kind: FieldKind, };

export type StepRule = { "kind": "all" } | { "kind": "any" } | { "kind": "more_than", n: number, } | { "kind": "designated", user_id: string, } | { "kind": "other", word: string, };

export type StepMember = { user: User, decision: Decision, 
/**
 * The vendor's own word for the decision where it is [`Decision::Other`].
 */
word: string | null, comment: string | null, decided_at: number | null, };

export type Step = { name: string, rule: StepRule, 
/**
 * The step's own outcome (waiting until its rule is met or can no longer be met).
 */
decision: Decision, members: Array<StepMember>, };

export type Attachment = { 
/**
 * The vendor's id for the file, used to download it.
 */
remote_id: string, name: string, size: number | null, is_folder: boolean, };

export type Unreadable = { call: string, reason: string, };

export type StepMark = { 
/**
 * The vendor's marker of the step.
 */
step: string, 
/**
 * The step's name as the approval shows it (for words such as "moved on to 销售总监审批").
 */
name: string, 
/**
 * [`Decision::Waiting`]: the step awaits this user now. Approved or rejected: the decision
 * that shows there as this user's (qiyuesuo, whose audits decided through the API name
 * no employee: the audit's own outcome).
 */
decision: Decision, };

export type RemoteApproval = { remote_id: string, title: string, form_name: string, submitter: User, submitted_at: number, updated_at: number, status: Status, boxes: Array<Inbox>, fields: Array<Field>, steps: Array<Step>, attachments: Array<Attachment>, actions: Array<Action>, 
/**
 * The vendor's own JSON, kept for diagnosis.
 */
raw: unknown, 
/**
 * The vendor's status word where [`Status::Other`] stands for it.
 */
status_word: string | null, 
/**
 * Set when the vendor's record could not be read at the last sync: the approval is a
 * placeholder (or its last readable copy), shown with the reason, offering no action.
 */
unreadable: Unreadable | null, 
/**
 * The steps that concern this user, by the vendor's own markers: the one awaiting their
 * decision now, and those showing a decision that is theirs. A decision is sent to the
 * step the user saw awaiting them and nowhere else (`outbox.rs`). Empty for a vendor
 * without step markers (zeyi) and for what offers no decision.
 */
marks: Array<StepMark>, };

export type Approval = { 
/**
 * Local id, stable while the approval stays in the cache; short enough to type.
 */
id: number, account_id: number, account_name: string, vendor: Vendor, remote_id: string, title: string, form_name: string, submitter: User, submitted_at: number, updated_at: number, status: Status, boxes: Array<Inbox>, fields: Array<Field>, steps: Array<Step>, attachments: Array<Attachment>, actions: Array<Action>, 
/**
 * The vendor's own JSON, kept for diagnosis.
 */
raw: unknown, 
/**
 * The vendor's status word where [`Status::Other`] stands for it.
 */
status_word: string | null, 
/**
 * Set when the vendor's record could not be read at the last sync: the approval is a
 * placeholder (or its last readable copy), shown with the reason, offering no action.
 */
unreadable: Unreadable | null, 
/**
 * The steps that concern this user, by the vendor's own markers: the one awaiting their
 * decision now, and those showing a decision that is theirs. A decision is sent to the
 * step the user saw awaiting them and nowhere else (`outbox.rs`). Empty for a vendor
 * without step markers (zeyi) and for what offers no decision.
 */
marks: Array<StepMark>, };

export type ApprovalSummary = { id: number, account_id: number, account_name: string, vendor: Vendor, remote_id: string, title: string, form_name: string, submitter: User, submitted_at: number, updated_at: number, status: Status, status_word: string | null, boxes: Array<Inbox>, actions: Array<Action>, unreadable: Unreadable | null, };

export type Page = { items: Array<ApprovalSummary>, total: number, };

export type BoxCounts = { todo: number, submitted: number, processed: number, cc: number, managed: number, };

export type SyncPhase = "todos" | "history" | "done" | "stopped";

export type SyncProgress = { phase: SyncPhase, 
/**
 * Every listed approval that may wait for the user is read (or found unchanged).
 */
todo_ready: boolean, 
/**
 * Items listed by the walk so far (all phases).
 */
listed: number, 
/**
 * Finished approvals listed, and how many of them the cache already reflects.
 */
history_total: number, history_done: number, 
/**
 * Seconds the rest of the history should take at the rate read so far in this run.
 */
eta_secs: number | null, };

export type SyncState = { running: boolean, last_attempt: number | null, last_success: number | null, 
/**
 * The reason the last sync failed, in words; `None` after a success.
 */
last_error: string | null, 
/**
 * After the last successful sync: how many of the account's approvals the cache holds,
 * and how many of them could not be read (placeholders, shown with their reasons).
 */
last_count: number | null, last_unreadable: number | null, 
/**
 * Where the running (or last) sync of this process stands; `None` before one ran.
 */
progress: SyncProgress | null, };

export type Account = { id: number, name: string, vendor: Vendor, base_url: string, settings: Record<string, string>, demo: boolean, sync: SyncState, };

export type Choice = { value: string, label: string, };

export type When = { key: string, value: string, };

export type SettingSpec = { key: string, label: string, secret: boolean, 
/**
 * Required whenever the setting applies (see `when`).
 */
required: boolean, help: string, 
/**
 * The values it may take, when it is a choice; the first is the default.
 */
choices: Array<Choice>, 
/**
 * The setting belongs to one choice of another setting (e.g. a connection mode): it is
 * asked, required and used only when that setting has that value.
 */
when: When | null, };

export type Capabilities = { boxes: Array<Inbox>, actions: Array<Action>, attachments: boolean, submit: boolean, 
/**
 * Whether [`Connector::vendor_link`] gives a page of the vendor's console.
 */
vendor_link: boolean, 
/**
 * A submission may be sent again after an attempt that may have reached the vendor: the
 * vendor deduplicates by our request id (zeyi's business id). Elsewhere the user decides.
 */
idempotent_submit: boolean, 
/**
 * A submission is about a file or folder the user names (yomicloud): the form asks for it.
 */
submit_target: boolean, 
/**
 * What the submission form calls the template id the user types (zeyi: its auditType);
 * `None`: the form's own word.
 */
template_label: string | null, };

export type VendorInfo = { id: Vendor, name: string, 
/**
 * The colour of the vendor's badge in the window (an antd preset colour name).
 */
color: string, settings: Array<SettingSpec>, capabilities: Capabilities, };

export type Sort = "newest" | "oldest";

export type ListQuery = { inbox?: Inbox, vendor?: Vendor, account_id?: number, search?: string, 
/**
 * Only approvals in this overall status.
 */
status?: Status, 
/**
 * Only approvals of this form (the vendor's form name, as listed by [`Store::facets`]).
 */
form_name?: string, 
/**
 * Only approvals submitted by this person (the name as shown).
 */
submitter?: string, 
/**
 * Only approvals last updated at or after this time (Unix seconds).
 */
since?: number, 
/**
 * Only approvals last updated before this time (Unix seconds).
 */
until?: number, 
/**
 * Only approvals the last sync could not read (placeholders and stale copies).
 */
unreadable?: boolean, sort?: Sort, offset: number, limit: number, };

export type AccountInput = { vendor: Vendor, name: string, base_url: string, settings: Record<string, string>, secrets: Record<string, string>, };

export type AppInfo = { 
/**
 * Running against the built-in simulators (no account was configured).
 */
demo: boolean, data_dir: string, version: string, 
/**
 * Where zeyi callbacks are received, if the listener is up.
 */
callback_url: string | null, };

export type SyncEvent = { "type": "started", account_id: number, } | { "type": "finished", account_id: number, ok: boolean, error: string | null, changed: number, } | { "type": "outbox_changed", account_id: number, } | { "type": "cache_damaged", problem: string, } | { "type": "progress", account_id: number, progress: SyncProgress, };

export type FacetValue = { value: string, count: number, };

export type Facets = { form_names: Array<FacetValue>, submitters: Array<FacetValue>, };

export type FieldOption = { value: string, label: string, };

export type TemplateField = { 
/**
 * The key the value is sent under ([`FieldValue::key`]).
 */
key: string, label: string, kind: FieldKind, required: boolean, 
/**
 * For [`FieldKind::Select`]: the allowed values (`value` to send, `label` to show).
 */
options: Array<FieldOption>, };

export type AttachmentRule = "none" | "optional" | "required";

export type Template = { 
/**
 * The vendor's template id (yomicloud `tid`, zeyi `auditType`).
 */
id: string, name: string, 
/**
 * What the approval is about, when the vendor ties it to one (yomicloud: the file or folder).
 */
target: string | null, description: string, fields: Array<TemplateField>, 
/**
 * The steps and approvers it will go through, as far as the vendor tells in advance.
 */
steps: Array<Step>, attachments: AttachmentRule, 
/**
 * Whether fields the template does not list may be added (zeyi takes any form item).
 */
open_fields: boolean, };

export type TemplateQuery = { 
/**
 * The file or folder an approval would be about (yomicloud file id).
 */
target?: string, 
/**
 * One template by its id (yomicloud lets only admins list a file's templates).
 */
template_id?: string, };

export type FieldValue = { key: string, value: string, kind?: FieldKind, };

export type Submission = { template_id: string, target?: string | null, fields: Array<FieldValue>, 
/**
 * Routing parameters the vendor chooses the flow by (zeyi `conditionParamList`).
 */
conditions?: Array<FieldValue>, 
/**
 * Local files and folders to upload with it.
 */
attachments?: Array<string>, 
/**
 * Our id for this submission, the same on every retry, so a vendor that deduplicates
 * (zeyi's business `id`) never starts a second approval. Drafts set it; empty → derived.
 */
request_id?: string, 
/**
 * The vendor's id of `attachments` once every file went up (yomicloud `attachmentId`), so a
 * resend after a failed create reuses the upload instead of sending the files again. Set by
 * the service only; dropped when the attachments change or the vendor refuses it.
 */
uploaded?: string | null, };

export type UploadState = "waiting" | "sending" | "done" | "failed";

export type UploadProgress = { path: string, 
/**
 * Index of the file among the submission's files, and their count.
 */
index: number, count: number, sent: number, total: number, state: UploadState, };

export type UploadProgressEvent = { draft_id: number, progress: UploadProgress, };

export type DraftState = "editing" | "sending" | "failed";

export type Draft = { 
/**
 * 0 for a draft not saved yet.
 */
id: number, account_id: number, submission: Submission, 
/**
 * One entry per file to upload, as last reported.
 */
uploads: Array<UploadProgress>, state: DraftState, 
/**
 * Why the last send failed, and the field it concerns when the vendor said.
 */
error: string | null, error_field: string | null, updated_at: number, };

export type PathSummary = { path: string, name: string, is_folder: boolean, files: number, size: number, error: string | null, };

export type OutboxKind = "approve" | "reject" | "cancel" | "submit";

export type OutboxState = "queued" | "sending" | "failed" | "done" | "discarded";

export type OutboxEntry = { id: number, account_id: number, 
/**
 * The cached approval acted on (none for a submission).
 */
approval_id: number | null, 
/**
 * The vendor's id of that approval.
 */
remote_id: string | null, kind: OutboxKind, comment: string, state: OutboxState, attempts: number, 
/**
 * Why the last attempt did not go through, in words.
 */
last_error: string | null, 
/**
 * Unix seconds.
 */
next_attempt_at: number, created_at: number, updated_at: number, 
/**
 * The title of the approval acted on, while the cache holds it (filled by
 * [`Service::outbox`], for the list the user reads).
 */
title: string | null, 
/**
 * That step's name, as the user saw it.
 */
step_name: string | null, };

export type ErrorKind = "not_found" | "invalid" | "vendor" | "credentials" | "offline" | "busy" | "conflict" | "damaged" | "io";

export type ErrorReply = { kind: ErrorKind, message: string, field?: string, };
