//! The local cache: one SQLite file (WAL, foreign keys on, versioned migrations) holding the
//! accounts' non-secret settings, their sync state and every approval with its boxes. The UI
//! reads only from here, so it is fast and works offline.

use crate::model::{
    now, now_ms, Account, Action, Approval, ApprovalSummary, Attachment, Field, Inbox, RemoteApproval, Status, Step,
    SyncState, User, Vendor,
};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the cache at {path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("cannot use {path} for the cache: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the cache at {path} was written by a newer Approval Inbox (its schema is version {found}; this version knows up to {known}): update the app, or start it with another data directory (--data-dir)")]
    Newer { path: PathBuf, found: usize, known: usize },
    #[error("the cache at {path} is empty (0 bytes): it lost its content, so it is not opened as a new cache (which would drop every account); move it away to start afresh, or restore it from a backup")]
    Empty { path: PathBuf },
    #[error("cannot migrate the cache: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    #[error("a cached row is unreadable: {0}")]
    Corrupt(String),
    /// The write would contradict one in progress (a decision being sent).
    #[error("{0}")]
    Conflict(String),
}

type Result<T> = std::result::Result<T, StoreError>;

mod backlog;
mod drafts;
mod list;
mod outbox;
mod schema;
mod write;
pub use backlog::{Backlogged, ListedMemo};
pub use drafts::{Draft, DraftState};
pub(crate) use outbox::durably;
pub use outbox::{OutboxEntry, OutboxKind, OutboxState, LEASE_SECS};

/// A new name for a holder of leases in the cache (sync claims, outbox sends): one per opened
/// service, so unique among the processes sharing a cache.
pub fn new_owner() -> String {
    format!("{}:{}", std::process::id(), uuid::Uuid::new_v4().simple())
}

/// How many approvals [`Store::index_pending`] indexes per transaction after a sync: about 25 ms
/// of work at a time, so the window's reads never wait long for it.
pub const INDEX_BATCH: usize = 1_000;

/// A write transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so it waits in
/// the busy handler for another process's writer instead of failing with "database is locked"
/// when a deferred one would have to upgrade its read (which SQLite refuses without waiting).
pub(crate) fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

/// How long a statement waits for another process's write to finish before giving up: a
/// sync's page or an outbox write takes milliseconds; this covers a busy disk.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// What [`Store::record_sql`] saw (a trace callback is a plain `fn`, so it cannot capture).
static RECORDED_SQL: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// [`Store::upsert_one`] inside the caller's transaction: `item` with every box known. An
/// account that no longer exists (removed while a callback was on its way) is an error, so
/// the caller's transaction rolls back.
fn upsert_known(tx: &rusqlite::Transaction<'_>, account_id: i64, item: &RemoteApproval) -> Result<i64> {
    let generation: i64 =
        tx.query_row("SELECT generation FROM sync_state WHERE account_id = ?1", [account_id], |r| r.get(0))?;
    let former: Option<i64> = tx
        .query_row(
            "SELECT id FROM approvals WHERE account_id = ?1 AND remote_id = ?2",
            params![account_id, item.remote_id],
            |r| r.get(0),
        )
        .optional()?;
    let id = write::upsert(tx, account_id, &Inbox::ALL, generation, item)?;
    Ok(id.or(former).unwrap_or(0))
}

/// Memory settings of the connection, measured at 100k approvals (BENCHMARKS.md):
/// - `cache_size` 8 MiB (SQLite's default is 2 MiB): at 100k approvals every query ran as fast
///   as with 32 MiB on a quiet machine (the rest of the indexes come from the OS page cache,
///   which is not the app's memory), and the app stays under issue 7's 200 MB (191 MiB against
///   217 MiB with 32 MiB).
/// - `temp_store` in memory: sorts and the id lists of a search never touch the disk.
/// - no `mmap_size`: mapped pages count in the app's resident memory (issue 7 wants under
///   200 MB), and reads through the page cache were as fast in the store bench.
fn tune(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -8_192)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
}

/// What the list shows: one box (or all), optionally narrowed, newest first.
#[derive(Debug, Clone, Default, Deserialize, ts_rs::TS)]
#[ts(optional_fields)]
pub struct ListQuery {
    pub inbox: Option<Inbox>,
    pub vendor: Option<Vendor>,
    pub account_id: Option<i64>,
    pub search: Option<String>,
    /// Only approvals in this overall status.
    pub status: Option<Status>,
    /// Only approvals of this form (the vendor's form name, as listed by [`Store::facets`]).
    pub form_name: Option<String>,
    /// Only approvals submitted by this person (the name as shown).
    pub submitter: Option<String>,
    /// Only approvals last updated at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only approvals last updated before this time (Unix seconds).
    pub until: Option<i64>,
    /// Only approvals the last sync could not read (placeholders and stale copies).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub unreadable: bool,
    #[serde(default)]
    #[ts(as = "Option<Sort>", optional)]
    pub sort: Sort,
    #[serde(default)]
    pub offset: u32,
    #[serde(default = "default_limit")]
    pub limit: u32,
}

/// The order of a list: most recently updated first, or oldest first (what has waited longest).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
}

/// The values the list's filters offer for one box, most frequent first, each with its count.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct Facets {
    pub form_names: Vec<FacetValue>,
    pub submitters: Vec<FacetValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// Todos not announced before: how many, and the newest few to name in a notification.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct NewTodos {
    pub total: u64,
    pub newest: Vec<ApprovalSummary>,
}

fn default_limit() -> u32 {
    50
}

#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct Page {
    pub items: Vec<ApprovalSummary>,
    pub total: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct BoxCounts {
    pub todo: u64,
    pub submitted: u64,
    pub processed: u64,
    pub cc: u64,
    pub managed: u64,
}

/// The heavy parts of an approval, stored as one JSON column.
#[derive(Serialize, Deserialize)]
struct Body {
    fields: Vec<Field>,
    steps: Vec<Step>,
    attachments: Vec<Attachment>,
    /// The vendor's markers of the steps that concern the user (absent in bodies written
    /// before they were kept, and for approvals without any).
    #[serde(default)]
    marks: Vec<crate::model::StepMark>,
}

