//! Keeping the cache in step with the vendors: [`sync_account`] walks every source of one
//! account page by page into the store, and [`Scheduler`] runs one tokio task per account that
//! syncs on an interval and on demand, backing off after failures. One account failing never
//! stops the others.

use crate::connector::{Connector, Source};
use crate::error::VendorError;
use crate::service::Service;
use crate::store::Store;
use backon::{BackoffBuilder, ExponentialBuilder};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Progress and results, for the UI and the CLI.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncEvent {
    Started { account_id: i64 },
    Finished { account_id: i64, ok: bool, error: Option<String>, changed: usize },
    /// An outbox entry of the account was queued, sent, failed or discarded.
    OutboxChanged { account_id: i64 },
}

/// What one successful sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    /// Approvals read and stored.
    pub fetched: usize,
    /// Box memberships removed because the vendor no longer lists them.
    pub removed: usize,
}

/// How often a source is walked again when its list moved while it was being paged.
const WALKS_PER_SOURCE: usize = 3;

/// How long a source whose first page is unchanged may go without a full walk, unless its
/// connector says otherwise ([`Connector::head_trusted_for`]): the bound on how stale what its
/// first page does not show (an old approval's steps) can get. The same bound as a remembered
/// detail (`connectors::recent::TTL`).
pub const FULL_WALK_AFTER: Duration = crate::connectors::recent::TTL;

/// What the first page of each source showed when it was last walked in full (see
/// [`Connector::head`]), per account and source, in memory.
#[derive(Debug, Default)]
pub struct Heads(Mutex<HashMap<SourceOf, (u64, Instant)>>);

/// An account's source: (account id, source name).
type SourceOf = (i64, &'static str);

impl Heads {
    /// Whether `source` showed `head` at its last full walk, which began less than `trusted_for` ago.
    fn unchanged(&self, account_id: i64, source: &Source, head: u64, trusted_for: Duration) -> bool {
        let walked = self.0.lock().unwrap_or_else(|p| p.into_inner());
        walked.get(&(account_id, source.name)).is_some_and(|(h, at)| *h == head && at.elapsed() < trusted_for)
    }

    /// Records that a full walk that started at `at` began with `head`.
    fn walked(&self, account_id: i64, source: &Source, head: u64, at: Instant) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).insert((account_id, source.name), (head, at));
    }

    /// Forgets the account's heads, so its next sync walks every source (after an action or
    /// a submission, whose effect a first page might not show).
    pub fn forget(&self, account_id: i64) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).retain(|(a, _), _| *a != account_id);
    }
}

/// Walks every source of the account into the store. Each page is stored in one transaction,
/// so a failure leaves the cache as it was before that page. A source's unlisted approvals
/// leave its boxes only after a steady walk: one during which the list did not move, as a
/// shifted page can hide an approval that is still there. A source whose first page is as at
/// its last full walk, and walked less than [`FULL_WALK_AFTER`] ago, is not walked (one round
/// trip when nothing is new).
pub async fn sync_account(store: &Store, connector: &dyn Connector, account_id: i64, heads: &Heads) -> Result<SyncReport, SyncError> {
    let mut generation = store.begin_sync(account_id)?;
    let mut report = SyncReport::default();
    for source in connector.sources() {
        let started = Instant::now();
        let head = connector.head(&source).await?;
        if head.is_some_and(|h| heads.unchanged(account_id, &source, h, connector.head_trusted_for())) {
            tracing::debug!(source = source.name, "first page as at the last full walk: not walked");
            continue;
        }
        for walk in 1.. {
            if walk > 1 {
                // A fresh mark, so what only the moved walk saw can leave after the steady one.
                generation = store.begin_sync(account_id)?;
            }
            let (fetched, steady) = walk_source(store, connector, account_id, &source, generation).await?;
            report.fetched += fetched;
            if steady {
                report.removed += store.finish_source(account_id, &source.boxes, generation)?;
                if let Some(h) = head {
                    heads.walked(account_id, &source, h, started);
                }
                break;
            }
            tracing::info!(source = source.name, walk, "the list moved while it was being paged; walking it again");
            if walk == WALKS_PER_SOURCE {
                return Err(VendorError::Moving { call: source.name.to_string(), walks: walk }.into());
            }
        }
    }
    Ok(report)
}

