//! The one entry point the CLI and the desktop shell call: accounts (settings in SQLite,
//! secrets in the keychain), sync, reading the cache and acting on approvals. Every error it
//! returns names the account it concerns.

use crate::connector::{Connector, VendorInfo};
use crate::connectors;
use crate::error::{Error, Result, VendorError};
use crate::model::Account;
use crate::model::{Action, Approval, Inbox, RemoteApproval, Status, SyncProgress, Vendor};
use crate::outbox::{Delivery, Desk};
use crate::secrets::{SecretStore, Secrets};
use crate::store::{BoxCounts, Draft, DraftState, Facets, ListQuery, NewTodos, OutboxEntry, Page, Store};
use crate::submission::{self, Progress, Submission, Template, TemplateQuery, UploadProgress, UploadState};
use crate::sync::recent::Recent;
use crate::sync::{self, SyncError, SyncEvent, SyncReport};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "APPROVAL_INBOX_DATA_DIR";

/// How long a claim to sync an account lasts unless renewed (every third of it): how long a
/// process that died mid-sync keeps the others from syncing that account.
const SYNC_CLAIM_SECS: i64 = 15;

/// How long a sync asked for by the user waits for another process syncing the same account:
/// longer than a claim left by a process that died, shorter than a user's patience.
pub const SYNC_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

/// Bounds on what the UI or a script may send (IPC arguments are untrusted too).
pub const MAX_COMMENT_CHARS: usize = 2000;
pub const MAX_SEARCH_CHARS: usize = 200;
pub const MAX_NAME_CHARS: usize = 100;

/// What the window shows about the running app (the shell fills it in).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct AppInfo {
    /// Running against the built-in simulators (no account was configured).
    pub demo: bool,
    pub data_dir: String,
    pub version: String,
    /// Where zeyi callbacks are received, if the listener is up.
    pub callback_url: Option<String>,
}

/// What the user enters to add an account.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
pub struct AccountInput {
    pub vendor: Vendor,
    pub name: String,
    pub base_url: String,
    #[serde(default)]
    #[ts(type = "Record<string, string>")]
    pub settings: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    #[ts(type = "Record<string, string>")]
    pub secrets: Secrets,
}

impl<'de> Deserialize<'de> for Secrets {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        serde_json::Map::deserialize(d).map(Secrets)
    }
}

pub struct Service {
    store: Store,
    secrets: SecretStore,
    events: broadcast::Sender<SyncEvent>,
    /// The account's turn: a sync takes it for each page and chunk of history, an action or
    /// submission for its whole send, so a decision waits for a page, not for a whole sync.
    locks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    /// Serialises the syncs of an account within this process (the claim in the cache does
    /// so between processes).
    walks: Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>,
    running: Mutex<HashSet<i64>>,
    /// Set to stop an account's running sync (`Service::stop_sync`).
    stops: Mutex<HashMap<i64, Arc<AtomicBool>>>,
    /// Where each account's last or running sync stands (`SyncEvent::Progress`).
    progress: Arc<Mutex<HashMap<i64, SyncProgress>>>,
    /// One connector per account, kept so tokens and lookups cached by a connector survive
    /// between syncs; dropped when the account changes.
    connectors: Mutex<HashMap<i64, Arc<dyn Connector>>>,
    /// What each source's first page showed at its last full walk (see `sync::Heads`).
    pub(crate) heads: sync::Heads,
    /// What the syncs of each account read (`sync::recent`), kept with its connector.
    recents: Mutex<HashMap<i64, Arc<Recent>>>,
    /// This service as the holder of leases in the cache (sync claims, outbox sends), which
    /// keep two processes on one cache from syncing one account or sending one decision at once.
    owner: String,
    /// What SQLite's check found wrong with the cache file ([`Service::check_cache`]): syncs
    /// then write nothing more into it.
    damaged: Mutex<Option<String>>,
    /// Rung when an outbox entry changes, so the scheduler's outbox loop looks again.
    outbox_bell: tokio::sync::Notify,
}

