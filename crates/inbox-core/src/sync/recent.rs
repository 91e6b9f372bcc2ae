//! What the last syncs read, so a sync with nothing new skips the per-item reads (issue 7).
//! The one rule, for every connector's listed items (`Connector::read`):
//!
//! - Per account (kept by `Service` across syncs; nothing goes to disk),
//!   remember `(source, remote id) → (fingerprint of the vendor's raw list item, when it was
//!   read)` for each **finished** approval read. Not the approval itself: the cache holds it,
//!   so a listed item found unchanged comes back as [`Listed::Unchanged`] and the sync keeps
//!   the cached approval's boxes (`Store::store_page`). Keeping the approvals here cost
//!   280 MB at 10k per vendor. The source is part of the key because box membership
//!   comes from the source: the same approval listed under todo and under processed are two
//!   entries.
//! - The fingerprint hashes what the list shows of the item (`ListItem::seen`, else its raw
//!   JSON), minus the fields a vendor changes by itself (`Recall::volatile`: weiwenjia's
//!   relative `distance_submission_time`, "大约 17 小时"): an item whose status or any other
//!   listed field changes is read again.
//! - A listed item whose fingerprint equals the remembered one, read less than [`TTL`] ago, is
//!   unchanged; only finished approvals (approved, rejected, cancelled, failed) are
//!   remembered, so anything else reads the detail. An approval in progress is read on
//!   every sync because its detail can move without its list item moving: a step decided by
//!   another approver makes it the user's turn (yomicloud, qiyuesuo derive todo from the
//!   detail), a decision the user took in the vendor's console takes the user's actions away,
//!   and none of the three lists carries an update time that would say so. A finished
//!   approval no longer changes, which is where a sync with nothing new saves its reads.
//! - Acting on an approval forgets its remote id (under every source), so the next sync reads
//!   it again; a read that started before the forget is not remembered, so a sync running
//!   while the user acts cannot put back what the action made stale.
//!
//! Why a TTL as well: a finished approval's detail should not change, but a vendor may still
//! add to it (a late comment); the TTL (`Recall::ttl`) bounds how long such an addition waits.

use crate::connector::{Recall, Source};
use crate::error::VendorError;
use crate::model::RemoteApproval;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a finished approval's read is trusted while its list item does not change, unless
/// the connector says otherwise.
pub const TTL: Duration = crate::connector::FULL_WALK_AFTER;

/// The memory of one account (see the module documentation).
#[derive(Debug)]
pub struct Recent {
    /// Top-level fields of a list item left out of its fingerprint: they change by themselves.
    volatile: &'static [&'static str],
    ttl: Duration,
    /// What read times count from.
    born: Instant,
    inner: Mutex<Inner>,
}

/// An entry's key: the hash of (source name, remote id). There is one entry per listed
/// finished approval, tens of thousands for company-wide lists, so an entry holds no text:
/// 24 bytes a slot instead of 56 and an allocation. Two keys would collide about once in
/// 10¹⁰ caches, and the fingerprint (which hashes the item, its id included) must match too.
type Key = u64;

fn key(source: &str, remote_id: &str) -> Key {
    crate::connectors::hash_of(&(source, remote_id))
}

#[derive(Debug, Default)]
struct Inner {
    items: HashMap<Key, Entry>,
    /// Reads of finished approvals whose page is not stored yet (see [`Recent::stored`]).
    pending: HashMap<Key, Entry>,
    /// Every source an entry was made under, so `forget` can reach all of them.
    sources: Vec<&'static str>,
    /// When each remote id was last forgotten: a read that started earlier is stale.
    forgotten: HashMap<String, Instant>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    fingerprint: u64,
    /// Whole seconds from `Recent::born` to the start of the read, rounded down: the read is
    /// taken as older than it is, which only shortens its trust.
    read_at: u32,
}

/// What a listed item came to: its approval, read now, or "as the cache has it".
#[derive(Debug)]
pub enum Listed {
    Read(Box<RemoteApproval>),
    /// The remote id of a finished approval whose list item did not change.
    Unchanged(String),
}

