//! The relay's storage: one SQLite file, or a PostgreSQL database shared by several relay
//! instances. Both run the same SQL (numbered `$n` binds, `ON CONFLICT`, `RETURNING`), written
//! once and run on either pool; each has its own migrations folder (`migrations/sqlite`,
//! `migrations/postgres`, embedded in the binary). Every rule that must hold across processes is
//! the database's: a nonce is single-use by a primary key, a result is stored once by a unique
//! key, and a user's cursors are numbered under the row lock of that user's counter, so they
//! become visible in the order they are numbered (a reader never sees cursor 8 before 7).

use crate::config::Storage;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlSafeStr, Transaction};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The channel PostgreSQL instances tell each other about new events on (payload: the 工号).
pub const EVENTS_CHANNEL: &str = "inbox_relay_events";
/// The SQLite file's name in the data directory.
pub const SQLITE_FILE: &str = "relay.sqlite3";
/// The lock file that keeps a second relay process off the same SQLite file.
const LOCK_FILE: &str = "relay.lock";

/// A storage failure, in words (never with the database URL).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the data directory {path}: {reason}")]
    DataDir { path: String, reason: String },
    #[error("another inbox-relay process serves {path}; one serving process per SQLite file (for several instances use PostgreSQL: --database-url)")]
    Locked { path: String },
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("cannot bring the database schema up to date: {0}")]
    Migrate(String),
    #[error("database: {0}")]
    Query(#[from] sqlx::Error),
}

/// A user of the relay, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    /// 工号.
    pub username: String,
    pub name: String,
    pub token_id: String,
    pub token_hash: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// A user with what is waiting for them (`user list`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub user: UserRow,
    /// Events stored after the cursor their desktop last said it applied.
    pub waiting: i64,
    pub acked: i64,
}

/// What `add_user` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New,
    /// The 工号 had a revoked token; it has a new one now (its results are kept).
    Reissued,
    /// The 工号 has a live token; nothing changed.
    Exists,
}

/// Who holds a business id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Recorded for this user now, or already theirs.
    Mine,
    /// Sent through this relay by another 工号.
    Others(String),
}

/// One accepted callback to store.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    pub nonce: &'a str,
    pub timestamp: i64,
    pub business_id: &'a str,
    pub audit_id: &'a str,
    pub kind: &'a str,
    /// '' when the callback has no result.
    pub result: &'a str,
    /// The callback JSON as 则一 sent it (decrypted).
    pub body: &'a str,
    pub now: i64,
}

/// What storing a callback did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// A new event with this cursor; `username` empty when nobody here sent the approval.
    New { username: String, cursor: i64 },
    /// The same result for the same approval was stored before: nothing new.
    Duplicate { username: String },
    /// The nonce (with this timestamp) was accepted before: nothing stored.
    Replayed,
    /// The auditId belongs to another business id: nothing stored.
    Conflict { business_id: String },
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub seq: i64,
    pub business_id: String,
    pub audit_id: String,
    pub kind: String,
    pub result: String,
    pub body: String,
    pub received_at: i64,
}

/// What retention removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub events: u64,
    pub nonces: u64,
    pub submissions: u64,
}

/// Row counts, for metrics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub events: i64,
    pub unrouted: i64,
    pub nonces: i64,
    pub submissions: i64,
    pub users: i64,
}

/// The storage, on one of the two engines.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool, std::sync::Arc<std::fs::File>),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool `$db` holds: the same code, type-checked
/// once per engine.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite($pool, _) => $body,
            Db::Postgres($pool) => $body,
        }
    };
}

/// A write transaction: `BEGIN IMMEDIATE` on SQLite (takes the write lock first, so two
/// writers queue instead of one failing to upgrade), a plain `BEGIN` on PostgreSQL.
trait WritePool {
    type Engine: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl std::future::Future<Output = Result<Transaction<'static, Self::Engine>, sqlx::Error>> + Send;
}

impl WritePool for SqlitePool {
    type Engine = sqlx::Sqlite;
    async fn begin_write(&self) -> Result<Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl WritePool for PgPool {
    type Engine = sqlx::Postgres;
    async fn begin_write(&self) -> Result<Transaction<'static, sqlx::Postgres>, sqlx::Error> {
        self.begin().await
    }
}

