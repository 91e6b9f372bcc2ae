//! Keeping the cache in step with the vendors: [`sync_account`] walks every source of one
//! account page by page into the store, and [`Scheduler`] runs one tokio task per account that
//! syncs on an interval and on demand, backing off after failures. One account failing never
//! stops the others.

use crate::connector::Connector;
use crate::error::VendorError;
use crate::service::Service;
use crate::store::Store;
use backon::{BackoffBuilder, ExponentialBuilder};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Progress and results, for the UI and the CLI.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncEvent {
    Started { account_id: i64 },
    Finished { account_id: i64, ok: bool, error: Option<String>, changed: usize },
}

/// What one successful sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    /// Approvals read and stored.
    pub fetched: usize,
    /// Box memberships removed because the vendor no longer lists them.
    pub removed: usize,
}

/// Walks every source of the account into the store. Each page is stored in one transaction,
/// so a failure leaves the cache as it was before that page.
pub async fn sync_account(store: &Store, connector: &dyn Connector, account_id: i64) -> Result<SyncReport, SyncError> {
    let generation = store.begin_sync(account_id)?;
    let mut report = SyncReport::default();
    for source in connector.sources() {
        let mut cursor: Option<String> = None;
        loop {
            let page = connector.list(&source, cursor.as_deref()).await?;
            report.fetched += store.upsert_page(account_id, &source.boxes, generation, &page.items)?;
            match page.next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        report.removed += store.finish_source(account_id, &source.boxes, generation)?;
    }
    Ok(report)
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
