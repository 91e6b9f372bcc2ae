//! Reading cached rows back into the model: the columns of a summary, the body column, and the
//! one approval a filter selects. A row we cannot read is `StoreError::Corrupt`, not a panic.

use super::{Result, StoreError};
use crate::model::{Action, Approval, ApprovalSummary, Attachment, Field, Inbox, RemoteApproval, Step, StepMark, User};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

/// The heavy parts of an approval, stored as one JSON column.
#[derive(Serialize, Deserialize)]
pub(super) struct Body {
    pub fields: Vec<Field>,
    pub steps: Vec<Step>,
    pub attachments: Vec<Attachment>,
    /// The vendor's markers of the steps that concern the user (absent in bodies written
    /// before they were kept, and for approvals without any).
    #[serde(default)]
    pub marks: Vec<StepMark>,
}

pub(super) const SUMMARY_FROM: &str = " FROM approvals a JOIN accounts c ON c.id = a.account_id";

pub(super) const SUMMARY_COLUMNS: &str =
    "SELECT a.id, a.account_id, c.name, c.vendor, a.remote_id, a.title, a.form_name,
    a.submitter_id, a.submitter_name, a.submitted_at, a.updated_at, a.status,
    a.actions || '|' || coalesce((SELECT group_concat(box) FROM approval_boxes b WHERE b.approval_id = a.id), ''),
    a.status_word, a.unreadable";

pub(super) fn summary_from_row(r: &Row) -> rusqlite::Result<Result<ApprovalSummary>> {
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

pub(super) fn parse_list(s: &str) -> Result<Vec<Inbox>> {
    let mut boxes = s
        .split(',')
        .filter(|b| !b.is_empty())
        .map(|b| b.parse())
        .collect::<std::result::Result<Vec<Inbox>, _>>()
        .map_err(StoreError::Corrupt)?;
    boxes.sort();
    Ok(boxes)
}

pub(super) fn parse_actions(s: &str) -> Result<Vec<Action>> {
    s.split(',')
        .filter(|a| !a.is_empty())
        .map(|a| {
            serde_json::from_value(serde_json::Value::String(a.to_string()))
                .map_err(|e| StoreError::Corrupt(e.to_string()))
        })
        .collect()
}

pub(super) fn approval_from_parts(s: ApprovalSummary, body: &str, raw: &str) -> Result<Approval> {
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

/// The cached approval of an account by the vendor's id, on `conn` (a transaction too).
pub(super) fn approval_on(conn: &Connection, account_id: i64, remote_id: &str) -> Result<Option<Approval>> {
    approval_with(conn, "a.account_id = ?1 AND a.remote_id = ?2", params![account_id, remote_id])
}

/// The one approval `filter` (over `approvals a`) selects, whole.
pub(super) fn approval_with(conn: &Connection, filter: &str, args: impl rusqlite::Params) -> Result<Option<Approval>> {
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