fn migrator(sqlite: bool) -> Migrator {
    let sql = if sqlite {
        include_str!("../migrations/sqlite/0001_init.sql")
    } else {
        include_str!("../migrations/postgres/0001_init.sql")
    };
    Migrator::with_migrations(vec![Migration::new(1, "init".into(), MigrationType::Simple, sql.into_sql_str(), false)])
}

impl Db {
    /// Opens (creating when needed) the storage and brings its schema up to date, for user
    /// management: it may run beside the serving process.
    pub async fn connect(storage: &Storage) -> Result<Db, DbError> {
        match storage {
            Storage::Sqlite { data_dir } => Self::sqlite(data_dir, false).await,
            Storage::Postgres { url } => Self::postgres(url).await,
        }
    }

    /// [`Db::connect`] for serving: on SQLite, refused while another relay serves the file (it
    /// would long-poll without hearing the other's events: SQLite has no notifications across
    /// processes). Several instances need PostgreSQL.
    pub async fn connect_server(storage: &Storage) -> Result<Db, DbError> {
        match storage {
            Storage::Sqlite { data_dir } => Self::sqlite(data_dir, true).await,
            Storage::Postgres { url } => Self::postgres(url).await,
        }
    }

    async fn sqlite(dir: &Path, serving: bool) -> Result<Db, DbError> {
        let shown = dir.display().to_string();
        let fail = |e: std::io::Error| DbError::DataDir { path: shown.clone(), reason: e.to_string() };
        inbox_core::platform::create_private_dir(dir).map_err(fail)?;
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(LOCK_FILE))
            .map_err(fail)?;
        if serving && lock.try_lock().is_err() {
            return Err(DbError::Locked { path: shown });
        }
        let file: PathBuf = dir.join(SQLITE_FILE);
        create_private_file(&file).map_err(fail)?;
        let options = SqliteConnectOptions::new()
            .filename(&file)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a result is on disk before 则一 hears "success" (WAL's NORMAL could lose the
            // last commits on a power cut).
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| DbError::Connect(e.to_string()))?;
        migrator(true).run(&pool).await.map_err(|e| DbError::Migrate(e.to_string()))?;
        Ok(Db::Sqlite(pool, std::sync::Arc::new(lock)))
    }

    async fn postgres(url: &str) -> Result<Db, DbError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| DbError::Connect(format!("the database URL is not valid: {e}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| DbError::Connect(e.to_string()))?;
        // The migrator takes an advisory lock: instances starting together migrate once.
        migrator(false).run(&pool).await.map_err(|e| DbError::Migrate(e.to_string()))?;
        Ok(Db::Postgres(pool))
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// The PostgreSQL pool, for the notification listener.
    pub fn pg_pool(&self) -> Option<&PgPool> {
        match self {
            Db::Postgres(pool) => Some(pool),
            Db::Sqlite(..) => None,
        }
    }

    /// Closes the pool (and, for SQLite, lets the next process take the file).
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// `SELECT 1`: the database answers.
    pub async fn ping(&self) -> Result<(), DbError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()).map_err(DbError::from))
    }

    // ---- users ----

    /// Adds a user, or gives a revoked one a new token; a live token is never replaced.
    pub async fn add_user(
        &self,
        username: &str,
        name: &str,
        token_id: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<Added, DbError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let before: Option<Option<i64>> = sqlx::query("SELECT revoked_at FROM users WHERE username = $1").bind(username).fetch_optional(&mut *tx).await?.map(|r| r.try_get("revoked_at")).transpose()?;
            let outcome = match before {
                Some(None) => Added::Exists,
                Some(Some(_)) => {
                    sqlx::query("UPDATE users SET name = $2, token_id = $3, token_hash = $4, created_at = $5, revoked_at = NULL WHERE username = $1")
                        .bind(username).bind(name).bind(token_id).bind(token_hash).bind(now).execute(&mut *tx).await?;
                    Added::Reissued
                }
                None => {
                    sqlx::query("INSERT INTO users (username, name, token_id, token_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, NULL)")
                        .bind(username).bind(name).bind(token_id).bind(token_hash).bind(now).execute(&mut *tx).await?;
                    Added::New
                }
            };
            tx.commit().await?;
            Ok(outcome)
        })
    }

    /// Revokes a user's token; false when the 工号 has no live token.
    pub async fn revoke_user(&self, username: &str, now: i64) -> Result<bool, DbError> {
        on_pool!(self, pool => {
            let done = sqlx::query("UPDATE users SET revoked_at = $2 WHERE username = $1 AND revoked_at IS NULL").bind(username).bind(now).execute(pool).await?;
            Ok(done.rows_affected() > 0)
        })
    }

    /// The user a token's public id names (revoked or not).
    pub async fn user_by_token_id(&self, token_id: &str) -> Result<Option<UserRow>, DbError> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT username, name, token_id, token_hash, created_at, revoked_at FROM users WHERE token_id = $1").bind(token_id).fetch_optional(pool).await?;
            row.map(|r| user_row(&r)).transpose().map_err(DbError::from)
        })
    }

    /// Every user with what waits for them, by 工号.
    pub async fn list_users(&self) -> Result<Vec<UserSummary>, DbError> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT u.username, u.name, u.token_id, u.token_hash, u.created_at, u.revoked_at, COALESCE(c.acked_seq, 0) AS acked,
                        (SELECT COUNT(*) FROM events e WHERE e.username = u.username AND e.seq > COALESCE(c.acked_seq, 0)) AS waiting
                 FROM users u LEFT JOIN event_counters c ON c.username = u.username ORDER BY u.username",
            )
            .fetch_all(pool)
            .await?;
            rows.iter().map(|r| Ok(UserSummary { user: user_row(r)?, waiting: r.try_get("waiting")?, acked: r.try_get("acked")? })).collect::<Result<Vec<_>, sqlx::Error>>().map_err(DbError::from)
        })
    }

    // ---- submissions ----

    /// Records that `username` sends business id `business_id`, unless another 工号 did first.
    pub async fn claim(&self, business_id: &str, username: &str, audit_type: &str, now: i64) -> Result<Claim, DbError> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO submissions (business_id, username, audit_type, audit_id, created_at, updated_at) VALUES ($1, $2, $3, NULL, $4, $4) ON CONFLICT (business_id) DO NOTHING")
                .bind(business_id).bind(username).bind(audit_type).bind(now).execute(pool).await?;
            let owner: String = sqlx::query("SELECT username FROM submissions WHERE business_id = $1").bind(business_id).fetch_one(pool).await?.try_get("username")?;
            Ok(if owner == username { Claim::Mine } else { Claim::Others(owner) })
        })
    }

    /// Who sent `business_id` through this relay, if anyone.
    pub async fn owner(&self, business_id: &str) -> Result<Option<String>, DbError> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT username FROM submissions WHERE business_id = $1").bind(business_id).fetch_optional(pool).await?;
            row.map(|r| r.try_get("username")).transpose().map_err(DbError::from)
        })
    }

    /// Records the auditId 则一 gave a business id (the latest one: a refused id may be sent
    /// again and gets a new auditId).
    pub async fn set_audit_id(&self, business_id: &str, audit_id: &str, now: i64) -> Result<(), DbError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE submissions SET audit_id = $2, updated_at = $3 WHERE business_id = $1").bind(business_id).bind(audit_id).bind(now).execute(pool).await?;
            Ok(())
        })
    }

    // ---- callbacks and events ----

    /// Whether a nonce (with this timestamp) was accepted before: the early check, before
    /// decrypting; [`Db::store_callback`] decides for good.
    pub async fn nonce_seen(&self, nonce: &str, timestamp: i64) -> Result<bool, DbError> {
        on_pool!(self, pool => {
            let row = sqlx::query("SELECT 1 AS seen FROM callback_nonces WHERE nonce = $1 AND ts = $2").bind(nonce).bind(timestamp).fetch_optional(pool).await?;
            Ok(row.is_some())
        })
    }

    /// Stores an accepted callback in one transaction: the nonce, and the event for whoever
    /// sent the approval (unless this result was stored before). Nothing is kept unless all of
    /// it is.
    pub async fn store_callback(&self, cb: &Incoming<'_>) -> Result<Stored, DbError> {
        let postgres = self.is_postgres();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let fresh = sqlx::query("INSERT INTO callback_nonces (nonce, ts, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(cb.nonce).bind(cb.timestamp).bind(cb.now).execute(&mut *tx).await?;
            if fresh.rows_affected() == 0 {
                tx.rollback().await?;
                return Ok(Stored::Replayed);
            }
            let other = sqlx::query("SELECT business_id FROM submissions WHERE audit_id = $1 AND business_id <> $2").bind(cb.audit_id).bind(cb.business_id).fetch_optional(&mut *tx).await?;
            if let Some(other) = other {
                let business_id: String = other.try_get("business_id")?;
                tx.rollback().await?;
                return Ok(Stored::Conflict { business_id });
            }
            let owner = sqlx::query("SELECT username, audit_id FROM submissions WHERE business_id = $1").bind(cb.business_id).fetch_optional(&mut *tx).await?;
            let username: String = match &owner {
                Some(row) => {
                    let known: Option<String> = row.try_get("audit_id")?;
                    if known.is_none() {
                        // Sent, but 则一 never named the auditId (docs/zeyi-protocol.md choice 3): now it has.
                        sqlx::query("UPDATE submissions SET audit_id = $2, updated_at = $3 WHERE business_id = $1").bind(cb.business_id).bind(cb.audit_id).bind(cb.now).execute(&mut *tx).await?;
                    }
                    row.try_get("username")?
                }
                None => String::new(),
            };
            let seen = sqlx::query("SELECT username FROM events WHERE business_id = $1 AND audit_id = $2 AND kind = $3 AND result = $4")
                .bind(cb.business_id).bind(cb.audit_id).bind(cb.kind).bind(cb.result).fetch_optional(&mut *tx).await?;
            if let Some(seen) = seen {
                let username: String = seen.try_get("username")?;
                tx.commit().await?;
                return Ok(Stored::Duplicate { username });
            }
            sqlx::query("INSERT INTO event_counters (username, last_seq, acked_seq, pruned_through) VALUES ($1, 0, 0, 0) ON CONFLICT DO NOTHING").bind(&username).execute(&mut *tx).await?;
            // The row lock taken here is held until commit: this user's next event waits, so
            // cursors commit in the order they are numbered.
            let cursor: i64 = sqlx::query("UPDATE event_counters SET last_seq = last_seq + 1 WHERE username = $1 RETURNING last_seq").bind(&username).fetch_one(&mut *tx).await?.try_get("last_seq")?;
            let inserted = sqlx::query("INSERT INTO events (username, seq, business_id, audit_id, kind, result, body, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING")
                .bind(&username).bind(cursor).bind(cb.business_id).bind(cb.audit_id).bind(cb.kind).bind(cb.result).bind(cb.body).bind(cb.now)
                .execute(&mut *tx).await?;
            if inserted.rows_affected() == 0 {
                // Another instance stored the same result meanwhile: the cursor is skipped.
                tx.commit().await?;
                return Ok(Stored::Duplicate { username });
            }
            if postgres && !username.is_empty() {
                // Delivered at commit to every instance listening (their long-polls wake).
                sqlx::query("SELECT pg_notify($1, $2)").bind(EVENTS_CHANNEL).bind(&username).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(Stored::New { username, cursor })
        })
    }

    /// Up to `limit` of `username`'s events after `after`, in cursor order, and the highest
    /// cursor retention removed.
    pub async fn events_after(&self, username: &str, after: i64, limit: i64) -> Result<(Vec<EventRow>, i64), DbError> {
        on_pool!(self, pool => {
            let rows = sqlx::query("SELECT seq, business_id, audit_id, kind, result, body, received_at FROM events WHERE username = $1 AND seq > $2 ORDER BY seq LIMIT $3")
                .bind(username).bind(after).bind(limit).fetch_all(pool).await?;
            let events = rows
                .iter()
                .map(|r| {
                    Ok(EventRow {
                        seq: r.try_get("seq")?,
                        business_id: r.try_get("business_id")?,
                        audit_id: r.try_get("audit_id")?,
                        kind: r.try_get("kind")?,
                        result: r.try_get("result")?,
                        body: r.try_get("body")?,
                        received_at: r.try_get("received_at")?,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            let pruned = sqlx::query("SELECT pruned_through FROM event_counters WHERE username = $1").bind(username).fetch_optional(pool).await?;
            let pruned: i64 = pruned.map(|r| r.try_get("pruned_through")).transpose()?.unwrap_or(0);
            Ok((events, pruned))
        })
    }

    /// Records that `username`'s desktop applied everything up to `cursor`.
    pub async fn ack(&self, username: &str, cursor: i64) -> Result<(), DbError> {
        on_pool!(self, pool => {
            sqlx::query("UPDATE event_counters SET acked_seq = $2 WHERE username = $1 AND acked_seq < $2").bind(username).bind(cursor).execute(pool).await?;
            Ok(())
        })
    }

    /// Per user with events: how many are stored after the cursor their desktop acknowledged.
    pub async fn waiting_per_user(&self) -> Result<Vec<(String, i64)>, DbError> {
        on_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT c.username, (SELECT COUNT(*) FROM events e WHERE e.username = c.username AND e.seq > c.acked_seq) AS waiting
                 FROM event_counters c WHERE c.username <> '' ORDER BY c.username",
            )
            .fetch_all(pool)
            .await?;
            rows.iter().map(|r| Ok((r.try_get("username")?, r.try_get("waiting")?))).collect::<Result<Vec<_>, sqlx::Error>>().map_err(DbError::from)
        })
    }

    /// Row counts of the tables.
    pub async fn counts(&self) -> Result<Counts, DbError> {
        on_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT (SELECT COUNT(*) FROM events WHERE username <> '') AS events, (SELECT COUNT(*) FROM events WHERE username = '') AS unrouted,
                        (SELECT COUNT(*) FROM callback_nonces) AS nonces, (SELECT COUNT(*) FROM submissions) AS submissions, (SELECT COUNT(*) FROM users) AS users",
            )
            .fetch_one(pool)
            .await?;
            Ok(Counts { events: row.try_get("events")?, unrouted: row.try_get("unrouted")?, nonces: row.try_get("nonces")?, submissions: row.try_get("submissions")?, users: row.try_get("users")? })
        })
    }

    /// Removes events received before `events_before`, nonces seen before `nonces_before` and
    /// submissions untouched since `submissions_before`; each user's `pruned_through` records
    /// the highest cursor removed.
    pub async fn prune(
        &self,
        events_before: i64,
        nonces_before: i64,
        submissions_before: i64,
    ) -> Result<Pruned, DbError> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "UPDATE event_counters SET pruned_through = (SELECT MAX(e.seq) FROM events e WHERE e.username = event_counters.username AND e.received_at < $1)
                 WHERE EXISTS (SELECT 1 FROM events e WHERE e.username = event_counters.username AND e.received_at < $1)",
            )
            .bind(events_before)
            .execute(&mut *tx)
            .await?;
            let events = sqlx::query("DELETE FROM events WHERE received_at < $1").bind(events_before).execute(&mut *tx).await?.rows_affected();
            let nonces = sqlx::query("DELETE FROM callback_nonces WHERE seen_at < $1").bind(nonces_before).execute(&mut *tx).await?.rows_affected();
            let submissions = sqlx::query("DELETE FROM submissions WHERE updated_at < $1").bind(submissions_before).execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok(Pruned { events, nonces, submissions })
        })
    }
}

fn user_row<R: Row>(r: &R) -> Result<UserRow, sqlx::Error>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    String: for<'v> sqlx::Decode<'v, R::Database> + sqlx::Type<R::Database>,
    i64: for<'v> sqlx::Decode<'v, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'v> sqlx::Decode<'v, R::Database>,
{
    Ok(UserRow {
        username: r.try_get("username")?,
        name: r.try_get("name")?,
        token_id: r.try_get("token_id")?,
        token_hash: r.try_get("token_hash")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

/// Creates the SQLite file readable by its owner only (the WAL and shared-memory files SQLite
/// adds take the same mode).
fn create_private_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map(|_| ())
}