impl Recent {
    /// A memory whose fingerprints leave out the list item fields `volatile`.
    pub fn new(volatile: &'static [&'static str]) -> Recent {
        Recent::with_ttl(volatile, TTL)
    }

    /// The same with another trust period (tests).
    pub fn with_ttl(volatile: &'static [&'static str], ttl: Duration) -> Recent {
        Recent { volatile, ttl, born: Instant::now(), inner: Mutex::default() }
    }

    /// A memory as a connector asks for it.
    pub fn of(recall: Recall) -> Recent {
        Recent::with_ttl(recall.volatile, recall.ttl)
    }

    /// What `item` (listed under `source`) comes to: [`Listed::Unchanged`] when it is as at
    /// the last read of a finished approval, under [`TTL`] ago; else `read()`'s approval.
    pub async fn get_or_read<F, Fut>(
        &self,
        source: &Source,
        remote_id: &str,
        item: &Value,
        read: F,
    ) -> Result<Listed, VendorError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<RemoteApproval, VendorError>>,
    {
        let fingerprint = self.fingerprint(item);
        if self.unchanged(source.name, remote_id, fingerprint) {
            return Ok(Listed::Unchanged(remote_id.to_string()));
        }
        let started = Instant::now();
        let approval = read().await?;
        self.remember(source.name, remote_id, fingerprint, started, approval.status.is_final());
        Ok(Listed::Read(Box::new(approval)))
    }

    /// Forgets `remote_id` under every source, and any read of it still in flight.
    pub fn forget(&self, remote_id: &str) {
        let mut inner = self.lock();
        let Inner { items, pending, sources, forgotten } = &mut *inner;
        for key in sources.iter().map(|source| key(source, remote_id)) {
            items.remove(&key);
            pending.remove(&key);
        }
        forgotten.insert(remote_id.to_string(), Instant::now());
    }

    /// The hash of a list item without its volatile fields ([`crate::connectors::fingerprint`]).
    pub fn fingerprint(&self, item: &Value) -> u64 {
        crate::connectors::fingerprint(item, self.volatile)
    }

    /// How long a finished approval's read is trusted while its list item is unchanged.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Whether `source` listed `remote_id` as a finished approval read from an item with
    /// `fingerprint`, less than the TTL ago.
    pub(crate) fn unchanged(&self, source: &'static str, remote_id: &str, fingerprint: u64) -> bool {
        let inner = self.lock();
        inner
            .items
            .get(&key(source, remote_id))
            .is_some_and(|e| e.fingerprint == fingerprint && self.at(e).elapsed() < self.ttl)
    }

    /// When the read of `entry` started (rounded down to a whole second from `born`).
    fn at(&self, entry: &Entry) -> Instant {
        self.born + Duration::from_secs(entry.read_at.into())
    }

    /// Notes a read of a finished approval, to be trusted once its page is stored (and forgets
    /// one of an approval in progress).
    fn remember(&self, source: &'static str, remote_id: &str, fingerprint: u64, started: Instant, finished: bool) {
        let read_at = u32::try_from(started.saturating_duration_since(self.born).as_secs()).unwrap_or(u32::MAX);
        let mut inner = self.lock();
        if !inner.sources.contains(&source) {
            inner.sources.push(source);
        }
        let key = key(source, remote_id);
        inner.items.remove(&key);
        if finished {
            inner.pending.insert(key, Entry { fingerprint, read_at });
        } else {
            inner.pending.remove(&key);
        }
    }

    /// The page of `source` listing `remote_ids` is in the cache: their reads are trusted from
    /// now on. Until then an `Unchanged` would point at a cache row that a failed page never
    /// wrote (or an older one), so nothing is trusted before it is stored.
    pub fn stored(&self, source: &Source, remote_ids: &[String]) {
        let mut inner = self.lock();
        for id in remote_ids {
            let key = key(source.name, id);
            let Some(entry) = inner.pending.remove(&key) else { continue };
            if inner.forgotten.get(id).is_none_or(|at| *at < self.at(&entry)) {
                inner.items.insert(key, entry);
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Inbox, Status, User};
    use serde_json::json;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn approval(id: &str, title: &str, status: Status) -> RemoteApproval {
        RemoteApproval {
            remote_id: id.into(),
            title: title.into(),
            form_name: String::new(),
            submitter: User { id: "1".into(), name: "李娜".into() },
            submitted_at: 1,
            updated_at: 1,
            status,
            boxes: vec![Inbox::Processed],
            fields: vec![],
            steps: vec![],
            attachments: vec![],
            actions: vec![],
            raw: Value::Null,
            status_word: None,
            unreadable: None,
            marks: vec![],
        }
    }

    fn source(name: &str) -> Source {
        Source { name: Box::leak(name.to_string().into_boxed_str()), boxes: vec![Inbox::Todo, Inbox::Processed] }
    }

    /// Lists `item` under `source` as a finished approval titled `title`, counting detail
    /// reads in `reads`; returns the title read, or `None` when the item was unchanged.
    async fn read(
        recent: &Recent,
        source_name: &str,
        item: &Value,
        reads: &AtomicUsize,
        title: &str,
    ) -> Option<String> {
        read_status(recent, source_name, item, reads, title, Status::Approved).await
    }

    /// Lists and, as a sync does once the page is in the cache, reports it stored.
    async fn read_status(
        recent: &Recent,
        source_name: &str,
        item: &Value,
        reads: &AtomicUsize,
        title: &str,
        status: Status,
    ) -> Option<String> {
        let listed = list_unstored(recent, source_name, item, reads, title, status).await;
        recent.stored(&source(source_name), &["7".to_string()]);
        listed
    }

    async fn list_unstored(
        recent: &Recent,
        source_name: &str,
        item: &Value,
        reads: &AtomicUsize,
        title: &str,
        status: Status,
    ) -> Option<String> {
        let listed = recent
            .get_or_read(&source(source_name), "7", item, || async {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(approval("7", title, status))
            })
            .await
            .unwrap();
        match listed {
            Listed::Read(a) => Some(a.title),
            Listed::Unchanged(id) => {
                assert_eq!(id, "7");
                None
            }
        }
    }

    #[tokio::test]
    async fn an_unchanged_item_is_read_once_per_source() {
        let (recent, reads) = (Recent::new(&["distance"]), AtomicUsize::new(0));
        let item = json!({ "id": 7, "status": "pass", "distance": "28 分钟" });
        assert_eq!(read(&recent, "todo", &item, &reads, "a").await.as_deref(), Some("a"));
        let later = json!({ "id": 7, "status": "pass", "distance": "大约一小时" });
        assert_eq!(read(&recent, "todo", &later, &reads, "b").await, None, "a volatile field is no change");
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        read(&recent, "processed", &item, &reads, "c").await;
        assert_eq!(reads.load(Ordering::SeqCst), 2, "another source is another entry");
    }

    #[tokio::test]
    async fn a_changed_item_an_old_read_and_a_forgotten_id_are_read_again() {
        let (recent, reads) = (Recent::new(&[]), AtomicUsize::new(0));
        read(&recent, "todo", &json!({ "id": 7, "status": "applying" }), &reads, "a").await;
        assert_eq!(
            read(&recent, "todo", &json!({ "id": 7, "status": "pass" }), &reads, "b").await.as_deref(),
            Some("b")
        );
        recent.forget("7");
        assert_eq!(
            read(&recent, "todo", &json!({ "id": 7, "status": "pass" }), &reads, "c").await.as_deref(),
            Some("c")
        );
        assert_eq!(reads.load(Ordering::SeqCst), 3);

        let stale = Recent::with_ttl(&[], Duration::ZERO);
        let item = json!({ "id": 7 });
        read(&stale, "todo", &item, &reads, "a").await;
        assert_eq!(
            read(&stale, "todo", &item, &reads, "d").await.as_deref(),
            Some("d"),
            "past the TTL the detail is read"
        );
    }

    #[tokio::test]
    async fn a_read_overtaken_by_a_forget_is_not_remembered() {
        let recent = Recent::new(&[]);
        let item = json!({ "id": 7 });
        recent
            .get_or_read(&source("todo"), "7", &item, || async {
                recent.forget("7"); // the user acts while the sync reads
                Ok(approval("7", "before the action", Status::Approved))
            })
            .await
            .unwrap();
        recent.stored(&source("todo"), &["7".to_string()]);
        let reads = AtomicUsize::new(0);
        assert_eq!(read(&recent, "todo", &item, &reads, "after").await.as_deref(), Some("after"));
    }

    #[tokio::test]
    async fn an_approval_in_progress_is_read_on_every_sync() {
        let recent = Recent::new(&[]);
        let (pending, finished) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let item = json!({ "id": 7, "status": 0 });
        for _ in 0..3 {
            read_status(&recent, "handler", &item, &pending, "a", Status::Pending).await;
            read_status(&recent, "creator", &item, &finished, "a", Status::Rejected).await;
        }
        assert_eq!(pending.load(Ordering::SeqCst), 3, "in progress: its detail may have moved, read it");
        assert_eq!(finished.load(Ordering::SeqCst), 1, "finished: read once");
    }

    /// A read whose page never reached the cache (a later detail on it failed) is not trusted:
    /// `Unchanged` would point at a row that was never written.
    #[tokio::test]
    async fn a_read_whose_page_was_not_stored_is_read_again() {
        let (recent, reads) = (Recent::new(&[]), AtomicUsize::new(0));
        let item = json!({ "id": 7, "status": "pass" });
        list_unstored(&recent, "todo", &item, &reads, "a", Status::Approved).await;
        assert_eq!(read(&recent, "todo", &item, &reads, "b").await.as_deref(), Some("b"));
        assert_eq!(read(&recent, "todo", &item, &reads, "c").await, None, "stored now");
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn approvals_of_others_are_trusted_without_a_cache_row() {
        let (recent, reads) = (Recent::new(&[]), AtomicUsize::new(0));
        let item = json!({ "id": 7 });
        let src = source("contracts");
        let theirs = || async {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok(RemoteApproval { boxes: vec![], ..approval("7", "theirs", Status::Approved) })
        };
        let listed = recent.get_or_read(&src, "7", &item, theirs).await.unwrap();
        assert!(matches!(listed, Listed::Read(ref a) if a.boxes.is_empty()), "not the user's");
        // The sync leaves it out of the cache and trusts the read at once (`sync::walk_source`).
        recent.stored(&src, &["7".to_string()]);
        let again = recent.get_or_read(&src, "7", &item, theirs).await.unwrap();
        assert!(matches!(again, Listed::Unchanged(_)), "and not read again");
        assert_eq!(reads.load(Ordering::SeqCst), 1);
    }
}