impl Service {
    /// Opens the cache in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Arc<Service>> {
        let store = Store::open_in(data_dir)?;
        let secrets = SecretStore::new(&store.cache_id()?).adopting(store.legacy_accounts()?);
        let (events, _) = broadcast::channel(256);
        Ok(Arc::new(Service {
            store,
            secrets,
            events,
            locks: Mutex::default(),
            walks: Mutex::default(),
            running: Mutex::default(),
            stops: Mutex::default(),
            progress: Arc::default(),
            connectors: Mutex::default(),
            heads: sync::Heads::default(),
            recents: Mutex::default(),
            owner: crate::store::new_owner(),
            damaged: Mutex::default(),
            outbox_bell: tokio::sync::Notify::new(),
        }))
    }

    /// The data directory: `$APPROVAL_INBOX_DATA_DIR`, else the platform's (e.g.
    /// `~/.local/share/approval-inbox` on Linux).
    pub fn default_data_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        crate::platform::data_dir()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.events.subscribe()
    }

    pub fn vendors(&self) -> Vec<VendorInfo> {
        connectors::vendor_infos()
    }

    // ---- accounts ---------------------------------------------------------------------

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let progress = self.progress.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut accounts = self.store.accounts()?;
        for a in &mut accounts {
            a.sync.running = running.contains(&a.id);
            a.sync.progress = progress.get(&a.id).copied();
        }
        Ok(accounts)
    }

    /// Finds an account by its number or its exact name.
    pub fn account(&self, key: &str) -> Result<Account> {
        self.accounts()?
            .into_iter()
            .find(|a| a.id.to_string() == key || a.name == key)
            .ok_or_else(|| Error::NoSuchAccount(key.to_string()))
    }

    pub(crate) fn account_by_id(&self, id: i64) -> Result<Account> {
        self.account(&id.to_string())
    }

    /// Validates and stores a new account: settings in SQLite, secrets in the keychain. If the
    /// keychain refuses, nothing is kept.
    pub fn add_account(&self, input: AccountInput) -> Result<Account> {
        self.add(input, false)
    }

    fn add(&self, input: AccountInput, demo: bool) -> Result<Account> {
        let input = validate(input)?;
        if self.store.accounts()?.iter().any(|a| a.name == input.name) {
            return Err(Error::DuplicateAccount(input.name));
        }
        let id = self.store.insert_account(&input.name, input.vendor, &input.base_url, &input.settings, demo)?;
        let stored = if demo {
            self.secrets.put_ephemeral(id, input.secrets);
            Ok(())
        } else {
            self.secrets.put(id, &input.secrets)
        };
        if let Err(e) = stored {
            self.store.remove_account(id)?;
            return Err(e.into());
        }
        self.account_by_id(id)
    }

    /// Adds a demo account, or points the existing one at this run's simulator. Demo secrets
    /// are minted by the simulator and kept in memory only.
    pub fn upsert_demo_account(&self, input: AccountInput) -> Result<Account> {
        let existing = self.store.accounts()?.into_iter().find(|a| a.demo && a.name == input.name);
        match existing {
            Some(a) => {
                let input = validate(input)?;
                self.store.update_account_endpoint(a.id, &input.base_url, &input.settings)?;
                self.secrets.put_ephemeral(a.id, input.secrets);
                self.forget_connector(a.id);
                self.account_by_id(a.id)
            }
            None => self.add(input, true),
        }
    }

    /// Deletes the account, its keychain entry and everything cached for it.
    pub fn remove_account(&self, id: i64) -> Result<()> {
        let account = self.account_by_id(id)?;
        self.secrets.delete(account.id)?;
        self.store.remove_account(account.id)?;
        self.forget_connector(account.id);
        Ok(())
    }

    /// The account's connector, built on first use from its settings and keychain secrets.
    pub(crate) fn connector(&self, account: &Account) -> Result<Arc<dyn Connector>> {
        if let Some(c) = self.connectors.lock().unwrap_or_else(|p| p.into_inner()).get(&account.id) {
            return Ok(c.clone());
        }
        let secrets = self.secrets.get(account.id)?;
        let pacer = Arc::new(StorePacer { store: self.store.clone(), account_id: account.id });
        let connector = connectors::connect(account, &secrets, pacer).map_err(|e| Error::vendor(account, e))?;
        self.connectors.lock().unwrap_or_else(|p| p.into_inner()).insert(account.id, connector.clone());
        Ok(connector)
    }

    /// Drops what the service holds for an account that changed or left: its connector (and
    /// with it the connector's memory of reads) and its heads, since a new account may get
    /// the same id.
    fn forget_connector(&self, id: i64) {
        self.heads.forget(id);
        self.connectors.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        self.recents.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }

    /// What the account's syncs read, made as its connector asks (`Connector::recall`).
    fn recent_of(&self, id: i64, connector: &dyn Connector) -> Arc<Recent> {
        self.recents
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(id)
            .or_insert_with(|| Arc::new(Recent::of(connector.recall())))
            .clone()
    }

    /// Forgets what syncs read of one approval, so the next sync reads it again (after acting:
    /// whatever the outcome, a lost reply may have landed).
    pub(crate) fn forget_read(&self, account_id: i64, remote_id: &str) {
        if let Some(recent) = self.recents.lock().unwrap_or_else(|p| p.into_inner()).get(&account_id) {
            recent.forget(remote_id);
        }
        if let Err(e) = self.store.forget_reads(account_id, remote_id) {
            tracing::warn!(account = account_id, "forgetting the reads of {remote_id}: {e}");
        }
    }

    /// Checks the account's credentials against the vendor.
    pub async fn test_account(&self, id: i64) -> Result<String> {
        let account = self.account_by_id(id)?;
        self.connector(&account)?.test().await.map_err(|e| Error::vendor(&account, e))
    }

    // ---- sync -------------------------------------------------------------------------

    pub(crate) fn lock_for(&self, id: i64) -> Arc<tokio::sync::Mutex<()>> {
        self.locks.lock().unwrap_or_else(|p| p.into_inner()).entry(id).or_default().clone()
    }

    /// Syncs one account now, to the end of its history, recording the result (with its
    /// reason) in the store and announcing it as events. Another process syncing the account
    /// at the same time is [`Error::SyncBusy`]: nothing is recorded, its sync stands.
    pub async fn sync_account(&self, id: i64) -> Result<SyncReport> {
        self.sync_for(id, None).await
    }

    /// Stops the account's running sync at its next page or chunk of history: what it stored
    /// stays, and the next sync goes on from there. Whether a sync was running.
    pub fn stop_sync(&self, id: i64) -> bool {
        let running = self.running.lock().unwrap_or_else(|p| p.into_inner()).contains(&id);
        if running {
            self.stop_flag(id).store(true, Ordering::SeqCst);
        }
        running
    }

    fn stop_flag(&self, id: i64) -> Arc<AtomicBool> {
        self.stops.lock().unwrap_or_else(|p| p.into_inner()).entry(id).or_default().clone()
    }

    /// Remembers and announces where an account's sync stands.
    fn progress_reporter(&self, id: i64) -> impl Fn(SyncProgress) + Send + Sync {
        let (events, progress) = (self.events.clone(), self.progress.clone());
        move |p: SyncProgress| {
            progress.lock().unwrap_or_else(|e| e.into_inner()).insert(id, p);
            let _ = events.send(SyncEvent::Progress { account_id: id, progress: p });
        }
    }

    /// [`Service::sync_account`] with its history phase limited to `history_for` (the
    /// scheduler's slice, after which the next pass over the lists comes first).
    pub async fn sync_for(&self, id: i64, history_for: Option<std::time::Duration>) -> Result<SyncReport> {
        if let Some(problem) = self.damaged.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Err(Error::CacheDamaged(problem));
        }
        let account = self.account_by_id(id)?;
        let walk = self.walks.lock().unwrap_or_else(|p| p.into_inner()).entry(id).or_default().clone();
        let guard = walk.lock().await;
        let turn = self.lock_for(id);
        let owner = self.owner.as_str();
        if !self.store.claim_sync(id, owner, SYNC_CLAIM_SECS)? {
            return Err(Error::SyncBusy(account.name));
        }
        let stop = self.stop_flag(id);
        stop.store(false, Ordering::SeqCst);
        self.set_running(id, true);
        let _ = self.events.send(SyncEvent::Started { account_id: id });
        let report = self.progress_reporter(id);
        let result = match self.connector(&account) {
            Ok(connector) => {
                let recent = self.recent_of(id, connector.as_ref());
                let memory = sync::Memory {
                    owner: Some(owner),
                    turn: Some(&turn),
                    stop: Some(&stop),
                    report: Some(&report),
                    history_for,
                    ..sync::Memory::new(&self.heads, &recent)
                };
                let walk = sync::sync_account(&self.store, connector.as_ref(), id, memory);
                // The claim is renewed while the walk runs (an fxiaoke first sync takes an hour);
                // one lost (this process was suspended past it) stops the walk, which would
                // otherwise remove on the strength of a walk another process now owns.
                let renew = async {
                    loop {
                        tokio::time::sleep(std::time::Duration::from_secs(SYNC_CLAIM_SECS as u64 / 3)).await;
                        match self.store.claim_sync(id, owner, SYNC_CLAIM_SECS) {
                            Ok(true) => {}
                            Ok(false) => {
                                return Err(SyncError::Store(crate::store::StoreError::Conflict(
                                    "another process took over this account's sync".into(),
                                )))
                            }
                            Err(e) => tracing::warn!(account = %account.name, "renewing the sync claim: {e}"),
                        }
                    }
                };
                tokio::select! {
                    walked = walk => walked,
                    lost = renew => lost,
                }
            }
            .map_err(|e| match e {
                SyncError::Vendor(v) => Error::vendor(&account, v),
                SyncError::Store(s) => Error::Store(s),
                // `sync::sync_account` answers a stop as a report; kept for completeness.
                SyncError::Stopped => Error::Invalid(format!("the sync of {} was stopped", account.name)),
            }),
            Err(e) => Err(e),
        };
        // A zeyi account via the relay: its results wait at the relay; a sync pulls them.
        let result = match result {
            Ok(mut report) if connectors::zeyi::via_relay(&account) => {
                self.pull_relay_results(id, std::time::Duration::ZERO).await.map(|pulled| {
                    report.fetched += pulled.applied;
                    report
                })
            }
            other => other,
        };
        self.set_running(id, false);
        let reason = result.as_ref().err().map(reason_of);
        if let Some(r) = &reason {
            tracing::warn!(account = %account.name, "sync failed: {r}");
        }
        self.store.record_sync_result(id, reason.as_deref())?;
        if let Err(e) = self.store.release_sync(id, owner) {
            tracing::warn!(account = %account.name, "releasing the sync claim (it lapses by itself): {e}");
        }
        let changed = result.as_ref().map(|r| r.fetched + r.removed).unwrap_or(0);
        let _ = self.events.send(SyncEvent::Finished { account_id: id, ok: result.is_ok(), error: reason, changed });
        drop(guard);
        self.index_for_search().await;
        result
    }

    /// Checks the cache file's structure (SQLite's `quick_check`, on a connection of its own,
    /// off the async threads). A damaged cache is announced ([`SyncEvent::CacheDamaged`]) and
    /// no sync writes into it any more: a damaged file may still list part of what it held as
    /// if it were all.
    pub async fn check_cache(&self) -> Result<()> {
        let store = self.store.clone();
        let found = tokio::task::spawn_blocking(move || store.check_integrity())
            .await
            .map_err(|e| Error::Invalid(format!("the cache check stopped: {e}")))??;
        if let Some(problem) = found {
            tracing::error!("the cache at {} is damaged: {problem}", self.store.path().display());
            *self.damaged.lock().unwrap_or_else(|p| p.into_inner()) = Some(problem.clone());
            self.announce(SyncEvent::CacheDamaged { problem: problem.clone() });
            return Err(Error::CacheDamaged(problem));
        }
        Ok(())
    }

    /// [`Service::sync_account`], waiting (up to `patience`) while another process syncs the
    /// account: what a user's `inbox sync` does, so a sync that a killed process left claimed
    /// (the claim lapses in seconds) or one the app is finishing is waited for, not skipped.
    pub async fn sync_account_waiting(&self, id: i64, patience: std::time::Duration) -> Result<SyncReport> {
        let started = std::time::Instant::now();
        loop {
            match self.sync_account(id).await {
                Err(Error::SyncBusy(_)) if started.elapsed() < patience => {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await
                }
                other => return other,
            }
        }
    }

    /// Indexes for search what syncs wrote (see `Store::index_pending`), a batch at a time,
    /// after the window was told the sync finished: the list shows first, and search finds
    /// the approvals not yet indexed by scanning them meanwhile.
    async fn index_for_search(&self) {
        loop {
            match self.store.index_pending(crate::store::INDEX_BATCH) {
                Ok(0) => break,
                Ok(_) => tokio::task::yield_now().await,
                Err(e) => break tracing::warn!("indexing for search failed (search scans what is not indexed): {e}"),
            }
        }
        self.release_memory();
    }

    /// Gives back what a sync no longer needs: SQLite's page cache, which the sync filled with
    /// the pages it wrote (not those the window reads; they come back from the OS's file cache
    /// in microseconds), and the heap memory the sync freed (`memory.rs`).
    fn release_memory(&self) {
        if let Err(e) = self.store.release_memory() {
            tracing::warn!("could not shrink the cache's memory: {e}");
        }
        crate::memory::release_freed();
    }

    /// Syncs every account concurrently, each waiting up to [`SYNC_PATIENCE`] for another
    /// process syncing it ([`Service::sync_account_waiting`]); each result stands alone.
    pub async fn sync_all(&self) -> Result<Vec<(Account, Result<SyncReport>)>> {
        let accounts = self.accounts()?;
        let results =
            futures::future::join_all(accounts.iter().map(|a| self.sync_account_waiting(a.id, SYNC_PATIENCE))).await;
        Ok(accounts.into_iter().zip(results).collect())
    }

    fn set_running(&self, id: i64, running: bool) {
        let mut set = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running {
            set.insert(id);
        } else {
            set.remove(&id);
        }
    }

    // ---- reading and acting -----------------------------------------------------------

    pub fn list(&self, query: &ListQuery) -> Result<Page> {
        if query.search.as_deref().is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS) {
            return Err(Error::Invalid(format!("a search may have at most {MAX_SEARCH_CHARS} characters")));
        }
        Ok(self.store.list(query)?)
    }

    pub fn box_counts(&self) -> Result<BoxCounts> {
        Ok(self.store.box_counts()?)
    }

    /// The form names and submitters of a box, for the list's filter menus.
    pub fn facets(&self, inbox: Option<Inbox>) -> Result<Facets> {
        Ok(self.store.facets(inbox)?)
    }

    /// The todos that arrived since the last call (each reported once, ever), with the newest
    /// `keep` of them: what a desktop notification announces.
    pub fn take_new_todos(&self, keep: u32) -> Result<NewTodos> {
        Ok(self.store.take_new_todos(keep)?)
    }

    pub fn approval(&self, id: i64) -> Result<Approval> {
        self.store.approval(id)?.ok_or(Error::NoSuchApproval(id))
    }

    /// Sends a decision to the vendor, then re-reads the approval so the cache shows the
    /// vendor's new state. A rejection needs a comment.
    pub async fn act(&self, id: i64, action: Action, comment: &str) -> Result<Approval> {
        if comment.chars().count() > MAX_COMMENT_CHARS {
            return Err(Error::Invalid(format!("a comment may have at most {MAX_COMMENT_CHARS} characters")));
        }
        let approval = self.approval(id)?;
        let account = self.account_by_id(approval.account_id)?;
        if action == Action::Reject && comment.trim().is_empty() {
            return Err(Error::Invalid("a rejection needs a comment saying why".into()));
        }
        if !approval.remote.actions.contains(&action) {
            let e = VendorError::NotAllowed(format!("you cannot {} approval {id} now", action.as_str()));
            return Err(Error::vendor(&account, e));
        }
        // Written to the outbox first, so the decision survives a crash or a vendor outage.
        self.delivery().queue_and_send(&account, Some(&approval), action.into(), comment.trim(), None).await?;
        // Looked up by the vendor's id: a sync of another process may have stored it anew
        // meanwhile (the decision went through either way).
        match self.store.approval_by_remote(account.id, &approval.remote.remote_id)? {
            Some(now) => Ok(now),
            None => Ok(Approval { remote: RemoteApproval { actions: vec![], ..approval.remote }, ..approval }),
        }
    }

    // ---- starting approvals ----------------------------------------------------------

    /// What the account can start (see [`TemplateQuery`]).
    pub async fn templates(&self, account_id: i64, query: &TemplateQuery) -> Result<Vec<Template>> {
        let account = self.account_by_id(account_id)?;
        self.connector(&account)?.templates(query).await.map_err(|e| Error::vendor(&account, e))
    }

    /// Saves what the user typed (new draft when `id` is 0); returns the draft's id. Cheap: one
    /// statement, no vendor call.
    /// The vendor's id of files already uploaded ([`Submission::uploaded`]) is the service's to
    /// set: kept from the stored draft while the account and the files stay the same, else gone.
    /// A draft saved without its `request_id` (the UI need not echo it) keeps the stored one.
    pub fn save_draft(&self, draft: &Draft) -> Result<i64> {
        self.account_by_id(draft.account_id)?;
        let mut draft = draft.clone();
        let stored = if draft.id == 0 { None } else { self.store.draft(draft.id)? };
        if draft.submission.request_id.trim().is_empty() {
            draft.submission.request_id = stored.as_ref().map(|d| d.submission.request_id.clone()).unwrap_or_default();
        }
        let same_files = stored.filter(|old| {
            old.account_id == draft.account_id && old.submission.attachments == draft.submission.attachments
        });
        // The upload state of those files stays too (the UI sends none while the user types).
        if draft.uploads.is_empty() {
            draft.uploads = same_files.as_ref().map(|old| old.uploads.clone()).unwrap_or_default();
        }
        draft.submission.uploaded = same_files.and_then(|old| old.submission.uploaded);
        Ok(self.store.save_draft(&draft)?)
    }

    pub fn drafts(&self) -> Result<Vec<Draft>> {
        Ok(self.store.drafts()?)
    }

    pub fn remove_draft(&self, id: i64) -> Result<()> {
        self.store.remove_draft(id)?;
        Ok(())
    }

    /// Sends a draft: checks it against its template, shows it in the submitted box as
    /// "sending", uploads its files (progress to `progress`, per-file state kept in the draft)
    /// and starts the approval. The vendor's confirmation replaces the stand-in and removes the
    /// draft; a failure keeps the draft with the reason (and the field, when known).
    pub async fn submit_draft(&self, draft_id: i64, progress: Progress) -> Result<Approval> {
        let mut draft = self.store.draft(draft_id)?.ok_or_else(|| Error::Invalid(format!("no draft {draft_id}")))?;
        let account = self.account_by_id(draft.account_id)?;
        let connector = self.connector(&account)?;
        let s = draft.submission.clone();
        let query = TemplateQuery { target: s.target.clone(), template_id: Some(s.template_id.clone()) };
        let checked = async {
            let templates = connector.templates(&query).await?;
            let template = templates.into_iter().find(|t| t.id == s.template_id).ok_or_else(|| VendorError::Field {
                field: "template_id".into(),
                source: Box::new(VendorError::NotAllowed(format!("no template {} here", s.template_id))),
            })?;
            submission::validate(&template, &s).map_err(|e| VendorError::Field {
                field: e.field,
                source: Box::new(VendorError::NotAllowed(e.message)),
            })?;
            Ok::<_, VendorError>(template)
        };
        let template = match checked.await {
            Ok(t) => t,
            Err(e) => return Err(self.draft_failed(&mut draft, &account, e)),
        };
        draft.state = DraftState::Sending;
        draft.error = None;
        draft.error_field = None;
        self.store.save_draft(&draft)?;
        let stand_in = sending_stand_in(&account, &template, &s);
        self.store.upsert_one(account.id, &stand_in)?;
        self.announce_changed(account.id);
        let recorder = self.upload_recorder(draft_id, progress);
        let lock = self.lock_for(account.id);
        let result = {
            let _guard = lock.lock().await;
            connector.submit(&s, recorder).await
        };
        self.store.remove_approval(account.id, &stand_in.remote_id)?;
        let created = match result {
            Ok(created) => created,
            Err(e) => {
                let mut draft = self.store.draft(draft_id)?.unwrap_or(draft);
                let err = self.draft_failed(&mut draft, &account, e);
                self.announce_changed(account.id);
                return Err(err);
            }
        };
        let id = self.store.upsert_submitted(account.id, &created)?;
        self.store.remove_draft(draft_id)?;
        self.announce_changed(account.id);
        self.approval(id)
    }

    /// Stores what a submission came back as. A vendor that answers a resend with the approval
    /// it already holds (zeyi's `AUDIT_EXISTS`) may call it pending while the cache already
    /// knows how it ended (a callback came first, or an id reused after a decision): a final
    /// state the cache holds is kept, never turned back into pending.
    /// Starts an approval in one go (CLI, scripts, demo): saved as a draft first, so a failed
    /// send leaves it in `drafts()` to send again.
    pub async fn submit(&self, account_id: i64, submission: &Submission, progress: Progress) -> Result<Approval> {
        let draft = Draft {
            id: 0,
            account_id,
            submission: submission.clone(),
            uploads: vec![],
            state: DraftState::Editing,
            error: None,
            error_field: None,
            updated_at: 0,
        };
        let id = self.save_draft(&draft)?;
        self.submit_draft(id, progress).await
    }

    /// Records a failed send in the draft and answers the error to return.
    fn draft_failed(&self, draft: &mut Draft, account: &Account, e: VendorError) -> Error {
        draft.state = DraftState::Failed;
        draft.error_field = match &e {
            VendorError::Field { field, .. } => Some(field.clone()),
            _ => None,
        };
        if draft.error_field.as_deref() == Some("attachments") {
            // The vendor refused the files (or their earlier upload): the next send uploads anew.
            draft.submission.uploaded = None;
        }
        draft.error = Some(e.to_string());
        if let Err(store) = self.store.save_draft(draft) {
            tracing::warn!("keeping the failed draft {}: {store}", draft.id);
        }
        Error::vendor(account, e)
    }

    /// Passes upload progress on, and keeps each file's state in the draft when it changes, so
    /// the draft shows which files went up.
    fn upload_recorder(&self, draft_id: i64, progress: Progress) -> Progress {
        let store = self.store.clone();
        let keep = self.store.clone();
        let forward = progress.clone();
        let remember = move |id: &str| {
            let saved = keep.draft(draft_id).and_then(|d| match d {
                Some(mut d) => {
                    d.submission.uploaded = Some(id.to_string());
                    keep.save_draft(&d).map(drop)
                }
                None => Ok(()),
            });
            if let Err(e) = saved {
                tracing::warn!("recording the uploaded files in draft {draft_id}: {e}");
            }
            forward.uploaded(id);
        };
        Progress::new(move |p: UploadProgress| {
            if p.state != UploadState::Sending {
                let saved = store.draft(draft_id).and_then(|d| match d {
                    Some(mut d) => {
                        d.uploads.resize(p.count, p.clone());
                        d.uploads[p.index] = p.clone();
                        store.save_draft(&d).map(drop)
                    }
                    None => Ok(()),
                });
                if let Err(e) = saved {
                    tracing::warn!("recording upload state in draft {draft_id}: {e}");
                }
            }
            progress.report(p);
        })
        .on_uploaded(remember)
    }

    /// A link to the approval in the vendor's own console, where the vendor gives one.
    pub async fn vendor_link(&self, id: i64) -> Result<String> {
        let approval = self.approval(id)?;
        if approval.remote.remote_id.starts_with("unreadable:") {
            return Err(Error::Invalid(format!(
                "approval {id} is a list item the vendor sent without an id: there is no page of it to open"
            )));
        }
        let account = self.account_by_id(approval.account_id)?;
        self.connector(&account)?.vendor_link(&approval.remote.remote_id).await.map_err(|e| Error::vendor(&account, e))
    }

    /// Deletes an approval at the vendor (administrators), then from the cache.
    pub async fn remove_approval(&self, id: i64) -> Result<()> {
        let approval = self.approval(id)?;
        let account = self.account_by_id(approval.account_id)?;
        self.connector(&account)?.remove(&approval.remote.remote_id).await.map_err(|e| Error::vendor(&account, e))?;
        self.store.remove_approval(account.id, &approval.remote.remote_id)?;
        self.announce_changed(account.id);
        Ok(())
    }

    /// Downloads an attachment of an approval into `dir`; returns the file's path. The vendor's
    /// file name is reduced to a plain name so it cannot leave `dir`.
    pub async fn download(&self, id: i64, attachment_id: &str, dir: &Path) -> Result<PathBuf> {
        let file = self.fetch_attachment(id, attachment_id).await?;
        let path = dir.join(safe_file_name(&file.name));
        write_file(&path, &file.bytes)?;
        Ok(path)
    }

    /// Downloads an attachment to `path`, a place the user chose in the save dialog. The path
    /// comes over IPC, so it is checked first ([`check_save_path`]): absolute, a file name, an
    /// existing folder. It is checked before the vendor is asked, so a bad path costs no download.
    pub async fn download_to(&self, id: i64, attachment_id: &str, path: &Path) -> Result<PathBuf> {
        check_save_path(path)?;
        let file = self.fetch_attachment(id, attachment_id).await?;
        write_file(path, &file.bytes)?;
        Ok(path.to_path_buf())
    }

    async fn fetch_attachment(&self, id: i64, attachment_id: &str) -> Result<crate::connector::Download> {
        let approval = self.approval(id)?;
        let account = self.account_by_id(approval.account_id)?;
        self.connector(&account)?.download(attachment_id).await.map_err(|e| Error::vendor(&account, e))
    }
}

