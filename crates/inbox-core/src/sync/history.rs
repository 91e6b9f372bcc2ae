//! The second phase of a sync: reading the finished approvals the walk left in the backlog
//! (`Store::backlog_next`), newest first, a chunk at a time in the account's turn, so the
//! user's decisions go between chunks, and paced by the connector's `history_gap` so a
//! rate-limited vendor keeps room for them and for the next pass over the lists. What a chunk
//! read leaves the backlog in the transaction that stores it: a sync stopped anywhere resumes
//! (in this process or the next) without reading again what it stored.

use super::progress::Tally;
use super::{one_refusal_for_all, read, store_page, Kept, Memory, Read, SyncError, SyncReport, READ_CONCURRENCY};
use crate::connector::{Connector, ListItem, Source};
use crate::model::Inbox;
use crate::store::{Backlogged, Store};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// How many backlog items one turn reads when the vendor has no gap: enough to keep the reads
/// flowing, few enough that a decision waits for no more than one chunk.
const CHUNK: usize = 32;

/// A list item as the backlog keeps it: what `Connector::read` needs of it again.
#[derive(Serialize, Deserialize)]
struct KeptItem {
    raw: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seen: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    boxes: Vec<Inbox>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
}

/// A finished list item as the backlog keeps it.
pub(super) fn keep(item: ListItem) -> String {
    let kept = KeptItem { raw: item.raw, seen: item.seen, boxes: item.boxes, title: item.title };
    serde_json::to_string(&kept).unwrap_or_else(|_| "{}".into())
}

/// The list item a backlog entry kept, or `None` when the entry is unreadable (a cache written
/// by another version): it is dropped, and the next walk lists it again.
fn restore(entry: &Backlogged) -> Option<ListItem> {
    let kept: KeptItem = serde_json::from_str(&entry.item).ok()?;
    let mut item = ListItem::new(entry.remote_id.clone(), kept.raw).in_boxes(kept.boxes).finished_if(true);
    item.seen = kept.seen;
    item.title = kept.title;
    Some(item)
}

/// Reads the backlog until it is empty, the user stops, or `memory.history_for` has passed.
pub(super) async fn fill(
    store: &Store,
    connector: &dyn Connector,
    account_id: i64,
    memory: &Memory<'_>,
    tally: &mut Tally<'_>,
    generation: i64,
    report: &mut SyncReport,
) -> Result<(), SyncError> {
    let started = Instant::now();
    let gap = connector.history_gap();
    let chunk = if gap.is_some() { READ_CONCURRENCY } else { CHUNK };
    let sources = connector.sources();
    let mut next_at = Instant::now();
    loop {
        memory.stopped()?;
        if memory.history_for.is_some_and(|budget| started.elapsed() >= budget) {
            return Ok(());
        }
        let turn = memory.take_turn().await;
        let entries = store.backlog_next(account_id, chunk)?;
        if entries.is_empty() {
            return Ok(());
        }
        let mut read_now = 0;
        for (source, items) in by_source(store, account_id, &sources, entries)? {
            let slots = items.len();
            let reads = read_paced(connector, memory, &source, items, gap, &mut next_at).await?;
            if let Some(e) = one_refusal_for_all(&reads) {
                return Err(e.into());
            }
            let done = reads.iter().map(read_id).collect();
            let stored = store_page(
                store,
                account_id,
                &source,
                generation,
                reads,
                Kept { unchanged: Vec::new(), later: Vec::new(), done },
            )?;
            memory.recent.stored(&source, &stored.listed);
            report.fetched += stored.fetched;
            report.unreadable += stored.unreadable;
            if stored.unreadable > 0 {
                // Its placeholders are read again at the next sync, which walks the source.
                memory.heads.forget_source(account_id, &source);
            }
            read_now += slots;
        }
        drop(turn);
        tally.history_read(read_now);
    }
}

/// A chunk's entries grouped by their source (in order), the list items restored. An entry of
/// a source the connector no longer has, or one that cannot be restored, leaves the backlog.
fn by_source(
    store: &Store,
    account_id: i64,
    sources: &[Source],
    entries: Vec<Backlogged>,
) -> Result<Vec<(Source, Vec<ListItem>)>, SyncError> {
    let mut grouped: Vec<(Source, Vec<ListItem>)> = Vec::new();
    for entry in entries {
        let source = sources.iter().find(|s| s.name == entry.source);
        match (source, restore(&entry)) {
            (Some(source), Some(item)) => match grouped.iter_mut().find(|(s, _)| s.name == source.name) {
                Some((_, items)) => items.push(item),
                None => grouped.push((source.clone(), vec![item])),
            },
            (None, _) => {
                store.prune_backlog(account_id, &entry.source, None)?;
            }
            (Some(source), None) => {
                tracing::warn!(source = source.name, remote_id = %entry.remote_id, "a backlog entry could not be read back: dropped");
                store.forget_backlog_item(account_id, source.name, &entry.remote_id)?;
            }
        }
    }
    Ok(grouped)
}

/// Reads a chunk's items, a few at a time, each starting no sooner than `gap` after the one
/// before (`next_at` carries the schedule from chunk to chunk).
async fn read_paced(
    connector: &dyn Connector,
    memory: &Memory<'_>,
    source: &Source,
    items: Vec<ListItem>,
    gap: Option<Duration>,
    next_at: &mut Instant,
) -> Result<Vec<Read>, SyncError> {
    let recent = memory.recent;
    let reads = futures::stream::iter(items.into_iter().map(|item| {
        let at = (*next_at).max(Instant::now());
        *next_at = at + gap.unwrap_or_default();
        async move {
            if gap.is_some() {
                tokio::time::sleep_until(at.into()).await;
            }
            read(connector, recent, source, item).await
        }
    }))
    .buffered(READ_CONCURRENCY)
    .try_collect()
    .await?;
    Ok(reads)
}

/// The remote id a read was of.
fn read_id(r: &Read) -> String {
    match r {
        Read::Listed(crate::sync::recent::Listed::Read(a), _) => a.remote_id.clone(),
        Read::Listed(crate::sync::recent::Listed::Unchanged(id), _) => id.clone(),
        Read::Unreadable(item, _) => item.remote_id.clone(),
    }
}
