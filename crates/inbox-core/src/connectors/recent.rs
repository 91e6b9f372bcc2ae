//! What the last syncs read, so a sync with nothing new skips the per-item detail reads (issue
//! 7). The one rule, for every connector that lists items and then reads each one's detail
//! (weiwenjia, qiyuesuo, yomicloud):
//!
//! - Per connector (so per account, kept by `Service` across syncs; nothing goes to disk),
//!   remember `(source, remote id) → (fingerprint of the vendor's raw list item, the approval
//!   built from it, when it was read)`. The source is part of the key because box membership
//!   comes from the source: the same approval listed under todo and under processed are two
//!   entries.
//! - The fingerprint hashes the raw list item JSON, minus the fields a vendor changes by itself
//!   (weiwenjia's relative `distance_submission_time`, "大约 17 小时"): an item whose status or
//!   any other listed field changes is read again.
//! - A listed item whose fingerprint equals the remembered one, read less than [`TTL`] ago,
//!   reuses the remembered approval only if that approval is finished (approved, rejected,
//!   cancelled, failed); anything else reads the detail. An approval in progress is read on
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
//! add to it (a late comment); the TTL bounds how long such an addition waits.

use crate::connector::Source;
use crate::error::VendorError;
use crate::model::RemoteApproval;
use serde_json::Value;
use std::collections::HashMap;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a remembered approval is trusted while its list item does not change.
pub const TTL: Duration = Duration::from_secs(10 * 60);

/// The memory of one connector (see the module documentation).
#[derive(Debug)]
pub struct Recent {
    /// Top-level fields of a list item left out of its fingerprint: they change by themselves.
    volatile: &'static [&'static str],
    ttl: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    items: HashMap<(String, String), Entry>,
    /// When each remote id was last forgotten: a read that started earlier is stale.
    forgotten: HashMap<String, Instant>,
}

#[derive(Debug)]
struct Entry {
    fingerprint: u64,
    approval: RemoteApproval,
    read_at: Instant,
}

