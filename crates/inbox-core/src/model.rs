//! The unified approval: what every vendor's data is mapped into and what the store, the CLI
//! and the UI speak. Vendor-specific shapes never leave `connectors/<vendor>/`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Seconds since the Unix epoch (UTC). The UI formats them in the user's time zone.
pub type Timestamp = i64;

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Unix seconds now.
pub fn now() -> Timestamp {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Which vendor an account talks to. The identifier is used in config, CLI and UI alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Yomicloud,
    Zeyi,
    Fxiaoke,
    Qiyuesuo,
    Weiwenjia,
}

impl Vendor {
    pub const ALL: [Vendor; 5] =
        [Vendor::Yomicloud, Vendor::Zeyi, Vendor::Fxiaoke, Vendor::Qiyuesuo, Vendor::Weiwenjia];

    pub fn as_str(self) -> &'static str {
        match self {
            Vendor::Yomicloud => "yomicloud",
            Vendor::Zeyi => "zeyi",
            Vendor::Fxiaoke => "fxiaoke",
            Vendor::Qiyuesuo => "qiyuesuo",
            Vendor::Weiwenjia => "weiwenjia",
        }
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Vendor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vendor::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown vendor `{s}` (known: {})", Vendor::ALL.map(|v| v.as_str()).join(", ")))
    }
}

/// The boxes of the inbox. An approval may be in several at once (e.g. submitted and cc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Inbox {
    /// 待我审批: waiting for this user's decision.
    Todo,
    /// 我提交的: started by this user.
    Submitted,
    /// 我处理过的: this user already decided.
    Processed,
    /// 抄送我的: this user is copied.
    Cc,
    /// 我管理的: approvals this user administers without taking part in them (yomicloud's
    /// `get-handler-list admin=1`, "我管理的审批"; only for administrator accounts).
    Managed,
}

impl Inbox {
    pub const ALL: [Inbox; 5] = [Inbox::Todo, Inbox::Submitted, Inbox::Processed, Inbox::Cc, Inbox::Managed];

    pub fn as_str(self) -> &'static str {
        match self {
            Inbox::Todo => "todo",
            Inbox::Submitted => "submitted",
            Inbox::Processed => "processed",
            Inbox::Cc => "cc",
            Inbox::Managed => "managed",
        }
    }
}

impl fmt::Display for Inbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Inbox {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Inbox::ALL
            .into_iter()
            .find(|b| b.as_str() == s)
            .ok_or_else(|| format!("unknown box `{s}` (known: {})", Inbox::ALL.map(Inbox::as_str).join(", ")))
    }
}

/// Where an approval stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Sent by us; the vendor has not confirmed it yet (a local stand-in, see drafts).
    Sending,
    Pending,
    Approved,
    Rejected,
    Cancelled,
    /// The vendor could not carry out the approved change (yomicloud 处理失败).
    Failed,
    /// A status word the vendor sent that we do not know ([`RemoteApproval::status_word`]
    /// holds it, shown as the vendor wrote it). Nothing is offered on a guess.
    Other,
}

impl Status {
    /// Whether the approval has ended: nobody can act on it any more.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Approved | Status::Rejected | Status::Cancelled | Status::Failed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sending => "sending",
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
            Status::Cancelled => "cancelled",
            Status::Failed => "failed",
            Status::Other => "other",
        }
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Status::Sending,
            Status::Pending,
            Status::Approved,
            Status::Rejected,
            Status::Cancelled,
            Status::Failed,
            Status::Other,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("unknown status `{s}`"))
    }
}

/// A person as the vendor names them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ts_rs::TS)]
pub struct User {
    /// The vendor's id for the person.
    pub id: String,
    /// The display name (real name where the vendor has one).
    pub name: String,
}

/// How a field's value should be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Number,
    Money,
    /// `value` is Unix seconds as text.
    Date,
    User,
    File,
    Select,
    /// `value` is sanitised HTML or a JSON array of rows.
    Table,
}

/// One labelled value of an approval's form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Field {
    pub label: String,
    pub value: String,
    pub kind: FieldKind,
}

impl Field {
    pub fn new(label: impl Into<String>, value: impl Into<String>, kind: FieldKind) -> Self {
        Field { label: label.into(), value: value.into(), kind }
    }
}

/// When a step is passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepRule {
    /// Every member must agree.
    All,
    /// Any one member's agreement passes the step.
    Any,
    /// More than `n` members must agree.
    MoreThan { n: u32 },
    /// The designated member decides.
    Designated { user_id: String },
    /// A rule the vendor names with a word we do not know, shown as the vendor wrote it.
    Other { word: String },
}

/// A member's decision within a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Waiting,
    Approved,
    Rejected,
    /// A word we do not know ([`StepMember::word`] holds it): shown, never taken as a decision.
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct StepMember {
    pub user: User,
    pub decision: Decision,
    /// The vendor's own word for the decision where it is [`Decision::Other`].
    #[serde(default)]
    pub word: Option<String>,
    pub comment: Option<String>,
    pub decided_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Step {
    pub name: String,
    pub rule: StepRule,
    /// The step's own outcome (waiting until its rule is met or can no longer be met).
    pub decision: Decision,
    pub members: Vec<StepMember>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Attachment {
    /// The vendor's id for the file, used to download it.
    pub remote_id: String,
    pub name: String,
    pub size: Option<u64>,
    pub is_folder: bool,
}

/// What this user may do with an approval now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Approve,
    Reject,
    Cancel,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Cancel => "cancel",
        }
    }
}

