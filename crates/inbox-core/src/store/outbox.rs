//! The outbox's rows and their SQL: every decision and submission is written here durably
//! (`synchronous=FULL`) before it is sent, claimed under a lease while one process sends it,
//! and moved between states by the delivery in `crate::outbox`, which owns the rules.

use super::{Store, StoreError};
use crate::model::now;
use crate::model::{Action, Approval};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// What an outbox entry asks the vendor to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    Approve,
    Reject,
    Cancel,
    Submit,
}

impl OutboxKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxKind::Approve => "approve",
            OutboxKind::Reject => "reject",
            OutboxKind::Cancel => "cancel",
            OutboxKind::Submit => "submit",
        }
    }

    fn parse(s: &str) -> Option<OutboxKind> {
        [OutboxKind::Approve, OutboxKind::Reject, OutboxKind::Cancel, OutboxKind::Submit]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    pub(crate) fn action(self) -> Option<Action> {
        match self {
            OutboxKind::Approve => Some(Action::Approve),
            OutboxKind::Reject => Some(Action::Reject),
            OutboxKind::Cancel => Some(Action::Cancel),
            OutboxKind::Submit => None,
        }
    }
}

impl From<Action> for OutboxKind {
    fn from(a: Action) -> Self {
        match a {
            Action::Approve => OutboxKind::Approve,
            Action::Reject => OutboxKind::Reject,
            Action::Cancel => OutboxKind::Cancel,
        }
    }
}