impl Recent {
    /// A memory whose fingerprints leave out the list item fields `volatile`.
    pub fn new(volatile: &'static [&'static str]) -> Recent {
        Recent::with_ttl(volatile, TTL)
    }

    /// The same with another trust period (tests).
    pub fn with_ttl(volatile: &'static [&'static str], ttl: Duration) -> Recent {
        Recent { volatile, ttl, inner: Mutex::default() }
    }

    /// The approval of `item` (listed under `source`): the remembered one when the item is
    /// unchanged and fresh, else `read()`'s, which is then remembered.
    pub async fn get_or_read<F, Fut>(&self, source: &Source, remote_id: &str, item: &Value, read: F) -> Result<RemoteApproval, VendorError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<RemoteApproval, VendorError>>,
    {
        let fingerprint = self.fingerprint(item);
        if let Some(hit) = self.get(source.name, remote_id, fingerprint) {
            // See the module documentation: only a finished approval is taken as it was.
            if hit.status.is_final() {
                return Ok(hit);
            }
        }
        let started = Instant::now();
        let approval = read().await?;
        self.remember(source.name, remote_id, fingerprint, started, &approval);
        Ok(approval)
    }

    /// Forgets `remote_id` under every source, and any read of it still in flight.
    pub fn forget(&self, remote_id: &str) {
        let mut inner = self.lock();
        inner.items.retain(|(_, id), _| id != remote_id);
        inner.forgotten.insert(remote_id.to_string(), Instant::now());
    }

    /// The hash of a list item without its volatile fields. Only compared within one process.
    pub fn fingerprint(&self, item: &Value) -> u64 {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        match item {
            Value::Object(map) => {
                for (key, value) in map.iter().filter(|(k, _)| !self.volatile.contains(&k.as_str())) {
                    (key, value.to_string()).hash(&mut hasher);
                }
            }
            other => other.to_string().hash(&mut hasher),
        }
        hasher.finish()
    }

    fn get(&self, source: &str, remote_id: &str, fingerprint: u64) -> Option<RemoteApproval> {
        let inner = self.lock();
        let entry = inner.items.get(&(source.to_string(), remote_id.to_string()))?;
        (entry.fingerprint == fingerprint && entry.read_at.elapsed() < self.ttl).then(|| entry.approval.clone())
    }

    fn remember(&self, source: &str, remote_id: &str, fingerprint: u64, started: Instant, approval: &RemoteApproval) {
        let mut inner = self.lock();
        if inner.forgotten.get(remote_id).is_some_and(|at| *at >= started) {
            return;
        }
        let entry = Entry { fingerprint, approval: approval.clone(), read_at: started };
        inner.items.insert((source.to_string(), remote_id.to_string()), entry);
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

    fn approval(id: &str, title: &str) -> RemoteApproval {
        RemoteApproval {
            remote_id: id.into(),
            title: title.into(),
            form_name: String::new(),
            submitter: User { id: "1".into(), name: "李娜".into() },
            submitted_at: 1,
            updated_at: 1,
            status: Status::Approved,
            boxes: vec![],
            fields: vec![],
            steps: vec![],
            attachments: vec![],
            actions: vec![],
            raw: Value::Null,
        }
    }

    /// Reads `item` through `recent`, counting the detail reads in `reads`.
    async fn read(recent: &Recent, source: &str, item: &Value, reads: &AtomicUsize, title: &str) -> RemoteApproval {
        read_in(recent, &Source { name: leak(source), boxes: vec![Inbox::Processed] }, item, reads, title, vec![Inbox::Processed]).await
    }

    fn leak(s: &str) -> &'static str {
        Box::leak(s.to_string().into_boxed_str())
    }

    /// Reads `item` listed by `source` as an approval in `boxes`.
    async fn read_in(recent: &Recent, source: &Source, item: &Value, reads: &AtomicUsize, title: &str, boxes: Vec<Inbox>) -> RemoteApproval {
        recent
            .get_or_read(source, "7", item, || async {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(RemoteApproval { boxes, ..approval("7", title) })
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn an_unchanged_item_is_read_once_per_source() {
        let (recent, reads) = (Recent::new(&["distance"]), AtomicUsize::new(0));
        let item = json!({ "id": 7, "status": "applying", "distance": "28 分钟" });
        read(&recent, "todo", &item, &reads, "a").await;
        let later = json!({ "id": 7, "status": "applying", "distance": "大约一小时" });
        assert_eq!(read(&recent, "todo", &later, &reads, "b").await.title, "a", "a volatile field is no change");
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        read(&recent, "processed", &item, &reads, "c").await;
        assert_eq!(reads.load(Ordering::SeqCst), 2, "another source is another entry");
    }

    #[tokio::test]
    async fn a_changed_item_an_old_read_and_a_forgotten_id_are_read_again() {
        let (recent, reads) = (Recent::new(&[]), AtomicUsize::new(0));
        read(&recent, "todo", &json!({ "id": 7, "status": "applying" }), &reads, "a").await;
        assert_eq!(read(&recent, "todo", &json!({ "id": 7, "status": "pass" }), &reads, "b").await.title, "b");
        recent.forget("7");
        assert_eq!(read(&recent, "todo", &json!({ "id": 7, "status": "pass" }), &reads, "c").await.title, "c");
        assert_eq!(reads.load(Ordering::SeqCst), 3);

        let stale = Recent::with_ttl(&[], Duration::ZERO);
        let item = json!({ "id": 7 });
        read(&stale, "todo", &item, &reads, "a").await;
        assert_eq!(read(&stale, "todo", &item, &reads, "d").await.title, "d", "past the TTL the detail is read");
    }

    #[tokio::test]
    async fn a_read_overtaken_by_a_forget_is_not_remembered() {
        let recent = Recent::new(&[]);
        let item = json!({ "id": 7 });
        recent
            .get_or_read(&Source { name: "todo", boxes: vec![] }, "7", &item, || async {
                recent.forget("7"); // the user acts while the sync reads
                Ok(approval("7", "before the action"))
            })
            .await
            .unwrap();
        let reads = AtomicUsize::new(0);
        assert_eq!(read(&recent, "todo", &item, &reads, "after").await.title, "after");
    }

    #[tokio::test]
    async fn an_approval_in_progress_is_read_on_every_sync() {
        let recent = Recent::new(&[]);
        let (pending, finished) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let item = json!({ "id": 7, "status": 0 });
        for _ in 0..3 {
            read_status(&recent, "handler", &item, &pending, Status::Pending).await;
            read_status(&recent, "creator", &item, &finished, Status::Rejected).await;
        }
        assert_eq!(pending.load(Ordering::SeqCst), 3, "in progress: its detail may have moved, read it");
        assert_eq!(finished.load(Ordering::SeqCst), 1, "finished: read once");
    }

    async fn read_status(recent: &Recent, source: &str, item: &Value, reads: &AtomicUsize, status: Status) -> RemoteApproval {
        recent
            .get_or_read(&Source { name: leak(source), boxes: vec![Inbox::Todo, Inbox::Processed] }, "7", item, || async {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok(RemoteApproval { status, ..approval("7", "a") })
            })
            .await
            .unwrap()
    }
}
