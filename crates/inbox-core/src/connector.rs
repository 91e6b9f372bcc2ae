//! The seam every vendor plugs into: what a vendor can do, how its lists are walked, and how
//! actions go back. A new vendor is one folder under `connectors/` implementing [`Connector`].

use crate::connectors::recent::Listed;
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

/// One page of a source. `next` is the cursor of the following page, `None` at the end.
#[derive(Debug)]
pub struct ListPage {
    pub items: Vec<RemoteApproval>,
    /// Remote ids listed on this page whose approvals are as the cache has them (see
    /// `connectors::recent`): their boxes of this source stay as they are.
    pub unchanged: Vec<String>,
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
    pub fn new(items: Vec<RemoteApproval>, next: Option<String>) -> ListPage {
        ListPage { items, unchanged: Vec::new(), next, totals: Vec::new() }
    }

    /// A page of items read now or found unchanged (`connectors::recent`).
    pub fn of_listed(listed: Vec<Listed>, next: Option<String>) -> ListPage {
        let (mut items, mut unchanged) = (Vec::new(), Vec::new());
        for l in listed {
            match l {
                Listed::Read(a) => items.push(*a),
                Listed::Unchanged(id) => unchanged.push(id),
            }
        }
        ListPage { unchanged, ..ListPage::new(items, next) }
    }

    /// Records the vendor's count of the list `of` this page is part of.
    pub fn of_total(mut self, of: impl Into<String>, count: i64) -> ListPage {
        self.totals.push(ListTotal { of: of.into(), count });
        self
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Capabilities {
    pub boxes: Vec<Inbox>,
    pub actions: Vec<Action>,
    pub attachments: bool,
    pub submit: bool,
    /// Whether [`Connector::vendor_link`] gives a page of the vendor's console.
    pub vendor_link: bool,
}

/// A field of an account's configuration. Secret ones live only in the keychain.
#[derive(Debug, Clone, Serialize)]
pub struct SettingSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub secret: bool,
    pub required: bool,
    pub help: &'static str,
}

/// What the UI needs to know about a vendor before any account exists.
#[derive(Debug, Clone, Serialize)]
pub struct VendorInfo {
    pub id: Vendor,
    pub name: &'static str,
    pub settings: Vec<SettingSpec>,
    pub capabilities: Capabilities,
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
        crate::sync::FULL_WALK_AFTER
    }

    /// The page of `source` that listed `remote_ids` is stored in the cache: a connector that
    /// remembers reads (`connectors::recent`) may trust them from now on.
    fn stored(&self, source: &Source, remote_ids: &[String]) {
        let _ = (source, remote_ids);
    }

    /// One page of `source`, starting at `cursor` (`None` for the first page).
    async fn list(&self, source: &Source, cursor: Option<&str>) -> Result<ListPage, VendorError>;

    /// The full, current state of one approval, its boxes included.
    async fn detail(&self, remote_id: &str) -> Result<RemoteApproval, VendorError>;

    /// Approves, rejects or cancels with a comment.
    async fn act(&self, remote_id: &str, action: Action, comment: &str) -> Result<(), VendorError>;

    /// Fetches an attachment's bytes.
    async fn download(&self, attachment_id: &str) -> Result<Download, VendorError>;

    /// Acts on an approval the cache holds. Vendors that cannot re-read an approval (push
    /// vendors such as zeyi) need the cached one to act, and return its new state; the
    /// default calls [`Connector::act`] and returns `None`, so the service re-reads with
    /// [`Connector::detail`].
    async fn act_cached(&self, cached: &RemoteApproval, action: Action, comment: &str) -> Result<Option<RemoteApproval>, VendorError> {
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