/// A handle on the cache file; cheap to clone and safe to share between tasks.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) `cache.sqlite3` in `dir`, migrated to the current schema.
    pub fn open_in(dir: &Path) -> Result<Store> {
        crate::platform::create_private_dir(dir)
            .map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
        Store::open(&dir.join("cache.sqlite3"))
    }

    pub fn open(path: &Path) -> Result<Store> {
        let open_err = |source| StoreError::Open { path: path.to_path_buf(), source };
        let io_err = |source| StoreError::Io { path: path.to_path_buf(), source };
        // An existing cache of 0 bytes is a cache that lost its content (a truncated copy, a
        // full disk), not a new one: taken as new, every account would silently be gone.
        if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            return Err(StoreError::Empty { path: path.to_path_buf() });
        }
        // Private before SQLite opens it: its WAL and shared-memory files take its mode.
        crate::platform::make_private_file(path).map_err(io_err)?;
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL").map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        tune(&conn).map_err(open_err)?;
        let migrations = schema::migrations();
        // A downgraded app must not touch a schema it does not know; it says so instead.
        let found = usize::from(migrations.current_version(&conn)?);
        let ahead = -migrations.pending_migrations(&conn)?;
        if ahead > 0 {
            return Err(StoreError::Newer { path: path.to_path_buf(), found, known: found - ahead as usize });
        }
        migrations.to_latest(&mut conn)?;
        Ok(Store { conn: Arc::new(Mutex::new(conn)), path: path.to_path_buf() })
    }

    /// Starts (or stops) recording the SQL of every statement this cache runs, with its
    /// parameters written in, so a benchmark can run exactly the same statements in the
    /// `sqlite3` shell (the floor of BENCHMARKS.md). [`Store::recorded_sql`] takes them.
    pub fn record_sql(&self, on: bool) {
        let record: fn(rusqlite::trace::TraceEvent<'_>) = |event| {
            if let rusqlite::trace::TraceEvent::Stmt(stmt, sql) = event {
                // Statements that SQLite runs itself are traced too: a trigger's (`-- TRIGGER`)
                // and the full-text module's on its shadow tables (`'main'.'…'`).
                if !sql.starts_with("--") && !sql.contains("'main'.") {
                    let text = stmt.expanded_sql().unwrap_or_else(|| sql.to_string());
                    RECORDED_SQL.lock().unwrap_or_else(|p| p.into_inner()).push(text);
                }
            }
        };
        self.conn().trace_v2(rusqlite::trace::TraceEventCodes::SQLITE_TRACE_STMT, on.then_some(record));
    }

    /// The statements recorded since the last call (see [`Store::record_sql`]).
    pub fn recorded_sql() -> Vec<String> {
        std::mem::take(&mut *RECORDED_SQL.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions roll
        // back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ---- accounts ---------------------------------------------------------------------

    pub fn insert_account(
        &self,
        name: &str,
        vendor: Vendor,
        base_url: &str,
        settings: &serde_json::Map<String, serde_json::Value>,
        demo: bool,
    ) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO accounts (name, vendor, base_url, settings, demo, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                name,
                vendor.as_str(),
                base_url,
                serde_json::Value::Object(settings.clone()).to_string(),
                demo,
                now()
            ],
        )?;
        let id = conn.last_insert_rowid();
        conn.execute("INSERT INTO sync_state (account_id) VALUES (?1)", [id])?;
        Ok(id)
    }

    pub fn update_account_endpoint(
        &self,
        id: i64,
        base_url: &str,
        settings: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        tx.execute(
            "UPDATE accounts SET base_url = ?2, settings = ?3 WHERE id = ?1",
            params![id, base_url, serde_json::Value::Object(settings.clone()).to_string()],
        )?;
        // Another endpoint (a demo's simulator is new each run): what the syncs read of the old
        // one is no reason to skip a read, nor a list of what is left to read.
        backlog::forget_account(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    /// This cache's random id, made by its first migration run (names its keychain entries).
    pub fn cache_id(&self) -> Result<String> {
        Ok(self.conn().query_row("SELECT value FROM meta WHERE key = 'cache_id'", [], |r| r.get(0))?)
    }

    /// The real accounts that existed before the cache id: only their keychain entries may be
    /// under the older names (`SecretStore::adopting`).
    pub fn legacy_accounts(&self) -> Result<Vec<i64>> {
        let ids: String =
            self.conn().query_row("SELECT value FROM meta WHERE key = 'legacy_accounts'", [], |r| r.get(0))?;
        Ok(ids.split(',').filter_map(|id| id.parse().ok()).collect())
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{ACCOUNT_SELECT} ORDER BY a.id"))?;
        let rows = stmt.query_map([], account_from_row)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(|a| a)).collect()
    }

    pub fn account(&self, id: i64) -> Result<Option<Account>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{ACCOUNT_SELECT} WHERE a.id = ?1"))?;
        stmt.query_row([id], account_from_row).optional()?.transpose()
    }

    /// Deletes the account with everything cached for it.
    pub fn remove_account(&self, id: i64) -> Result<bool> {
        Ok(self.conn().execute("DELETE FROM accounts WHERE id = ?1", [id])? > 0)
    }

    // ---- sync bookkeeping ---------------------------------------------------------------

    /// Starts a sync of `account_id`: returns the new generation that marks what it sees.
    pub fn begin_sync(&self, account_id: i64) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "UPDATE sync_state SET generation = generation + 1, last_attempt = ?2 WHERE account_id = ?1",
            params![account_id, now()],
        )?;
        Ok(conn.query_row("SELECT generation FROM sync_state WHERE account_id = ?1", [account_id], |r| r.get(0))?)
    }

    /// Records how a sync ended: its failure in words, or after a success what the cache
    /// holds of the account (approvals, and how many of them could not be read).
    /// Claims the right to sync `account_id` for `ttl_secs` as `owner`, or renews it: granted
    /// when nobody holds it, its holder's claim lapsed (a process that died), or `owner` holds
    /// it already. Syncs of one account never overlap across processes: one's removals would
    /// take away what the other just stored.
    pub fn claim_sync(&self, account_id: i64, owner: &str, ttl_secs: i64) -> Result<bool> {
        let now = now();
        let n = self.conn().execute(
            "INSERT INTO sync_claims (account_id, owner, until) VALUES (?1, ?2, ?3)
             ON CONFLICT (account_id) DO UPDATE SET owner = excluded.owner, until = excluded.until
             WHERE sync_claims.until < ?4 OR sync_claims.owner = excluded.owner",
            params![account_id, owner, now + ttl_secs, now],
        )?;
        Ok(n == 1)
    }

    /// Gives a claim of [`Store::claim_sync`] back (a claim of someone else stays).
    pub fn release_sync(&self, account_id: i64, owner: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM sync_claims WHERE account_id = ?1 AND owner = ?2", params![account_id, owner])?;
        Ok(())
    }

    /// Checks the cache file's structure (`PRAGMA quick_check`) on a connection of its own, so
    /// the window's reads do not wait for it: `None` when sound, else SQLite's first finding.
    /// A damaged file may still answer some queries, showing part of the truth as all of it.
    pub fn check_integrity(&self) -> Result<Option<String>> {
        let conn = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| StoreError::Open { path: self.path.clone(), source })?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let found: rusqlite::Result<String> = conn.query_row("PRAGMA quick_check(1)", [], |r| r.get(0));
        Ok(match found {
            Ok(ok) if ok == "ok" => None,
            Ok(problem) => Some(problem),
            Err(e) => Some(e.to_string()),
        })
    }

    /// Reserves the next call of `key` (an account's endpoint) under "one per `interval_ms`,
    /// `burst` ahead", for every process on this cache at once (the generic cell rate
    /// algorithm, its state in the `pacing` table, updated in one write transaction): returns
    /// how many ms to wait before calling. The slot is taken whether or not the caller waits.
    pub fn reserve_call(&self, key: &str, interval_ms: i64, burst: u32) -> Result<i64> {
        let now = now_ms();
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let tat: i64 =
            tx.query_row("SELECT tat_ms FROM pacing WHERE key = ?1", [key], |r| r.get(0)).optional()?.unwrap_or(now);
        let next = tat.max(now) + interval_ms;
        let wait = (next - i64::from(burst) * interval_ms - now).max(0);
        tx.execute(
            "INSERT INTO pacing (key, tat_ms) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET tat_ms = excluded.tat_ms",
            params![key, next],
        )?;
        tx.commit()?;
        Ok(wait)
    }

    /// Holds every process off `key` for `pause_ms` (the vendor said "too fast").
    pub fn hold_calls(&self, key: &str, pause_ms: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO pacing (key, tat_ms) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET tat_ms = max(tat_ms, excluded.tat_ms)",
            params![key, now_ms() + pause_ms],
        )?;
        Ok(())
    }

    pub fn record_sync_result(&self, account_id: i64, error: Option<&str>) -> Result<()> {
        let conn = self.conn();
        match error {
            None => conn.execute(
                "UPDATE sync_state SET last_success = ?2, last_error = NULL,
                    last_count = (SELECT count(*) FROM approvals WHERE account_id = ?1),
                    last_unreadable = (SELECT count(*) FROM approvals WHERE account_id = ?1 AND unreadable IS NOT NULL)
                 WHERE account_id = ?1",
                params![account_id, now()],
            )?,
            Some(reason) => conn
                .execute("UPDATE sync_state SET last_error = ?2 WHERE account_id = ?1", params![account_id, reason])?,
        };
        Ok(())
    }

    /// Stores approvals read from one page of a source, in one transaction (see
    /// [`Store::store_page`]).
    pub fn upsert_page(
        &self,
        account_id: i64,
        boxes: &[Inbox],
        generation: i64,
        items: &[RemoteApproval],
    ) -> Result<usize> {
        self.store_page(account_id, boxes, generation, &PageWrite { read: items, ..PageWrite::default() })
    }

    /// Stores what one page of a source came to, in one transaction, so a failure leaves the
    /// cache as it was before the page: the approvals read (for each of `boxes`, the source's
    /// authority, an item is put in the box when it says so and taken out otherwise; an item
    /// whose content did not change is not rewritten, see `store/write.rs`), the ones found
    /// unchanged (their boxes stay), and the ones that could not be read (placeholders; a cached
    /// approval keeps its last readable content, marked unreadable and offering nothing, in its
    /// cached boxes and those its list item shows). Every one keeps this walk's `generation`,
    /// so the end of the walk leaves it. Returns how many approvals were read.
    pub fn store_page(&self, account_id: i64, boxes: &[Inbox], generation: i64, page: &PageWrite<'_>) -> Result<usize> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        for item in page.read {
            write::upsert(&tx, account_id, boxes, generation, item)?;
        }
        if !page.unchanged.is_empty() {
            let mut mark = tx.prepare_cached(
                "UPDATE approval_boxes SET generation = ?3
                 WHERE approval_id = (SELECT id FROM approvals WHERE account_id = ?1 AND remote_id = ?2) AND box = ?4",
            )?;
            for id in page.unchanged {
                for b in boxes {
                    mark.execute(params![account_id, id, generation, b.as_str()])?;
                }
            }
        }
        for (placeholder, listed_in) in page.unreadable {
            let cached = approval_on(&tx, account_id, &placeholder.remote_id)?;
            let item = match cached {
                Some(c) => {
                    let mut kept = c.remote.boxes.clone();
                    for b in listed_in {
                        if !kept.contains(b) {
                            kept.push(*b);
                        }
                    }
                    RemoteApproval {
                        actions: vec![],
                        unreadable: placeholder.unreadable.clone(),
                        boxes: kept,
                        ..c.remote
                    }
                }
                None => placeholder.clone(),
            };
            write::upsert(&tx, account_id, boxes, generation, &item)?;
        }
        backlog::write_page(&tx, account_id, generation, page)?;
        tx.commit()?;
        Ok(page.read.len())
    }

    /// Indexes for search up to `batch` of the approvals written since the last call (oldest
    /// first), in one transaction; returns how many. A sync calls it until it returns 0 (see
    /// [`INDEX_LATER`]); small batches keep the window's reads waiting no longer than a page.
    pub fn index_pending(&self, batch: usize) -> Result<usize> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        tx.execute(
            "INSERT INTO approvals_fts (rowid, search_text)
             SELECT a.id, a.search_text FROM approvals a WHERE a.id IN (SELECT id FROM fts_pending ORDER BY id LIMIT ?1)",
            [batch as i64],
        )?;
        let n = tx.execute(
            "DELETE FROM fts_pending WHERE id IN (SELECT id FROM fts_pending ORDER BY id LIMIT ?1)",
            [batch as i64],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Frees the connection's page cache (`PRAGMA shrink_memory`); the next reads fill it again.
    pub fn release_memory(&self) -> Result<()> {
        self.conn().execute_batch("PRAGMA shrink_memory")?;
        Ok(())
    }

    /// How many approvals are written but not yet indexed for search.
    pub fn pending_index(&self) -> Result<u64> {
        let n: i64 = self.conn().query_row("SELECT count(*) FROM fts_pending", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Stores what a vendor answered to a submission. An answer that says "in progress" about
    /// an approval the cache knows ended (a resend answered from the vendor's memory of the
    /// first send) keeps the ending.
    pub fn upsert_submitted(&self, account_id: i64, created: &RemoteApproval) -> Result<i64> {
        if !created.status.is_final() {
            if let Some(known) = self.approval_by_remote(account_id, &created.remote_id)? {
                if known.remote.status.is_final() {
                    tracing::info!(remote_id = %created.remote_id, "a resend answered with an approval the cache knows ended: kept as it ended");
                    return Ok(known.id);
                }
            }
        }
        self.upsert_one(account_id, created)
    }

    /// Stores one approval whose every box is known (after a detail read). Returns its id; an
    /// approval in no box leaves the cache (its former id is returned).
    pub fn upsert_one(&self, account_id: i64, item: &RemoteApproval) -> Result<i64> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let id = upsert_known(&tx, account_id, item)?;
        tx.commit()?;
        Ok(id)
    }

    /// Called after a source was walked to its end: whatever it did not list this time leaves
    /// its boxes, and approvals left in no box leave the cache. Returns how many left a box.
    /// Only while `owner` holds the account's sync claim ([`Store::claim_sync`]; `None`: no
    /// claim is kept, tests): a walk that lost it to another process removes nothing.
    pub fn finish_source(
        &self,
        account_id: i64,
        boxes: &[Inbox],
        generation: i64,
        owner: Option<&str>,
    ) -> Result<usize> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        if let Some(owner) = owner {
            let holds: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM sync_claims WHERE account_id = ?1 AND owner = ?2)",
                params![account_id, owner],
                |r| r.get(0),
            )?;
            if !holds {
                return Err(StoreError::Conflict(
                    "another process took over this account's sync; its walk decides what leaves the boxes".into(),
                ));
            }
        }
        let mut removed = 0;
        for b in boxes {
            removed += tx.execute(
                "DELETE FROM approval_boxes WHERE box = ?1 AND account_id = ?2 AND generation < ?3",
                params![b.as_str(), account_id, generation],
            )?;
        }
        if removed > 0 {
            write::delete_orphans(&tx, account_id)?;
        }
        tx.commit()?;
        Ok(removed)
    }

    // ---- callback nonces ----------------------------------------------------------------

    /// Whether a callback nonce was already accepted.
    pub fn nonce_seen(&self, nonce: &str) -> Result<bool> {
        let conn = self.conn();
        Ok(conn.query_row("SELECT 1 FROM callback_nonces WHERE nonce = ?1", [nonce], |_| Ok(())).optional()?.is_some())
    }

    /// Applies an accepted callback: records its nonce (forgetting those seen before
    /// `prune_before`, Unix seconds) and stores `item` as [`Store::upsert_one`] does, in one
    /// transaction. A write that fails keeps neither, so the vendor's retry of the same
    /// callback is accepted instead of being refused as a replay. Returns the approval's id, or
    /// `None` when the nonce was already there (a replay: nothing is written).
    pub fn apply_callback(
        &self,
        account_id: i64,
        nonce: &str,
        seen_at: i64,
        prune_before: i64,
        item: &RemoteApproval,
    ) -> Result<Option<i64>> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        tx.execute("DELETE FROM callback_nonces WHERE seen_at < ?1", [prune_before])?;
        let fresh = tx.execute(
            "INSERT OR IGNORE INTO callback_nonces (nonce, seen_at) VALUES (?1, ?2)",
            params![nonce, seen_at],
        )? == 1;
        if !fresh {
            return Ok(None);
        }
        let id = upsert_known(&tx, account_id, item)?;
        tx.commit()?;
        Ok(Some(id))
    }

    /// The cursor of the last result pulled from the account's relay and applied (0: none yet).
    pub fn relay_cursor(&self, account_id: i64) -> Result<i64> {
        let conn = self.conn();
        let cursor = conn
            .query_row("SELECT cursor FROM relay_cursors WHERE account_id = ?1", [account_id], |r| r.get(0))
            .optional()?;
        Ok(cursor.unwrap_or(0))
    }

    /// Applies a result pulled from the relay: the approval as it now stands (`None`: nothing
    /// to write) and the cursor up to `cursor`, in one transaction, so a cursor is never ahead
    /// of what was applied. The cursor only moves forward (two processes may pull at once).
    pub fn apply_pulled(&self, account_id: i64, item: Option<&RemoteApproval>, cursor: i64) -> Result<Option<i64>> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let id = item.map(|item| upsert_known(&tx, account_id, item)).transpose()?;
        tx.execute(
            "INSERT INTO relay_cursors (account_id, cursor) VALUES (?1, ?2)
             ON CONFLICT(account_id) DO UPDATE SET cursor = max(cursor, excluded.cursor)",
            params![account_id, cursor],
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// How many callback nonces are kept (tests, diagnostics).
    pub fn nonce_count(&self) -> Result<u64> {
        Ok(self.conn().query_row("SELECT count(*) FROM callback_nonces", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// The cached approval of an account by the vendor's id.
    pub fn approval_by_remote(&self, account_id: i64, remote_id: &str) -> Result<Option<Approval>> {
        approval_on(&self.conn(), account_id, remote_id)
    }

    // ---- reading ----------------------------------------------------------------------

    /// One page of the list and its total (see `store/list.rs` for the plans).
    pub fn list(&self, q: &ListQuery) -> Result<Page> {
        list::page(&self.conn(), q)
    }

    /// How many approvals each box holds.
    pub fn box_counts(&self) -> Result<BoxCounts> {
        list::box_counts(&self.conn())
    }

    /// The form names and submitters present in a box (or all boxes), for the filter menus.
    pub fn facets(&self, inbox: Option<Inbox>) -> Result<Facets> {
        let conn = self.conn();
        let group = |column: &str| -> Result<Vec<FacetValue>> {
            let sql = format!(
                "SELECT a.{column}, count(*) FROM approvals a
                 WHERE EXISTS (SELECT 1 FROM approval_boxes b WHERE b.approval_id = a.id AND (?1 IS NULL OR b.box = ?1))
                 GROUP BY a.{column} ORDER BY count(*) DESC, a.{column} LIMIT {FACET_LIMIT}"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map([inbox.map(Inbox::as_str)], |r| {
                Ok(FacetValue { value: r.get(0)?, count: r.get::<_, i64>(1)? as u64 })
            })?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        };
        Ok(Facets { form_names: group("form_name")?, submitters: group("submitter_name")? })
    }

    /// The todos never announced before, marked as announced now: each is reported once,
    /// however many syncs see it. `newest` holds at most `keep` of them, newest first.
    pub fn take_new_todos(&self, keep: u32) -> Result<NewTodos> {
        let mut conn = self.conn();
        let tx = write_tx(&mut conn)?;
        let unseen = "FROM approval_boxes b WHERE b.box = 'todo'
            AND NOT EXISTS (SELECT 1 FROM todo_announced n WHERE n.approval_id = b.approval_id)";
        let total: i64 = tx.query_row(&format!("SELECT count(*) {unseen}"), [], |r| r.get(0))?;
        let newest = if total == 0 {
            Vec::new()
        } else {
            let sql = format!(
                "{SUMMARY_COLUMNS}{SUMMARY_FROM} WHERE a.id IN (SELECT b.approval_id {unseen})
                 ORDER BY a.updated_at DESC, a.id DESC LIMIT {keep}"
            );
            let mut stmt = tx.prepare(&sql)?;
            let rows = stmt.query_map([], summary_from_row)?;
            rows.map(|r| r.map_err(StoreError::from).and_then(|s| s)).collect::<Result<Vec<_>>>()?
        };
        tx.execute(&format!("INSERT INTO todo_announced (approval_id) SELECT b.approval_id {unseen}"), [])?;
        tx.commit()?;
        Ok(NewTodos { total: total as u64, newest })
    }

    pub fn approval(&self, id: i64) -> Result<Option<Approval>> {
        approval_with(&self.conn(), "a.id = ?1", params![id])
    }
}

/// What a page of a sync came to, for [`Store::store_page`].
#[derive(Default)]
pub struct PageWrite<'a> {
    /// Approvals read in one of the user's boxes.
    pub read: &'a [RemoteApproval],
    /// Remote ids listed as the cache has them (their list items did not change).
    pub unchanged: &'a [String],
    /// Placeholders of items that could not be read, each with the boxes its list item shows.
    pub unreadable: &'a [(RemoteApproval, Vec<Inbox>)],
    /// The source the page is of (the backlog and the remembered reads are per source).
    pub source: &'a str,
    /// Finished items left for the history phase: (remote id, the list item as the sync keeps
    /// it). A cached one keeps its boxes meanwhile (listed in `unchanged` too).
    pub later: &'a [(String, String)],
    /// Finished approvals read now, with the fingerprint of their list items (`sync_reads`).
    pub reads: &'a [(String, i64)],
    /// Items of the backlog this page read: they leave it.
    pub done: &'a [String],
}

/// The cached approval of an account by the vendor's id, on `conn` (a transaction too).
fn approval_on(conn: &Connection, account_id: i64, remote_id: &str) -> Result<Option<Approval>> {
    approval_with(conn, "a.account_id = ?1 AND a.remote_id = ?2", params![account_id, remote_id])
}

/// The one approval `filter` (over `approvals a`) selects, whole.
fn approval_with(conn: &Connection, filter: &str, args: impl rusqlite::Params) -> Result<Option<Approval>> {
    let sql = format!("{SUMMARY_COLUMNS}, a.body, a.raw{SUMMARY_FROM} WHERE {filter}");
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.query_row(args, |row| {
        let summary = summary_from_row(row)?;
        let body: String = row.get(15)?;
        let raw: String = row.get(16)?;
        Ok(summary.and_then(|s| approval_from_parts(s, &body, &raw)))
    })
    .optional()?
    .transpose()
}

const ACCOUNT_SELECT: &str = "SELECT a.id, a.name, a.vendor, a.base_url, a.settings, a.demo,
    s.last_attempt, s.last_success, s.last_error, s.last_count, s.last_unreadable
    FROM accounts a LEFT JOIN sync_state s ON s.account_id = a.id";

/// How many distinct values a filter menu offers at most.
const FACET_LIMIT: u32 = 200;

const SUMMARY_FROM: &str = " FROM approvals a JOIN accounts c ON c.id = a.account_id";

const SUMMARY_COLUMNS: &str = "SELECT a.id, a.account_id, c.name, c.vendor, a.remote_id, a.title, a.form_name,
    a.submitter_id, a.submitter_name, a.submitted_at, a.updated_at, a.status,
    a.actions || '|' || coalesce((SELECT group_concat(box) FROM approval_boxes b WHERE b.approval_id = a.id), ''),
    a.status_word, a.unreadable";

fn account_from_row(r: &Row) -> rusqlite::Result<Result<Account>> {
    let vendor: String = r.get(2)?;
    let settings: String = r.get(4)?;
    Ok((|| {
        Ok(Account {
            id: r.get(0)?,
            name: r.get(1)?,
            vendor: vendor.parse().map_err(StoreError::Corrupt)?,
            base_url: r.get(3)?,
            settings: serde_json::from_str(&settings).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            demo: r.get(5)?,
            sync: SyncState {
                running: false,
                last_attempt: r.get(6)?,
                last_success: r.get(7)?,
                last_error: r.get(8)?,
                last_count: r.get::<_, Option<i64>>(9)?.map(|n| n as u64),
                last_unreadable: r.get::<_, Option<i64>>(10)?.map(|n| n as u64),
                progress: None,
            },
        })
    })())
}

fn summary_from_row(r: &Row) -> rusqlite::Result<Result<ApprovalSummary>> {
    let vendor: String = r.get(3)?;
    let status: String = r.get(11)?;
    let packed: String = r.get(12)?;
    let unreadable: Option<String> = r.get(14)?;
    Ok((|| {
        let (actions, boxes) = packed.split_once('|').unwrap_or((&packed, ""));
        Ok(ApprovalSummary {
            id: r.get(0)?,
            account_id: r.get(1)?,
            account_name: r.get(2)?,
            vendor: vendor.parse().map_err(StoreError::Corrupt)?,
            remote_id: r.get(4)?,
            title: r.get(5)?,
            form_name: r.get(6)?,
            submitter: User { id: r.get(7)?, name: r.get(8)? },
            submitted_at: r.get(9)?,
            updated_at: r.get(10)?,
            status: status.parse().map_err(StoreError::Corrupt)?,
            status_word: r.get(13)?,
            boxes: parse_list(boxes)?,
            actions: parse_actions(actions)?,
            unreadable: unreadable
                .map(|u| serde_json::from_str(&u).map_err(|e| StoreError::Corrupt(e.to_string())))
                .transpose()?,
        })
    })())
}

fn parse_list(s: &str) -> Result<Vec<Inbox>> {
    let mut boxes = s
        .split(',')
        .filter(|b| !b.is_empty())
        .map(|b| b.parse())
        .collect::<std::result::Result<Vec<Inbox>, _>>()
        .map_err(StoreError::Corrupt)?;
    boxes.sort();
    Ok(boxes)
}

fn parse_actions(s: &str) -> Result<Vec<Action>> {
    s.split(',')
        .filter(|a| !a.is_empty())
        .map(|a| {
            serde_json::from_value(serde_json::Value::String(a.to_string()))
                .map_err(|e| StoreError::Corrupt(e.to_string()))
        })
        .collect()
}

fn approval_from_parts(s: ApprovalSummary, body: &str, raw: &str) -> Result<Approval> {
    let body: Body = serde_json::from_str(body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let raw = serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Approval {
        id: s.id,
        account_id: s.account_id,
        account_name: s.account_name,
        vendor: s.vendor,
        remote: RemoteApproval {
            remote_id: s.remote_id,
            title: s.title,
            form_name: s.form_name,
            submitter: s.submitter,
            submitted_at: s.submitted_at,
            updated_at: s.updated_at,
            status: s.status,
            boxes: s.boxes,
            fields: body.fields,
            steps: body.steps,
            attachments: body.attachments,
            actions: s.actions,
            raw,
            status_word: s.status_word,
            unreadable: s.unreadable,
            marks: body.marks,
        },
    })
}

/// What the user typed, as the full-text index looks for it (`expression`) and as a scan of
/// the rows not yet indexed does (`pattern`, a `LIKE` on `' ' || search_text || ' '`): the
/// same tokens, as a phrase, the last one a prefix when it is a word.
pub(crate) struct Terms {
    pub expression: String,
    pub pattern: String,
}

/// The [`Terms`] of what the user typed; `None` when nothing in it is indexed (punctuation).
/// The tokens are those [`search_text`] makes, as one phrase whose last token may be a prefix
/// when it is a word (so typing is searching). A CJK token is one character, so it has no
/// longer forms to match and is looked up exactly (a prefix lookup costs twice as much).
/// Tokens are letters, digits and CJK only: nothing in them is special to FTS5 or LIKE.
pub(crate) fn terms(typed: &str) -> Option<Terms> {
    let tokens = search_tokens(typed);
    let last_is_word = !tokens.last()?.chars().any(is_cjk);
    let phrase = tokens.join(" ");
    let (fts_end, like_end) = if last_is_word { ("\" *", "%") } else { ("\"", " %") };
    Some(Terms { expression: format!("\"{phrase}{fts_end}"), pattern: format!("% {phrase}{like_end}") })
}

/// Splits text the way the search index sees it: each CJK character is a token of its own (so
/// one- and two-character Chinese queries match anywhere), other runs of letters and digits
/// are words; everything else separates.
fn search_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if is_cjk(c) {
            tokens.extend((!word.is_empty()).then(|| std::mem::take(&mut word)));
            tokens.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty() {
            tokens.push(std::mem::take(&mut word));
        }
    }
    tokens.extend((!word.is_empty()).then_some(word));
    tokens
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F | 0x3040..=0x30FF | 0xAC00..=0xD7AF)
}