/// Where an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for its (next) attempt at `next_attempt_at`.
    Queued,
    /// An attempt began; after a crash nobody knows whether it reached the vendor.
    Sending,
    /// The vendor refused it: waits for the user to retry or discard.
    Failed,
    /// The vendor has it (or already showed it decided).
    Done,
    /// The user gave it up.
    Discarded,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Failed => "failed",
            OutboxState::Done => "done",
            OutboxState::Discarded => "discarded",
        }
    }

    fn parse(s: &str) -> Option<OutboxState> {
        [OutboxState::Queued, OutboxState::Sending, OutboxState::Failed, OutboxState::Done, OutboxState::Discarded]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One decision or submission on its way to the vendor.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct OutboxEntry {
    pub id: i64,
    pub account_id: i64,
    /// The cached approval acted on (none for a submission).
    pub approval_id: Option<i64>,
    /// The vendor's id of that approval.
    pub remote_id: Option<String>,
    pub kind: OutboxKind,
    pub comment: String,
    pub state: OutboxState,
    pub attempts: i64,
    /// Why the last attempt did not go through, in words.
    pub last_error: Option<String>,
    /// Unix seconds.
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The submission form (vendor JSON); not shown in lists.
    #[serde(skip)]
    pub form: Option<serde_json::Value>,
    /// The title of the approval acted on, while the cache holds it (filled by
    /// [`Service::outbox`], for the list the user reads).
    pub title: Option<String>,
    /// The process sending it now, and until when its lease holds (`sending` only).
    #[serde(skip)]
    pub lease_owner: Option<String>,
    #[serde(skip)]
    pub lease_until: Option<i64>,
    /// The vendor's marker of the step an approve or reject was made on (the step the user saw
    /// awaiting them); none for a cancel, a submission, or a vendor without step markers.
    #[serde(skip)]
    pub step: Option<String>,
    /// That step's name, as the user saw it.
    pub step_name: Option<String>,
}

type StoreResult<T> = std::result::Result<T, StoreError>;

/// Runs `write` with `synchronous=FULL`, so it is on disk when this returns; the cache's other
/// writes stay on NORMAL (WAL) for speed.
pub(crate) fn durably<T>(conn: &Connection, write: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> StoreResult<T> {
    conn.pragma_update(None, "synchronous", "FULL")?;
    let result = write(conn);
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(result?)
}

const COLUMNS: &str = "id, account_id, approval_id, remote_id, kind, comment, form, state, attempts, last_error, next_attempt_at, created_at, updated_at, lease_owner, lease_until, step, step_name";

/// How long a process's claim on an entry it is sending lasts unless renewed (every third of it,
/// while the send runs): other processes leave a leased entry alone, and one left by a process
/// that died is taken up (and reconciled first) this soon after.
pub const LEASE_SECS: i64 = 30;

fn entry_of(r: &Row) -> rusqlite::Result<OutboxEntry> {
    let bad =
        |i: usize, what: String| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, what.into());
    let kind: String = r.get(4)?;
    let state: String = r.get(7)?;
    let form: Option<String> = r.get(6)?;
    Ok(OutboxEntry {
        id: r.get(0)?,
        account_id: r.get(1)?,
        approval_id: r.get(2)?,
        remote_id: r.get(3)?,
        kind: OutboxKind::parse(&kind).ok_or_else(|| bad(4, format!("unknown outbox kind {kind}")))?,
        comment: r.get(5)?,
        form: form.map(|f| serde_json::from_str(&f)).transpose().map_err(|e| bad(6, e.to_string()))?,
        state: OutboxState::parse(&state).ok_or_else(|| bad(7, format!("unknown outbox state {state}")))?,
        attempts: r.get(8)?,
        last_error: r.get(9)?,
        next_attempt_at: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        title: None,
        lease_owner: r.get(13)?,
        lease_until: r.get(14)?,
        step: r.get(15)?,
        step_name: r.get(16)?,
    })
}

impl Store {
    /// Writes a new entry (state `queued`, due now) durably; returns its id. An approve or reject
    /// records the step the cached approval shows awaiting the user ([`Approval`]'s marks): the
    /// step they decided on. An approval has one live decision: one still queued or refused is
    /// replaced by this one (discarded, saying so); one being sent makes this one wait
    /// ([`StoreError::Conflict`]), as it may land.
    pub fn outbox_add(
        &self,
        account_id: i64,
        approval: Option<&Approval>,
        kind: OutboxKind,
        comment: &str,
        form: Option<&serde_json::Value>,
    ) -> StoreResult<i64> {
        let mut conn = self.conn();
        let t = now();
        conn.pragma_update(None, "synchronous", "FULL")?;
        let added = (|| {
            let tx = crate::store::write_tx(&mut conn)?;
            if let (Some(a), true) = (approval, kind.action().is_some()) {
                let live: Vec<(i64, String, String)> = tx
                    .prepare("SELECT id, kind, state FROM outbox WHERE account_id = ?1 AND approval_id = ?2 AND kind <> 'submit' AND state IN ('queued', 'sending', 'failed')")?
                    .query_map(params![account_id, a.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                if let Some((_, earlier, _)) = live.iter().find(|(_, _, state)| state == "sending") {
                    return Err(StoreError::Conflict(format!("an earlier decision ({earlier}) on approval {} is being sent; once the vendor answers, act again if needed", a.id)));
                }
                for (id, earlier, _) in &live {
                    let why = format!("replaced by a later decision ({} instead of {earlier})", kind.as_str());
                    tx.execute(
                        "UPDATE outbox SET state = 'discarded', last_error = ?2, updated_at = ?3 WHERE id = ?1",
                        params![id, why, t],
                    )?;
                }
            }
            let seen = approval
                .filter(|_| matches!(kind, OutboxKind::Approve | OutboxKind::Reject))
                .and_then(|a| a.remote.awaiting());
            tx.execute(
                "INSERT INTO outbox (account_id, approval_id, remote_id, kind, comment, form, state, next_attempt_at, created_at, updated_at, step, step_name)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'queued', ?7, ?7, ?7, ?8, ?9)",
                params![
                    account_id,
                    approval.map(|a| a.id),
                    approval.map(|a| a.remote.remote_id.as_str()),
                    kind.as_str(),
                    comment,
                    form.map(|f| f.to_string()),
                    t,
                    seen.map(|m| m.step.as_str()),
                    seen.map(|m| m.name.as_str())
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.commit()?;
            Ok(id)
        })();
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        added
    }

    pub fn outbox_entry(&self, id: i64) -> StoreResult<Option<OutboxEntry>> {
        Ok(self.conn().query_row(&format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"), [id], entry_of).optional()?)
    }

    /// Every entry not yet done or discarded, oldest first.
    pub fn outbox_open(&self) -> StoreResult<Vec<OutboxEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE state IN ('queued', 'sending', 'failed') ORDER BY id"
        ))?;
        let rows = stmt.query_map([], entry_of)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Every entry, whatever its state (tests, diagnostics).
    pub fn outbox_all(&self) -> StoreResult<Vec<OutboxEntry>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM outbox ORDER BY id"))?;
        let rows = stmt.query_map([], entry_of)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Ids of entries to send now: queued and due, or left `sending` by a process whose lease
    /// lapsed (it died mid-send).
    pub(crate) fn outbox_due(&self, at: i64) -> StoreResult<Vec<i64>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id FROM outbox WHERE (state = 'queued' AND next_attempt_at <= ?1)
             OR (state = 'sending' AND (lease_until IS NULL OR lease_until < ?1)) ORDER BY id",
        )?;
        let ids = stmt.query_map([at], |r| r.get(0))?.collect::<rusqlite::Result<Vec<i64>>>()?;
        Ok(ids)
    }

    /// When the earliest entry is next due (a queued one's retry time, a lease being
    /// sent that lapses), in seconds; `None` with nothing to send.
    pub fn outbox_next_at(&self) -> StoreResult<Option<i64>> {
        Ok(self.conn().query_row(
            "SELECT min(CASE state WHEN 'queued' THEN next_attempt_at ELSE coalesce(lease_until, 0) + 1 END)
             FROM outbox WHERE state IN ('queued', 'sending')",
            [],
            |r| r.get(0),
        )?)
    }

    /// Moves an entry to `state`, durably, ending any lease on it.
    pub(crate) fn outbox_set(
        &self,
        id: i64,
        state: OutboxState,
        error: Option<&str>,
        next_attempt_at: Option<i64>,
    ) -> StoreResult<()> {
        self.outbox_finish(id, None, state, error, next_attempt_at).map(drop)
    }

    /// [`Store::outbox_set`] by the sender `owner` (`Some`): only while it still holds the
    /// lease, so a send that outlived its lease does not overwrite what the process that took
    /// the entry over found. Says whether it wrote.
    pub(crate) fn outbox_finish(
        &self,
        id: i64,
        owner: Option<&str>,
        state: OutboxState,
        error: Option<&str>,
        next_attempt_at: Option<i64>,
    ) -> StoreResult<bool> {
        let conn = self.conn();
        let n = durably(&conn, |c| {
            c.execute(
                "UPDATE outbox SET state = ?2, last_error = coalesce(?3, last_error), next_attempt_at = coalesce(?4, next_attempt_at), updated_at = ?5,
                    lease_owner = NULL, lease_until = NULL WHERE id = ?1 AND (?6 IS NULL OR lease_owner IS NULL OR lease_owner = ?6)",
                params![id, state.as_str(), error, next_attempt_at, now(), owner],
            )
        })?;
        Ok(n == 1)
    }

    /// Takes the entry for sending as `owner` (state `sending`, leased for [`LEASE_SECS`]),
    /// in one statement, so two processes never both take it: when it is queued and due (or
    /// `now_anyway`), or `sending` with a lease that lapsed or is `owner`'s. Says whether it took it.
    pub(crate) fn outbox_claim(&self, id: i64, owner: &str, now_anyway: bool) -> StoreResult<bool> {
        let conn = self.conn();
        let t = now();
        let n = durably(&conn, |c| {
            c.execute(
                "UPDATE outbox SET state = 'sending', lease_owner = ?2, lease_until = ?3, updated_at = ?4
                 WHERE id = ?1 AND ((state = 'queued' AND (?5 OR next_attempt_at <= ?4))
                    OR (state = 'sending' AND (lease_until IS NULL OR lease_until < ?4 OR lease_owner = ?2)))",
                params![id, owner, t + LEASE_SECS, t, now_anyway],
            )
        })?;
        Ok(n == 1)
    }

    /// Counts an attempt, durably, before the request leaves.
    pub(crate) fn outbox_begin_attempt(&self, id: i64) -> StoreResult<()> {
        let conn = self.conn();
        durably(&conn, |c| {
            c.execute("UPDATE outbox SET attempts = attempts + 1, updated_at = ?2 WHERE id = ?1", params![id, now()])
        })?;
        Ok(())
    }

    /// Takes back the attempt just counted: the connector refused before any request left, so
    /// `attempts` keeps counting only attempts that may have reached the vendor (what makes a
    /// later reading of the vendor's state take a decision showing there for this one).
    pub(crate) fn outbox_attempt_not_sent(&self, id: i64) -> StoreResult<()> {
        let conn = self.conn();
        durably(&conn, |c| {
            c.execute(
                "UPDATE outbox SET attempts = max(attempts - 1, 0), updated_at = ?2 WHERE id = ?1",
                params![id, now()],
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Decision, Vendor};
    use rusqlite::Connection;

    #[test]
    fn outbox_writes_are_full_and_the_cache_stays_normal() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
        let during: i64 = durably(&conn, |c| c.query_row("PRAGMA synchronous", [], |r| r.get(0))).unwrap();
        let after: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!((during, after), (2, 1), "FULL = 2 during the outbox write, NORMAL = 1 after");
    }

    fn store_with_approval() -> (tempfile::TempDir, Store, i64, Approval) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let account = store
            .insert_account("励销云", Vendor::Weiwenjia, "http://127.0.0.1:1", &Default::default(), false)
            .unwrap();
        let item = crate::store::tests::varied("Contract:7", 1, crate::model::Status::Pending, "合同审批", "李娜");
        let id = store.upsert_one(account, &item).unwrap();
        let approval = store.approval(id).unwrap().unwrap();
        (dir, store, account, approval)
    }

    /// Issue 14: `approve` then `reject` while the vendor is down must not both go out.
    #[test]
    fn a_later_decision_replaces_a_queued_one_and_waits_for_one_being_sent() {
        let (_dir, store, account, approval) = store_with_approval();
        let first = store.outbox_add(account, Some(&approval), OutboxKind::Approve, "同意", None).unwrap();
        let second = store.outbox_add(account, Some(&approval), OutboxKind::Reject, "金额不对", None).unwrap();
        let replaced = store.outbox_entry(first).unwrap().unwrap();
        assert_eq!(replaced.state, OutboxState::Discarded);
        assert!(replaced.last_error.unwrap().contains("reject instead of approve"));
        assert_eq!(
            store.outbox_open().unwrap().iter().map(|e| e.id).collect::<Vec<_>>(),
            [second],
            "one live decision"
        );

        assert!(store.outbox_claim(second, "a", false).unwrap());
        let e = store.outbox_add(account, Some(&approval), OutboxKind::Approve, "", None).unwrap_err();
        assert!(matches!(e, StoreError::Conflict(ref why) if why.contains("being sent")), "{e}");
        assert_eq!(store.outbox_open().unwrap().len(), 1, "nothing queued beside it");
    }

    /// Issue 14: a decision in flight is not taken by another process until its lease lapses.
    #[test]
    fn an_entry_being_sent_is_leased_to_its_process() {
        let (_dir, store, account, approval) = store_with_approval();
        let id = store.outbox_add(account, Some(&approval), OutboxKind::Approve, "", None).unwrap();
        assert!(store.outbox_claim(id, "app", false).unwrap());
        assert!(!store.outbox_claim(id, "cli", true).unwrap(), "another process keeps off");
        assert!(store.outbox_due(now()).unwrap().is_empty(), "not due while leased");
        assert!(store.outbox_claim(id, "app", false).unwrap(), "its own process may go on");
        store.conn().execute("UPDATE outbox SET lease_until = ?2 WHERE id = ?1", params![id, now() - 1]).unwrap();
        assert_eq!(store.outbox_due(now()).unwrap(), [id], "a lapsed lease (its process died) is due");
        assert!(store.outbox_claim(id, "cli", false).unwrap());
        store.outbox_set(id, OutboxState::Done, None, None).unwrap();
        let done = store.outbox_entry(id).unwrap().unwrap();
        assert_eq!((done.lease_owner, done.lease_until), (None, None));
    }

    fn mark(step: &str, name: &str, decision: Decision) -> crate::model::StepMark {
        crate::model::StepMark { step: step.into(), name: name.into(), decision }
    }

    #[test]
    fn an_approve_or_reject_records_the_step_it_was_made_on_and_a_cancel_none() {
        let (dir, store, account, approval) = store_with_approval();
        let mut item = approval.remote;
        item.marks = vec![mark("12/1/n1", "一级审批", Decision::Waiting), mark("12/0/", "开始", Decision::Approved)];
        let id = store.upsert_one(account, &item).unwrap();
        let cached = store.approval(id).unwrap().unwrap();
        assert_eq!(cached.remote.marks, item.marks, "the marks are kept in the cache");
        let approve = store.outbox_add(account, Some(&cached), OutboxKind::Approve, "同意", None).unwrap();
        let entry = store.outbox_entry(approve).unwrap().unwrap();
        assert_eq!((entry.step.as_deref(), entry.step_name.as_deref()), (Some("12/1/n1"), Some("一级审批")));
        let cancel = store.outbox_add(account, Some(&cached), OutboxKind::Cancel, "", None).unwrap();
        let entry = store.outbox_entry(cancel).unwrap().unwrap();
        assert_eq!((entry.step, entry.step_name), (None, None));
        drop(dir);
    }

    #[test]
    fn entries_survive_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).unwrap();
        let account =
            store.insert_account("云盘", Vendor::Yomicloud, "http://127.0.0.1:1", &Default::default(), false).unwrap();
        let form = serde_json::json!({"title": "报销"});
        let id = store.outbox_add(account, None, OutboxKind::Submit, "", Some(&form)).unwrap();
        store.outbox_set(id, OutboxState::Failed, Some("HTTP 500"), None).unwrap();
        drop(store);
        let store = Store::open_in(dir.path()).unwrap();
        let entry = store.outbox_entry(id).unwrap().unwrap();
        assert_eq!(
            (entry.kind, entry.state, entry.last_error.as_deref(), entry.form),
            (OutboxKind::Submit, OutboxState::Failed, Some("HTTP 500"), Some(form))
        );
        assert_eq!(store.outbox_open().unwrap().len(), 1);
        let sync: i64 = store.conn().query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(sync, 1, "the cache stays on NORMAL");
    }
}
