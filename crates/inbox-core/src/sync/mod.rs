//! Keeping the cache in step with the vendors: [`sync_account`] walks every source of one
//! account page by page into the store (`crate::scheduler` runs it per account on an interval
//! and on demand). One record failing never stops its account: the walk below is the one
//! place where a listed item is read, and an item that cannot be read is kept as a placeholder
//! with the reason ([`placeholder`]) while the rest is stored.

mod history;
mod progress;
pub mod recent;

pub use crate::connector::FULL_WALK_AFTER;
use crate::connector::{Connector, ListItem, Source};
use crate::error::VendorError;
use crate::model::{Inbox, RemoteApproval, Status, SyncPhase, SyncProgress, Unreadable, User};
use crate::store::Store;

use futures::{StreamExt, TryStreamExt};
use recent::{Listed, Recent};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Progress and results, for the UI and the CLI.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncEvent {
    Started {
        account_id: i64,
    },
    Finished {
        account_id: i64,
        ok: bool,
        error: Option<String>,
        changed: usize,
    },
    /// An outbox entry of the account was queued, sent, failed or discarded.
    OutboxChanged {
        account_id: i64,
    },
    /// The cache file failed SQLite's check (`Service::check_cache`): the reason in words.
    CacheDamaged {
        problem: String,
    },
    /// Where a running sync of the account stands.
    Progress {
        account_id: i64,
        progress: SyncProgress,
    },
}

impl SyncEvent {
    /// An account's cache changed outside a sync (a decision sent, a vendor callback).
    pub fn changed(account_id: i64) -> SyncEvent {
        SyncEvent::Finished { account_id, ok: true, error: None, changed: 1 }
    }
}

/// What one successful sync did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncReport {
    /// Approvals read and stored.
    pub fetched: usize,
    /// Box memberships removed because the vendor no longer lists them.
    pub removed: usize,
    /// Listed items that could not be read this time: kept as placeholders with the reason.
    pub unreadable: usize,
    /// Finished approvals the history phase has still to read (kept in the cache for the next
    /// sync, in this process or the next).
    pub history_left: u64,
    /// The user stopped the sync.
    pub stopped: bool,
    /// Approvals written (new or changed) plus box memberships removed: 0 when the vendor had
    /// nothing new, which lets the scheduler wait longer (see [`next_sync_after`]).
    pub changed: u64,
}

/// How often a source is walked again when its list moved while it was being paged.
const WALKS_PER_SOURCE: usize = 3;

/// How many listed items are read at once (each connector's client paces itself further).
const READ_CONCURRENCY: usize = 4;

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

    /// Forgets one source's head: its next sync walks it (it left items to read again).
    fn forget_source(&self, account_id: i64, source: &Source) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&(account_id, source.name));
    }
}

/// What a sync keeps of an account between runs, in memory (the heads of its sources and what
/// it read of them), and who it syncs as: the holder of the account's sync claim in the cache
/// (`Store::claim_sync`; `None` where no claim is kept), whose walk alone may remove.
pub struct Memory<'a> {
    pub heads: &'a Heads,
    pub recent: &'a Recent,
    pub owner: Option<&'a str>,
    /// The account's turn (`Service`'s per-account lock), taken for each page and each chunk of
    /// history, not for the whole sync: the user's decisions go between them instead of
    /// waiting for an hour of history.
    pub turn: Option<&'a tokio::sync::Mutex<()>>,
    /// Set to stop the walk cleanly at the next page or chunk (the user's cancel).
    pub stop: Option<&'a AtomicBool>,
    /// Where progress goes.
    pub report: Option<progress::Report<'a>>,
    /// How long the history phase may run in this sync before giving way to the next pass over
    /// the lists (the scheduler's); `None`: until it is done (`inbox sync`).
    pub history_for: Option<Duration>,
}

