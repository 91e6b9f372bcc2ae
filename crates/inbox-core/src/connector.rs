//! The seam every vendor plugs into: what a vendor can do, how its lists are walked, and how
//! actions go back. A new vendor is one folder under `connectors/` implementing [`Connector`].

use crate::error::VendorError;
use crate::model::{Action, Inbox, RemoteApproval, Vendor};
use crate::submission::{Progress, Submission, Template, TemplateQuery};
use async_trait::async_trait;
use serde::Serialize;

/// A list the vendor offers, and the boxes it is the authority for. After a source has been
/// walked completely, an approval of that account that the source no longer lists leaves those
/// boxes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// A stable name for logs and errors (e.g. `get-handler-list utype=1`).
    pub name: &'static str,
    pub boxes: Vec<Inbox>,
}

/// One page of a source: the items it lists, not yet read. `next` is the cursor of the
/// following page, `None` at the end.
#[derive(Debug, Default)]
pub struct ListPage {
    pub items: Vec<ListItem>,
    pub next: Option<String>,
    /// The vendor's own counts of the lists this page is part of, where it reports them (a
    /// page may draw on two lists walked side by side).
    pub totals: Vec<ListTotal>,
}

/// A vendor's count of one list (`of` names it: a scope, a time window, a flow). Two pages of
/// one walk that report different counts for the same list saw it change while being paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListTotal {
    pub of: String,
    pub count: i64,
}

impl ListPage {
    /// A page of a list whose size the vendor does not report.
    pub fn new(items: Vec<ListItem>, next: Option<String>) -> ListPage {
        ListPage { items, next, totals: Vec::new() }
    }

    /// Records the vendor's count of the list `of` this page is part of.
    pub fn of_total(mut self, of: impl Into<String>, count: i64) -> ListPage {
        self.totals.push(ListTotal { of: of.into(), count });
        self
    }
}

/// One item of a vendor list, before its approval is read ([`Connector::read`]). The sync
/// reads it (or finds it unchanged since the last read, `sync::Recent`), and keeps an item it
/// cannot read as a placeholder, so one record never hides the others.
#[derive(Debug)]
pub struct ListItem {
    pub remote_id: String,
    /// The vendor's list item as sent: kept with a placeholder, for diagnosis.
    pub raw: serde_json::Value,
    /// What the list shows of the item's state, compared between syncs to tell whether it
    /// changed (`None`: all of `raw`).
    pub seen: Option<serde_json::Value>,
    /// The boxes the list item itself places it in (its source's, where the list speaks for
    /// one box), for a placeholder. Empty: the list cannot tell (a company-wide list).
    pub boxes: Vec<Inbox>,
    /// A title the list item shows, for a placeholder.
    pub title: Option<String>,
    /// Why the list item itself could not be read: it becomes a placeholder unread.
    pub unreadable: Option<VendorError>,
    /// Whether the list shows the approval finished (a status word the connector knows to be
    /// final): then nothing of it can wait for the user, and a first sync reads it after
    /// everything that can (`sync`'s history phase). `false` — the default, and what an
    /// unknown or missing word gives — means it may be waiting: read it first.
    pub finished: bool,
}

impl ListItem {
    pub fn new(remote_id: impl Into<String>, raw: serde_json::Value) -> ListItem {
        ListItem {
            remote_id: remote_id.into(),
            raw,
            seen: None,
            boxes: Vec::new(),
            title: None,
            unreadable: None,
            finished: false,
        }
    }

    /// A list item that could not be read itself, with its id taken from the raw item where
    /// it has one (else the sync names it by a fingerprint of what it shows, so the same
    /// unreadable item keeps one placeholder).
    pub fn unreadable(remote_id: Option<String>, raw: serde_json::Value, error: VendorError) -> ListItem {
        ListItem { unreadable: Some(error), ..ListItem::new(remote_id.unwrap_or_default(), raw) }
    }

    pub fn in_boxes(mut self, boxes: Vec<Inbox>) -> ListItem {
        self.boxes = boxes;
        self
    }

    pub fn titled(mut self, title: impl Into<String>) -> ListItem {
        let title = title.into();
        self.title = (!title.trim().is_empty()).then_some(title);
        self
    }

    /// Marks the item finished when the list's own status says so (see [`ListItem::finished`]).
    pub fn finished_if(mut self, finished: bool) -> ListItem {
        self.finished = finished;
        self
    }

    /// Compares `seen` instead of the whole item between syncs.
    pub fn seen_as(mut self, seen: serde_json::Value) -> ListItem {
        self.seen = Some(seen);
        self
    }
}

