//! What a sync's history phase still has to read, and what it read, kept in the cache so a
//! closed app resumes a first sync where it stopped (issue 17). The backlog holds the finished
//! items a walk listed and left for later, in the order the history phase reads them (the
//! lists' order: newest first); `sync_reads` holds, for each finished approval read, the
//! fingerprint of the list item it was read from and when, so the next process does not read
//! it again while its list item is unchanged (within the connector's trust period, as the
//! in-memory `sync::Recent` does within one process).

use super::{PageWrite, Result, Store};
use crate::model::now;
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::HashMap;

pub(super) const SCHEMA: &str = "
CREATE TABLE sync_backlog (
    seq INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    generation INTEGER NOT NULL,
    item TEXT NOT NULL,
    UNIQUE (account_id, source, remote_id)
);
CREATE INDEX sync_backlog_account ON sync_backlog(account_id, seq);
CREATE TABLE sync_reads (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    remote_id TEXT NOT NULL,
    fingerprint INTEGER NOT NULL,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, source, remote_id)
) WITHOUT ROWID;";

/// One item of the backlog: its source, remote id and list item (as the sync wrote it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlogged {
    pub source: String,
    pub remote_id: String,
    pub item: String,
}

/// What the cache remembers of a listed item: the read of it (fingerprint of the list item,
/// when, in seconds) and, when the account's cache holds it, whether its status is final.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListedMemo {
    pub read: Option<(i64, i64)>,
    pub cached_final: Option<bool>,
}

/// The statuses `Status::is_final` names, as stored.
const FINAL: [&str; 4] = ["approved", "rejected", "cancelled", "failed"];

/// The backlog and read rows of one stored page (inside its transaction, so "stored" and
/// "left the backlog" are one fact).
pub(super) fn write_page(tx: &Transaction, account_id: i64, generation: i64, page: &PageWrite<'_>) -> Result<()> {
    if !page.later.is_empty() {
        // A new seq each walk: the history phase follows the latest walk's order.
        let mut put = tx.prepare_cached(
            "INSERT OR REPLACE INTO sync_backlog (account_id, source, remote_id, generation, item)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (remote_id, item) in page.later {
            put.execute(params![account_id, page.source, remote_id, generation, item])?;
        }
    }
    if !page.reads.is_empty() {
        let mut put = tx.prepare_cached(
            "INSERT OR REPLACE INTO sync_reads (account_id, source, remote_id, fingerprint, read_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (remote_id, fingerprint) in page.reads {
            put.execute(params![account_id, page.source, remote_id, fingerprint, now()])?;
        }
    }
    if !page.done.is_empty() {
        let mut drop =
            tx.prepare_cached("DELETE FROM sync_backlog WHERE account_id = ?1 AND source = ?2 AND remote_id = ?3")?;
        for remote_id in page.done {
            drop.execute(params![account_id, page.source, remote_id])?;
        }
    }
    Ok(())
}

/// Forgets what the account's syncs read and left to read (its endpoint changed).
pub(super) fn forget_account(tx: &Transaction, account_id: i64) -> Result<()> {
    tx.execute("DELETE FROM sync_reads WHERE account_id = ?1", [account_id])?;
    tx.execute("DELETE FROM sync_backlog WHERE account_id = ?1", [account_id])?;
    Ok(())
}

impl Store {
    /// What the cache remembers of `remote_ids` listed by `source` (see [`ListedMemo`]).
    pub fn listed_memo(
        &self,
        account_id: i64,
        source: &str,
        remote_ids: &[&str],
    ) -> Result<HashMap<String, ListedMemo>> {
        let conn = self.conn();
        let mut read = conn.prepare_cached(
            "SELECT fingerprint, read_at FROM sync_reads WHERE account_id = ?1 AND source = ?2 AND remote_id = ?3",
        )?;
        let mut cached =
            conn.prepare_cached("SELECT status FROM approvals WHERE account_id = ?1 AND remote_id = ?2")?;
        let mut memo = HashMap::with_capacity(remote_ids.len());
        for id in remote_ids {
            let r = read.query_row(params![account_id, source, id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            let status: Option<String> = cached.query_row(params![account_id, id], |r| r.get(0)).optional()?;
            let cached_final = status.map(|s| FINAL.contains(&s.as_str()));
            memo.insert(id.to_string(), ListedMemo { read: r, cached_final });
        }
        Ok(memo)
    }

    /// The next `limit` items of the account's backlog, in the order they were left.
    pub fn backlog_next(&self, account_id: i64, limit: usize) -> Result<Vec<Backlogged>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT source, remote_id, item FROM sync_backlog WHERE account_id = ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![account_id, limit as i64], |r| {
            Ok(Backlogged { source: r.get(0)?, remote_id: r.get(1)?, item: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many items the account's history phase still has to read.
    pub fn backlog_count(&self, account_id: i64) -> Result<u64> {
        let n: i64 =
            self.conn()
                .query_row("SELECT count(*) FROM sync_backlog WHERE account_id = ?1", [account_id], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// After a complete walk of `source`: what it no longer lists leaves the backlog (and a
    /// source no longer walked, `None` for its generation, leaves it whole). Returns how many.
    pub fn prune_backlog(&self, account_id: i64, source: &str, generation: Option<i64>) -> Result<usize> {
        Ok(self.conn().execute(
            "DELETE FROM sync_backlog WHERE account_id = ?1 AND source = ?2 AND (?3 IS NULL OR generation < ?3)",
            params![account_id, source, generation],
        )?)
    }

    /// Forgets the reads of one approval (after acting on it), so the next sync reads it.
    pub fn forget_reads(&self, account_id: i64, remote_id: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM sync_reads WHERE account_id = ?1 AND remote_id = ?2",
            params![account_id, remote_id],
        )?;
        Ok(())
    }

    /// The account's current sync generation (what a history read marks its boxes with).
    pub fn generation(&self, account_id: i64) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT generation FROM sync_state WHERE account_id = ?1", [account_id], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }
}

impl Store {
    /// Drops one backlog entry without reading it.
    pub fn forget_backlog_item(&self, account_id: i64, source: &str, remote_id: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM sync_backlog WHERE account_id = ?1 AND source = ?2 AND remote_id = ?3",
            params![account_id, source, remote_id],
        )?;
        Ok(())
    }
}