impl<'a> Memory<'a> {
    /// A sync that keeps no claim, takes no turns, cannot be stopped and reports nothing.
    pub fn new(heads: &'a Heads, recent: &'a Recent) -> Memory<'a> {
        Memory { heads, recent, owner: None, turn: None, stop: None, report: None, history_for: None }
    }

    /// Waits for the account's turn (see [`Memory::turn`]).
    async fn take_turn(&self) -> Option<tokio::sync::MutexGuard<'a, ()>> {
        match self.turn {
            Some(turn) => Some(turn.lock().await),
            None => None,
        }
    }

    fn stopped(&self) -> Result<(), SyncError> {
        match self.stop {
            Some(stop) if stop.load(Ordering::SeqCst) => Err(SyncError::Stopped),
            _ => Ok(()),
        }
    }
}

/// Syncs one account in two phases. First every source is walked (lists are cheap: pages of
/// ids with their status), and of what each page lists, whatever may wait for the user is read
/// at once, what the cache already reflects is kept, and the finished rest is left in the
/// backlog (in the cache, so a closed app resumes). Then the history phase reads the backlog,
/// paced by [`Connector::history_gap`]. So every todo is in the cache after the lists plus the
/// reads of what may wait, however long the history.
///
/// Each page is stored in one transaction, so a failure leaves the cache as it was before
/// that page. A source's unlisted approvals leave its boxes only after a steady walk: one
/// during which the list did not move, as a shifted page can hide an approval that is still
/// there (a backlogged approval counts as listed). A source whose first page is as at its last
/// full walk, and walked less than [`FULL_WALK_AFTER`] ago, is not walked (one round trip
/// when nothing is new), unless its last walk left unreadable items to read again.
pub async fn sync_account(
    store: &Store,
    connector: &dyn Connector,
    account_id: i64,
    memory: Memory<'_>,
) -> Result<SyncReport, SyncError> {
    let mut tally = progress::Tally::new(memory.report);
    let mut report = SyncReport::default();
    // What the sync writes waits for the search index (`Store::index_pending`): its count tells
    // whether anything changed, as an unchanged approval is not written.
    let written_before = store.pending_index()?;
    let walked = walk_lists(store, connector, account_id, &memory, &mut tally, &mut report).await;
    let walked = match walked {
        Ok(generation) => {
            tally.todos_ready(store.backlog_count(account_id)?);
            history::fill(store, connector, account_id, &memory, &mut tally, generation, &mut report).await
        }
        Err(e) => Err(e),
    };
    report.changed = store.pending_index()?.saturating_sub(written_before) + report.removed as u64;
    match walked {
        Ok(()) => {
            report.history_left = store.backlog_count(account_id)?;
            tally.end(if report.history_left == 0 { SyncPhase::Done } else { SyncPhase::History });
            Ok(report)
        }
        Err(SyncError::Stopped) => {
            report.stopped = true;
            report.history_left = store.backlog_count(account_id)?;
            tally.end(SyncPhase::Stopped);
            Ok(report)
        }
        Err(e) => Err(e),
    }
}

/// The first phase: walks every source (see [`sync_account`]); returns the generation of the
/// last walk, which history reads mark their boxes with.
async fn walk_lists(
    store: &Store,
    connector: &dyn Connector,
    account_id: i64,
    memory: &Memory<'_>,
    tally: &mut progress::Tally<'_>,
    report: &mut SyncReport,
) -> Result<i64, SyncError> {
    let mut generation = store.begin_sync(account_id)?;
    for source in connector.sources() {
        memory.stopped()?;
        let started = Instant::now();
        let head = match connector.head(&source).await {
            Ok(head) => head,
            // A first page that cannot be read is no reason to skip the walk, which reads it.
            Err(e) if e.is_item_level() => None,
            Err(e) => return Err(e.into()),
        };
        if head.is_some_and(|h| memory.heads.unchanged(account_id, &source, h, connector.head_trusted_for())) {
            tracing::debug!(source = source.name, "first page as at the last full walk: not walked");
            continue;
        }
        for walk in 1.. {
            if walk > 1 {
                // A fresh mark, so what only the moved walk saw can leave after the steady one.
                generation = store.begin_sync(account_id)?;
            }
            let on = Walking { store, connector, memory, account_id, source: &source, generation };
            let walked = walk_source(&on, tally).await?;
            report.fetched += walked.fetched;
            if walked.steady {
                report.removed += store.finish_source(account_id, &source.boxes, generation, memory.owner)?;
                store.prune_backlog(account_id, source.name, Some(generation))?;
                report.unreadable += walked.unreadable;
                match head {
                    Some(h) if walked.unreadable == 0 => memory.heads.walked(account_id, &source, h, started),
                    _ => memory.heads.forget_source(account_id, &source),
                }
                break;
            }
            tally.rewind(walked.listed, walked.finished, walked.known);
            tracing::info!(source = source.name, walk, "the list moved while it was being paged; walking it again");
            if walk == WALKS_PER_SOURCE {
                return Err(VendorError::Moving { call: source.name.to_string(), walks: walk }.into());
            }
        }
    }
    Ok(generation)
}