impl Service {
    /// An account's secrets, for in-crate listeners that verify what a vendor sends us
    /// (the zeyi callback). Never leaves the crate.
    pub(crate) fn secrets_of(&self, account_id: i64) -> Result<Secrets> {
        Ok(self.secrets.get(account_id)?)
    }

    /// Tells the UI an account's cache changed outside a sync (e.g. a vendor callback).
    pub(crate) fn announce_changed(&self, account_id: i64) {
        self.announce(SyncEvent::changed(account_id));
    }

    /// Sends an event to whoever listens (the window, the CLI); nobody listening is fine.
    pub(crate) fn announce(&self, event: SyncEvent) {
        let _ = self.events.send(event);
    }

    // ---- the outbox ---------------------------------------------------------------------

    /// The outbox's sender, over this service.
    fn delivery(&self) -> Delivery<'_> {
        Delivery::new(self)
    }

    /// The entries waiting or failed, oldest first, with the titles of their approvals.
    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        self.delivery().entries()
    }

    /// Sends an entry again now (after a failure or while it waits for its backoff).
    pub async fn retry_action(&self, id: i64) -> Result<OutboxEntry> {
        self.delivery().retry(id).await
    }

    /// Gives an entry up: it will not be sent.
    pub fn discard_action(&self, id: i64) -> Result<OutboxEntry> {
        self.delivery().discard(id)
    }

    /// Sends every entry that is due (and resumes those a crash left mid-send). Returns how
    /// many were delivered. Errors stay with their entries.
    pub async fn flush_outbox(&self) -> Result<usize> {
        self.delivery().flush().await
    }
}

