//! The local cache: one SQLite file (WAL, foreign keys on, versioned migrations) holding the
//! accounts' non-secret settings, their sync state and every approval with its boxes. The UI
//! reads only from here, so it is fast and works offline.

use rusqlite::Connection;
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

mod accounts;
mod backlog;
mod drafts;
mod list;
mod nonces;
mod outbox;
mod rows;
mod schema;
mod search;
mod sync_state;
mod write;
pub use backlog::{Backlogged, ListedMemo};
pub use drafts::{Draft, DraftState};
pub use list::{BoxCounts, FacetValue, Facets, ListQuery, NewTodos, Page, Sort};
pub(crate) use outbox::durably;
pub use outbox::{OutboxEntry, OutboxKind, OutboxState, LEASE_SECS};
pub(crate) use search::{terms, Terms};
pub use write::PageWrite;

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

    /// Frees the connection's page cache (`PRAGMA shrink_memory`); the next reads fill it again.
    pub fn release_memory(&self) -> Result<()> {
        self.conn().execute_batch("PRAGMA shrink_memory")?;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Action, Field, Inbox, RemoteApproval, User, Vendor};
    use crate::model::{FieldKind, Status};
    pub(crate) fn item(remote: &str, boxes: &[Inbox], updated: i64) -> RemoteApproval {
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

    pub(crate) fn store_with_account() -> (tempfile::TempDir, Store, i64) {
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

    pub(crate) fn varied(remote: &str, updated: i64, status: Status, form: &str, who: &str) -> RemoteApproval {
        let mut it = item(remote, &[Inbox::Todo], updated);
        it.status = status;
        it.form_name = form.into();
        it.submitter = User { id: who.into(), name: who.into() };
        it
    }
}