/// One approval as a connector reports it, before the store gives it a local id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct RemoteApproval {
    pub remote_id: String,
    pub title: String,
    pub form_name: String,
    pub submitter: User,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    pub status: Status,
    pub boxes: Vec<Inbox>,
    pub fields: Vec<Field>,
    pub steps: Vec<Step>,
    pub attachments: Vec<Attachment>,
    pub actions: Vec<Action>,
    /// The vendor's own JSON, kept for diagnosis.
    #[ts(type = "unknown")]
    pub raw: serde_json::Value,
    /// The vendor's status word where [`Status::Other`] stands for it.
    #[serde(default)]
    pub status_word: Option<String>,
    /// Set when the vendor's record could not be read at the last sync: the approval is a
    /// placeholder (or its last readable copy), shown with the reason, offering no action.
    #[serde(default)]
    pub unreadable: Option<Unreadable>,
    /// The steps that concern this user, by the vendor's own markers: the one awaiting their
    /// decision now, and those showing a decision that is theirs. A decision is sent to the
    /// step the user saw awaiting them and nowhere else (`outbox.rs`). Empty for a vendor
    /// without step markers (zeyi) and for what offers no decision.
    #[serde(default)]
    pub marks: Vec<StepMark>,
}

impl RemoteApproval {
    /// The step awaiting this user's approve or reject now, where the vendor names it.
    pub fn awaiting(&self) -> Option<&StepMark> {
        self.marks.iter().find(|m| m.decision == Decision::Waiting)
    }
}

/// One step of an approval as it concerns this user, named by the vendor's own marker for it:
/// weiwenjia the execute record and the node, yomicloud the user's handling row (`auid`) and
/// step, qiyuesuo the audit action's id, fxiaoke the CRM task's id. Opaque outside its
/// connector: only compared for equality.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct StepMark {
    /// The vendor's marker of the step.
    pub step: String,
    /// The step's name as the approval shows it (for words such as "moved on to 销售总监审批").
    pub name: String,
    /// [`Decision::Waiting`]: the step awaits this user now. Approved or rejected: the decision
    /// that shows there as this user's (qiyuesuo, whose audits decided through the API name
    /// no employee: the audit's own outcome).
    pub decision: Decision,
}

/// Why an approval the vendor listed could not be read: which call, and why in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Unreadable {
    pub call: String,
    pub reason: String,
}

/// An approval in the cache: what the CLI and UI show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Approval {
    /// Local id, stable while the approval stays in the cache; short enough to type.
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub vendor: Vendor,
    #[serde(flatten)]
    pub remote: RemoteApproval,
}

/// A row of the list: an approval without its heavy parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ApprovalSummary {
    pub id: i64,
    pub account_id: i64,
    pub account_name: String,
    pub vendor: Vendor,
    pub remote_id: String,
    pub title: String,
    pub form_name: String,
    pub submitter: User,
    pub submitted_at: Timestamp,
    pub updated_at: Timestamp,
    pub status: Status,
    pub status_word: Option<String>,
    pub boxes: Vec<Inbox>,
    pub actions: Vec<Action>,
    pub unreadable: Option<Unreadable>,
}

/// A configured vendor account (its secrets are in the keychain, not here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub vendor: Vendor,
    pub base_url: String,
    #[ts(type = "Record<string, string>")]
    pub settings: serde_json::Map<String, serde_json::Value>,
    pub demo: bool,
    pub sync: SyncState,
}

impl Account {
    /// A non-secret setting as text, or `None` when absent or empty.
    pub fn setting(&self, key: &str) -> Option<String> {
        match self.settings.get(key)? {
            serde_json::Value::String(s) if s.is_empty() => None,
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct SyncState {
    pub running: bool,
    pub last_attempt: Option<i64>,
    pub last_success: Option<i64>,
    /// The reason the last sync failed, in words; `None` after a success.
    pub last_error: Option<String>,
    /// After the last successful sync: how many of the account's approvals the cache holds,
    /// and how many of them could not be read (placeholders, shown with their reasons).
    pub last_count: Option<u64>,
    pub last_unreadable: Option<u64>,
    /// Where the running (or last) sync of this process stands; `None` before one ran.
    #[serde(default)]
    pub progress: Option<SyncProgress>,
}

/// Where an account's sync stands, as the sidebar and `inbox sync` show it ("待办已就绪 · 历史
/// 3,200 / 10,000 · 约 12 分钟"). A sync reads first what may wait for the user, then the
/// history (finished approvals): see `sync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Walking the lists and reading what may wait for the user.
    Todos,
    /// Everything that may wait for the user is in the cache; reading finished approvals.
    History,
    /// Both done.
    Done,
    /// Stopped by the user (or another process took over): the rest is read next time.
    Stopped,
}

/// An account's sync progress: its phase, whether every todo is in the cache, how much of the
/// history is read, and how long the rest should take at the rate measured so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct SyncProgress {
    pub phase: SyncPhase,
    /// Every listed approval that may wait for the user is read (or found unchanged).
    pub todo_ready: bool,
    /// Items listed by the walk so far (all phases).
    pub listed: u64,
    /// Finished approvals listed, and how many of them the cache already reflects.
    pub history_total: u64,
    pub history_done: u64,
    /// Seconds the rest of the history should take at the rate read so far in this run.
    pub eta_secs: Option<u64>,
}