/// Everything a user may search for, as the tokens the full-text index stores.
fn search_text(item: &RemoteApproval) -> String {
    let mut out = String::with_capacity(1024);
    let mut add = |text: &str| push_tokens(&mut out, text);
    add(&item.title);
    add(&item.form_name);
    add(&item.submitter.name);
    // Field labels are left out: every approval of a form has the same ones, so they only
    // cost index space (a quarter of the tokens) and find everything.
    for f in &item.fields {
        add(&f.value);
    }
    for m in item.steps.iter().flat_map(|s| &s.members) {
        add(&m.user.name);
        if let Some(c) = &m.comment {
            add(c);
        }
    }
    out
}

/// Appends the tokens of `text` (as [`search_tokens`] splits it) to `out`, space-separated,
/// without a string per token: this runs for every approval a sync writes.
fn push_tokens(out: &mut String, text: &str) {
    let mut in_word = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        let cjk = is_cjk(c);
        if (cjk || (c.is_alphanumeric() && !in_word)) && !out.is_empty() {
            out.push(' ');
        }
        if cjk || c.is_alphanumeric() {
            out.push(c);
        }
        in_word = c.is_alphanumeric() && !cjk;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{FieldKind, Status};

    fn item(remote: &str, boxes: &[Inbox], updated: i64) -> RemoteApproval {
        RemoteApproval {
            remote_id: remote.into(),
            title: format!("上传审批 {remote}"),
            form_name: "上传文件".into(),
            submitter: User { id: "4".into(), name: "测试3".into() },
            submitted_at: 1_700_000_000,
            updated_at: updated,
            status: Status::Pending,
            boxes: boxes.to_vec(),
            fields: vec![Field::new("发起人陈述", "请批准季度报表", FieldKind::Text)],
            steps: vec![],
            attachments: vec![],
            actions: vec![Action::Approve, Action::Reject],
            raw: serde_json::json!({"id": remote}),
            status_word: None,
            unreadable: None,
            marks: vec![],
        }
    }

    fn store_with_account() -> (tempfile::TempDir, Store, i64) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let id = store.insert_account("云盘", Vendor::Yomicloud, "http://x", &Default::default(), false).unwrap();
        (dir, store, id)
    }

    #[test]
    fn migrations_are_valid_and_reopen_is_idempotent() {
        schema::migrations().validate().unwrap();
        let (dir, store, _) = store_with_account();
        drop(store);
        let again = Store::open_in(dir.path()).unwrap();
        assert_eq!(again.accounts().unwrap().len(), 1);
        let mode: String = again.conn().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    /// Issue 14: other users on the machine cannot read the cache, whatever the umask.
    #[cfg(unix)]
    #[test]
    fn the_cache_and_its_wal_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let store = Store::open_in(&data).unwrap();
        store.insert_account("云盘", Vendor::Yomicloud, "http://x", &Default::default(), false).unwrap();
        assert_eq!(mode(&data), 0o700, "the data directory it made");
        for file in ["cache.sqlite3", "cache.sqlite3-wal", "cache.sqlite3-shm"] {
            assert_eq!(mode(&data.join(file)), 0o600, "{file}");
        }
        drop(store);
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(data.join("cache.sqlite3"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let store = Store::open_in(&data).unwrap();
        assert_eq!(mode(&data.join("cache.sqlite3")), 0o600, "a readable cache is made private again");
        assert_eq!(mode(&data), 0o700, "and so is its folder");
        assert_eq!(store.accounts().unwrap().len(), 1);
        // A folder of the user's with other things in it keeps its mode; the cache is private.
        let theirs = dir.path().join("project");
        std::fs::create_dir(&theirs).unwrap();
        std::fs::write(theirs.join("notes.txt"), b"x").unwrap();
        std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o755)).unwrap();
        Store::open_in(&theirs).unwrap();
        assert_eq!((mode(&theirs), mode(&theirs.join("cache.sqlite3"))), (0o755, 0o600));
    }

    /// Issue 14: a cache that fails SQLite's check is said to be damaged.
    #[test]
    fn a_damaged_cache_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        assert_eq!(store.check_integrity().unwrap(), None);
        let acc = store.insert_account("云盘", Vendor::Yomicloud, "http://x", &Default::default(), false).unwrap();
        let items: Vec<RemoteApproval> = (0..400).map(|i| item(&i.to_string(), &[Inbox::Todo], i)).collect();
        store.upsert_page(acc, &[Inbox::Todo], store.begin_sync(acc).unwrap(), &items).unwrap();
        store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
        drop(store);
        // Garbage over the middle of the file, as a failing disk or a bad copy leaves it.
        let path = dir.path().join("cache.sqlite3");
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle..middle + 8192].fill(0x5a);
        std::fs::write(&path, &bytes).unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let problem = store.check_integrity().unwrap().expect("found damaged");
        assert!(!problem.is_empty(), "{problem}");
    }

    /// Issue 14: two handles on one cache (two processes) share one pace per endpoint.
    #[test]
    fn calls_are_paced_for_every_process_on_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (Store::open_in(dir.path()).unwrap(), Store::open_in(dir.path()).unwrap());
        let waits: Vec<i64> = (0..6)
            .map(|i| if i % 2 == 0 { &a } else { &b }.reserve_call("1:/cgi/approval/get", 500, 2).unwrap())
            .collect();
        assert_eq!(&waits[..2], [0, 0], "the burst is shared: {waits:?}");
        assert!(
            waits[2] > 0 && waits.windows(2).skip(2).all(|w| w[1] > w[0]),
            "then one per interval, whoever asks: {waits:?}"
        );
        assert!(waits[5] >= 1_500 && waits[5] <= 2_100, "{waits:?}");
        assert_eq!(a.reserve_call("1:/cgi/approval/query", 500, 2).unwrap(), 0, "another endpoint has its own pace");
        b.hold_calls("1:/cgi/approval/query", 20_000).unwrap();
        assert!(
            a.reserve_call("1:/cgi/approval/query", 500, 2).unwrap() >= 19_000,
            "a vendor's 'too fast' holds every process off"
        );
    }

    #[test]
    fn an_empty_cache_file_is_refused_not_taken_as_new() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cache.sqlite3"), b"").unwrap();
        let e = Store::open_in(dir.path()).err().expect("refused").to_string();
        assert!(e.contains("empty (0 bytes)") && e.contains("move it away"), "{e}");
        assert_eq!(std::fs::metadata(dir.path().join("cache.sqlite3")).unwrap().len(), 0, "left as it was");
    }

    #[test]
    fn a_cache_from_a_newer_app_is_refused_in_words_and_left_alone() {
        let (dir, store, _) = store_with_account();
        let known: i64 = store.conn().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        store.conn().pragma_update(None, "user_version", known + 1).unwrap();
        drop(store);
        let Err(e) = Store::open_in(dir.path()) else { panic!("a newer cache opened") };
        assert!(
            matches!(e, StoreError::Newer { found, known: k, .. } if found as i64 == known + 1 && k as i64 == known),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(text.contains("newer Approval Inbox") && text.contains("--data-dir"), "{text}");
        let conn = Connection::open(dir.path().join("cache.sqlite3")).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, known + 1, "not migrated down or touched");
        assert_eq!(conn.query_row("SELECT count(*) FROM accounts", [], |r| r.get::<_, i64>(0)).unwrap(), 1);
    }

    #[test]
    fn upsert_keeps_local_id_and_updates_fields() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        store.upsert_page(acc, &[Inbox::Todo], g, &[item("1", &[Inbox::Todo], 10)]).unwrap();
        let first = store.list(&ListQuery { inbox: Some(Inbox::Todo), limit: 50, ..Default::default() }).unwrap();
        let mut changed = item("1", &[Inbox::Todo], 20);
        changed.title = "改过的标题".into();
        store.upsert_page(acc, &[Inbox::Todo], g, &[changed]).unwrap();
        let again = store.approval(first.items[0].id).unwrap().unwrap();
        assert_eq!(again.remote.title, "改过的标题");
        assert_eq!(again.remote.fields[0].value, "请批准季度报表");
        assert_eq!(store.box_counts().unwrap().todo, 1);
    }

    #[test]
    fn items_move_between_boxes_and_unlisted_ones_leave() {
        let (_d, store, acc) = store_with_account();
        let g1 = store.begin_sync(acc).unwrap();
        let handler = [Inbox::Todo, Inbox::Processed];
        store.upsert_page(acc, &handler, g1, &[item("1", &[Inbox::Todo], 1), item("2", &[Inbox::Todo], 2)]).unwrap();
        store.upsert_page(acc, &[Inbox::Cc], g1, &[item("2", &[Inbox::Cc], 2)]).unwrap();
        store.finish_source(acc, &handler, g1, None).unwrap();
        assert_eq!(store.box_counts().unwrap(), BoxCounts { todo: 2, cc: 1, ..Default::default() });

        // Next sync: 1 was decided (todo → processed), 2 is no longer listed by the handler list.
        let g2 = store.begin_sync(acc).unwrap();
        store.upsert_page(acc, &handler, g2, &[item("1", &[Inbox::Processed], 3)]).unwrap();
        store.finish_source(acc, &handler, g2, None).unwrap();
        let counts = store.box_counts().unwrap();
        assert_eq!(counts, BoxCounts { processed: 1, cc: 1, ..Default::default() });

        // And when cc stops listing 2, it leaves the cache entirely.
        store.finish_source(acc, &[Inbox::Cc], store.begin_sync(acc).unwrap(), None).unwrap();
        let all = store.list(&ListQuery { limit: 50, ..Default::default() }).unwrap();
        assert_eq!(all.items.iter().map(|i| i.remote_id.as_str()).collect::<Vec<_>>(), ["1"]);
    }

    #[test]
    fn search_matches_one_and_two_chinese_characters_and_fields() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        let mut other = item("22", &[Inbox::Todo], 2);
        other.title = "Quarterly 合同".into();
        store.upsert_page(acc, &[Inbox::Todo], g, &[item("1", &[Inbox::Todo], 1), other]).unwrap();
        let hits =
            |s: &str| store.list(&ListQuery { search: Some(s.into()), limit: 50, ..Default::default() }).unwrap().total;
        // The same answers from the scan of rows not yet indexed and from the index.
        for indexed in [false, true] {
            assert_eq!(store.pending_index().unwrap(), if indexed { 0 } else { 2 });
            assert_eq!(hits("报"), 2);
            assert_eq!(hits("季度"), 2);
            assert_eq!(hits("测试3"), 2);
            assert_eq!(hits("合同"), 1);
            assert_eq!(hits("同合"), 0);
            assert_eq!(hits("%"), 0);
            assert_eq!(hits("批准季"), 2, "three characters across a word boundary");
            assert_eq!(hits("准批"), 0, "characters must be adjacent and in order");
            assert_eq!(hits("上传审批 1"), 1, "a title with its number");
            assert_eq!(hits("上传审批 2"), 0, "a number is a word: 22 is not 2, it starts with it");
            assert_eq!(hits("quart"), 1, "the last word is a prefix");
            assert_eq!(hits("QUARTERLY 合"), 1);
            assert_eq!(hits("uarterly"), 0, "words match from their start");
            if !indexed {
                assert_eq!(store.index_pending(1).unwrap(), 1);
                assert_eq!(store.index_pending(10).unwrap(), 1);
            }
        }
    }

    /// The full-text index holds exactly the approvals not pending, through updates and
    /// deletions of approvals in either state: once it caught up, FTS5's own integrity check
    /// finds it equal to the approvals' text (while rows are pending, its structure only).
    #[test]
    fn the_index_catches_up_with_inserts_updates_and_deletions() {
        let (_d, store, acc) = store_with_account();
        let integrity = |store: &Store| {
            let against_text = i64::from(store.pending_index().unwrap() == 0);
            store
                .conn()
                .execute(
                    "INSERT INTO approvals_fts (approvals_fts, rank) VALUES ('integrity-check', ?1)",
                    [against_text],
                )
                .map(|_| ())
        };
        let hits =
            |s: &str| store.list(&ListQuery { search: Some(s.into()), limit: 50, ..Default::default() }).unwrap().total;
        let g = store.begin_sync(acc).unwrap();
        let boxes = [Inbox::Todo];
        store.upsert_page(acc, &boxes, g, &[item("1", &boxes, 1), item("2", &boxes, 1)]).unwrap();
        assert_eq!(store.index_pending(100).unwrap(), 2);
        store.upsert_page(acc, &boxes, g, &[item("3", &boxes, 1), item("4", &boxes, 1)]).unwrap();
        let renamed = |id: &str, title: &str| RemoteApproval { title: title.into(), ..item(id, &boxes, 2) };
        // 1 indexed and renamed, 3 pending and renamed, 2 indexed and 4 pending both leave.
        store
            .upsert_page(
                acc,
                &boxes,
                g,
                &[renamed("1", "差旅报销"), renamed("3", "加班申请"), item("2", &[], 2), item("4", &[], 2)],
            )
            .unwrap();
        assert_eq!(store.pending_index().unwrap(), 2, "the renamed two wait for the index");
        for _ in 0..2 {
            assert_eq!((hits("差旅"), hits("加班"), hits("上传审批")), (1, 1, 0));
            integrity(&store).unwrap();
            store.index_pending(100).unwrap();
        }
        assert_eq!(store.pending_index().unwrap(), 0);
        assert!(store.remove_account(acc).unwrap());
        integrity(&store).unwrap();
        assert_eq!(hits("差旅"), 0);
    }

    #[test]
    fn search_tokens_split_cjk_per_character_and_keep_words() {
        assert_eq!(search_tokens("差旅报销 Q3-Report"), ["差", "旅", "报", "销", "q3", "report"]);
        let mut text = String::new();
        push_tokens(&mut text, "差旅报销 Q3-Report");
        push_tokens(&mut text, "x");
        assert_eq!(text, search_tokens("差旅报销 Q3-Report x").join(" "));
        let expression = |typed: &str| terms(typed).map(|t| t.expression);
        assert_eq!(expression("申请-99"), Some("\"申 请 99\" *".to_string()));
        assert_eq!(expression("差旅"), Some("\"差 旅\"".to_string()));
        assert_eq!(expression("\"%"), None);
        assert_eq!(terms("申请-99").map(|t| t.pattern).as_deref(), Some("% 申 请 99%"));
        assert_eq!(terms("差旅").map(|t| t.pattern).as_deref(), Some("% 差 旅 %"));
    }

    #[test]
    fn removing_an_account_removes_its_approvals() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        store.upsert_page(acc, &[Inbox::Todo], g, &[item("1", &[Inbox::Todo], 1)]).unwrap();
        assert!(store.remove_account(acc).unwrap());
        assert_eq!(store.box_counts().unwrap(), BoxCounts::default());
        assert_eq!(store.list(&ListQuery { limit: 5, ..Default::default() }).unwrap().total, 0);
    }

    #[test]
    fn callback_nonces_are_kept_once_and_pruned() {
        let (_d, store, acc) = store_with_account();
        let decided = item("7", &[Inbox::Submitted], 1);
        assert!(!store.nonce_seen("abc123").unwrap());
        let id = store.apply_callback(acc, "abc123", 100, 0, &decided).unwrap().expect("a fresh nonce applies");
        assert!(store.nonce_seen("abc123").unwrap());
        let mut replayed = decided.clone();
        replayed.title = "replayed".into();
        assert_eq!(store.apply_callback(acc, "abc123", 101, 0, &replayed).unwrap(), None, "a replay");
        assert_eq!(store.approval(id).unwrap().expect("stored").remote.title, decided.title, "a replay writes nothing");
        assert!(store.apply_callback(acc, "zzz999", 500, 200, &decided).unwrap().is_some());
        assert!(!store.nonce_seen("abc123").unwrap(), "pruned");
        assert_eq!(store.nonce_count().unwrap(), 1);
    }

    /// The account was removed while its callback was on the way: the approval cannot be
    /// written, and the nonce must not stay behind either (one transaction), so nothing refuses
    /// the vendor's retry as a replay.
    #[test]
    fn a_callback_whose_write_fails_keeps_no_nonce() {
        let (_d, store, acc) = store_with_account();
        assert!(store.remove_account(acc).unwrap());
        let decided = item("7", &[Inbox::Submitted], 1);
        assert!(store.apply_callback(acc, "abc123", 100, 0, &decided).is_err());
        assert!(!store.nonce_seen("abc123").unwrap());
        assert_eq!(store.nonce_count().unwrap(), 0);
    }

    #[test]
    fn sync_result_is_recorded_with_reason() {
        let (_d, store, acc) = store_with_account();
        store.begin_sync(acc).unwrap();
        store.record_sync_result(acc, Some("token无效")).unwrap();
        let a = store.account(acc).unwrap().unwrap();
        assert_eq!(a.sync.last_error.as_deref(), Some("token无效"));
        assert!(a.sync.last_success.is_none());
        store.record_sync_result(acc, None).unwrap();
        let a = store.account(acc).unwrap().unwrap();
        assert!(a.sync.last_error.is_none() && a.sync.last_success.is_some());
    }

    pub(crate) fn varied(remote: &str, updated: i64, status: Status, form: &str, who: &str) -> RemoteApproval {
        let mut it = item(remote, &[Inbox::Todo], updated);
        it.status = status;
        it.form_name = form.into();
        it.submitter = User { id: who.into(), name: who.into() };
        it
    }

    #[test]
    fn filters_narrow_a_box_and_its_total_and_sort_reverses() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        let items = [
            varied("1", 100, Status::Pending, "报销", "张伟"),
            varied("2", 200, Status::Pending, "请假", "张伟"),
            varied("3", 300, Status::Approved, "报销", "王芳"),
            varied("4", 400, Status::Pending, "报销", "王芳"),
        ];
        store.upsert_page(acc, &[Inbox::Todo], g, &items).unwrap();
        let ids = |q: ListQuery| {
            let page = store.list(&ListQuery { limit: 50, ..q }).unwrap();
            let ids: Vec<String> = page.items.iter().map(|i| i.remote_id.clone()).collect();
            assert_eq!(page.total as usize, ids.len(), "the total counts what the filter keeps");
            ids
        };
        for inbox in [Some(Inbox::Todo), None] {
            assert_eq!(ids(ListQuery { inbox, form_name: Some("报销".into()), ..Default::default() }), ["4", "3", "1"]);
            assert_eq!(
                ids(ListQuery {
                    inbox,
                    form_name: Some("报销".into()),
                    status: Some(Status::Pending),
                    ..Default::default()
                }),
                ["4", "1"]
            );
            assert_eq!(ids(ListQuery { inbox, submitter: Some("张伟".into()), ..Default::default() }), ["2", "1"]);
            assert_eq!(ids(ListQuery { inbox, since: Some(200), until: Some(400), ..Default::default() }), ["3", "2"]);
            assert_eq!(ids(ListQuery { inbox, sort: Sort::Oldest, ..Default::default() }), ["1", "2", "3", "4"]);
            assert_eq!(
                ids(ListQuery {
                    inbox,
                    search: Some("请".into()),
                    form_name: Some("请假".into()),
                    ..Default::default()
                }),
                ["2"]
            );
        }
    }

    #[test]
    fn facets_list_a_boxs_forms_and_submitters_by_frequency() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        let items = [
            varied("1", 1, Status::Pending, "报销", "张伟"),
            varied("2", 2, Status::Pending, "请假", "王芳"),
            varied("3", 3, Status::Pending, "报销", "王芳"),
        ];
        store.upsert_page(acc, &[Inbox::Todo], g, &items).unwrap();
        let f = store.facets(Some(Inbox::Todo)).unwrap();
        assert_eq!(
            f.form_names,
            [FacetValue { value: "报销".into(), count: 2 }, FacetValue { value: "请假".into(), count: 1 }]
        );
        assert_eq!(f.submitters[0], FacetValue { value: "王芳".into(), count: 2 });
        assert_eq!(store.facets(Some(Inbox::Cc)).unwrap(), Facets::default());
    }

    #[test]
    fn each_new_todo_is_announced_once() {
        let (_d, store, acc) = store_with_account();
        let g = store.begin_sync(acc).unwrap();
        store
            .upsert_page(
                acc,
                &[Inbox::Todo],
                g,
                &[item("1", &[Inbox::Todo], 1), item("2", &[Inbox::Todo], 2), item("3", &[Inbox::Todo], 3)],
            )
            .unwrap();
        let first = store.take_new_todos(2).unwrap();
        assert_eq!(first.total, 3);
        assert_eq!(first.newest.iter().map(|i| i.remote_id.as_str()).collect::<Vec<_>>(), ["3", "2"]);
        assert_eq!(store.take_new_todos(2).unwrap(), NewTodos::default(), "nothing new on the next sync");
        store
            .upsert_page(acc, &[Inbox::Todo], g, &[item("1", &[Inbox::Todo], 5), item("4", &[Inbox::Todo], 4)])
            .unwrap();
        let next = store.take_new_todos(2).unwrap();
        assert_eq!((next.total, next.newest[0].remote_id.as_str()), (1, "4"), "an update is not new");
    }
}