impl Desk for Service {
    fn store(&self) -> &Store {
        &self.store
    }
    fn owner(&self) -> &str {
        &self.owner
    }
    fn account(&self, id: i64) -> Result<Account> {
        self.account_by_id(id)
    }
    fn connector(&self, account: &Account) -> Result<Arc<dyn Connector>> {
        Service::connector(self, account)
    }
    fn turn(&self, account_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        self.lock_for(account_id)
    }
    fn heads(&self) -> &sync::Heads {
        &self.heads
    }
    fn forget_read(&self, account_id: i64, remote_id: &str) {
        Service::forget_read(self, account_id, remote_id)
    }
    fn announce(&self, event: SyncEvent) {
        Service::announce(self, event)
    }
    fn bell(&self) -> &tokio::sync::Notify {
        &self.outbox_bell
    }
}

/// Paces an account's rate-limited calls through the cache, for every process using it.
struct StorePacer {
    store: Store,
    account_id: i64,
}

impl crate::connector::Pacer for StorePacer {
    fn reserve(&self, key: &str, interval: std::time::Duration, burst: u32) -> std::time::Duration {
        let key = format!("{}:{key}", self.account_id);
        match self.store.reserve_call(&key, interval.as_millis() as i64, burst) {
            Ok(wait) => std::time::Duration::from_millis(wait as u64),
            // The cache unwritable for a moment: pace by the interval alone.
            Err(e) => {
                tracing::warn!("pacing {key} through the cache: {e}");
                interval
            }
        }
    }