/// What a vendor offers, so the service and the window decide by capability, never by vendor.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct Capabilities {
    pub boxes: Vec<Inbox>,
    pub actions: Vec<Action>,
    pub attachments: bool,
    pub submit: bool,
    /// Whether [`Connector::vendor_link`] gives a page of the vendor's console.
    pub vendor_link: bool,
    /// A submission may be sent again after an attempt that may have reached the vendor: the
    /// vendor deduplicates by our request id (zeyi's business id). Elsewhere the user decides.
    pub idempotent_submit: bool,
    /// A submission is about a file or folder the user names (yomicloud): the form asks for it.
    pub submit_target: bool,
    /// What the submission form calls the template id the user types (zeyi: its auditType);
    /// `None`: the form's own word.
    pub template_label: Option<&'static str>,
}

/// A field of an account's configuration. Secret ones live only in the keychain.
#[derive(Debug, Clone, Default, Serialize, ts_rs::TS)]
pub struct SettingSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub secret: bool,
    /// Required whenever the setting applies (see `when`).
    pub required: bool,
    pub help: &'static str,
    /// The values it may take, when it is a choice; the first is the default.
    pub choices: &'static [Choice],
    /// The setting belongs to one choice of another setting (e.g. a connection mode): it is
    /// asked, required and used only when that setting has that value.
    pub when: Option<When>,
}

/// One value of a choice setting, with the words the form shows for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

/// "Only when the setting `key` is `value`."
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct When {
    pub key: &'static str,
    pub value: &'static str,
}

impl SettingSpec {
    /// Whether this setting applies to an account with these settings: always, or when the
    /// setting it depends on has its value (a choice left out takes its first, default, value).
    pub fn applies(&self, specs: &[SettingSpec], settings: &serde_json::Map<String, serde_json::Value>) -> bool {
        let Some(when) = self.when else { return true };
        let given = settings.get(when.key).and_then(|v| v.as_str()).map(str::trim).filter(|v| !v.is_empty());
        let chosen =
            given.or_else(|| specs.iter().find(|s| s.key == when.key).and_then(|s| s.choices.first()).map(|c| c.value));
        chosen == Some(when.value)
    }
}

/// What the UI needs to know about a vendor before any account exists.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct VendorInfo {
    pub id: Vendor,
    pub name: &'static str,
    /// The colour of the vendor's badge in the window (an antd preset colour name).
    pub color: &'static str,
    pub settings: Vec<SettingSpec>,
    pub capabilities: Capabilities,
}

/// How long a walk whose first page is unchanged may stand for the whole list, and a finished
/// approval's read may be trusted while its list item is unchanged, unless a connector says
/// otherwise: the bound on how stale what a first page or a list item does not show can get.
pub const FULL_WALK_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// What a connector tells the sync about remembering its reads (see `sync::Recent`).
#[derive(Debug, Clone, Copy)]
pub struct Recall {
    /// Top-level list item fields left out of its fingerprint: they change by themselves.
    pub volatile: &'static [&'static str],
    /// How long a finished approval's read is trusted while its list item is unchanged.
    pub ttl: std::time::Duration,
}

impl Default for Recall {
    fn default() -> Self {
        Recall { volatile: &[], ttl: FULL_WALK_AFTER }
    }
}

/// Pacing of a vendor's rate-limited calls shared by every process using one cache (the app and
/// `inbox`): a connector asks before each call and waits what it is told, so two processes
/// together stay under the vendor's limit that each alone would respect. Keys name one
/// account's endpoint. The service gives connectors one backed by the cache
/// (`Store::reserve_call`); a connector made on its own paces in its process only.
pub trait Pacer: Send + Sync {
    /// Reserves the next call of `key` under "one per `interval`, `burst` ahead": returns how
    /// long to wait before making it.
    fn reserve(&self, key: &str, interval: std::time::Duration, burst: u32) -> std::time::Duration;
    /// The vendor answered "too fast": nobody calls `key` for `pause`.
    fn hold(&self, key: &str, pause: std::time::Duration);
}

/// A file fetched from the vendor.
#[derive(Debug)]
pub struct Download {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One configured vendor account, ready to talk to the vendor.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The lists to walk for a full sync, in order.
    fn sources(&self) -> Vec<Source>;

    /// Checks that the credentials work; returns a sentence for the user.
    async fn test(&self) -> Result<String, VendorError>;