/// Walks one source page by page into the store; returns how many approvals were stored and
/// whether the list held still: every page agreed with the first on the vendor's count of its
/// list and (for lists without a count) no approval came twice.
async fn walk_source(store: &Store, connector: &dyn Connector, account_id: i64, source: &Source, generation: i64) -> Result<(usize, bool), SyncError> {
    let (mut fetched, mut cursor) = (0, None::<String>);
    let mut counts: HashMap<String, i64> = HashMap::new();
    let mut seen = HashSet::new();
    let (mut moved, mut repeated) = (false, false);
    loop {
        let page = connector.list(source, cursor.as_deref()).await?;
        fetched += store.upsert_page(account_id, &source.boxes, generation, &page.items)?;
        store.keep_listed(account_id, &source.boxes, generation, &page.unchanged)?;
        let listed: Vec<String> = page.items.iter().map(|i| i.remote_id.clone()).chain(page.unchanged.iter().cloned()).collect();
        connector.stored(source, &listed);
        for id in listed {
            repeated |= !seen.insert(id);
        }
        for total in page.totals {
            moved |= *counts.entry(total.of).or_insert(total.count) != total.count;
        }
        if moved {
            // Walking on is wasted (and never ends on a list growing faster than it is paged).
            break;
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    // A vendor's count is the better witness: with it, a repeat is the vendor's own quirk.
    Ok((fetched, !moved && (!counts.is_empty() || !repeated)))
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Vendor(#[from] VendorError),
    #[error("local cache: {0}")]
    Store(#[from] crate::store::StoreError),
}

/// An account's running task and the bell that wakes it early.
type Task = (Arc<Notify>, JoinHandle<()>);

/// One background sync task per account.
pub struct Scheduler {
    service: Arc<Service>,
    interval: Duration,
    tasks: Mutex<HashMap<i64, Task>>,
    /// Resends what the outbox holds (see `outbox.rs`), starting with what a crash left.
    outbox: JoinHandle<()>,
}

/// How often the outbox is checked for entries whose backoff has passed.
const OUTBOX_TICK: Duration = Duration::from_secs(5);

impl Scheduler {
    /// Starts a task for every configured account. Must be called inside a tokio runtime.
    pub fn start(service: Arc<Service>, interval: Duration) -> Arc<Scheduler> {
        let outbox = tokio::spawn(resend_outbox(service.clone()));
        let scheduler = Arc::new(Scheduler { service, interval, tasks: Mutex::new(HashMap::new()), outbox });
        scheduler.reconcile();
        scheduler
    }

    /// Starts tasks for new accounts and stops those of removed ones.
    pub fn reconcile(&self) {
        let ids: Vec<i64> = match self.service.accounts() {
            Ok(accounts) => accounts.iter().map(|a| a.id).collect(),
            Err(e) => return tracing::error!("cannot read accounts: {e}"),
        };
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        tasks.retain(|id, (_, handle)| {
            let keep = ids.contains(id);
            if !keep {
                handle.abort();
            }
            keep
        });
        for id in ids {
            tasks.entry(id).or_insert_with(|| {
                let wake = Arc::new(Notify::new());
                let handle = tokio::spawn(run(self.service.clone(), id, self.interval, wake.clone()));
                (wake, handle)
            });
        }
    }

    /// Syncs one account (or all) now.
    pub fn trigger(&self, account_id: Option<i64>) {
        self.reconcile();
        let tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        for (id, (wake, _)) in tasks.iter() {
            if account_id.is_none_or(|a| a == *id) {
                wake.notify_one();
            }
        }
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        self.outbox.abort();
        for (_, (_, handle)) in self.tasks.lock().unwrap_or_else(|p| p.into_inner()).drain() {
            handle.abort();
        }
    }
}

/// The life of one account's task: sync, then wait for the interval (or a backoff delay after
/// a failure) or a trigger, whichever comes first.
async fn run(service: Arc<Service>, account_id: i64, interval: Duration, wake: Arc<Notify>) {
    let backoff = || ExponentialBuilder::default().with_min_delay(Duration::from_secs(5)).with_max_delay(interval).without_max_times().build();
    let mut delays = backoff();
    loop {
        let delay = match service.sync_account(account_id).await {
            Ok(_) => {
                delays = backoff();
                interval
            }
            Err(crate::Error::NoSuchAccount(_)) => return,
            Err(_) => delays.next().unwrap_or(interval),
        };
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = wake.notified() => {}
        }
    }
}

/// The outbox's retry loop: every tick, sends the entries that are due.
async fn resend_outbox(service: Arc<Service>) {
    loop {
        if let Err(e) = service.flush_outbox().await {
            tracing::error!("cannot read the outbox: {e}");
        }
        tokio::time::sleep(OUTBOX_TICK).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::{Download, ListPage};
    use crate::error::VendorError;
    use crate::model::{Action, Inbox, RemoteApproval, Status, User, Vendor};
    use async_trait::async_trait;

    /// A vendor list of two-item pages that loses its head approval (decided elsewhere) while
    /// the first `moves` walks are between their first and second page.
    struct MovingList {
        items: Mutex<Vec<String>>,
        moves: Mutex<usize>,
        /// Whether it offers a head (the whole list's ids, hashed), and how often it was paged.
        with_head: bool,
        pages: Mutex<usize>,
    }

    const SOURCE: Source = Source { name: "todo", boxes: vec![] };

    fn item(id: &str) -> RemoteApproval {
        RemoteApproval {
            remote_id: id.into(),
            title: id.into(),
            form_name: "报销".into(),
            submitter: User { id: "1".into(), name: "李娜".into() },
            submitted_at: 1,
            updated_at: 1,
            status: Status::Pending,
            boxes: vec![Inbox::Todo],
            fields: vec![],
            steps: vec![],
            attachments: vec![],
            actions: vec![Action::Approve],
            raw: serde_json::Value::Null,
        }
    }

    #[async_trait]
    impl Connector for MovingList {
        fn sources(&self) -> Vec<Source> {
            vec![Source { boxes: vec![Inbox::Todo], ..SOURCE }]
        }
        async fn test(&self) -> Result<String, VendorError> {
            Ok(String::new())
        }
        async fn head(&self, _: &Source) -> Result<Option<u64>, VendorError> {
            let head = crate::connectors::hash_of(&*self.items.lock().unwrap());
            Ok(self.with_head.then_some(head))
        }
        async fn list(&self, _: &Source, cursor: Option<&str>) -> Result<ListPage, VendorError> {
            *self.pages.lock().unwrap() += 1;
            let start: usize = cursor.map_or(0, |c| c.parse().unwrap());
            let mut items = self.items.lock().unwrap();
            let mut moves = self.moves.lock().unwrap();
            if start == 2 && *moves > 0 {
                *moves -= 1;
                items.remove(0);
            }
            let page: Vec<_> = items.iter().skip(start).take(2).map(|id| item(id)).collect();
            let next = (start + 2 < items.len()).then(|| (start + 2).to_string());
            Ok(ListPage::new(page, next).of_total("todo", items.len() as i64))
        }
        async fn detail(&self, id: &str) -> Result<RemoteApproval, VendorError> {
            Ok(item(id))
        }
        async fn act(&self, _: &str, _: Action, _: &str) -> Result<(), VendorError> {
            Ok(())
        }
        async fn download(&self, _: &str) -> Result<Download, VendorError> {
            Err(VendorError::Unsupported("downloads"))
        }
    }

    fn todo_ids(store: &Store) -> Vec<String> {
        let page = store.list(&crate::store::ListQuery { inbox: Some(Inbox::Todo), limit: 100, ..Default::default() }).unwrap();
        let mut ids: Vec<_> = page.items.into_iter().map(|a| a.remote_id).collect();
        ids.sort();
        ids
    }

    fn world(ids: &[&str], moves: usize) -> (tempfile::TempDir, Store, i64, MovingList) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let account = store.insert_account("励销云", Vendor::Weiwenjia, "http://x", &Default::default(), false).unwrap();
        let items = Mutex::new(ids.iter().map(|s| s.to_string()).collect());
        let list = MovingList { items, moves: Mutex::new(moves), with_head: false, pages: Mutex::new(0) };
        (dir, store, account, list)
    }

    #[tokio::test]
    async fn an_approval_hidden_by_a_shifted_page_keeps_its_box() {
        let (_dir, store, account, list) = world(&["a", "b", "c", "d", "e"], 0);
        sync_account(&store, &list, account, &Heads::default()).await.unwrap();
        // "a" leaves while the walk is between pages: "c" slides onto page one, unseen.
        *list.moves.lock().unwrap() = 1;
        let report = sync_account(&store, &list, account, &Heads::default()).await.unwrap();
        assert_eq!(todo_ids(&store), ["b", "c", "d", "e"], "c stays; a leaves on the steady second walk");
        assert_eq!(report.removed, 1);
    }

    #[tokio::test]
    async fn a_list_that_never_holds_still_is_reported_and_removes_nothing() {
        let ids: Vec<String> = (0..20).map(|i| format!("{i:02}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let (_dir, store, account, list) = world(&ids, 0);
        sync_account(&store, &list, account, &Heads::default()).await.unwrap();
        *list.moves.lock().unwrap() = WALKS_PER_SOURCE;
        let e = sync_account(&store, &list, account, &Heads::default()).await.unwrap_err().to_string();
        assert!(e.contains("kept changing") && e.contains("3 tries"), "{e}");
        assert_eq!(todo_ids(&store).len(), 20, "nothing left a box on an unsteady walk");
    }

    #[tokio::test]
    async fn a_source_whose_head_is_unchanged_is_not_walked_until_it_changes() {
        let (_dir, store, account, list) = world(&["a", "b", "c", "d", "e"], 0);
        let list = MovingList { with_head: true, ..list };
        let heads = Heads::default();
        sync_account(&store, &list, account, &heads).await.unwrap();
        assert_eq!(*list.pages.lock().unwrap(), 3, "the first sync walks the three pages");
        let report = sync_account(&store, &list, account, &heads).await.unwrap();
        assert_eq!((*list.pages.lock().unwrap(), report.fetched), (3, 0), "nothing new: the head alone");
        list.items.lock().unwrap().retain(|i| i != "c");
        sync_account(&store, &list, account, &heads).await.unwrap();
        assert_eq!(*list.pages.lock().unwrap(), 5, "a changed head walks the list");
        assert_eq!(todo_ids(&store), ["a", "b", "d", "e"]);
        heads.forget(account);
        sync_account(&store, &list, account, &heads).await.unwrap();
        assert_eq!(*list.pages.lock().unwrap(), 7, "forgotten heads (after an action) walk again");
    }

    #[test]
    fn a_head_is_trusted_for_a_limited_time_only() {
        let heads = Heads::default();
        let source = Source { boxes: vec![Inbox::Todo], ..SOURCE };
        heads.walked(1, &source, 42, Instant::now());
        assert!(heads.unchanged(1, &source, 42, FULL_WALK_AFTER));
        assert!(!heads.unchanged(1, &source, 43, FULL_WALK_AFTER), "another head");
        assert!(!heads.unchanged(2, &source, 42, FULL_WALK_AFTER), "another account");
        heads.walked(1, &source, 42, Instant::now() - FULL_WALK_AFTER);
        assert!(!heads.unchanged(1, &source, 42, FULL_WALK_AFTER), "walked in full too long ago");
        assert!(heads.unchanged(1, &source, 42, FULL_WALK_AFTER * 6), "a connector may trust its head longer");
    }
}