    fn hold(&self, key: &str, pause: std::time::Duration) {
        if let Err(e) = self.store.hold_calls(&format!("{}:{key}", self.account_id), pause.as_millis() as i64) {
            tracing::warn!("holding {key} through the cache: {e}");
        }
    }
}

/// The approval shown in the submitted box while a draft is being sent.
fn sending_stand_in(account: &Account, template: &Template, s: &Submission) -> RemoteApproval {
    let now = crate::model::now();
    RemoteApproval {
        remote_id: format!("sending:{}", s.request_id),
        title: template.name.clone(),
        form_name: template.name.clone(),
        submitter: crate::model::User { id: String::new(), name: account.name.clone() },
        submitted_at: now,
        updated_at: now,
        status: Status::Sending,
        boxes: vec![Inbox::Submitted],
        fields: s.fields.iter().map(|f| crate::model::Field::new(f.key.clone(), f.value.clone(), f.kind)).collect(),
        steps: template.steps.clone(),
        attachments: vec![],
        actions: vec![],
        raw: serde_json::Value::Null,
        status_word: None,
        unreadable: None,
        marks: vec![],
    }
}

/// The reason stored with a failed sync: without the account name, which the row already shows.
fn reason_of(e: &Error) -> String {
    match e {
        Error::Vendor { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

/// Checks required fields against the vendor's settings spec and normalises the input.
fn validate(mut input: AccountInput) -> Result<AccountInput> {
    input.name = input.name.trim().to_string();
    if input.name.is_empty() {
        return Err(Error::InvalidField { field: "name", reason: "the account needs a name".into() });
    }
    if input.name.chars().count() > MAX_NAME_CHARS {
        let reason = format!("an account name may have at most {MAX_NAME_CHARS} characters");
        return Err(Error::InvalidField { field: "name", reason });
    }
    input.base_url = connectors::validate_base_url(&input.base_url, "the base URL").map_err(|e| {
        let reason = match e {
            VendorError::Config(why) => why,
            other => other.to_string(),
        };
        Error::InvalidField { field: "base_url", reason }
    })?;
    let info = connectors::vendor_info(input.vendor);
    for spec in info.settings.iter().filter(|s| !s.choices.is_empty()) {
        let given = input.settings.get(spec.key).and_then(|v| v.as_str()).map(str::trim);
        if let Some(v) = given.filter(|v| !v.is_empty() && !spec.choices.iter().any(|c| c.value == *v)) {
            let allowed: Vec<&str> = spec.choices.iter().map(|c| c.value).collect();
            return Err(Error::Invalid(format!(
                "{} setting `{}` ({}) must be one of {}, not \"{v}\"",
                info.id,
                spec.key,
                spec.label,
                allowed.join(", ")
            )));
        }
    }
    for spec in info.settings.iter().filter(|s| s.required && s.applies(&info.settings, &input.settings)) {
        let present = if spec.secret {
            input.secrets.get(spec.key).is_some()
        } else {
            input.settings.get(spec.key).is_some_and(|v| !v.is_null() && v.as_str() != Some(""))
        };
        if !present {
            return Err(Error::Invalid(format!("{} needs the field `{}` ({})", info.id, spec.key, spec.label)));
        }
    }
    let known: Vec<&str> = info.settings.iter().map(|s| s.key).collect();
    if let Some(k) = input.settings.keys().chain(input.secrets.0.keys()).find(|k| !known.contains(&k.as_str())) {
        return Err(Error::Invalid(format!("{} has no setting `{k}` (known: {})", info.id, known.join(", "))));
    }
    // A secret typed into a plain setting would land in SQLite: refuse it.
    if let Some(spec) = info.settings.iter().find(|s| s.secret && input.settings.contains_key(s.key)) {
        return Err(Error::Invalid(format!("`{}` is secret and must be given as a secret, not a setting", spec.key)));
    }
    Ok(input)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::Invalid(format!("cannot write {}: {e}", path.display())))
}

/// Where a chosen download may go: an absolute path naming a file (not `..`, not a folder) in a
/// folder that exists. Anything relative would land wherever the app happens to run.
pub fn check_save_path(path: &Path) -> Result<()> {
    let bad = |why: &str| Err(Error::Invalid(format!("cannot save to {}: {why}", path.display())));
    if !path.is_absolute() {
        return bad("not an absolute path");
    }
    if path.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
        return bad("the path contains `..`");
    }
    if path.file_name().is_none() {
        return bad("no file name");
    }
    if path.is_dir() {
        return bad("it is a folder");
    }
    match path.parent() {
        Some(dir) if dir.is_dir() => Ok(()),
        _ => bad("its folder does not exist"),
    }
}

/// The last path component of a vendor-supplied name, without separators, leading dots (no
/// hidden files, no `..`) or anything a Windows desk cannot hold ([`platform::portable_file_name`]:
/// `CON`, `aux.txt`, `报表.`, `a:b`), on every platform.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    crate::platform::portable_file_name(cleaned.trim_start_matches(['.', ' ']), "attachment")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_escape() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_file_name("..\\..\\boot.ini"), "boot.ini");
        assert_eq!(safe_file_name(".."), "attachment");
        assert_eq!(safe_file_name("报表 2026.pdf"), "报表 2026.pdf");
        assert_eq!(safe_file_name("/"), "attachment");
        assert_eq!(safe_file_name("C:\\Users\\张三\\发票.pdf"), "发票.pdf", "a Windows path from a vendor");
        assert_eq!(safe_file_name("c:发票.pdf"), "c_发票.pdf", "a drive-relative name keeps no drive");
    }

    /// Names a Windows user cannot open are renamed on every platform: the file may be copied to
    /// a Windows desk later, and the same vendor file gets the same name everywhere.
    #[test]
    fn downloads_never_take_a_windows_device_name() {
        assert_eq!(safe_file_name("aux.txt"), "aux_.txt");
        assert_eq!(safe_file_name("../CON"), "CON_");
        assert_eq!(safe_file_name("合同.pdf. "), "合同.pdf");
        assert_eq!(safe_file_name("报价<最终>.xlsx"), "报价_最终_.xlsx");
    }

    #[test]
    fn chosen_save_paths_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_save_path(&dir.path().join("发票.pdf")).is_ok());
        for (path, why) in [
            (PathBuf::from("发票.pdf"), "absolute"),
            (dir.path().join("a/../发票.pdf"), ".."),
            (dir.path().to_path_buf(), "folder"),
            (dir.path().join("missing/发票.pdf"), "does not exist"),
        ] {
            let e = check_save_path(&path).unwrap_err().to_string();
            assert!(e.contains(why), "{path:?}: {e}");
        }
    }

    fn input(settings: serde_json::Value, secrets: serde_json::Value) -> AccountInput {
        serde_json::from_value(serde_json::json!({
            "vendor": "yomicloud", "name": " 云盘 ", "base_url": "http://127.0.0.1:1/",
            "settings": settings, "secrets": secrets,
        }))
        .unwrap()
    }

    #[test]
    fn validation_names_missing_and_misplaced_fields() {
        let ok = validate(input(serde_json::json!({"uid": "3"}), serde_json::json!({"token": "t"}))).unwrap();
        assert_eq!((ok.name.as_str(), ok.base_url.as_str()), ("云盘", "http://127.0.0.1:1"));
        let e = validate(input(serde_json::json!({"uid": "3"}), serde_json::json!({}))).unwrap_err().to_string();
        assert!(e.contains("token"), "{e}");
        let e = validate(input(serde_json::json!({"uid": "3", "token": "t"}), serde_json::json!({"token": "t"})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("secret"), "{e}");
        let e = validate(input(serde_json::json!({"uid": "3", "colour": "red"}), serde_json::json!({"token": "t"})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("colour"), "{e}");
        let mut long = input(serde_json::json!({"uid": "3"}), serde_json::json!({"token": "t"}));
        long.name = "名".repeat(MAX_NAME_CHARS + 1);
        assert!(validate(long).unwrap_err().to_string().contains("at most"));
    }

    fn zeyi(settings: serde_json::Value, secrets: serde_json::Value) -> AccountInput {
        AccountInput { vendor: Vendor::Zeyi, ..input(settings, secrets) }
    }

    #[test]
    fn a_zeyi_account_needs_what_its_mode_needs() {
        let relay = serde_json::json!({"mode": "relay", "relay_url": "https://relay.example", "username": "E001"});
        assert!(validate(zeyi(relay.clone(), serde_json::json!({"relay_token": "irt1.a.b"}))).is_ok());
        let e = validate(zeyi(relay, serde_json::json!({}))).unwrap_err().to_string();
        assert!(e.contains("relay_token"), "{e}");
        let direct = serde_json::json!({"app_key": "k", "username": "E001", "callback_app_key": "cb"});
        let secrets = serde_json::json!({"app_secret": "s", "callback_app_secret": "c"});
        assert!(validate(zeyi(direct.clone(), secrets.clone())).is_ok(), "no mode: direct, as before");
        let e = validate(zeyi(serde_json::json!({"mode": "direct", "username": "E001"}), serde_json::json!({})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("app_key"), "direct mode needs 则一's keys: {e}");
        let mut odd = direct;
        odd["mode"] = "tunnel".into();
        let e = validate(zeyi(odd, secrets)).unwrap_err().to_string();
        assert!(e.contains("direct, relay") && e.contains("tunnel"), "{e}");
    }
}