/// One walk of one source: where it writes.
struct Walking<'a, 'm> {
    store: &'a Store,
    connector: &'a dyn Connector,
    memory: &'a Memory<'m>,
    account_id: i64,
    source: &'a Source,
    generation: i64,
}

/// What walking one source did.
#[derive(Default)]
struct Walked {
    fetched: usize,
    unreadable: usize,
    /// Items listed, finished ones among them, and those of these the cache already reflects.
    listed: u64,
    finished: u64,
    known: u64,
    /// Whether the list held still: every page agreed with the first on the vendor's count of
    /// its list and (for lists without a count) no approval came twice.
    steady: bool,
}

/// What reading one listed item came to.
enum Read {
    /// Read now (with the fingerprint of its list item), or found unchanged since the last read.
    Listed(Listed, u64),
    /// It could not be read: kept as a placeholder.
    Unreadable(Box<ListItem>, VendorError),
}

/// Walks one source page by page into the store, each page in the account's turn: lists it,
/// reads what may wait for the user, leaves the finished rest for history, stores it.
async fn walk_source(on: &Walking<'_, '_>, tally: &mut progress::Tally<'_>) -> Result<Walked, SyncError> {
    let (mut walked, mut cursor) = (Walked::default(), None::<String>);
    let mut counts: HashMap<String, i64> = HashMap::new();
    let mut seen = HashSet::new();
    let (mut moved, mut repeated) = (false, false);
    loop {
        on.memory.stopped()?;
        let turn = on.memory.take_turn().await;
        let page = on.connector.list(on.source, cursor.as_deref()).await?;
        for id in page.items.iter().map(|i| i.remote_id.clone()) {
            repeated |= !seen.insert(id);
        }
        let listed = page.items.len();
        let sorted = sort_page(on, page.items)?;
        let recent = on.memory.recent;
        let reads: Vec<Read> =
            futures::stream::iter(sorted.now.into_iter().map(|item| read(on.connector, recent, on.source, item)))
                .buffered(READ_CONCURRENCY)
                .try_collect()
                .await?;
        if let Some(e) = one_refusal_for_all(&reads) {
            // Not one record's problem: the vendor refuses this account's reads as a whole.
            return Err(e.into());
        }
        let kept = Kept { unchanged: sorted.unchanged, later: sorted.later, done: Vec::new() };
        let stored = store_page(on.store, on.account_id, on.source, on.generation, reads, kept)?;
        drop(turn);
        recent.stored(on.source, &stored.listed);
        walked.fetched += stored.fetched;
        walked.unreadable += stored.unreadable;
        let known = sorted.known + stored.finished_read;
        (walked.listed, walked.finished, walked.known) =
            (walked.listed + listed as u64, walked.finished + sorted.finished as u64, walked.known + known as u64);
        tally.listed(listed, sorted.finished, known);
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
    walked.steady = !moved && (!counts.is_empty() || !repeated);
    Ok(walked)
}

/// A page's items sorted by when they are read.
struct Sorted {
    /// Read now: what may wait for the user (the list does not show it finished), what cannot
    /// be read, and a finished one the cache still has in progress (it may have left todo).
    now: Vec<ListItem>,
    /// Finished, and as the cache has them (read from this very list item, within the TTL).
    unchanged: Vec<String>,
    /// Finished and not read yet: (remote id, list item kept for the history phase).
    later: Vec<(String, String)>,
    finished: usize,
    /// How many of the finished ones are unchanged.
    known: usize,
}

/// Sorts a page's items (see [`Sorted`]). What was read is remembered in this process
/// (`Recent`) and in the cache (`sync_reads`, for the next process).
fn sort_page(on: &Walking<'_, '_>, items: Vec<ListItem>) -> Result<Sorted, SyncError> {
    let recent = on.memory.recent;
    let history = |i: &ListItem| i.finished && i.unreadable.is_none() && !i.remote_id.is_empty();
    let ids: Vec<&str> = items.iter().filter(|i| history(i)).map(|i| i.remote_id.as_str()).collect();
    let memo =
        if ids.is_empty() { HashMap::new() } else { on.store.listed_memo(on.account_id, on.source.name, &ids)? };
    let ttl = i64::try_from(recent.ttl().as_secs()).unwrap_or(i64::MAX);
    let mut sorted = Sorted { now: Vec::new(), unchanged: Vec::new(), later: Vec::new(), finished: 0, known: 0 };
    for item in items {
        if !history(&item) {
            sorted.now.push(item);
            continue;
        }
        sorted.finished += 1;
        let fingerprint = recent.fingerprint(item.seen.as_ref().unwrap_or(&item.raw));
        let memo = memo.get(&item.remote_id).copied().unwrap_or_default();
        let remembered =
            memo.read.is_some_and(|(f, at)| f == fingerprint as i64 && crate::model::now().saturating_sub(at) < ttl);
        if memo.cached_final == Some(false) {
            sorted.now.push(item);
        } else if remembered || recent.unchanged(on.source.name, &item.remote_id, fingerprint) {
            sorted.known += 1;
            sorted.unchanged.push(item.remote_id);
        } else {
            sorted.later.push((item.remote_id.clone(), history::keep(item)));
        }
    }
    Ok(sorted)
}

/// How many reads of a page must fail alike before the failure is taken as the account's.
const SAME_REFUSAL_FOR_ALL: usize = 3;

/// The vendor's refusal of every read of a page, when at least [`SAME_REFUSAL_FOR_ALL`] reads
/// were refused with one and the same code by one call: a code that is about the account
/// (a rate limit, a revoked right, a server fault under a business code), not about a record,
/// whatever the connector took it for. Placeholders for all of them would hide a broken account.
fn one_refusal_for_all(reads: &[Read]) -> Option<VendorError> {
    let refusal = |r: &Read| match r {
        Read::Unreadable(_, VendorError::Vendor { call, code, message }) => {
            Some((call.clone(), code.clone(), message.clone()))
        }
        _ => None,
    };
    let first = refusal(reads.first()?)?;
    let all_alike = reads.len() >= SAME_REFUSAL_FOR_ALL
        && reads.iter().all(|r| refusal(r).is_some_and(|(call, code, _)| call == first.0 && code == first.1));
    all_alike.then(|| VendorError::Vendor {
        call: first.0,
        code: first.1,
        message: format!("{} (every read of a page was refused alike)", first.2),
    })
}

/// Reads one listed item (unless it is unchanged since the last read). A failure that concerns
/// this item only becomes [`Read::Unreadable`]; any other fails the sync.
async fn read(
    connector: &dyn Connector,
    recent: &Recent,
    source: &Source,
    mut item: ListItem,
) -> Result<Read, VendorError> {
    if item.remote_id.is_empty() {
        // A list item without an id: named by what it shows, without the fields that change by
        // themselves, so the same item keeps one placeholder from sync to sync.
        item.remote_id = format!("unreadable:{:016x}", recent.fingerprint(&item.raw));
    }
    if let Some(e) = item.unreadable.take() {
        return Ok(Read::Unreadable(Box::new(item), e));
    }
    let seen = item.seen.take().unwrap_or_else(|| item.raw.clone());
    let fingerprint = recent.fingerprint(&seen);
    match recent.get_or_read(source, &item.remote_id, &seen, || connector.read(source, &item)).await {
        Ok(listed) => Ok(Read::Listed(listed, fingerprint)),
        Err(e) if e.is_item_level() => Ok(Read::Unreadable(Box::new(item), e)),
        Err(e) => Err(e),
    }
}

/// What a page keeps besides its reads: the ids listed as the cache has them, the finished
/// items left for history, and the backlog items it read.
struct Kept {
    unchanged: Vec<String>,
    later: Vec<(String, String)>,
    done: Vec<String>,
}

/// What storing one page did.
struct Stored {
    fetched: usize,
    unreadable: usize,
    /// Finished approvals read (the user's or not).
    finished_read: usize,
    /// The remote ids whose reads the cache now reflects (`Recent::stored`).
    listed: Vec<String>,
}

/// Stores what a page's reads came to: approvals read in one of the user's boxes, the boxes of
/// unchanged and backlogged ones kept, approvals of others left out (their reads trusted at
/// once: there is nothing to store of them), and the unreadable ones kept as placeholders.
/// The finished ones read are remembered in the cache with their list items' fingerprints.
fn store_page(
    store: &Store,
    account_id: i64,
    source: &Source,
    generation: i64,
    reads: Vec<Read>,
    kept: Kept,
) -> Result<Stored, SyncError> {
    let (mut approvals, mut unchanged, mut others, mut unreadable) =
        (Vec::new(), kept.unchanged, Vec::new(), Vec::new());
    let mut finished = Vec::new();
    for r in reads {
        match r {
            Read::Listed(Listed::Read(a), fingerprint) => {
                if a.status.is_final() {
                    finished.push((a.remote_id.clone(), fingerprint as i64));
                }
                if a.boxes.is_empty() {
                    others.push(a.remote_id);
                } else {
                    approvals.push(*a);
                }
            }
            Read::Listed(Listed::Unchanged(id), _) => unchanged.push(id),
            Read::Unreadable(item, e) => {
                tracing::warn!(source = source.name, remote_id = %item.remote_id, "kept as unreadable: {e}");
                let listed_in: Vec<Inbox> = item.boxes.iter().copied().filter(|b| source.boxes.contains(b)).collect();
                unreadable.push((placeholder(source, *item, &e), listed_in));
            }
        }
    }
    let listed_now = unchanged.len();
    // A backlogged approval the cache holds keeps its boxes until history reads it.
    unchanged.extend(kept.later.iter().map(|(id, _)| id.clone()));
    let page = crate::store::PageWrite {
        read: &approvals,
        unchanged: &unchanged,
        unreadable: &unreadable,
        source: source.name,
        later: &kept.later,
        reads: &finished,
        done: &kept.done,
    };
    let fetched = store.store_page(account_id, &source.boxes, generation, &page)?;
    unchanged.truncate(listed_now);
    let listed = approvals.into_iter().map(|a| a.remote_id).chain(unchanged).chain(others).collect();
    Ok(Stored { fetched, unreadable: unreadable.len(), finished_read: finished.len(), listed })
}

/// The placeholder of a listed item that could not be read: its id, the list's title where it
/// shows one, why, and no action. It goes in the boxes its list item shows; where the list
/// cannot tell (a company-wide list), in the source's boxes other than todo, so the user sees
/// it without being told it waits for them. A cached approval keeps its last readable content
/// instead (`Store::store_page`).
pub fn placeholder(source: &Source, item: ListItem, e: &VendorError) -> RemoteApproval {
    let mut boxes: Vec<Inbox> = item.boxes.iter().copied().filter(|b| source.boxes.contains(b)).collect();
    if boxes.is_empty() {
        boxes = source.boxes.iter().copied().filter(|b| *b != Inbox::Todo).collect();
    }
    if boxes.is_empty() {
        boxes = source.boxes.clone();
    }
    let now = crate::model::now();
    let call = e.call().unwrap_or(source.name).to_string();
    RemoteApproval {
        title: item.title.unwrap_or_else(|| format!("无法读取的审批 {}", item.remote_id)),
        remote_id: item.remote_id,
        form_name: String::new(),
        submitter: User::default(),
        submitted_at: now,
        updated_at: now,
        status: Status::Other,
        boxes,
        fields: vec![],
        steps: vec![],
        attachments: vec![],
        actions: vec![],
        raw: item.raw,
        status_word: None,
        unreadable: Some(Unreadable { call, reason: e.to_string() }),
        marks: vec![],
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Vendor(#[from] VendorError),
    #[error("local cache: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The user stopped the walk: what it stored stays, the rest is read next time.
    #[error("stopped")]
    Stopped,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connector::{Download, ListPage};
    use crate::error::VendorError;
    use crate::model::Approval;
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
        /// Items whose read fails, with the reason ("code N": the vendor refuses it with N).
        unreadable: Mutex<HashMap<String, String>>,
        per_page: Mutex<usize>,
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
            status_word: None,
            unreadable: None,
            marks: vec![],
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
            let per_page = *self.per_page.lock().unwrap();
            let page: Vec<_> = items
                .iter()
                .skip(start)
                .take(per_page)
                .map(|id| ListItem::new(id.clone(), serde_json::json!({ "id": id })).in_boxes(vec![Inbox::Todo]))
                .collect();
            let next = (start + per_page < items.len()).then(|| (start + per_page).to_string());
            Ok(ListPage::new(page, next).of_total("todo", items.len() as i64))
        }
        async fn read(&self, _: &Source, listed: &ListItem) -> Result<RemoteApproval, VendorError> {
            self.detail(&listed.remote_id).await
        }
        async fn detail(&self, id: &str) -> Result<RemoteApproval, VendorError> {
            match self.unreadable.lock().unwrap().get(id) {
                Some(code) if code.starts_with("code ") => {
                    Err(VendorError::Vendor { call: "detail".into(), code: code[5..].into(), message: "拒绝".into() })
                }
                Some(reason) => Err(VendorError::record("detail", reason)),
                None => Ok(item(id)),
            }
        }
        async fn act(&self, _: &str, _: Action, _: &str) -> Result<(), VendorError> {
            Ok(())
        }
        async fn download(&self, _: &str) -> Result<Download, VendorError> {
            Err(VendorError::Unsupported("downloads"))
        }
    }

    fn todo_ids(store: &Store) -> Vec<String> {
        let page = store
            .list(&crate::store::ListQuery { inbox: Some(Inbox::Todo), limit: 100, ..Default::default() })
            .unwrap();
        let mut ids: Vec<_> = page.items.into_iter().map(|a| a.remote_id).collect();
        ids.sort();
        ids
    }

    fn memory<'a>(heads: &'a Heads, recent: &'a Recent) -> Memory<'a> {
        Memory::new(heads, recent)
    }

    fn world(ids: &[&str], moves: usize) -> (tempfile::TempDir, Store, i64, MovingList) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let account =
            store.insert_account("励销云", Vendor::Weiwenjia, "http://x", &Default::default(), false).unwrap();
        let items = Mutex::new(ids.iter().map(|s| s.to_string()).collect());
        let list = MovingList {
            items,
            moves: Mutex::new(moves),
            with_head: false,
            pages: Mutex::new(0),
            unreadable: Mutex::default(),
            per_page: Mutex::new(2),
        };
        (dir, store, account, list)
    }

    #[tokio::test]
    async fn an_approval_hidden_by_a_shifted_page_keeps_its_box() {
        let (_dir, store, account, list) = world(&["a", "b", "c", "d", "e"], 0);
        sync_account(&store, &list, account, memory(&Heads::default(), &Recent::new(&[]))).await.unwrap();
        // "a" leaves while the walk is between pages: "c" slides onto page one, unseen.
        *list.moves.lock().unwrap() = 1;
        let report = sync_account(&store, &list, account, memory(&Heads::default(), &Recent::new(&[]))).await.unwrap();
        assert_eq!(todo_ids(&store), ["b", "c", "d", "e"], "c stays; a leaves on the steady second walk");
        assert_eq!(report.removed, 1);
    }

    #[tokio::test]
    async fn a_list_that_never_holds_still_is_reported_and_removes_nothing() {
        let ids: Vec<String> = (0..20).map(|i| format!("{i:02}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let (_dir, store, account, list) = world(&ids, 0);
        sync_account(&store, &list, account, memory(&Heads::default(), &Recent::new(&[]))).await.unwrap();
        *list.moves.lock().unwrap() = WALKS_PER_SOURCE;
        let e = sync_account(&store, &list, account, memory(&Heads::default(), &Recent::new(&[])))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("kept changing") && e.contains("3 tries"), "{e}");
        assert_eq!(todo_ids(&store).len(), 20, "nothing left a box on an unsteady walk");
    }

    #[tokio::test]
    async fn a_source_whose_head_is_unchanged_is_not_walked_until_it_changes() {
        let (_dir, store, account, list) = world(&["a", "b", "c", "d", "e"], 0);
        let list = MovingList { with_head: true, ..list };
        let (heads, recent) = (Heads::default(), Recent::new(&[]));
        sync_account(&store, &list, account, memory(&heads, &recent)).await.unwrap();
        assert_eq!(*list.pages.lock().unwrap(), 3, "the first sync walks the three pages");
        let report = sync_account(&store, &list, account, memory(&heads, &recent)).await.unwrap();
        assert_eq!((*list.pages.lock().unwrap(), report.fetched), (3, 0), "nothing new: the head alone");
        list.items.lock().unwrap().retain(|i| i != "c");
        sync_account(&store, &list, account, memory(&heads, &recent)).await.unwrap();
        assert_eq!(*list.pages.lock().unwrap(), 5, "a changed head walks the list");
        assert_eq!(todo_ids(&store), ["a", "b", "d", "e"]);
        heads.forget(account);
        sync_account(&store, &list, account, memory(&heads, &recent)).await.unwrap();
        assert_eq!(*list.pages.lock().unwrap(), 7, "forgotten heads (after an action) walk again");
    }

    fn cached(store: &Store, account: i64, remote_id: &str) -> Approval {
        store.approval_by_remote(account, remote_id).unwrap().unwrap_or_else(|| panic!("{remote_id} is not cached"))
    }

    #[tokio::test]
    async fn an_unreadable_item_is_kept_as_a_placeholder_and_the_others_are_stored() {
        let (_dir, store, account, list) = world(&["a", "b", "c"], 0);
        list.unreadable.lock().unwrap().insert("b".into(), "unknown action status WAITING".into());
        let recent = Recent::new(&[]);
        let report = sync_account(&store, &list, account, memory(&Heads::default(), &recent)).await.unwrap();
        assert_eq!((report.fetched, report.unreadable), (2, 1));
        assert_eq!(todo_ids(&store), ["a", "b", "c"], "the placeholder is in the box its list put it in");
        let b = cached(&store, account, "b");
        let why = b.remote.unreadable.as_ref().expect("marked unreadable");
        assert!(why.call == "detail" && why.reason.contains("WAITING"), "{why:?}");
        assert!(b.remote.actions.is_empty() && b.remote.status == Status::Other, "nothing offered on a placeholder");
        assert!(cached(&store, account, "a").remote.unreadable.is_none());

        // Read again at the next sync: once it reads, it is an approval like any other.
        list.unreadable.lock().unwrap().clear();
        let report = sync_account(&store, &list, account, memory(&Heads::default(), &recent)).await.unwrap();
        assert_eq!(report.unreadable, 0);
        let b = cached(&store, account, "b");
        assert!(b.remote.unreadable.is_none() && b.remote.actions == [Action::Approve], "{b:?}");
    }

    #[tokio::test]
    async fn a_cached_approval_that_turns_unreadable_keeps_its_content_without_actions() {
        let (_dir, store, account, list) = world(&["a", "b"], 0);
        let recent = Recent::new(&[]);
        sync_account(&store, &list, account, memory(&Heads::default(), &recent)).await.unwrap();
        let before = cached(&store, account, "a");
        list.unreadable.lock().unwrap().insert("a".into(), "a field of an odd type".into());
        sync_account(&store, &list, account, memory(&Heads::default(), &recent)).await.unwrap();
        let after = cached(&store, account, "a");
        assert_eq!(
            (after.id, &after.remote.title, after.remote.status),
            (before.id, &before.remote.title, Status::Pending),
            "the last readable copy stays"
        );
        assert!(after.remote.actions.is_empty() && after.remote.unreadable.is_some());
        assert_eq!(todo_ids(&store), ["a", "b"]);
    }

    /// A todo whose list now names it, cached only in another box, must show in todo while its
    /// detail cannot be read: the list's box is the authority.
    #[tokio::test]
    async fn an_unreadable_approval_goes_where_its_list_puts_it_as_well() {
        let (_dir, store, account, list) = world(&["a", "b"], 0);
        let processed = RemoteApproval { boxes: vec![Inbox::Processed], actions: vec![], ..item("a") };
        store.upsert_one(account, &processed).unwrap();
        list.unreadable.lock().unwrap().insert("a".into(), "odd".into());
        sync_account(&store, &list, account, memory(&Heads::default(), &Recent::new(&[]))).await.unwrap();
        assert_eq!(todo_ids(&store), ["a", "b"]);
        assert_eq!(
            cached(&store, account, "a").remote.boxes,
            [Inbox::Todo, Inbox::Processed],
            "the cached box stays too"
        );
    }

    /// One code refusing every read of a page is the account's problem, not three records'.
    #[tokio::test]
    async fn every_read_of_a_page_refused_alike_fails_the_account() {
        let (_dir, store, account, list) = world(&["a", "b", "c", "d"], 0);
        *list.per_page.lock().unwrap() = 4;
        for id in ["a", "b", "c", "d"] {
            list.unreadable.lock().unwrap().insert(id.into(), "code 429".into());
        }
        let e = sync_account(&store, &list, account, memory(&Heads::default(), &Recent::new(&[])))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("every read of a page was refused alike"), "{e}");
        assert!(todo_ids(&store).is_empty(), "nothing stored as placeholders");
    }

    #[tokio::test]
    async fn an_account_level_failure_still_fails_the_sync() {
        struct Refused;
        #[async_trait]
        impl Connector for Refused {
            fn sources(&self) -> Vec<Source> {
                vec![Source { boxes: vec![Inbox::Todo], ..SOURCE }]
            }
            async fn test(&self) -> Result<String, VendorError> {
                Ok(String::new())
            }
            async fn list(&self, _: &Source, _: Option<&str>) -> Result<ListPage, VendorError> {
                Ok(ListPage::new(vec![ListItem::new("a", serde_json::Value::Null)], None))
            }
            async fn read(&self, _: &Source, _: &ListItem) -> Result<RemoteApproval, VendorError> {
                Err(VendorError::Auth { call: "detail".into(), code: "401".into(), message: "token expired".into() })
            }
            async fn detail(&self, _: &str) -> Result<RemoteApproval, VendorError> {
                unreachable!()
            }
            async fn act(&self, _: &str, _: Action, _: &str) -> Result<(), VendorError> {
                Ok(())
            }
            async fn download(&self, _: &str) -> Result<Download, VendorError> {
                Err(VendorError::Unsupported("downloads"))
            }
        }
        let (_dir, store, account, _) = world(&[], 0);
        let e =
            sync_account(&store, &Refused, account, memory(&Heads::default(), &Recent::new(&[]))).await.unwrap_err();
        assert!(e.to_string().contains("refused the credentials"), "{e}");
        assert!(todo_ids(&store).is_empty(), "no placeholder for an account-level failure");
    }

    #[test]
    fn a_placeholder_of_a_list_that_cannot_tell_its_box_stays_out_of_todo() {
        let source = Source { name: "contracts", boxes: vec![Inbox::Todo, Inbox::Submitted, Inbox::Processed] };
        let e = VendorError::record("contract/detail", "odd");
        let p = placeholder(&source, ListItem::new("7", serde_json::Value::Null).titled("采购合同"), &e);
        assert_eq!((p.boxes, p.title.as_str()), (vec![Inbox::Submitted, Inbox::Processed], "采购合同"));
        let p = placeholder(&source, ListItem::new("7", serde_json::Value::Null).in_boxes(vec![Inbox::Todo]), &e);
        assert_eq!((p.boxes, p.title.as_str()), (vec![Inbox::Todo], "无法读取的审批 7"));
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
