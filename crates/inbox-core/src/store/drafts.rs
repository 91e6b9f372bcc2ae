//! Drafts: what the user typed for an approval not yet confirmed by the vendor (the generic
//! submission, the chosen files and their upload state), saved as they type and kept when a
//! send fails, so nothing typed is lost and a failed upload is retried without choosing again.

use super::{Result, Store, StoreError};
use crate::model::now;
use crate::submission::{Submission, UploadProgress};
use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

/// Where a draft is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DraftState {
    /// Being filled in.
    Editing,
    /// Sent; the vendor has not confirmed yet.
    Sending,
    /// The last send failed (`error` says why); it can be sent again.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Draft {
    /// 0 for a draft not saved yet.
    #[serde(default)]
    pub id: i64,
    pub account_id: i64,
    pub submission: Submission,
    /// One entry per file to upload, as last reported.
    #[serde(default)]
    pub uploads: Vec<UploadProgress>,
    #[serde(default = "editing")]
    pub state: DraftState,
    /// Why the last send failed, and the field it concerns when the vendor said.
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub error_field: Option<String>,
    #[serde(default)]
    pub updated_at: i64,
}

fn editing() -> DraftState {
    DraftState::Editing
}

const SELECT: &str = "SELECT id, account_id, submission, uploads, state, error, error_field, updated_at FROM drafts";

impl Store {
    /// Inserts (`id` 0) or updates a draft; one small statement, cheap enough per keystroke.
    /// A new draft gets its `request_id` here, kept for every later send. Once the user has
    /// sent it (any state but editing) the write is durable, as the outbox's are: a send that
    /// a power cut interrupts is still there to resume.
    pub fn save_draft(&self, draft: &Draft) -> Result<i64> {
        let conn = self.conn();
        let written = if draft.state == DraftState::Editing {
            write_draft(&conn, draft)?
        } else {
            super::durably(&conn, |c| write_draft(c, draft))?
        };
        written.ok_or_else(|| StoreError::Corrupt(format!("no draft {}", draft.id)))
    }

    /// Every draft, the latest first.
    pub fn drafts(&self) -> Result<Vec<Draft>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{SELECT} ORDER BY updated_at DESC, id DESC"))?;
        let rows = stmt.query_map([], draft_from_row)?;
        rows.map(|r| r.map_err(StoreError::from).and_then(|d| d)).collect()
    }

    pub fn draft(&self, id: i64) -> Result<Option<Draft>> {
        let conn = self.conn();
        conn.query_row(&format!("{SELECT} WHERE id = ?1"), [id], draft_from_row).optional()?.transpose()
    }

    pub fn remove_draft(&self, id: i64) -> Result<bool> {
        Ok(self.conn().execute("DELETE FROM drafts WHERE id = ?1", [id])? == 1)
    }

    /// Takes an approval out of the cache (the "sending" stand-in once the vendor answered).
    pub fn remove_approval(&self, account_id: i64, remote_id: &str) -> Result<bool> {
        Ok(self.conn().execute(
            "DELETE FROM approvals WHERE account_id = ?1 AND remote_id = ?2",
            params![account_id, remote_id],
        )? == 1)
    }
}

fn state_str(s: DraftState) -> &'static str {
    match s {
        DraftState::Editing => "editing",
        DraftState::Sending => "sending",
        DraftState::Failed => "failed",
    }
}

fn draft_from_row(row: &Row<'_>) -> rusqlite::Result<Result<Draft>> {
    let (submission, uploads, state): (String, String, String) = (row.get(2)?, row.get(3)?, row.get(4)?);
    let parse = || -> std::result::Result<Draft, String> {
        Ok(Draft {
            id: row.get(0).map_err(|e| e.to_string())?,
            account_id: row.get(1).map_err(|e| e.to_string())?,
            submission: serde_json::from_str(&submission).map_err(|e| format!("draft submission: {e}"))?,
            uploads: serde_json::from_str(&uploads).map_err(|e| format!("draft uploads: {e}"))?,
            state: serde_json::from_value(state.clone().into()).map_err(|_| format!("unknown draft state {state}"))?,
            error: row.get(5).map_err(|e| e.to_string())?,
            error_field: row.get(6).map_err(|e| e.to_string())?,
            updated_at: row.get(7).map_err(|e| e.to_string())?,
        })
    };
    Ok(parse().map_err(StoreError::Corrupt))
}

/// A draft part as its JSON column; plain data (strings, numbers, paths) always serialises.
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Inserts (`id` 0) or updates `draft`; its id, or `None` when there is no draft to update.
fn write_draft(conn: &rusqlite::Connection, draft: &Draft) -> rusqlite::Result<Option<i64>> {
    let mut submission = draft.submission.clone();
    if submission.request_id.trim().is_empty() {
        submission.request_id = format!("AI{}", uuid::Uuid::new_v4().simple());
    }
    if draft.id == 0 {
        conn.execute(
            "INSERT INTO drafts (account_id, submission, uploads, state, error, error_field, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![draft.account_id, json(&submission), json(&draft.uploads), state_str(draft.state), draft.error, draft.error_field, now()],
        )?;
        return Ok(Some(conn.last_insert_rowid()));
    }
    let n = conn.execute(
        "UPDATE drafts SET account_id = ?2, submission = ?3, uploads = ?4, state = ?5, error = ?6, error_field = ?7, updated_at = ?8 WHERE id = ?1",
        params![draft.id, draft.account_id, json(&submission), json(&draft.uploads), state_str(draft.state), draft.error, draft.error_field, now()],
    )?;
    Ok((n == 1).then_some(draft.id))
}