    /// A fingerprint of `source`'s first page and the vendor's count of it, for a vendor whose
    /// first page shows every change that decides a box: a sync skips a source whose head is
    /// as at its last full walk (see `sync::Heads`). `None` (the default): walk every time,
    /// because the vendor's list does not show such changes (e.g. whose turn a step is).
    async fn head(&self, source: &Source) -> Result<Option<u64>, VendorError> {
        let _ = source;
        Ok(None)
    }

    /// How long after a full walk began a head as at that walk may stand for the whole list:
    /// the bound on how stale what the head does not show can get.
    fn head_trusted_for(&self) -> std::time::Duration {
        FULL_WALK_AFTER
    }

    /// How the sync remembers what it read of this vendor (`sync::Recent`): the list item
    /// fields that change by themselves, and how long a finished approval's read is trusted.
    fn recall(&self) -> Recall {
        Recall::default()
    }

    /// How far apart the history phase of a first sync starts its reads (finished approvals,
    /// read after everything that may wait for the user): `None` (the default) for a vendor
    /// without a rate limit worth leaving room under. A rate-limited vendor gives a gap that
    /// keeps history below its limit, so the user's own actions and the next pass over the
    /// lists still find room.
    fn history_gap(&self) -> Option<std::time::Duration> {
        None
    }

    /// One page of `source`, starting at `cursor` (`None` for the first page): the items it
    /// lists, which the sync then reads with [`Connector::read`].
    async fn list(&self, source: &Source, cursor: Option<&str>) -> Result<ListPage, VendorError>;

    /// The approval of one listed item, its boxes included (none: not the user's, so it is not
    /// cached). An error that [`VendorError::is_item_level`] concerns this item only.
    async fn read(&self, source: &Source, item: &ListItem) -> Result<RemoteApproval, VendorError>;

    /// The full, current state of one approval, its boxes included.
    async fn detail(&self, remote_id: &str) -> Result<RemoteApproval, VendorError>;

    /// Approves, rejects or cancels with a comment.
    async fn act(&self, remote_id: &str, action: Action, comment: &str) -> Result<(), VendorError>;

    /// Approves or rejects at one step only: `step` is the marker of the step the user saw
    /// awaiting them ([`RemoteApproval::awaiting`]). From the same read it acts on, the
    /// connector checks that the vendor's step awaiting this user is still that one, and
    /// otherwise refuses ([`VendorError::NotAllowed`]) without sending: a decision never lands
    /// on a step the user did not see. A connector that marks steps implements it; the default
    /// refuses, so a marked step is never acted on unchecked.
    async fn act_at(&self, remote_id: &str, step: &str, action: Action, comment: &str) -> Result<(), VendorError> {
        let _ = (remote_id, step, action, comment);
        Err(VendorError::Unsupported("deciding at one step"))
    }

    /// Fetches an attachment's bytes.
    async fn download(&self, attachment_id: &str) -> Result<Download, VendorError>;

    /// Acts on an approval the cache holds. Vendors that cannot re-read an approval (push
    /// vendors such as zeyi) need the cached one to act, and return its new state; the
    /// default calls [`Connector::act`] and returns `None`, so the service re-reads with
    /// [`Connector::detail`].
    async fn act_cached(
        &self,
        cached: &RemoteApproval,
        action: Action,
        comment: &str,
    ) -> Result<Option<RemoteApproval>, VendorError> {
        self.act(&cached.remote_id, action, comment).await.map(|()| None)
    }

    /// What can be started (see [`TemplateQuery`]); vendors without submission say so.
    async fn templates(&self, query: &TemplateQuery) -> Result<Vec<Template>, VendorError> {
        let _ = query;
        Err(VendorError::Unsupported("starting approvals"))
    }

    /// Starts an approval from `submission`, uploading its files (reporting to `progress`), and
    /// returns it as the vendor now has it. A retry of the same submission (same `request_id`)
    /// must not start a second approval where the vendor lets us tell.
    async fn submit(&self, submission: &Submission, progress: Progress) -> Result<RemoteApproval, VendorError> {
        let _ = (submission, progress);
        Err(VendorError::Unsupported("starting approvals"))
    }

    /// Deletes an approval at the vendor (an administrator's right where the vendor has it).
    async fn remove(&self, remote_id: &str) -> Result<(), VendorError> {
        let _ = remote_id;
        Err(VendorError::Unsupported("deleting approvals"))
    }

    /// A page of the vendor's own console showing this approval, to open in the browser.
    async fn vendor_link(&self, remote_id: &str) -> Result<String, VendorError> {
        let _ = remote_id;
        Err(VendorError::Unsupported("opening approvals in the vendor's console"))
    }
}
